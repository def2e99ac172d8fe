// What a run measures and for how long: --quick (CI smoke, under 60 s in all) or full.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace bench {

struct Config {
  bool quick = false;
  std::string db_dir;  // where the scenario files go
  ledger::Durability durability = ledger::Durability::full;
  std::uint64_t seed = 42;
  bool keep_files = false;  // --keep: leave the scenario files in db_dir
  // The command line's arguments: a re-executed child process gets the same ones.
  std::vector<std::string> args;

  // commit, batch and replay alternate bare and engine rounds of `round_seconds` each,
  // `rounds` times, so that a disturbance from other processes hits both sides alike.
  int rounds = 10;
  double round_seconds = 1.0;
  int batch_size = 1000;               // transfers (or bare rows) per commit in batch and scale
  // batch: commits per side per round, a fixed count so that both sides (and every run) end
  // with the same table size, 1M rows in a full run: a B-tree of random keys slows down as
  // it grows, and a count derived from a timing would make the ratio depend on that timing.
  int batch_commits_per_round = 100;
  std::int64_t replay_keys = 100'000;  // completed keys the replays pick from
  // Replays of every operation: completed keys of each of transfer, reserve, post, void and
  // reverse, on a file of their own (which holds 6 times as many keys: each post and each
  // void needs a reserve of its own).
  std::int64_t replay_operation_keys = 20'000;
  double replay_operation_seconds = 1.0;  // per operation per round
  // Replays by this many threads at once, each with its own Ledger (connection) on the file:
  // pgbench's 8 clients, for tools/bench-postgres.sh. Not part of ratio_replay.
  int replay_threads = 8;
  double latency_seconds = 10.0;       // single durable transfers timed one by one
  std::int64_t fiscal_rows = 1'000'000;  // fiscal: the day a close seals and verify reads

  int contention_processes = 4;
  double contention_seconds = 8.0;

  // group: threads booking single transfers through one SharedLedger, alternating with
  // bare single commits, `rounds` times, `group_seconds` per side per round.
  int group_threads = 8;
  double group_seconds = 1.0;

  std::vector<std::int64_t> scale_sizes = {10'000,    100'000,   500'000,   1'000'000,
                                           2'000'000, 3'000'000, 4'000'000, 5'000'000};
  double scale_measure_seconds = 4.0;  // batch throughput measured at each size
  int scale_build_batch = 1000;        // transfers per transfer_batch call while building
  bool scale_bare = true;              // also measure bare inserts at each size
  bool scale_v4 = true;                // also measure the engine with random (UUIDv4) keys

  static Config full_run() { return Config{}; }
  static Config quick_run();
};

inline Config Config::quick_run() {
  Config c;
  c.quick = true;
  c.rounds = 2;
  c.round_seconds = 0.75;
  c.batch_commits_per_round = 20;
  c.replay_keys = 10'000;
  c.replay_operation_keys = 2'000;
  c.replay_operation_seconds = 0.3;
  c.latency_seconds = 2.0;
  c.contention_seconds = 1.5;
  c.group_seconds = 0.75;
  c.scale_sizes = {10'000, 50'000, 100'000};
  c.scale_measure_seconds = 1.0;
  return c;
}

}  // namespace bench
