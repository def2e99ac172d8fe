// What the money commands share: transfer, pending reserve|post|void, reverse and batch,
// each run exactly once per (principal, key). Their result is an engine Outcome, whose class
// decides the exit code; stdout carries the stored response body, byte for byte, and stderr
// says what happened.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "cli.h"
#include "ledger/ledger.h"

namespace ledgerctl {

// SPEC 7: done 0, rejected (stored) 1, malformed 2, conflict 3.
[[nodiscard]] int exit_code_for(ledger::OutcomeClass outcome_class);
// "done", "rejected", "conflict" or "malformed".
[[nodiscard]] const char* class_name(ledger::OutcomeClass outcome_class);

// A response body as a JSON value (kept as a string in the unexpected case that it does
// not parse; null when empty).
[[nodiscard]] nlohmann::ordered_json body_json(const std::string& body);

// The --json wrapper of one money command's result: {"replayed","outcome",
// "outcome_class","exit_code","sequence","message","differing_field","response"}.
[[nodiscard]] nlohmann::ordered_json wrapper_json(const ledger::TransferResult& result,
                                                  int exit_code);

// Prints a money command's result: the body (or, with --json, the wrapper) on stdout, then
// one status line on stderr (executed, replayed, rejected, conflict or malformed).
// Returns the exit code.
int print_money_result(const Globals& globals, const ledger::TransferResult& result);

// Parses an --amount that is in the currency of journal row `sequence` (a hold to post, a
// transfer to refund). Throws CliError (exit 2) when there is no such row (its currency,
// and so the meaning of the digits, is unknown: `list_hint` says where to look), or when
// the text is not an amount above zero in that currency. `omit_hint` says what omitting
// --amount does, for the message refusing 0.
[[nodiscard]] std::int64_t parse_amount_of_row(ledger::Ledger& ledger, std::string_view option,
                                               std::string_view text, std::int64_t sequence,
                                               std::string_view list_hint,
                                               std::string_view omit_hint);

}  // namespace ledgerctl
