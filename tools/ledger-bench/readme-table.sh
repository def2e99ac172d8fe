#!/usr/bin/env bash
# readme-table.sh RUN.json: the Markdown tables of a `ledger-bench --json` run, for the
# README's Performance section (needs jq).
#   ledger-bench --json > run.json && tools/ledger-bench/readme-table.sh run.json
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: readme-table.sh RUN.json" >&2; exit 2; }
jq -r '
  def v($n): .figures[$n].value;
  def num($n): if v($n) == null then "–" else (v($n) | round | tostring) end;
  def rate($n; $u): if v($n) == null then "–" else "\(v($n) | round) \($u)" end;
  def ratio($n): if v($n) == null then "–" else ((v($n) * 1000 | round) / 1000 | tostring) end;
  def met($n; $op; $t): if v($n) == null then "–"
    elif ($op == ">=" and v($n) >= $t) or ($op == "<=" and v($n) <= $t) then "yes" else "**no**" end;
  (.series.scale // []) as $scale
  | ($scale | if length > 0 then (.[0].prior_transfers) else null end) as $first
  | ($scale | if length > 0 then (.[-1].prior_transfers) else null end) as $last
  | ($scale | if length > 0 then .[-1] else {} end) as $tail
  | "`\(.info.command)` on \(.info.machine), SQLite \(.info.sqlite), \(.info.date), durability \(.info.durability), load average \(.info.load_average_start) at the start.\n",
    "| scenario | bare SQLite | engine | ratio | target | met |",
    "|---|---:|---:|---:|---|---|",
    "| commit: one durable commit each | \(rate("bare_commit_rate"; "commits/s")) | \(rate("engine_transfer_rate"; "transfers/s")) | \(ratio("ratio_single")) | ≥ 0.75 | \(met("ratio_single"; ">="; 0.75)) |",
    "| batch: 1000 per durable commit, \(if v("batch_rows") then "\(v("batch_rows") | round) rows" else "–" end) per side | \(rate("bare_batch_rate"; "rows/s")) | \(rate("engine_batch_rate"; "transfers/s")) | \(ratio("ratio_batch")) | ≥ 0.4 | \(met("ratio_batch"; ">="; 0.4)) |",
    "| replay of a completed key | \(rate("bare_lookup_rate"; "lookups/s")) | \(rate("engine_replay_rate"; "replays/s")) | \(ratio("ratio_replay")) | ≥ 0.7 | \(met("ratio_replay"; ">="; 0.7)) |",
    "| replay: the engine'"'"'s replay `SELECT` (`kReplayQuery`, keys bound by its `bind_key`) run on the engine'"'"'s file for fingerprints worked out beforehand (no other engine code; a diagnostic) | | \(rate("engine_query_rate"; "lookups/s")) | \(ratio("ratio_replay_query")) | | |",
    "| replay from \(num("engine_replay_threads")) threads, each with its own `Ledger` (to compare with PostgreSQL clients) | | \(rate("engine_replay_rate_threads"; "replays/s")) | | | |",
    "| replay of every operation, \(num("replay_operation_keys")) completed keys of each on a file of their own, in rotating rounds: `transfer` (the reference of the four ratios below) | | \(rate("replay_transfer_rate"; "replays/s")) | | | |",
    (["reserve", "post", "void", "reverse"][] as $op
      | "| replay of a completed `\(if $op == "void" then "void_pending" else $op end)` key (ratio: ÷ the `transfer` replays above) | | \(rate("replay_\($op)_rate"; "replays/s")) | \(ratio("ratio_replay_\($op)_vs_transfer")) | | |"),
    "| group: \(num("group_threads")) threads booking single durable transfers through one `SharedLedger` (bare: 1 thread, 1 row per commit) | \(rate("group_bare_commit_rate"; "commits/s")) | \(rate("group_rate"; "transfers/s")), \(if v("group_avg_batch") then (v("group_avg_batch") * 10 | round / 10 | tostring) else "–" end) per commit | \(ratio("ratio_group")) | | |",
    "| scale: batch after \($last // "–") prior transfers, time-ordered UUIDv7 keys (ratio: rate there ÷ rate after \($first // "–"), measured alongside) | \(if $tail.bare_rate then "\($tail.bare_rate | round) rows/s" else "–" end) | \(if $tail.engine_rate then "\($tail.engine_rate | round) transfers/s" else "–" end) | \(ratio("ratio_scale")) | ≥ 0.6 | \(met("ratio_scale"; ">="; 0.6)) |",
    "| scale: the same, first size measured minutes earlier instead of alongside | | | \(ratio("ratio_scale_unpaired")) | | |",
    "| scale with random UUIDv4 client keys instead of time-ordered UUIDv7 (bare: its own ratio) | \(ratio("bare_ratio_scale")) | \(if $tail.engine_v4_rate then "\($tail.engine_v4_rate | round) transfers/s" else "–" end) | \(ratio("ratio_scale_uuid_v4")) | | |",
    "| scale: peak RSS of the engine process | \(if v("scale_bare_peak_rss") then "\(v("scale_bare_peak_rss") | round) MiB" else "–" end) | \(if v("scale_peak_rss") then "\(v("scale_peak_rss") | round) MiB" else "–" end) (UUIDv4 keys: \(num("scale_peak_rss_uuid_v4")) MiB) | | < 128 MiB | \(met("scale_peak_rss"; "<="; 128)) |",
    "| contention: 4 processes ÷ 1, durable single commits | \(num("bare_contention_rate_1p")) → \(num("bare_contention_rate_4p")) commits/s (\(ratio("bare_ratio_contention"))) | \(num("contention_rate_1p")) → \(num("contention_rate_4p")) transfers/s | \(ratio("ratio_contention")) | ≥ 0.8 | \(met("ratio_contention"; ">="; 0.8)) |",
    "| contention: busy errors | \(num("bare_contention_busy_errors")) | \(num("contention_busy_errors")) | | 0 | \(met("contention_busy_errors"; "<="; 0)) |",
    "| contention: worst process p99 latency, 4 processes | \(num("bare_contention_worst_p99_4p")) µs | \(num("contention_worst_p99_4p")) µs | | | |",
    "| latency of a durable single transfer p50 / p99 / p99.9 | \(num("bare_latency_p50")) / \(num("bare_latency_p99")) / \(num("bare_latency_p999")) µs | \(num("latency_p50")) / \(num("latency_p99")) / \(num("latency_p999")) µs | | | |",
    "",
    (if ($scale | length) > 0 then
      "| prior transfers | engine transfers/s (UUIDv7 keys) | engine at \($first) alongside | engine transfers/s (UUIDv4 keys) | bare rows/s | bare at \($first) alongside | engine RSS |",
      "|---:|---:|---:|---:|---:|---:|---:|",
      ($scale[] | "| \(.prior_transfers) | \(.engine_rate | round) | \(if .engine_reference_rate then (.engine_reference_rate | round | tostring) else "–" end) | \(if .engine_v4_rate then (.engine_v4_rate | round | tostring) else "–" end) | \(if .bare_rate then (.bare_rate | round | tostring) else "–" end) | \(if .bare_reference_rate then (.bare_reference_rate | round | tostring) else "–" end) | \(.engine_rss_mib * 10 | round / 10) MiB |")
     else empty end)
' "$1"
