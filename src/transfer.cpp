// Transfers: the exactly-once path. Everything here runs inside ONE write transaction
// owned by the caller (Ledger::transfer or transfer_batch): key check, balance rules,
// debit, credit, journal append and the stored response commit together or not at all.
//
// Checks happen in a fixed order, and nothing is written until all of them passed, so a
// refused request leaves the transaction untouched:
//   1. malformed request        -> invalid_request (not stored)
//   2. key: completed           -> replay, or key_reused_with_different_request
//           tombstone / expired -> key_expired;  other operation -> key_operation_mismatch
//           unknown             -> key_unknown if client keys are not allowed
//   3. debit account exists, credit account exists, currencies match, funds suffice,
//      no balance overflow      -> stored rejections
//   4. debit, credit, journal, stored response
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "canonical.h"
#include "failpoint.h"
#include "impl.h"

namespace ledger::detail {
namespace {

using json = nlohmann::json;

std::string encode_request(const TransferRequest& request) {
  CanonicalWriter writer(kTransferRequestHeader);
  writer.text(kFieldOperation, "transfer")
      .text(kFieldDebitAccount, request.debit_account)
      .text(kFieldCreditAccount, request.credit_account)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldCurrency, request.currency)
      .text(kFieldMemo, request.memo);
  return writer.bytes();
}

std::optional<std::string> malformed_reason(const TransferRequest& request) {
  if (auto problem = check_principal(request.principal)) return problem;
  if (auto problem = check_key(request.key)) return problem;
  if (auto problem = check_account_code(request.debit_account)) return "debit " + *problem;
  if (auto problem = check_account_code(request.credit_account)) return "credit " + *problem;
  if (request.debit_account == request.credit_account) {
    return fmt::format("debit and credit account are both '{}'; a transfer needs two accounts",
                       request.debit_account);
  }
  if (request.amount_minor <= 0) {
    return fmt::format("amount must be greater than zero, got {} minor units", request.amount_minor);
  }
  if (!currency_exponent(request.currency)) {
    return fmt::format("unknown currency '{}': use an ISO 4217 code such as EUR", request.currency);
  }
  return check_memo(request.memo);
}

// The parts of the request every response repeats, so a stored response is
// self-describing.
json request_echo(const TransferRequest& request) {
  int exponent = currency_exponent(request.currency).value_or(2);
  return json{{"principal", request.principal}, {"key", request.key},
              {"from", request.debit_account},  {"to", request.credit_account},
              {"amount", format_amount(request.amount_minor, exponent)},
              {"amount_minor", request.amount_minor}, {"currency", request.currency},
              {"memo", request.memo}};
}

TransferResult unstored(Outcome outcome, std::string message, const TransferRequest& request) {
  TransferResult result;
  result.outcome = outcome;
  json body = request_echo(request);
  body["status"] = outcome_class(outcome) == OutcomeClass::malformed ? "invalid" : "conflict";
  body["error"] = to_string(outcome);
  body["message"] = message;
  result.body = body.dump();
  result.message = std::move(message);
  return result;
}

TransferResult replay(const StoredKey& stored) {
  TransferResult result;
  result.outcome = outcome_from_string(stored.result).value_or(Outcome::created);
  result.replayed = true;
  result.body = stored.response;
  result.sequence = stored.transfer_seq;
  if (result.outcome != Outcome::created) {
    result.message = fmt::format("replay of a stored rejection ({}); a new attempt needs a new key",
                                 stored.result);
  }
  return result;
}

// Step 2: what the key's record says about this request, or nullopt to execute.
std::optional<TransferResult> check_key_record(const Impl& impl, const TransferRequest& request,
                                               const std::optional<StoredKey>& stored,
                                               const std::string& canonical,
                                               const Digest& fingerprint, std::int64_t now) {
  if (!stored) {
    if (impl.options.allow_client_keys) return std::nullopt;
    return unstored(Outcome::key_unknown,
                    fmt::format("key '{}' was not issued to principal '{}'; only issued keys are "
                                "accepted: get one with issue_key (`ledgerctl key issue`)",
                                request.key, request.principal),
                    request);
  }
  if (stored->state == "completed") {
    if (stored->fingerprint == as_bytes(fingerprint)) return replay(*stored);
    std::string field = stored->operation != "transfer"
                            ? "operation"
                            : first_differing_field(stored->request, canonical);
    TransferResult conflict =
        unstored(Outcome::key_reused_with_different_request,
                 fmt::format("key '{}' was already used with a different {}; nothing was "
                             "stored: use a new key for a new request",
                             request.key, field),
                 request);
    conflict.differing_field = field;
    return conflict;
  }
  if (stored->operation != "transfer") {
    return unstored(Outcome::key_operation_mismatch,
                    fmt::format("key '{}' was issued for operation '{}', not 'transfer'; issue a "
                                "key for 'transfer'",
                                request.key, stored->operation),
                    request);
  }
  if (stored->state == "expired" || (stored->expires_at_ms && *stored->expires_at_ms <= now)) {
    return unstored(Outcome::key_expired,
                    fmt::format("key '{}' expired unused (or was purged); issue a new key",
                                request.key),
                    request);
  }
  return std::nullopt;
}

struct Execution {
  const TransferRequest& request;
  const std::string& canonical;
  const Digest& fingerprint;
  bool existing_issued;
  std::int64_t now;
};

// Stores `outcome` with `body` on the key and builds the result.
TransferResult finish(Impl& impl, const Execution& run, Outcome outcome, const std::string& body,
                      std::optional<std::int64_t> sequence, std::string message) {
  static const std::string kOperation = "transfer";
  const std::string result_name = to_string(outcome);
  store_key_outcome(impl.db, KeyOutcome{run.request.principal, run.request.key, kOperation,
                                        run.canonical, as_bytes(run.fingerprint), result_name,
                                        body, sequence, run.now, run.existing_issued});
  LEDGER_FAILPOINT("transfer.after_response_stored");
  TransferResult result;
  result.outcome = outcome;
  result.body = body;
  result.sequence = sequence;
  result.message = std::move(message);
  return result;
}

TransferResult reject(Impl& impl, const Execution& run, Outcome outcome, std::string message) {
  json body = request_echo(run.request);
  body["status"] = "rejected";
  body["error"] = to_string(outcome);
  body["message"] = message;
  body["created_at"] = run.now;
  return finish(impl, run, outcome, body.dump(), std::nullopt, std::move(message));
}

TransferResult execute(Impl& impl, const Execution& run) {
  const TransferRequest& request = run.request;
  auto debit = find_account(impl.db, request.debit_account);
  if (!debit) {
    return reject(impl, run, Outcome::debit_account_not_found,
                  fmt::format("no account '{}' to debit; create it first", request.debit_account));
  }
  auto credit = find_account(impl.db, request.credit_account);
  if (!credit) {
    return reject(impl, run, Outcome::credit_account_not_found,
                  fmt::format("no account '{}' to credit; create it first", request.credit_account));
  }
  if (debit->currency != request.currency || credit->currency != request.currency) {
    return reject(impl, run, Outcome::currency_mismatch,
                  fmt::format("transfer is in {} but '{}' is in {} and '{}' is in {}",
                              request.currency, debit->code, debit->currency, credit->code,
                              credit->currency));
  }
  auto new_debit = checked_sub(debit->balance_minor, request.amount_minor);
  if (!new_debit || !balance_allowed(*debit, *new_debit)) {
    return reject(impl, run, Outcome::insufficient_funds,
                  fmt::format("'{}' has {} {}, not enough for {} {}", debit->code,
                              format_amount(debit->balance_minor, debit->exponent),
                              debit->currency, format_amount(request.amount_minor, debit->exponent),
                              request.currency));
  }
  auto new_credit = checked_add(credit->balance_minor, request.amount_minor);
  if (!new_credit) {
    return reject(impl, run, Outcome::balance_overflow,
                  fmt::format("'{}' cannot hold more: its balance would pass the largest amount",
                              credit->code));
  }
  set_balance(impl.db, debit->id, *new_debit);
  LEDGER_FAILPOINT("transfer.after_debit");
  set_balance(impl.db, credit->id, *new_credit);
  LEDGER_FAILPOINT("transfer.after_credit");
  JournalRow row{"transfer", debit->id, credit->id, debit->code, credit->code,
                 request.amount_minor, request.currency, request.memo, request.principal,
                 request.key, run.now, std::nullopt};
  std::int64_t sequence = append_journal(impl.db, row);
  LEDGER_FAILPOINT("transfer.after_journal_append");
  json body = request_echo(request);
  body["status"] = "created";
  body["sequence"] = sequence;
  body["created_at"] = run.now;
  return finish(impl, run, Outcome::created, body.dump(), sequence, "");
}

}  // namespace

TransferResult transfer_in_transaction(Impl& impl, const TransferRequest& request,
                                       std::int64_t now) {
  if (auto reason = malformed_reason(request)) {
    return unstored(Outcome::invalid_request,
                    *reason + "; nothing was stored, fix the request and retry with the same key",
                    request);
  }
  std::string canonical = encode_request(request);
  Digest fingerprint = sha256(canonical);
  auto stored = load_key(impl.db, request.principal, request.key);
  if (auto decided = check_key_record(impl, request, stored, canonical, fingerprint, now)) {
    return std::move(*decided);
  }
  LEDGER_FAILPOINT("transfer.after_key_check");
  bool existing_issued = stored.has_value();
  return execute(impl, Execution{request, canonical, fingerprint, existing_issued, now});
}

}  // namespace ledger::detail
