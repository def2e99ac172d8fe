// The request being served on this thread, and its one log line on stderr:
//   2024-05-01T12:00:00.123Z request_id=7f3a... principal=till:7 method=POST
//   path=/v1/transfers status=201 replayed=false duration_ms=3.2 key=sha256:1a2b3c4d5e6f
// Never the token; never the idempotency key itself, only a short SHA-256 prefix of it
// (enough to match retries of one key in the log, useless to replay it).
//
// httplib serves each connection on one thread from request line to logged response, so
// the facts a handler learns (principal, replay, key) travel to the logger through a
// thread_local context rather than through httplib's Request.
#pragma once

#include <httplib.h>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ledgerd {

struct RequestContext {
  bool started = false;
  std::string id;  // the Request-Id header's value
  std::chrono::steady_clock::time_point start;
  std::string principal;         // empty until authenticated
  std::optional<bool> replayed;  // set by money-moving requests
  std::string key_fingerprint;   // "sha256:" + 12 hex digits, or empty
};

// This thread's request.
[[nodiscard]] RequestContext& current_request();

// Starts a request on this thread (a fresh id, the clock) unless one is started, and sets
// the Request-Id header on `res`.
void begin_request(httplib::Response& res);

// Records the idempotency key of this request (only its fingerprint is kept).
void note_key(std::string_view key);

// "sha256:" + the first 12 hex digits of SHA-256(key).
[[nodiscard]] std::string key_fingerprint(std::string_view key);

// Writes the request's log line to stderr and ends the request on this thread.
void log_request(const httplib::Request& req, const httplib::Response& res);

}  // namespace ledgerd
