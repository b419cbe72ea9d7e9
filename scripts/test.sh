#!/usr/bin/env bash
# The whole test suite. Installs PostgreSQL from Debian's packages when it is missing and
# we are root (the PostgreSQL end-to-end test starts and stops its own server).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
exec .venv/bin/python -m pytest "$@"
