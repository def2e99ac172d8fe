#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a bounded time and summarises the run.
#
#   tests/fuzz/run.sh [--long] [BUILD_DIR]      BUILD_DIR defaults to build-fuzz
#
#   FUZZ_SECONDS   seconds per target (default 30; --long: 600)
#   FUZZ_TARGETS   space-separated subset (default: every fuzz_* binary that was built)
#
# Each target fuzzes from its committed seeds (tests/fuzz/corpus/<target>, read only) into a
# working corpus under BUILD_DIR/fuzz-corpus/<target> that grows across runs. A crash, a
# failed property, a leak, undefined behaviour or a timeout stops that target, saves the
# input under BUILD_DIR/fuzz-artifacts/ and makes the script exit 1 after the others ran.
# The figures (executions, exec/s, cov, ft, corpus) go to BUILD_DIR/fuzz-summary.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
seconds=${FUZZ_SECONDS:-30}
if [ "${1:-}" = "--long" ]; then
  seconds=${FUZZ_SECONDS:-600}
  shift
fi
build=${1:-build-fuzz}
bin="$build/tests/fuzz"
if [ ! -d "$bin" ]; then
  echo "run.sh: no fuzz build in $build; configure one with: CC=clang-14 CXX=clang++-14" \
       "cmake -S . -B $build -DLEDGER_FUZZ=ON -DLEDGER_SANITIZE=ON (or cmake --preset fuzz)" >&2
  exit 2
fi
# Absolute paths: a target may change its working directory (fuzz_ledgerctl does).
build=$(cd "$build" && pwd)
bin="$build/tests/fuzz"
targets=${FUZZ_TARGETS:-$(cd "$bin" && ls fuzz_* 2>/dev/null | grep -v '\.' || true)}
if [ -z "$targets" ]; then
  echo "run.sh: no fuzz_* binaries in $bin; build the ledger-fuzzers target first" >&2
  exit 2
fi

# Bigger inputs only where the target reads them: whole files, long memos.
max_len() {
  case "$1" in
    fuzz_money) echo 64 ;;
    fuzz_open_file) echo 32768 ;;
    fuzz_transfer) echo 8192 ;;
    *) echo 4096 ;;
  esac
}

summary="$build/fuzz-summary.md"
mkdir -p "$build/fuzz-artifacts"
{
  echo "| target | seconds | executions | exec/s | cov | ft | corpus (files/bytes) | result |"
  echo "|---|---|---|---|---|---|---|---|"
} > "$summary"
failed=0
for target in $targets; do
  work="$build/fuzz-corpus/$target"
  log="$build/fuzz-$target.log"
  mkdir -p "$work"
  echo "== $target: ${seconds}s"
  status=0
  dict=()
  [ -f "$here/$target.dict" ] && dict=(-dict="$here/$target.dict")
  # -timeout: one input running 25 s is a hang; -rss_limit_mb: bounded memory.
  "$bin/$target" -max_total_time="$seconds" -max_len="$(max_len "$target")" -timeout=25 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" \
    "${dict[@]}" "$work" "$here/corpus/$target" > "$log" 2>&1 &
  pid=$!
  wait "$pid" || status=$?
  # A target that died on a finding could not remove its scratch directory itself.
  rm -rf /dev/shm/ledger-fuzz-*-"$pid" "${TMPDIR:-/tmp}"/ledger-fuzz-*-"$pid"
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<< "$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<< "$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<< "$last")
  result=ok
  if [ "$status" -ne 0 ]; then
    result="FAILED (exit $status, see $log)"
    failed=1
    grep -E 'ERROR|property failed|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
  fi
  figures="${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?}"
  echo "| $target | $seconds | $figures | $result |" >> "$summary"
  echo "   $result: ${execs:-?} executions, ${rate:-?}/s, cov ${cov:-?}, ft ${ft:-?}," \
       "corpus ${corp:-?}"
done
echo
cat "$summary"
exit "$failed"
