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
    // Each side's inputs for the next commit are made before its clock starts: the 1000
    // requests (UUIDv4 text, six strings each) cost the harness far more to build than bare
    // SQLite's 1000 random 16-byte keys, and neither is the database's work.
    std::vector<Key16> bare_keys(static_cast<std::size_t>(size));
    std::vector<ledger::TransferRequest> requests;
    auto bare_prepare = [&] {
      for (Key16& key : bare_keys) key = keys.bytes16();
    };
    auto bare_op = [&] {
      pair.bare.insert_keys(bare_keys);
      return size;
    };
    auto engine_prepare = [&] {
      requests = sales.batch(keys, n, size);
      n += size;
    };
    auto engine_op = [&] {
      expect_created(pair.engine.transfer_batch(requests), "batch");
      return size;
    };
    // Both sides insert the same, fixed number of rows per round (see
    // Config::batch_commits_per_round), so that their tables have the same size throughout.
    // One commit each first, not counted: it creates the tables and accounts.
    engine_prepare();
    engine_op();
    bare_prepare();
    bare_op();
    const int per_round = config.batch_commits_per_round;
    Throughput bare;
    Throughput engine;
    auto timed = [](Throughput& total, auto& prepare, auto& op) {
      prepare();
      const auto start = Clock::now();
      total.items += op();
      total.seconds += seconds_since(start);
    };
    for (int round = 0; round < config.rounds; ++round) {
      for (int i = 0; i < per_round; ++i) timed(bare, bare_prepare, bare_op);
      for (int i = 0; i < per_round; ++i) timed(engine, engine_prepare, engine_op);
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
