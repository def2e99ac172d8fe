#include "ingest.h"

#include <fmt/format.h>

#include <chrono>
#include <exception>
#include <latch>
#include <memory>
#include <stdexcept>
#include <thread>

#include "central_schema.h"
#include "pg_connection.h"
#include "sync_push.h"

namespace central_bench {
namespace {

using Clock = std::chrono::steady_clock;
using ledger::central::PgConnection;

std::int64_t count_rows(const std::string& conninfo, const std::string& table) {
  PgConnection pg(conninfo);
  return pg.exec("SELECT count(*) FROM " + table).integer(0, 0);
}

// Runs work(i) for i in [0, count) on `count` threads released together; returns the
// wall-clock seconds from the release to the last one finishing. Rethrows a failure.
template <typename Work>
double run_at_once(int count, Work work) {
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(count));
  std::latch ready(count + 1);
  std::latch go(1);
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    threads.emplace_back([&, i] {
      bool counted = false;
      try {
        auto run = work(i);  // preparation, before the clock: returns the timed part
        ready.count_down();
        counted = true;
        go.wait();
        run();
      } catch (...) {
        errors[static_cast<std::size_t>(i)] = std::current_exception();
        if (!counted) {
          ready.count_down();
          go.wait();
        }
      }
    });
  }
  ready.arrive_and_wait();
  const Clock::time_point start = Clock::now();
  go.count_down();
  for (std::thread& thread : threads) thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return seconds;
}

}  // namespace

void reset_central(const std::string& conninfo) {
  PgConnection pg(conninfo);
  pg.exec("SET client_min_messages = warning");  // no NOTICE per dropped object
  pg.exec("DROP SCHEMA IF EXISTS ledger_hq CASCADE");
  ledger::central::migrate_central(pg);
}

void checkpoint(const std::string& conninfo) {
  PgConnection pg(conninfo);
  try {
    pg.exec("CHECKPOINT");
  } catch (const std::exception&) {  // not a superuser (nor pg_checkpoint): go on without
  }
}

double time_ingest(const std::string& conninfo, const std::vector<EdgeLedger>& edges,
                   int count) {
  std::vector<ledger::central::PushReport> reports(static_cast<std::size_t>(count));
  const double seconds = run_at_once(count, [&](int i) {
    return [&, i] {
      reports[static_cast<std::size_t>(i)] = ledger::central::push_ledger(
          edges[static_cast<std::size_t>(i)].path, conninfo, ledger::central::PushOptions{});
    };
  });
  std::int64_t expected = 0;
  for (int i = 0; i < count; ++i) {
    const EdgeLedger& edge = edges[static_cast<std::size_t>(i)];
    const ledger::central::PushReport& report = reports[static_cast<std::size_t>(i)];
    if (report.pushed_rows != edge.rows || report.central_seq != edge.rows) {
      throw std::runtime_error(fmt::format("push of {} shipped {} of {} rows", edge.path,
                                           report.pushed_rows, edge.rows));
    }
    expected += edge.rows;
  }
  const std::int64_t stored = count_rows(conninfo, "ledger_hq.journal");
  if (stored != expected) {
    throw std::runtime_error(
        fmt::format("ledger_hq.journal holds {} rows after the pushes, not {}", stored, expected));
  }
  return seconds;
}

void reset_bare(const std::string& conninfo) {
  PgConnection pg(conninfo);
  pg.exec("SET client_min_messages = warning");
  ledger::central::migrate_central(pg);  // ledger_hq.journal is the model
  pg.exec("DROP SCHEMA IF EXISTS bench_bare CASCADE");
  pg.exec("CREATE SCHEMA bench_bare");
  pg.exec("CREATE TABLE bench_bare.journal (LIKE ledger_hq.journal INCLUDING ALL)");
}

double time_bare(const std::string& conninfo, const std::vector<std::string>& copy_text, int count,
                 std::int64_t rows_per_ledger) {
  const std::string copy_sql =
      std::string("COPY bench_bare.journal ") + kJournalColumns + " FROM STDIN";
  const double seconds = run_at_once(count, [&](int i) {
    auto pg = std::make_shared<PgConnection>(conninfo);
    return [&, i, pg] { pg->copy_in(copy_sql, copy_text[static_cast<std::size_t>(i)]); };
  });
  const std::int64_t stored = count_rows(conninfo, "bench_bare.journal");
  if (stored != count * rows_per_ledger) {
    throw std::runtime_error(fmt::format("bench_bare.journal holds {} rows after the COPYs, not {}",
                                         stored, count * rows_per_ledger));
  }
  return seconds;
}

}  // namespace central_bench
