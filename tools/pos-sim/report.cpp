// See report.h. One aligned table: what happened, then the checks, then the balances.
#include "report.h"

#include <fmt/core.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace pos_sim {
namespace {

constexpr int kLabelWidth = 40;

void heading(std::string_view title) { fmt::print("\n{}\n", title); }

void row(std::string_view label, const std::string& value, std::string_view note = "") {
  fmt::print("  {:<{}}{:>10}{}{}\n", label, kLabelWidth, value, note.empty() ? "" : "  ", note);
}

void row(std::string_view label, std::int64_t value, std::string_view note = "") {
  row(label, std::to_string(value), note);
}

void check(std::string_view label, const std::string& value, bool ok,
           std::string_view detail = "") {
  row(label, value,
      fmt::format("{}{}{}", ok ? "OK" : "FAILED", detail.empty() ? "" : "  ", detail));
}

std::string fraction(int good, int total) { return fmt::format("{}/{}", good, total); }

int fault(const Counters& c, Fault f) { return c.faults[static_cast<std::size_t>(f)]; }

void print_activity(const Counters& c) {
  heading("Sales");
  row("attempted", c.sales_attempted);
  row("completed (charged)", c.sales_completed);
  row("rejected: insufficient funds", c.sales_rejected,
      "a correct outcome, stored with the key: not a lost sale");
  row("card top-ups (world -> customer)", c.top_ups);
  heading("Faults injected (the till cannot tell which happened)");
  row("request lost before the engine", fault(c, Fault::lost_request),
      "till timed out and retried");
  row("process killed mid-operation", fault(c, Fault::killed),
      fmt::format("real SIGKILL: {} after commit, {} rolled back, {} while replaying",
                  c.killed_committed, c.killed_rolled_back, c.killed_replaying));
  row("reply lost after commit", fault(c, Fault::lost_reply), "engine committed, till never heard");
  heading("Recovery");
  row("retries", c.retries, "every one with the same idempotency key");
  row("replays", c.replays,
      fmt::format("stored outcome returned, {} of them rejections", c.rejection_replays));
  row("transient errors (busy, I/O)", c.transient_errors, "retried with the same key");
  row("keys issued by the engine", c.keys_issued, "Ledger::issue_key(principal, \"transfer\")");
  row("keys supplied by the till", c.keys_client, "UUID-like text");
}

void print_checks(const Counters& c, const Audit& a) {
  heading("Checks");
  check("double charges", std::to_string(a.double_charges + a.unexplained_rows),
        a.double_charges == 0 && a.unexplained_rows == 0);
  check("lost sales", std::to_string(a.lost_sales), a.lost_sales == 0);
  const int accounts = static_cast<int>(a.balances.size());
  check("balances equal the till's model", fraction(accounts - a.balance_mismatches, accounts),
        a.balance_mismatches == 0);
  check("outcomes as the till predicted",
        fraction(c.operations - c.unexpected_outcomes, c.operations), c.unexpected_outcomes == 0);
  check("lost replies replayed byte-identical",
        fraction(c.lost_replies_checked - c.replay_mismatches, c.lost_replies_checked),
        c.replay_mismatches == 0);
  check("late retry of every operation replayed",
        fraction(a.replays_checked - a.replay_mismatches, a.replays_checked),
        a.replay_mismatches == 0);
  check("stored rejections replayed identically",
        fraction(a.rejections_checked - a.rejection_mismatches, a.rejections_checked),
        a.rejection_mismatches == 0);
  check("same key, other amount: refused",
        fraction(a.conflicts_probed - a.conflict_failures, a.conflicts_probed),
        a.conflict_failures == 0);
  check("Ledger::verify()", a.verify.ok() ? "ok" : "violations", a.verify.ok(),
        fmt::format("{} accounts, {} journal rows, {} keys", a.verify.accounts_checked,
                    a.verify.journal_rows_checked, a.verify.keys_checked));
  for (const auto& v : a.verify.violations) {
    fmt::print("    verify: {} at {}: {}\n", v.kind, v.where, v.detail);
  }
  for (const auto& problem : a.problems) fmt::print("    problem: {}\n", problem);
}

void print_balances(const Audit& a) {
  heading(fmt::format("Final balances ({})", kCurrency));
  fmt::print("  {:<14}{:>12}{:>12}\n", "account", "balance", "expected");
  for (const auto& line : a.balances) {
    fmt::print("  {:<14}{:>12}{:>12}{}\n", line.code,
               ledger::format_amount(line.actual_minor, line.exponent),
               ledger::format_amount(line.expected_minor, line.exponent),
               line.actual_minor == line.expected_minor ? "" : "  MISMATCH");
  }
}

namespace fs = std::filesystem;

// `path` as a user types it in the current directory: relative (with ./ for a program)
// when it lies below it, else absolute; quoted for the shell if it needs it.
std::string shown_path(const fs::path& path, bool program) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  std::string text = path.string();
  if (!ec) {
    const fs::path relative = path.lexically_relative(cwd);
    const bool below = !relative.empty() && *relative.begin() != "..";
    if (below) text = (program ? "./" : "") + relative.string();
  }
  if (text.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789_-./:+,") == std::string::npos) {
    return text;
  }
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The ledgerctl built beside this pos-sim (build/tools/ledgerctl/ledgerctl next to
// build/tools/pos-sim/pos-sim), or plain `ledgerctl` (on PATH) when there is none.
std::string ledgerctl_command() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return "ledgerctl";
  const fs::path sibling = self.parent_path().parent_path() / "ledgerctl" / "ledgerctl";
  return fs::exists(sibling, ec) ? shown_path(sibling, true) : "ledgerctl";
}

// What to do next: look at the ledger the run left with ledgerctl.
void print_next_steps(const RunInfo& run) {
  const std::string prefix =
      fmt::format("{} --db {}", ledgerctl_command(), shown_path(run.db_path, false));
  fmt::print("\nNext: look at this ledger with ledgerctl:\n");
  fmt::print("  {} journal --limit 5\n", prefix);
  fmt::print("  {} verify\n", prefix);
}

}  // namespace

bool passed(const Counters& counters, const Audit& audit) {
  return audit.ok() && counters.unexpected_outcomes == 0 && counters.replay_mismatches == 0;
}

void print_header(const RunInfo& run) {
  const auto& c = run.config;
  fmt::print("pos-sim: {} sells {} items through the ledger at {}\n", kTill, c.sales, run.db_path);
  fmt::print("seed {} (same choices again: --seed {}), durability {}, fault rate {:.0f}%{}\n",
             c.seed, c.seed, c.durability == ledger::Durability::full ? "full" : "normal",
             c.fault_rate * 100, c.retry_with_new_key ? ", BUG MODE: retries use a new key" : "");
  std::fflush(stdout);
}

void print_summary(const RunInfo& run, const Counters& counters, const Audit& audit) {
  print_activity(counters);
  print_checks(counters, audit);
  print_balances(audit);
  const int faults = fault(counters, Fault::lost_request) + fault(counters, Fault::killed) +
                     fault(counters, Fault::lost_reply);
  if (passed(counters, audit)) {
    fmt::print(
        "\nPASS: {} faults, {} retries, and every sale was charged exactly once ({:.1f} s)\n",
        faults, counters.retries, run.seconds);
  } else {
    fmt::print("\nFAIL: exactly-once was violated; see the checks above ({:.1f} s, seed {})\n",
               run.seconds, run.config.seed);
  }
  print_next_steps(run);
}

}  // namespace pos_sim
