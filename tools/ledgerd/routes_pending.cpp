// POST /v1/pending (reserve), /v1/pending/{seq}/post, /v1/pending/{seq}/void and
// /v1/transfers/{seq}/reversals: two-phase transfers and refunds.
//
// Post, void and reverse name a journal row rather than accounts, so the permission check
// and the amount's currency come from that row: a row's accounts never change once it
// exists. A retry of a completed step is answered on a read connection, after the same
// check (Ledger::replay), without waiting for the writer; any other request runs the check
// and the operation in one with_ledger() call on the writer's connection.
#include <fmt/format.h>

#include <limits>
#include <optional>

#include "auth.h"
#include "http_errors.h"
#include "money_request.h"
#include "money_response.h"
#include "request_parsing.h"
#include "routes.h"

namespace ledgerd {
namespace {

constexpr std::int64_t kMaxHoldSeconds = 10LL * 365 * 24 * 3600;

void post_reserve(Service& service, const httplib::Request& req, httplib::Response& res,
                  const std::string& text) {
  const KeyedCaller caller = keyed_caller(service, req);
  const JsonFields body(text, {"from", "to", "amount", "currency", "memo", "timeout_seconds"});
  const ledger::TransferRequest fields = money_fields(body, caller.principal);
  ledger::ReserveRequest request{
      fields.principal,    caller.key,      fields.debit_account, fields.credit_account,
      fields.amount_minor, fields.currency, fields.memo};
  if (const auto timeout = body.optional_integer("timeout_seconds", 1, kMaxHoldSeconds)) {
    request.timeout_seconds = *timeout;
  }
  require_accounts(body, caller.principal, request.debit_account, request.credit_account);
  auto replayed =
      service.readers.with_reader([&](ledger::Ledger& reader) { return reader.replay(request); });
  if (replayed) {
    send_money_result(service, res, std::move(*replayed));
    return;
  }
  send_money_result(service, res, timed_write(service, [&] {
                      return service.writer.with_ledger(
                          [&](ledger::Ledger& ledger) { return ledger.reserve(request); });
                    }));
}

std::optional<ledger::JournalEntry> find_row(ledger::Ledger& ledger, std::int64_t sequence) {
  const auto rows = ledger.journal(sequence, 1);
  if (rows.empty() || rows.front().sequence != sequence) return std::nullopt;
  return rows.front();
}

// The optional "amount" of a post or refund, in the currency of journal row `row`. An
// absent row leaves the engine to answer (a stored not-found rejection) unless an amount
// was given: its digits mean nothing without the row's currency.
std::int64_t amount_of_row(const std::optional<std::string>& amount,
                           const std::optional<ledger::JournalEntry>& row, std::int64_t sequence,
                           const char* omitted) {
  if (!amount) return 0;
  if (!row) {
    throw bad_request(fmt::format("there is no journal row {}, so \"amount\" has no currency "
                                  "to be read in; check the sequence number (GET /v1/journal)",
                                  sequence),
                      "amount");
  }
  const std::int64_t minor = parse_money(*amount, row->currency, row->exponent, "amount");
  if (minor == 0)
    throw bad_request(fmt::format("amount must be more than 0: {}", omitted), "amount");
  return minor;
}

ledger::TransferResult perform(ledger::Ledger& ledger, const ledger::PostRequest& request) {
  return ledger.post(request);
}
ledger::TransferResult perform(ledger::Ledger& ledger, const ledger::VoidRequest& request) {
  return ledger.void_pending(request);
}
ledger::TransferResult perform(ledger::Ledger& ledger, const ledger::ReverseRequest& request) {
  return ledger.reverse(request);
}

// A keyed operation on journal row {seq}: `build` turns the row and the body (its fields
// `allowed`, an empty body allowed) into the engine request, after the permission check on
// the row's accounts.
template <typename Build>
void on_row(Service& service, const httplib::Request& req, httplib::Response& res,
            const std::string& text, std::initializer_list<std::string_view> allowed, Build build) {
  const KeyedCaller caller = keyed_caller(service, req);
  const std::int64_t sequence = path_sequence(req);
  const JsonFields body(text, allowed, /*empty_is_object=*/true);
  auto checked_request = [&](ledger::Ledger& ledger) {
    const auto row = find_row(ledger, sequence);
    if (row && !may_use_entry(caller.principal, *row)) {
      require_account(caller.principal, row->debit_account, "seq");
      require_account(caller.principal, row->credit_account, "seq");
    }
    return build(caller, sequence, row, body);
  };
  auto replayed = service.readers.with_reader(
      [&](ledger::Ledger& reader) { return reader.replay(checked_request(reader)); });
  if (replayed) {
    send_money_result(service, res, std::move(*replayed));
    return;
  }
  send_money_result(service, res, timed_write(service, [&] {
                      return service.writer.with_ledger([&](ledger::Ledger& ledger) {
                        return perform(ledger, checked_request(ledger));
                      });
                    }));
}

ledger::PostRequest post_hold(const KeyedCaller& caller, std::int64_t sequence,
                              const std::optional<ledger::JournalEntry>& row,
                              const JsonFields& body) {
  return ledger::PostRequest{
      caller.principal.name, caller.key, sequence,
      amount_of_row(body.optional_string("amount"), row, sequence, "omit it to post the full hold"),
      body.optional_string("memo").value_or("")};
}

ledger::VoidRequest void_hold(const KeyedCaller& caller, std::int64_t sequence,
                              const std::optional<ledger::JournalEntry>&, const JsonFields& body) {
  return ledger::VoidRequest{caller.principal.name, caller.key, sequence,
                             body.optional_string("memo").value_or("")};
}

ledger::ReverseRequest refund(const KeyedCaller& caller, std::int64_t sequence,
                              const std::optional<ledger::JournalEntry>& row,
                              const JsonFields& body) {
  return ledger::ReverseRequest{
      caller.principal.name, caller.key, sequence,
      amount_of_row(body.optional_string("amount"), row, sequence,
                    "omit it to refund everything not refunded yet"),
      body.optional_string("memo").value_or("")};
}

}  // namespace

void add_pending_routes(Router& router, Service& service) {
  router.post("/v1/pending", [&service](const auto& req, auto& res, const auto& body) {
    post_reserve(service, req, res, body);
  });
  router.post(R"(/v1/pending/(\d+)/post)",
              [&service](const auto& req, auto& res, const auto& body) {
                on_row(service, req, res, body, {"amount", "memo"}, post_hold);
              });
  router.post(R"(/v1/pending/(\d+)/void)",
              [&service](const auto& req, auto& res, const auto& body) {
                on_row(service, req, res, body, {"memo"}, void_hold);
              });
  router.post(R"(/v1/transfers/(\d+)/reversals)",
              [&service](const auto& req, auto& res, const auto& body) {
                on_row(service, req, res, body, {"amount", "memo"}, refund);
              });
}

}  // namespace ledgerd
