#!/usr/bin/env bash
# Make PostgreSQL server binaries available (Debian packages). Never starts a server:
# the tests start their own on 127.0.0.1 and stop it.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "ensure-postgres: installing PostgreSQL from Debian packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq postgresql >/dev/null
  ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null
else
  echo "ensure-postgres: PostgreSQL is not installed and this is not a root Debian machine;" \
       "the PostgreSQL test will be skipped (install the 'postgresql' package to run it)" >&2
fi
