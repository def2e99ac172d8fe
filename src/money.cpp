// Exact decimal parsing and formatting of money; ISO 4217 exponents.
#include "ledger/money.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>

namespace ledger {
namespace {

struct CurrencyExponent {
  std::string_view code;
  int exponent;
};

// ISO 4217 active codes whose minor unit is not 2 digits.
constexpr std::array<CurrencyExponent, 26> kNonTwoExponent = {{
    {"BHD", 3}, {"BIF", 0}, {"CLF", 4}, {"CLP", 0}, {"DJF", 0}, {"GNF", 0}, {"IQD", 3},
    {"ISK", 0}, {"JOD", 3}, {"JPY", 0}, {"KMF", 0}, {"KRW", 0}, {"KWD", 3}, {"LYD", 3},
    {"OMR", 3}, {"PYG", 0}, {"RWF", 0}, {"TND", 3}, {"UGX", 0}, {"UYI", 0}, {"UYW", 4},
    {"VND", 0}, {"VUV", 0}, {"XAF", 0}, {"XOF", 0}, {"XPF", 0},
}};

// ISO 4217 active codes with a 2-digit minor unit, in alphabetical order.
constexpr std::array<std::string_view, 132> kTwoExponent = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
    "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
    "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
    "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
    "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
    "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
    "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR",
    "ZMW", "ZWL",
};

// A three-letter code as one integer: lookups compare integers, not strings.
constexpr std::uint32_t pack_code(std::string_view code) {
  return static_cast<std::uint32_t>(static_cast<unsigned char>(code[0])) << 16 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(code[1])) << 8 |
         static_cast<std::uint32_t>(static_cast<unsigned char>(code[2]));
}

struct PackedExponent {
  std::uint32_t code;
  int exponent;
};

// Both lists above, packed and sorted once at compile time: currency_exponent runs several
// times per transfer (validation, the response's decimal amount).
constexpr auto kExponentByCode = [] {
  std::array<PackedExponent, kNonTwoExponent.size() + kTwoExponent.size()> table{};
  std::size_t i = 0;
  for (const auto& entry : kNonTwoExponent) table[i++] = {pack_code(entry.code), entry.exponent};
  for (std::string_view code : kTwoExponent) table[i++] = {pack_code(code), 2};
  std::sort(table.begin(), table.end(),
            [](const PackedExponent& a, const PackedExponent& b) { return a.code < b.code; });
  return table;
}();

static_assert(
    [] {
      for (std::size_t i = 1; i < kExponentByCode.size(); ++i) {
        if (kExponentByCode[i - 1].code == kExponentByCode[i].code) return false;
      }
      return true;
    }(),
    "a currency code is listed twice");

constexpr std::int64_t kPow10[] = {1, 10, 100, 1000, 10000};

AmountParse refuse(std::string_view text, std::string_view why) {
  AmountParse result;
  result.error = fmt::format("invalid amount '{}': {}", text, why);
  return result;
}

}  // namespace

std::optional<int> currency_exponent(std::string_view code) {
  if (code.size() != 3) return std::nullopt;
  const std::uint32_t packed = pack_code(code);
  auto it = std::lower_bound(
      kExponentByCode.begin(), kExponentByCode.end(), packed,
      [](const PackedExponent& entry, std::uint32_t wanted) { return entry.code < wanted; });
  if (it == kExponentByCode.end() || it->code != packed) return std::nullopt;
  return it->exponent;
}

AmountParse parse_amount(std::string_view text, int exponent) {
  constexpr std::string_view kExpected = "use plain decimal digits such as 12.34";
  if (exponent < 0 || exponent > 4) return refuse(text, "unsupported currency exponent");
  if (text.empty()) return refuse(text, "it is empty; " + std::string(kExpected));
  if (text.size() > 40) return refuse(text.substr(0, 40), "it is too long");
  auto dot = text.find('.');
  std::string_view whole = text.substr(0, dot);
  std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!all_digits(whole) || !all_digits(fraction)) {
    return refuse(text, fmt::format("only digits and one '.' are allowed (no signs, "
                                    "exponents or spaces); {}", kExpected));
  }
  if (whole.empty()) return refuse(text, fmt::format("digits are missing before '.'; {}", kExpected));
  if (dot != std::string_view::npos && fraction.empty()) {
    return refuse(text, fmt::format("digits are missing after '.'; {}", kExpected));
  }
  if (static_cast<int>(fraction.size()) > exponent) {
    return refuse(text, fmt::format("the currency has {} decimal place{}, not {}", exponent,
                                    exponent == 1 ? "" : "s", fraction.size()));
  }
  std::int64_t value = 0;
  auto push_digit = [&value](char c) {
    auto times_ten = value > std::numeric_limits<std::int64_t>::max() / 10
                         ? std::nullopt
                         : std::optional<std::int64_t>(value * 10);
    auto next = times_ten ? checked_add(*times_ten, c - '0') : std::nullopt;
    if (next) value = *next;
    return next.has_value();
  };
  std::string digits = std::string(whole) + std::string(fraction);
  digits.append(static_cast<std::size_t>(exponent) - fraction.size(), '0');
  for (char c : digits) {
    if (!push_digit(c)) return refuse(text, "it is larger than the largest amount (int64 minor units)");
  }
  AmountParse result;
  result.minor = value;
  return result;
}

std::string format_amount(std::int64_t minor, int exponent) {
  bool negative = minor < 0;
  // Work in unsigned so that INT64_MIN has a magnitude.
  std::uint64_t magnitude = negative ? ~static_cast<std::uint64_t>(minor) + 1u
                                     : static_cast<std::uint64_t>(minor);
  // std::to_chars, not fmt::format: this formats every response's amount.
  char text[32];
  char* end = text;
  if (negative) *end++ = '-';
  if (exponent <= 0 || exponent > 4) {
    end = std::to_chars(end, text + sizeof text, magnitude).ptr;
    return std::string(text, end);
  }
  auto scale = static_cast<std::uint64_t>(kPow10[exponent]);
  end = std::to_chars(end, text + sizeof text, magnitude / scale).ptr;
  *end++ = '.';
  // The fraction, zero-padded to `exponent` digits.
  std::uint64_t fraction = magnitude % scale;
  for (int digit = exponent - 1; digit >= 0; --digit) {
    end[digit] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  end += exponent;
  return std::string(text, end);
}

std::optional<std::int64_t> checked_add(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return std::nullopt;
  return out;
}

std::optional<std::int64_t> checked_sub(std::int64_t a, std::int64_t b) {
  std::int64_t out = 0;
  if (__builtin_sub_overflow(a, b, &out)) return std::nullopt;
  return out;
}

}  // namespace ledger
