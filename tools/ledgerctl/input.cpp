#include "input.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "cli.h"
#include "ledger/money.h"
#include "output.h"

namespace ledgerctl {

std::int64_t parse_count(std::string_view option, std::string_view text, std::int64_t min,
                         std::int64_t max) {
  const bool all_digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                       [](char c) { return c >= '0' && c <= '9'; });
  if (!all_digits) {
    throw CliError(kExitUsage,
                   fmt::format("{} \"{}\" is not plain digits: write a whole number without "
                               "sign, spaces or exponent, e.g. {} {}",
                               option, one_line(text), option, std::max<std::int64_t>(min, 1)));
  }
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < min || value > max) {
    throw CliError(kExitUsage, fmt::format("{} {} is out of range: use a value from {} to {}",
                                           option, text, min, max));
  }
  return value;
}

int currency_exponent_or_throw(const std::string& currency) {
  if (const auto exponent = ledger::currency_exponent(currency)) return *exponent;
  std::string upper = currency;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper != currency && ledger::currency_exponent(upper)) {
    throw CliError(kExitUsage, fmt::format("unknown currency \"{}\": currency codes are upper "
                                           "case, did you mean {}?",
                                           one_line(currency), upper));
  }
  throw CliError(kExitUsage, fmt::format("unknown currency \"{}\": use an ISO 4217 code such as "
                                         "EUR, USD, JPY or BHD",
                                         one_line(currency)));
}

std::int64_t parse_money(std::string_view option, std::string_view text,
                         const std::string& currency, int exponent) {
  const ledger::AmountParse parsed = ledger::parse_amount(text, exponent);
  if (parsed.ok()) return parsed.minor;
  // The engine's error says what is wrong with the text; the prefix says what is expected.
  throw CliError(kExitUsage,
                 fmt::format("bad {} \"{}\" for {} ({} decimal places, e.g. {}): {}", option,
                             one_line(text), currency, exponent,
                             ledger::format_amount(1234, exponent), one_line(parsed.error)));
}

}  // namespace ledgerctl
