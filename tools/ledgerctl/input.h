// Checking what the operator typed. Numbers are parsed here rather than by CLI11 because
// CLI11 reads "010" as octal and "0x10" as hex; a money tool must read digits as digits.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

namespace ledgerctl {

// Parses plain decimal digits ("50"; no sign, no spaces, no base prefix) given to
// `option` and checks min <= value <= max. Throws CliError (exit 2) naming the option.
[[nodiscard]] std::int64_t parse_count(std::string_view option, std::string_view text,
                                       std::int64_t min,
                                       std::int64_t max = std::numeric_limits<std::int64_t>::max());

// The exponent of an ISO 4217 currency code. Throws CliError (exit 2) for a code the
// library does not know, suggesting the upper-case spelling when that is the problem.
[[nodiscard]] int currency_exponent_or_throw(const std::string& currency);

// Parses a non-negative decimal amount such as "12.34" given to `option` in `currency`
// (whose exponent is `exponent`) into minor units. Throws CliError (exit 2) naming the
// problem: a sign, an exponent, too many fraction digits, too large, empty, not a number.
[[nodiscard]] std::int64_t parse_money(std::string_view option, std::string_view text,
                                       const std::string& currency, int exponent);

}  // namespace ledgerctl
