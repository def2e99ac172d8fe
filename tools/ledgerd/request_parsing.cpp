#include "request_parsing.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>
#include <vector>

#include "http_errors.h"
#include "ledger/money.h"
#include "output.h"

namespace ledgerd {
namespace {

using json = nlohmann::json;

// A body past the limit that is sent chunked (no Content-Length) is read on and dropped up
// to this many bytes, so that the reply can go out on a connection still in step; beyond
// it the read stops and the connection is closed by the failed read.
constexpr std::size_t kMaxDrainBytes = 1024 * 1024;

ApiException too_large() {
  return ApiException({413,
                       "invalid_request",
                       "request_too_large",
                       fmt::format("the request body is larger than {} bytes: send fewer "
                                   "items (e.g. split a batch) or a shorter memo",
                                   kMaxBodyBytes),
                       {}});
}

const char* type_name(const json& value) {
  return value.is_number()    ? "a number"
         : value.is_string()  ? "a string"
         : value.is_boolean() ? "a boolean"
         : value.is_array()   ? "an array"
         : value.is_object()  ? "an object"
                              : "null";
}

// JSON text parsed with every object's names checked for repeats: {"amount":"1.00",
// "amount":"900.00"} means different amounts to different parsers, so a money request
// with a repeated name is refused rather than read one way.
json parse_without_duplicates(std::string_view text) {
  std::vector<std::set<std::string>> names;  // one set per object being parsed
  std::string repeated;
  json parsed = json::parse(
      text,
      [&](int, json::parse_event_t event, json& value) {
        if (event == json::parse_event_t::object_start) names.emplace_back();
        if (event == json::parse_event_t::object_end) names.pop_back();
        if (event == json::parse_event_t::key && !names.back().insert(value.get<std::string>()).second) {
          repeated = value.get<std::string>();
        }
        return true;
      },
      /*allow_exceptions=*/false);
  if (!repeated.empty() && !parsed.is_discarded()) {
    throw bad_request(fmt::format("the field \"{}\" appears twice: send each field once",
                                  ledgerctl::one_line(repeated)),
                      repeated);
  }
  return parsed;
}

}  // namespace

std::string read_body(const httplib::ContentReader& reader, const httplib::Response& res) {
  std::string body;
  bool over = false;
  std::size_t dropped = 0;
  const bool read = reader([&](const char* data, std::size_t length) {
    if (over || body.size() + length > kMaxBodyBytes) {
      over = true;
      dropped += length;
      return dropped <= kMaxDrainBytes;
    }
    body.append(data, length);
    return true;
  });
  // httplib answers a Content-Length past set_payload_max_length with status 413 itself.
  if (over || res.status == 413) throw too_large();
  if (!read) {
    throw bad_request(
        "the request body could not be read (cut short or malformed chunked "
        "encoding): send it again with a Content-Length");
  }
  return body;
}

JsonFields::JsonFields(std::string_view text, std::initializer_list<std::string_view> allowed,
                       bool empty_is_object) {
  if (text.empty() && empty_is_object) {
    object_ = json::object();
  } else {
    object_ = parse_without_duplicates(text);
  }
  if (object_.is_discarded() || !object_.is_object()) {
    throw bad_request(
        "the request body is not one JSON object: send e.g. "
        "{\"from\":\"customer:42\",\"to\":\"till:7\",\"amount\":\"12.34\","
        "\"currency\":\"EUR\"} with Content-Type: application/json");
  }
  check_fields(allowed);
}

JsonFields::JsonFields(const json& object, std::initializer_list<std::string_view> allowed,
                       std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {
  if (!object_.is_object()) {
    throw bad_request(fmt::format("{} must be a JSON object, not {}",
                                  prefix_.substr(0, prefix_.size() - 1), type_name(object_)),
                      prefix_.substr(0, prefix_.size() - 1));
  }
  check_fields(allowed);
}

void JsonFields::check_fields(std::initializer_list<std::string_view> allowed) const {
  for (const auto& [name, value] : object_.items()) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      std::string known;
      for (const auto field : allowed) known += (known.empty() ? "" : ", ") + std::string(field);
      throw bad_request(fmt::format("unknown field \"{}\": this request takes only {}",
                                    ledgerctl::one_line(name), known),
                        param(name));
    }
  }
}

