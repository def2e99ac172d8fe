// Batches: many transfers in one commit, each with its own key and outcome (SPEC 5).
#pragma once

#include <span>
#include <vector>

#include "impl.h"

namespace ledger::detail {

// Every item takes the exactly-once runner's path; a batch whose items all replay is
// answered without the write lock. A batch with a malformed item runs nothing;
// independent batches then run each item; linked batches are all-or-nothing, inside a
// savepoint. Messages number items from 1.
std::vector<TransferResult> transfer_batch(Impl& impl, std::span<const TransferRequest> requests,
                                           BatchMode mode);

}  // namespace ledger::detail
