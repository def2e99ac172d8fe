// central-bench: how fast head office ingests what tills push (SPEC 11, issue 20 item 5),
// as a ratio to PostgreSQL's own bare COPY of the same rows in the same run, and how long
// `hq totals` takes over a large head office. tools/bench-central.sh starts a throw-away
// PostgreSQL cluster and runs it.
//
//   central-bench --pg CONNINFO [--rows-per-ledger N] [--ledgers-list 1,8,32] [--rounds R]
//                 [--totals-ledgers L] [--totals-rows N] [--quick] [--json] [--work-dir DIR]
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

#include "edges.h"
#include "ingest.h"
#include "machine_info.h"
#include "pg_connection.h"
#include "report.h"
#include "totals.h"

namespace {

using central_bench::Report;

struct Config {
  std::string conninfo;
  std::int64_t rows_per_ledger = 20'000;
  std::vector<int> ledger_counts = {1, 8, 32};
  int rounds = 3;
  int totals_ledgers = 100;
  std::int64_t totals_rows = 100'000;
  bool quick = false, json = false, skip_totals = false, skip_ingest = false;
  std::string work_dir;
};

using bench_machine::cpu_model;
using bench_machine::load_average;

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string server_setting(ledger::central::PgConnection& pg, const std::string& name) {
  return std::string(pg.exec("SELECT current_setting($1)", {name}).text(0, 0));
}

void describe(const Config& config, const std::string& command, Report& report) {
  ledger::central::PgConnection pg(config.conninfo);
  report.section("central-bench: head-office ingest (sync push) vs bare COPY, and hq totals");
  report.info("date", fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", fmt::gmtime(std::time(nullptr))));
  report.info("machine", fmt::format("{}, nproc {}", cpu_model(),
                                     std::thread::hardware_concurrency()));
  report.info("load_average", load_average());
  report.info("command", command);
  report.info("postgres_version", server_setting(pg, "server_version"));
  report.info("postgres_settings",
              fmt::format("fsync={} synchronous_commit={} shared_buffers={} max_wal_size={}",
                          server_setting(pg, "fsync"), server_setting(pg, "synchronous_commit"),
                          server_setting(pg, "shared_buffers"),
                          server_setting(pg, "max_wal_size")));
}

void run_ingest(const Config& config, Report& report) {
  const int most = *std::max_element(config.ledger_counts.begin(), config.ledger_counts.end());
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  report.section(fmt::format("edge ledgers: {} files of {} journal rows (engine transfer_batch)",
                             most, config.rows_per_ledger));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<central_bench::EdgeLedger> edges =
      central_bench::make_edges(config.work_dir, most, config.rows_per_ledger, threads);
  report.add("edge_setup_seconds",
             std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), "s",
             1, "/edges/setup_seconds");
  report.doc()["edges"]["ledgers"] = most;
  report.doc()["edges"]["rows_per_ledger"] = config.rows_per_ledger;

  // The bare baseline's input, rendered before any clock starts.
  std::vector<std::string> copy_text;
  std::size_t copy_bytes = 0;
  for (const central_bench::EdgeLedger& edge : edges) {
    copy_text.push_back(central_bench::render_copy_text(edge));
    copy_bytes += copy_text.back().size();
  }
  report.add("copy_text_bytes_per_row",
             static_cast<double>(copy_bytes) / static_cast<double>(most * config.rows_per_ledger),
             "bytes", 0, "/edges/copy_text_bytes_per_row");

  report.section(fmt::format(
      "ingest: C ledgers pushed at once (push_ledger, one thread each, batch 5000) vs bare COPY "
      "of the same rows (one thread, connection and COPY per ledger) into bench_bare.journal "
      "(LIKE ledger_hq.journal INCLUDING ALL); {} round(s) alternating the two, CHECKPOINT "
      "before each; rates are medians, ratio_ingest the median of each round's ratio",
      config.rounds));
  for (int count : config.ledger_counts) {
    std::vector<double> ingest_rates, bare_rates, ratios;
    const double rows = static_cast<double>(count * config.rows_per_ledger);
    for (int round = 1; round <= config.rounds; ++round) {
      double ingest_rate = 0, bare_rate = 0;
      // Odd rounds ingest first, even rounds bare first: neither always follows the other.
      for (int side = 0; side < 2; ++side) {
        const bool ingest = (side == 0) == (round % 2 == 1);
        if (ingest) {
          central_bench::reset_central(config.conninfo);
          central_bench::checkpoint(config.conninfo);
          const double seconds = central_bench::time_ingest(config.conninfo, edges, count);
          ingest_rate = rows / seconds;
        } else {
          central_bench::reset_bare(config.conninfo);
          central_bench::checkpoint(config.conninfo);
          const double seconds =
              central_bench::time_bare(config.conninfo, copy_text, count, config.rows_per_ledger);
          bare_rate = rows / seconds;
        }
      }
      Report::progress(fmt::format("{} ledger(s), round {}/{}: ingest {:.0f} rows/s, bare COPY "
                                   "{:.0f} rows/s, ratio {:.2f}",
                                   count, round, config.rounds, ingest_rate, bare_rate,
                                   ingest_rate / bare_rate));
      ingest_rates.push_back(ingest_rate);
      bare_rates.push_back(bare_rate);
      ratios.push_back(ingest_rate / bare_rate);
    }
    const std::string path = fmt::format("/ingest/{}", count);
    report.doc()["ingest"][std::to_string(count)]["rows"] = count * config.rows_per_ledger;
    report.add(fmt::format("ingest_rate_{}", count), median(ingest_rates), "rows/s", 0,
               path + "/ingest_rows_per_second");
    report.add(fmt::format("bare_copy_rate_{}", count), median(bare_rates), "rows/s", 0,
               path + "/bare_copy_rows_per_second");
    report.add(fmt::format("ratio_ingest_{}", count), median(ratios), "", 2,
               path + "/ratio_ingest");
    report.doc()["ingest"][std::to_string(count)]["rounds"] = {
        {"ingest_rows_per_second", ingest_rates},
        {"bare_copy_rows_per_second", bare_rates},
        {"ratio_ingest", ratios}};
  }
  for (int count : config.ledger_counts) {
    const double ratio =
        report.doc()["ingest"][std::to_string(count)]["ratio_ingest"].get<double>();
    report.note(fmt::format("target ratio_ingest_{} >= 0.5: {} ({:.3f})", count,
                            ratio >= 0.5 ? "met" : "NOT met", ratio));
  }
}

void run_totals(const Config& config, Report& report) {
  const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  report.section(fmt::format(
      "hq totals: ledger_hq filled with SQL (INSERT ... SELECT generate_series), {} ledgers x {} "
      "synthetic rows over 30 days, 4 ledgers per store, dummy 32-byte hashes, head_seq = "
      "rows so the views count them; VACUUM ANALYZE; then hq_totals (ledgerctl hq totals' query)",
      config.totals_ledgers, config.totals_rows));
  const central_bench::TotalsResult totals = central_bench::run_totals(
      config.conninfo, config.totals_ledgers, config.totals_rows, threads);
  report.add("totals_rows", static_cast<double>(totals.ledgers * totals.rows_per_ledger), "rows",
             0, "/totals/rows");
  report.doc()["totals"]["ledgers"] = totals.ledgers;
  report.add("totals_journal_size", static_cast<double>(totals.table_bytes) / (1 << 20), "MiB", 0,
             "/totals/journal_mib");
  report.add("totals_fill_seconds", totals.fill_seconds, "s", 1, "/totals/fill_seconds");
  report.add("hq_totals_all_days_seconds", totals.all_days_seconds, "s", 2,
             "/totals/all_days_seconds");
  report.add("hq_totals_all_days_lines", static_cast<double>(totals.all_days_lines), "lines", 0,
             "/totals/all_days_lines");
  report.doc()["totals"]["day"] = totals.day;
  report.add(fmt::format("hq_totals_one_day_seconds"), totals.one_day_seconds, "s", 2,
             "/totals/one_day_seconds");
  report.add("hq_totals_one_day_lines", static_cast<double>(totals.one_day_lines), "lines", 0,
             "/totals/one_day_lines");
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  std::string ledgers_list;
  CLI::App app{"central-bench: head-office ingest (ledgerctl sync push) against bare COPY, and "
               "hq totals, on a PostgreSQL the caller provides (tools/bench-central.sh starts one)"};
  app.add_option("--pg", config.conninfo, "libpq connection string of a scratch database "
                 "(its schemas ledger_hq and bench_bare are dropped)")->required();
  auto* rows_option = app.add_option("--rows-per-ledger", config.rows_per_ledger,
                                     "journal rows of each edge ledger (default 20000)");
  auto* list_option = app.add_option("--ledgers-list", ledgers_list,
                                     "how many ledgers push at once, e.g. 1,8,32 (default)");
  auto* rounds_option = app.add_option("--rounds", config.rounds,
                                       "rounds alternating ingest and bare COPY (default 3)");
  auto* totals_ledgers_option = app.add_option("--totals-ledgers", config.totals_ledgers,
                                               "ledgers for hq totals (default 100)");
  auto* totals_rows_option = app.add_option("--totals-rows", config.totals_rows,
                                            "rows per ledger for hq totals (default 100000)");
  app.add_flag("--quick", config.quick,
               "a smoke run: 1 round, 2000 rows per ledger, hq totals over 10 x 10000 rows "
               "(options given explicitly still apply)");
  app.add_flag("--json", config.json, "print one JSON document on stdout (lines on stderr)");
  app.add_flag("--no-totals", config.skip_totals, "skip hq totals");
  app.add_flag("--no-ingest", config.skip_ingest, "skip the ingest comparison");
  app.add_option("--work-dir", config.work_dir,
                 "where the edge ledgers are made (kept, and reused when they have the right "
                 "size); default a temporary directory, removed afterwards");
  CLI11_PARSE(app, argc, argv);

  if (config.quick) {
    if (rows_option->count() == 0) config.rows_per_ledger = 2000;
    if (rounds_option->count() == 0) config.rounds = 1;
    if (totals_ledgers_option->count() == 0) config.totals_ledgers = 10;
    if (totals_rows_option->count() == 0) config.totals_rows = 10'000;
  }
  if (list_option->count() != 0) {
    config.ledger_counts.clear();
    for (const std::string& item : CLI::detail::split(ledgers_list, ',')) {
      config.ledger_counts.push_back(std::stoi(item));
    }
  }
  if (config.ledger_counts.empty() ||
      std::any_of(config.ledger_counts.begin(), config.ledger_counts.end(),
                  [](int c) { return c < 1 || c > 500; }) ||
      config.rows_per_ledger < 1 || config.rounds < 1 || config.totals_ledgers < 1 ||
      config.totals_rows < 1) {
    std::fprintf(stderr, "central-bench: --ledgers-list needs counts 1..500, the other "
                         "numbers must be >= 1\n");
    return 2;
  }
  bool temporary = false;
  if (config.work_dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") +
                          "/central-bench.XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("central-bench: mkdtemp");
      return 1;
    }
    config.work_dir = pattern;
    temporary = true;
  }
  std::string command = "central-bench";
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    // The conninfo may carry a password: show only that it was given.
    command += " " + (i > 1 && std::string(argv[i - 1]) == "--pg" ? std::string("...") : arg);
  }

  Report report(config.json);
  int status = 0;
  try {
    describe(config, command, report);
    report.doc()["rounds"] = config.rounds;
    if (!config.skip_ingest) run_ingest(config, report);
    if (!config.skip_totals) run_totals(config, report);
    if (config.json) report.print_json();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "central-bench: failed: %s\n", error.what());
    status = 1;
  }
  if (temporary) std::filesystem::remove_all(config.work_dir);
  return status;
}