const json* JsonFields::find(std::string_view name) const {
  const auto it = object_.find(name);
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

std::string JsonFields::param(std::string_view name) const { return prefix_ + std::string(name); }

std::string JsonFields::required_string(std::string_view name) const {
  auto value = optional_string(name);
  if (!value) throw bad_request(fmt::format("\"{}\" is missing", name), param(name));
  return std::move(*value);
}

std::optional<std::string> JsonFields::optional_string(std::string_view name) const {
  const json* value = find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) {
    throw bad_request(fmt::format("\"{}\" must be a string, not {}{}", name, type_name(*value),
                                  name == "amount" ? " (write amounts as decimal text, e.g. "
                                                     "\"12.34\")"
                                                   : ""),
                      param(name));
  }
  return value->get<std::string>();
}

std::optional<std::int64_t> JsonFields::optional_integer(std::string_view name, std::int64_t min,
                                                         std::int64_t max) const {
  const json* value = find(name);
  if (value == nullptr) return std::nullopt;
  const bool integer = value->is_number_integer() ||
                       (value->is_number_unsigned() &&
                        value->get<std::uint64_t>() <=
                            static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()));
  if (!integer || value->get<std::int64_t>() < min || value->get<std::int64_t>() > max) {
    throw bad_request(fmt::format("\"{}\" must be a whole number from {} to {}", name, min, max),
                      param(name));
  }
  return value->get<std::int64_t>();
}

std::optional<bool> JsonFields::optional_bool(std::string_view name) const {
  const json* value = find(name);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    throw bad_request(fmt::format("\"{}\" must be true or false, not {}", name, type_name(*value)),
                      param(name));
  }
  return value->get<bool>();
}

const json& JsonFields::required_array(std::string_view name, std::size_t max_items) const {
  const json* value = find(name);
  if (value == nullptr || !value->is_array() || value->empty() || value->size() > max_items) {
    throw bad_request(fmt::format("\"{}\" must be an array of 1 to {} items", name, max_items),
                      param(name));
  }
  return *value;
}

int exponent_of(const std::string& currency, const std::string& param) {
  if (const auto exponent = ledger::currency_exponent(currency)) return *exponent;
  throw bad_request(fmt::format("unknown currency \"{}\": use an upper-case ISO 4217 code such "
                                "as EUR, USD, JPY or BHD",
                                ledgerctl::one_line(currency)),
                    param);
}

std::int64_t parse_money(const std::string& text, const std::string& currency, int exponent,
                         const std::string& param) {
  const ledger::AmountParse parsed = ledger::parse_amount(text, exponent);
  if (parsed.ok()) return parsed.minor;
  throw bad_request(fmt::format("bad {} \"{}\" for {} ({} decimal places, e.g. \"{}\"): {}", param,
                                ledgerctl::one_line(text), currency, exponent,
                                ledger::format_amount(1234, exponent), parsed.error),
                    param);
}

std::int64_t parse_digits(std::string_view text, const std::string& param, std::int64_t min,
                          std::int64_t max) {
  std::int64_t value = 0;
  const bool digits = !text.empty() && std::all_of(text.begin(), text.end(),
                                                   [](char c) { return c >= '0' && c <= '9'; });
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (!digits || error != std::errc{} || end != text.data() + text.size() || value < min ||
      value > max) {
    throw bad_request(fmt::format("{} \"{}\" is not a whole number from {} to {}", param,
                                  ledgerctl::one_line(text), min, max),
                      param);
  }
  return value;
}

std::int64_t path_sequence(const httplib::Request& req) {
  return parse_digits(req.matches[1].str(), "seq", 1, std::numeric_limits<std::int64_t>::max());
}

void check_key_text(const std::string& key, const std::string& param) {
  const bool printable =
      std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (key.empty() || key.size() > 255 || !printable) {
    throw bad_request(fmt::format("{} must be 1 to 255 printable ASCII characters (got {} "
                                  "bytes): use e.g. a UUID, or one issued by POST "
                                  "/v1/idempotency-keys",
                                  param, key.size()),
                      param);
  }
}

}  // namespace ledgerd
