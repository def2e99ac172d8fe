#!/usr/bin/env bash
# bench-postgres.sh: the same idempotent transfer in PostgreSQL, beside the engine's rate.
#
# Starts a throw-away PostgreSQL cluster on 127.0.0.1 (a free port, a temporary directory,
# fsync=on, synchronous_commit=on), implements the exactly-once transfer the way Stripe
# engineers described it (Brandur Leach, "Implementing Stripe-like Idempotency Keys in
# Postgres"): a key row under a unique constraint (INSERT ... ON CONFLICT DO NOTHING), the
# debit with its balance check, the credit, the journal row and the stored response, all
# in ONE transaction; a retry with a completed key returns the stored response. pgbench
# drives it with 1, 8 and 16 clients, with random UUID keys and with time-ordered keys, and
# replays completed keys with 1, 8 and 16 clients, in
# rounds that alternate with ledger-bench measuring the engine on the same disk (scenarios
# commit: one connection, one commit per transfer; group: 8 and 16 threads sharing one
# SharedLedger, group commit; replay: one connection, and 8 threads with one each) and with
# tools/bench-http.sh measuring ledgerd over HTTP (wrk, 16 keep-alive clients); then the
# cluster is stopped and removed, and both are printed side by side as `name: value unit`
# lines.
#
#   tools/bench-postgres.sh [--quick] [--seconds N] [--rounds N] [--bench PATH] [--no-engine]
#
#   --quick      1 round, 5 s per pgbench run, 5 000 replay keys, ledger-bench --quick
#   --seconds N  duration of each pgbench run (default 10)
#   --rounds N   rounds alternating PostgreSQL and the engine (default 3)
#   --bench P    the ledger-bench binary (default: build-bench/, then build/ under the repo)
#   --no-engine  PostgreSQL figures only
#
# Fairness notes. PostgreSQL gets every advantage we can give it without weakening
# durability: the transfer is one PL/pgSQL function call (one round trip, prepared
# statements), and each till books its sales against its own debit account so that its
# clients never queue on one hot row (the engine has one writer either way). The issue's
# target compares with its better rate of 1 and 8 clients; 16 clients (one per till) are
# measured too, and compared with 16 engine threads. Needs PostgreSQL (tools/bootstrap.sh deps installs it) and root (to run it as the
# `postgres` user) or a user who can run initdb itself.
set -euo pipefail

seconds=10
rounds=3
quick=0
args="$*"
run_engine=1
bench=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; seconds=5; rounds=1 ;;
    --seconds) seconds=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --bench) bench=$2; shift ;;
    --no-engine) run_engine=0 ;;
    -h|--help) sed -n '2,32p' "$0"; exit 0 ;;
    *) echo "bench-postgres.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
replay_keys=$([ $quick = 1 ] && echo 5000 || echo 20000)
repo=$(cd "$(dirname "$0")/.." && pwd)

log() { echo "bench-postgres: $*" >&2; }

# --- PostgreSQL from Debian -------------------------------------------------------------
pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
if [ -z "$(pg_bindir)" ] || [ ! -x "$(pg_bindir)/pgbench" ]; then
  log "PostgreSQL is not installed; install the dependencies with \`bash tools/bootstrap.sh deps\` (as root)"
  exit 1
fi
bin=$(pg_bindir)

# PostgreSQL refuses to run as root: use the `postgres` user the package created.
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /nonexistent postgres
  as_pg() { runuser -u postgres -- "$@"; }
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ledger-pg.XXXXXX")
chmod 755 "$work"
[ "$(id -u)" = 0 ] && chown postgres "$work"
data=$work/data
started=0
cleanup() {
  if [ $started = 1 ]; then as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  local port
  for port in $(seq 54320 54420); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "$port"; return; fi
  done
  log "no free port in 54320-54420"; exit 1
}
port=$(free_port)

log "initdb in $data, port $port"
as_pg "$bin/initdb" -D "$data" -U bench -A trust -E UTF8 --locale=C >/dev/null
cat >>"$data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$work'
fsync = on
synchronous_commit = on
full_page_writes = on
shared_buffers = 128MB
max_connections = 20
logging_collector = off
EOF
as_pg "$bin/pg_ctl" -D "$data" -l "$work/postgres.log" -w start >/dev/null
started=1

