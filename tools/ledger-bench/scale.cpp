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

// The engine side: a ledger grown by transfer_batch, with client keys of one kind.
template <KeyKind kind>
class EngineSide {
 public:
  EngineSide(const std::string& path, const Config& config, std::uint64_t stream)
      : engine_(open_engine(path, config)), keys_(config.seed, stream), sales_(kind) {}
  int add(int count) {
    expect_created(engine_.transfer_batch(sales_.batch(keys_, size_, count)), "scale");
    size_ += count;
    return count;
  }
  [[nodiscard]] std::int64_t size() const { return size_; }

 private:
  ledger::Ledger engine_;
  KeyGen keys_;
  Sales sales_;
  std::int64_t size_ = 0;
};

// The bare side: 16-byte random-key rows.
class BareSide {
 public:
  BareSide(const std::string& path, const Config& config, std::uint64_t stream)
      : bare_(path, config.durability), keys_(config.seed, stream) {}
  int add(int count) {
    batch_.resize(static_cast<std::size_t>(count));
    for (Key16& key : batch_) key = keys_.bytes16();
    bare_.insert_keys(batch_);
    size_ += count;
    return count;
  }
  [[nodiscard]] std::int64_t size() const { return size_; }

 private:
  BareDb bare_;
  KeyGen keys_;
  std::vector<Key16> batch_;
  std::int64_t size_ = 0;
};

template <typename Side>
Throughput grow(Side& side, std::int64_t size, int per_commit) {
  Throughput done;
  const auto start = Clock::now();
  while (side.size() < size) {
    done.items +=
        side.add(static_cast<int>(std::min<std::int64_t>(per_commit, size - side.size())));
  }
  done.seconds = seconds_since(start);
  return done;
}

// Grows one side to each size in turn and measures batches of batch_size there. A fresh
// side of the first size is measured at the same time, in alternating slices, so that the
// ratio of the two is not the machine's load changing between sizes.
template <typename Side>
void scale_side(const Config& config, const std::string& path, const std::string& prefix,
                const std::string& unit, int build_per_commit, Report& report) {
  constexpr int kSlices = 4;
  Side side(path, config, 5);
  Throughput build;
  const std::string reference_path = path + ".reference";
  for (std::int64_t size : config.scale_sizes) {
    build += grow(side, size, build_per_commit);
    remove_db(Config{}, reference_path);  // always: the reference is rebuilt at every size
    Throughput measured;
    Throughput reference_measured;
    {
      Side reference(reference_path, config, 6 + static_cast<std::uint64_t>(size));
      grow(reference, config.scale_sizes.front(), build_per_commit);
      const double slice = config.scale_measure_seconds / kSlices;
      for (int i = 0; i < kSlices; ++i) {
        measured += run_for(slice, [&] { return side.add(config.batch_size); });
        reference_measured += run_for(slice, [&] { return reference.add(config.batch_size); });
      }
    }
    remove_db(Config{}, reference_path);
    const std::string label = size_label(size);
    report.add(prefix + "rate_" + label, measured.rate(), unit);
    report.add(prefix + "reference_rate_" + label, reference_measured.rate(), unit);
    report.add(prefix + "rss_" + label, current_rss_mib(), "MiB", 1);
  }
  report.add(prefix + "build_rate", build.rate(), unit);
  report.add(prefix + "process_peak_rss", peak_rss_mib(), "MiB", 1);
  report.add(prefix + "size", static_cast<double>(side.size()), "");
  report.add(prefix + "file_size", file_mib(path), "MiB", 1);
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
    scale_side<EngineSide<KeyKind::uuid_v7>>(config, path, "scale_", "transfers/s",
                                             config.scale_build_batch, report);
  } else if (role == "engine-v4") {
    scale_side<EngineSide<KeyKind::uuid_v4>>(config, path, "scale_v4_", "transfers/s",
                                             config.scale_build_batch, report);
  } else if (role == "bare") {
    scale_side<BareSide>(config, path, "scale_bare_", "rows/s", 10'000, report);
  } else {
    throw std::invalid_argument("unknown child role " + role);
  }
}

void run_scale(const Config& config, Report& report) {
  report.section("scale");
  if (config.scale_sizes.empty()) throw std::invalid_argument("scale: no sizes");
  const std::string first = size_label(config.scale_sizes.front());
  const std::string last = size_label(config.scale_sizes.back());
  // rate at the last size ÷ rate at the first size, both measured at the same time; and
  // the same from the first size's own measurement, minutes earlier (load may differ).
  auto run_engine = [&](const std::string& role, const std::string& prefix,
                        const std::string& suffix) {
    const std::string engine_path = db_path(config, "scale-" + role + ".db");
    ChildResult engine = scale_in_new_process(config, role, engine_path);
    remove_db(config, engine_path);
    add_child_figures(report, engine, ("scale (" + role + ")").c_str());
    report.add("scale_peak_rss" + suffix, engine.value(prefix + "process_peak_rss"), "MiB", 1);
    report.add("ratio_scale" + suffix,
               engine.value(prefix + "rate_" + last) / engine.value(prefix + "reference_rate_" + last),
               "", 3);
    report.add("ratio_scale_unpaired" + suffix,
               engine.value(prefix + "rate_" + last) / engine.value(prefix + "rate_" + first), "",
               3);
    return engine;
  };
  // Time-ordered client keys (UUIDv7; the engine's issued keys are time-ordered too), then
  // random ones (UUIDv4), which SQLite's b-tree itself cannot keep flat (see bare_ratio_scale).
  ChildResult engine = run_engine("engine", "scale_", "");
  ChildResult engine_v4;
  if (config.scale_v4) engine_v4 = run_engine("engine-v4", "scale_v4_", "_uuid_v4");
  ChildResult bare;
  if (config.scale_bare) {
    const std::string bare_path = db_path(config, "scale-bare.db");
    bare = scale_in_new_process(config, "bare", bare_path);
    remove_db(config, bare_path);
    add_child_figures(report, bare, "scale (bare)");
    report.add("scale_bare_peak_rss", bare.value("scale_bare_process_peak_rss"), "MiB", 1);
    report.add(
        "bare_ratio_scale",
        bare.value("scale_bare_rate_" + last) / bare.value("scale_bare_reference_rate_" + last), "",
        3);
  }
  for (std::int64_t size : config.scale_sizes) {
    const std::string label = size_label(size);
    nlohmann::ordered_json point = {
        {"prior_transfers", size},
        {"engine_rate", engine.value("scale_rate_" + label)},
        {"engine_reference_rate", engine.value("scale_reference_rate_" + label)},
        {"engine_rss_mib", engine.value("scale_rss_" + label)}};
    if (config.scale_v4) {
      point["engine_v4_rate"] = engine_v4.value("scale_v4_rate_" + label);
      point["engine_v4_reference_rate"] = engine_v4.value("scale_v4_reference_rate_" + label);
      point["engine_v4_rss_mib"] = engine_v4.value("scale_v4_rss_" + label);
    }
    if (config.scale_bare) {
      point["bare_rate"] = bare.value("scale_bare_rate_" + label);
      point["bare_reference_rate"] = bare.value("scale_bare_reference_rate_" + label);
    }
    report.add_point("scale", point);
  }
}

}  // namespace bench
