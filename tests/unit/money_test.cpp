// Goal: money text is parsed and formatted exactly, and every bad input is refused.
// Method: tables of good and bad inputs per exponent, plus an exhaustive round-trip sweep.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>

#include "ledger/money.h"

using namespace ledger;

TEST_CASE("currency exponents follow ISO 4217") {
  CHECK(currency_exponent("EUR") == 2);
  CHECK(currency_exponent("USD") == 2);
  CHECK(currency_exponent("JPY") == 0);
  CHECK(currency_exponent("KRW") == 0);
  CHECK(currency_exponent("BHD") == 3);
  CHECK(currency_exponent("KWD") == 3);
  CHECK(currency_exponent("CLF") == 4);
  CHECK_FALSE(currency_exponent("eur"));
  CHECK_FALSE(currency_exponent("XXX"));
  CHECK_FALSE(currency_exponent(""));
  CHECK_FALSE(currency_exponent("EURO"));
  // The ends of the table, and codes just outside it.
  CHECK(currency_exponent("AED") == 2);
  CHECK(currency_exponent("ZWL") == 2);
  CHECK(currency_exponent("XPF") == 0);
  CHECK(currency_exponent("UYW") == 4);
  CHECK_FALSE(currency_exponent("AAA"));
  CHECK_FALSE(currency_exponent("ZZZ"));
  CHECK_FALSE(currency_exponent(std::string_view("EU\0", 3)));
  CHECK_FALSE(currency_exponent("E\xc3\x9f"));
}

TEST_CASE("valid decimal text parses to exact minor units") {
  struct Case { const char* text; int exponent; std::int64_t minor; };
  const Case cases[] = {
      {"12.34", 2, 1234}, {"12", 2, 1200},    {"12.3", 2, 1230}, {"0.01", 2, 1},
      {"0", 2, 0},        {"0.00", 2, 0},     {"007", 2, 700},   {"5", 0, 5},
      {"1.234", 3, 1234}, {"1.5", 3, 1500},   {"0.0001", 4, 1},
      {"92233720368547758.07", 2, std::numeric_limits<std::int64_t>::max()},
      {"9223372036854775807", 0, std::numeric_limits<std::int64_t>::max()},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CAPTURE(c.exponent);
    auto parsed = parse_amount(c.text, c.exponent);
    REQUIRE(parsed.ok());
    CHECK(parsed.minor == c.minor);
  }
}

TEST_CASE("malformed or out-of-range text is refused with a reason") {
  struct Case { const char* text; int exponent; const char* reason_part; };
  const Case cases[] = {
      {"", 2, "empty"},
      {"-1", 2, "only digits"},
      {"+1", 2, "only digits"},
      {"1e3", 2, "only digits"},
      {"abc", 2, "only digits"},
      {" 1", 2, "only digits"},
      {"1 ", 2, "only digits"},
      {"1,00", 2, "only digits"},
      {"1.2.3", 2, "only digits"},
      {".5", 2, "before '.'"},
      {"5.", 2, "after '.'"},
      {"0.001", 2, "2 decimal places"},
      {"1.5", 0, "0 decimal places"},
      {"99999999999999999999", 2, "larger"},
      {"92233720368547758.08", 2, "larger"},
      {"9223372036854775808", 0, "larger"},
      {"0x10", 2, "only digits"},
      {"１２", 2, "only digits"},  // full-width digits
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto parsed = parse_amount(c.text, c.exponent);
    CHECK_FALSE(parsed.ok());
    CHECK(parsed.error.find(c.reason_part) != std::string::npos);
    CHECK(parsed.error.find("invalid amount") == 0);
  }
}

TEST_CASE("formatting writes exactly the exponent's digits") {
  CHECK(format_amount(1234, 2) == "12.34");
  CHECK(format_amount(5, 2) == "0.05");
  CHECK(format_amount(-5, 2) == "-0.05");
  CHECK(format_amount(0, 2) == "0.00");
  CHECK(format_amount(7, 0) == "7");
  CHECK(format_amount(1, 3) == "0.001");
  CHECK(format_amount(std::numeric_limits<std::int64_t>::min(), 2) == "-92233720368547758.08");
  CHECK(format_amount(std::numeric_limits<std::int64_t>::max(), 0) == "9223372036854775807");
  CHECK(format_amount(std::numeric_limits<std::int64_t>::min(), 0) == "-9223372036854775808");
  CHECK(format_amount(std::numeric_limits<std::int64_t>::max(), 4) == "922337203685477.5807");
  CHECK(format_amount(-10000, 4) == "-1.0000");
  CHECK(format_amount(1050, 3) == "1.050");
}

TEST_CASE("parse then format round-trips for every exponent") {
  std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 random(seed);
  for (int exponent = 0; exponent <= 4; ++exponent) {
    for (std::int64_t minor = 0; minor < 2000; ++minor) {
      auto text = format_amount(minor, exponent);
      auto parsed = parse_amount(text, exponent);
      REQUIRE(parsed.ok());
      REQUIRE(parsed.minor == minor);
    }
    for (int i = 0; i < 5000; ++i) {
      auto minor = static_cast<std::int64_t>(random() >> 1);
      auto parsed = parse_amount(format_amount(minor, exponent), exponent);
      REQUIRE(parsed.ok());
      REQUIRE(parsed.minor == minor);
    }
  }
}

TEST_CASE("checked arithmetic refuses overflow instead of wrapping") {
  constexpr auto max = std::numeric_limits<std::int64_t>::max();
  constexpr auto min = std::numeric_limits<std::int64_t>::min();
  CHECK(checked_add(1, 2) == 3);
  CHECK_FALSE(checked_add(max, 1));
  CHECK_FALSE(checked_add(min, -1));
  CHECK(checked_add(max, min) == -1);
  CHECK(checked_sub(0, max) == -max);
  CHECK_FALSE(checked_sub(min, 1));
  CHECK_FALSE(checked_sub(0, min));
}
