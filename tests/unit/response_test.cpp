// Goal: a ResponseBody dumps byte for byte what the engine stored before it existed:
// nlohmann's dump(-1, ' ', false, error_handler_t::replace) of the same std::map-backed json
// object. Stored responses are replayed and compared byte for byte, so any difference would
// change what a retry of an old key returns.
// Method: every operation is done on a ResponseBody and on a reference nlohmann::json side
// by side and the dumps compared: hand-picked cases (mixed fields, replaced, erased and merged
// keys, hostile strings, int64 limits), a few literal expectations, and a seeded random
// sequence of operations over random bytes.
#include "response.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

using ledger::detail::ResponseBody;
using json = nlohmann::json;

namespace {

std::string reference_dump(const json& object) {
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// Text values whose escaping is easy to get wrong.
const std::vector<std::string>& hostile_texts() {
  static const std::vector<std::string> texts = {
      "",
      "plain",
      "quote \" inside",
      "back\\slash and \\\" both",
      "slash / is not escaped",
      std::string("nul \0 byte", 10),
      "\x01\x02\x07\x08\t\n\x0b\x0c\r\x1b\x1f control",
      "\x7f delete",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 valid UTF-8",
      "\u2028 line separator \u2029",
      "lone continuation \x80 byte",
      "truncated \xe2\x82",
      "overlong \xc0\xaf slash",
      "surrogate \xed\xa0\x80 half",
      "beyond U+10FFFF \xf4\x90\x80\x80",
      "\xff\xfe invalid lead bytes",
      "ends in a lead byte \xc3",
      std::string(300, 'x') + "\"" + std::string(600, '\\'),  // longer than nlohmann's buffer
      std::string(1000, '\xff'),
  };
  return texts;
}

}  // namespace

TEST_CASE("a response body dumps keys sorted, compact, like a std::map json object") {
  ResponseBody body{{"principal", "till:1"},
                    {"key", std::string("k-1")},
                    {"amount_minor", 1250},
                    {"amount", "12.50"},
                    {"memo", ""},
                    {"a", -1},
                    {"a_b", 2},
                    {"ab", 3},
                    {"a0", 4}};
  json reference{{"principal", "till:1"},
                 {"key", "k-1"},
                 {"amount_minor", 1250},
                 {"amount", "12.50"},
                 {"memo", ""},
                 {"a", -1},
                 {"a_b", 2},
                 {"ab", 3},
                 {"a0", 4}};
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() ==
        R"({"a":-1,"a0":4,"a_b":2,"ab":3,"amount":"12.50","amount_minor":1250,"key":"k-1",)"
        R"("memo":"","principal":"till:1"})");
  CHECK(ResponseBody{}.dump() == "{}");
  CHECK(ResponseBody{}.dump() == reference_dump(json::object()));
}

TEST_CASE("set replaces a field's value and kind, and the first of repeated keys wins") {
  ResponseBody body{{"status", "created"}, {"sequence", 7}, {"status", "ignored"}};
  json reference{{"status", "created"}, {"sequence", 7}, {"status", "ignored"}};
  CHECK(body.size() == 2);
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() == R"({"sequence":7,"status":"created"})");

  body.set("status", "rejected");
  reference["status"] = "rejected";
  body.set("sequence", std::string("now text"));
  reference["sequence"] = "now text";
  body.set("error", 5);
  reference["error"] = 5;
  body.set("error", "insufficient_funds");
  reference["error"] = "insufficient_funds";
  CHECK(body.size() == 3);
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() ==
        R"({"error":"insufficient_funds","sequence":"now text","status":"rejected"})");
}

