// commit, batch, replay and latency: one process, bare and engine side by side.
#include "scenarios.h"

#include <filesystem>
#include <stdexcept>

#include "bare.h"
#include "workload.h"

namespace bench {

std::string db_path(const Config& config, const std::string& name) {
  return (std::filesystem::path(config.db_dir) / name).string();
}

void remove_db(const Config& config, const std::string& path) {
  if (config.keep_files) return;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::error_code ignored;
    std::filesystem::remove(path + suffix, ignored);
  }
}

// The bare side and the engine side of a scenario, with their own files.
struct Pair {
  std::string bare_path;
  std::string engine_path;
  BareDb bare;
  ledger::Ledger engine;
  Pair(const Config& config, const std::string& name)
      : bare_path(db_path(config, name + "-bare.db")),
        engine_path(db_path(config, name + "-engine.db")),
        bare(bare_path, config.durability),
        engine(open_engine(engine_path, config)) {}
};

void run_commit(const Config& config, Report& report) {
  report.section("commit");
  std::int64_t n = 0;
  {
    Pair pair(config, "commit");
    KeyGen keys(config.seed, 1);
    Sales sales;
    auto bare_op = [&] {
      if (!pair.bare.insert_commit(keys.bytes16(), n++)) throw std::runtime_error("bare busy");
      return 1;
    };
    auto engine_op = [&] {
      expect_created(pair.engine.transfer(sales.next(keys, n++)), "commit");
      return 1;
    };
    run_for(0.1, bare_op);  // warm-up: files, WAL and statements exist
    run_for(0.1, engine_op);
    Throughput bare;
    Throughput engine;
    for (int round = 0; round < config.rounds; ++round) {
      // Alternate who goes first, so that neither always follows the other's checkpoint.
      if (round % 2 == 0) bare += run_for(config.round_seconds, bare_op);
      engine += run_for(config.round_seconds, engine_op);
      if (round % 2 == 1) bare += run_for(config.round_seconds, bare_op);
    }
    report.add("bare_commit_rate", bare.rate(), "commits/s");
    report.add("engine_transfer_rate", engine.rate(), "transfers/s");
    report.add("ratio_single", engine.rate() / bare.rate(), "", 3);
  }
  remove_db(config, db_path(config, "commit-bare.db"));
  remove_db(config, db_path(config, "commit-engine.db"));
}

void run_batch(const Config& config, Report& report) {
  report.section("batch");
  {
    Pair pair(config, "batch");
    KeyGen keys(config.seed, 2);
    Sales sales;
    std::int64_t n = 0;
    const int size = config.batch_size;
    std::vector<Key16> bare_keys(static_cast<std::size_t>(size));
    auto bare_op = [&] {
      for (Key16& key : bare_keys) key = keys.bytes16();
      pair.bare.insert_keys(bare_keys);
      return size;
    };
    auto engine_op = [&] {
      expect_created(pair.engine.transfer_batch(sales.batch(keys, n, size)), "batch");
      n += size;
      return size;
    };
    // Both sides insert the same, fixed number of rows per round (see
    // Config::batch_commits_per_round), so that their tables have the same size throughout.
    // One commit each first, not counted: it creates the tables and accounts.
    engine_op();
    bare_op();
    const int per_round = config.batch_commits_per_round;
    Throughput bare;
    Throughput engine;
    for (int round = 0; round < config.rounds; ++round) {
      auto start = Clock::now();
      for (int i = 0; i < per_round; ++i) bare.items += bare_op();
      bare.seconds += seconds_since(start);
      start = Clock::now();
      for (int i = 0; i < per_round; ++i) engine.items += engine_op();
      engine.seconds += seconds_since(start);
    }
    report.add("batch_size", size, "transfers/commit");
    report.add("batch_rows", static_cast<double>(bare.items + size), "rows per side");
    report.add("bare_batch_rate", bare.rate(), "rows/s");
    report.add("engine_batch_rate", engine.rate(), "transfers/s");
    report.add("ratio_batch", engine.rate() / bare.rate(), "", 3);
  }
  remove_db(config, db_path(config, "batch-bare.db"));
  remove_db(config, db_path(config, "batch-engine.db"));
}

}  // namespace bench
