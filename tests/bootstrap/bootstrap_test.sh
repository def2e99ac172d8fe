#!/usr/bin/env bash
# Goal: the README's order, `tools/bootstrap.sh demo` then `tools/bootstrap.sh test`, runs
# tests in the test command's pass over build/, which the demo configured first (issue 15:
# the demo's cache turned the tests off, that pass ran none and the total did not say so).
#
# Method: clone SOURCE_DIR's HEAD into a temporary directory, copy SOURCE_DIR's
# tools/bootstrap.sh over the clone's (the script under test, committed or not), run the
# demo there, then the test command restricted to what the check needs: no sanitizer pass,
# only the pos-sim and ledgerctl targets, only the pos-sim tests (not this one: no
# recursion). It passes if the test command exits 0, its pass over build/ ran at least one
# test with none failed, and the closing total counts them.
#
# usage: bootstrap_test.sh SOURCE_DIR
# exit status: 0 passed, 1 failed, 77 skipped (SOURCE_DIR is not a git checkout)
set -euo pipefail
source_dir=$1

if [ -n "${LEDGER_BOOTSTRAP_TEST_INNER:-}" ]; then
  echo "SKIPPED: already inside a bootstrap test"
  exit 77
fi
if ! git -C "$source_dir" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  echo "SKIPPED: $source_dir is not a git checkout: nothing to clone"
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clone=$work/ledger
git clone --quiet "$source_dir" "$clone"
cp "$source_dir/tools/bootstrap.sh" "$clone/tools/bootstrap.sh"

fail() {
  echo "FAIL: $1"
  echo "--- $2 ---"
  tail -n 40 "$2"
  exit 1
}

# CI=true would add the tsan and fuzz passes; the inner run must stay cheap.
unset CI
export LEDGER_BOOTSTRAP_TEST_INNER=1 LEDGER_SKIP_SANITIZE=1
export LEDGER_BUILD_TARGETS="pos-sim ledgerctl" LEDGER_TEST_FILTER="^pos-sim: (--help|the commands printed)"

started=$SECONDS
(cd "$clone" && bash tools/bootstrap.sh demo --sales 5) >"$work/demo.log" 2>&1 ||
  fail "bootstrap.sh demo exited $?" "$work/demo.log"
grep -q "^PASS:" "$work/demo.log" || fail "the demo did not pass" "$work/demo.log"
echo "demo: ok ($((SECONDS - started)) s)"

started=$SECONDS
status=0
(cd "$clone" && bash tools/bootstrap.sh test) >"$work/test.log" 2>&1 || status=$?
echo "test command: exit $status ($((SECONDS - started)) s)"
summary=$(grep -E '[0-9]+% tests passed, [0-9]+ tests failed out of [0-9]+' "$work/test.log" |
  head -n 1) || true
total=$(tail -n 1 "$work/test.log")
echo "build/ pass: ${summary:-no CTest summary}"
echo "total: $total"
[ -n "$summary" ] || fail "the pass over build/ ran no test after the demo" "$work/test.log"
ran=$(awk '{ print $NF }' <<<"$summary")
failed=$(awk '{ print $4 }' <<<"$summary")
{ [ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]; } ||
  fail "the pass over build/ must run tests and pass them" "$work/test.log"
[ "$total" = "ctest: $ran passed, 0 failed" ] ||
  fail "the closing total must count the pass's $ran tests" "$work/test.log"
[ "$status" -eq 0 ] || fail "the test command must exit 0 when every test passed" "$work/test.log"
echo "ok: after the demo, the test command ran $ran tests in build/"
