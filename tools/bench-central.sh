#!/usr/bin/env bash
# bench-central.sh: head-office ingest (ledgerctl sync push) against bare COPY, and hq totals.
#
# Starts a throw-away PostgreSQL cluster (tools/pg-cluster.sh: 127.0.0.1, a free port, a
# temporary directory, fsync=on, synchronous_commit=on; shared_buffers=512MB and
# max_wal_size=4GB so that checkpoints do not dominate), runs central-bench against it
# (SPEC 11, issue 20 item 5), then stops and removes the cluster, also on failure.
#
#   tools/bench-central.sh [--quick] [--bench PATH] [central-bench options...]
#
#   --quick      a smoke run (central-bench --quick: 1 round, 2000 rows per ledger, hq
#                totals over 10 x 10000 rows)
#   --bench P    the central-bench binary (default: build-bench/, then build/ under the repo)
#   anything else is passed to central-bench: --rows-per-ledger N, --ledgers-list 1,8,32,
#   --rounds R, --totals-ledgers L, --totals-rows N, --json, --work-dir DIR, --no-totals ...
#
# Needs PostgreSQL (`tools/bootstrap.sh deps` installs it) and root (to run it as the
# `postgres` user) or a user who can run initdb itself.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
bench=""
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --bench) bench=$2; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
  esac
  shift
done

log() { echo "bench-central: $*" >&2; }

if [ -z "$bench" ]; then
  for candidate in "$repo/build-bench" "$repo/build"; do
    if [ -x "$candidate/tools/central-bench/central-bench" ]; then
      bench=$candidate/tools/central-bench/central-bench; break
    fi
  done
fi
if [ -z "$bench" ] || [ ! -x "$bench" ]; then
  log "failed: central-bench not found: build it (cmake --build build-bench --target central-bench) or pass --bench PATH"
  exit 1
fi

export PG_CLUSTER_LOG_NAME="bench-central"
# shellcheck source-path=SCRIPTDIR source=pg-cluster.sh
. "$repo/tools/pg-cluster.sh"
trap pg_cluster_stop EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
pg_cluster_start "shared_buffers = 512MB" "max_wal_size = 4GB" "max_connections = 100" || {
  log "failed: PostgreSQL did not start"; exit 1; }

status=0
"$bench" --pg "$PG_CONNINFO" ${args[@]+"${args[@]}"} || status=$?
if [ $status != 0 ]; then
  log "failed: central-bench exited with status $status; the server log's end:"
  tail -20 "$PG_WORK/postgres.log" >&2 || true
fi
exit $status
