// contention: N processes (fork) booking durable single transfers on one file, against
// one process alone; the bare baseline does the same with 1-row autocommit INSERTs.
#include <algorithm>
#include <thread>

#include "bare.h"
#include "child.h"
#include "scenarios.h"
#include "workload.h"

namespace bench {
namespace {

// One writer process's loop: from `start` until `start + seconds`. A busy error is counted
// and the same request retried, as a client would. `index` is unique over the scenario's
// writers (so is each one's key stream).
void report_writer(Report& report, std::int64_t done, std::int64_t busy, Clock::time_point start,
                   std::vector<double>& latencies_us) {
  report.add("items", static_cast<double>(done), "");
  report.add("busy", static_cast<double>(busy), "");
  report.add("seconds", seconds_since(start), "s", 3);
  report.add("p99", quantile(latencies_us, 0.99), "us", 1);
  report.add("max", quantile(latencies_us, 1.0), "us", 1);
}

[[nodiscard]] double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

void engine_writer(const Config& config, const std::string& path, int index,
                   Clock::time_point start, double seconds, Report& report) {
  ledger::Ledger engine = ledger::Ledger::open(path, engine_options(config));
  KeyGen keys(config.seed, 100 + static_cast<std::uint64_t>(index));
  Sales sales;
  std::int64_t done = 0;
  std::int64_t busy = 0;
  std::vector<double> latencies_us;
  std::this_thread::sleep_until(start);
  const auto end = start + std::chrono::duration<double>(seconds);
  ledger::TransferRequest request = sales.next(keys, index);
  for (auto first_try = Clock::now(); first_try < end;) {
    try {
      expect_created(engine.transfer(request), "contention");
      latencies_us.push_back(micros_since(first_try));
      ++done;
      request = sales.next(keys, index + done);
      first_try = Clock::now();
    } catch (const ledger::Error& e) {
      if (e.code() != ledger::ErrorCode::busy) throw;
      ++busy;
      if (Clock::now() >= end) break;
    }
  }
  report_writer(report, done, busy, start, latencies_us);
}

void bare_writer(const Config& config, const std::string& path, int index, Clock::time_point start,
                 double seconds, Report& report) {
  BareDb bare(path, config.durability);
  KeyGen keys(config.seed, 200 + static_cast<std::uint64_t>(index));
  std::int64_t done = 0;
  std::int64_t busy = 0;
  std::vector<double> latencies_us;
  std::this_thread::sleep_until(start);
  const auto end = start + std::chrono::duration<double>(seconds);
  for (auto first_try = Clock::now(); first_try < end;) {
    if (bare.insert_commit(keys.bytes16(), done)) {
      latencies_us.push_back(micros_since(first_try));
      ++done;
      first_try = Clock::now();
    } else {
      ++busy;
      if (Clock::now() >= end) break;
    }
  }
  report_writer(report, done, busy, start, latencies_us);
}

using Writer = void (*)(const Config&, const std::string&, int, Clock::time_point, double, Report&);

struct WriterTotals {
  double items = 0;
  double seconds = 0;
  double slowest_rate = -1;  // the process that got the least done, in its worst phase
  std::int64_t busy = 0;
  double worst_p99_us = 0;  // of the process with the worst p99
  double max_us = 0;
  [[nodiscard]] double rate() const { return seconds > 0 ? items / seconds : 0; }
};

// One phase: `processes` writers started together (they wait for a common start time after
// opening), each for `seconds`. `phase` makes every writer's key stream unique.
void run_phase(const Config& config, const std::string& path, int processes, int phase,
               double seconds, Writer writer, WriterTotals& totals) {
  const auto start = Clock::now() + std::chrono::milliseconds(300);
  std::vector<Child> children;
  for (int i = 0; i < processes; ++i) {
    int index = 1000 * phase + 100 * processes + i;
    children.push_back(start_child([&config, &path, index, start, seconds, writer](Report& r) {
      writer(config, path, index, start, seconds, r);
    }));
  }
  double longest = 0;
  for (Child& child : children) {
    ChildResult result = finish_child(child);
    if (!result.ok()) throw std::runtime_error("contention: a writer failed: " + result.error);
    double s = std::max(result.value("seconds"), 1e-9);
    totals.items += result.value("items");
    longest = std::max(longest, s);
    totals.busy += static_cast<std::int64_t>(result.value("busy"));
    double rate = result.value("items") / s;
    if (totals.slowest_rate < 0 || rate < totals.slowest_rate) totals.slowest_rate = rate;
    totals.worst_p99_us = std::max(totals.worst_p99_us, result.value("p99"));
    totals.max_us = std::max(totals.max_us, result.value("max"));
  }
  totals.seconds += longest;
}

void report_pair(Report& report, const std::string& prefix, const std::string& unit, int n,
                 const WriterTotals& one, const WriterTotals& many) {
  report.add(prefix + "contention_rate_1p", one.rate(), unit);
  report.add(prefix + "contention_rate_" + std::to_string(n) + "p", many.rate(), unit);
  report.add(prefix + "contention_slowest_process_rate", many.slowest_rate, unit);
  report.add(prefix + "contention_p99_1p", one.worst_p99_us, "us", 1);
  report.add(prefix + "contention_worst_p99_" + std::to_string(n) + "p", many.worst_p99_us, "us",
             1);
  report.add(prefix + "contention_max_latency_" + std::to_string(n) + "p", many.max_us, "us", 1);
  report.add(prefix + "ratio_contention", many.rate() / one.rate(), "", 3);
  report.add(prefix + "contention_busy_errors", static_cast<double>(one.busy + many.busy), "");
}

}  // namespace

void run_contention(const Config& config, Report& report) {
  report.section("contention");
  const int n = config.contention_processes;
  const std::string engine_path = db_path(config, "contention-engine.db");
  const std::string bare_path = db_path(config, "contention-bare.db");
  { (void)open_engine(engine_path, config); }  // created with its accounts, then closed
  { BareDb create(bare_path, config.durability); }
  // 1 and n processes alternate in short phases, so that a disturbance from outside hits
  // both alike; each side gets contention_seconds in all.
  WriterTotals bare_one, bare_many, engine_one, engine_many;
  const double phase_seconds = config.contention_seconds / config.rounds;
  for (int round = 0; round < config.rounds; ++round) {
    run_phase(config, engine_path, 1, round, phase_seconds, engine_writer, engine_one);
    run_phase(config, engine_path, n, round, phase_seconds, engine_writer, engine_many);
    run_phase(config, bare_path, 1, round, phase_seconds, bare_writer, bare_one);
    run_phase(config, bare_path, n, round, phase_seconds, bare_writer, bare_many);
  }
  report.add("contention_processes", n, "");
  report_pair(report, "", "transfers/s", n, engine_one, engine_many);
  report_pair(report, "bare_", "commits/s", n, bare_one, bare_many);
  remove_db(config, engine_path);
  remove_db(config, bare_path);
}

}  // namespace bench
