#!/usr/bin/env bash
# The whole test suite. Installs PostgreSQL and Chromium from Debian's packages when they
# are missing and we are root (the PostgreSQL end-to-end tests start and stop their own
# server; the report test opens output HTML in headless Chromium), then checks that the
# built wheel works outside the repository (scripts/check-wheel.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-postgres.sh
scripts/ensure-chromium.sh
if [ "$#" -ne 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
# The whole suite in parallel workers (pytest-xdist), a whole test file per worker at a time
# (the tests of a file share its fixtures: a sandbox, a warehouse built by dbt). Most tests
# wait on subprocesses, sockets and rate limits, so 3 workers beat 2 on a 2-core machine
# (TEST_WORKERS to change it; 0 runs in this process).
.venv/bin/python -m pytest -n "${TEST_WORKERS:-3}" --dist loadfile
scripts/check-wheel.sh
