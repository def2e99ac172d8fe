// replay and latency: one process, bare and engine side by side.
#include <stdexcept>

#include "bare.h"
#include "replay_operations.h"
#include "replay_query.h"
#include "scenarios.h"
#include "workload.h"

namespace bench {
namespace {

// Books `count` sales through the batch API and returns their requests, to be replayed;
// `body_bytes` gets the average size of the stored responses.
std::vector<ledger::TransferRequest> book_sales(ledger::Ledger& engine, KeyGen& keys,
                                                std::int64_t count, int batch_size,
                                                std::size_t& body_bytes) {
  Sales sales;
  std::vector<ledger::TransferRequest> done;
  done.reserve(static_cast<std::size_t>(count));
  std::size_t total_bytes = 0;
  for (std::int64_t n = 0; n < count; n += batch_size) {
    auto requests =
        sales.batch(keys, n, static_cast<int>(std::min<std::int64_t>(batch_size, count - n)));
    auto results = engine.transfer_batch(requests);
    expect_created(results, "replay: booking the sales to replay");
    for (const auto& result : results) total_bytes += result.body.size();
    for (auto& request : requests) done.push_back(std::move(request));
  }
  body_bytes = done.empty() ? 0 : total_bytes / done.size();
  return done;
}

// The bare side's copy: as many random keys, each with a body of the engine's size.
std::vector<Key16> store_bare_responses(BareDb& bare, KeyGen& keys, std::int64_t count,
                                        int batch_size, std::size_t body_bytes) {
  std::vector<Key16> all(static_cast<std::size_t>(count));
  for (Key16& key : all) key = keys.bytes16();
  const std::string body(body_bytes, 'r');
  for (std::size_t i = 0; i < all.size(); i += static_cast<std::size_t>(batch_size)) {
    std::size_t n = std::min(all.size() - i, static_cast<std::size_t>(batch_size));
    bare.insert_responses(std::span<const Key16>(all).subspan(i, n), body);
  }
  return all;
}

// Replays random completed keys from `threads` threads, each with its own Ledger on the
// file, for `seconds`: the engine's answer to pgbench's many clients (readers of one WAL
// database do not block each other).
Throughput replay_in_threads(const Config& config, const std::string& path,
                             const std::vector<ledger::TransferRequest>& done, int threads,
                             double seconds) {
  try {
    return run_in_threads(static_cast<std::size_t>(threads), [&](std::size_t t) {
      ledger::Ledger engine = open_engine(path, config);
      Cycle cycle(done.size(), t * done.size() / static_cast<std::size_t>(threads));
      return run_for(seconds, [&] {
               ledger::TransferResult result = engine.transfer(done[cycle.next()]);
               if (!result.replayed) throw std::runtime_error("a completed key was not replayed");
               return 1;
             })
          .items;
    });
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("replay in threads: ") + e.what());
  }
}

}  // namespace

