// In-process I/O-error scenarios: see fault_scenarios.h.
#include "fault_scenarios.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "check.h"
#include "model.h"
#include "scenario_support.h"

namespace crash {
namespace {

using ledger::Ledger;

// One way of failing calls of one kind.
struct Sweep {
  IoOp op;
  bool persistent;
  bool disk_full;
};
const Sweep kSweeps[] = {
    {IoOp::read, false, false}, {IoOp::read, true, false},      {IoOp::write, false, false},
    {IoOp::write, true, false}, {IoOp::write, false, true},     {IoOp::sync, false, false},
    {IoOp::sync, true, false},  {IoOp::truncate, false, false}, {IoOp::truncate, true, false},
};

std::string describe(const Sweep& sweep, std::int64_t nth) {
  return fmt::format("{} #{}{}", sweep.disk_full ? "write (disk full)" : to_string(sweep.op), nth,
                     sweep.persistent ? " and every later one" : "");
}

IoFault fault_of(const Sweep& sweep, std::int64_t nth) {
  return IoFault{sweep.op, nth, sweep.persistent, sweep.disk_full};
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Options whose clock runs `ahead_ms` ahead of the system clock.
ledger::Options clock_ahead(std::int64_t ahead_ms) {
  ledger::Options options;
  if (ahead_ms != 0) options.clock_ms = [ahead_ms] { return now_ms() + ahead_ms; };
  return options;
}

std::int64_t injected_so_far() { return FaultVfs::counters().io_errors_injected; }

void count_injected(Report& report, const std::string& phase, const Sweep& sweep,
                    std::int64_t before) {
  std::int64_t n = injected_so_far() - before;
  if (n > 0) {
    report.count(fmt::format("ioerr.{}.{}", phase, sweep.disk_full ? "full" : to_string(sweep.op)),
                 n);
  }
}

using Calls = std::array<std::int64_t, kIoOpCount>;

// The calls per kind since the last reset: how many Nths a sweep has to try.
Calls call_counts() {
  Calls calls{};
  VfsCounters counters = FaultVfs::counters();
  for (std::size_t i = 0; i < calls.size(); ++i) calls[i] = counters.calls[i];
  return calls;
}

// Calls `one(sweep, nth)` for every sweep and every N up to one more than the calls seen.
template <class One>
void for_every_fault(const Calls& calls, Report& report, One&& one) {
  for (const Sweep& sweep : kSweeps) {
    std::int64_t last = calls[static_cast<std::size_t>(sweep.op)] + 1;
    for (std::int64_t nth = 1; nth <= last && report.ok(); ++nth) one(sweep, nth);
  }
}

// Runs operation `index` under `fault`; if it fails, checks that none of its keys was
// stored and retries it (as the error asks) once the fault is gone.
void op_under_fault(const std::string& run, Workload workload, std::uint64_t seed,
                    const SweepTarget& target, const IoFault& fault, const std::string& what,
                    StreamHistory& history, Report& report) {
  auto ledger = Ledger::open(run, clock_ahead(target.clock_ahead_ms));
  const std::int64_t index = target.index;
  Op op = make_op(workload, seed, kPrincipal, index);
  std::vector<ledger::TransferResult> results;
  FaultVfs::arm_io_fault(fault);
  bool failed = threw_transient([&] { results = run_op(ledger, op); }, what, report);
  FaultVfs::disarm_io_fault();
  if (failed) {
    for (const std::string& key : op_keys(op)) {
      if (ledger.find_key(kPrincipal, key)) {
        report.violation(
            fmt::format("{}: the operation failed but its key {} was stored", what, key));
      }
    }
    results = run_op(ledger, op);  // the retry the error message asks for
    for (const auto& result : results) {
      if (result.replayed) report.violation(what + ": the retry replayed a failed operation");
    }
  }
  record_ack(history, index, results);
}

}  // namespace

std::vector<SweepTarget> sweep_targets(Workload workload, std::uint64_t seed) {
  if (!is_mixed(workload)) return {{"transfer", kBaseOps}};
  auto at = [&](OpKind kind, std::optional<bool> created) {
    return find_op(workload, seed, kPrincipal, kind, kBaseOps, created);
  };
  return {{"reserve", at(OpKind::reserve, true)},
          {"post", at(OpKind::post, true)},
          {"void", at(OpKind::void_pending, true)},
          {"reverse", at(OpKind::reverse, true)},
          {"batch", at(OpKind::batch, true)},
          {"linked_batch", at(OpKind::linked_batch, true)},
          {"linked_batch_failed", at(OpKind::linked_batch, false)},
          {"close", at(OpKind::close, true)},
          {"expire", at(OpKind::expire, std::nullopt), 1000 * (kShortHoldSeconds + 1)}};
}

void io_errors_in_op(const std::string& dir, std::uint64_t seed, Workload workload,
                     const SweepTarget& target, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const StreamHistory history = make_base(base, seed, workload, target.index);
  copy_db(base, run);
  Calls calls{};
  {
    auto ledger = Ledger::open(run, clock_ahead(target.clock_ahead_ms));
    Op op = make_op(workload, seed, kPrincipal, target.index);
    FaultVfs::reset_call_counts();
    (void)run_op(ledger, op);
    calls = call_counts();
  }
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what = fmt::format("{} (operation {}) with an I/O error at {}", target.label,
                                   target.index, describe(sweep, nth));
    copy_db(base, run);
    StreamHistory h = history;
    record_attempt(h, target.index);
    std::int64_t before = injected_so_far();
    must_succeed(
        [&] { op_under_fault(run, workload, seed, target, fault_of(sweep, nth), what, h, report); },
        what + ": after removing the fault", report);
    count_injected(report, target.label, sweep, before);
    check_exactly_once(run, workload, seed, {h}, {false, what}, report);
  });
}

