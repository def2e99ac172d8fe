// What ledgerctl adds to the engine's messages. The library words its advice in its own
// terms (an Options field, an API call) or in words that suit every caller, since its
// messages also reach embedding apps and ledgerd's HTTP clients; an operator at the
// command line needs the ledgerctl command or option that does it. Each function returns
// that as a parenthesis to append to the engine's message, whose advice it follows
// (" (`ledgerctl upgrade` does that)"), or "" when the message needs nothing added.
#pragma once

#include <string>

#include "ledger/error.h"
#include "ledger/types.h"

namespace ledgerctl {

// For an operating error (ledger::Error) raised on the ledger named by --db.
[[nodiscard]] std::string cli_advice(ledger::ErrorCode code);

// For the message of a money command's outcome (TransferResult::message).
[[nodiscard]] std::string cli_advice(ledger::Outcome outcome);

}  // namespace ledgerctl
