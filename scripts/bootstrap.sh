#!/usr/bin/env bash
# Create .venv with the project, its test tools and Meltano (idempotent, re-runs when
# pyproject.toml changes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "bootstrap: Python >= 3.10 is required (set PYTHON=/path/to/python3.x)" >&2
  exit 2
fi
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "bootstrap: installing the project and its tools into .venv" >&2
  log=.venv/pip-install.log
  if ! .venv/bin/python -m pip install --disable-pip-version-check -e '.[dev]' >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    echo "bootstrap: pip install failed (full log: $log)" >&2
    exit 1
  fi
  .venv/bin/python -m pip check >&2
  # Meltano installs this project's plugins into their own venvs ("-e" of this folder)
  # and only reinstalls when pip_url changes; new dependencies need a fresh venv, which
  # Meltano makes on the next `meltano run` / `meltano install`.
  rm -rf .meltano/extractors/tap-tiktokshop*/venv .meltano/loaders/target-tiktokshop/venv \
    .meltano/utilities/tiktokshop-auth/venv
  rm -f .venv/.installed-*
  touch "$stamp"
fi