void io_errors_in_migration(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string path = dir + "/new.db";
  remove_db(path);
  int latest = 0;
  Calls calls{};
  {
    FaultVfs::reset_call_counts();
    auto ledger = Ledger::open(path);
    calls = call_counts();
    latest = ledger.stats().schema_version;
  }
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what =
        fmt::format("creating a ledger with an I/O error at {}", describe(sweep, nth));
    remove_db(path);
    std::int64_t before = injected_so_far();
    std::optional<Ledger> ledger;
    FaultVfs::arm_io_fault(fault_of(sweep, nth));
    try {
      ledger.emplace(Ledger::open(path));
    } catch (const ledger::Error& e) {
      // Any ledger::Error is a clear refusal here (busy/io are the likely ones).
      report.count(fmt::format("refusal.migration_io_error_as.{}", ledger::to_string(e.code())));
    } catch (const std::exception& e) {
      report.violation(fmt::format("{}: a non-ledger exception escaped: {}", what, e.what()));
    }
    FaultVfs::disarm_io_fault();
    ledger.reset();
    count_injected(report, "migration", sweep, before);
    StreamHistory h;
    h.principal = kPrincipal;
    must_succeed(
        [&] {
          auto reopened = Ledger::open(path);
          if (reopened.stats().schema_version != latest) {
            report.violation(fmt::format("{}: reopened at schema version {}, not {}", what,
                                         reopened.stats().schema_version, latest));
          }
          ensure_accounts(reopened, Workload::sequential);
          record_attempt(h, 0);
          Op op = make_op(Workload::sequential, seed, kPrincipal, 0);
          record_ack(h, 0, run_op(reopened, op));
        },
        what + ": reopening after removing the fault", report);
    check_exactly_once(path, Workload::sequential, seed, {h}, {false, what}, report);
  });
}

