#include "totals.h"

#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <exception>
#include <stdexcept>
#include <thread>
#include <vector>

#include "hq_reports.h"
#include "ingest.h"
#include "pg_connection.h"
#include "report.h"

namespace central_bench {
namespace {

using Clock = std::chrono::steady_clock;
using ledger::central::PgConnection;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// 2024-03-01 00:00:00 UTC; the rows of each ledger spread evenly over 30 days.
constexpr std::int64_t kFirstMs = 1709251200000;
constexpr std::int64_t kDays = 30;

// Ledger i's id: a fixed version 4 UUID, so that reruns make the same rows.
std::string ledger_id(int i) { return fmt::format("00000000-0000-4000-8000-{:012x}", i); }

// One ledger's journal: sales from `world` to cash, card, voucher and tips; every 97th row
// a cash deposit to the bank, every 53rd a card refund; memos like the edge ledgers'.
constexpr const char* kJournalInsert = R"SQL(
INSERT INTO ledger_hq.journal (ledger_id, seq, kind, debit_account, credit_account,
  amount_minor, currency, memo, principal, idem_key, created_at_ms, ref_seq, clock_behind_ms,
  prev_hash, hash)
SELECT $1::uuid, s, 'transfer',
  CASE WHEN s % 97 = 0 THEN 'till:cash' WHEN s % 53 = 0 THEN 'till:card' ELSE 'world' END,
  CASE WHEN s % 97 = 0 THEN 'bank:deposits' WHEN s % 53 = 0 THEN 'refunds'
       WHEN s % 100 < 55 THEN 'till:cash' WHEN s % 100 < 92 THEN 'till:card'
       WHEN s % 100 < 97 THEN 'till:voucher' ELSE 'tips' END,
  50 + (s * 7919) % 8000, 'EUR',
  'receipt ' || lpad(s::text, 6, '0') || ' · ' || (1 + s % 3) || '× espresso, croissant',
  'cashier:' || (s % 3), 'k' || $1 || '-' || s,
  $3::bigint + (s - 1) * $4::bigint, NULL, 0,
  '\xabababababababababababababababababababababababababababababababab'::bytea,
  '\xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd'::bytea
FROM generate_series(1, $2::bigint) s
)SQL";

void fill(const std::string& conninfo, int ledgers, std::int64_t rows, int threads) {
  {
    PgConnection pg(conninfo);
    ledger::central::PgTransaction transaction(pg);
    for (int i = 1; i <= ledgers; ++i) {
      pg.exec(
          "INSERT INTO ledger_hq.ledgers (ledger_id, store, head_seq, head_hash) "
          "VALUES ($1, $2, $3, '\\xcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd')",
          {ledger_id(i), fmt::format("store-{:03d}", (i - 1) / 4 + 1), std::to_string(rows)});
      pg.exec(
          "INSERT INTO ledger_hq.accounts (ledger_id, code, currency, exponent, name) "
          "SELECT $1, code, 'EUR', 2, code FROM unnest(ARRAY['world', 'till:cash', "
          "'till:card', 'till:voucher', 'tips', 'bank:deposits', 'refunds']) code",
          {ledger_id(i)});
    }
    transaction.commit();
  }
  const std::int64_t step_ms = kDays * 24 * 3600 * 1000 / std::max<std::int64_t>(1, rows);
  std::atomic<int> next{1};
  std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      try {
        PgConnection pg(conninfo);
        for (int i = next++; i <= ledgers; i = next++) {
          pg.exec(kJournalInsert, {ledger_id(i), std::to_string(rows), std::to_string(kFirstMs),
                                   std::to_string(step_ms)});
        }
      } catch (...) {
        errors[static_cast<std::size_t>(t)] = std::current_exception();
      }
    });
  }
  for (std::thread& worker : workers) worker.join();
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  PgConnection pg(conninfo);
  // What autovacuum would have done on a real head office: hint bits set, statistics known.
  pg.exec("VACUUM (ANALYZE) ledger_hq.journal");
  pg.exec("ANALYZE ledger_hq.ledgers");
  pg.exec("ANALYZE ledger_hq.accounts");
}

}  // namespace

TotalsResult run_totals(const std::string& conninfo, int ledgers, std::int64_t rows, int threads) {
  TotalsResult result;
  result.ledgers = ledgers;
  result.rows_per_ledger = rows;
  reset_central(conninfo);
  Report::progress(fmt::format("filling ledger_hq with {} ledgers x {} synthetic rows ({} threads)",
                               ledgers, rows, threads));
  Clock::time_point start = Clock::now();
  fill(conninfo, ledgers, rows, threads);
  checkpoint(conninfo);
  result.fill_seconds = seconds_since(start);
  {
    PgConnection pg(conninfo);
    const std::int64_t stored = pg.exec("SELECT count(*) FROM ledger_hq.journal").integer(0, 0);
    if (stored != ledgers * rows) {
      throw std::runtime_error(
          fmt::format("ledger_hq.journal holds {} rows, not {}", stored, ledgers * rows));
    }
    result.table_bytes =
        pg.exec("SELECT pg_total_relation_size('ledger_hq.journal')").integer(0, 0);
    result.day = std::string(
        pg.exec("SELECT (date '2024-03-01' + $1::int)::text", {std::to_string(kDays / 2)})
            .text(0, 0));
  }

  Report::progress("timing hq totals over all days");
  start = Clock::now();
  result.all_days_lines = static_cast<std::int64_t>(ledger::central::hq_totals(conninfo, {}).size());
  result.all_days_seconds = seconds_since(start);

  Report::progress(fmt::format("timing hq totals over one day ({})", result.day));
  ledger::central::HqFilter one_day;
  one_day.from_day = result.day;
  one_day.until_day = result.day;
  start = Clock::now();
  result.one_day_lines = static_cast<std::int64_t>(ledger::central::hq_totals(conninfo, one_day).size());
  result.one_day_seconds = seconds_since(start);
  return result;
}

}  // namespace central_bench
