// Kill scenarios: see kill_scenarios.h.
#include "kill_scenarios.h"

#include <fmt/format.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include "attached_app.h"
#include "harness.h"
#include "support/timeout_scale.h"

namespace crash {
namespace {

// How long a child may take, stretched by LEDGER_TEST_TIMEOUT_SCALE.
const std::int64_t kChildTimeoutMs = ledger::testing::scaled_ms(180'000);

std::string make_dir(const std::string& dir) {
  std::filesystem::create_directories(dir);
  return dir;
}

// A process death the scenario caused: by kind, and by workload.
void count_crash(Report& report, Workload workload, const std::string& kind) {
  report.count("crash." + kind);
  report.count(fmt::format("crash_workload.{}", to_string(workload)));
}

bool died_as_expected(const ChildEnd& end, const std::string& action) {
  if (action == "abort") return !end.exited && end.signal == SIGABRT;
  if (action == "exit") return end.exited && end.exit_code == 77;
  return !end.exited && end.signal == SIGKILL;  // sigkill
}

// Waits until the side file has more than `lines` lines (the child is about to transfer),
// the child ended, or 60 s (times LEDGER_TEST_TIMEOUT_SCALE) passed.
void wait_for_progress(Child& child, const std::string& keys_file, std::int64_t lines) {
  std::int64_t deadline = monotonic_ms() + ledger::testing::scaled_ms(60'000);
  ChildEnd ignored;
  while (count_lines(keys_file) <= lines && monotonic_ms() < deadline) {
    if (child.poll(ignored)) return;
    sleep_ms(1);
  }
}

std::int64_t read_transient_count(const std::string& stats_file) {
  std::ifstream in(stats_file);
  std::string word;
  std::int64_t n = 0;
  in >> word >> n;
  return word == "transient" ? n : 0;
}

}  // namespace

std::vector<std::string> child_argv(const std::string& driver, const ChildSpec& spec) {
  std::vector<std::string> argv = {driver,
                                   "child",
                                   "--db",
                                   spec.db,
                                   "--side-dir",
                                   spec.side_dir,
                                   "--principal",
                                   spec.principal,
                                   "--workload",
                                   to_string(spec.workload),
                                   "--seed",
                                   std::to_string(spec.seed),
                                   "--first",
                                   std::to_string(spec.first),
                                   "--count",
                                   std::to_string(spec.count),
                                   "--purge-every",
                                   std::to_string(spec.purge_every),
                                   "--busy-timeout-ms",
                                   std::to_string(spec.busy_timeout_ms)};
  if (spec.attach) argv.emplace_back("--attach");
  return argv;
}

namespace {
// The failpoint workload: creating the file reaches the migration's failpoints, 24
// operations the write paths' (rejections included; the mixed workload's 24 operations
// are two rounds of its cycle of every kind), a purge every 6 the purge's.
ChildSpec failpoint_workload(const std::string& dir, const KillConfig& config) {
  ChildSpec spec;
  spec.db = dir + "/ledger.db";
  spec.side_dir = dir;
  spec.workload = config.workload;
  spec.seed = config.seed;
  spec.count = 24;
  spec.purge_every = 6;
  spec.attach = config.attach;
  return spec;
}

// The checks after a kill: an attached app's rows against the ledger's keys first (before
// anything is retried), then the exactly-once check.
void check_after_kill(const KillConfig& config, const std::string& db,
                      const std::vector<StreamHistory>& streams, const std::string& context,
                      Report& report) {
  if (config.attach) {
    check_attached_app(db, config.workload, config.seed, streams, context, report);
  }
  check_exactly_once(db, config.workload, config.seed, streams, {false, context}, report);
}
}  // namespace

std::map<std::string, std::int64_t> reached_failpoints(const KillConfig& config, Report& report) {
  std::string dir = make_dir(config.work_dir + "/fp-trace-" + to_string(config.workload));
  ChildSpec spec = failpoint_workload(dir, config);
  std::string trace = dir + "/trace";
  Child child(child_argv(config.driver, spec), {{"LEDGER_FAILPOINT_TRACE", trace}});
  ChildEnd end = child.wait(kChildTimeoutMs);
  if (!end.exited || end.exit_code != 0) {
    report.violation("the failpoint workload without a failpoint armed " + end.describe());
  }
  std::map<std::string, std::int64_t> reached;
  std::ifstream in(trace);
  for (std::string name; std::getline(in, name);) ++reached[name];
  return reached;
}

void failpoint_kill(const KillConfig& config, const std::string& name, const std::string& action,
                    std::int64_t nth, Report& report) {
  // Each run gets a fresh file, even if a scenario draws the same failpoint twice.
  static int runs = 0;
  std::string dir = make_dir(fmt::format("{}/fp-{}-{}-{}-{}-{}", config.work_dir,
                                         to_string(config.workload), name, action, nth, ++runs));
  ChildSpec spec = failpoint_workload(dir, config);
  std::string armed = fmt::format("{}:{}:{}", name, action, nth);
  Child child(child_argv(config.driver, spec), {{"LEDGER_FAILPOINT", armed}});
  ChildEnd end = child.wait(kChildTimeoutMs);
  if (end.exited && end.exit_code == 0) {
    // Sweeps only arm failpoints the workload reaches (reached_failpoints()).
    if (nth == 1) {
      report.violation(
          fmt::format("failpoint {}: the child finished without reaching it; is "
                      "it still placed in the engine?",
                      armed));
    }
    report.count("failpoint.not_reached");
  } else if (!died_as_expected(end, action)) {
    report.violation(fmt::format("failpoint {}: the child {}, not the failpoint's death", armed,
                                 end.describe()));
  } else {
    count_crash(report, config.workload, "failpoint." + name);
    report.count("crash_action." + action);
  }
  check_after_kill(config, spec.db, {load_history(dir, "till")},
                   fmt::format("{} workload{} killed at {}", to_string(config.workload),
                               config.attach ? " (attached)" : "", armed),
                   report);
}

void random_kills(const KillConfig& config, int rounds, Report& report) {
  std::string dir = make_dir(config.work_dir + "/random-kills-" + to_string(config.workload));
  std::mt19937_64 rng(config.seed);
  std::int64_t max_delay_ms = 40;  // adapted so that kills land inside the child's stream
  for (int round = 0; round < rounds && report.ok(); ++round) {
    StreamHistory before = load_history(dir, "till");
    ChildSpec spec;
    spec.db = dir + "/ledger.db";
    spec.side_dir = dir;
    spec.workload = config.workload;
    spec.seed = config.seed;
    spec.first = next_index(before);
    spec.count = 40;
    spec.purge_every = 10;
    spec.attach = config.attach;
    Child child(child_argv(config.driver, spec), {});
    // One kill in five is timed from the start, so that some land while the child opens
    // (and on the first round creates and migrates) the file.
    if (rng() % 5 != 0) {
      wait_for_progress(child, dir + "/till.keys",
                        static_cast<std::int64_t>(before.attempted.size()));
    }
    sleep_ms(static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(max_delay_ms + 1)));
    ChildEnd end;
    if (child.poll(end)) {
      if (!end.exited || end.exit_code != 0) {
        report.violation(fmt::format("random kill round {}: the child {} before the kill", round,
                                     end.describe()));
      }
      report.count("kill.missed_child_already_done");
      max_delay_ms = std::max<std::int64_t>(5, max_delay_ms * 2 / 3);
    } else {
      child.kill_now();
      end = child.wait(kChildTimeoutMs);
      count_crash(report, config.workload, "sigkill.random");
      max_delay_ms += max_delay_ms / 8 + 1;
    }
    check_after_kill(config, spec.db, {load_history(dir, "till")},
                     fmt::format("{} workload{}, random kill round {}", to_string(config.workload),
                                 config.attach ? " (attached)" : "", round),
                     report);
  }
}

namespace {

// Kills the victim while it holds the write lock (frozen at transfer.before_commit), after
// the other workers had time to run into their busy timeout.
void kill_stopped_victim(Child& victim, Workload workload, int busy_timeout_ms, Report& report) {
  ChildEnd end;
  if (!victim.wait_stopped(kChildTimeoutMs, end)) {
    report.violation("the victim never stopped at transfer.before_commit: it " + end.describe());
    return;
  }
  sleep_ms(3 * busy_timeout_ms);
  victim.kill_now();
  end = victim.wait(kChildTimeoutMs);
  count_crash(report, workload, "sigkill.while_holding_write_lock");
}

void kill_victim_at_random(Child& victim, Workload workload, const std::string& keys_file,
                           std::mt19937_64& rng, Report& report) {
  wait_for_progress(victim, keys_file, 0);
  sleep_ms(static_cast<std::int64_t>(rng() % 150));
  ChildEnd end;
  if (victim.poll(end)) {
    report.count("kill.missed_child_already_done");
    return;
  }
  victim.kill_now();
  victim.wait(kChildTimeoutMs);
  count_crash(report, workload, "sigkill.random_concurrent");
}

}  // namespace

namespace {

constexpr int kWorkerBusyTimeoutMs = 100;

ChildSpec worker_spec(const KillConfig& config, const std::string& dir, int w, int per_worker) {
  ChildSpec spec;
  spec.db = dir + "/ledger.db";
  spec.side_dir = dir;
  spec.principal = fmt::format("w{}", w);
  spec.workload = concurrent_variant(config.workload);
  spec.seed = config.seed;
  spec.count = per_worker;
  spec.busy_timeout_ms = kWorkerBusyTimeoutMs;
  spec.attach = config.attach;
  return spec;
}

// Waits for every worker: each must end normally, having seen only transient errors.
std::vector<StreamHistory> collect_workers(std::vector<std::unique_ptr<Child>>& children,
                                           const std::string& dir, Report& report) {
  std::vector<StreamHistory> streams;
  for (std::size_t w = 0; w < children.size(); ++w) {
    ChildEnd end = children[w]->wait(kChildTimeoutMs);
    if (!end.exited || end.exit_code != 0) {
      report.violation(
          fmt::format("worker w{} {} (an error other than a transient one reached "
                      "it, see its stderr above)",
                      w, end.describe()));
    }
    report.count("concurrency.transient_errors_retried",
                 read_transient_count(fmt::format("{}/w{}.stats", dir, w)));
    streams.push_back(load_history(dir, fmt::format("w{}", w)));
  }
  return streams;
}

}  // namespace

void concurrent_kill(const KillConfig& config, int workers, int per_worker, bool stop_at_failpoint,
                     Report& report) {
  std::string dir = make_dir(
      fmt::format("{}/concurrent-{}", config.work_dir, stop_at_failpoint ? "stop" : "random"));
  const Workload workload = concurrent_variant(config.workload);
  if (stop_at_failpoint) {
    auto ledger = ledger::Ledger::open(dir + "/ledger.db");
    ensure_accounts(ledger, workload);
  }  // else the workers race to create, migrate and fill the file, which must work too
  std::mt19937_64 rng(config.seed);
  std::map<std::string, std::string> victim_env;
  if (stop_at_failpoint) {
    auto nth = 1 + rng() % 3;  // early, while the others are still busy
    victim_env["LEDGER_FAILPOINT"] = fmt::format("transfer.before_commit:stop:{}", nth);
  }
  std::vector<std::unique_ptr<Child>> children;
  for (int w = 0; w < workers; ++w) {
    children.push_back(
        std::make_unique<Child>(child_argv(config.driver, worker_spec(config, dir, w, per_worker)),
                                w == 0 ? victim_env : std::map<std::string, std::string>{}));
  }
  if (stop_at_failpoint) {
    kill_stopped_victim(*children[0], workload, kWorkerBusyTimeoutMs, report);
  } else {
    kill_victim_at_random(*children[0], workload, dir + "/w0.keys", rng, report);
  }
  // The victim comes back, retries its in-doubt key and finishes its stream.
  ChildSpec restart = worker_spec(config, dir, 0, per_worker);
  restart.first = next_index(load_history(dir, "w0"));
  restart.count = std::max<std::int64_t>(0, per_worker - restart.first);
  children[0] = std::make_unique<Child>(child_argv(config.driver, restart),
                                        std::map<std::string, std::string>{});
  auto streams = collect_workers(children, dir, report);
  KillConfig checked = config;
  checked.workload = workload;
  check_after_kill(checked, dir + "/ledger.db", streams,
                   fmt::format("{} workers{}, w0 killed {}", to_string(workload),
                               config.attach ? " (attached)" : "",
                               stop_at_failpoint ? "holding the write lock" : "at a random moment"),
                   report);
}

}  // namespace crash