namespace {

// A base file for the purge sweep: history, five issued keys past their TTL, and the
// clock that made them expire.
struct PurgeBase {
  StreamHistory history;
  std::vector<std::string> issued;
  ledger::Options options;
};

PurgeBase make_purge_base(const std::string& path, std::uint64_t seed) {
  PurgeBase base;
  // A clock the test moves, so that issued keys expire without waiting.
  auto clock = std::make_shared<std::atomic<std::int64_t>>(now_ms());
  base.options.clock_ms = [clock] { return clock->load(); };
  base.history = make_base(path, seed, Workload::sequential, kBaseOps, base.options);
  auto ledger = Ledger::open(path, base.options);
  for (int i = 0; i < 5; ++i) base.issued.push_back(ledger.issue_key("issuer", "transfer", 1).key);
  *clock += 2000;
  return base;
}

// One purge under `fault`: all or nothing, and a retry finishes the job.
void purge_under_fault(const std::string& path, const PurgeBase& base, std::int64_t pending,
                       const IoFault& fault, const std::string& what, Report& report) {
  auto ledger = Ledger::open(path, base.options);
  FaultVfs::arm_io_fault(fault);
  bool failed = threw_transient([&] { (void)ledger.purge_keys(); }, what, report);
  FaultVfs::disarm_io_fault();
  if (failed) {
    std::int64_t left = ledger.stats().pending_purge;
    if (left != pending) {
      report.violation(
          fmt::format("{}: the failed purge left {} of {} rows pending: it was not "
                      "all or nothing",
                      what, left, pending));
    }
    (void)ledger.purge_keys();
  }
  if (ledger.stats().pending_purge != 0) report.violation(what + ": the retry left rows");
  for (const std::string& key : base.issued) {
    auto record = ledger.find_key("issuer", key);
    if (!record || record->state != ledger::KeyState::expired) {
      report.violation(what + ": issued key " + key + " is not a tombstone after the purge");
    }
  }
}

}  // namespace

void io_errors_in_purge(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string base_path = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const PurgeBase base = make_purge_base(base_path, seed);
  copy_db(base_path, run);
  std::int64_t pending = 0;
  Calls calls{};
  {
    auto ledger = Ledger::open(run, base.options);
    pending = ledger.stats().pending_purge;
    FaultVfs::reset_call_counts();
    (void)ledger.purge_keys();
    calls = call_counts();
  }
  if (pending < static_cast<std::int64_t>(base.issued.size())) {
    report.violation(
        fmt::format("purge setup: stats().pending_purge is {} with {} expired "
                    "issued keys",
                    pending, base.issued.size()));
  }
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what = fmt::format("purge with an I/O error at {}", describe(sweep, nth));
    copy_db(base_path, run);
    std::int64_t before = injected_so_far();
    must_succeed([&] { purge_under_fault(run, base, pending, fault_of(sweep, nth), what, report); },
                 what + ": after removing the fault", report);
    count_injected(report, "purge", sweep, before);
    check_exactly_once(run, Workload::sequential, seed, {base.history}, {false, what}, report);
  });
}

void io_errors_at_close(const std::string& dir, std::uint64_t seed, Workload workload,
                        Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const StreamHistory history = make_base(base, seed, workload, kBaseOps);
  copy_db(base, run);
  std::optional<Ledger> ledger;
  ledger.emplace(Ledger::open(run));
  Op first = make_op(workload, seed, kPrincipal, kBaseOps);
  (void)run_op(*ledger, first);
  FaultVfs::reset_call_counts();
  ledger.reset();
  Calls calls = call_counts();
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what = fmt::format("closing with an I/O error at {}", describe(sweep, nth));
    copy_db(base, run);
    StreamHistory h = history;
    record_attempt(h, kBaseOps);
    std::int64_t before = injected_so_far();
    must_succeed(
        [&] {
          auto open = Ledger::open(run);
          Op op = make_op(workload, seed, kPrincipal, kBaseOps);
          record_ack(h, kBaseOps, run_op(open, op));
          FaultVfs::arm_io_fault(fault_of(sweep, nth));
        },
        what + ": before the close", report);  // the Ledger is closed at the end of the block
    FaultVfs::disarm_io_fault();
    count_injected(report, "close", sweep, before);
    check_exactly_once(run, workload, seed, {h}, {false, what}, report);
  });
}

