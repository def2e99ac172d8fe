// One logical request to ledgerd, sent as many times as the retry policy allows: the
// HTTP half of ledger::Client. It knows nothing of what the request means; the caller
// gives the method, path, body and idempotency key, which are sent unchanged on every
// attempt.
#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "client/retry_policy.h"
#include "ledger/client.h"

namespace ledger::client_detail {

struct HttpRequest {
  enum class Method { get, post };
  Method method = Method::get;
  std::string path;  // already percent-encoded, with its query
  std::string body;  // JSON, for POST
  std::string key;   // Idempotency-Key header; empty: none sent
  // POST /v1/accounts answers 409 when the account exists: a final answer, not the
  // "key in use" 409 that a retry outlives.
  bool conflict_is_final = false;
};

class HttpExchange {
 public:
  // Throws ledger::Error(invalid_argument) when options.base_url is not
  // http(s)://HOST:PORT, the token is empty or the retry policy is unusable.
  HttpExchange(const ClientOptions& options, std::unique_ptr<RetryEnvironment> environment);
  ~HttpExchange();

  // Sends `request` until a final answer, or until the policy stops; see ledger::Reply.
  [[nodiscard]] Reply send(const HttpRequest& request);

 private:
  AttemptVerdict attempt(const HttpRequest& request, milliseconds remaining, Reply& reply);

  ClientOptions options_;
  std::unique_ptr<RetryEnvironment> environment_;
  std::unique_ptr<httplib::Client> http_;
};

// `text` percent-encoded for one path segment (RFC 3986: unreserved characters and
// ':' '@' stay as they are), e.g. an account code or a key.
[[nodiscard]] std::string encode_path_segment(const std::string& text);

}  // namespace ledger::client_detail
