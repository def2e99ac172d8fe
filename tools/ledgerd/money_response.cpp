#include "money_response.h"

#include <fmt/format.h>

#include "http_errors.h"
#include "request_log.h"
#include "router.h"

namespace ledgerd {
namespace {

bool stored(const ledger::TransferResult& result) {
  const auto outcome_class = ledger::outcome_class(result.outcome);
  return outcome_class == ledger::OutcomeClass::done ||
         outcome_class == ledger::OutcomeClass::rejected;
}

void count(Service& service, const ledger::TransferResult& result, const ApiError* error) {
  if (result.replayed) service.metrics.count_replay();
  if (error != nullptr && error->status == 422) service.metrics.count_conflict(error->code);
}

}  // namespace

void send_money_result(Service& service, httplib::Response& res,
                       const ledger::TransferResult& result) {
  current_request().replayed = result.replayed;
  if (!stored(result)) {
    const ApiError error = unstored_outcome_error(result);
    count(service, result, &error);
    send_error(res, error);
    return;
  }
  count(service, result, nullptr);
  if (result.replayed) res.set_header("Idempotent-Replayed", "true");
  send_json(res, status_for(result.outcome), result.body);
}

std::string batch_item_json(Service& service, const ledger::TransferResult& result) {
  std::string body = result.body;
  int status = status_for(result.outcome);
  if (!stored(result)) {
    const ApiError error = unstored_outcome_error(result);
    count(service, result, &error);
    body = error_body(error);
    status = error.status;
  } else {
    count(service, result, nullptr);
  }
  return fmt::format(R"({{"status":{},"idempotent_replayed":{},"body":{}}})", status,
                     result.replayed ? "true" : "false", body);
}

}  // namespace ledgerd
