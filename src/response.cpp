#include "response.h"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <nlohmann/json.hpp>

namespace ledger::detail {
namespace {

// Whether nlohmann's serializer (ensure_ascii false) writes `text` unchanged: printable
// ASCII without '"' or '\\'. It escapes control characters, '"' and '\\', and validates
// (and may replace) bytes >= 0x80; everything else it copies byte for byte. Most values
// (account codes, amounts, keys, memos) are plain, and copying them directly spares the
// hot path a serializer per value.
bool written_verbatim(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x80 || c == '"' || c == '\\') return false;
  }
  return true;
}

// Appends `text` as nlohmann escapes it. json::dump(-1, ' ', false, replace) is exactly this
// serializer writing compactly into a string. It is nlohmann's detail API:
// tests/unit/response_test.cpp compares dump() with json::dump, so a change in it cannot
// pass unnoticed.
void append_escaped(std::string& out, std::string_view text) {
  nlohmann::detail::serializer<nlohmann::json> serializer(
      nlohmann::detail::output_adapter<char, std::string>(out), ' ',
      nlohmann::json::error_handler_t::replace);
  const nlohmann::json value(text);
  // pretty_print false, ensure_ascii false, indent 0: as json::dump(-1, ' ', false, ...)
  serializer.dump(value, false, false, 0);
}

void append_integer(std::string& out, std::int64_t value) {
  char digits[24];
  auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
  out.append(digits, end);
}

}  // namespace

ResponseBody::ResponseBody(std::initializer_list<Field> fields) {
  entries_.reserve(fields.size());
  for (const Field& field : fields) {
    assert(is_plain_key(field.key));
    if (find(field.key)) continue;  // nlohmann's object construction keeps the first
    Entry& entry = entries_.emplace_back();
    entry.key = field.key;
    entry.is_text = field.is_text;
    if (field.is_text) {
      entry.text.assign(field.text);
    } else {
      entry.integer = field.integer;
    }
  }
}

ResponseBody::Entry* ResponseBody::find(std::string_view key) {
  for (Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

const ResponseBody::Entry* ResponseBody::find(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

ResponseBody::Entry& ResponseBody::slot(std::string_view key) {
  assert(is_plain_key(key));
  if (Entry* existing = find(key)) return *existing;
  Entry& entry = entries_.emplace_back();
  entry.key = key;
  return entry;
}

void ResponseBody::set(std::string_view key, std::string text) {
  Entry& entry = slot(key);
  entry.is_text = true;
  entry.is_json = false;
  entry.text = std::move(text);
  entry.integer = 0;
}

void ResponseBody::set_json(std::string_view key, std::string json_text) {
  Entry& entry = slot(key);
  entry.is_text = true;
  entry.is_json = true;
  entry.text = std::move(json_text);
  entry.integer = 0;
}

void ResponseBody::set_integer(std::string_view key, std::int64_t value) {
  Entry& entry = slot(key);
  entry.is_text = false;
  entry.is_json = false;
  entry.text.clear();
  entry.integer = value;
}

std::size_t ResponseBody::erase(std::string_view key) {
  auto it = std::find_if(entries_.begin(), entries_.end(),
                         [&](const Entry& entry) { return entry.key == key; });
  if (it == entries_.end()) return 0;
  entries_.erase(it);
  return 1;
}

void ResponseBody::update(const ResponseBody& other) {
  if (&other == this) return;
  entries_.reserve(entries_.size() + other.entries_.size());
  for (const Entry& theirs : other.entries_) {
    Entry& mine = slot(theirs.key);
    mine.is_text = theirs.is_text;
    mine.is_json = theirs.is_json;
    mine.text = theirs.text;
    mine.integer = theirs.integer;
  }
}

std::string ResponseBody::dump() const {
  // Sort pointers, not entries: on the stack for the usual sizes (a response has < 20).
  constexpr std::size_t kInline = 32;
  const Entry* inline_order[kInline];
  std::vector<const Entry*> heap_order;
  const Entry** order = inline_order;
  if (entries_.size() > kInline) {
    heap_order.resize(entries_.size());
    order = heap_order.data();
  }
  std::size_t estimate = 2;
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    order[i] = &entries_[i];
    estimate +=
        entries_[i].key.size() + 4 + (entries_[i].is_text ? entries_[i].text.size() + 2 : 20);
  }
  // std::string_view compares like std::string (char_traits<char>), i.e. like std::map.
  // Keys are non-empty and most differ in their first letter: compare that inline first.
  std::sort(order, order + entries_.size(), [](const Entry* a, const Entry* b) {
    return a->key[0] != b->key[0] ? a->key[0] < b->key[0] : a->key < b->key;
  });

  std::string out;
  out.reserve(estimate + estimate / 8);
  out.push_back('{');
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    const Entry& entry = *order[i];
    if (i != 0) out.push_back(',');
    out.push_back('"');
    out.append(entry.key);  // [a-z0-9_]+: nothing to escape
    out.append("\":");
    if (!entry.is_text) {
      append_integer(out, entry.integer);
    } else if (entry.is_json) {
      out.append(entry.text);
    } else if (written_verbatim(entry.text)) {
      out.push_back('"');
      out.append(entry.text);
      out.push_back('"');
    } else {
      append_escaped(out, entry.text);
    }
  }
  out.push_back('}');
  return out;
}

}  // namespace ledger::detail
