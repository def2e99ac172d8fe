#include "pending.h"

#include <fmt/format.h>

#include "accounts.h"
#include "events.h"
#include "validate.h"

namespace ledger::detail {

std::optional<Hold> load_hold(Db& db, std::int64_t seq) {
  auto& query = db.statement(
      "SELECT d.code, c.code, j.currency, p.state, p.amount, p.expires_at "
      "FROM pending_transfers p JOIN journal j ON j.seq = p.seq "
      "JOIN accounts d ON d.id = p.debit_account JOIN accounts c ON c.id = p.credit_account "
      "WHERE p.seq = ?");
  query.bind(1, seq);
  if (!query.executeStep()) return std::nullopt;
  Hold hold{seq, query.getColumn(0).getString(), query.getColumn(1).getString(),
            query.getColumn(2).getString(), query.getColumn(3).getString(),
            query.getColumn(4).getInt64(), query.getColumn(5).getInt64()};
  query.tryReset();
  return hold;
}

void insert_hold(Db& db, std::int64_t seq, std::int64_t debit_id, std::int64_t credit_id,
                 std::int64_t amount_minor, std::int64_t expires_at_ms) {
  auto& insert = db.statement(
      "INSERT INTO pending_transfers (seq, debit_account, credit_account, amount, state, "
      "expires_at) VALUES (?, ?, ?, ?, 'pending', ?)");
  insert.bind(1, seq);
  insert.bind(2, debit_id);
  insert.bind(3, credit_id);
  insert.bind(4, amount_minor);
  insert.bind(5, expires_at_ms);
  insert.exec();
}

void finish_hold(Db& db, std::int64_t seq, const char* state, std::int64_t posted_amount,
                 std::int64_t finished_seq) {
  auto& update = db.statement(
      "UPDATE pending_transfers SET state = ?, posted_amount = ?, finished_seq = ? "
      "WHERE seq = ? AND state = 'pending'");
  update.bind(1, state);
  update.bind(2, posted_amount);
  update.bind(3, finished_seq);
  update.bind(4, seq);
  if (update.exec() != 1) throw Error(ErrorCode::internal, "pending transfer changed under a write lock");
}

std::optional<Executed> check_hold_open(Impl& impl, const std::optional<Hold>& hold,
                                        std::int64_t seq, std::int64_t now) {
  if (!hold) {
    return rejected(Outcome::pending_not_found,
                    fmt::format("no pending transfer with sequence {}; check the sequence "
                                "against the list of pending transfers",
                                seq));
  }
  if (hold->state == "posted") {
    return rejected(Outcome::pending_already_posted,
                    fmt::format("pending transfer {} was already posted", seq));
  }
  if (hold->state == "voided") {
    return rejected(Outcome::pending_already_voided,
                    fmt::format("pending transfer {} was voided", seq));
  }
  if (hold->state == "pending" && hold->expires_at <= now) {
    auto debit = find_account_for_update(impl, hold->debit_code);
    if (debit) release_due_holds(impl, *debit, now);
  }
  if (hold->state == "expired" || hold->expires_at <= now) {
    return rejected(Outcome::pending_expired,
                    fmt::format("pending transfer {} passed its timeout and was voided; reserve "
                                "again with a new key",
                                seq));
  }
  return std::nullopt;
}

void set_pending(Impl& impl, std::int64_t account_id, std::int64_t pending_minor) {
  auto& update = impl.db.statement("UPDATE accounts SET pending = ? WHERE id = ?");
  update.bind(1, pending_minor);
  update.bind(2, account_id);
  update.exec();
  if (Account* cached = impl.cache.account_by_id(account_id)) cached->pending_minor = pending_minor;
}

std::int64_t effective_pending(Impl& impl, const Account& account, std::int64_t now_ms) {
  if (account.pending_minor == 0) return 0;
  auto& due = impl.db.statement(
      "SELECT COALESCE(SUM(amount), 0) FROM pending_transfers WHERE debit_account = ? AND "
      "state = 'pending' AND expires_at <= ?");
  due.bind(1, account.id);
  due.bind(2, now_ms);
  due.executeStep();
  std::int64_t lapsed = due.getColumn(0).getInt64();
  due.tryReset();
  return account.pending_minor - lapsed;
}

std::int64_t release_due_holds(Impl& impl, Account& account, std::int64_t now_ms) {
  auto& due = impl.db.statement(
      "SELECT seq, amount FROM pending_transfers WHERE debit_account = ? AND state = 'pending' "
      "AND expires_at <= ?");
  due.bind(1, account.id);
  due.bind(2, now_ms);
  std::vector<std::pair<std::int64_t, std::int64_t>> holds;
  while (due.executeStep()) holds.emplace_back(due.getColumn(0).getInt64(), due.getColumn(1).getInt64());
  due.tryReset();
  if (holds.empty()) return 0;
  auto& expire = impl.db.statement(
      "UPDATE pending_transfers SET state = 'expired' WHERE seq = ? AND state = 'pending'");
  for (const auto& [seq, amount] : holds) {
    expire.bind(1, seq);
    expire.exec();
    expire.tryReset();
    account.pending_minor -= amount;
    // No journal row records an expiry (nothing is posted): the event chain does.
    append_event(impl, Event{std::string(kEventHoldExpired), std::to_string(seq),
                             hold_expired_detail(account.code, amount), 0, now_ms});
  }
  set_pending(impl, account.id, account.pending_minor);
  return static_cast<std::int64_t>(holds.size());
}


std::int64_t expire_all_pending(Impl& impl, std::int64_t now) {
  auto& due = impl.db.statement(
      "SELECT DISTINCT d.code FROM pending_transfers p JOIN accounts d ON d.id = p.debit_account "
      "WHERE p.state = 'pending' AND p.expires_at <= ?");
  due.bind(1, now);
  std::vector<std::string> codes;
  while (due.executeStep()) codes.push_back(due.getColumn(0).getString());
  due.tryReset();
  std::int64_t expired = 0;
  for (const auto& code : codes) {
    auto account = find_account_for_update(impl, code);
    if (account) expired += release_due_holds(impl, *account, now);
  }
  return expired;
}

std::vector<PendingTransfer> list_pending(Impl& impl, std::optional<PendingState> state,
                                          std::int64_t limit) {
  check_limit(limit);
  auto& query = impl.db.statement(
      "SELECT p.seq, d.code, c.code, p.amount, j.currency, d.exponent, "
      "CASE WHEN p.state = 'pending' AND p.expires_at <= ?1 THEN 'expired' ELSE p.state END AS s, "
      "p.expires_at, p.posted_amount, p.finished_seq, j.principal, j.idem_key, j.memo "
      "FROM pending_transfers p JOIN journal j ON j.seq = p.seq "
      "JOIN accounts d ON d.id = p.debit_account JOIN accounts c ON c.id = p.credit_account "
      "WHERE (?2 IS NULL OR s = ?2) ORDER BY p.seq DESC LIMIT ?3");
  query.bind(1, impl.now_ms());
  if (state) query.bind(2, to_string(*state));
  query.bind(3, limit);
  std::vector<PendingTransfer> rows;
  while (query.executeStep()) {
    PendingTransfer row;
    row.sequence = query.getColumn(0).getInt64();
    row.debit_account = query.getColumn(1).getString();
    row.credit_account = query.getColumn(2).getString();
    row.amount_minor = query.getColumn(3).getInt64();
    row.currency = query.getColumn(4).getString();
    row.exponent = query.getColumn(5).getInt();
    std::string text = query.getColumn(6).getString();
    row.state = text == "posted"   ? PendingState::posted
                : text == "voided" ? PendingState::voided
                : text == "expired" ? PendingState::expired
                                    : PendingState::pending;
    row.expires_at_ms = query.getColumn(7).getInt64();
    row.posted_amount_minor = query.getColumn(8).getInt64();
    if (!query.getColumn(9).isNull()) row.finished_sequence = query.getColumn(9).getInt64();
    row.principal = query.getColumn(10).getString();
    row.key = query.getColumn(11).getString();
    row.memo = query.getColumn(12).getString();
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace ledger::detail
