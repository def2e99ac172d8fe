// ledger-crash-driver: the process side of the crash suite.
//
//   ledger-crash-driver child --db PATH --side-dir DIR ...   an operation stream to be killed
//   ledger-crash-driver soak (--duration SECONDS | --count N) [--seed N]
//
// `child` is what the kill scenarios (kill_scenarios.h) fork and exec, with a failpoint
// armed in its environment or not. It records each operation in a side file before
// attempting it and its answers after, retries transient errors with the same key, and exits 3 on
// any other error (the parent reports it). With --attach it is an embedding app
// (attached_app.h): the ledger runs on the app's own connection, each operation inside an
// app transaction together with the app's row. `soak` runs every scenario of the suite over
// and over with fresh seeds and prints the figures: crashes by kind, I/O errors injected,
// power losses simulated, violations found.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>

#include "attached_app.h"
#include "fault_scenarios.h"
#include "harness.h"
#include "history.h"
#include "kill_scenarios.h"
#include "power_scenarios.h"
#include "support/timeout_scale.h"
#include "workload.h"

namespace crash {
namespace {

// --- child ------------------------------------------------------------------------------

// Retries `call` on transient errors (busy, I/O) with the same arguments, as the API asks;
// gives up after a minute (times LEDGER_TEST_TIMEOUT_SCALE) so a wedged test ends.
template <class Call>
auto with_retries(Call&& call, std::int64_t& transient) {
  std::int64_t deadline = monotonic_ms() + ledger::testing::scaled_ms(60'000);
  for (;;) {
    try {
      return call();
    } catch (const ledger::Error& e) {
      if (!e.transient() || monotonic_ms() > deadline) throw;
      ++transient;
      sleep_ms(1 + transient % 7);
    }
  }
}

// A clock that moves one second per reading: a key issued with a TTL of one second has
// expired by the next purge, without the test sleeping.
std::function<std::int64_t()> fast_clock() {
  using namespace std::chrono;
  auto start = duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
  auto readings = std::make_shared<std::int64_t>(0);
  return [start, readings] { return start + 1000 * (*readings)++; };
}

// Runs operation `index` (retrying transient errors) and records its answers. Conflicts and
// malformed requests never belong to a workload, nor do rejections to the transfers-only
// concurrent one: they end the child with an error the parent reports.
// With an attached app, the operation is booked in an app transaction with its app row.
void run_one(ledger::Ledger& ledger, AttachedApp* app, const ChildSpec& spec, SideFiles& side,
             std::int64_t index, std::int64_t& transient) {
  Op op = make_op(spec.workload, spec.seed, spec.principal, index);
  auto results = with_retries(
      [&] { return app != nullptr ? app->book(ledger, op) : run_op(ledger, op); }, transient);
  auto keys = op_keys(op);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const auto& result = results[i];
    auto cls = ledger::outcome_class(result.outcome);
    if (cls == ledger::OutcomeClass::conflict || cls == ledger::OutcomeClass::malformed ||
        (spec.workload == Workload::concurrent && !result.ok())) {
      throw std::runtime_error(fmt::format("key {}: unexpected outcome {}: {}", keys.at(i),
                                           ledger::to_string(result.outcome), result.message));
    }
  }
  side.ack(index, results);
}

void purge_some(ledger::Ledger& ledger, std::int64_t& transient) {
  for (int i = 0; i < 2; ++i) {
    with_retries([&] { return ledger.issue_key("issuer", "transfer", 1); }, transient);
  }
  with_retries([&] { return ledger.purge_keys(); }, transient);
}

int run_child(const ChildSpec& spec) {
  std::int64_t transient = 0;
  try {
    ledger::Options options;
    options.busy_timeout_ms = spec.busy_timeout_ms;
    // The mixed workloads' holds that time out do so within a few operations.
    if (spec.purge_every > 0 || is_mixed(spec.workload)) options.clock_ms = fast_clock();
    // The fast clock must not age stored rejections out: their replays are checked.
    options.rejection_retention_seconds = 10LL * 365 * 24 * 3600;
    // --attach: the app opens the connection and the ledger runs on it (SPEC 9). Declared
    // before the Ledger, which must be destroyed first.
    std::optional<AttachedApp> app;
    if (spec.attach) {
      with_retries(
          [&] {
            app.emplace(spec.db, spec.busy_timeout_ms);
            return 0;
          },
          transient);
    }
    auto ledger = with_retries(
        [&] { return app ? app->attach(options) : ledger::Ledger::open(spec.db, options); },
        transient);
    with_retries(
        [&] {
          ensure_accounts(ledger, spec.workload);
          return 0;
        },
        transient);
    // A client that comes back first retries what it is unsure about, with the same keys.
    StreamHistory before = load_history(spec.side_dir, spec.principal);
    SideFiles side(spec.side_dir, spec.principal);
    for (std::int64_t index : before.attempted) {
      if (before.acked.count(index) == 0) {
        run_one(ledger, app ? &*app : nullptr, spec, side, index, transient);
      }
    }
    for (std::int64_t i = spec.first; i < spec.first + spec.count; ++i) {
      side.attempt(i);
      run_one(ledger, app ? &*app : nullptr, spec, side, i, transient);
      if (spec.purge_every > 0 && (i + 1) % spec.purge_every == 0) purge_some(ledger, transient);
    }
    std::ofstream(spec.side_dir + "/" + spec.principal + ".stats")
        << "transient " << transient << "\n";
    return 0;
  } catch (const ledger::Error& e) {
    std::fprintf(stderr, "child %s: ledger::Error %s (sqlite %d, transient=%d): %s\n",
                 spec.principal.c_str(), ledger::to_string(e.code()), e.sqlite_code(),
                 e.transient() ? 1 : 0, e.what());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "child %s: %s\n", spec.principal.c_str(), e.what());
  }
  return 3;
}

// --- soak -------------------------------------------------------------------------------

struct SoakOptions {
  double duration_seconds = 0;
  std::int64_t count = 0;
  std::uint64_t seed = 0;
  bool seed_given = false;
};

std::string self_path() { return std::filesystem::read_symlink("/proc/self/exe").string(); }

// The failpoints each workload's failpoint run reaches.
using FailpointsByWorkload = std::map<Workload, std::vector<std::string>>;

// A child killed at a random failpoint, by a random action, on a random hit.
void random_failpoint_kill(const KillConfig& kill, const std::vector<std::string>& failpoints,
                           std::mt19937_64& rng, Report& report) {
  const std::string& name = failpoints[rng() % failpoints.size()];
  const char* actions[] = {"abort", "exit", "sigkill"};
  // Most failpoints are reached several times (hits vary with the seed); past the last
  // hit the run is a clean one, which the check covers too.
  std::int64_t nth = name.rfind("migrate.", 0) == 0 ? 1 : 1 + static_cast<std::int64_t>(rng() % 4);
  failpoint_kill(kill, name, actions[rng() % 3], nth, report);
}

// The workload of scenario `n`: the rotation's 12 kinds alternate between the transfers-only
// and the mixed workload, the other way round in every other round, so that any 24
// consecutive scenarios run every kind with both workloads (and the CTest pass of 12 runs
// half of the kinds with each).
Workload workload_of(std::int64_t n) {
  return (n / 12 + n) % 2 == 0 ? Workload::sequential : Workload::mixed;
}

void power_loss_scenario(const std::string& dir, std::uint64_t seed, Workload workload,
                         std::mt19937_64& rng, Report& report) {
  auto durability = rng() % 2 == 0 ? ledger::Durability::full : ledger::Durability::normal;
  auto mode = rng() % 2 == 0 ? LossMode::drop_all : LossMode::random_sectors;
  power_loss(dir, seed, workload, durability, mode, 8, report);
}

// One scenario of the rotation, with its own seed and directory.
void run_scenario(std::int64_t n, std::uint64_t seed, const std::string& dir,
                  const FailpointsByWorkload& failpoints, Report& report) {
  const Workload workload = workload_of(n);
  KillConfig kill{self_path(), dir, seed, workload};
  std::mt19937_64 rng(seed);
  report.count(fmt::format("scenarios.{}", to_string(workload)));
  switch (n % 12) {
    case 0:
    case 1:
      if (failpoints_enabled() && !failpoints.at(workload).empty()) {
        for (int i = 0; i < 4; ++i)
          random_failpoint_kill(kill, failpoints.at(workload), rng, report);
        return;
      }
      random_kills(kill, 3, report);
      return;
    case 2:
      random_kills(kill, 4, report);
      return;
    case 3:
      concurrent_kill(kill, 3, 30, failpoints_enabled(), report);
      return;
    case 4:
      concurrent_kill(kill, 3, 30, false, report);
      return;
    case 5: {
      auto targets = sweep_targets(workload, seed);
      io_errors_in_op(dir, seed, workload, targets[rng() % targets.size()], report);
      return;
    }
    case 6:
      io_errors_in_migration(dir, seed, report);
      return;
    case 7:
      io_errors_in_purge(dir, seed, report);
      return;
    case 8:
      io_errors_at_close(dir, seed, workload, report);
      io_errors_in_replay_and_verify(dir, seed, workload, report);
      return;
    case 9:
      power_loss_in_migration(dir, seed, report);
      return;
    default:
      power_loss_scenario(dir, seed, workload, rng, report);
  }
}

void print_group(const Report& report, const std::string& prefix, const std::string& title) {
  std::int64_t total = 0;
  for (const auto& [name, n] : report.figures) {
    if (name.rfind(prefix, 0) == 0) total += n;
  }
  std::printf("%s: %lld\n", title.c_str(), static_cast<long long>(total));
  for (const auto& [name, n] : report.figures) {
    if (name.rfind(prefix, 0) == 0) {
      std::printf("  %-52s %8lld\n", name.substr(prefix.size()).c_str(), static_cast<long long>(n));
    }
  }
}

void print_figures(const Report& report, std::int64_t scenarios, double seconds, std::uint64_t seed,
                   std::int64_t violations) {
  std::printf("\n== soak: %lld scenarios in %.0f s, seed %llu ==\n",
              static_cast<long long>(scenarios), seconds, static_cast<unsigned long long>(seed));
  print_group(report, "scenarios.", "scenarios, by workload");
  print_group(report, "crash.", "crashes injected (process deaths), by kind");
  print_group(report, "crash_action.", "failpoint deaths, by action");
  print_group(report, "crash_workload.", "crashes injected, by workload");
  print_group(report, "ioerr.", "I/O errors injected, by phase and call");
  print_group(report, "refusal.", "how Ledger::open refused with an injected I/O error");
  print_group(report, "powerloss.", "power losses simulated, by durability and loss mode");
  print_group(report, "powerloss_when.", "when the power failed");
  print_group(report, "check.", "exactly-once checks");
  print_group(report, "outcome.", "outcomes of the keys retried by the checks, by operation");
  print_group(report, "concurrency.", "concurrency");
  print_group(report, "failpoint.", "failpoint runs");
  print_group(report, "kill.", "kills");
  std::printf("violations found: %lld\n", static_cast<long long>(violations));
}

int run_soak(const SoakOptions& options) {
  FaultVfs::Install vfs;
  std::uint64_t seed = options.seed_given ? options.seed : test_seed("soak");
  std::printf("soak: %s, seed %llu, failpoints %s\n",
              options.count > 0 ? fmt::format("{} scenarios", options.count).c_str()
                                : fmt::format("{} s", options.duration_seconds).c_str(),
              static_cast<unsigned long long>(seed), failpoints_enabled() ? "on" : "off");
  std::fflush(stdout);
  Report total;
  std::int64_t violations = 0;
  FailpointsByWorkload failpoints;
  for (Workload workload : {Workload::sequential, Workload::mixed}) {
    auto& names = failpoints[workload];
    if (!failpoints_enabled()) continue;
    TempDir dir("soak-trace");
    KillConfig trace{self_path(), dir.path(), seed, workload};
    for (const auto& [name, hits] : reached_failpoints(trace, total)) names.push_back(name);
  }
  std::int64_t start = monotonic_ms();
  std::int64_t n = 0;
  for (;; ++n) {
    double elapsed = static_cast<double>(monotonic_ms() - start) / 1000.0;
    if (options.count > 0 ? n >= options.count : elapsed >= options.duration_seconds) break;
    std::uint64_t scenario_seed = seed + static_cast<std::uint64_t>(n);
    TempDir dir("soak");
    Report report;
    run_scenario(n, scenario_seed, dir.path(), failpoints, report);
    violations += static_cast<std::int64_t>(report.violations.size());
    if (!report.ok()) {
      dir.keep();
      std::printf("VIOLATION in scenario %lld (kind %lld, seed %llu):\n%s",
                  static_cast<long long>(n), static_cast<long long>(n % 12),
                  static_cast<unsigned long long>(scenario_seed), report.violations_text().c_str());
    }
    report.violations.clear();
    total.merge(report);
    if ((n + 1) % 25 == 0) {
      std::printf("soak: %lld scenarios, %.0f s, violations %lld\n", static_cast<long long>(n + 1),
                  elapsed, static_cast<long long>(violations));
      std::fflush(stdout);
    }
  }
  print_figures(total, n, static_cast<double>(monotonic_ms() - start) / 1000.0, seed, violations);
  return violations == 0 ? 0 : 1;
}

}  // namespace
}  // namespace crash

