// sync status (SPEC 11): how far the edge and the head-office copy of one ledger are.
// Reads both sides, writes neither (a database without the central schema reads as empty).
#pragma once

#include <cstdint>
#include <string>

namespace ledger::central {

struct SyncStatus {
  std::string ledger_id;
  bool registered = false;  // the ledger has been pushed at least once
  std::string store;        // at head office ("" when not registered)
  std::int64_t edge_seq = 0, central_seq = 0;
  std::int64_t behind = 0;  // edge rows not at head office yet (0 if the central is ahead)
  // Whether the central head is the edge's row at that sequence (false: a fork).
  bool in_agreement = true;
  std::int64_t edge_closings = 0, central_closings = 0;
  std::int64_t forks = 0;     // forks recorded for this ledger
  std::string last_push_at;  // ISO 8601 UTC, "" when never pushed
};

// `db_path`: the edge ledger file; `conninfo`: the head-office database.
[[nodiscard]] SyncStatus sync_status(const std::string& db_path, const std::string& conninfo);

}  // namespace ledger::central
