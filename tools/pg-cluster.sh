# shellcheck shell=bash
# pg-cluster.sh: a throw-away PostgreSQL cluster for the benchmark scripts (sourced, not run).
#
#   . tools/pg-cluster.sh
#   trap pg_cluster_stop EXIT
#   pg_cluster_start "shared_buffers = 512MB" "max_wal_size = 4GB"   # extra postgresql.conf lines
#   psql "$PG_CONNINFO" ...        # also PG_BIN, PG_PORT, PG_WORK (temporary directory), PG_USER
#   pg_cluster_stop                # stops the server, removes the directory (idempotent)
#
# Debian's PostgreSQL (/usr/lib/postgresql/*/bin, the newest; installed by
# `tools/bootstrap.sh deps`), initdb in a temporary directory (trust authentication for the
# superuser PG_USER=bench, UTF8, locale C), listening on 127.0.0.1 on a free port, fsync=on,
# synchronous_commit=on and full_page_writes=on, so that nothing is measured without
# durability. PostgreSQL refuses to run as root: as root, initdb and pg_ctl run as the
# `postgres` user (created if missing). Messages go to stderr prefixed with $PG_CLUSTER_LOG_NAME.

# shellcheck disable=SC2034  # PG_CONNINFO, PG_PORT, PG_USER: for the sourcing script
PG_USER=bench
PG_BIN=""
PG_PORT=""
PG_WORK=""
PG_CONNINFO=""
_pg_cluster_started=0

_pg_log() { echo "${PG_CLUSTER_LOG_NAME:-pg-cluster}: $*" >&2; }

pg_cluster_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

# PostgreSQL refuses to run as root: as root, run its programs as `postgres`.
_pg_as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

_pg_free_port() {
  local start=$((54320 + RANDOM % 500)) port
  for port in $(seq "$start" $((start + 200))); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return 0; fi
  done
  return 1
}

pg_cluster_start() {
  if [ -z "$(pg_cluster_bindir)" ] || [ ! -x "$(pg_cluster_bindir)/initdb" ]; then
    _pg_log "PostgreSQL is not installed; install the dependencies with \`bash tools/bootstrap.sh deps\` (as root)"
    return 1
  fi
  PG_BIN=$(pg_cluster_bindir)
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent postgres
  fi
  PG_WORK=$(mktemp -d "${TMPDIR:-/tmp}/ledger-pg.XXXXXX")
  chmod 755 "$PG_WORK"
  [ "$(id -u)" = 0 ] && chown postgres "$PG_WORK"
  local data=$PG_WORK/data attempt line
  _pg_as_pg "$PG_BIN/initdb" -D "$data" -U "$PG_USER" -A trust -E UTF8 --locale=C \
    --no-instructions >/dev/null
  cp "$data/postgresql.conf" "$PG_WORK/postgresql.conf.initdb"
  # Another server may take the port between the probe and the start: try a few.
  for attempt in 1 2 3 4 5; do
    PG_PORT=$(_pg_free_port) || { _pg_log "no free port found"; return 1; }
    cp "$PG_WORK/postgresql.conf.initdb" "$data/postgresql.conf"
    {
      echo "listen_addresses = '127.0.0.1'"
      echo "port = $PG_PORT"
      echo "unix_socket_directories = '$PG_WORK'"
      echo "fsync = on"
      echo "synchronous_commit = on"
      echo "full_page_writes = on"
      echo "logging_collector = off"
      for line in "$@"; do echo "$line"; done
    } >>"$data/postgresql.conf"
    [ "$(id -u)" = 0 ] && chown postgres "$data/postgresql.conf"
    if _pg_as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$PG_WORK/postgres.log" -w -t 60 start >/dev/null; then
      _pg_cluster_started=1
      # shellcheck disable=SC2034  # used by the sourcing script
      PG_CONNINFO="host=127.0.0.1 port=$PG_PORT user=$PG_USER dbname=postgres"
      _pg_log "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') in $data, port $PG_PORT"
      return 0
    fi
    _pg_log "start on port $PG_PORT failed (attempt $attempt):"
    tail -5 "$PG_WORK/postgres.log" >&2 || true
  done
  return 1
}

pg_cluster_stop() {
  if [ "$_pg_cluster_started" = 1 ]; then
    _pg_as_pg "$PG_BIN/pg_ctl" -D "$PG_WORK/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
    _pg_cluster_started=0
  fi
  if [ -n "$PG_WORK" ]; then rm -rf "$PG_WORK"; PG_WORK=""; fi
}
