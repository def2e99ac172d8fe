// scale: the batch scenario after more and more prior transfers (10k ... 5M), built with
// the batch API, each side in its own child process so that its peak RSS is its own.
#include <filesystem>
#include <stdexcept>

#include "bare.h"
#include "child.h"
#include "scenarios.h"
#include "workload.h"

namespace bench {
namespace {

double file_mib(const std::string& path) {
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    std::error_code ec;
    auto size = std::filesystem::file_size(path + suffix, ec);
    if (!ec) bytes += static_cast<double>(size);
  }
  return bytes / (1024.0 * 1024.0);
}

// Grows the ledger to each size in turn and measures batch throughput there.
void engine_scale(const Config& config, const std::string& path, Report& report) {
  ledger::Ledger engine = open_engine(path, config);
  KeyGen keys(config.seed, 5);
  Sales sales;
  std::int64_t prior = 0;
  Throughput build;
  auto book = [&](int count) {
    expect_created(engine.transfer_batch(sales.batch(keys, prior, count)), "scale");
    prior += count;
    return count;
  };
  for (std::int64_t size : config.scale_sizes) {
    const auto start = Clock::now();
    while (prior < size) {
      build.items += book(static_cast<int>(std::min<std::int64_t>(config.scale_build_batch,
                                                                  size - prior)));
    }
    build.seconds += seconds_since(start);
    Throughput measured = run_for(config.scale_measure_seconds,
                                  [&] { return book(config.batch_size); });
    const std::string label = size_label(size);
    report.add("scale_rate_" + label, measured.rate(), "transfers/s");
    report.add("scale_rss_" + label, current_rss_mib(), "MiB", 1);
  }
  report.add("scale_build_rate", build.rate(), "transfers/s");
  report.add("scale_transfers", static_cast<double>(prior), "transfers");
  report.add("scale_file_size", file_mib(path), "MiB", 1);
}

// The same with bare 16-byte random-key rows, 1000 per commit (building 10 000 per commit).
void bare_scale(const Config& config, const std::string& path, Report& report) {
  BareDb bare(path, config.durability);
  KeyGen keys(config.seed, 6);
  std::int64_t rows = 0;
  std::vector<Key16> batch;
  auto insert = [&](std::int64_t count) {
    batch.resize(static_cast<std::size_t>(count));
    for (Key16& key : batch) key = keys.bytes16();
    bare.insert_keys(batch);
    rows += count;
    return count;
  };
  for (std::int64_t size : config.scale_sizes) {
    while (rows < size) insert(std::min<std::int64_t>(10'000, size - rows));
    Throughput measured = run_for(config.scale_measure_seconds,
                                  [&] { return insert(config.batch_size); });
    report.add("scale_bare_rate_" + size_label(size), measured.rate(), "rows/s");
  }
  report.add("scale_bare_file_size", file_mib(path), "MiB", 1);
}

ChildResult scale_in_new_process(const Config& config, const std::string& role,
                                 const std::string& path) {
  std::vector<std::string> args = config.args;
  for (const char* arg : {"--child", role.c_str(), "--child-db", path.c_str()}) {
    args.emplace_back(arg);
  }
  return run_exec_child(args);
}

void add_child_figures(Report& report, const ChildResult& result, const char* what) {
  for (Figure f : result.figures) {
    f.scenario = "scale";
    report.add(f);
  }
  if (!result.ok()) throw std::runtime_error(std::string(what) + " failed: " + result.error);
}

}  // namespace

void run_scale_child(const Config& config, const std::string& role, const std::string& path,
                     Report& report) {
  if (role == "engine") {
    engine_scale(config, path, report);
  } else if (role == "bare") {
    bare_scale(config, path, report);
  } else {
    throw std::invalid_argument("unknown child role " + role);
  }
}

void run_scale(const Config& config, Report& report) {
  report.section("scale");
  if (config.scale_sizes.empty()) throw std::invalid_argument("scale: no sizes");
  const std::string engine_path = db_path(config, "scale-engine.db");
  ChildResult engine = scale_in_new_process(config, "engine", engine_path);
  remove_db(config, engine_path);
  add_child_figures(report, engine, "scale (engine)");
  report.add("scale_peak_rss", engine.peak_rss_mib, "MiB", 1);
  const std::string first = size_label(config.scale_sizes.front());
  const std::string last = size_label(config.scale_sizes.back());
  report.add("ratio_scale", engine.value("scale_rate_" + last) /
                                engine.value("scale_rate_" + first), "", 3);
  ChildResult bare;
  if (config.scale_bare) {
    const std::string bare_path = db_path(config, "scale-bare.db");
    bare = scale_in_new_process(config, "bare", bare_path);
    remove_db(config, bare_path);
    add_child_figures(report, bare, "scale (bare)");
    report.add("scale_bare_peak_rss", bare.peak_rss_mib, "MiB", 1);
    report.add("bare_ratio_scale", bare.value("scale_bare_rate_" + last) /
                                       bare.value("scale_bare_rate_" + first), "", 3);
  }
  for (std::int64_t size : config.scale_sizes) {
    const std::string label = size_label(size);
    nlohmann::ordered_json point = {{"prior_transfers", size},
                            {"engine_rate", engine.value("scale_rate_" + label)},
                            {"engine_rss_mib", engine.value("scale_rss_" + label)}};
    if (config.scale_bare) point["bare_rate"] = bare.value("scale_bare_rate_" + label);
    report.add_point("scale", point);
  }
}

}  // namespace bench