int main(int argc, char** argv) {
  CLI::App app{"ledger crash-suite driver: kill-test child and soak runner"};
  app.require_subcommand(1);

  crash::ChildSpec child;
  std::string workload = "sequential";
  auto* child_cmd = app.add_subcommand("child", "run an operation stream (to be killed)");
  child_cmd->add_option("--db", child.db, "ledger file")->required();
  child_cmd->add_option("--side-dir", child.side_dir, "where the side files go")->required();
  child_cmd->add_option("--principal", child.principal, "principal (and side file name)");
  child_cmd->add_option("--workload", workload, "sequential, concurrent, mixed or mixed_concurrent")
      ->check(CLI::IsMember({"sequential", "concurrent", "mixed", "mixed_concurrent"}));
  child_cmd->add_option("--seed", child.seed, "workload seed");
  child_cmd->add_option("--first", child.first, "first operation index");
  child_cmd->add_option("--count", child.count, "number of operations");
  child_cmd->add_option("--purge-every", child.purge_every, "purge after every Nth operation");
  child_cmd->add_option("--busy-timeout-ms", child.busy_timeout_ms, "Options::busy_timeout_ms");
  child_cmd->add_flag("--attach", child.attach,
                      "run as an embedding app: attach the ledger to the app's own connection "
                      "and book each operation in an app transaction with an app row");

  crash::SoakOptions soak;
  auto* soak_cmd = app.add_subcommand("soak", "run every crash scenario repeatedly");
  auto* duration = soak_cmd->add_option("--duration", soak.duration_seconds, "seconds to run");
  auto* count = soak_cmd->add_option("--count", soak.count, "number of scenarios to run");
  duration->excludes(count);
  soak_cmd->add_option("--seed", soak.seed, "first seed (default: random, printed)");

  CLI11_PARSE(app, argc, argv);
  if (*child_cmd) {
    child.workload = *crash::workload_from_string(workload);
    return crash::run_child(child);
  }
  // The soak process opens ledgers itself: a failpoint armed in the caller's environment
  // would kill the checker instead of a child.
  ::unsetenv("LEDGER_FAILPOINT");
  soak.seed_given = soak_cmd->count("--seed") > 0;
  if (soak.count <= 0 && soak.duration_seconds <= 0) soak.duration_seconds = 60;
  return crash::run_soak(soak);
}
