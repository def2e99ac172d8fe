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

// Parses a point in time given to `option`: RFC 3339 ("2026-12-03T18:00:00Z",
// "2026-12-03T19:00:00+01:00"), a UTC date ("2026-12-03", its midnight), or unix epoch
// milliseconds (digits). Throws CliError (exit 2) naming the accepted forms.
[[nodiscard]] std::int64_t parse_time_ms(std::string_view option, const std::string& text);

// The contents of a small text file given to `option` (a PEM key). Throws CliError (exit 2)
// if it cannot be read.
[[nodiscard]] std::string read_text_file(std::string_view option, const std::string& path);

}  // namespace ledgerctl
