// Who is asking (the bearer token's principal) and what it may name (SPEC 8): an admin
// principal may do everything; any other may only name accounts matching its patterns
// (ledger::may_use_account) in money-moving requests and reads.
#pragma once

#include <httplib.h>

#include <string>

#include "ledger/ledger.h"
#include "service.h"

namespace ledgerd {

// The principal behind `Authorization: Bearer TOKEN`, also recorded for the request's log
// line. Throws ApiException 401 (authentication_error) for a missing, malformed, unknown or
// revoked token.
[[nodiscard]] ledger::Principal authenticate(const httplib::Request& req, Service& service);

// Throws ApiException 403 (admin_required) unless `principal` is an admin.
void require_admin(const ledger::Principal& principal, const std::string& what);

// Throws ApiException 403 (account_not_permitted, param `param`) unless `principal` may
// name `account_code`.
void require_account(const ledger::Principal& principal, const std::string& account_code,
                     const std::string& param);

// Whether `principal` may see (and act on) a journal row: it may name both its accounts.
[[nodiscard]] bool may_use_entry(const ledger::Principal& principal,
                                 const ledger::JournalEntry& entry);

}  // namespace ledgerd
