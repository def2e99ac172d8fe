// What sync push and sync status read from an edge ledger file: one read transaction
// (a consistent snapshot while tills keep selling), never a write.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdint>
#include <string>
#include <vector>

#include "central_error.h"
#include "journal.h"

namespace ledger::central {

struct EdgeAccount {
  std::string code, currency, name;
  int exponent = 0;
};

struct EdgeRow {
  std::int64_t seq = 0;
  detail::JournalRow row;
  std::string hash;  // 32 raw bytes
};

struct EdgeClosing {
  std::int64_t number = 0, until_ms = 0, first_seq = 0, last_seq = 0, created_at_ms = 0;
  std::string document, hash, signature, key_fingerprint;  // hash etc. raw bytes
};

// The head of the outcome or event chain: its last position and link hash.
struct EdgeChainHead {
  std::string chain;  // "outcomes" or "events"
  std::int64_t position = 0;
  std::string hash;
};

// The failure to read edge file `path`: transient (busy, I/O), naming the file.
[[nodiscard]] CentralError edge_read_failure(const std::string& path,
                                             const SQLite::Exception& error);

// Runs `read` (which reads an edge file), turning SQLite's failures into
// CentralError{transient} naming the file.
template <typename Read>
auto reading_edge(const std::string& path, Read read) {
  try {
    return read();
  } catch (const SQLite::Exception& error) {
    throw edge_read_failure(path, error);
  }
}

class EdgeSnapshot {
 public:
  // Opens `path` read-only and starts the read transaction. The caller has checked that it
  // is a ledger at the current file format (ledgerctl's open_for_reading).
  explicit EdgeSnapshot(const std::string& path);

  [[nodiscard]] const std::string& ledger_id() const { return ledger_id_; }
  [[nodiscard]] std::int64_t last_seq() const { return last_seq_; }
  // The stored hash of row `seq` (1..last_seq), or the genesis hash for 0.
  [[nodiscard]] std::string hash_at(std::int64_t seq);
  // Rows after `after` up to `until`, in order, with account codes.
  [[nodiscard]] std::vector<EdgeRow> rows(std::int64_t after, std::int64_t until);
  [[nodiscard]] std::vector<EdgeAccount> accounts();
  [[nodiscard]] std::vector<EdgeClosing> closings();
  [[nodiscard]] std::vector<EdgeChainHead> chain_heads();

 private:
  SQLite::Database db_;
  std::string ledger_id_;
  std::int64_t last_seq_ = 0;
};

}  // namespace ledger::central
