// In-process fault scenarios: see fault_scenarios.h.
#include "fault_scenarios.h"

#include <fmt/format.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>

namespace crash {
namespace {

namespace fs = std::filesystem;
using ledger::Ledger;

const std::string kPrincipal = "till";
constexpr std::int64_t kHistoryTransfers = 8;  // transfers in the base file of the sweeps

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

void remove_db(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    fs::remove(path + suffix, ignored);
  }
}

void copy_db(const std::string& from, const std::string& to) {
  remove_db(to);
  fs::copy_file(from, to);
  if (fs::exists(from + "-wal")) fs::copy_file(from + "-wal", to + "-wal");
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Runs `call`; returns true if it threw. A transient ledger::Error is what an injected
// I/O error must become; anything else is a violation.
template <class Call>
bool threw_transient(Call&& call, const std::string& what, Report& report) {
  try {
    call();
    return false;
  } catch (const ledger::Error& e) {
    if (!e.transient()) {
      report.violation(fmt::format("{}: ledger::Error {} (sqlite {}) is not transient: {}", what,
                                   ledger::to_string(e.code()), e.sqlite_code(), e.what()));
    }
  } catch (const std::exception& e) {
    report.violation(fmt::format("{}: a non-ledger exception escaped: {}", what, e.what()));
  }
  return true;
}

// Runs `call` that must not fail now that the fault is gone.
template <class Call>
void must_succeed(Call&& call, const std::string& what, Report& report) {
  try {
    call();
  } catch (const std::exception& e) {
    report.violation(fmt::format("{}: {}", what, e.what()));
  }
}

void ack(StreamHistory& history, std::int64_t index, const ledger::TransferResult& result) {
  history.acked[index] = Ack{ledger::to_string(result.outcome), result.body};
}

// A ledger with the sequential workload's accounts and its first kHistoryTransfers
// transfers, closed cleanly (so the file is self-contained), and their history.
StreamHistory make_base(const std::string& path, std::uint64_t seed,
                        const ledger::Options& options = {}) {
  remove_db(path);
  StreamHistory history;
  history.principal = kPrincipal;
  auto ledger = Ledger::open(path, options);
  ensure_accounts(ledger, Workload::sequential);
  for (std::int64_t i = 0; i < kHistoryTransfers; ++i) {
    record_attempt(history, i);
    ack(history, i, ledger.transfer(make_request(Workload::sequential, seed, kPrincipal, i)));
  }
  return history;
}

std::int64_t injected_so_far() { return FaultVfs::counters().io_errors_injected; }

void count_injected(Report& report, const char* phase, const Sweep& sweep, std::int64_t before) {
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

}  // namespace

void io_errors_in_transfer(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const StreamHistory history = make_base(base, seed);
  const auto request = make_request(Workload::sequential, seed, kPrincipal, kHistoryTransfers);
  copy_db(base, run);
  Calls calls{};
  {
    auto ledger = Ledger::open(run);
    FaultVfs::reset_call_counts();
    (void)ledger.transfer(request);
    calls = call_counts();
  }
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what = fmt::format("transfer with an I/O error at {}", describe(sweep, nth));
    copy_db(base, run);
    StreamHistory h = history;
    record_attempt(h, kHistoryTransfers);
    std::int64_t before = injected_so_far();
    must_succeed(
        [&] {
          auto ledger = Ledger::open(run);
          std::optional<ledger::TransferResult> result;
          FaultVfs::arm_io_fault(fault_of(sweep, nth));
          bool failed = threw_transient([&] { result = ledger.transfer(request); }, what, report);
          FaultVfs::disarm_io_fault();
          if (failed) {
            if (ledger.find_key(kPrincipal, request.key)) {
              report.violation(what + ": the transfer failed but its key was stored");
            }
            result = ledger.transfer(request);  // the retry the error message asks for
            if (result->replayed) report.violation(what + ": the retry replayed a failed transfer");
          }
          ack(h, kHistoryTransfers, *result);
        },
        what + ": after removing the fault", report);
    count_injected(report, "transfer", sweep, before);
    check_exactly_once(run, Workload::sequential, seed, {h}, {}, report);
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
          ack(h, 0, reopened.transfer(make_request(Workload::sequential, seed, kPrincipal, 0)));
        },
        what + ": reopening after removing the fault", report);
    check_exactly_once(path, Workload::sequential, seed, {h}, {}, report);
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
  base.history = make_base(path, seed, base.options);
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
    check_exactly_once(run, Workload::sequential, seed, {base.history}, {}, report);
  });
}

