// The engine's replay read without the engine: its SELECT, run by bare SQLite on the
// engine's own file, for keys whose compact form and fingerprint are worked out before the
// clock starts. The replay scenario times it beside the bare lookup and the engine's
// replay, which splits ratio_replay's gap in two: what the schema costs (a key index, then
// the record by rowid: two b-tree searches where the bare table needs one) and what the
// engine's own code costs (encoding and hashing the request, binding, building the result).
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "util.h"

namespace bench {

class EngineReplayQuery {
 public:
  // Opens the engine's file at `path` with the engine's pragmas and reads every completed
  // key's principal, stored key and fingerprint, in a random order drawn from `keys`.
  EngineReplayQuery(const std::string& path, ledger::Durability durability, KeyGen& keys);
  EngineReplayQuery(const EngineReplayQuery&) = delete;
  EngineReplayQuery& operator=(const EngineReplayQuery&) = delete;
  ~EngineReplayQuery();

  [[nodiscard]] std::size_t size() const { return rows_.size(); }
  // Runs the replay read for the `at`-th key; false if no row matched.
  bool lookup(std::size_t at, std::string& body);

 private:
  struct Row {
    std::string principal;
    std::string key;  // as stored: 16 raw bytes for a UUID (src/key_encoding.h)
    bool key_is_text = false;
    std::string fingerprint;
  };
  sqlite3* db_ = nullptr;
  sqlite3_stmt* replay_ = nullptr;
  std::vector<Row> rows_;
};

}  // namespace bench
