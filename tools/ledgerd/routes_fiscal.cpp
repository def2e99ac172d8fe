// GET /v1/closings, POST /v1/closings (close the day) and GET /v1/verify: admin token only.
// Closing needs the operator's key on the server (ledgerd --signing-key); the closing runs
// exactly once per Idempotency-Key like a money-moving request, and a retry replays the
// stored closing byte for byte.
#include <fmt/format.h>

#include "auth.h"
#include "http_errors.h"
#include "ledger/fiscal.h"
#include "money_request.h"
#include "money_response.h"
#include "request_parsing.h"
#include "routes.h"
#include "documents.h"
#include "output.h"
#include "verify_report.h"

namespace ledgerd {
namespace {

using json = nlohmann::ordered_json;

void get_closings(Service& service, const httplib::Request& req, httplib::Response& res) {
  require_admin(authenticate(req, service), "reading closings");
  const auto closings =
      service.readers.with_reader([](ledger::Ledger& ledger) { return ledger.closings(); });
  json list = json::array();
  for (const auto& closing : closings) {
    json entry = ledgerctl::closing_json(closing);
    // Whether this server's key signed it; GET /v1/verify checks the signatures themselves.
    entry["signed_by_server_key"] = !service.signing.fingerprint_hex.empty() &&
                                    closing.key_fingerprint_hex == service.signing.fingerprint_hex;
    list.push_back(std::move(entry));
  }
  send_json(res, 200,
            ledgerctl::dump_json({{"closings", list},
                                  {"server_can_close", !service.signing.private_pem.empty()}}));
}

void post_closing(Service& service, const httplib::Request& req, httplib::Response& res,
                  const std::string& text) {
  const KeyedCaller caller = keyed_caller(service, req);
  require_admin(caller.principal, "closing the day");
  const JsonFields body(text, {"until_ms"}, /*empty_is_object=*/true);
  if (service.signing.private_pem.empty()) {
    throw ApiException({409, "invalid_request", "signing_key_missing",
                        "this ledgerd has no signing key, so it cannot sign a closing: start it "
                        "with --signing-key PEM (ledgerctl signing-key create), or close with "
                        "`ledgerctl close` on the server",
                        ""});
  }
  ledger::CloseRequest request{caller.principal.name, caller.key, std::nullopt,
                               service.signing.private_pem};
  request.until_ms = body.optional_integer("until_ms", 0, 253402300799999);
  send_money_result(service, res, timed_write(service, [&] {
                      return service.writer.with_ledger(
                          [&](ledger::Ledger& ledger) { return ledger.close(request); });
                    }));
}

void get_verify(Service& service, const httplib::Request& req, httplib::Response& res) {
  require_admin(authenticate(req, service), "verifying the ledger");
  ledger::VerifyOptions options;
  if (!service.signing.public_pem.empty()) options.public_key_pem = service.signing.public_pem;
  const ledger::VerifyReport report = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.verify(options); });
  json document = ledgerctl::report_json(report);
  document["signatures_checked_with_server_key"] = options.public_key_pem.has_value();
  send_json(res, 200, ledgerctl::dump_json(document));
}

}  // namespace

void add_fiscal_routes(Router& router, Service& service) {
  const auto bind = [&service](auto handler) {
    return [&service, handler](const httplib::Request& req, httplib::Response& res) {
      handler(service, req, res);
    };
  };
  router.get("/v1/closings", bind(get_closings));
  router.post("/v1/closings",
              [&service](const httplib::Request& req, httplib::Response& res,
                         const std::string& body) { post_closing(service, req, res, body); });
  router.get("/v1/verify", bind(get_verify));
}

}  // namespace ledgerd
