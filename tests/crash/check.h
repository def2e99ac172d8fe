// The exactly-once check every crash scenario ends with.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "history.h"
#include "report.h"
#include "workload.h"

namespace crash {

struct CheckOptions {
  // Durability::normal after a power loss: acknowledged operations may be missing, but
  // only a suffix of them (the last ones before the crash).
  bool allow_lost_suffix = false;
  // What happened before the check (e.g. "killed at post.after_debit:abort:2"): prefixed
  // to each violation, so that a failure says which crash it came after.
  std::string context;
};

// Reopens `db_path` and checks:
//  - verify() is ok, before and after the retries (it checks holds too: an account's held
//    amount is the sum of its open holds, a finished hold has exactly one post/void row);
//  - retrying every attempted operation (in attempt order, per stream) gives each key the
//    model's outcome (model.h), and a key acknowledged before the crash replays its
//    byte-identical response (unless it was lost, which only `allow_lost_suffix` permits,
//    and only as a suffix);
//  - a second retry of every key replays the first retry's bytes;
//  - posted, held and available balances equal the model's; every hold is in the model's
//    state (open, posted for the model's amount by the model's post, voided, expired);
//  - the journal has exactly one row per created key, of the model's kind, accounts,
//    amount and referenced row, and none for a rejected key; a linked batch's keys have
//    rows for all of its items or for none.
// Appends what is wrong to `report`; never throws.
void check_exactly_once(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const CheckOptions& options,
                        Report& report);

}  // namespace crash
