// How ledgerctl prints one account (`account show`), shared by the local and the remote
// mode so that both print the same fields.
#pragma once

#include "cli.h"
#include "ledger/types.h"

namespace ledgerctl {

// "label:  value" lines, or with --json the account's JSON document (code, currency,
// exponent, balance, balance_minor, pending, ..., created_at_ms, id).
void show_account(const Globals& globals, const ledger::Account& account);

}  // namespace ledgerctl
