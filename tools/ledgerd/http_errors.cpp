#include "http_errors.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <string_view>

#include "output.h"

namespace ledgerd {
namespace {

using json = nlohmann::ordered_json;

// The engine's name of the first differing field, in the words of the HTTP request.
std::string http_field_name(std::string_view engine_field) {
  if (engine_field == "debit_account") return "from";
  if (engine_field == "credit_account") return "to";
  if (engine_field == "timeout") return "timeout_seconds";
  if (engine_field == "pending_sequence" || engine_field == "original_sequence") return "seq";
  return std::string(engine_field);
}

// The stable HTTP code of an idempotency conflict.
std::string conflict_code(ledger::Outcome outcome) {
  switch (outcome) {
    case ledger::Outcome::key_reused_with_different_request:
      return "idempotency_key_reused";
    case ledger::Outcome::key_unknown:
      return "idempotency_key_unknown";
    case ledger::Outcome::key_expired:
      return "idempotency_key_expired";
    case ledger::Outcome::key_operation_mismatch:
      return "idempotency_key_operation_mismatch";
    default:
      return ledger::to_string(outcome);
  }
}

}  // namespace

ApiException bad_request(std::string message, std::string param) {
  return ApiException(
      {400, "invalid_request", "invalid_request", std::move(message), std::move(param)});
}

ApiException not_found(std::string message) {
  return ApiException({404, "invalid_request", "not_found", std::move(message), {}});
}

ApiException forbidden(std::string code, std::string message, std::string param) {
  return ApiException(
      {403, "permission_error", std::move(code), std::move(message), std::move(param)});
}

std::string error_body(const ApiError& error) {
  json inner = {{"type", error.type}, {"code", error.code}, {"message", error.message}};
  if (!error.param.empty()) inner["param"] = error.param;
  return ledgerctl::dump_json({{"error", inner}});
}

void send_error(httplib::Response& res, const ApiError& error) {
  res.status = error.status;
  if (error.status == 503) res.set_header("Retry-After", "1");
  res.set_content(error_body(error), "application/json");
}

int status_for(ledger::Outcome outcome) {
  switch (ledger::outcome_class(outcome)) {
    case ledger::OutcomeClass::done:
      return 201;
    case ledger::OutcomeClass::rejected:
      return 402;
    case ledger::OutcomeClass::conflict:
      return 422;
    case ledger::OutcomeClass::malformed:
      return 400;
  }
  return 500;
}

ApiError unstored_outcome_error(const ledger::TransferResult& result) {
  if (ledger::outcome_class(result.outcome) == ledger::OutcomeClass::malformed) {
    return {400, "invalid_request", "invalid_request", result.message, {}};
  }
  return {422, "idempotency_error", conflict_code(result.outcome), result.message,
          http_field_name(result.differing_field)};
}

ApiError operating_error(const ledger::Error& error) {
  const std::string what = error.what();
  switch (error.code()) {
    case ledger::ErrorCode::busy:
    case ledger::ErrorCode::io:
      return {503,
              "api_error",
              ledger::to_string(error.code()),
              what +
                  "; nothing was stored: retry the same request with the same "
                  "Idempotency-Key after Retry-After seconds",
              {}};
    case ledger::ErrorCode::invalid_argument:
      return {400, "invalid_request", "invalid_request", what, {}};
    case ledger::ErrorCode::not_found:
      return {404, "invalid_request", "not_found", what, {}};
    case ledger::ErrorCode::already_exists:
      return {409, "invalid_request", "already_exists", what, {}};
    default:
      return {500,
              "api_error",
              ledger::to_string(error.code()),
              what + "; the server cannot use its ledger: tell its operator (ledgerctl verify)",
              {}};
  }
}

ApiError internal_error(const std::string& what) {
  return {500,
          "api_error",
          "internal",
          "internal error (" + what + "); nothing was stored; tell the server's operator",
          {}};
}

}  // namespace ledgerd