TEST_CASE("a JSON field is written as it is, sorted among the others, and replaced like any") {
  ResponseBody body{{"status", "rejected"}, {"amount_minor", 5}};
  nlohmann::json reference = {{"status", "rejected"}, {"amount_minor", 5}};
  const nlohmann::json error = {{"code", "insufficient_funds"}, {"message", "not \"enough\""},
                                {"type", "request_failed"}};
  body.set_json("error", error.dump());
  reference["error"] = error;
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() ==
        R"({"amount_minor":5,"error":{"code":"insufficient_funds","message":"not \"enough\"",)"
        R"("type":"request_failed"},"status":"rejected"})");
  body.set("error", "plain");  // a text value replaces the JSON one, escaped as text again
  reference["error"] = "plain";
  CHECK(body.dump() == reference_dump(reference));
  ResponseBody copy;
  body.set_json("error", "[1,2]");
  copy.update(body);  // update() keeps the kind
  CHECK(copy.dump() == R"({"amount_minor":5,"error":[1,2],"status":"rejected"})");
}

TEST_CASE("erase removes a field, and erasing a missing key changes nothing") {
  ResponseBody body{
      {"principal", "p"}, {"pending_id", 3}, {"requested_amount_minor", 0}, {"memo", "m"}};
  json reference{
      {"principal", "p"}, {"pending_id", 3}, {"requested_amount_minor", 0}, {"memo", "m"}};
  CHECK(body.erase("requested_amount_minor") == reference.erase("requested_amount_minor"));
  CHECK(body.erase("requested_amount_minor") == reference.erase("requested_amount_minor"));
  CHECK(body.erase("absent") == 0);
  CHECK_FALSE(body.contains("requested_amount_minor"));
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() == R"({"memo":"m","pending_id":3,"principal":"p"})");
  body.erase("memo");
  body.erase("pending_id");
  body.erase("principal");
  CHECK(body.empty());
  CHECK(body.dump() == "{}");
}

TEST_CASE("update merges another body, its fields replacing ours") {
  ResponseBody echo{
      {"principal", "till:1"}, {"amount", "1.00"}, {"amount_minor", 100}, {"memo", "x"}};
  json reference{{"principal", "till:1"}, {"amount", "1.00"}, {"amount_minor", 100}, {"memo", "x"}};
  ResponseBody fields{{"sequence", 9}, {"amount", "0.40"}, {"memo", 40}};
  json reference_fields{{"sequence", 9}, {"amount", "0.40"}, {"memo", 40}};
  echo.set("created_at", kMax);
  reference["created_at"] = kMax;
  echo.update(fields);
  reference.update(reference_fields);
  CHECK(echo.dump() == reference_dump(reference));
  CHECK(echo.dump() ==
        R"({"amount":"0.40","amount_minor":100,"created_at":9223372036854775807,"memo":40,)"
        R"("principal":"till:1","sequence":9})");
  echo.update(ResponseBody{});
  echo.update(echo);
  CHECK(echo.dump() == reference_dump(reference));
}

TEST_CASE("integers at the int64 limits and small integer types dump like nlohmann") {
  ResponseBody body{{"min", kMin}, {"max", kMax}, {"zero", 0}, {"minus_one", -1}};
  json reference{{"min", kMin}, {"max", kMax}, {"zero", 0}, {"minus_one", -1}};
  body.set("int32", std::numeric_limits<std::int32_t>::min());
  reference["int32"] = std::numeric_limits<std::int32_t>::min();
  body.set("uint32", std::numeric_limits<std::uint32_t>::max());
  reference["uint32"] = std::numeric_limits<std::uint32_t>::max();
  CHECK(body.dump() == reference_dump(reference));
  CHECK(body.dump() ==
        R"({"int32":-2147483648,"max":9223372036854775807,"min":-9223372036854775808,)"
        R"("minus_one":-1,"uint32":4294967295,"zero":0})");
}

TEST_CASE("text values are escaped exactly as nlohmann escapes them, invalid UTF-8 replaced") {
  int i = 0;
  for (const std::string& text : hostile_texts()) {
    CAPTURE(i);
    ResponseBody body{{"memo", text}, {"amount_minor", i}};
    json reference{{"memo", text}, {"amount_minor", i}};
    CHECK(body.dump() == reference_dump(reference));
    body.set("key", text);
    reference["key"] = text;
    body.set("memo", text + text);
    reference["memo"] = text + text;
    CHECK(body.dump() == reference_dump(reference));
    ++i;
  }
  // A few literal expectations, so the reference itself is pinned down too.
  CHECK(ResponseBody{{"m", "a\"b\\c\n\x01"}}.dump() == R"({"m":"a\"b\\c\n\u0001"})");
  CHECK(ResponseBody{{"m", "caf\xc3\xa9"}}.dump() == "{\"m\":\"caf\xc3\xa9\"}");
  CHECK(ResponseBody{{"m", "bad \xff!"}}.dump() == "{\"m\":\"bad \xef\xbf\xbd!\"}");
}