namespace {

// verify() under whatever fault is armed: ok, or a transient error, never a false alarm.
// (An engine bug this caught, fixed in 87377fc: a read error inside PRAGMA quick_check was
// reported as a "storage" violation, i.e. file damage.)
void verify_under_fault(Ledger& ledger, const std::string& what, Report& report) {
  std::optional<ledger::VerifyReport> verify;
  bool failed = threw_transient([&] { verify = ledger.verify(); }, what + " (verify)", report);
  if (failed || verify->ok()) return;
  report.violation(fmt::format(
      "{}: verify reported {} violation(s), the first: {} at {}: {}; an I/O error must fail "
      "verify, not raise a false alarm",
      what, verify->violations.size(), verify->violations[0].kind, verify->violations[0].where,
      verify->violations[0].detail));
}

// Retries every acknowledged operation and verifies, under whatever fault is armed.
void replay_and_verify(Ledger& ledger, const StreamHistory& history, Workload workload,
                       std::uint64_t seed, const std::string& what, Report& report) {
  for (const auto& [index, acks] : history.acked) {
    Op op = make_op(workload, seed, kPrincipal, index);
    if (op.kind == OpKind::expire) continue;  // not keyed: a retry would just sweep again
    std::vector<ledger::TransferResult> results;
    if (threw_transient([&] { results = run_op(ledger, op); }, what, report)) continue;
    auto keys = op_keys(op);
    for (std::size_t i = 0; i < results.size() && i < acks.size(); ++i) {
      if (!results[i].replayed || results[i].body != acks[i].body) {
        report.violation(fmt::format("{}: key {} was not replayed byte for byte (replayed={})",
                                     what, keys[i], results[i].replayed));
      }
    }
  }
  verify_under_fault(ledger, what, report);
}

}  // namespace

void io_errors_in_replay_and_verify(const std::string& dir, std::uint64_t seed, Workload workload,
                                    Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  // The mixed workload's first 12 operations are one of each kind.
  const std::int64_t ops = is_mixed(workload) ? 12 : kBaseOps;
  const StreamHistory history = make_base(base, seed, workload, ops);
  copy_db(base, run);
  Calls calls{};
  {
    auto ledger = Ledger::open(run);
    FaultVfs::reset_call_counts();
    replay_and_verify(ledger, history, workload, seed, "without a fault", report);
    calls = call_counts();
  }
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what =
        fmt::format("replay and verify with an I/O error at {}", describe(sweep, nth));
    copy_db(base, run);
    std::int64_t before = injected_so_far();
    must_succeed(
        [&] {
          auto ledger = Ledger::open(run);
          FaultVfs::arm_io_fault(fault_of(sweep, nth));
          replay_and_verify(ledger, history, workload, seed, what, report);
          FaultVfs::disarm_io_fault();
        },
        what, report);
    FaultVfs::disarm_io_fault();
    count_injected(report, "replay_and_verify", sweep, before);
    check_exactly_once(run, workload, seed, {history}, {false, what}, report);
  });
}

void io_errors_in_verify(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  (void)make_base(base, seed, Workload::mixed, 12);
  Calls calls{};
  {
    auto ledger = Ledger::open(base);
    FaultVfs::reset_call_counts();
    (void)ledger.verify();
    calls = call_counts();
  }
  for (bool persistent : {false, true}) {
    Sweep sweep{IoOp::read, persistent, false};
    for (std::int64_t nth = 1; nth <= calls[0] + 1; ++nth) {
      std::string what = fmt::format("verify with an I/O error at {}", describe(sweep, nth));
      copy_db(base, run);
      std::int64_t before = injected_so_far();
      must_succeed(
          [&] {
            auto ledger = Ledger::open(run);
            FaultVfs::arm_io_fault(fault_of(sweep, nth));
            verify_under_fault(ledger, what, report);
            FaultVfs::disarm_io_fault();
          },
          what, report);
      FaultVfs::disarm_io_fault();
      count_injected(report, "verify", sweep, before);
    }
  }
}

}  // namespace crash
