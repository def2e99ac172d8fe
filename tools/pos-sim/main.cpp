// pos-sim: the ledger's demo. A simulated till sells items through the embedded engine
// while faults strike the three points where a client cannot know what happened (request
// lost, process killed mid-operation, reply lost after commit). The till retries with the
// same idempotency key; at the end pos-sim proves that every sale was charged exactly once.
//
// Exit status: 0 every check passed; 1 a check failed (double charge, lost sale, balance,
// replay, verify); 2 usage; 3 the engine or the system failed.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

#include "audit.h"
#include "crash.h"
#include "remote.h"
#include "report.h"
#include "till.h"

namespace {

using pos_sim::Config;

// Bad input from the user: printed, exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Options that need converting after parsing.
struct ExtraOptions {
  std::optional<std::uint64_t> seed;
  std::string durability = "full";
};

void add_options(CLI::App& app, Config& c, ExtraOptions& extra) {
  app.add_option("--db", c.db_path, "ledger file to create (replaced if it exists)")
      ->capture_default_str();
  app.add_option("--sales", c.sales, "number of items to sell")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  app.add_option("--customers", c.customers, "number of customer accounts")
      ->check(CLI::Range(1, 1'000))
      ->capture_default_str();
  app.add_option("--seed", extra.seed, "random seed, to repeat a run's choices (default: random)");
  app.add_option("--fault-rate", c.fault_rate, "chance that a fault strikes an attempt")
      ->check(CLI::Range(0.0, 0.9))
      ->capture_default_str();
  app.add_option("--max-attempts", c.max_attempts,
                 "attempts per operation; the last is never struck")
      ->check(CLI::Range(1, 50))
      ->capture_default_str();
  app.add_option("--kill-window-us", c.kill_window_us,
                 "kill the child 0..N us after it enters transfer() (0: steered so that "
                 "about half the kills land before the commit)")
      ->check(CLI::Range(0, 10'000'000))
      ->capture_default_str();
  app.add_option("--durability", extra.durability,
                 "full (fsync every commit) or normal (see the README)")
      ->check(CLI::IsMember({"full", "normal"}))
      ->capture_default_str();
  app.add_flag("--overwrite", c.overwrite,
               "replace --db even if it is not a database of an earlier pos-sim run");
  app.add_flag("--retry-with-new-key", c.retry_with_new_key,
               "demonstrate the bug idempotency keys prevent: every retry uses a fresh key "
               "(expect double charges and exit status 1)");
  app.add_flag("-v,--verbose", c.verbose, "print every operation and what struck each attempt");
  app.footer(
      "Exit status: 0 every check passed; 1 a check failed (double charge, lost sale, balance,\n"
      "replay, verify); 2 usage; 3 the engine or the system failed.\n\n"
      "Remote mode: pos-sim --remote URL --token TOKEN [--till N] [--setup] ... sells through\n"
      "a ledgerd server instead of a local file; see `pos-sim --remote URL --help`.");
}

// True if `path` is a ledger that an earlier pos-sim run created.
bool is_pos_sim_database(const std::string& path) {
  try {
    ledger::Options options;
    options.create_if_missing = false;
    auto ledger = ledger::Ledger::open(path, options);
    const auto world = ledger.find_account(pos_sim::kWorld);
    return world && world->name == pos_sim::kWorldName;
  } catch (const ledger::Error&) {
    return false;
  }
}

// Every run starts on a fresh file. Returns the absolute path.
std::string prepare_database(const Config& c) {
  namespace fs = std::filesystem;
  const std::string path = fs::absolute(c.db_path).lexically_normal().string();
  std::error_code ec;
  if (!fs::exists(path, ec)) return path;
  if (!c.overwrite && !is_pos_sim_database(path)) {
    throw UsageError(
        fmt::format("{} exists and is not a database of an earlier pos-sim run; "
                    "choose another --db, or pass --overwrite to replace it",
                    path));
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(path + suffix);  // throws filesystem_error with the reason
  }
  return path;
}

int run(const Config& config) {
  const auto start = std::chrono::steady_clock::now();
  pos_sim::RunInfo info{config, prepare_database(config)};
  pos_sim::print_header(info);
  ledger::Options options;
  options.durability = config.durability;
  auto ledger = ledger::Ledger::open(info.db_path, options);
  pos_sim::Till till(ledger, config, info.db_path, config.seed);
  till.open_shop();
  till.sell_all();
  const auto audit = pos_sim::run_audit(ledger, till.operations(), till.model());
  info.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  pos_sim::print_summary(info, till.counters(), audit);
  return pos_sim::passed(till.counters(), audit) ? 0 : 1;
}

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && std::string_view(argv[1]) == pos_sim::kChildFlag) {
    return pos_sim::child_main(argc, argv);
  }
  // --remote URL: a till selling through a ledgerd server (remote_main.cpp).
  if (pos_sim::remote_requested(argc, argv)) return pos_sim::remote_main(argc, argv);
  Config config;
  ExtraOptions extra;
  CLI::App app{
      "pos-sim: a till sells through the ledger while faults strike; proves that "
      "every sale is charged exactly once",
      "pos-sim"};
  add_options(app, config, extra);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  config.seed = extra.seed ? *extra.seed : random_seed();
  config.durability =
      extra.durability == "normal" ? ledger::Durability::normal : ledger::Durability::full;
  try {
    return run(config);
  } catch (const UsageError& e) {
    fmt::print(stderr, "pos-sim: {}\n", e.what());
    return 2;
  } catch (const ledger::Error& e) {
    fmt::print(stderr, "pos-sim: the ledger failed ({}): {}\n", ledger::to_string(e.code()),
               e.what());
    return 3;
  } catch (const std::exception& e) {
    fmt::print(stderr, "pos-sim: {}\n", e.what());
    return 3;
  }
}
