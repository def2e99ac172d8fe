// What every money-moving route reads first: the caller (its principal and its
// Idempotency-Key), and the account, amount and memo fields that transfers, batch items and
// reserves share.
#pragma once

#include <httplib.h>

#include <string>

#include "ledger/types.h"
#include "request_parsing.h"
#include "service.h"

namespace ledgerd {

// The principal behind the token and the request's key (noted for the request log).
struct KeyedCaller {
  ledger::Principal principal;
  std::string key;
};
[[nodiscard]] KeyedCaller keyed_caller(Service& service, const httplib::Request& req);

// from, to, currency, amount (decimal text in the currency) and memo of `body`, as a
// TransferRequest for `principal` (the key is left to the caller). Checks the fields only:
// require_accounts() checks that the principal may name the accounts.
[[nodiscard]] ledger::TransferRequest money_fields(const JsonFields& body,
                                                   const ledger::Principal& principal);
// 403 unless `principal` may name both accounts (error.param from/to, as `body` names them).
void require_accounts(const JsonFields& body, const ledger::Principal& principal,
                      const std::string& debit_account, const std::string& credit_account);

}  // namespace ledgerd
