#include "input.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

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

namespace ledgerctl {

std::int64_t parse_time_ms(std::string_view option, const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    return parse_count(option, text, 0);
  }
  for (const char* format : {"%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z", "%Y-%m-%d"}) {
    std::tm parts{};
    const char* end = strptime(text.c_str(), format, &parts);
    // "Z" is UTC; strptime's %z reads it in glibc, and "2026-12-03" has no zone at all.
    if (end == nullptr || *end != '\0') continue;
    const long offset = parts.tm_gmtoff;
    const std::time_t seconds = timegm(&parts);
    if (seconds == static_cast<std::time_t>(-1)) break;
    return (static_cast<std::int64_t>(seconds) - offset) * 1000;
  }
  throw CliError(kExitUsage,
                 fmt::format("{} \"{}\" is not a time: use RFC 3339 (2026-12-03T18:00:00Z or "
                             "2026-12-03T19:00:00+01:00), a UTC date (2026-12-03), or unix epoch "
                             "milliseconds",
                             option, one_line(text)));
}

std::string read_text_file(std::string_view option, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || text.str().empty()) {
    throw CliError(kExitUsage, fmt::format("{}: cannot read {} ({}); give the path of a PEM file",
                                           option, one_line(path),
                                           in ? "it is empty" : std::strerror(errno)));
  }
  return text.str();
}

}  // namespace ledgerctl
