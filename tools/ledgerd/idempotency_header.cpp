#include "idempotency_header.h"

#include "http_errors.h"
#include "request_parsing.h"

namespace ledgerd {

std::optional<std::string> parse_sf_string(std::string_view text) {
  if (text.size() < 2 || text.front() != '"' || text.back() != '"') return std::nullopt;
  std::string key;
  for (std::size_t i = 1; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c == '\\') {
      if (i + 2 >= text.size()) return std::nullopt;  // the closing quote cannot be escaped
      c = text[++i];
      if (c != '"' && c != '\\') return std::nullopt;
    } else if (c == '"' || c < 0x20 || c > 0x7e) {
      return std::nullopt;
    }
    key += c;
  }
  return key;
}

std::string idempotency_key(const httplib::Request& req) {
  const std::size_t count = req.get_header_value_count(kIdempotencyKeyHeader);
  if (count == 0) {
    throw ApiException({400, "invalid_request", "idempotency_key_missing",
                        "the Idempotency-Key header is missing: send one key per logical "
                        "operation (e.g. a UUID, or one from POST /v1/idempotency-keys) and "
                        "the same key on every retry",
                        kIdempotencyKeyHeader});
  }
  if (count > 1) {
    throw bad_request("the request has more than one Idempotency-Key header: send exactly one",
                      kIdempotencyKeyHeader);
  }
  const std::string value = req.get_header_value(kIdempotencyKeyHeader);
  if (value.empty() || value.front() != '"') {
    check_key_text(value, kIdempotencyKeyHeader);
    return value;
  }
  const std::optional<std::string> key = parse_sf_string(value);
  if (!key) {
    throw bad_request(
        "the Idempotency-Key header starts with a double quote but is not an "
        "RFC 8941 string: write \"key\" with \\\" and \\\\ as the only escapes, or "
        "send the key bare",
        kIdempotencyKeyHeader);
  }
  check_key_text(*key, kIdempotencyKeyHeader);
  return *key;
}

}  // namespace ledgerd
