#include "fiscal_migration.h"

#include <algorithm>
#include <vector>

#include "accounts.h"
#include "db.h"
#include "events.h"
#include "key_encoding.h"
#include "ledger_id.h"
#include "outcome_chain.h"

namespace ledger::detail {
namespace {

void chain_outcomes(Db& db) {
  Statement rows(db.handle(),
                 "SELECT id, principal, idem_key, operation, transfer_seq, completed_at, state, "
                 "fingerprint, result, response FROM idempotency_keys WHERE result IS NOT NULL "
                 "AND (state = 'completed' OR state = 'expired') ORDER BY completed_at, id");
  Statement update(db.handle(),
                   "UPDATE idempotency_keys SET outcome_seq = ?, outcome_hash = ?, "
                   "outcome_digest = ? WHERE id = ?");
  ChainPosition tail{0, outcome_genesis_hash()};
  while (rows.executeStep()) {
    const std::string principal = rows.getColumn(1).getString();
    const std::string key = key_from_column(rows.getColumn(2));
    const std::string operation = rows.getColumn(3).getString();
    std::optional<std::int64_t> transfer_seq;
    if (!rows.getColumn(4).isNull()) transfer_seq = rows.getColumn(4).getInt64();
    const Digest digest = outcome_digest(column_bytes(rows.getColumn(7)),
                                         rows.getColumn(8).getString(),
                                         column_bytes(rows.getColumn(9)));
    tail.sequence += 1;
    tail.hash = outcome_link_hash(
        tail.hash, tail.sequence,
        OutcomeLink{principal, key, operation, transfer_seq, rows.getColumn(5).getInt64(), digest});
    const bool tombstone = rows.getColumn(6).getString() == "expired";
    update.bind(1, tail.sequence);
    update.bindNoCopy(2, tail.hash.data(), static_cast<int>(tail.hash.size()));
    if (tombstone) update.bindNoCopy(3, digest.data(), static_cast<int>(digest.size()));
    update.bind(4, rows.getColumn(0).getInt64());
    update.exec();
    update.tryReset();
    update.clearBindings();
  }
  write_outcome_head(db, tail);
}

void chain_events(Db& db) {
  std::vector<Event> events;
  std::vector<Account> accounts = list_accounts(db);
  std::sort(accounts.begin(), accounts.end(),
            [](const Account& a, const Account& b) { return a.id < b.id; });
  for (const Account& account : accounts) {
    events.push_back(Event{std::string(kEventAccountCreated), account.code,
                           account_event_detail(account), 0, account.created_at_ms});
  }
  Statement holds(db.handle(),
                  "SELECT p.seq, a.code, p.amount, p.expires_at FROM pending_transfers p "
                  "JOIN accounts a ON a.id = p.debit_account WHERE p.state = 'expired' "
                  "ORDER BY p.seq");
  Statement last_seq(db.handle(), "SELECT COALESCE(max(seq), 0) FROM journal");
  last_seq.executeStep();
  const std::int64_t journal_seq = last_seq.getColumn(0).getInt64();
  while (holds.executeStep()) {
    events.push_back(Event{std::string(kEventHoldExpired),
                           std::to_string(holds.getColumn(0).getInt64()),
                           hold_expired_detail(holds.getColumn(1).getString(),
                                               holds.getColumn(2).getInt64()),
                           journal_seq, holds.getColumn(3).getInt64()});
  }
  for (const Event& event : events) append_event_row(db, event);
}

}  // namespace

void chain_existing_records(Db& db) {
  record_ledger_id(db);
  chain_outcomes(db);
  chain_events(db);
}

}  // namespace ledger::detail
