// POST /v1/accounts and GET /metrics: admin token only.
#include <fmt/format.h>

#include "auth.h"
#include "documents.h"
#include "http_errors.h"
#include "output.h"
#include "request_parsing.h"
#include "routes.h"

namespace ledgerd {
namespace {

// "none", "limit" or "unlimited", as account_json writes it.
ledger::OverdraftRule parse_overdraft(const std::string& text) {
  for (const auto rule : {ledger::OverdraftRule::none, ledger::OverdraftRule::limit,
                          ledger::OverdraftRule::unlimited}) {
    if (text == ledgerctl::overdraft_name(rule)) return rule;
  }
  throw bad_request(
      fmt::format("overdraft \"{}\" is not none, limit or unlimited", ledgerctl::one_line(text)),
      "overdraft");
}

// An overdraft_limit alone means the rule "limit"; "limit" needs the limit.
void set_overdraft(const JsonFields& body, ledger::NewAccount& account, int exponent) {
  const auto rule = body.optional_string("overdraft");
  const auto limit = body.optional_string("overdraft_limit");
  account.overdraft = rule ? parse_overdraft(*rule)
                           : (limit ? ledger::OverdraftRule::limit : ledger::OverdraftRule::none);
  if (account.overdraft == ledger::OverdraftRule::limit && !limit) {
    throw bad_request("overdraft \"limit\" needs \"overdraft_limit\", e.g. \"50.00\"",
                      "overdraft_limit");
  }
  if (account.overdraft != ledger::OverdraftRule::limit && limit) {
    throw bad_request("\"overdraft_limit\" only goes with overdraft \"limit\"", "overdraft_limit");
  }
  if (limit) {
    account.overdraft_limit_minor =
        parse_money(*limit, account.currency, exponent, "overdraft_limit");
  }
}

void post_account(Service& service, const httplib::Request& req, httplib::Response& res,
                  const std::string& text) {
  const ledger::Principal principal = authenticate(req, service);
  require_admin(principal, "creating an account");
  const JsonFields body(text, {"code", "currency", "overdraft", "overdraft_limit", "name"});
  ledger::NewAccount account;
  account.code = body.required_string("code");
  account.currency = body.required_string("currency");
  const int exponent = exponent_of(account.currency, "currency");
  set_overdraft(body, account, exponent);
  account.name = body.optional_string("name").value_or("");
  const auto created = service.writer.with_ledger([&](ledger::Ledger& ledger) {
    std::optional<ledger::Account> made;
    if (!ledger.find_account(account.code)) made = ledger.create_account(account);
    return made;
  });
  if (!created) {
    throw ApiException(
        {409, "invalid_request", "account_exists",
         fmt::format("account {} already exists: GET /v1/accounts/{} shows it",
                     ledgerctl::one_line(account.code), ledgerctl::one_line(account.code)),
         "code"});
  }
  send_json(res, 201, ledgerctl::dump_json(ledgerctl::account_json(*created)));
}

void get_metrics(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  require_admin(principal, "GET /metrics");
  res.status = 200;
  res.set_content(service.metrics.scrape(service.writer.stats()),
                  "text/plain; version=0.0.4; charset=utf-8");
}

}  // namespace

void add_admin_routes(Router& router, Service& service) {
  router.post("/v1/accounts", [&service](const auto& req, auto& res, const auto& body) {
    post_account(service, req, res, body);
  });
  router.get("/metrics",
             [&service](const auto& req, auto& res) { get_metrics(service, req, res); });
}

}  // namespace ledgerd
