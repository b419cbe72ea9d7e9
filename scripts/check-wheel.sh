#!/usr/bin/env bash
# The built distribution works outside the repository: build the sdist and the wheel, install
# the wheel into a new virtual environment in a temporary folder (packages from the registry),
# and run the installed commands there: --about, --discover, and a short sync against the
# installed sandbox on 127.0.0.1. Called by scripts/test.sh (the README's test command).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d /tmp/tiktokshop-wheel-check.XXXXXX)"
sandbox_pid=""
cleanup() {
  if [ -n "$sandbox_pid" ]; then kill "$sandbox_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { echo "check-wheel: $*" >&2; }

"$repo/.venv/bin/python" -m build --sdist --wheel --outdir "$work/dist" "$repo" >"$work/build.log" 2>&1 \
  || { tail -n 20 "$work/build.log" >&2; say "build failed"; exit 1; }
wheel="$(ls "$work"/dist/*.whl)"
ls "$work"/dist/*.tar.gz >/dev/null
say "built $(basename "$wheel") and the sdist"

"${PYTHON:-python3}" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --disable-pip-version-check -q "$wheel" >"$work/pip.log" 2>&1 \
  || { tail -n 20 "$work/pip.log" >&2; say "pip install of the wheel failed"; exit 1; }
bin="$work/venv/bin"
cd "$work"  # nothing of the repository is importable from here
"$bin/python" - <<'PY'
import tap_tiktokshop, sys
assert "/tiktokshop-wheel-check." in tap_tiktokshop.__file__, tap_tiktokshop.__file__
PY
"$bin/tap-tiktokshop" --about --format=json >"$work/about-tap.json"
"$bin/target-tiktokshop" --about --format=json >"$work/about-target.json"
"$bin/python" -m tap_tiktokshop --about >/dev/null

# a short sync: a week of analytics, not held to the analytics rate (1 request/s per endpoint)
"$bin/tiktokshop-sandbox" --port 0 --shops 2 --products 5 --orders 20 \
  --analytics-days 7 --analytics-rate-limit-qps 0 \
  --config-out "$work/sandbox.json" >"$work/sandbox.log" 2>&1 &
sandbox_pid=$!
for _ in $(seq 1 100); do [ -s "$work/sandbox.json" ] && break; sleep 0.1; done
[ -s "$work/sandbox.json" ] || { cat "$work/sandbox.log" >&2; say "the sandbox did not start"; exit 1; }
"$bin/python" - "$work/sandbox.json" "$work/config.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
config["token_store_path"] = sys.argv[2] + ".tokens"
json.dump(config, open(sys.argv[2], "w"))
PY
"$bin/tap-tiktokshop" --config "$work/config.json" --discover >"$work/catalog.json"
"$bin/tap-tiktokshop" --config "$work/config.json" >"$work/out.singer" 2>"$work/tap.log" \
  || { tail -n 20 "$work/tap.log" >&2; say "the installed tap failed"; exit 1; }
"$bin/python" - "$work/catalog.json" "$work/out.singer" <<'PY'
import collections, json, sys
streams = [s["tap_stream_id"] for s in json.load(open(sys.argv[1]))["streams"]]
counts = collections.Counter()
for line in open(sys.argv[2]):
    message = json.loads(line)
    if message["type"] == "RECORD":
        counts[message["stream"]] += 1
assert counts["shops"] == 2 and counts["orders"] == 40, counts
print(f"check-wheel: {len(streams)} streams discovered; synced {sum(counts.values())} records "
      f"({counts['orders']} orders) with the installed wheel", file=sys.stderr)
PY
