// The HTTP face of every refusal: the status and the error body
// {"error":{"type","code","message","param"?}} (SPEC 8), for refusals ledgerd makes itself
// (bad JSON, no token, not permitted), for the engine's outcomes that are not stored
// (conflicts, malformed requests) and for its operating errors (busy, I/O, corrupt).
// Stored outcomes (201, 402) are not errors here: their body is the engine's stored body.
#pragma once

#include <httplib.h>

#include <stdexcept>
#include <string>

#include "ledger/error.h"
#include "ledger/types.h"

namespace ledgerd {

struct ApiError {
  int status = 500;
  std::string type;     // invalid_request, idempotency_error, authentication_error, ...
  std::string code;     // stable snake_case, e.g. idempotency_key_missing
  std::string message;  // what was wrong and what to do next
  std::string param;    // the request field at fault (HTTP name), or empty
};

// Thrown by the request's parsing and checks; the route wrapper answers with it. Nothing
// has been stored when it is thrown.
class ApiException : public std::runtime_error {
 public:
  explicit ApiException(ApiError error)
      : std::runtime_error(error.message), error_(std::move(error)) {}
  [[nodiscard]] const ApiError& error() const { return error_; }

 private:
  ApiError error_;
};

// 400 invalid_request naming `param`.
[[nodiscard]] ApiException bad_request(std::string message, std::string param = {});
// 404 not_found.
[[nodiscard]] ApiException not_found(std::string message);
// 403 permission_error (account_not_permitted or admin_required).
[[nodiscard]] ApiException forbidden(std::string code, std::string message, std::string param);

// {"error":{...}}: the compact JSON text of an error body.
[[nodiscard]] std::string error_body(const ApiError& error);

// Writes `error` to `res`: status, JSON body, and Retry-After on a 503.
void send_error(httplib::Response& res, const ApiError& error);

// The HTTP status of an engine outcome: created 201, stored rejection 402, conflict 422,
// malformed 400.
[[nodiscard]] int status_for(ledger::Outcome outcome);

// The error for an outcome that is not stored (a conflict or a malformed request).
// REQUIRES: outcome_class(result.outcome) is conflict or malformed.
[[nodiscard]] ApiError unstored_outcome_error(const ledger::TransferResult& result);

// The error for an operating error of the engine: 503 (busy, io: retry with the same key),
// 404, 409, 400, or 500 (not a ledger, corrupt, internal).
[[nodiscard]] ApiError operating_error(const ledger::Error& error);

// 500 for a failure that is nobody's fault but ours.
[[nodiscard]] ApiError internal_error(const std::string& what);

}  // namespace ledgerd
