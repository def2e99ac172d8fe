// Canonical, typed, versioned binary encodings. Fingerprints and the journal hash chain
// are computed over these bytes, never over JSON text (whose key order and spacing vary).
//
// Layout: a version header, then per field: 1 byte field tag, 1 byte type ('s' text with
// a 4-byte big-endian length, 'i' int64 as 8 bytes big-endian). Fields appear in a fixed
// order, so equal requests always encode to equal bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace ledger::detail {

class CanonicalWriter {
 public:
  // `storage`: a string whose capacity to reuse (its contents are dropped), so that a
  // caller encoding many requests allocates once.
  explicit CanonicalWriter(std::string_view header, std::string storage = {})
      : bytes_(std::move(storage)) {
    bytes_.clear();
    bytes_.reserve(256);  // a typical request or journal row in one allocation
    bytes_.append(header);
  }
  CanonicalWriter& text(std::uint8_t tag, std::string_view value);
  CanonicalWriter& integer(std::uint8_t tag, std::int64_t value);
  [[nodiscard]] const std::string& bytes() const { return bytes_; }
  // The bytes themselves, without a copy (the writer is done).
  [[nodiscard]] std::string take() && { return std::move(bytes_); }

 private:
  std::string bytes_;
};

struct CanonicalField {
  std::uint8_t tag = 0;
  std::variant<std::string, std::int64_t> value;
  bool operator==(const CanonicalField&) const = default;
};

// Decodes bytes written by CanonicalWriter with `header`; nullopt if malformed.
[[nodiscard]] std::optional<std::vector<CanonicalField>> decode_canonical(
    std::string_view bytes, std::string_view header);

// Request encodings (fingerprint input). Version 1 of the transfer request.
inline constexpr std::string_view kTransferRequestHeader{"ledger.request.transfer.v1\n"};
enum RequestField : std::uint8_t {
  kFieldOperation = 1,
  kFieldDebitAccount = 2,
  kFieldCreditAccount = 3,
  kFieldAmount = 4,
  kFieldCurrency = 5,
  kFieldMemo = 6,
  kFieldTimeout = 7,
  kFieldPendingSequence = 8,
  kFieldOriginalSequence = 9,
  kFieldUntil = 10,
};
inline constexpr std::string_view kReserveRequestHeader{"ledger.request.reserve.v1\n"};
inline constexpr std::string_view kPostRequestHeader{"ledger.request.post.v1\n"};
inline constexpr std::string_view kVoidRequestHeader{"ledger.request.void.v1\n"};
inline constexpr std::string_view kReverseRequestHeader{"ledger.request.reverse.v1\n"};
inline constexpr std::string_view kCloseRequestHeader{"ledger.request.close.v1\n"};
// The public name of a request field ("amount"), as used in conflict messages.
[[nodiscard]] const char* request_field_name(std::uint8_t tag);

// The first field, in encoding order, whose value differs between two canonical requests
// (or "operation" when the encodings are of different kinds).
[[nodiscard]] std::string first_differing_field(std::string_view stored, std::string_view now);

}  // namespace ledger::detail
