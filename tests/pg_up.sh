#!/usr/bin/env bash
# Start (or reuse) a throwaway PostgreSQL cluster for the postgres-marked tests
# and print its URL on stdout.  Idempotent: safe to call again while running.
#   DIALER_PG_DIR   cluster home (default /tmp/dialer-pg): data/, socket, server.log
#   DIALER_PG_PORT  TCP port on 127.0.0.1 (default 55432)
# Usage: export DIALER_TEST_PG_URL=$(tests/pg_up.sh)
set -euo pipefail

PG_HOME=${DIALER_PG_DIR:-/tmp/dialer-pg}
PORT=${DIALER_PG_PORT:-55432}
log() { echo "pg_up: $*" >&2; }

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }
BIN=$(find_bin)
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
    log "PostgreSQL server binaries missing, installing with apt"
    SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >&2
    BIN=$(find_bin)
fi

# initdb/postgres refuse to run as root: use the postgres account then.
if [ "$(id -u)" = 0 ]; then
    RUN_AS=postgres
    as_pg() { runuser -u postgres -- "$@"; }
else
    RUN_AS=$(id -un)
    as_pg() { "$@"; }
fi

mkdir -p "$PG_HOME"
chown "$RUN_AS" "$PG_HOME"
chmod 700 "$PG_HOME"
DATA=$PG_HOME/data

if [ ! -f "$DATA/PG_VERSION" ]; then
    log "initdb $DATA"
    as_pg "$BIN/initdb" -D "$DATA" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256 >&2
fi

if ! as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    log "starting on 127.0.0.1:$PORT"
    as_pg "$BIN/pg_ctl" -D "$DATA" -w -t 30 -l "$PG_HOME/server.log" \
        -o "-k $PG_HOME -p $PORT -c listen_addresses=127.0.0.1 -c fsync=off" start >&2
fi

psql_su() { as_pg "$BIN/psql" -h "$PG_HOME" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
if [ -z "$(psql_su -c "SELECT 1 FROM pg_roles WHERE rolname = 'dialer'")" ]; then
    psql_su -c "CREATE ROLE dialer LOGIN PASSWORD 'dialer'" >&2
fi
if [ -z "$(psql_su -c "SELECT 1 FROM pg_database WHERE datname = 'dialer_test'")" ]; then
    psql_su -c "CREATE DATABASE dialer_test OWNER dialer" >&2
fi

echo "postgresql://dialer:dialer@127.0.0.1:$PORT/dialer_test"
