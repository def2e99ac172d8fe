// The edge ledgers central-bench pushes: real ledger files filled through the engine's
// public API (transfer_batch), like a till's day of sales, and each one's journal
// pre-rendered as the COPY text the bare baseline sends.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace central_bench {

struct EdgeLedger {
  std::string path;
  std::string ledger_id;
  std::int64_t rows = 0;
};

// Makes (or reuses, when a file there already holds exactly `rows` journal rows) `count`
// ledgers edge-NN.db in `dir`, filled in parallel by `threads` threads. Each has its own
// ledger id, seven accounts, sales to cash, card and voucher tills with varied memos (some
// with non-ASCII text, a tab or a backslash that COPY must escape), refunds and cash
// deposits to the bank, spread over 14 days of journal time.
[[nodiscard]] std::vector<EdgeLedger> make_edges(const std::string& dir, int count,
                                                 std::int64_t rows, int threads);

// The ledger's journal as COPY text for a table with ledger_hq.journal's columns, exactly
// as sync push renders it (read through the same EdgeSnapshot, chained prev_hash).
[[nodiscard]] std::string render_copy_text(const EdgeLedger& edge);

// The column list both COPYs name.
inline constexpr const char* kJournalColumns =
    "(ledger_id, seq, kind, debit_account, credit_account, amount_minor, currency, memo, "
    "principal, idem_key, created_at_ms, ref_seq, clock_behind_ms, prev_hash, hash)";

}  // namespace central_bench
