// The JSON body of a response (stored on the key and replayed byte for byte): a flat object
// of text and integer fields (and pre-serialized JSON values such as the error object),
// built on every money-moving call's hot path.
//
// Rather than a nlohmann::json object (one std::map node and key string per field) it holds
// one small vector of entries, and dump() writes exactly the text that
//   nlohmann::json(object).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
// writes for the equivalent std::map-backed object: keys in std::string order, no spaces,
// each text value escaped as nlohmann escapes it (plain printable ASCII is copied, anything
// else goes through nlohmann's serializer; invalid UTF-8 replaced by U+FFFD), integers in
// decimal. Stored responses are replayed and compared byte for byte, so this equivalence is
// a compatibility contract (tests/unit/response_test.cpp).
//
// Keys must be string literals (or other storage that outlives the body): only a
// std::string_view is kept. They are our own identifiers, [a-z0-9_]+, and are written
// without escaping (checked by assert).
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace ledger::detail {

// The integer types a field may hold: any that fits int64 (not bool, not 64-bit unsigned).
template <typename T>
concept ResponseInteger = std::integral<T> && !std::same_as<T, bool> &&
                          (std::is_signed_v<T> || sizeof(T) < sizeof(std::int64_t));

class ResponseBody {
 public:
  // One {key, value} of the initializer-list constructor. It only refers to its text (a
  // temporary lives until the end of the full expression that builds the body), so use it
  // only as that constructor's argument.
  struct Field {
    Field(std::string_view k, std::string_view v) : key(k), text(v), is_text(true) {}
    Field(std::string_view k, const char* v) : key(k), text(v), is_text(true) {}
    template <ResponseInteger T>
    Field(std::string_view k, T v) : key(k), integer(v), is_text(false) {}

    std::string_view key;
    std::string_view text;
    std::int64_t integer = 0;
    bool is_text;
  };

  ResponseBody() = default;
  // Like nlohmann's object from an initializer list: if a key repeats, the FIRST value wins.
  ResponseBody(std::initializer_list<Field> fields);

  // Adds the field, or replaces the value (and kind) of an existing one.
  void set(std::string_view key, std::string text);
  void set(std::string_view key, std::string_view text) { set(key, std::string(text)); }
  void set(std::string_view key, const char* text) { set(key, std::string(text)); }
  template <ResponseInteger T>
  void set(std::string_view key, T value) {
    set_integer(key, static_cast<std::int64_t>(value));
  }

  // Adds (or replaces) a field whose value is `json_text`, a complete JSON value written
  // verbatim, e.g. a nested object that nlohmann dumped the same way.
  void set_json(std::string_view key, std::string json_text);

  // Removes the field if present; returns how many were removed (0 or 1), as json::erase.
  std::size_t erase(std::string_view key);

  // Every field of `other` replaces or joins this body's (json::update).
  void update(const ResponseBody& other);

  [[nodiscard]] std::size_t size() const { return entries_.size(); }
  [[nodiscard]] bool empty() const { return entries_.empty(); }
  [[nodiscard]] bool contains(std::string_view key) const { return find(key) != nullptr; }
  void reserve(std::size_t fields) { entries_.reserve(fields); }

  // The compact JSON text described at the top of this file.
  [[nodiscard]] std::string dump() const;

  // Whether `key` may be written unescaped: non-empty, only [a-z0-9_].
  [[nodiscard]] static constexpr bool is_plain_key(std::string_view key) {
    if (key.empty()) return false;
    for (char c : key) {
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    }
    return true;
  }

 private:
  struct Entry {
    std::string_view key;
    std::string text;
    std::int64_t integer = 0;
    bool is_text = false;
    bool is_json = false;  // with is_text: `text` is JSON, written as it is
  };

  Entry* find(std::string_view key);
  const Entry* find(std::string_view key) const;
  Entry& slot(std::string_view key);  // the existing entry, or a new one
  void set_integer(std::string_view key, std::int64_t value);

  std::vector<Entry> entries_;  // in insertion order; dump() sorts by key
};

}  // namespace ledger::detail