// dump() copies plain printable ASCII itself and hands everything else to nlohmann: every
// byte value, alone and inside plain text, must come out as nlohmann writes it.
TEST_CASE("every byte value, alone and amid plain text, dumps like nlohmann") {
  for (int value = 0; value < 256; ++value) {
    CAPTURE(value);
    const std::string byte(1, static_cast<char>(value));
    for (const std::string& text : {byte, "till " + byte + " 7", byte + byte + "x"}) {
      CHECK(ResponseBody{{"memo", text}}.dump() == reference_dump(json{{"memo", text}}));
    }
  }
}

TEST_CASE("random sequences of set, erase and update dump like the reference") {
  const std::vector<const char*> keys = {
      "a",          "a0",    "a_b",  "ab",   "amount", "amount_minor", "b",
      "created_at", "error", "key",  "memo", "z",      "z_",           "sequence",
      "status",     "to",    "from", "1",    "_"};
  std::mt19937_64 rng(20240611);
  auto pick = [&](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  auto random_text = [&] {
    std::string text(pick(24), '\0');
    for (char& c : text) {
      // Mostly printable ASCII, sometimes any byte (control, quote, backslash, >= 0x80).
      c = pick(4) == 0 ? static_cast<char>(rng()) : static_cast<char>(0x20 + pick(95));
    }
    return text;
  };
  auto random_integer = [&] {
    switch (pick(4)) {
      case 0:
        return kMin + static_cast<std::int64_t>(pick(3));
      case 1:
        return kMax - static_cast<std::int64_t>(pick(3));
      default:
        return static_cast<std::int64_t>(rng());
    }
  };
  for (int round = 0; round < 300; ++round) {
    CAPTURE(round);
    ResponseBody body;
    json reference = json::object();
    for (int step = 0; step < 40; ++step) {
      const char* key = keys[pick(keys.size())];
      switch (pick(5)) {
        case 0:
        case 1: {
          std::string text = random_text();
          body.set(key, text);
          reference[key] = text;
          break;
        }
        case 2: {
          std::int64_t value = random_integer();
          body.set(key, value);
          reference[key] = value;
          break;
        }
        case 3:
          CHECK(body.erase(key) == reference.erase(key));
          break;
        default: {
          ResponseBody other;
          json reference_other = json::object();
          for (std::size_t n = pick(4); n > 0; --n) {
            const char* other_key = keys[pick(keys.size())];
            if (pick(2) == 0) {
              std::string text = random_text();
              other.set(other_key, text);
              reference_other[other_key] = text;
            } else {
              std::int64_t value = random_integer();
              other.set(other_key, value);
              reference_other[other_key] = value;
            }
          }
          body.update(other);
          reference.update(reference_other);
          break;
        }
      }
      REQUIRE(body.size() == reference.size());
      REQUIRE(body.dump() == reference_dump(reference));
    }
  }
}

TEST_CASE("only plain identifiers are accepted as keys, since keys are written unescaped") {
  static_assert(ResponseBody::is_plain_key("amount_minor"));
  static_assert(ResponseBody::is_plain_key("a0_"));
  CHECK_FALSE(ResponseBody::is_plain_key(""));
  CHECK_FALSE(ResponseBody::is_plain_key("a\"b"));
  CHECK_FALSE(ResponseBody::is_plain_key("a\\b"));
  CHECK_FALSE(ResponseBody::is_plain_key("Amount"));
  CHECK_FALSE(ResponseBody::is_plain_key("caf\xc3\xa9"));
}
