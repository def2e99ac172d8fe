// ledger-bench: how fast the engine books transfers, as ratios to bare SQLite doing the
// minimum comparable work in the same run with the same connection settings. See
// README-section.md.
//
//   ledger-bench [--quick] [--json] [--scenario NAME]... [--db-dir DIR] [--durability D]
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>

#include "child.h"
#include "machine_info.h"
#include "scenarios.h"
#include "util.h"

namespace {

using bench::Config;
using bench::Report;
using Scenario = void (*)(const Config&, Report&);

const std::vector<std::pair<std::string, Scenario>>& scenarios() {
  static const std::vector<std::pair<std::string, Scenario>> all = {
      {"commit", bench::run_commit},         {"batch", bench::run_batch},
      {"replay", bench::run_replay},         {"latency", bench::run_latency},
      {"contention", bench::run_contention}, {"group", bench::run_group},
      {"scale", bench::run_scale},           {"fiscal", bench::run_fiscal}};
  return all;
}

using bench_machine::cpu_model;
using bench_machine::load_average;

void describe_run(const Config& config, const std::string& command, Report& report) {
  utsname uts{};
  uname(&uts);
  report.info("date", fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::time(nullptr))));
  report.info("machine", fmt::format("{}, nproc {}, Linux {}", cpu_model(),
                                     sysconf(_SC_NPROCESSORS_ONLN), uts.release));
  report.info("sqlite", sqlite3_libversion());
  report.info("command", command);
  report.info("mode", config.quick ? "quick" : "full");
  report.info("durability", config.durability == ledger::Durability::full ? "full" : "normal");
  report.info("load_average_start", load_average());
}

// The targets, stated beside the figures; never asserted (CI only smoke-runs).
void report_targets(Report& report) {
  report.section("targets");
  report.target("ratio_single", ">=", 0.75);
  report.target("ratio_batch", ">=", 0.4);
  report.target("ratio_replay", ">=", 0.7);
  report.target("ratio_scale", ">=", 0.6);
  report.target("scale_peak_rss", "<=", 128);
  report.target("ratio_contention", ">=", 0.8);
  report.target("contention_busy_errors", "<=", 0);
}

// The scenario files' directory: --db-dir, or a fresh temporary one under the current
// directory that is removed at the end.
struct RunDir {
  std::string path;
  bool temporary = false;
  explicit RunDir(const std::string& wanted) {
    if (!wanted.empty()) {
      std::filesystem::create_directories(wanted);
      path = wanted;
      return;
    }
    std::string pattern = "./ledger-bench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("cannot create a temp dir");
    path = pattern;
    temporary = true;
  }
  ~RunDir() {
    std::error_code ignored;
    if (temporary) std::filesystem::remove_all(path, ignored);
  }
};

// The command line, as parsed.
struct Options {
  bool quick = false;
  bool json = false;
  bool keep = false;
  bool no_scale_bare = false;
  bool no_scale_v4 = false;
  int group_threads = 0;
  std::vector<std::string> only;
  std::string db_dir;
  std::string durability = "full";
  std::vector<std::int64_t> scale_sizes;
  std::uint64_t seed = 42;
  std::string child_role;  // internal: this process is a re-executed side of `scale`
  std::string child_db;
};

void add_options(CLI::App& app, Options& o) {
  app.add_flag("--quick", o.quick, "CI smoke run: every scenario, under 60 s in all");
  app.add_flag("--json", o.json, "print one JSON document with all figures on stdout");
  std::vector<std::string> names;
  for (const auto& [name, run] : scenarios()) names.push_back(name);
  app.add_option("--scenario", o.only, "run only this scenario (repeatable)")
      ->check(CLI::IsMember(names));
  app.add_option("--db-dir", o.db_dir, "where the scenario files go (default: a temp dir here)");
  app.add_option("--durability", o.durability, "full (fsync per commit) or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--scale-sizes", o.scale_sizes, "ledger sizes of the scale scenario")
      ->delimiter(',');
  app.add_flag("--no-scale-bare", o.no_scale_bare, "skip bare SQLite in the scale scenario");
  app.add_flag("--no-scale-v4", o.no_scale_v4,
               "skip the engine with random UUIDv4 keys in the scale scenario");
  app.add_option("--group-threads", o.group_threads,
                 "threads sharing one SharedLedger in the group scenario (default 8)")
      ->check(CLI::Range(1, 256));
  app.add_option("--seed", o.seed, "random seed of the keys and amounts");
  app.add_flag("--keep", o.keep, "keep the scenario files (with --db-dir)");
  app.add_option("--child", o.child_role)->group("");
  app.add_option("--child-db", o.child_db)->group("");
}

Config make_config(const Options& o, int argc, char** argv) {
  Config config = o.quick ? Config::quick_run() : Config::full_run();
  config.durability =
      o.durability == "normal" ? ledger::Durability::normal : ledger::Durability::full;
  config.seed = o.seed;
  config.keep_files = o.keep;
  if (!o.scale_sizes.empty()) config.scale_sizes = o.scale_sizes;
  if (o.no_scale_bare) config.scale_bare = false;
  if (o.no_scale_v4) config.scale_v4 = false;
  if (o.group_threads > 0) config.group_threads = o.group_threads;
  for (int i = 1; i < argc; ++i) config.args.emplace_back(argv[i]);
  return config;
}

// Runs the selected scenarios; returns the exit status.
int run(Config& config, const Options& o, Report& report) {
  try {
    RunDir dir(o.db_dir);
    config.db_dir = dir.path;
    std::string command = "ledger-bench";
    for (const std::string& arg : config.args) command += " " + arg;
    describe_run(config, command, report);
    const auto start = bench::Clock::now();
    for (const auto& [name, scenario] : scenarios()) {
      if (o.only.empty() || std::find(o.only.begin(), o.only.end(), name) != o.only.end()) {
        scenario(config, report);
      }
    }
    report.section("run");
    report.info("load_average_end", load_average());
    report.add("run_seconds", bench::seconds_since(start), "s", 1);
    report_targets(report);
  } catch (const std::exception& e) {
    report.note(std::string("failed: ") + e.what());
    return 1;
  }
  if (o.json) report.print_json();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ledger-bench: the engine's throughput as ratios to bare SQLite"};
  Options options;
  add_options(app, options);
  CLI11_PARSE(app, argc, argv);
  Config config = make_config(options, argc, argv);
  if (!options.child_role.empty()) {
    return bench::serve_as_child([&](Report& r) {
      bench::run_scale_child(config, options.child_role, options.child_db, r);
    });
  }
  Report report(options.json ? bench::Output::json : bench::Output::text);
  return run(config, options, report);
}
