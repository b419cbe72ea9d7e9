#!/usr/bin/env bash
# Make Debian's headless-capable Chromium available (/usr/bin/chromium) for the test that
# opens the demo's HTML report (tests/e2e/test_dbt.py). Installs the
# `chromium` package with apt when it is missing and we are root; otherwise says so.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: installing Chromium from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends chromium >/dev/null
  test -x /usr/bin/chromium
else
  echo "ensure-chromium: Chromium is not installed and this is not a root Debian machine;" \
       "the report test will be skipped (install the 'chromium' package to run it)" >&2
fi
