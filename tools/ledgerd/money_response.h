// Answering money-moving requests (SPEC 8, "Idempotency over HTTP"): a stored outcome goes
// out as the engine's stored body, byte for byte, with 201 (executed) or 402 (business
// rejection) and `Idempotent-Replayed: true` on a replay; an outcome that is not stored
// goes out as an error body (422 conflict, 400 malformed).
#pragma once

#include <httplib.h>

#include <chrono>
#include <string>

#include "ledger/types.h"
#include "service.h"

namespace ledgerd {

// Writes `result` to `res` and counts it (replays, conflicts) in the metrics and the log.
void send_money_result(Service& service, httplib::Response& res,
                       const ledger::TransferResult& result);

// One item of POST /v1/batches' answer: {"status","idempotent_replayed","body"} with the
// stored body inserted verbatim.
[[nodiscard]] std::string batch_item_json(Service& service, const ledger::TransferResult& result);

// Runs the write `fn` and records its time in the commit-latency histogram (also when it
// throws: a busy timeout is a commit that took long).
template <typename Fn>
auto timed_write(Service& service, Fn&& fn) {
  const auto start = std::chrono::steady_clock::now();
  struct Observe {
    Service& service;
    std::chrono::steady_clock::time_point start;
    ~Observe() { service.metrics.observe_commit(std::chrono::steady_clock::now() - start); }
  } observe{service, start};
  return fn();
}

}  // namespace ledgerd
