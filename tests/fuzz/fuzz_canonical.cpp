// Fuzz target: the canonical request encoding behind fingerprints and the hash chain
// (src/canonical.h), and SHA-256 over it.
//
// Properties, for any bytes:
//  - decode_canonical never crashes, and whatever it accepts re-encodes to exactly the
//    same bytes (the encoding is canonical: one byte string per field list);
//  - for field lists built from the input, decode(encode(x)) == x, and two lists encode to
//    equal bytes (and equal SHA-256 fingerprints) exactly when they are equal;
//  - first_differing_field(a, b) names the first field, in encoding order, whose tag or
//    value differs ("operation" for different request kinds, "request" when one list is a
//    prefix of the other, "" for equal requests), as an independent oracle computes it;
//  - first_differing_field on arbitrary byte strings never crashes.
#include <fuzzer/FuzzedDataProvider.h>

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "canonical.h"
#include "crypto.h"
#include "fuzz_check.h"

namespace {

using ledger::detail::CanonicalField;
using ledger::detail::CanonicalWriter;

constexpr std::array<std::string_view, 5> kHeaders = {
    ledger::detail::kTransferRequestHeader, ledger::detail::kReserveRequestHeader,
    ledger::detail::kPostRequestHeader, ledger::detail::kVoidRequestHeader,
    ledger::detail::kReverseRequestHeader};

std::string encode(std::string_view header, const std::vector<CanonicalField>& fields) {
  CanonicalWriter writer(header);
  for (const CanonicalField& field : fields) {
    if (const auto* text = std::get_if<std::string>(&field.value)) {
      writer.text(field.tag, *text);
    } else {
      writer.integer(field.tag, std::get<std::int64_t>(field.value));
    }
  }
  return writer.bytes();
}

CanonicalField random_field(FuzzedDataProvider& input) {
  CanonicalField field;
  // Mostly the real request tags, sometimes any byte.
  field.tag = input.ConsumeBool() ? input.ConsumeIntegralInRange<std::uint8_t>(1, 9)
                                  : input.ConsumeIntegral<std::uint8_t>();
  if (input.ConsumeBool()) {
    field.value = input.ConsumeRandomLengthString(64);
  } else {
    field.value = input.ConsumeIntegral<std::int64_t>();
  }
  return field;
}

// A list of up to 10 fields; `base` is mutated in one place when given.
std::vector<CanonicalField> random_fields(FuzzedDataProvider& input,
                                          const std::vector<CanonicalField>* base) {
  if (base != nullptr && input.ConsumeBool()) {
    std::vector<CanonicalField> fields = *base;
    switch (input.ConsumeIntegralInRange(0, 3)) {
      case 0:
        if (!fields.empty()) fields.pop_back();
        break;
      case 1:
        fields.push_back(random_field(input));
        break;
      default:
        if (!fields.empty()) {
          fields[input.ConsumeIntegralInRange<std::size_t>(0, fields.size() - 1)] =
              random_field(input);
        }
    }
    return fields;
  }
  std::vector<CanonicalField> fields(input.ConsumeIntegralInRange(0, 10));
  for (auto& field : fields) field = random_field(input);
  return fields;
}

// The oracle: what first_differing_field must answer for two encodings of one kind.
std::string expected_difference(const std::vector<CanonicalField>& a,
                                const std::vector<CanonicalField>& b) {
  for (std::size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (!(a[i] == b[i])) return ledger::detail::request_field_name(a[i].tag);
  }
  return a.size() == b.size() ? "" : "request";
}

void check_bytes_decode(std::string_view bytes) {
  for (std::string_view header : kHeaders) {
    for (const std::string& candidate :
         {std::string(bytes), std::string(header) + std::string(bytes)}) {
      auto fields = ledger::detail::decode_canonical(candidate, header);
      if (fields) FUZZ_CHECK(encode(header, *fields) == candidate);
    }
  }
}

void check_round_trip(FuzzedDataProvider& input) {
  std::string_view header = kHeaders[input.ConsumeIntegralInRange<std::size_t>(0, 4)];
  std::vector<CanonicalField> a = random_fields(input, nullptr);
  std::vector<CanonicalField> b = random_fields(input, &a);
  const std::string encoded_a = encode(header, a);
  const std::string encoded_b = encode(header, b);
  auto decoded = ledger::detail::decode_canonical(encoded_a, header);
  FUZZ_CHECK(decoded.has_value());
  FUZZ_CHECK(*decoded == a);
  FUZZ_CHECK((encoded_a == encoded_b) == (a == b));
  FUZZ_CHECK((ledger::detail::sha256(encoded_a) == ledger::detail::sha256(encoded_b)) == (a == b));
  FUZZ_CHECK(ledger::detail::first_differing_field(encoded_a, encoded_a).empty());
  FUZZ_CHECK(ledger::detail::first_differing_field(encoded_a, encoded_b) ==
             expected_difference(a, b));
  // A request of another kind differs in its operation, whatever its fields.
  std::string_view other = kHeaders[input.ConsumeIntegralInRange<std::size_t>(0, 4)];
  if (other != header) {
    FUZZ_CHECK(ledger::detail::first_differing_field(encoded_a, encode(other, b)) == "operation");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_bytes_decode(bytes);
  (void)ledger::detail::first_differing_field(bytes.substr(0, size / 2), bytes.substr(size / 2));
  FuzzedDataProvider input(data, size);
  check_round_trip(input);
  return 0;
}
