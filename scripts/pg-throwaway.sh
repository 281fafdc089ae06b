#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests (stack-notes §3, "Fastest CI pattern"): initdb in a temp
# dir, trust auth, fsync off, listening on 127.0.0.1 only. Nothing of the system cluster is touched.
#
#   scripts/pg-throwaway.sh start    # init + start (idempotent), create the database, print its URL
#   scripts/pg-throwaway.sh url      # print the URL (see CHENGGUAN_PG_USE_LOCAL below)
#   scripts/pg-throwaway.sh status   # exit 0 if the throwaway cluster is running
#   scripts/pg-throwaway.sh stop     # stop it and delete its directory (idempotent)
#
# Environment: CHENGGUAN_PG_PORT (55432), CHENGGUAN_PG_DB (chengguan_test),
# CHENGGUAN_PG_DIR (${TMPDIR:-/tmp}/chengguan-pg-<port>),
# CHENGGUAN_PG_USE_LOCAL=1: `url` prints a PostgreSQL already answering on 127.0.0.1:5432 as user
# postgres without a password (trust), if there is one, and creates the database there.
# As root, initdb/pg_ctl run as the `postgres` user (initdb refuses to run as root).
set -euo pipefail

PORT="${CHENGGUAN_PG_PORT:-55432}"
DB="${CHENGGUAN_PG_DB:-chengguan_test}"
DIR="${CHENGGUAN_PG_DIR:-${TMPDIR:-/tmp}/chengguan-pg-$PORT}"
DATA="$DIR/data"

die() { echo "pg-throwaway: $*" >&2; exit 1; }

url_for() { echo "postgresql+psycopg://postgres@127.0.0.1:$1/$DB"; }

find_bindir() {
  local d
  d="$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  if [[ -n "$d" && -x "$d/initdb" ]]; then echo "$d"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v initdb)")"; return; fi
  die "no PostgreSQL server binaries (initdb); run: scripts/system-deps.sh --postgres"
}

# Run a command as the postgres OS user when we are root, else as ourselves.
as_pg() {
  if [[ "$(id -u)" != 0 ]]; then "$@"; return; fi
  id postgres >/dev/null 2>&1 || die "running as root but there is no 'postgres' user (install postgresql)"
  if command -v runuser >/dev/null 2>&1; then
    runuser -u postgres -- "$@"
  else
    su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
  fi
}

psql_at() {  # port, then psql args; never prompts for a password
  local port="$1"; shift
  PGCONNECT_TIMEOUT=3 "$BIN/psql" -w -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 "$@"
}

ensure_db() {  # port
  if [[ "$(psql_at "$1" -Atc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]]; then
    psql_at "$1" -c "CREATE DATABASE \"$DB\"" >/dev/null
  fi
}

running() { [[ -f "$DATA/PG_VERSION" ]] && as_pg "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; }

cmd_start() {
  if running; then ensure_db "$PORT"; url_for "$PORT"; return; fi
  if psql_at "$PORT" -Atc 'SELECT 1' >/dev/null 2>&1; then
    die "port $PORT is already used by another PostgreSQL; set CHENGGUAN_PG_PORT"
  fi
  rm -rf "$DIR"
  mkdir -p "$DIR"
  [[ "$(id -u)" == 0 ]] && chown postgres: "$DIR"
  chmod 700 "$DIR"
  as_pg "$BIN/initdb" -D "$DATA" -A trust -U postgres --no-sync -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
    || { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
  # Durability is worthless for a test cluster; these settings make DDL-heavy test setup much faster.
  as_pg "$BIN/pg_ctl" -D "$DATA" -l "$DIR/log" -w -t 30 start -o \
    "-p $PORT -k $DIR -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null || { tail -n 20 "$DIR/log" >&2; die "pg_ctl start failed"; }
  ensure_db "$PORT"
  url_for "$PORT"
}

cmd_stop() {
  if [[ -f "$DATA/PG_VERSION" ]]; then
    as_pg "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
}

cmd_url() {
  if [[ "${CHENGGUAN_PG_USE_LOCAL:-0}" == 1 ]] && psql_at 5432 -Atc 'SELECT 1' >/dev/null 2>&1; then
    ensure_db 5432
    url_for 5432
    return
  fi
  running || echo "pg-throwaway: note: the throwaway cluster is not running (use: $0 start)" >&2
  url_for "$PORT"
}

cd /  # postgres may not be able to read the caller's cwd
BIN="$(find_bindir)"
case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  url) cmd_url ;;
  status) if running; then echo "running: $(url_for "$PORT") ($DIR)"; else echo "not running"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|url|status" >&2; exit 2 ;;
esac
