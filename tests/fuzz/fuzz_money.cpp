// Fuzz target: the money parser and formatter (include/ledger/money.h).
//
// Properties, for any bytes:
//  - parse_amount accepts exactly what an independent reference parser (written from
//    SPEC 3 with 128-bit arithmetic, not from money.cpp) accepts, with the same value;
//  - a refused text has an error that starts "invalid amount" (a sentence, not a code);
//  - an accepted text formats back to its canonical form (no leading zeros, exactly
//    `exponent` fraction digits), which parses to the same value;
//  - format_amount of any int64 (INT64_MIN included) parses back for non-negative values
//    and is "-" + the magnitude for negative ones;
//  - checked_add / checked_sub agree with 128-bit arithmetic;
//  - currency_exponent never answers outside 0..4.
// Input: byte 0 picks the exponent (0..6; 5 and 6 must be refused), bytes 1..8 an int64
// for the formatter and the arithmetic, bytes 1.. the text.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "ledger/money.h"

namespace {

constexpr std::size_t kMaxTextBytes = 40;  // the engine's documented bound on amount text

bool all_digits(std::string_view text) {
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// The reference: digits, optionally '.' and 1..exponent digits; at most 40 bytes; the
// value in minor units must fit in int64.
std::optional<std::int64_t> reference_parse(std::string_view text, int exponent) {
  if (exponent < 0 || exponent > 4 || text.empty() || text.size() > kMaxTextBytes) {
    return std::nullopt;
  }
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || !all_digits(whole) || !all_digits(fraction)) return std::nullopt;
  if (dot != std::string_view::npos && fraction.empty()) return std::nullopt;
  if (fraction.size() > static_cast<std::size_t>(exponent)) return std::nullopt;
  __int128 value = 0;
  std::string digits = std::string(whole) + std::string(fraction);
  digits.append(static_cast<std::size_t>(exponent) - fraction.size(), '0');
  for (char c : digits) {
    value = value * 10 + (c - '0');
    if (value > INT64_MAX) return std::nullopt;  // stop before 128 bits could overflow
  }
  return static_cast<std::int64_t>(value);
}

// "007.5" with exponent 2 -> "7.50".
std::string canonical_text(std::string_view text, int exponent) {
  auto dot = text.find('.');
  std::string whole(text.substr(0, dot));
  std::string fraction(dot == std::string_view::npos ? "" : text.substr(dot + 1));
  whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
  fraction.append(static_cast<std::size_t>(exponent) - fraction.size(), '0');
  return exponent == 0 ? whole : whole + "." + fraction;
}

void check_parse(std::string_view text, int exponent) {
  ledger::AmountParse parsed = ledger::parse_amount(text, exponent);
  std::optional<std::int64_t> expected = reference_parse(text, exponent);
  FUZZ_CHECK(parsed.ok() == expected.has_value());
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.error.rfind("invalid amount", 0) == 0);
    return;
  }
  FUZZ_CHECK(parsed.minor == *expected);
  std::string formatted = ledger::format_amount(parsed.minor, exponent);
  FUZZ_CHECK(formatted == canonical_text(text, exponent));
  FUZZ_CHECK(ledger::parse_amount(formatted, exponent).minor == parsed.minor);
}

void check_format(std::int64_t minor, int exponent) {
  std::string text = ledger::format_amount(minor, exponent);
  if (minor >= 0) {
    ledger::AmountParse back = ledger::parse_amount(text, exponent);
    FUZZ_CHECK(back.ok());
    FUZZ_CHECK(back.minor == minor);
    return;
  }
  FUZZ_CHECK(text[0] == '-');
  FUZZ_CHECK(!ledger::parse_amount(text, exponent).ok());  // signs are refused
  if (minor != INT64_MIN) FUZZ_CHECK(text.substr(1) == ledger::format_amount(-minor, exponent));
}

void check_arithmetic(std::int64_t a, std::int64_t b) {
  __int128 sum = static_cast<__int128>(a) + b;
  __int128 difference = static_cast<__int128>(a) - b;
  auto fits = [](__int128 v) { return v >= INT64_MIN && v <= INT64_MAX; };
  auto added = ledger::checked_add(a, b);
  auto subtracted = ledger::checked_sub(a, b);
  FUZZ_CHECK(added.has_value() == fits(sum));
  FUZZ_CHECK(subtracted.has_value() == fits(difference));
  if (added) FUZZ_CHECK(*added == sum);
  if (subtracted) FUZZ_CHECK(*subtracted == difference);
}

std::int64_t int64_from(const std::uint8_t* data, std::size_t size) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, data, std::min(size, sizeof bits));
  return static_cast<std::int64_t>(bits);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const int exponent = data[0] % 7;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  check_parse(text, exponent);
  const std::int64_t number = int64_from(data + 1, size - 1);
  check_format(number, exponent % 5);
  check_arithmetic(number, int64_from(data + 1 + std::min<std::size_t>(size - 1, 8),
                                      size - 1 - std::min<std::size_t>(size - 1, 8)));
  auto currency_exponent = ledger::currency_exponent(text.substr(0, 3));
  if (currency_exponent) FUZZ_CHECK(*currency_exponent >= 0 && *currency_exponent <= 4);
  return 0;
}
