// The C ABI's money-moving calls: transfer, two-phase, refunds and batches. Each builds
// the C++ request, runs it through the same engine call as the C++ API, and hands the
// outcome back as a ledger_result.
#include <fmt/format.h>

#include <utility>

#include "c_errors.h"
#include "c_memory.h"
#include "c_types.h"

using ledger::c_api::BlockKind;
using ledger::c_api::guarded;
using ledger::c_api::null_handle;
using ledger::c_api::make_object;
using ledger::c_api::optional;
using ledger::c_api::require_pointer;
using ledger::c_api::required;

namespace {

// Runs `call` (which returns a TransferResult) on `ledger` and stores its outcome in
// *result for the caller to free.
template <class Call>
int run_money_call(ledger_handle* ledger, const char* function, ledger_result** result,
                   Call&& call) {
  if (ledger == nullptr) return null_handle(function);
  return guarded(ledger, [&] {
    require_pointer(result, function, "result");
    *result = nullptr;
    *result = make_object<ledger_result, BlockKind::result>(ledger::c_api::to_c_result(call()));
    return LEDGER_OK;
  });
}

// A TransferRequest or ReserveRequest with the fields they share (the rest keep their
// defaults).
template <class Request = ledger::TransferRequest>
Request movement_request(const char* function, const char* principal, const char* key,
                         const char* debit_account, const char* credit_account,
                         int64_t amount_minor, const char* currency, const char* memo) {
  Request request;
  request.principal = required(principal, function, "principal");
  request.key = required(key, function, "key");
  request.debit_account = required(debit_account, function, "debit_account");
  request.credit_account = required(credit_account, function, "credit_account");
  request.amount_minor = amount_minor;
  request.currency = required(currency, function, "currency");
  request.memo = optional(memo);
  return request;
}

}  // namespace

extern "C" {

int ledger_transfer(ledger_handle* ledger, const char* principal, const char* key,
                    const char* debit_account, const char* credit_account, int64_t amount_minor,
                    const char* currency, const char* memo, ledger_result** result) {
  return run_money_call(ledger, "ledger_transfer", result, [&] {
    return ledger->ledger.transfer(movement_request("ledger_transfer", principal, key,
                                                    debit_account, credit_account,
                                                    amount_minor, currency, memo));
  });
}

int ledger_reserve(ledger_handle* ledger, const char* principal, const char* key,
                   const char* debit_account, const char* credit_account, int64_t amount_minor,
                   const char* currency, const char* memo, int64_t timeout_seconds,
                   ledger_result** result) {
  return run_money_call(ledger, "ledger_reserve", result, [&] {
    auto request = movement_request<ledger::ReserveRequest>(
        "ledger_reserve", principal, key, debit_account, credit_account, amount_minor, currency,
        memo);
    if (timeout_seconds != 0) request.timeout_seconds = timeout_seconds;
    return ledger->ledger.reserve(request);
  });
}

int ledger_post(ledger_handle* ledger, const char* principal, const char* key,
                int64_t pending_sequence, int64_t amount_minor, const char* memo,
                ledger_result** result) {
  return run_money_call(ledger, "ledger_post", result, [&] {
    ledger::PostRequest request;
    request.principal = required(principal, "ledger_post", "principal");
    request.key = required(key, "ledger_post", "key");
    request.pending_sequence = pending_sequence;
    request.amount_minor = amount_minor;
    request.memo = optional(memo);
    return ledger->ledger.post(request);
  });
}

int ledger_void(ledger_handle* ledger, const char* principal, const char* key,
                int64_t pending_sequence, const char* memo, ledger_result** result) {
  return run_money_call(ledger, "ledger_void", result, [&] {
    ledger::VoidRequest request;
    request.principal = required(principal, "ledger_void", "principal");
    request.key = required(key, "ledger_void", "key");
    request.pending_sequence = pending_sequence;
    request.memo = optional(memo);
    return ledger->ledger.void_pending(request);
  });
}

int ledger_reverse(ledger_handle* ledger, const char* principal, const char* key,
                   int64_t original_sequence, int64_t amount_minor, const char* memo,
                   ledger_result** result) {
  return run_money_call(ledger, "ledger_reverse", result, [&] {
    ledger::ReverseRequest request;
    request.principal = required(principal, "ledger_reverse", "principal");
    request.key = required(key, "ledger_reverse", "key");
    request.original_sequence = original_sequence;
    request.amount_minor = amount_minor;
    request.memo = optional(memo);
    return ledger->ledger.reverse(request);
  });
}

int ledger_batch_new(ledger_batch** out) {
  return guarded(nullptr, [&] {
    require_pointer(out, "ledger_batch_new", "out");
    *out = nullptr;
    *out = make_object<ledger_batch, BlockKind::batch>();
    return LEDGER_OK;
  });
}

int ledger_batch_add(ledger_batch* batch, const char* principal, const char* key,
                     const char* debit_account, const char* credit_account, int64_t amount_minor,
                     const char* currency, const char* memo) {
  return guarded(nullptr, [&] {
    require_pointer(batch, "ledger_batch_add", "batch");
    batch->requests.push_back(movement_request("ledger_batch_add", principal, key,
                                               debit_account, credit_account, amount_minor,
                                               currency, memo));
    batch->results.clear();  // results describe the batch as it was run
    return LEDGER_OK;
  });
}

size_t ledger_batch_size(const ledger_batch* batch) {
  return batch == nullptr ? 0 : batch->requests.size();
}

int ledger_batch_run(ledger_handle* ledger, ledger_batch* batch, int mode) {
  if (ledger == nullptr) return null_handle("ledger_batch_run");
  return guarded(ledger, [&] {
    require_pointer(batch, "ledger_batch_run", "batch");
    batch->results.clear();
    if (mode != LEDGER_BATCH_INDEPENDENT && mode != LEDGER_BATCH_LINKED) {
      throw ledger::Error(ledger::ErrorCode::invalid_argument,
                          fmt::format("ledger_batch_run: mode {} is not a LEDGER_BATCH_* value "
                                      "(0 independent, 1 linked)",
                                      mode));
    }
    std::vector<ledger::TransferResult> outcomes = ledger->ledger.transfer_batch(
        batch->requests,
        mode == LEDGER_BATCH_LINKED ? ledger::BatchMode::linked : ledger::BatchMode::independent);
    std::vector<ledger_result> results;
    results.reserve(outcomes.size());
    for (ledger::TransferResult& outcome : outcomes) {
      results.push_back(ledger::c_api::to_c_result(std::move(outcome)));
    }
    batch->results = std::move(results);
    return LEDGER_OK;
  });
}

const ledger_result* ledger_batch_result(const ledger_batch* batch, size_t index) {
  if (batch == nullptr || index >= batch->results.size()) return nullptr;
  return &batch->results[index];
}

}  // extern "C"

