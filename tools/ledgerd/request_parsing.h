// Reading request bodies and parameters strictly: a body is one JSON object whose fields
// are all known and of the right type, amounts are decimal strings in the currency's
// minor units (ledger::parse_amount), numbers in paths and queries are plain digits.
// Every refusal is an ApiException (400 naming the field in error.param, or 413); nothing
// is stored by a refused request.
#pragma once

#include <httplib.h>

#include <cstdint>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ledgerd {

// The largest request body ledgerd reads; a larger one gets 413.
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;

// Reads the body of a POST with `reader`, at most kMaxBodyBytes. Throws ApiException 413
// when it is larger (a chunked body is read on up to a bound and dropped, so that the
// connection stays usable), 400 when it cannot be read.
[[nodiscard]] std::string read_body(const httplib::ContentReader& reader,
                                    const httplib::Response& res);

// One JSON object from a request body, read field by field.
class JsonFields {
 public:
  // Parses `text` (empty text is the empty object when `empty_is_object`) and refuses any
  // field not in `allowed`. `prefix` names the object in error.param, e.g. "items[2].".
  JsonFields(std::string_view text, std::initializer_list<std::string_view> allowed,
             bool empty_is_object = false);
  // A nested object (e.g. a batch item) checked the same way.
  JsonFields(const nlohmann::json& object, std::initializer_list<std::string_view> allowed,
             std::string prefix);

  [[nodiscard]] std::string required_string(std::string_view name) const;
  [[nodiscard]] std::optional<std::string> optional_string(std::string_view name) const;
  [[nodiscard]] std::optional<std::int64_t> optional_integer(std::string_view name,
                                                             std::int64_t min,
                                                             std::int64_t max) const;
  [[nodiscard]] std::optional<bool> optional_bool(std::string_view name) const;
  // REQUIRES the field to be an array of at most max_items; throws 400 otherwise.
  [[nodiscard]] const nlohmann::json& required_array(std::string_view name,
                                                     std::size_t max_items) const;
  // The field's name as error.param says it: prefix + name.
  [[nodiscard]] std::string param(std::string_view name) const;

 private:
  void check_fields(std::initializer_list<std::string_view> allowed) const;
  [[nodiscard]] const nlohmann::json* find(std::string_view name) const;

  nlohmann::json object_;
  std::string prefix_;
};

// The minor-unit exponent of `currency`; 400 naming `param` for an unknown code.
[[nodiscard]] int exponent_of(const std::string& currency, const std::string& param);

// Parses a decimal amount such as "12.34" in a currency with `exponent` digits; 400 naming
// `param` for anything else (a sign, an exponent, too many digits, too large, empty).
[[nodiscard]] std::int64_t parse_money(const std::string& text, const std::string& currency,
                                       int exponent, const std::string& param);

// Plain decimal digits from `min` to `max`; 400 naming `param` otherwise.
[[nodiscard]] std::int64_t parse_digits(std::string_view text, const std::string& param,
                                        std::int64_t min, std::int64_t max);

// The sequence number captured by the route's first group, e.g. /v1/transfers/(\d+).
[[nodiscard]] std::int64_t path_sequence(const httplib::Request& req);

// Checks an idempotency key's text (SPEC 4: 1..255 printable ASCII); 400 naming `param`.
void check_key_text(const std::string& key, const std::string& param);

}  // namespace ledgerd
