// The C ABI's objects (include/ledger/ledger_c.h declares them opaque): a handle, a result,
// a batch. Defined at global scope, where the C header's struct names live.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"
#include "ledger/ledger_c.h"

struct ledger_handle {
  explicit ledger_handle(ledger::Ledger opened) : ledger(std::move(opened)) {}
  ledger::Ledger ledger;
  std::string errmsg;  // the last failed call's message (ledger_errmsg)
};

struct ledger_result {
  int outcome = LEDGER_OUTCOME_CREATED;
  int replayed = 0;
  std::int64_t sequence = 0;
  std::string body;
  std::string message;
  std::string differing_field;
};

struct ledger_batch {
  std::vector<ledger::TransferRequest> requests;
  std::vector<ledger_result> results;  // one per request after a successful run, else empty
};

namespace ledger::c_api {

// The C value of an outcome (the numbers ledger_c.h fixes for ever).
[[nodiscard]] int to_c_outcome(Outcome outcome);
// The C value of an outcome class (enum ledger_outcome_class).
[[nodiscard]] int to_c_class(OutcomeClass outcome_class);
// The C++ outcome of a C number, or nullopt for a number ledger_c.h does not list.
[[nodiscard]] std::optional<Outcome> from_c_outcome(int outcome);
// A ledger_result holding `result`'s outcome, flags and bytes (moved, not copied).
[[nodiscard]] ledger_result to_c_result(TransferResult&& result);

}  // namespace ledger::c_api
