// The engine's replay read without the engine: its SELECT (kReplayQuery, src/key_store.h)
// with the key bound by its bind_key (src/key_encoding.h), run on the engine's own file for
// keys whose fingerprints are worked out before the clock starts. The replay scenario times
// it beside the bare lookup and the engine's replay, which splits ratio_replay's gap in
// two: what the schema costs (a key index, then the record by rowid: two b-tree searches
// where the bare table needs one) and what the rest of the engine's code costs (encoding
// and hashing the request, its statement cache, building the result).
#pragma once

#include <sqlite3.h>

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "key_encoding.h"
#include "ledger/ledger.h"
#include "statement.h"
#include "util.h"

namespace bench {

class EngineReplayQuery {
 public:
  // Opens the engine's file at `path` with the engine's settings and reads every completed
  // key's principal, key and fingerprint, in a random order drawn from `keys`.
  EngineReplayQuery(const std::string& path, ledger::Durability durability, KeyGen& keys);

  [[nodiscard]] std::size_t size() const { return rows_.size(); }
  // Runs the replay read for the `at`-th key; false if no row matched.
  bool lookup(std::size_t at, std::string& body);

 private:
  struct Row {
    std::string principal;
    std::string key;  // its text, as a client sends it
    std::string fingerprint;
  };
  // Closes the connection last: its statements must be finalized before.
  struct Connection {
    sqlite3* handle = nullptr;
    explicit Connection(sqlite3* opened) : handle(opened) {}
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;
    ~Connection() { sqlite3_close(handle); }
  };
  Connection connection_;
  std::optional<ledger::detail::Statement> replay_;
  std::optional<ledger::detail::CompactKey> key_scratch_;  // bind_key's: lives past the step
  std::vector<Row> rows_;
};

}  // namespace bench
