#!/usr/bin/env bash
# The one install-and-build path for ledger, used by the README and by CI.
#
#   tools/bootstrap.sh deps   install the Debian 12 packages (as root)
#   tools/bootstrap.sh build  deps + build build/: build/tools/ledgerctl/ledgerctl,
#                             build/tools/pos-sim/pos-sim, build/tools/ledger-bench/ledger-bench
#                             and the tests
#   tools/bootstrap.sh demo   deps + build pos-sim and ledgerctl in build/ + run
#                             tools/pos-sim on ./pos-sim.db (arguments go to pos-sim)
#   tools/bootstrap.sh test   deps + build build/ + the full CTest suite, then the same
#                             suite under ASan+UBSan in build-asan/; with CI=true also the
#                             tsan and fuzz modes below. Every pass runs even when one
#                             fails; the closing line is "ctest: N passed, N failed" over
#                             all of them, and the exit status is 1 if anything failed
#                             (a test, a build, or a pass that found no test).
#   tools/bootstrap.sh tsan   ThreadSanitizer build (CMake preset tsan) + the concurrency tests
#   tools/bootstrap.sh fuzz   clang 14 libFuzzer build (preset fuzz) + every seed, then each
#                             fuzz target for FUZZ_SECONDS (default 30) s: tests/fuzz/run.sh
#
# Environment of `test`:
#   LEDGER_SKIP_SANITIZE=1       skip the ASan+UBSan pass
#   LEDGER_TEST_FILTER=REGEX     run only the tests whose names match (ctest -R) in the
#                                default and ASan passes
#   LEDGER_BUILD_TARGETS="T..."  build only these targets in those passes (default: all);
#                                with a filter that selects only their tests
#   LEDGER_TEST_TIMEOUT_SCALE=N  multiply every test timeout by N (default 1, and 4 in
#                                sanitizer builds; read when CMake configures)
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

install_deps() {
  local packages=(build-essential cmake pkg-config git sqlite3 libsqlite3-dev libsqlitecpp-dev
    libfmt-dev nlohmann-json3-dev libcli11-dev doctest-dev libssl-dev libicu-dev
    libcpp-httplib-dev prometheus-cpp-dev python3 openssl wrk dpkg-dev file
    libpq-dev postgresql chromium chromium-driver python3-selenium)
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# Every option a build directory relies on is stated here, on every run: a cache left
# by another command (or an older checkout) must never decide what a pass builds or tests.
# build/ is the same for demo, build and test (the demo builds two of its targets), so
# that neither undoes the other's configuration nor forces a rebuild.
default_options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEDGER_WERROR=ON -DLEDGER_FAILPOINTS=ON
  -DLEDGER_SANITIZE=OFF -DLEDGER_TSAN=OFF -DLEDGER_FUZZ=OFF -DLEDGER_BUILD_TESTS=ON
  -DLEDGER_BUILD_TOOLS=ON)
asan_options=(-DCMAKE_BUILD_TYPE=Debug -DLEDGER_WERROR=ON -DLEDGER_FAILPOINTS=ON
  -DLEDGER_SANITIZE=ON -DLEDGER_TSAN=OFF -DLEDGER_FUZZ=OFF -DLEDGER_BUILD_TESTS=ON
  -DLEDGER_BUILD_TOOLS=ON)

configure() {  # configure DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" "$@" >/dev/null
}

