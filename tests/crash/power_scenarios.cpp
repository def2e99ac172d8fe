// In-process power-loss scenarios: see power_scenarios.h.
#include "power_scenarios.h"

#include <fmt/format.h>

#include <random>

#include "check.h"
#include "scenario_support.h"

namespace crash {

using ledger::Ledger;

namespace {

ledger::Options durable(ledger::Durability durability) {
  ledger::Options options;
  options.durability = durability;
  return options;
}

// Operations per power-loss trial: the mixed workload's are one of each kind.
constexpr std::int64_t kOps = 12;

// Mutating calls (write, truncate, sync) per operation, to aim crashes inside the stream.
std::int64_t mutations_per_op(const std::string& path, std::uint64_t seed, Workload workload,
                              ledger::Durability durability) {
  remove_db(path);
  {
    auto ledger = Ledger::open(path, durable(durability));
    ensure_accounts(ledger, workload);
  }
  FaultVfs::set_power_loss_mode(true);
  std::int64_t per = 1;
  {
    auto ledger = Ledger::open(path, durable(durability));
    std::int64_t start = FaultVfs::mutations();
    for (std::int64_t i = 0; i < kOps; ++i) {
      Op op = make_op(workload, seed, kPrincipal, i);
      (void)run_op(ledger, op);
    }
    per = std::max<std::int64_t>(1, (FaultVfs::mutations() - start) / kOps);
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

// Runs operations until the power fails; returns the history (attempted and acknowledged).
StreamHistory run_until_power_loss(const std::string& path, std::uint64_t seed, Workload workload,
                                   ledger::Durability durability, LossMode mode,
                                   std::int64_t per_op, std::mt19937_64& rng, Report& report) {
  StreamHistory history;
  history.principal = kPrincipal;
  auto ledger = Ledger::open(path, durable(durability));
  // One crash in four falls between two calls; the others at a write or sync inside one.
  bool between_calls = rng() % 4 == 0;
  auto crash_at = static_cast<std::int64_t>(rng() % (kOps + 1));
  if (!between_calls) {
    auto span = static_cast<std::uint64_t>(kOps * per_op);
    FaultVfs::crash_before_mutation(1 + static_cast<std::int64_t>(rng() % span), mode);
  }
  for (std::int64_t i = 0; i < kOps; ++i) {
    if (between_calls && i == crash_at) FaultVfs::crash_now(mode);
    if (FaultVfs::crashed()) {
      report.count("powerloss_when.between_two_operations");
      break;
    }
    record_attempt(history, i);
    Op op = make_op(workload, seed, kPrincipal, i);
    try {
      auto results = run_op(ledger, op);
      if (FaultVfs::crashed()) {  // in doubt: the power failed during this call
        report.count(fmt::format("powerloss_when.during_an_operation.{}", to_string(op.kind)));
        break;
      }
      record_ack(history, i, results);
    } catch (const std::exception& e) {
      if (!FaultVfs::crashed()) {
        report.violation(fmt::format("operation {} ({}) failed with no fault injected: {}", i,
                                     to_string(op.kind), e.what()));
      }
      break;
    }
  }
  if (!FaultVfs::crashed()) report.count("powerloss_when.after_the_last_operation");
  FaultVfs::crash_now(mode);
  return history;  // the Ledger closes here, against a crashed VFS: nothing more is written
}

}  // namespace

void power_loss(const std::string& dir, std::uint64_t seed, Workload workload,
                ledger::Durability durability, LossMode mode, int trials, Report& report) {
  std::mt19937_64 rng(seed);
  std::int64_t per_op = mutations_per_op(dir + "/calibrate.db", seed, workload, durability);
  for (int trial = 0; trial < trials && report.ok(); ++trial) {
    std::string path = fmt::format("{}/power-{}.db", dir, trial);
    remove_db(path);
    {
      auto ledger = Ledger::open(path, durable(durability));
      ensure_accounts(ledger, workload);
    }
    FaultVfs::set_power_loss_mode(true, rng());
    StreamHistory history;
    try {
      history = run_until_power_loss(path, seed, workload, durability, mode, per_op, rng, report);
    } catch (const std::exception& e) {
      report.violation(fmt::format("power-loss trial {}: {}", trial, e.what()));
    }
    FaultVfs::power_on(path);
    FaultVfs::set_power_loss_mode(false);
    report.count(
        fmt::format("powerloss.{}.{}.{}", to_string(workload), name_of(durability), name_of(mode)));
    CheckOptions options;
    options.allow_lost_suffix = durability == ledger::Durability::normal;
    options.context = fmt::format("{} workload, power loss trial {} ({}, {})", to_string(workload),
                                  trial, name_of(durability), name_of(mode));
    check_exactly_once(path, workload, seed, {history}, options, report);
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
          Op op = make_op(Workload::sequential, seed, kPrincipal, 0);
          record_ack(h, 0, run_op(reopened, op));
        },
        what + ": the surviving file does not open", report);
    check_exactly_once(path, Workload::sequential, seed, {h}, {false, what}, report);
  }
}

}  // namespace crash