void io_errors_at_close(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const StreamHistory history = make_base(base, seed);
  const auto request = make_request(Workload::sequential, seed, kPrincipal, kHistoryTransfers);
  copy_db(base, run);
  std::optional<Ledger> ledger;
  ledger.emplace(Ledger::open(run));
  (void)ledger->transfer(request);
  FaultVfs::reset_call_counts();
  ledger.reset();
  Calls calls = call_counts();
  for_every_fault(calls, report, [&](const Sweep& sweep, std::int64_t nth) {
    std::string what = fmt::format("closing with an I/O error at {}", describe(sweep, nth));
    copy_db(base, run);
    StreamHistory h = history;
    record_attempt(h, kHistoryTransfers);
    std::int64_t before = injected_so_far();
    must_succeed(
        [&] {
          auto open = Ledger::open(run);
          ack(h, kHistoryTransfers, open.transfer(request));
          FaultVfs::arm_io_fault(fault_of(sweep, nth));
        },
        what + ": before the close", report);  // the Ledger is closed at the end of the block
    FaultVfs::disarm_io_fault();
    count_injected(report, "close", sweep, before);
    check_exactly_once(run, Workload::sequential, seed, {h}, {}, report);
  });
}

namespace {

// Retries every acknowledged key and verifies, under whatever fault is armed.
void replay_and_verify(Ledger& ledger, const StreamHistory& history, std::uint64_t seed,
                       const std::string& what, Report& report) {
  for (const auto& [index, ack] : history.acked) {
    auto request = make_request(Workload::sequential, seed, kPrincipal, index);
    std::optional<ledger::TransferResult> result;
    bool failed = threw_transient([&] { result = ledger.transfer(request); }, what, report);
    if (!failed && (!result->replayed || result->body != ack.body)) {
      report.violation(fmt::format("{}: key {} was not replayed byte for byte (replayed={})", what,
                                   request.key, result->replayed));
    }
  }
  std::optional<ledger::VerifyReport> verify;
  bool failed = threw_transient([&] { verify = ledger.verify(); }, what + " (verify)", report);
  if (!failed && !verify->ok()) {
    report.violation(
        fmt::format("{}: verify reported {} violation(s), the first: {} at {}: {}; "
                    "an I/O error must fail verify, not raise a false alarm",
                    what, verify->violations.size(), verify->violations[0].kind,
                    verify->violations[0].where, verify->violations[0].detail));
  }
}

}  // namespace

void io_errors_in_replay_and_verify(const std::string& dir, std::uint64_t seed, Report& report) {
  const std::string base = dir + "/base.db";
  const std::string run = dir + "/run.db";
  const StreamHistory history = make_base(base, seed);
  copy_db(base, run);
  Calls calls{};
  {
    auto ledger = Ledger::open(run);
    FaultVfs::reset_call_counts();
    replay_and_verify(ledger, history, seed, "without a fault", report);
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
          replay_and_verify(ledger, history, seed, what, report);
          FaultVfs::disarm_io_fault();
        },
        what, report);
    FaultVfs::disarm_io_fault();
    count_injected(report, "replay_and_verify", sweep, before);
    check_exactly_once(run, Workload::sequential, seed, {history}, {}, report);
  });
}

namespace {

ledger::Options durable(ledger::Durability durability) {
  ledger::Options options;
  options.durability = durability;
  return options;
}

// Mutating calls (write, truncate, sync) per transfer, to aim crashes inside the stream.
std::int64_t mutations_per_transfer(const std::string& path, std::uint64_t seed,
                                    ledger::Durability durability) {
  remove_db(path);
  {
    auto ledger = Ledger::open(path, durable(durability));
    ensure_accounts(ledger, Workload::sequential);
  }
  FaultVfs::set_power_loss_mode(true);
  std::int64_t per = 1;
  {
    auto ledger = Ledger::open(path, durable(durability));
    std::int64_t start = FaultVfs::mutations();
    for (std::int64_t i = 0; i < 10; ++i) {
      (void)ledger.transfer(make_request(Workload::sequential, seed, kPrincipal, i));
    }
    per = std::max<std::int64_t>(1, (FaultVfs::mutations() - start) / 10);
  }
  FaultVfs::set_power_loss_mode(false);
  return per;
}

const char* name_of(ledger::Durability durability) {
  return durability == ledger::Durability::full ? "full" : "normal";
}
const char* name_of(LossMode mode) {
  return mode == LossMode::drop_all ? "drop_all" : "random_sectors";
}

// Runs transfers until the power fails; returns the history (attempted and acknowledged).
StreamHistory run_until_power_loss(const std::string& path, std::uint64_t seed,
                                   ledger::Durability durability, LossMode mode,
                                   std::int64_t per_transfer, std::mt19937_64& rng,
                                   Report& report) {
  constexpr std::int64_t kTransfers = 12;
  StreamHistory history;
  history.principal = kPrincipal;
  auto ledger = Ledger::open(path, durable(durability));
  // One crash in four falls between two calls; the others at a write or sync inside one.
  bool between_calls = rng() % 4 == 0;
  auto crash_at = static_cast<std::int64_t>(rng() % (kTransfers + 1));
  if (!between_calls) {
    auto span = static_cast<std::uint64_t>(kTransfers * per_transfer);
    FaultVfs::crash_before_mutation(1 + static_cast<std::int64_t>(rng() % span), mode);
  }
  for (std::int64_t i = 0; i < kTransfers; ++i) {
    if (between_calls && i == crash_at) FaultVfs::crash_now(mode);
    if (FaultVfs::crashed()) {
      report.count("powerloss_when.between_transfers");
      break;
    }
    record_attempt(history, i);
    try {
      auto result = ledger.transfer(make_request(Workload::sequential, seed, kPrincipal, i));
      if (FaultVfs::crashed()) {  // in doubt: the power failed during this call
        report.count("powerloss_when.during_a_transfer");
        break;
      }
      ack(history, i, result);
    } catch (const std::exception& e) {
      if (!FaultVfs::crashed()) {
        report.violation(fmt::format("transfer {} failed with no fault injected: {}", i, e.what()));
      }
      break;
    }
  }
  if (!FaultVfs::crashed()) report.count("powerloss_when.after_the_last_transfer");
  FaultVfs::crash_now(mode);
  return history;  // the Ledger closes here, against a crashed VFS: nothing more is written
}

}  // namespace