psql_run() { "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U bench -d postgres "$@"; }

# --- the schema and the transfer ----------------------------------------------------------
psql_run <<'SQL'
CREATE TABLE accounts (
  id        bigint PRIMARY KEY,
  code      text NOT NULL UNIQUE,
  currency  text NOT NULL,
  balance   bigint NOT NULL DEFAULT 0,
  unlimited boolean NOT NULL DEFAULT false
);
CREATE TABLE journal (
  seq        bigserial PRIMARY KEY,
  debit      bigint NOT NULL REFERENCES accounts,
  credit     bigint NOT NULL REFERENCES accounts,
  amount     bigint NOT NULL CHECK (amount > 0),
  currency   text NOT NULL,
  memo       text NOT NULL,
  principal  text NOT NULL,
  idem_key   text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE idempotency_keys (
  principal    text NOT NULL,
  idem_key     text NOT NULL,
  fingerprint  bytea NOT NULL,
  result       text,
  response     text,
  journal_seq  bigint REFERENCES journal,
  created_at   timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz,
  -- Key first, as in the engine's schema 4: time-ordered keys share one right edge.
  PRIMARY KEY (idem_key, principal)
);
INSERT INTO accounts (id, code, currency, unlimited)
  SELECT i, 'customers:' || i, 'EUR', true FROM generate_series(0, 15) i
  UNION ALL SELECT 100 + i, 'till:' || i, 'EUR', false FROM generate_series(0, 15) i;

-- One call, one transaction: the key row first (unique constraint; a concurrent duplicate
-- waits for the first to commit, then finds its row), then the checks, the debit with its
-- balance check, the credit, the journal row and the stored response.
CREATE FUNCTION transfer(p_principal text, p_key text, p_debit text, p_credit text,
                         p_amount bigint, p_currency text, p_memo text)
RETURNS text LANGUAGE plpgsql AS $$
DECLARE
  v_fingerprint bytea := sha256(convert_to(concat_ws(E'\x1f', 'transfer', p_debit, p_credit,
                                                     p_amount::text, p_currency, p_memo), 'UTF8'));
  v_stored idempotency_keys%ROWTYPE;
  v_debit accounts%ROWTYPE;
  v_credit accounts%ROWTYPE;
  v_seq bigint;
  v_response text;
BEGIN
  INSERT INTO idempotency_keys (principal, idem_key, fingerprint)
    VALUES (p_principal, p_key, v_fingerprint) ON CONFLICT DO NOTHING;
  IF NOT FOUND THEN
    SELECT * INTO v_stored FROM idempotency_keys
      WHERE principal = p_principal AND idem_key = p_key;
    IF v_stored.fingerprint <> v_fingerprint THEN
      RAISE EXCEPTION 'key reused with a different request';
    END IF;
    RETURN v_stored.response;
  END IF;
  SELECT * INTO v_debit FROM accounts WHERE code = p_debit;
  SELECT * INTO v_credit FROM accounts WHERE code = p_credit;
  IF v_debit.id IS NULL OR v_credit.id IS NULL OR v_debit.currency <> p_currency
     OR v_credit.currency <> p_currency THEN
    v_response := json_build_object('status', 'rejected', 'error', 'unknown_account_or_currency')::text;
    UPDATE idempotency_keys SET result = 'rejected', response = v_response, completed_at = now()
      WHERE principal = p_principal AND idem_key = p_key;
    RETURN v_response;
  END IF;
  UPDATE accounts SET balance = balance - p_amount
    WHERE id = v_debit.id AND (unlimited OR balance >= p_amount);
  IF NOT FOUND THEN
    v_response := json_build_object('status', 'rejected', 'error', 'insufficient_funds')::text;
    UPDATE idempotency_keys SET result = 'insufficient_funds', response = v_response,
      completed_at = now() WHERE principal = p_principal AND idem_key = p_key;
    RETURN v_response;
  END IF;
  UPDATE accounts SET balance = balance + p_amount WHERE id = v_credit.id;
  INSERT INTO journal (debit, credit, amount, currency, memo, principal, idem_key)
    VALUES (v_debit.id, v_credit.id, p_amount, p_currency, p_memo, p_principal, p_key)
    RETURNING seq INTO v_seq;
  v_response := json_build_object('amount_minor', p_amount, 'currency', p_currency,
    'from', p_debit, 'key', p_key, 'memo', p_memo, 'principal', p_principal,
    'sequence', v_seq, 'status', 'created', 'to', p_credit, 'created_at', now())::text;
  UPDATE idempotency_keys SET result = 'created', response = v_response, journal_seq = v_seq,
    completed_at = now() WHERE principal = p_principal AND idem_key = p_key;
  RETURN v_response;
END $$;
SQL

# A new sale per transaction: a fresh random UUID key, a random till and amount.
cat >"$work/transfer.sql" <<'EOF'
\set till random(0, 15)
\set amount random(1, 99999)
SELECT transfer('till:' || :till, gen_random_uuid()::text, 'customers:' || :till, 'till:' || :till, :amount, 'EUR', 'receipt ' || :client_id);
EOF
# The same with a time-ordered key (12 hex digits of unix milliseconds, then 128 random
# bits: the engine's issued-key form), like the engine's group scenario's UUIDv7 keys.
cat >"$work/transfer_ordered.sql" <<'EOF'
\set till random(0, 15)
\set amount random(1, 99999)
SELECT transfer('till:' || :till, lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 12, '0') || '-' || replace(gen_random_uuid()::text, '-', ''), 'customers:' || :till, 'till:' || :till, :amount, 'EUR', 'receipt ' || :client_id);
EOF
# A retry of a completed sale: same key, same request, so the stored response comes back.
cat >"$work/replay.sql" <<EOF
\\set i random(1, $replay_keys)
SELECT transfer('till:' || (:i % 16), 'replay-' || :i, 'customers:' || (:i % 16), 'till:' || (:i % 16), 1 + (:i * 7919) % 99999, 'EUR', 'receipt ' || :i);
EOF

pgbench_tps() {  # pgbench_tps SCRIPT CLIENTS
  "$bin/pgbench" -n -h 127.0.0.1 -p "$port" -U bench -M prepared -c "$2" -j "$2" -T "$seconds" \
    -f "$1" postgres 2>&1 | tee -a "$work/pgbench.log" |
    awk '/^tps = / { printf "%.0f", $3 }' || true
}

# The engine binary, found before anything is measured.
if [ $run_engine = 1 ] && [ -z "$bench" ]; then
  for candidate in "$repo/build-bench" "$repo/build"; do
    if [ -x "$candidate/tools/ledger-bench/ledger-bench" ]; then
      bench=$candidate/tools/ledger-bench/ledger-bench; break
    fi
  done
fi
if [ $run_engine = 1 ] && { [ -z "$bench" ] || [ ! -x "$bench" ]; }; then
  log "ledger-bench not found: build it (cmake --build build) or pass --bench PATH"; exit 1
fi
quick_flag=$([ $quick = 1 ] && echo --quick || true)

log "booking $replay_keys sales to replay"
psql_run -c "SELECT count(transfer('till:' || (i % 16), 'replay-' || i, 'customers:' || (i % 16),
  'till:' || (i % 16), 1 + (i * 7919) % 99999, 'EUR', 'receipt ' || i))
  FROM generate_series(1, $replay_keys) i" >/dev/null
