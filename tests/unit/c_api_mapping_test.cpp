// Goal: the C ABI's fixed numbers name the same outcomes, classes and errors as the C++
// enums they are mapped from, for every value, and the versions agree.
// Method: walk every ledger::Outcome and ErrorCode through the C mapping and back by name.
#include <doctest/doctest.h>

#include <set>
#include <string>

#include "c_api/c_errors.h"
#include "c_api/c_types.h"
#include "ledger/ledger_c.h"

namespace {

constexpr ledger::Outcome kEveryOutcome[] = {
    ledger::Outcome::created,
    ledger::Outcome::debit_account_not_found,
    ledger::Outcome::credit_account_not_found,
    ledger::Outcome::currency_mismatch,
    ledger::Outcome::insufficient_funds,
    ledger::Outcome::balance_overflow,
    ledger::Outcome::pending_not_found,
    ledger::Outcome::pending_already_posted,
    ledger::Outcome::pending_already_voided,
    ledger::Outcome::pending_expired,
    ledger::Outcome::post_amount_exceeds_pending,
    ledger::Outcome::original_not_found,
    ledger::Outcome::reversal_exceeds_original,
    ledger::Outcome::linked_batch_failed,
    ledger::Outcome::key_reused_with_different_request,
    ledger::Outcome::key_unknown,
    ledger::Outcome::key_expired,
    ledger::Outcome::key_operation_mismatch,
    ledger::Outcome::invalid_request,
};

constexpr ledger::ErrorCode kEveryError[] = {
    ledger::ErrorCode::invalid_argument, ledger::ErrorCode::not_found,
    ledger::ErrorCode::already_exists,   ledger::ErrorCode::busy,
    ledger::ErrorCode::io,               ledger::ErrorCode::not_a_ledger,
    ledger::ErrorCode::corrupt,          ledger::ErrorCode::newer_schema,
    ledger::ErrorCode::older_schema,     ledger::ErrorCode::unsafe_file,
    ledger::ErrorCode::internal,
};

}  // namespace

TEST_CASE("every outcome has its own C number, with the same name and class") {
  std::set<int> numbers;
  for (ledger::Outcome outcome : kEveryOutcome) {
    const int number = ledger::c_api::to_c_outcome(outcome);
    CAPTURE(ledger::to_string(outcome));
    CHECK(numbers.insert(number).second);
    CHECK(std::string(ledger_outcome_name(number)) == ledger::to_string(outcome));
    CHECK(ledger_outcome_class(number) == ledger::c_api::to_c_class(ledger::outcome_class(outcome)));
    CHECK(ledger::c_api::from_c_outcome(number) == outcome);
  }
  CHECK(numbers.size() == std::size(kEveryOutcome));
  CHECK(*numbers.begin() == 0);
  CHECK(*numbers.rbegin() == static_cast<int>(std::size(kEveryOutcome)) - 1);
  CHECK_FALSE(ledger::c_api::from_c_outcome(static_cast<int>(std::size(kEveryOutcome))));
}

TEST_CASE("every error code has its own C number, named as in C++") {
  std::set<int> numbers;
  for (ledger::ErrorCode code : kEveryError) {
    const int number = ledger::c_api::to_c_error(code);
    CAPTURE(ledger::to_string(code));
    CHECK(number != LEDGER_OK);
    CHECK(numbers.insert(number).second);
    CHECK(std::string(ledger_error_name(number)) == ledger::to_string(code));
    CHECK(ledger::c_api::from_c_error(number) == code);
  }
  CHECK_FALSE(ledger::c_api::from_c_error(LEDGER_OK));
  CHECK_FALSE(ledger::c_api::from_c_error(LEDGER_ERR_NO_MEMORY));
  CHECK(std::string(ledger_error_name(LEDGER_ERR_NO_MEMORY)) == "no_memory");
}

TEST_CASE("the C and C++ versions agree") {
  CHECK(std::string(ledger_version()) == ledger::version());
  CHECK(std::string(ledger::version()) == LEDGER_VERSION_STRING);
  CHECK(ledger_abi_version() == ledger::abi_version());
  CHECK(ledger::abi_version() == LEDGER_ABI_VERSION);
  CHECK(ledger_file_format_version() == ledger::file_format_version());
  CHECK(std::string(LEDGER_VERSION_STRING) ==
        std::to_string(LEDGER_VERSION_MAJOR) + "." + std::to_string(LEDGER_VERSION_MINOR) +
            "." + std::to_string(LEDGER_VERSION_PATCH));
}
