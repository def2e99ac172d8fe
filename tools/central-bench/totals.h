// hq totals over a large head office: ledger_hq filled directly with SQL (INSERT ... SELECT
// from generate_series) with synthetic rows, then ledgerctl's own query
// (ledger::central::hq_totals) timed over all days and over one day.
#pragma once

#include <cstdint>
#include <string>

namespace central_bench {

struct TotalsResult {
  std::int64_t ledgers = 0, rows_per_ledger = 0;
  double fill_seconds = 0;        // INSERTs, then VACUUM ANALYZE and CHECKPOINT
  double all_days_seconds = 0;    // hq_totals(conninfo, {})
  std::int64_t all_days_lines = 0;
  std::string day;                // the one day asked for
  double one_day_seconds = 0;     // hq_totals with from_day = until_day = day
  std::int64_t one_day_lines = 0;
  std::int64_t table_bytes = 0;   // pg_total_relation_size of ledger_hq.journal
};

// Resets ledger_hq and fills it with `ledgers` ledgers (4 per store) of `rows` journal rows
// each, 30 days of sales, head_seq = rows (so the views count every row), dummy 32-byte
// hashes (hq verify would refuse them; hq totals does not read them), using `threads`
// connections; then times hq_totals.
[[nodiscard]] TotalsResult run_totals(const std::string& conninfo, int ledgers, std::int64_t rows,
                                      int threads);

}  // namespace central_bench
