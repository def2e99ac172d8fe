// The Idempotency-Key request header (draft-ietf-httpapi-idempotency-key-header): the key
// sent bare (Stripe's form, `Idempotency-Key: 8e03978e-...`) or as an RFC 8941 sf-string
// (the draft's form, `Idempotency-Key: "8e03978e-..."`). Both spellings are the same key.
#pragma once

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

namespace ledgerd {

inline constexpr const char* kIdempotencyKeyHeader = "Idempotency-Key";

// The key an RFC 8941 sf-string stands for: `"..."` of printable ASCII where only \" and
// \\ are escapes. nullopt if `text` is not exactly one such string.
[[nodiscard]] std::optional<std::string> parse_sf_string(std::string_view text);

// The request's key. A value starting with a double quote must be an sf-string; any other
// value is the key itself. Throws ApiException: 400 idempotency_key_missing without the
// header, 400 invalid_request (param Idempotency-Key) for a malformed value, two headers,
// or a key that is not 1..255 printable ASCII characters.
[[nodiscard]] std::string idempotency_key(const httplib::Request& req);

}  // namespace ledgerd