build() {  # build DIR [target...]: all targets when none is named
  local dir=$1; shift
  local targets=()
  [ $# -gt 0 ] && targets=(--target "$@")
  cmake --build "$dir" -j "$jobs" "${targets[@]}"
}

# One line per pass of this run ("NAME<TAB>passed<TAB>failed<TAB>problem"), for the total.
passes=$(mktemp)
trap 'rm -f "$passes"' EXIT

# Each pass's wall time (build and tests) goes into its line: CI has a time budget, and the
# summary shows where it went.
pass_started=$SECONDS
start_pass() { pass_started=$SECONDS; }

record() {  # record NAME PASSED FAILED [PROBLEM]
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "${4:-}" "$((SECONDS - pass_started))" \
    >>"$passes"
}

# Runs CTest (arguments after the pass name) and records the pass from its summary line,
# "N% tests passed, F tests failed out of T". A pass that ran no test, or whose CTest
# failed without such a line, counts as one failure: nothing it should have checked was.
run_ctest() {  # run_ctest NAME [ctest arguments...]
  local name=$1; shift
  local log status=0
  log=$(mktemp)
  ctest --output-on-failure -j "$jobs" --no-tests=error "$@" 2>&1 | tee "$log" || status=$?
  local line total=0 failed=0
  line=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1) ||
    true
  rm -f "$log"
  if [ -n "$line" ]; then
    failed=$(awk '{ print $4 }' <<<"$line")
    total=$(awk '{ print $NF }' <<<"$line")
  fi
  if [ "$total" -eq 0 ]; then
    record "$name" 0 1 "no tests were found"
  elif [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
    record "$name" "$total" 1 "ctest exited $status"
  else
    record "$name" $((total - failed)) "$failed"
  fi
}

filter_args() {  # the ctest arguments of LEDGER_TEST_FILTER
  if [ -n "${LEDGER_TEST_FILTER:-}" ]; then
    printf '%s\n' -R "$LEDGER_TEST_FILTER"
  fi
}

# A CTest pass over a build directory: configure, build, run. A pass that cannot be
# built is recorded as failed and the next pass still runs.
test_pass() {  # test_pass DIR [cmake options...]
  local dir=$1; shift
  start_pass
  local targets=() filter=()
  read -r -a targets <<<"${LEDGER_BUILD_TARGETS:-}"
  mapfile -t filter < <(filter_args)
  if ! configure "$dir" "$@" || ! build "$dir" "${targets[@]}"; then
    record "$dir" 0 1 "the build failed"
    return
  fi
  (cd "$dir" && run_ctest "$dir" "${filter[@]}") || record "$dir" 0 1 "ctest could not run"
}

# ThreadSanitizer: the tests that run threads or processes on one file ("threads ...",
# "processes ...", "a writer waits ...", the crash suite's concurrent kills, and the 8
# "group commit: ..." tests of threads sharing one SharedLedger); the filter is the tsan
# test preset in CMakePresets.json.
run_tsan() {
  start_pass
  if ! cmake --preset tsan >/dev/null || ! cmake --build --preset tsan -j "$jobs"; then
    record build-tsan 0 1 "the build failed"
    return
  fi
  # A renamed test must not silently drop out of the TSan pass.
  local count
  count=$(ctest --preset tsan -N | sed -n 's/^Total Tests: //p')
  if [ "${count:-0}" -lt 15 ]; then
    echo "tsan: only ${count:-0} of the 15 concurrency tests match the tsan preset's filter" >&2
    record build-tsan 0 1 "only ${count:-0} of the 15 concurrency tests matched"
    return
  fi
  run_ctest build-tsan --preset tsan
}

install_fuzz_deps() {  # clang 14 and its sanitizer/libFuzzer runtimes
  local missing=()
  for p in clang-14 libclang-rt-14-dev; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

# libFuzzer: every seed of every corpus must pass, then each target fuzzes for a bounded
# time (FUZZ_SECONDS, default 30; 5 targets = 2.5 minutes).
run_fuzz() {
  start_pass
  install_fuzz_deps
  if ! cmake --preset fuzz >/dev/null || ! cmake --build --preset fuzz -j "$jobs"; then
    record build-fuzz 0 1 "the build failed"
    return
  fi
  run_ctest build-fuzz --preset fuzz
  if ! FUZZ_SECONDS="${FUZZ_SECONDS:-30}" tests/fuzz/run.sh build-fuzz; then
    record "build-fuzz (tests/fuzz/run.sh)" 0 1 "fuzzing found a failure"
  fi
}

# One line per pass, then the closing total over every pass: "ctest: N passed, N failed".
# Returns 1 if anything failed.
print_total() {
  echo
  awk -F '\t' '{ printf "  %-32s %d passed, %d failed%s, %d min %02d s\n", $1 ":", $2, $3,
                 $4 == "" ? "" : " (" $4 ")", $5 / 60, $5 % 60 }' "$passes"
  awk -F '\t' '{ passed += $2; failed += $3 }
       END { printf "ctest: %d passed, %d failed\n", passed, failed; exit (failed > 0) }' \
    "$passes"
}

case "${1:-test}" in
  deps)
    install_deps ;;
  build)
    install_deps
    configure build "${default_options[@]}"
    build build ;;
  demo)
    install_deps
    configure build "${default_options[@]}"
    build build pos-sim ledgerctl
    shift || true
    ./build/tools/pos-sim/pos-sim "$@" ;;
  test)
    install_deps
    test_pass build "${default_options[@]}"
    if [ "${LEDGER_SKIP_SANITIZE:-0}" != 1 ]; then
      ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        test_pass build-asan "${asan_options[@]}"
    fi
    if [ "${CI:-}" = true ]; then
      run_tsan
      run_fuzz
    fi
    print_total ;;
  tsan)
    install_deps
    run_tsan
    print_total ;;
  fuzz)
    install_deps
    run_fuzz
    print_total ;;
  *)
    echo "usage: tools/bootstrap.sh [deps|build|demo|test|tsan|fuzz]" >&2; exit 2 ;;
esac
