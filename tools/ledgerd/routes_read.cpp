// GET /healthz, /v1, /v1/accounts, /v1/accounts/{code}, /v1/transfers/{seq}, /v1/journal and
// /v1/idempotency-keys/{key}. Every read runs on a reader (reader_pool.h), never on the
// writer, and shows a non-admin principal only what it may name.
#include <fmt/format.h>

#include <limits>

#include "auth.h"
#include "documents.h"
#include "http_errors.h"
#include "ledger/version.h"
#include "output.h"
#include "request_log.h"
#include "request_parsing.h"
#include "routes.h"

namespace ledgerd {
namespace {

using json = nlohmann::ordered_json;

constexpr std::int64_t kDefaultJournalLimit = 100;
constexpr std::int64_t kMaxJournalLimit = 1000;
constexpr std::int64_t kMaxSequence = std::numeric_limits<std::int64_t>::max();

void get_service_document(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const ServicePolicy& policy = service.policy;
  const json document = {{"version", policy.version},
                         {"file_format_version", ledger::file_format_version()},
                         {"principal",
                          {{"name", principal.name},
                           {"admin", principal.admin},
                           {"account_patterns", principal.account_patterns}}},
                         {"idempotency",
                          {{"header", "Idempotency-Key"},
                           {"client_keys_accepted", policy.client_keys_accepted},
                           {"issued_key_ttl_seconds", policy.issued_key_ttl_seconds},
                           {"rejection_retention_seconds", policy.rejection_retention_seconds},
                           {"completed_keys_kept", "forever"}}}};
  send_json(res, 200, ledgerctl::dump_json(document));
}

void get_account(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const std::string code = req.matches[1].str();
  require_account(principal, code, "code");
  const auto account = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.find_account(code); });
  if (!account) {
    throw not_found(fmt::format("no account {}: list the accounts with GET /v1/accounts",
                                ledgerctl::one_line(code)));
  }
  send_json(res, 200, ledgerctl::dump_json(ledgerctl::account_json(*account)));
}

void get_accounts(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const auto accounts =
      service.readers.with_reader([](ledger::Ledger& ledger) { return ledger.list_accounts(); });
  json list = json::array();
  for (const auto& account : accounts) {
    if (ledger::may_use_account(principal, account.code)) {
      list.push_back(ledgerctl::account_json(account));
    }
  }
  send_json(res, 200, ledgerctl::dump_json({{"accounts", list}}));
}

void get_transfer(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const std::int64_t sequence = path_sequence(req);
  const auto rows = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.journal(sequence, 1); });
  if (rows.empty() || rows.front().sequence != sequence) {
    throw not_found(fmt::format("no journal row {}: see GET /v1/journal", sequence));
  }
  if (!may_use_entry(principal, rows.front())) {
    require_account(principal, rows.front().debit_account, "seq");
    require_account(principal, rows.front().credit_account, "seq");
  }
  send_json(res, 200, ledgerctl::dump_json(ledgerctl::journal_entry_json(rows.front())));
}

// One page of the journal from `since` on. A non-admin principal sees only the rows it may
// name; next_since lets it page on past the rows it may not see.
void get_journal(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const auto param = [&](const char* name, std::int64_t fallback, std::int64_t min,
                         std::int64_t max) {
    return req.has_param(name) ? parse_digits(req.get_param_value(name), name, min, max) : fallback;
  };
  const std::int64_t since = param("since", 1, 1, kMaxSequence);
  const std::int64_t limit = param("limit", kDefaultJournalLimit, 1, kMaxJournalLimit);
  const auto rows = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.journal(since, limit); });
  json entries = json::array();
  for (const auto& row : rows) {
    if (may_use_entry(principal, row)) entries.push_back(ledgerctl::journal_entry_json(row));
  }
  const std::int64_t next_since = rows.empty() ? since : rows.back().sequence + 1;
  send_json(res, 200, ledgerctl::dump_json({{"entries", entries}, {"next_since", next_since}}));
}

// Holds, newest first (?state=pending|posted|voided|expired, ?limit= up to 1000); a
// non-admin principal sees only the holds between accounts it may name.
void get_pending(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  std::optional<ledger::PendingState> state;
  if (req.has_param("state")) {
    state = ledgerctl::pending_state_named(req.get_param_value("state"));
    if (!state) {
      throw bad_request("state must be pending, posted, voided or expired (or left out for all)",
                        "state");
    }
  }
  const std::int64_t limit =
      req.has_param("limit")
          ? parse_digits(req.get_param_value("limit"), "limit", 1, kMaxJournalLimit)
          : kDefaultJournalLimit;
  const auto holds = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.list_pending(state, limit); });
  json list = json::array();
  for (const auto& hold : holds) {
    if (ledger::may_use_account(principal, hold.debit_account) &&
        ledger::may_use_account(principal, hold.credit_account)) {
      list.push_back(ledgerctl::pending_json(hold));
    }
  }
  send_json(res, 200, ledgerctl::dump_json({{"pending", list}}));
}

// Keys are scoped by principal (SPEC 4): find_key only finds the caller's own, so another
// principal's key is simply not found, exactly like a key nobody used.
// An admin may name another principal (?principal=till:7) to see that principal's key
// record, e.g. the console's sale detail; anyone else sees only their own.
void get_key(Service& service, const httplib::Request& req, httplib::Response& res) {
  const ledger::Principal principal = authenticate(req, service);
  const std::string key = req.matches[1].str();
  note_key(key);
  std::string owner = principal.name;
  if (req.has_param("principal")) {
    require_admin(principal, "reading another principal's key");
    owner = req.get_param_value("principal");
  }
  const auto record = service.readers.with_reader(
      [&](ledger::Ledger& ledger) { return ledger.find_key(owner, key); });
  if (!record) {
    throw not_found(
        "no such idempotency key for this principal: a key is only visible to the "
        "principal that used or was issued it");
  }
  send_json(res, 200, ledgerctl::dump_json(ledgerctl::key_json(*record)));
}

}  // namespace

void add_read_routes(Router& router, Service& service) {
  router.get("/healthz", [](const auto&, auto& res) { send_json(res, 200, R"({"status":"ok"})"); });
  const auto bind = [&service](auto handler) {
    return [&service, handler](const httplib::Request& req, httplib::Response& res) {
      handler(service, req, res);
    };
  };
  router.get("/v1", bind(get_service_document));
  router.get("/v1/accounts", bind(get_accounts));
  router.get("/v1/accounts/(.+)", bind(get_account));
  router.get(R"(/v1/transfers/(\d+))", bind(get_transfer));
  router.get("/v1/journal", bind(get_journal));
  router.get("/v1/pending", bind(get_pending));
  router.get("/v1/idempotency-keys/(.+)", bind(get_key));
}

}  // namespace ledgerd
