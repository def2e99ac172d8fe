#include "exactly_once.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "canonical.h"
#include "failpoint.h"
#include "json_text.h"
#include "key_store.h"
#include "outcome.h"

namespace ledger::detail {
namespace {

TransferResult replay(const std::string& result_name, std::string body,
                      std::optional<std::int64_t> transfer_seq) {
  TransferResult result;
  result.outcome = outcome_from_string(result_name).value_or(Outcome::created);
  result.replayed = true;
  result.body = std::move(body);
  result.sequence = transfer_seq;
  if (result.outcome != Outcome::created) {
    result.message = fmt::format(
        "replay of a stored rejection ({}); a new attempt needs a new key", result_name);
  }
  return result;
}

// The canonical request a completed key was used with: stored, or rebuilt from its journal
// row (see RebuildsRequestFromJournal). Only conflict messages need it.
std::string stored_request(Impl& impl, const PreparedRequest& call, const StoredKey& stored) {
  if (stored.request) return *stored.request;
  if (!stored.transfer_seq || !call.request_from_journal) return {};
  return call.request_from_journal(impl.db, *stored.transfer_seq).value_or(std::string());
}

// Step 4 of the runner: what the key's record says about this request, or nullopt to
// execute it.
std::optional<TransferResult> check_key_record(Impl& impl, const PreparedRequest& call,
                                               const std::optional<StoredKey>& stored,
                                               const ResponseBody& echo, std::int64_t now_ms) {
  const std::string& operation = operation_name(call.kind);
  if (!stored) {
    if (impl.options.allow_client_keys) return std::nullopt;
    return unstored_result(
        Outcome::key_unknown,
        fmt::format("key '{}' was not issued to principal '{}'; only issued keys are accepted: "
                    "use a key issued to '{}' for '{}'",
                    call.key, call.principal, call.principal, operation),
        echo);
  }
  if (stored->state == "completed") {
    if (stored->fingerprint == as_bytes(call.fingerprint)) {
      return replay(stored->result, stored->response, stored->transfer_seq);
    }
    std::string field = stored->operation != operation
                            ? "operation"
                            : first_differing_field(stored_request(impl, call, *stored),
                                                    call.canonical);
    TransferResult conflict = unstored_result(
        Outcome::key_reused_with_different_request,
        fmt::format("key '{}' was already used with a different {}; nothing was stored: use a "
                    "new key for a new request",
                    call.key, field),
        echo);
    conflict.differing_field = field;
    return conflict;
  }
  if (stored->operation != operation) {
    return unstored_result(Outcome::key_operation_mismatch,
                           fmt::format("key '{}' was issued for operation '{}', not '{}'; issue "
                                       "a key for '{}'",
                                       call.key, stored->operation, operation, operation),
                           echo);
  }
  if (stored->state == "expired" ||
      (stored->expires_at_ms && *stored->expires_at_ms <= now_ms)) {
    return unstored_result(
        Outcome::key_expired,
        fmt::format("key '{}' expired unused (or was purged); issue a new key", call.key),
        echo);
  }
  return std::nullopt;
}

// The "error" object of a response body, as SPEC 8 words errors: {"code","message","type"}.
// `type` is "request_failed" for a stored business rejection, "idempotency_error" for a
// conflict and "invalid_request" for a malformed request.
std::string error_object(Outcome outcome, const std::string& message) {
  const char* type = "request_failed";
  switch (outcome_class(outcome)) {
    case OutcomeClass::conflict: type = "idempotency_error"; break;
    case OutcomeClass::malformed: type = "invalid_request"; break;
    default: break;
  }
  const nlohmann::json error = {{"code", to_string(outcome)}, {"message", message}, {"type", type}};
  return json_text(error);
}

std::string stored_body(const PreparedRequest& call, const ResponseBody& echo,
                        std::int64_t now_ms, const Executed& done) {
  ResponseBody body = echo;
  body.reserve(body.size() + 5 + done.fields.size());
  body.set("operation", operation_name(call.kind));
  body.set("status", done.outcome == Outcome::created ? "created" : "rejected");
  if (done.outcome != Outcome::created) {
    body.set_json("error", error_object(done.outcome, done.message));
  }
  body.set("created_at", now_ms);
  body.update(done.fields);
  return body.dump();
}

}  // namespace

TransferResult unstored_result(Outcome outcome, std::string message, const ResponseBody& echo) {
  TransferResult result;
  result.outcome = outcome;
  ResponseBody body = echo;
  body.reserve(body.size() + 3);
  body.set("status", outcome_class(outcome) == OutcomeClass::malformed ? "invalid" : "conflict");
  body.set_json("error", error_object(outcome, message));
  // The echo may carry the caller's malformed bytes (e.g. invalid UTF-8): dump() replaces
  // them rather than throw, so a malformed request is always answered with invalid_request.
  result.body = body.dump();
  result.message = std::move(message);
  return result;
}

TransferResult malformed_result(const std::string& reason, const ResponseBody& echo) {
  return unstored_result(Outcome::invalid_request,
                         reason + "; nothing was stored, fix the request and retry with the same key",
                         echo);
}

std::optional<TransferResult> replay_completed(Impl& impl, const PreparedRequest& prepared) {
  auto completed =
      find_completed_key(impl.db, prepared.principal, prepared.key, as_bytes(prepared.fingerprint));
  if (!completed) return std::nullopt;
  return replay(completed->result, std::move(completed->response), completed->transfer_seq);
}

std::optional<TransferResult> answer_if_completed(Impl& impl, const PreparedRequest& prepared,
                                                  const ResponseBody& echo) {
  auto stored = load_key(impl.db, prepared.principal, prepared.key);
  if (!stored || stored->state != "completed") return std::nullopt;
  return check_key_record(impl, prepared, stored, echo, 0);
}

TransferResult run_keyed(Impl& impl, const PreparedRequest& call, const ResponseBody& echo,
                         std::int64_t now_ms, const std::function<Executed()>& execute) {
  const std::string& operation = operation_name(call.kind);
  auto stored = load_key(impl.db, call.principal, call.key);
  if (auto decided = check_key_record(impl, call, stored, echo, now_ms)) {
    return std::move(*decided);
  }
  LEDGER_FAILPOINT_DYNAMIC(operation + ".after_key_check");
  Executed done = execute();
  std::string body = stored_body(call, echo, now_ms, done);
  const std::string result_name = to_string(done.outcome);
  std::optional<std::string_view> request = call.canonical;
  if (call.request_from_journal && done.sequence) request.reset();
  store_key_outcome(impl, KeyOutcome{call.principal, call.key, operation, request,
                                        as_bytes(call.fingerprint), result_name, body,
                                        done.sequence, now_ms, stored.has_value()});
  LEDGER_FAILPOINT_DYNAMIC(operation + ".after_response_stored");
  TransferResult result;
  result.outcome = done.outcome;
  result.body = std::move(body);
  result.sequence = done.sequence;
  result.message = std::move(done.message);
  return result;
}

}  // namespace ledger::detail
