// Outcomes and results of the C ABI: the fixed C numbers of ledger::Outcome, and the
// accessors of a ledger_result.
#include <iterator>
#include <optional>
#include <utility>

#include "c_types.h"

namespace ledger::c_api {
namespace {

// Every C outcome in number order; the switch below maps the C++ enum onto these numbers,
// so reordering ledger::Outcome can never change the C values.
constexpr Outcome kOutcomesByNumber[] = {
    Outcome::created,
    Outcome::debit_account_not_found,
    Outcome::credit_account_not_found,
    Outcome::currency_mismatch,
    Outcome::insufficient_funds,
    Outcome::balance_overflow,
    Outcome::pending_not_found,
    Outcome::pending_already_posted,
    Outcome::pending_already_voided,
    Outcome::pending_expired,
    Outcome::post_amount_exceeds_pending,
    Outcome::original_not_found,
    Outcome::reversal_exceeds_original,
    Outcome::linked_batch_failed,
    Outcome::key_reused_with_different_request,
    Outcome::key_unknown,
    Outcome::key_expired,
    Outcome::key_operation_mismatch,
    Outcome::invalid_request,
};
constexpr int kOutcomeCount = static_cast<int>(std::size(kOutcomesByNumber));

}  // namespace

// The C++ outcome of a C number, or nullopt for a number ledger_c.h does not list.
std::optional<Outcome> from_c_outcome(int outcome) {
  if (outcome < 0 || outcome >= kOutcomeCount) return std::nullopt;
  return kOutcomesByNumber[outcome];
}

int to_c_outcome(Outcome outcome) {
  switch (outcome) {
    case Outcome::created:
      return LEDGER_OUTCOME_CREATED;
    case Outcome::debit_account_not_found:
      return LEDGER_OUTCOME_DEBIT_ACCOUNT_NOT_FOUND;
    case Outcome::credit_account_not_found:
      return LEDGER_OUTCOME_CREDIT_ACCOUNT_NOT_FOUND;
    case Outcome::currency_mismatch:
      return LEDGER_OUTCOME_CURRENCY_MISMATCH;
    case Outcome::insufficient_funds:
      return LEDGER_OUTCOME_INSUFFICIENT_FUNDS;
    case Outcome::balance_overflow:
      return LEDGER_OUTCOME_BALANCE_OVERFLOW;
    case Outcome::pending_not_found:
      return LEDGER_OUTCOME_PENDING_NOT_FOUND;
    case Outcome::pending_already_posted:
      return LEDGER_OUTCOME_PENDING_ALREADY_POSTED;
    case Outcome::pending_already_voided:
      return LEDGER_OUTCOME_PENDING_ALREADY_VOIDED;
    case Outcome::pending_expired:
      return LEDGER_OUTCOME_PENDING_EXPIRED;
    case Outcome::post_amount_exceeds_pending:
      return LEDGER_OUTCOME_POST_AMOUNT_EXCEEDS_PENDING;
    case Outcome::original_not_found:
      return LEDGER_OUTCOME_ORIGINAL_NOT_FOUND;
    case Outcome::reversal_exceeds_original:
      return LEDGER_OUTCOME_REVERSAL_EXCEEDS_ORIGINAL;
    case Outcome::linked_batch_failed:
      return LEDGER_OUTCOME_LINKED_BATCH_FAILED;
    case Outcome::key_reused_with_different_request:
      return LEDGER_OUTCOME_KEY_REUSED_WITH_DIFFERENT_REQUEST;
    case Outcome::key_unknown:
      return LEDGER_OUTCOME_KEY_UNKNOWN;
    case Outcome::key_expired:
      return LEDGER_OUTCOME_KEY_EXPIRED;
    case Outcome::key_operation_mismatch:
      return LEDGER_OUTCOME_KEY_OPERATION_MISMATCH;
    case Outcome::invalid_request:
      return LEDGER_OUTCOME_INVALID_REQUEST;
  }
  return LEDGER_OUTCOME_INVALID_REQUEST;
}

int to_c_class(OutcomeClass outcome_class) {
  switch (outcome_class) {
    case OutcomeClass::done:
      return LEDGER_CLASS_DONE;
    case OutcomeClass::rejected:
      return LEDGER_CLASS_REJECTED;
    case OutcomeClass::conflict:
      return LEDGER_CLASS_CONFLICT;
    case OutcomeClass::malformed:
      return LEDGER_CLASS_MALFORMED;
  }
  return -1;
}

ledger_result to_c_result(TransferResult&& result) {
  ledger_result c_result;
  c_result.outcome = to_c_outcome(result.outcome);
  c_result.replayed = result.replayed ? 1 : 0;
  c_result.sequence = result.ok() ? result.sequence.value_or(0) : 0;
  c_result.body = std::move(result.body);
  c_result.message = std::move(result.message);
  c_result.differing_field = std::move(result.differing_field);
  return c_result;
}

}  // namespace ledger::c_api

using ledger::c_api::from_c_outcome;

extern "C" {

const char* ledger_outcome_name(int outcome) {
  const auto known = from_c_outcome(outcome);
  return known ? ledger::to_string(*known) : "unknown";
}

int ledger_outcome_class(int outcome) {
  const auto known = from_c_outcome(outcome);
  return known ? ledger::c_api::to_c_class(ledger::outcome_class(*known)) : -1;
}

int ledger_result_outcome(const ledger_result* result) {
  return result == nullptr ? LEDGER_OUTCOME_INVALID_REQUEST : result->outcome;
}

int ledger_result_replayed(const ledger_result* result) {
  return result == nullptr ? 0 : result->replayed;
}

int64_t ledger_result_sequence(const ledger_result* result) {
  return result == nullptr ? 0 : result->sequence;
}

const char* ledger_result_body(const ledger_result* result, size_t* length) {
  if (length != nullptr) *length = result == nullptr ? 0 : result->body.size();
  return result == nullptr ? "" : result->body.c_str();
}

const char* ledger_result_message(const ledger_result* result) {
  return result == nullptr ? "" : result->message.c_str();
}

const char* ledger_result_differing_field(const ledger_result* result) {
  return result == nullptr ? "" : result->differing_field.c_str();
}

}  // extern "C"
