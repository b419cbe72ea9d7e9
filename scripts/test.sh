#!/usr/bin/env bash
# The whole test suite. Installs PostgreSQL and Chromium from Debian's packages when they
# are missing and we are root (the PostgreSQL end-to-end tests start and stop their own
# server; the report test opens output HTML in headless Chromium), then checks that the
# built wheel works outside the repository (scripts/check-wheel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
scripts/ensure-chromium.sh
.venv/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  scripts/check-wheel.sh
fi
