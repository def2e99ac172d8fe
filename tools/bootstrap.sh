#!/usr/bin/env bash
# The one install-and-build path for ledger, used by the README and by CI.
#
#   tools/bootstrap.sh deps   install the Debian 12 packages (as root)
#   tools/bootstrap.sh demo   deps + release build + run tools/pos-sim on ./pos-sim.db
#   tools/bootstrap.sh test   deps + -Werror build + the full CTest suite, then the same
#                             suite under ASan+UBSan (set LEDGER_SKIP_SANITIZE=1 to skip);
#                             with CI=true also the tsan and fuzz modes below
#   tools/bootstrap.sh tsan   ThreadSanitizer build (CMake preset tsan) + the concurrency tests
#   tools/bootstrap.sh fuzz   clang 14 libFuzzer build (preset fuzz) + every seed, then each
#                             fuzz target for FUZZ_SECONDS (default 30) s: tests/fuzz/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

install_deps() {
  local packages=(build-essential cmake pkg-config git sqlite3 libsqlite3-dev libsqlitecpp-dev
    libfmt-dev nlohmann-json3-dev libcli11-dev doctest-dev libssl-dev libicu-dev)
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

build() {  # build DIR [cmake options...]
  local dir=$1; shift
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
  cmake --build "$dir" -j "$jobs"
}

# Every CTest summary line of this run, for the closing total.
summaries=$(mktemp)
trap 'rm -f "$summaries"' EXIT

run_tests() {  # run_tests DIR
  (cd "$1" && ctest --output-on-failure -j "$jobs" --timeout 600) | tee -a "$summaries"
}

# One closing line over every CTest run: "ctest: N passed, N failed".
print_total() {
  awk '/tests passed, [0-9]+ tests failed out of/ { failed += $4; total += $NF }
       END { printf "ctest: %d passed, %d failed\n", total - failed, failed }' "$summaries"
}

# ThreadSanitizer: the tests that run threads or processes on one file ("threads ...",
# "processes ...", "a writer waits ...", the crash suite's concurrent kills, and the 8
# "group commit: ..." tests of threads sharing one SharedLedger); the filter is the tsan
# test preset in CMakePresets.json.
run_tsan() {
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan -j "$jobs"
  # A renamed test must not silently drop out of the TSan pass.
  local count
  count=$(ctest --preset tsan -N | sed -n 's/^Total Tests: //p')
  if [ "${count:-0}" -lt 15 ]; then
    echo "tsan: only ${count:-0} of the 15 concurrency tests match the tsan preset's filter" >&2
    return 1
  fi
  ctest --preset tsan -j "$jobs" | tee -a "$summaries"
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
  install_fuzz_deps
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz -j "$jobs"
  ctest --preset fuzz -j "$jobs" | tee -a "$summaries"
  FUZZ_SECONDS="${FUZZ_SECONDS:-30}" tests/fuzz/run.sh build-fuzz
}

case "${1:-test}" in
  deps)
    install_deps ;;
  demo)
    install_deps
    build build -DLEDGER_BUILD_TESTS=OFF
    shift || true
    ./build/tools/pos-sim/pos-sim "$@" ;;
  test)
    install_deps
    build build -DLEDGER_WERROR=ON -DLEDGER_FAILPOINTS=ON
    run_tests build
    if [ "${LEDGER_SKIP_SANITIZE:-0}" != 1 ]; then
      build build-asan -DLEDGER_WERROR=ON -DLEDGER_FAILPOINTS=ON -DLEDGER_SANITIZE=ON \
        -DCMAKE_BUILD_TYPE=Debug
      ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 run_tests build-asan
    fi
    if [ "${CI:-}" = true ]; then
      run_tsan
      run_fuzz
    fi
    print_total ;;
  tsan)
    install_deps
    run_tsan ;;
  fuzz)
    install_deps
    run_fuzz ;;
  *)
    echo "usage: tools/bootstrap.sh [deps|demo|test|tsan|fuzz]" >&2; exit 2 ;;
esac
