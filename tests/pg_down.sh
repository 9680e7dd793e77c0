#!/usr/bin/env bash
# Stop the throwaway cluster started by pg_up.sh and delete it.
# Pass --keep to stop it but keep its data directory.
set -euo pipefail

PG_HOME=${DIALER_PG_DIR:-/tmp/dialer-pg}
DATA=$PG_HOME/data
[ -f "$DATA/PG_VERSION" ] || { echo "pg_down: no cluster in $PG_HOME" >&2; exit 0; }

BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ "$(id -u)" = 0 ]; then as_pg() { runuser -u postgres -- "$@"; }; else as_pg() { "$@"; }; fi

if as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -w -m fast stop >&2
fi
if [ "${1:-}" != "--keep" ]; then
    rm -rf "$PG_HOME"
fi
