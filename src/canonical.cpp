#include "canonical.h"

namespace ledger::detail {
namespace {

std::optional<std::uint64_t> get_be(std::string_view& in, int bytes) {
  if (in.size() < static_cast<std::size_t>(bytes)) return std::nullopt;
  std::uint64_t value = 0;
  for (int i = 0; i < bytes; ++i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  in.remove_prefix(static_cast<std::size_t>(bytes));
  return value;
}

}  // namespace

// Each field's tag, type and length go in with one append: this runs several times per
// transfer (fingerprint and journal hash) and per replay.
CanonicalWriter& CanonicalWriter::text(std::uint8_t tag, std::string_view value) {
  const auto length = static_cast<std::uint32_t>(value.size());
  const char head[6] = {static_cast<char>(tag), 's', static_cast<char>(length >> 24),
                        static_cast<char>(length >> 16), static_cast<char>(length >> 8),
                        static_cast<char>(length)};
  bytes_.append(head, sizeof head);
  bytes_.append(value);
  return *this;
}

CanonicalWriter& CanonicalWriter::integer(std::uint8_t tag, std::int64_t value) {
  const auto bits = static_cast<std::uint64_t>(value);
  char field[10] = {static_cast<char>(tag), 'i'};
  for (int i = 0; i < 8; ++i) field[2 + i] = static_cast<char>(bits >> (56 - 8 * i));
  bytes_.append(field, sizeof field);
  return *this;
}

std::optional<std::vector<CanonicalField>> decode_canonical(std::string_view bytes,
                                                            std::string_view header) {
  if (bytes.substr(0, header.size()) != header) return std::nullopt;
  bytes.remove_prefix(header.size());
  std::vector<CanonicalField> fields;
  while (!bytes.empty()) {
    if (bytes.size() < 2) return std::nullopt;
    CanonicalField field;
    field.tag = static_cast<std::uint8_t>(bytes[0]);
    char type = bytes[1];
    bytes.remove_prefix(2);
    if (type == 'i') {
      auto value = get_be(bytes, 8);
      if (!value) return std::nullopt;
      field.value = static_cast<std::int64_t>(*value);
    } else if (type == 's') {
      auto length = get_be(bytes, 4);
      if (!length || *length > bytes.size()) return std::nullopt;
      field.value = std::string(bytes.substr(0, *length));
      bytes.remove_prefix(*length);
    } else {
      return std::nullopt;
    }
    fields.push_back(std::move(field));
  }
  return fields;
}

const char* request_field_name(std::uint8_t tag) {
  switch (tag) {
    case kFieldOperation: return "operation";
    case kFieldDebitAccount: return "debit_account";
    case kFieldCreditAccount: return "credit_account";
    case kFieldAmount: return "amount";
    case kFieldCurrency: return "currency";
    case kFieldMemo: return "memo";
    case kFieldTimeout: return "timeout";
    case kFieldPendingSequence: return "pending_sequence";
    case kFieldOriginalSequence: return "original_sequence";
    case kFieldUntil: return "until";
    default: return "request";
  }
}

std::string first_differing_field(std::string_view stored, std::string_view now) {
  auto header_end = [](std::string_view bytes) { return bytes.find('\n'); };
  if (header_end(stored) == std::string_view::npos ||
      stored.substr(0, header_end(stored)) != now.substr(0, header_end(now))) {
    return "operation";
  }
  auto header = stored.substr(0, header_end(stored) + 1);
  auto a = decode_canonical(stored, header);
  auto b = decode_canonical(now, header);
  if (!a || !b) return "request";
  for (std::size_t i = 0; i < a->size() && i < b->size(); ++i) {
    if (!((*a)[i] == (*b)[i])) return request_field_name((*a)[i].tag);
  }
  return a->size() == b->size() ? "" : "request";
}

}  // namespace ledger::detail
