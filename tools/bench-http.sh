#!/usr/bin/env bash
# bench-http.sh: durable transfers per second over HTTP (ledgerd), beside the engine's own
# in-process group-commit rate, measured in the same run on the same disk.
#
# wrk (Debian's, with a Lua script: tools/bench-http/) drives ledgerd on 127.0.0.1 with 16
# keep-alive connections: first every request a new sale with a fresh Idempotency-Key
# (each one a durable commit; concurrent requests share group commits), then every request
# a retry of one of 1000 completed sales (each answered with its stored body, replayed).
# ledger-bench measures the engine in-process: `group` with 16 threads sharing one
# SharedLedger, and `replay` (one connection, and 8 threads). Rounds alternate the two so
# that a noisy neighbour hurts both alike; each figure is the median over the rounds.
#
#   tools/bench-http.sh [--quick] [--seconds N] [--rounds N] [--build DIR] [--json]
#
#   --quick      1 round of 3 s runs and ledger-bench --quick (a smoke run)
#   --seconds N  duration of each wrk run (default 10)
#   --rounds N   rounds (default 3)
#   --build DIR  the build directory holding ledgerd, ledgerctl and ledger-bench
#                (default: build-bench/ if it has ledgerd, else build/)
#   --json       print one JSON object instead of `name: value unit` lines
#   --no-engine  HTTP figures only (no ledger-bench, no ratios): tools/bench-postgres.sh
#                uses this to put the HTTP rate beside PostgreSQL's
#
# Prints ratio_http = HTTP transfers/s over in-process group transfers/s (goal >= 0.5),
# ratio_http_replay = HTTP replays/s over in-process replays/s with 8 threads, and the
# p50/p99 latency of each wrk run. Every wrk request must succeed (201): any other status
# or socket error fails the benchmark (exit 1).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

seconds=10
rounds=3
quick=0
json=0
run_engine=1
build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1; seconds=3; rounds=1 ;;
    --seconds) seconds=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --build) build=$2; shift ;;
    --json) json=1 ;;
    --no-engine) run_engine=0 ;;
    -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench-http.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$build" ]; then
  build=build
  [ -x build-bench/tools/ledgerd/ledgerd ] && build=build-bench
fi
ledgerd=$build/tools/ledgerd/ledgerd
ledgerctl=$build/tools/ledgerctl/ledgerctl
bench=$build/tools/ledger-bench/ledger-bench
for binary in "$ledgerd" "$ledgerctl" "$bench"; do
  if [ ! -x "$binary" ]; then
    echo "bench-http.sh: $binary is missing: build it first (tools/bootstrap.sh build)" >&2
    exit 2
  fi
done
if ! command -v wrk >/dev/null; then
  echo "bench-http.sh: wrk is missing: run tools/bootstrap.sh deps (as root)" >&2
  exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/bench-http.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A ledger with world, 16 tills, a principal that may use them, and 1000 completed sales
# for the replay runs (booked in one batch: key replay-N, world -> till:1, 1.00 EUR).
make_ledger() {
  local db=$1
  "$ledgerctl" --db "$db" init >/dev/null
  "$ledgerctl" --db "$db" account create world --currency EUR --allow-negative >/dev/null
  for till in $(seq 1 16); do
    "$ledgerctl" --db "$db" account create "till:$till" --currency EUR >/dev/null
  done
  "$ledgerctl" --db "$db" principal add bench --account world --account 'till:*' 2>/dev/null
  for n in $(seq 1 1000); do
    printf '{"principal":"bench","key":"replay-%d","from":"world","to":"till:1","amount":"1.00","currency":"EUR","memo":"bench"}\n' "$n"
  done | "$ledgerctl" --db "$db" batch - >/dev/null
}

# Starts ledgerd on a free loopback port; sets server_pid and url.
start_server() {
  local db=$1
  "$ledgerd" --db "$db" --listen 127.0.0.1:0 --threads 32 >"$work/ledgerd.out" 2>"$work/ledgerd.log" &
  server_pid=$!
  for _ in $(seq 1 100); do
    url=$(sed -n 's/^listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/ledgerd.out" | head -1)
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "bench-http.sh: ledgerd did not start: $(tail -3 "$work/ledgerd.log")" >&2
  exit 1
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || { echo "bench-http.sh: ledgerd exited $? on SIGTERM" >&2; exit 1; }
  server_pid=""
}

# wrk with 16 keep-alive connections on 2 threads; prints its JSON report line.
run_wrk() {
  local script=$1 token=$2 run=$3
  LEDGER_TOKEN=$token LEDGER_RUN=$run LEDGER_BENCH_LUA_DIR=$repo/tools/bench-http \
    wrk -t2 -c16 -d"${seconds}s" --latency -s "$repo/tools/bench-http/$script" "$url" |
    grep '^{"requests"'
}

results=$work/results.jsonl
for round in $(seq 1 "$rounds"); do
  db=$work/http-$round.db
  token=$(make_ledger "$db")
  start_server "$db"
  transfer=$(run_wrk transfer.lua "$token" "$round")
  replay=$(run_wrk replay.lua "$token" "$round")
  stop_server
  "$ledgerctl" --db "$db" verify >/dev/null ||
    { echo "bench-http.sh: verify failed after round $round" >&2; exit 1; }
  quick_flag=()
  [ "$quick" = 1 ] && quick_flag=(--quick)
  engine=null
  if [ "$run_engine" = 1 ]; then
    engine=$("$bench" --scenario group --scenario replay --group-threads 16 --json \
               --db-dir "$work" "${quick_flag[@]}")
  fi
  printf '{"round":%d,"transfer":%s,"replay":%s,"engine":%s}\n' "$round" "$transfer" "$replay" \
    "$engine" >>"$results"
  rm -f "$db" "$db-wal" "$db-shm"
done

python3 - "$results" "$json" <<'PY'
import json, statistics, sys
rounds = [json.loads(line) for line in open(sys.argv[1])]
for r in rounds:
    for run in ("transfer", "replay"):
        bad = {k: v for k, v in r[run].items()
               if k in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts") and v}
        if bad:
            sys.exit(f"bench-http.sh: round {r['round']} {run}: failed requests {bad}")
med = lambda f: statistics.median(f(r) for r in rounds)
fig = lambda r, name: r["engine"]["figures"][name]["value"]
out = {
    "rounds": len(rounds),
    "http_transfer_rate": med(lambda r: r["transfer"]["rate"]),
    "http_transfer_p50_ms": med(lambda r: r["transfer"]["p50_ms"]),
    "http_transfer_p99_ms": med(lambda r: r["transfer"]["p99_ms"]),
    "http_replay_rate": med(lambda r: r["replay"]["rate"]),
    "http_replay_p50_ms": med(lambda r: r["replay"]["p50_ms"]),
    "http_replay_p99_ms": med(lambda r: r["replay"]["p99_ms"]),
}
if rounds[0]["engine"] is not None:
    out["engine_group16_rate"] = med(lambda r: fig(r, "group_rate"))
    out["engine_replay_rate_8_threads"] = med(lambda r: fig(r, "engine_replay_rate_threads"))
    out["ratio_http"] = out["http_transfer_rate"] / out["engine_group16_rate"]
    out["ratio_http_replay"] = out["http_replay_rate"] / out["engine_replay_rate_8_threads"]
if sys.argv[2] == "1":
    print(json.dumps(out))
else:
    for name, value in out.items():
        unit = "transfers/s" if name.endswith("rate") else "ms" if name.endswith("_ms") else ""
        print(f"{name}: {value:.3f} {unit}".rstrip() if isinstance(value, float) else f"{name}: {value}")
PY
