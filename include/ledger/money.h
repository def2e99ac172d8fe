// Money: exact integer minor units and their decimal text form.
//
// Amounts are always int64 counts of a currency's minor unit (cents for EUR, yen for JPY,
// fils for BHD). Nothing in this library uses floating point for money. Parsing accepts
// only plain decimal text: digits, an optional '.' followed by at most `exponent` digits.
// Signs, exponents ("1e3"), spaces, empty strings and values past int64 are refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledger {

// The outcome of parsing decimal text. On success `error` is empty.
struct AmountParse {
  std::int64_t minor = 0;
  std::string error;  // what was wrong with the text, and what is expected instead
  [[nodiscard]] bool ok() const { return error.empty(); }
};

// The ISO 4217 exponent (number of minor-unit digits) of `currency_code`, e.g. EUR -> 2,
// JPY -> 0, BHD -> 3, or nullopt if the code is not a currency this library knows.
[[nodiscard]] std::optional<int> currency_exponent(std::string_view currency_code);

// Parses non-negative decimal text such as "12.34" into minor units for a currency with
// `exponent` fraction digits ("12.34" with exponent 2 -> 1234; "12" -> 1200; "12.3" -> 1230).
// REQUIRES: 0 <= exponent <= 4.
[[nodiscard]] AmountParse parse_amount(std::string_view text, int exponent);

// Formats minor units as exact decimal text: (1234, 2) -> "12.34", (-5, 2) -> "-0.05",
// (7, 0) -> "7". Round-trips with parse_amount for non-negative values.
[[nodiscard]] std::string format_amount(std::int64_t minor, int exponent);

// Overflow-checked arithmetic: nullopt when the exact result does not fit in int64.
[[nodiscard]] std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b);
[[nodiscard]] std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b);

}  // namespace ledger
