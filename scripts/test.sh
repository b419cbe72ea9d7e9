#!/usr/bin/env bash
# The whole test suite. Installs PostgreSQL from Debian's packages when it is missing and
# we are root (the PostgreSQL end-to-end test starts and stops its own server), then checks
# that the built wheel works outside the repository (scripts/check-wheel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
.venv/bin/python -m pytest "$@"
if [ "$#" -eq 0 ]; then
  scripts/check-wheel.sh
fi