void run_replay(const Config& config, Report& report) {
  report.section("replay");
  const std::string bare_path = db_path(config, "replay-bare.db");
  const std::string engine_path = db_path(config, "replay-engine.db");
  {
    BareDb bare(bare_path, config.durability);
    ledger::Ledger engine = open_engine(engine_path, config);
    KeyGen keys(config.seed, 3);
    std::size_t body_bytes = 0;
    auto done = shuffled_copy(
        book_sales(engine, keys, config.replay_keys, config.batch_size, body_bytes), keys);
    auto bare_keys = shuffled_copy(
        store_bare_responses(bare, keys, config.replay_keys, config.batch_size, body_bytes),
        keys);
    std::string body;
    Cycle bare_cycle(bare_keys.size());
    Cycle engine_cycle(done.size());
    auto bare_op = [&] {
      if (!bare.lookup_response(bare_keys[bare_cycle.next()], body)) {
        throw std::runtime_error("replay: a bare key was not found");
      }
      return 1;
    };
    auto engine_op = [&] {
      ledger::TransferResult result = engine.transfer(done[engine_cycle.next()]);
      if (!result.replayed || result.outcome != ledger::Outcome::created) {
        throw std::runtime_error("replay: a completed key was not replayed");
      }
      return 1;
    };
    EngineReplayQuery query(engine_path, config.durability, keys);
    Cycle query_cycle(query.size());
    auto query_op = [&] {
      if (!query.lookup(query_cycle.next(), body)) {
        throw std::runtime_error("replay: the engine's replay query found no row");
      }
      return 1;
    };
    run_for(0.1, bare_op);
    run_for(0.1, engine_op);
    run_for(0.1, query_op);
    Throughput bare_done;
    Throughput engine_done;
    Throughput query_done;
    for (int round = 0; round < config.rounds; ++round) {
      // Each round runs the three sides in a rotated order, so that none always follows
      // the same one (whose cache misses it would inherit).
      for (int side = 0; side < 3; ++side) {
        switch ((round + side) % 3) {
          case 0: bare_done += run_for(config.round_seconds, bare_op); break;
          case 1: engine_done += run_for(config.round_seconds, engine_op); break;
          default: query_done += run_for(config.round_seconds, query_op); break;
        }
      }
    }
    report.add("replay_keys", static_cast<double>(config.replay_keys), "keys");
    report.add("response_bytes", static_cast<double>(body_bytes), "bytes");
    report.add("bare_lookup_rate", bare_done.rate(), "lookups/s");
    report.add("engine_replay_rate", engine_done.rate(), "replays/s");
    report.add("ratio_replay", engine_done.rate() / bare_done.rate(), "", 3);
    // Diagnostics, not targets: the engine's replay SELECT on its own file, by bare SQLite.
    report.add("engine_query_rate", query_done.rate(), "lookups/s");
    report.add("ratio_replay_query", query_done.rate() / bare_done.rate(), "", 3);
    if (config.replay_threads > 1) {
      Throughput threaded = replay_in_threads(config, engine_path, done, config.replay_threads,
                                              config.round_seconds * 2);
      report.add("engine_replay_threads", config.replay_threads, "threads");
      report.add("engine_replay_rate_threads", threaded.rate(), "replays/s");
    }
  }
  remove_db(config, bare_path);
  remove_db(config, engine_path);
  run_operation_replays(config, report);
}

namespace {

// Times each call of `op` for `seconds`, appending the latencies in microseconds.
template <typename Op>
void sample_latencies(double seconds, std::vector<double>& samples_us, Op&& op) {
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  for (auto start = Clock::now(); start < end;) {
    op();
    auto stop = Clock::now();
    samples_us.push_back(std::chrono::duration<double, std::micro>(stop - start).count());
    start = stop;
  }
}

void add_percentiles(Report& report, const std::string& prefix, std::vector<double>& samples) {
  report.add(prefix + "samples", static_cast<double>(samples.size()), "");
  report.add(prefix + "p50", quantile(samples, 0.50), "us", 1);
  report.add(prefix + "p99", quantile(samples, 0.99), "us", 1);
  report.add(prefix + "p999", quantile(samples, 0.999), "us", 1);
  report.add(prefix + "max", quantile(samples, 1.0), "us", 1);
}

}  // namespace

void run_latency(const Config& config, Report& report) {
  report.section("latency");
  const std::string bare_path = db_path(config, "latency-bare.db");
  const std::string engine_path = db_path(config, "latency-engine.db");
  {
    BareDb bare(bare_path, config.durability);
    ledger::Ledger engine = open_engine(engine_path, config);
    KeyGen keys(config.seed, 4);
    Sales sales;
    std::int64_t n = 0;
    std::vector<double> bare_us;
    std::vector<double> engine_us;
    auto bare_op = [&] {
      if (!bare.insert_commit(keys.bytes16(), n++)) throw std::runtime_error("bare busy");
    };
    auto engine_op = [&] { expect_created(engine.transfer(sales.next(keys, n++)), "latency"); };
    for (int i = 0; i < 20; ++i) {  // warm-up: files, WAL and statements exist
      bare_op();
      engine_op();
    }
    const double slice = config.latency_seconds / (2 * config.rounds);
    for (int round = 0; round < config.rounds; ++round) {
      sample_latencies(slice, bare_us, bare_op);
      sample_latencies(slice, engine_us, engine_op);
    }
    add_percentiles(report, "latency_", engine_us);
    add_percentiles(report, "bare_latency_", bare_us);
  }
  remove_db(config, bare_path);
  remove_db(config, engine_path);
}

}  // namespace bench
