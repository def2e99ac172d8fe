// Names and classes of outcomes and error codes. The names are stable: they are stored in
// responses and printed by tools.
#include <array>
#include <utility>

#include "outcome.h"

#include "ledger/error.h"

namespace ledger {
namespace {

constexpr std::array<std::pair<Outcome, const char*>, 19> kOutcomeNames = {{
    {Outcome::created, "created"},
    {Outcome::debit_account_not_found, "debit_account_not_found"},
    {Outcome::credit_account_not_found, "credit_account_not_found"},
    {Outcome::currency_mismatch, "currency_mismatch"},
    {Outcome::insufficient_funds, "insufficient_funds"},
    {Outcome::balance_overflow, "balance_overflow"},
    {Outcome::pending_not_found, "pending_not_found"},
    {Outcome::pending_already_posted, "pending_already_posted"},
    {Outcome::pending_already_voided, "pending_already_voided"},
    {Outcome::pending_expired, "pending_expired"},
    {Outcome::post_amount_exceeds_pending, "post_amount_exceeds_pending"},
    {Outcome::original_not_found, "original_not_found"},
    {Outcome::reversal_exceeds_original, "reversal_exceeds_original"},
    {Outcome::linked_batch_failed, "linked_batch_failed"},
    {Outcome::key_reused_with_different_request, "key_reused_with_different_request"},
    {Outcome::key_unknown, "key_unknown"},
    {Outcome::key_expired, "key_expired"},
    {Outcome::key_operation_mismatch, "key_operation_mismatch"},
    {Outcome::invalid_request, "invalid_request"},
}};

}  // namespace

const char* to_string(Outcome outcome) {
  for (const auto& [value, name] : kOutcomeNames) {
    if (value == outcome) return name;
  }
  return "unknown";
}

OutcomeClass outcome_class(Outcome outcome) {
  switch (outcome) {
    case Outcome::created:
      return OutcomeClass::done;
    case Outcome::debit_account_not_found:
    case Outcome::credit_account_not_found:
    case Outcome::currency_mismatch:
    case Outcome::insufficient_funds:
    case Outcome::balance_overflow:
    case Outcome::pending_not_found:
    case Outcome::pending_already_posted:
    case Outcome::pending_already_voided:
    case Outcome::pending_expired:
    case Outcome::post_amount_exceeds_pending:
    case Outcome::original_not_found:
    case Outcome::reversal_exceeds_original:
    case Outcome::linked_batch_failed:
      return OutcomeClass::rejected;
    case Outcome::key_reused_with_different_request:
    case Outcome::key_unknown:
    case Outcome::key_expired:
    case Outcome::key_operation_mismatch:
      return OutcomeClass::conflict;
    case Outcome::invalid_request:
      return OutcomeClass::malformed;
  }
  return OutcomeClass::malformed;
}

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid_argument: return "invalid_argument";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::already_exists: return "already_exists";
    case ErrorCode::busy: return "busy";
    case ErrorCode::io: return "io";
    case ErrorCode::not_a_ledger: return "not_a_ledger";
    case ErrorCode::corrupt: return "corrupt";
    case ErrorCode::newer_schema: return "newer_schema";
    case ErrorCode::older_schema: return "older_schema";
    case ErrorCode::unsafe_file: return "unsafe_file";
    case ErrorCode::internal: return "internal";
  }
  return "internal";
}

const char* to_string(PendingState state) {
  switch (state) {
    case PendingState::pending: return "pending";
    case PendingState::posted: return "posted";
    case PendingState::voided: return "voided";
    case PendingState::expired: return "expired";
  }
  return "pending";
}

namespace detail {

std::optional<Outcome> outcome_from_string(std::string_view name) {
  for (const auto& [value, text] : kOutcomeNames) {
    if (name == text) return value;
  }
  return std::nullopt;
}

}  // namespace detail
}  // namespace ledger
