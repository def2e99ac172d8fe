// Crash tests of app-owned transactions (SPEC 9, Ledger::attach): a POS app books a sale
// row and its transfer in one transaction of its own, and whatever happens around the app's
// COMMIT, afterwards the sale exists exactly when the transfer, its journal row and its key
// do; a retry with the same key then replays (both there) or executes (neither there).
//   - a real process SIGKILLed just before, or just after, the app's COMMIT;
//   - an I/O error (fault_vfs.h) at every write and sync of the app's COMMIT;
//   - the crash suite's kill sweep (failpoints and random SIGKILLs) and model check with the
//     workload's process running as an attached app (attached_app.h).
// (The same promises without crashes: tests/unit/attach_test.cpp; attach's contract:
// tests/unit/attach_contract_test.cpp.)
#include <doctest/doctest.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "attached_app.h"
#include "fault_vfs.h"
#include "harness.h"
#include "kill_scenarios.h"
#include "scenario_support.h"
#include "support/timeout_scale.h"

#ifndef LEDGER_CRASH_DRIVER
#error "CMake passes the path of ledger-crash-driver as LEDGER_CRASH_DRIVER"
#endif

namespace crash {
namespace {

using ledger::Ledger;
using ledger::TransferResult;

const std::string kSaleKey = "sale-1";

ledger::TransferRequest sale_payment() {
  return {"till:1", kSaleKey, "world", "till", 1250, "EUR", "receipt 1"};
}

// A shop's file: the app's `sales` table and the ledger, attached, with its accounts.
void make_shop(const std::string& path) {
  remove_db(path);
  AppConnection app(path, 5000);
  app.run("CREATE TABLE sales (id INTEGER PRIMARY KEY, key TEXT UNIQUE, amount INTEGER)");
  Ledger ledger = Ledger::attach(app.handle());
  ledger.create_account({"world", "EUR", ledger::OverdraftRule::unlimited, 0, "outside"});
  ledger.create_account({"till", "EUR", ledger::OverdraftRule::none, 0, "till 1"});
}

// The app's unit of work, inside the transaction it has open: the payment, then the sale
// row. In this order a ledger that committed anything on its own, before the app's COMMIT,
// would leave a payment without its sale.
TransferResult sell(AppConnection& app, Ledger& ledger) {
  TransferResult paid = ledger.transfer(sale_payment());
  app.run("INSERT INTO sales (key, amount) VALUES (?, ?)", {kSaleKey, std::int64_t{1250}});
  return paid;
}

// What the file holds about the sale, through connections of its own.
struct ShopState {
  std::int64_t sales = 0;
  bool key_completed = false;
  std::int64_t rows_for_key = 0;
  std::int64_t journal_rows = 0;
  bool verify_ok = false;
  [[nodiscard]] std::string describe() const {
    return fmt::format("{} sale rows, key {}, {} journal rows for it ({} in all), verify {}", sales,
                       key_completed ? "completed" : "absent", rows_for_key, journal_rows,
                       verify_ok ? "ok" : "FAILED");
  }
};

ShopState shop_state(const std::string& path) {
  ShopState state;
  {
    AppConnection reader(path, 5000);
    state.sales = reader.query_int("SELECT count(*) FROM sales WHERE key = ?", {kSaleKey});
  }
  Ledger ledger = Ledger::open(path);
  auto record = ledger.find_key("till:1", kSaleKey);
  state.key_completed = record && record->state == ledger::KeyState::completed;
  for (const ledger::JournalEntry& entry : ledger.journal()) {
    ++state.journal_rows;
    if (entry.key == kSaleKey) ++state.rows_for_key;
  }
  state.verify_ok = ledger.verify().ok();
  return state;
}

// The sale is there with its transfer and key, or none of them is; returns whether it is.
bool both_or_neither(const ShopState& state, const std::string& what, Report& report) {
  const bool sale = state.sales == 1;
  if (state.sales > 1 || sale != state.key_completed || sale != (state.rows_for_key == 1) ||
      state.journal_rows != state.rows_for_key || !state.verify_ok) {
    report.violation(fmt::format("{}: {}", what, state.describe()));
  }
  return sale;
}

// The app coming back: it books the sale unless it finds it, and pays with the same key.
TransferResult retry_sale(const std::string& path) {
  AppConnection app(path, 5000);
  Ledger ledger = Ledger::attach(app.handle());
  app.run("BEGIN IMMEDIATE");
  if (app.query_int("SELECT count(*) FROM sales WHERE key = ?", {kSaleKey}) == 0) {
    app.run("INSERT INTO sales (key, amount) VALUES (?, ?)", {kSaleKey, std::int64_t{1250}});
  }
  TransferResult result = ledger.transfer(sale_payment());
  app.run("COMMIT");
  return result;
}

// After the retry: replayed with `told` (the body the app was given before) if the sale was
// there, executed if it was not; and then the sale, the transfer and the key are there.
void check_retry(const std::string& path, bool was_there, const std::string& told,
                 const std::string& what, Report& report) {
  const TransferResult retry = retry_sale(path);
  if (was_there && (!retry.replayed || retry.body != told)) {
    report.violation(fmt::format("{}: the sale was there but the retry {} (replayed={})", what,
                                 retry.body == told ? "gave the same body" : "gave another body",
                                 retry.replayed));
  }
  if (!was_there && (retry.replayed || !retry.ok())) {
    report.violation(
        fmt::format("{}: the sale was not there but the retry replayed or failed: "
                    "{} (replayed={})",
                    what, ledger::to_string(retry.outcome), retry.replayed));
  }
  const ShopState after = shop_state(path);
  if (!both_or_neither(after, what + ", after the retry", report)) {
    report.violation(what + ": the retry left no sale");
  }
}

void expect_no_violations(const Report& report, TempDir& dir) {
  std::string figures;
  for (const auto& [name, n] : report.figures) figures += fmt::format(" {}={}", name, n);
  std::printf("figures:%s\n", figures.c_str());
  if (!report.ok()) dir.keep();
  CHECK_MESSAGE(report.ok(), report.violations_text());
}

// --- a process killed around the app's COMMIT ---------------------------------------------

enum class KillAt { before_commit, after_commit };

// Writes all of `text` to `fd`; false if the pipe broke.
bool write_all(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// The child: books the sale (and, with `spill`, enough receipt lines that the transaction's
// pages spill into the WAL before any COMMIT), commits or not, tells the parent the body it
// got, one line, and waits for the SIGKILL. No doctest here: this is another process.
[[noreturn]] void sale_child(const std::string& path, KillAt at, bool spill, int report_fd) {
  try {
    AppConnection app(path, 5000);
    Ledger ledger = Ledger::attach(app.handle());
    if (spill) app.run("PRAGMA cache_size = 10");  // pages, so that the cache spills early
    app.run("BEGIN IMMEDIATE");
    const TransferResult result = sell(app, ledger);
    if (spill) {
      for (std::int64_t line = 0; line < 400; ++line) {
        app.run("INSERT INTO receipt_lines (sale_key, line, text) VALUES (?, ?, ?)",
                {kSaleKey, line, std::string(200, 'x')});
      }
    }
    if (!result.ok()) ::_exit(4);
    if (at == KillAt::after_commit) app.run("COMMIT");
    if (!write_all(report_fd, result.body + "\n")) ::_exit(5);
    for (;;) ::pause();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sale child: %s\n", e.what());
  }
  ::_exit(3);
}

// Reads one line from `fd`, waiting up to `timeout_ms`; nullopt if the child died first.
std::optional<std::string> read_line(int fd, std::int64_t timeout_ms) {
  std::string line;
  const std::int64_t deadline = monotonic_ms() + timeout_ms;
  for (;;) {
    pollfd ready{fd, POLLIN, 0};
    const std::int64_t left = deadline - monotonic_ms();
    if (left <= 0 || ::poll(&ready, 1, static_cast<int>(left)) <= 0) return std::nullopt;
    char c = 0;
    if (::read(fd, &c, 1) != 1) return std::nullopt;
    if (c == '\n') return line;
    line += c;
  }
}

std::int64_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_size) : 0;
}

// Forks the sale child, SIGKILLs it once it reported, and returns the body it was told.
std::string kill_sale_child(const std::string& path, KillAt at, bool spill) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    sale_child(path, at, spill, fds[1]);
  }
  ::close(fds[1]);
  const auto body = read_line(fds[0], ledger::testing::scaled_ms(60'000));
  ::close(fds[0]);
  if (spill && body) {
    // The uncommitted transaction's pages are in the WAL file already.
    CHECK(file_size(path + "-wal") > 50'000);
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  INFO("the child ", WIFEXITED(status) ? "exited with code " : "was killed by signal ",
       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
  REQUIRE(body.has_value());
  CHECK((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL));
  return *body;
}

}  // namespace

TEST_CASE("a process SIGKILLed before the app's COMMIT leaves neither the sale nor the transfer") {
  // Goal: SPEC 9, "a crash before the app's COMMIT leaves neither the sale nor the
  // transfer". Method: a forked child attaches to the app's file, books the sale and its
  // transfer in BEGIN IMMEDIATE, says so through a pipe and is SIGKILLed by the parent;
  // the parent reopens the file, checks, and retries the sale with the same key.
  TempDir dir("attach-kill-before");
  const std::string path = dir.path() + "/shop.db";
  make_shop(path);
  bool spill = false;
  SUBCASE("the transaction in the app's page cache") { spill = false; }
  SUBCASE("the transaction's pages spilled into the WAL") {
    spill = true;
    AppConnection app(path, 5000);
    app.run("CREATE TABLE receipt_lines (sale_key TEXT, line INTEGER, text TEXT)");
  }
  CAPTURE(spill);
  (void)kill_sale_child(path, KillAt::before_commit, spill);
  Report report;
  const ShopState state = shop_state(path);
  CHECK(state.sales == 0);
  CHECK_FALSE(state.key_completed);
  CHECK(state.journal_rows == 0);
  CHECK(state.verify_ok);
  if (spill) {
    AppConnection app(path, 5000);
    CHECK(app.query_int("SELECT count(*) FROM receipt_lines") == 0);
  }
  check_retry(path, false, "", "killed before the app's COMMIT", report);
  expect_no_violations(report, dir);
}

TEST_CASE("a process SIGKILLed right after the app's COMMIT leaves both, and the retry replays") {
  // Goal: the mirror: once the app's COMMIT returned, the sale, the transfer, its key and
  // the stored response are durable together. Method: as above, with the child committing
  // before it reports; the retry must replay the body the child was told, byte for byte.
  TempDir dir("attach-kill-after");
  const std::string path = dir.path() + "/shop.db";
  make_shop(path);
  const std::string told = kill_sale_child(path, KillAt::after_commit, false);
  Report report;
  const ShopState state = shop_state(path);
  CHECK(state.sales == 1);
  CHECK(state.key_completed);
  CHECK(state.rows_for_key == 1);
  CHECK(state.verify_ok);
  check_retry(path, true, told, "killed after the app's COMMIT", report);
  expect_no_violations(report, dir);
}

// --- I/O errors during the app's COMMIT ---------------------------------------------------

namespace {

struct CommitFault {
  IoOp op;
  bool persistent;
  bool disk_full;
};
const CommitFault kCommitFaults[] = {{IoOp::write, false, false},
                                     {IoOp::write, true, false},
                                     {IoOp::write, false, true},
                                     {IoOp::sync, false, false},
                                     {IoOp::sync, true, false}};

std::string describe(const CommitFault& fault, std::int64_t nth) {
  return fmt::format("{} #{}{}", fault.disk_full ? "write (disk full)" : to_string(fault.op), nth,
                     fault.persistent ? " and every later one" : "");
}

// What the app saw: whether its COMMIT succeeded and an error was injected in it, and the
// body it was last told (by the transfer before the COMMIT, or by its retry after).
struct CommitRun {
  bool committed = false;
  std::int64_t injected = 0;
  std::string told;
};

// The app books the sale, then COMMITs with `fault` armed. If the COMMIT fails, it rolls
// back and, with `retry_at_once`, books the sale again on the same connection and Ledger.
CommitRun commit_under_fault(const std::string& path, const IoFault& fault, bool retry_at_once,
                             const std::string& what, Report& report) {
  CommitRun run;
  AppConnection app(path, 5000);
  Ledger ledger = Ledger::attach(app.handle());
  app.run("BEGIN IMMEDIATE");
  const TransferResult paid = sell(app, ledger);
  if (!paid.ok()) report.violation(what + ": the payment was not created");
  run.told = paid.body;
  const std::int64_t before = FaultVfs::counters().io_errors_injected;
  FaultVfs::arm_io_fault(fault);
  const int code = app.try_exec("COMMIT");
  FaultVfs::disarm_io_fault();
  run.injected = FaultVfs::counters().io_errors_injected - before;
  run.committed = code == 0;
  if (run.committed) return run;
  report.count("attach_commit.commit_failed");
  if (app.in_transaction()) app.try_exec("ROLLBACK");
  if (retry_at_once) {
    // Whatever the failed COMMIT left, the same connection and Ledger must carry on.
    app.run("BEGIN IMMEDIATE");
    if (app.query_int("SELECT count(*) FROM sales WHERE key = ?", {kSaleKey}) == 0) {
      app.run("INSERT INTO sales (key, amount) VALUES (?, ?)", {kSaleKey, std::int64_t{1250}});
    }
    const TransferResult again = ledger.transfer(sale_payment());
    app.run("COMMIT");
    if (again.replayed && again.body != run.told) {
      report.violation(what + ": the retry at once replayed another body");
    }
    report.count(again.replayed ? "attach_commit.retry_at_once_replayed"
                                : "attach_commit.retry_at_once_executed");
    run.told = again.body;
    run.committed = true;
  }
  return run;
}

void sweep_commit_faults(const std::string& dir, bool retry_at_once, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string path = dir + "/shop.db";
  make_shop(base);
  for (const CommitFault& kind : kCommitFaults) {
    constexpr std::int64_t kMaxNth = 200;
    for (std::int64_t nth = 1; nth <= kMaxNth && report.ok(); ++nth) {
      const std::string what =
          fmt::format("an I/O error at {} of the app's COMMIT{}", describe(kind, nth),
                      retry_at_once ? ", retried at once" : "");
      copy_db(base, path);
      const IoFault fault{kind.op, nth, kind.persistent, kind.disk_full};
      CommitRun run;
      try {
        run = commit_under_fault(path, fault, retry_at_once, what, report);
      } catch (const std::exception& e) {
        report.violation(fmt::format("{}: {}", what, e.what()));
        break;
      }
      const bool there = both_or_neither(shop_state(path), what, report);
      if (run.committed && !there) report.violation(what + ": COMMIT succeeded, sale is gone");
      check_retry(path, there, run.told, what, report);
      report.count(fmt::format("attach_commit.{}.{}", there ? "kept" : "gone",
                               run.injected > 0 ? "after_error" : "no_error"));
      // Past the last write or sync of the COMMIT: nothing more to fail.
      if (run.injected == 0) break;
      if (nth == kMaxNth) report.violation(what + ": the COMMIT still fails at the bound");
    }
  }
}

}  // namespace

TEST_CASE(
    "an I/O error at any write or sync of the app's COMMIT keeps the sale and the "
    "transfer together") {
  // Goal: SPEC 9 under SQLite's ioerr method: at every write and sync of the app's COMMIT
  // (once, for every later call too, disk full), the sale exists afterwards exactly when
  // the transfer, its journal row and its key do, verify() holds, and a retry with the same
  // key replays the body the app was told or executes. Method: the fault VFS fails the Nth
  // call of the kind during the COMMIT only, for N = 1, 2, ... until a COMMIT meets no
  // injected error; the app then closes and reopens, or retries at once on the same
  // connection and Ledger.
  std::uint64_t seed = test_seed("app commit io errors");
  CAPTURE(seed);
  FaultVfs::Install vfs;
  TempDir dir("attach-commit-ioerr");
  Report report;
  SUBCASE("the app reopens") {
    sweep_commit_faults(dir.path(), false, report);
    CHECK(report.figures["attach_commit.gone.after_error"] > 0);
  }
  SUBCASE("the app retries at once on the same connection") {
    sweep_commit_faults(dir.path(), true, report);
    CHECK(report.figures["attach_commit.retry_at_once_executed"] > 0);
  }
  CHECK(report.figures["attach_commit.commit_failed"] > 0);
  expect_no_violations(report, dir);
}

// --- the kill sweep and model check on an attached ledger --------------------------------

TEST_CASE("an attached app's rows and its ledger's operations survive kills together") {
  // Goal: the crash suite's exactly-once promise on an attached ledger, and the app's rows
  // committed with the operations they book. Method: the driver's child runs as an app
  // (`child --attach`, attached_app.h): each operation in BEGIN IMMEDIATE with an app row.
  // Running the mixed workload, it is killed at every failpoint it reaches (the engine's,
  // and the app's own around its COMMIT also at a later hit; abort/_exit/SIGKILL in turn);
  // running the transfers-only and the mixed workload, at random moments, rounds on one
  // file; and three such apps share a file, one SIGKILLed at random. After each kill the
  // app's rows must match the ledger's keys (check_attached_app), the app's retries replay
  // or execute accordingly, then the model check (check_exactly_once).
  std::uint64_t seed = test_seed("attached kills");
  CAPTURE(seed);
  TempDir dir("attach-kills");
  Report report;
  KillConfig config{LEDGER_CRASH_DRIVER, dir.path(), seed, Workload::mixed, true};
  if (failpoints_enabled()) {
    const char* actions[] = {"abort", "exit", "sigkill"};
    std::size_t action = seed % 3;
    const auto reached = reached_failpoints(config, report);
    for (const char* name : {"app.before_commit", "app.after_commit", "transfer.after_commit",
                             "migrate.before_commit", "post.after_journal_append"}) {
      CAPTURE(name);
      CHECK(reached.count(name) == 1);
    }
    for (const auto& [failpoint, hits] : reached) {
      if (!report.ok()) break;
      failpoint_kill(config, failpoint, actions[action++ % 3], 1, report);
      // Around the app's COMMIT, also a later operation (its kind varies with the seed).
      if (failpoint.rfind("app.", 0) == 0 && hits > 1) {
        const auto nth = 2 + static_cast<std::int64_t>(seed % static_cast<std::uint64_t>(hits - 1));
        failpoint_kill(config, failpoint, actions[action++ % 3], nth, report);
      }
    }
    CHECK(report.figures["crash.failpoint.app.before_commit"] > 0);
    CHECK(report.figures["crash.failpoint.app.after_commit"] > 0);
  }
  for (Workload workload : {Workload::sequential, Workload::mixed}) {
    config.workload = workload;
    random_kills(config, scaled(5, 2), report);
  }
  // Several app processes on one file, racing to create it; one is SIGKILLed.
  config.workload = Workload::sequential;
  concurrent_kill(config, 3, scaled(20, 10), false, report);
  CHECK(report.figures["crash.sigkill.random"] > 0);
  CHECK(report.figures["attach.app_retries_replayed"] > 0);
  expect_no_violations(report, dir);
}

}  // namespace crash
