// POST /v1/transfers, POST /v1/batches and POST /v1/idempotency-keys.
#include <fmt/format.h>

#include <string>
#include <vector>

#include "auth.h"
#include "http_errors.h"
#include "idempotency_header.h"
#include "money_request.h"
#include "money_response.h"
#include "output.h"
#include "request_log.h"
#include "request_parsing.h"
#include "routes.h"

namespace ledgerd {
namespace {

// One batch is one commit holding the write lock: a bound keeps it short (the 64 KiB body
// limit allows a few hundred items anyway).
constexpr std::size_t kMaxBatchItems = 1000;
constexpr std::int64_t kMaxTtlSeconds = 100LL * 365 * 24 * 3600;  // keeps ms arithmetic safe
const std::vector<std::string> kKeyOperations = {"transfer", "reserve", "post", "void", "reverse"};

// The transfer fields of a request body (POST /v1/transfers or a batch item), checked
// against the principal's accounts. The key is set by the caller.
ledger::TransferRequest transfer_from(const JsonFields& body, const ledger::Principal& principal) {
  ledger::TransferRequest request = money_fields(body, principal);
  require_accounts(body, principal, request.debit_account, request.credit_account);
  return request;
}

void post_transfer(Service& service, const httplib::Request& req, httplib::Response& res,
                   const std::string& text) {
  const KeyedCaller caller = keyed_caller(service, req);
  ledger::TransferRequest request = transfer_from(
      JsonFields(text, {"from", "to", "amount", "currency", "memo"}), caller.principal);
  request.key = caller.key;
  // A retry of a completed transfer is answered from a read connection: it neither waits
  // for the group commit in flight nor holds up the next one.
  auto replayed =
      service.readers.with_reader([&](ledger::Ledger& reader) { return reader.replay(request); });
  if (replayed) {
    send_money_result(service, res, std::move(*replayed));
    return;
  }
  send_money_result(service, res,
                    timed_write(service, [&] { return service.writer.transfer(request); }));
}

std::vector<ledger::TransferRequest> batch_items(const JsonFields& body,
                                                 const ledger::Principal& principal) {
  std::vector<ledger::TransferRequest> requests;
  const nlohmann::json& items = body.required_array("items", kMaxBatchItems);
  for (std::size_t i = 0; i < items.size(); ++i) {
    const JsonFields item(items[i], {"idempotency_key", "from", "to", "amount", "currency", "memo"},
                          fmt::format("items[{}].", i));
    const std::string key = item.required_string("idempotency_key");
    check_key_text(key, item.param("idempotency_key"));
    ledger::TransferRequest request = transfer_from(item, principal);
    request.key = key;
    requests.push_back(std::move(request));
  }
  return requests;
}

// A batch is one transaction of its own (transfer_batch), not part of a group commit: a
// linked batch must commit or fail as a whole.
void post_batch(Service& service, const httplib::Request& req, httplib::Response& res,
                const std::string& text) {
  const ledger::Principal principal = authenticate(req, service);
  const JsonFields body(text, {"linked", "items"});
  const bool linked = body.optional_bool("linked").value_or(false);
  const std::vector<ledger::TransferRequest> requests = batch_items(body, principal);
  const auto mode = linked ? ledger::BatchMode::linked : ledger::BatchMode::independent;
  const std::vector<ledger::TransferResult> results = timed_write(service, [&] {
    return service.writer.with_ledger(
        [&](ledger::Ledger& ledger) { return ledger.transfer_batch(requests, mode); });
  });
  std::string answer = R"({"items":[)";
  for (std::size_t i = 0; i < results.size(); ++i) {
    answer += (i == 0 ? "" : ",") + batch_item_json(service, results[i]);
  }
  send_json(res, 200, answer + "]}");
}

void post_key(Service& service, const httplib::Request& req, httplib::Response& res,
              const std::string& text) {
  const ledger::Principal principal = authenticate(req, service);
  const JsonFields body(text, {"operation", "ttl_seconds"});
  const std::string operation = body.required_string("operation");
  if (std::find(kKeyOperations.begin(), kKeyOperations.end(), operation) == kKeyOperations.end()) {
    throw bad_request(fmt::format("operation \"{}\" is not one of transfer, reserve, post, "
                                  "void, reverse",
                                  ledgerctl::one_line(operation)),
                      "operation");
  }
  const auto ttl = body.optional_integer("ttl_seconds", 1, kMaxTtlSeconds);
  const ledger::KeyRecord record = service.writer.with_ledger(
      [&](ledger::Ledger& ledger) { return ledger.issue_key(principal.name, operation, ttl); });
  note_key(record.key);
  send_json(res, 201,
            ledgerctl::dump_json({{"key", record.key},
                                  {"operation", record.operation},
                                  {"expires_at", ledgerctl::time_json(record.expires_at_ms)}}));
}

}  // namespace

void add_money_routes(Router& router, Service& service) {
  router.post("/v1/transfers", [&service](const auto& req, auto& res, const auto& body) {
    post_transfer(service, req, res, body);
  });
  router.post("/v1/batches", [&service](const auto& req, auto& res, const auto& body) {
    post_batch(service, req, res, body);
  });
  router.post("/v1/idempotency-keys", [&service](const auto& req, auto& res, const auto& body) {
    post_key(service, req, res, body);
  });
}

}  // namespace ledgerd
