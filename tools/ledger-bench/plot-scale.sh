#!/usr/bin/env bash
# plot-scale.sh RUN.json [OUT.png]: the throughput-vs-ledger-size plot of a
# `ledger-bench --json` run (its `scale` series) with gnuplot (Debian: gnuplot-nox) and jq.
#   ledger-bench --json > run.json && tools/ledger-bench/plot-scale.sh run.json scale.png
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: plot-scale.sh RUN.json [OUT.png]" >&2; exit 2; }
run=$1
out=${2:-scale.png}
here=$(cd "$(dirname "$0")" && pwd)
for tool in gnuplot jq; do
  command -v $tool >/dev/null || { echo "plot-scale.sh: needs $tool (apt-get install gnuplot-nox jq)" >&2; exit 1; }
done
data=$(mktemp)
trap 'rm -f "$data"' EXIT
jq -r '.series.scale[] | [.prior_transfers, .engine_rate, (.bare_rate // "NaN"), .engine_rss_mib,
  (.engine_reference_rate // "NaN"), (.bare_reference_rate // "NaN"), (.engine_v4_rate // "NaN")] | @tsv' \
  "$run" >"$data"
[ -s "$data" ] || { echo "plot-scale.sh: $run has no scale series (run the scale scenario)" >&2; exit 1; }
subtitle=$(jq -r '"\(.info.machine), \(.info.date), durability \(.info.durability)"' "$run")
gnuplot -e "datafile='$data'; outfile='$out'; subtitle='$subtitle'" "$here/scale.gp"
echo "plot-scale.sh: wrote $out" >&2
