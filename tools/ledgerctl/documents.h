// The JSON documents that describe the ledger's records: an account, a journal row and an
// idempotency-key record. `ledgerctl --json` prints them and ledgerd answers with them, so
// that a script reads the same fields whether it runs ledgerctl or asks the server.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

#include "ledger/fiscal.h"
#include "ledger/types.h"

namespace ledgerctl {

// "none", "limit" or "unlimited".
[[nodiscard]] const char* overdraft_name(ledger::OverdraftRule rule);
// "issued", "completed" or "expired".
[[nodiscard]] const char* key_state_name(ledger::KeyState state);

// {"code","currency","exponent","balance","balance_minor","pending","pending_minor",
//  "available","available_minor","overdraft","overdraft_limit","overdraft_limit_minor",
//  "name","created_at","created_at_ms","id"}: `account show --json`.
[[nodiscard]] nlohmann::ordered_json account_json(const ledger::Account& account);

// {"sequence","kind","debit_account","credit_account","amount","amount_minor","currency",
//  "memo","principal","key","created_at","created_at_ms","ref_sequence","prev_hash","hash"}:
// one line of `journal --format jsonl`.
[[nodiscard]] nlohmann::ordered_json journal_entry_json(const ledger::JournalEntry& entry);
// A closing's summary (no document) as `closing list --json` prints it and GET /v1/closings
// sends it.
[[nodiscard]] nlohmann::ordered_json closing_json(const ledger::Closing& closing);
// A two-phase transfer (hold) as `pending list --json` prints it and GET /v1/pending sends it.
[[nodiscard]] nlohmann::ordered_json pending_json(const ledger::PendingTransfer& pending);
// The state named `text` ("pending", "posted", "voided", "expired": ledger::to_string),
// or nullopt: `pending list --state` and GET /v1/pending?state= read it.
[[nodiscard]] std::optional<ledger::PendingState> pending_state_named(std::string_view text);

// {"principal","key","operation","issued","state","result","response",
//  "transfer_sequence","created_at","created_at_ms","expires_at","expires_at_ms",
//  "completed_at","completed_at_ms"}: `key show --json`. The stored response is embedded
// as a JSON object (as text in the unexpected case that it does not parse).
[[nodiscard]] nlohmann::ordered_json key_json(const ledger::KeyRecord& record);

}  // namespace ledgerctl
