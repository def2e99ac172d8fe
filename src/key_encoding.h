// How an idempotency key is stored in idempotency_keys.idem_key (schema 3).
//
// Keys are 1..255 printable ASCII characters, but nearly all of them are one of two forms
// of lowercase hex: a client's UUID ("8-4-4-4-12", 36 characters) or a key this engine
// issued ("{12 hex of ms}-{32 hex}", 45 characters). Those are stored as their 16 or 22
// raw bytes (a BLOB); every other key is stored as its TEXT. The (key, principal) index
// (schema 4) takes one insert per transfer, so its entries shrink from ~60 to ~35 bytes;
// both forms start with their time (issued keys, UUIDv7), so those inserts are in order.
// The mapping is exact both ways: only the lowercase forms map to a BLOB, a BLOB decodes to
// exactly that lowercase text, and SQLite never compares a BLOB equal to a TEXT.
#pragma once

#include <SQLiteCpp/Column.h>
#include "statement.h"

#include <array>
#include <cassert>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

struct sqlite3;

namespace ledger::detail {

// The 16 or 22 raw bytes of a hex-form key, held inline: every lookup makes one, and a
// std::string of 16+ bytes would allocate.
class CompactKey {
 public:
  static constexpr std::size_t kMaxBytes = 22;

  [[nodiscard]] std::string_view bytes() const { return {data_.data(), size_}; }
  void push_back(char byte) {
    assert(size_ < kMaxBytes);
    data_[size_++] = byte;
  }

 private:
  std::array<char, kMaxBytes> data_{};
  std::size_t size_ = 0;
};

// The raw bytes of a key of one of the two hex forms, or nullopt if it is stored as TEXT.
std::optional<CompactKey> compact_key(std::string_view key);

// The key's text back from the stored column (BLOB or TEXT).
std::string key_from_column(const SQLite::Column& column);

// Binds `key` in its stored form. `scratch` holds the compact bytes and must outlive the
// statement's next step.
void bind_key(Statement& statement, int index, const std::string& key,
              std::optional<CompactKey>& scratch);

// Registers the SQL function ledger_key(text) -> the stored form, used by the migration
// that compacts existing keys and by verify's joins of the journal (which keeps the text).
void register_key_function(sqlite3* db);

}  // namespace ledger::detail