void power_loss(const std::string& dir, std::uint64_t seed, ledger::Durability durability,
                LossMode mode, int trials, Report& report) {
  std::mt19937_64 rng(seed);
  std::int64_t per_transfer = mutations_per_transfer(dir + "/calibrate.db", seed, durability);
  for (int trial = 0; trial < trials && report.ok(); ++trial) {
    std::string path = fmt::format("{}/power-{}.db", dir, trial);
    remove_db(path);
    {
      auto ledger = Ledger::open(path, durable(durability));
      ensure_accounts(ledger, Workload::sequential);
    }
    FaultVfs::set_power_loss_mode(true, rng());
    StreamHistory history;
    try {
      history = run_until_power_loss(path, seed, durability, mode, per_transfer, rng, report);
    } catch (const std::exception& e) {
      report.violation(fmt::format("power-loss trial {}: {}", trial, e.what()));
    }
    FaultVfs::power_on(path);
    FaultVfs::set_power_loss_mode(false);
    report.count(fmt::format("powerloss.{}.{}", name_of(durability), name_of(mode)));
    CheckOptions options;
    options.allow_lost_suffix = durability == ledger::Durability::normal;
    check_exactly_once(path, Workload::sequential, seed, {history}, options, report);
  }
}

void power_loss_in_migration(const std::string& dir, std::uint64_t seed, Report& report) {
  std::mt19937_64 rng(seed);
  const std::string path = dir + "/new.db";
  remove_db(path);
  FaultVfs::set_power_loss_mode(true);
  { auto ledger = Ledger::open(path); }
  std::int64_t total = FaultVfs::mutations();
  FaultVfs::set_power_loss_mode(false);
  for (std::int64_t nth = 1; nth <= total && report.ok(); ++nth) {
    LossMode mode = rng() % 2 == 0 ? LossMode::drop_all : LossMode::random_sectors;
    std::string what =
        fmt::format("power loss at write/sync #{} of creating a ledger ({})", nth, name_of(mode));
    remove_db(path);
    FaultVfs::set_power_loss_mode(true, rng());
    FaultVfs::crash_before_mutation(nth, mode);
    try {
      auto ledger = Ledger::open(path);
    } catch (const ledger::Error&) {
      // The process would have died here; what matters is the file it leaves.
    } catch (const std::exception& e) {
      report.violation(fmt::format("{}: a non-ledger exception escaped: {}", what, e.what()));
    }
    FaultVfs::crash_now(mode);
    FaultVfs::power_on(path);
    FaultVfs::set_power_loss_mode(false);
    report.count(fmt::format("powerloss.migration.{}", name_of(mode)));
    StreamHistory h;
    h.principal = kPrincipal;
    must_succeed(
        [&] {
          auto reopened = Ledger::open(path);
          ensure_accounts(reopened, Workload::sequential);
          record_attempt(h, 0);
          ack(h, 0, reopened.transfer(make_request(Workload::sequential, seed, kPrincipal, 0)));
        },
        what + ": the surviving file does not open", report);
    check_exactly_once(path, Workload::sequential, seed, {h}, {}, report);
  }
}

}  // namespace crash
