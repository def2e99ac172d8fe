// sync push (SPEC 11): ships an edge ledger's journal, closings and chain heads that the
// head-office database lacks, in bounded transactions, exactly once.
#pragma once

#include <cstdint>
#include <string>

namespace ledger::central {

struct PushOptions {
  // The store the ledger belongs to. Empty: the one registered at head office, or
  // "default" for a ledger pushed for the first time.
  std::string store;
  std::int64_t batch_rows = 5000;  // journal rows per PostgreSQL transaction
};

struct PushReport {
  std::string ledger_id, store;
  std::int64_t edge_seq = 0;
  std::int64_t central_seq_before = 0, central_seq = 0;
  std::int64_t pushed_rows = 0;
  std::int64_t transactions = 0;  // committed journal transactions
  std::int64_t closings_pushed = 0;
  std::int64_t chain_heads_recorded = 0;
};

// Pushes what the central copy lacks. Each transaction locks the ledger's row, checks that
// the central head is a prefix of the edge (else a fork: recorded in ledger_hq.forks and
// thrown as CentralError{integrity}, nothing overwritten), inserts the next rows with COPY
// and lets ledger_hq.accept_rows check and move the head. Killed at any instant, the
// central copy stays a prefix of the edge's; the next push completes it.
// `db_path`: the edge ledger file (already checked to be a current ledger); `conninfo`:
// libpq's connection string of the head-office database.
PushReport push_ledger(const std::string& db_path, const std::string& conninfo,
                       const PushOptions& options);

}  // namespace ledger::central