psql_run -c "VACUUM ANALYZE" >/dev/null

# Rounds alternate PostgreSQL and the engine on the same disk, so that load from other
# processes hits both alike (the machine may be shared); each figure is the mean of rounds.
# The idle cluster stays up while the engine runs.
declare -a pg_1 pg_8 pg_16 pg_ordered_1 pg_ordered_8 pg_ordered_16
declare -a pg_replay_1 pg_replay_8 pg_replay_16
declare -a engine_rate engine_replay engine_replay_threads
declare -a engine_group_8 engine_group_8_v4 engine_group_16 engine_group_16_v4 http_16
figure() { awk -v n="$1:" '$1 == n { printf "%.0f", $2 }' <<<"$2"; }  # figure NAME OUTPUT
for round in $(seq 1 "$rounds"); do
  log "round $round/$rounds: pgbench new transfers, random and time-ordered keys, 1 client"
  pg_1+=("$(pgbench_tps "$work/transfer.sql" 1)")
  pg_ordered_1+=("$(pgbench_tps "$work/transfer_ordered.sql" 1)")
  if [ $run_engine = 1 ]; then
    log "round $round/$rounds: ledger-bench $quick_flag --scenario commit --scenario replay --scenario group (8, then 16 threads)"
    engine=$("$bench" $quick_flag --scenario commit --scenario replay --scenario group \
      --group-threads 8 --db-dir "$work/engine")
    engine_rate+=("$(figure engine_transfer_rate "$engine")")
    engine_replay+=("$(figure engine_replay_rate "$engine")")
    engine_replay_threads+=("$(figure engine_replay_rate_threads "$engine")")
    engine_group_8+=("$(figure group_rate "$engine")")
    engine_group_8_v4+=("$(figure group_rate_uuid_v4 "$engine")")
    engine=$("$bench" $quick_flag --scenario group --group-threads 16 --db-dir "$work/engine")
    engine_group_16+=("$(figure group_rate "$engine")")
    engine_group_16_v4+=("$(figure group_rate_uuid_v4 "$engine")")
    log "round $round/$rounds: tools/bench-http.sh: ledgerd over HTTP, wrk with 16 keep-alive clients"
    http=$("$repo/tools/bench-http.sh" $quick_flag --rounds 1 --seconds "$seconds" --no-engine \
      --build "$(dirname "$(dirname "$(dirname "$bench")")")")
    http_16+=("$(figure http_transfer_rate "$http")")
  fi
  log "round $round/$rounds: pgbench new transfers, random and time-ordered keys, 8 and 16 clients"
  pg_8+=("$(pgbench_tps "$work/transfer.sql" 8)")
  pg_ordered_8+=("$(pgbench_tps "$work/transfer_ordered.sql" 8)")
  pg_16+=("$(pgbench_tps "$work/transfer.sql" 16)")
  pg_ordered_16+=("$(pgbench_tps "$work/transfer_ordered.sql" 16)")
  log "round $round/$rounds: pgbench replays, 1, 8 and 16 clients"
  pg_replay_1+=("$(pgbench_tps "$work/replay.sql" 1)")
  pg_replay_8+=("$(pgbench_tps "$work/replay.sql" 8)")
  pg_replay_16+=("$(pgbench_tps "$work/replay.sql" 16)")
