#include "money_request.h"

#include "auth.h"
#include "idempotency_header.h"
#include "request_log.h"

namespace ledgerd {

KeyedCaller keyed_caller(Service& service, const httplib::Request& req) {
  KeyedCaller caller{authenticate(req, service), idempotency_key(req)};
  note_key(caller.key);
  return caller;
}

ledger::TransferRequest money_fields(const JsonFields& body, const ledger::Principal& principal) {
  ledger::TransferRequest request;
  request.principal = principal.name;
  request.debit_account = body.required_string("from");
  request.credit_account = body.required_string("to");
  request.currency = body.required_string("currency");
  const int exponent = exponent_of(request.currency, body.param("currency"));
  request.amount_minor =
      parse_money(body.required_string("amount"), request.currency, exponent, body.param("amount"));
  request.memo = body.optional_string("memo").value_or("");
  return request;
}

void require_accounts(const JsonFields& body, const ledger::Principal& principal,
                      const std::string& debit_account, const std::string& credit_account) {
  require_account(principal, debit_account, body.param("from"));
  require_account(principal, credit_account, body.param("to"));
}

}  // namespace ledgerd
