#include "key_encoding.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <array>
#include <cstdint>

namespace ledger::detail {
namespace {

constexpr std::size_t kUuidLength = 36;    // 8-4-4-4-12
constexpr std::size_t kIssuedLength = 45;  // 12-32
constexpr std::size_t kUuidBytes = 16;
constexpr std::size_t kIssuedBytes = 22;
static_assert(CompactKey::kMaxBytes == kIssuedBytes);

// The value of each lowercase hex digit; -1 for every other byte (uppercase hex is stored
// as TEXT, so that it reads back as uppercase). A table: this runs on every lookup.
constexpr std::array<signed char, 256> kHexValue = [] {
  std::array<signed char, 256> table{};
  table.fill(-1);
  for (int c = '0'; c <= '9'; ++c) {
    table[static_cast<std::size_t>(c)] = static_cast<signed char>(c - '0');
  }
  for (int c = 'a'; c <= 'f'; ++c) {
    table[static_cast<std::size_t>(c)] = static_cast<signed char>(c - 'a' + 10);
  }
  return table;
}();

int hex_value(char c) { return kHexValue[static_cast<unsigned char>(c)]; }

// Where each byte's two hex digits start, and where the dashes are, in the two forms.
constexpr std::array<std::uint8_t, 16> kUuidDigitPairs{0,  2,  4,  6,  9,  11, 14, 16,
                                                       19, 21, 24, 26, 28, 30, 32, 34};
constexpr std::array<std::uint8_t, 4> kUuidDashes{8, 13, 18, 23};
constexpr std::array<std::uint8_t, 22> kIssuedDigitPairs{0,  2,  4,  6,  8,  10, 13, 15,
                                                         17, 19, 21, 23, 25, 27, 29, 31,
                                                         33, 35, 37, 39, 41, 43};
constexpr std::size_t kIssuedDash = 12;
static_assert(kUuidDigitPairs.size() == kUuidBytes && kIssuedDigitPairs.size() == kIssuedBytes);

template <std::size_t N>
std::optional<CompactKey> decode_pairs(std::string_view key,
                                       const std::array<std::uint8_t, N>& pairs) {
  CompactKey bytes;
  int bad = 0;  // any digit that is not lowercase hex makes it negative
  for (std::uint8_t at : pairs) {
    const int high = hex_value(key[at]);
    const int low = hex_value(key[at + 1]);
    bad |= high | low;
    bytes.push_back(static_cast<char>(high << 4 | low));
  }
  if (bad < 0) return std::nullopt;
  return bytes;
}

// The text of `bytes` in the form of `length` characters: each byte's two digits at its
// place in `pairs`, and a dash in every place no digit takes.
template <std::size_t N>
std::string encode_pairs(const unsigned char* bytes, std::size_t length,
                         const std::array<std::uint8_t, N>& pairs) {
  static constexpr std::array<char, 16> kDigits{'0', '1', '2', '3', '4', '5', '6', '7',
                                                '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
  std::string key(length, '-');
  for (std::size_t i = 0; i < N; ++i) {
    key[pairs[i]] = kDigits[bytes[i] >> 4];
    key[pairs[i] + 1u] = kDigits[bytes[i] & 0x0f];
  }
  return key;
}

}  // namespace

std::optional<CompactKey> compact_key(std::string_view key) {
  // Called on every lookup: fixed positions, one pass, no allocation.
  if (key.size() == kUuidLength) {
    for (std::uint8_t at : kUuidDashes) {
      if (key[at] != '-') return std::nullopt;
    }
    return decode_pairs(key, kUuidDigitPairs);
  }
  if (key.size() == kIssuedLength) {
    if (key[kIssuedDash] != '-') return std::nullopt;
    return decode_pairs(key, kIssuedDigitPairs);
  }
  return std::nullopt;
}

std::string key_from_column(const SQLite::Column& column) {
  if (!column.isBlob()) return column.getString();
  const auto* bytes = static_cast<const unsigned char*>(column.getBlob());
  const auto size = static_cast<std::size_t>(column.getBytes());
  if (size == kUuidBytes) return encode_pairs(bytes, kUuidLength, kUuidDigitPairs);
  if (size == kIssuedBytes) return encode_pairs(bytes, kIssuedLength, kIssuedDigitPairs);
  return column.getString();  // not ours
}

void bind_key(Statement& statement, int index, const std::string& key,
              std::optional<CompactKey>& scratch) {
  scratch = compact_key(key);
  if (scratch) {
    const std::string_view bytes = scratch->bytes();
    statement.bindNoCopy(index, static_cast<const void*>(bytes.data()),
                         static_cast<int>(bytes.size()));
  } else {
    statement.bindNoCopy(index, key);
  }
}

namespace {

void ledger_key_function(sqlite3_context* context, int, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_value(context, argv[0]);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  std::string_view key(text, static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  if (auto compact = compact_key(key)) {
    const std::string_view bytes = compact->bytes();
    sqlite3_result_blob(context, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
  } else {
    sqlite3_result_value(context, argv[0]);
  }
}

}  // namespace

void register_key_function(sqlite3* db) {
  int rc = sqlite3_create_function_v2(db, "ledger_key", 1,
                                      SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                      nullptr, &ledger_key_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) throw SQLite::Exception(db, rc);
}

}  // namespace ledger::detail