done
transfers=$(psql_run -At -c "SELECT count(*) FROM journal")
as_pg "$bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
started=0

mean() {  # mean VALUES...: their mean, rounded; fails on an empty value (a failed run)
  local v
  for v in "$@"; do
    [ -n "$v" ] || { log "a measurement failed:"; tail -20 "$work/pgbench.log" >&2; exit 1; }
  done
  printf '%s\n' "$@" | awk '{ sum += $1 } END { printf "%.0f", sum / NR }'
}
pg_1=$(mean "${pg_1[@]}"); pg_8=$(mean "${pg_8[@]}"); pg_16=$(mean "${pg_16[@]}")
pg_ordered_1=$(mean "${pg_ordered_1[@]}"); pg_ordered_8=$(mean "${pg_ordered_8[@]}")
pg_ordered_16=$(mean "${pg_ordered_16[@]}")
pg_replay_1=$(mean "${pg_replay_1[@]}"); pg_replay_8=$(mean "${pg_replay_8[@]}")
pg_replay_16=$(mean "${pg_replay_16[@]}")

echo "# postgres ($("$bin/postgres" --version | awk '{print $NF}'), fsync=on, synchronous_commit=on)"
echo "date: $(date -u '+%Y-%m-%d %H:%M:%S') UTC"
echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), nproc $(nproc)"
echo "command: tools/bench-postgres.sh $args"
echo "rounds: $rounds of ${seconds} s per pgbench run"
echo "postgres_transfer_rate_1c: $pg_1 transfers/s"
echo "postgres_transfer_rate_8c: $pg_8 transfers/s"
echo "postgres_transfer_rate_16c: $pg_16 transfers/s"
echo "postgres_transfer_rate_1c_time_ordered: $pg_ordered_1 transfers/s"
echo "postgres_transfer_rate_8c_time_ordered: $pg_ordered_8 transfers/s"
echo "postgres_transfer_rate_16c_time_ordered: $pg_ordered_16 transfers/s"
echo "postgres_replay_rate_1c: $pg_replay_1 replays/s"
echo "postgres_replay_rate_8c: $pg_replay_8 replays/s"
echo "postgres_replay_rate_16c: $pg_replay_16 replays/s"
echo "postgres_journal_rows: $transfers"
[ $run_engine = 1 ] || exit 0
engine_rate=$(mean "${engine_rate[@]}"); engine_replay=$(mean "${engine_replay[@]}")
engine_replay_threads=$(mean "${engine_replay_threads[@]}")
engine_group_8=$(mean "${engine_group_8[@]}"); engine_group_8_v4=$(mean "${engine_group_8_v4[@]}")
engine_group_16=$(mean "${engine_group_16[@]}")
engine_group_16_v4=$(mean "${engine_group_16_v4[@]}")
max() { printf '%s\n' "$@" | sort -n | tail -1; }
# The issue's "better rate (1 or 8 clients)", for each kind of key; and with 16 clients.
best=$(max "$pg_1" "$pg_8")
best_ordered=$(max "$pg_ordered_1" "$pg_ordered_8")
best_16=$(max "$pg_1" "$pg_8" "$pg_16")
best_ordered_16=$(max "$pg_ordered_1" "$pg_ordered_8" "$pg_ordered_16")
best_replay=$(max "$pg_replay_1" "$pg_replay_8")
echo "# engine (ledger-bench $quick_flag, durability full)"
echo "engine_transfer_rate: $engine_rate transfers/s"
echo "engine_replay_rate: $engine_replay replays/s"
# 8 threads, each with its own Ledger (connection), like pgbench's 8 clients.
echo "engine_replay_rate_8_threads: $engine_replay_threads replays/s"
# Group commit: threads booking single durable transfers through one SharedLedger, like
# PostgreSQL's clients sharing WAL flushes; 16 threads is one per till of the workload.
# UUIDv7 (time-ordered) client keys, and random UUIDv4 keys.
echo "engine_group_rate_8_threads: $engine_group_8 transfers/s"
echo "engine_group_rate_8_threads_uuid_v4: $engine_group_8_v4 transfers/s"
echo "engine_group_rate_16_threads: $engine_group_16 transfers/s"
echo "engine_group_rate_16_threads_uuid_v4: $engine_group_16_v4 transfers/s"
http_16=$(mean "${http_16[@]}")
echo "http_transfer_rate_16_clients: $http_16 transfers/s"
ratio() { awk -v e="$2" -v p="$3" -v n="$1" 'BEGIN { printf "%s: %.2f\n", n, e / p }'; }
echo "# engine vs postgres (targets: transfers >= 3x the better rate of 1 or 8 clients, replays >= 10x)"
echo "# one connection each, random keys:"
ratio ratio_vs_postgres_transfer_1c "$engine_rate" "$pg_1"
ratio ratio_vs_postgres_replay_1c "$engine_replay" "$pg_replay_1"
echo "# the engine's one connection against PostgreSQL's better of 1 and 8 clients:"
ratio ratio_vs_postgres_transfer "$engine_rate" "$best"
ratio ratio_vs_postgres_replay "$engine_replay" "$best_replay"
echo "# 8 engine threads against PostgreSQL's better of 1 and 8 clients, same kind of keys:"
ratio ratio_vs_postgres_group_8 "$engine_group_8" "$best_ordered"
ratio ratio_vs_postgres_group_8_uuid_v4 "$engine_group_8_v4" "$best"
ratio ratio_vs_postgres_replay_8 "$engine_replay_threads" "$best_replay"
echo "# 16 engine threads against PostgreSQL's best of 1, 8 and 16 clients, same kind of keys:"
ratio ratio_vs_postgres_group_16 "$engine_group_16" "$best_ordered_16"
ratio ratio_vs_postgres_group_16_uuid_v4 "$engine_group_16_v4" "$best_16"
echo "# ledgerd over HTTP (16 wrk keep-alive clients) against PostgreSQL's best of 1, 8 and 16 clients (goal >= 2x):"
ratio ratio_vs_postgres_http_16 "$http_16" "$best_16"
