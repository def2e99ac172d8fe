// Two-phase transfers: reserve holds funds on the debit account (available drops, posted
// does not), post captures all or part of the hold once, void releases it, and a hold past
// its timeout expires (lazily when its account or the transfer is touched, or by
// expire_all_pending). The reserve, post and void rows are hash-chained journal rows;
// the mutable state of a hold lives in pending_transfers.
#include <fmt/format.h>

#include "canonical.h"
#include "failpoint.h"
#include "ledger_ops.h"

namespace ledger::detail {
namespace {

constexpr std::int64_t kMaxTimeoutSeconds = 366LL * 24 * 3600;

struct Hold {
  std::int64_t seq = 0;
  std::string debit_code, credit_code, currency, state;
  std::int64_t amount = 0, expires_at = 0;
};

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

// The shared state checks of post and void, in this order: exists, already posted,
// already voided, expired (expiring it now if its timeout passed).
std::optional<Executed> check_hold_open(Impl& impl, const std::optional<Hold>& hold,
                                        std::int64_t seq, std::int64_t now) {
  if (!hold) {
    return rejected(Outcome::pending_not_found,
                    fmt::format("no pending transfer with sequence {}; list them with `ledgerctl "
                                "pending list`",
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
    auto debit = find_account_for_update(impl.db, hold->debit_code);
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

ResponseBody sequence_echo(const std::string& principal, const std::string& key,
                           std::int64_t seq, std::int64_t amount_minor, const std::string& memo) {
  // requested_amount_minor: 0 asks for the full hold; the response says what was posted.
  return ResponseBody{{"principal", principal}, {"key", key}, {"pending_id", seq},
                      {"requested_amount_minor", amount_minor}, {"memo", memo}};
}

std::optional<std::string> malformed_step(const std::string& principal, const std::string& key,
                                          std::int64_t seq, std::int64_t amount_minor,
                                          const std::string& memo) {
  if (auto problem = check_principal_and_key(principal, key)) return problem;
  if (seq <= 0) return fmt::format("pending transfer sequence must be positive, got {}", seq);
  if (amount_minor < 0) return fmt::format("amount must not be negative, got {}", amount_minor);
  return check_memo(memo);
}

Executed execute_reserve(Impl& impl, const ReserveRequest& request, std::int64_t now) {
  AccountPair accounts;
  if (auto refused = load_accounts_for_debit(impl, request.debit_account, request.credit_account,
                                             request.amount_minor, request.currency, now,
                                             accounts)) {
    return std::move(*refused);
  }
  // An unlimited account (or a large overdraft limit) can hold more than int64 in total:
  // the sum is checked before anything is written, and refused as a stored outcome.
  auto held_after = checked_add(accounts.debit.pending_minor, request.amount_minor);
  if (!held_after) {
    return rejected(Outcome::balance_overflow,
                    fmt::format("'{}' cannot hold more: its held amount {} {} plus {} {} would "
                                "pass the largest amount; post or void some of its holds first",
                                accounts.debit.code,
                                format_amount(accounts.debit.pending_minor, accounts.debit.exponent),
                                request.currency,
                                format_amount(request.amount_minor, accounts.debit.exponent),
                                request.currency));
  }
  JournalRow row{"reserve", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, request.amount_minor, request.currency, request.memo,
                 request.principal, request.key, now, std::nullopt};
  std::int64_t seq = append_journal(impl.db, row);
  std::int64_t expires_at = ms_after(now, request.timeout_seconds);
  auto& insert = impl.db.statement(
      "INSERT INTO pending_transfers (seq, debit_account, credit_account, amount, state, "
      "expires_at) VALUES (?, ?, ?, ?, 'pending', ?)");
  insert.bind(1, seq);
  insert.bind(2, accounts.debit.id);
  insert.bind(3, accounts.credit.id);
  insert.bind(4, request.amount_minor);
  insert.bind(5, expires_at);
  insert.exec();
  set_pending(impl.db, accounts.debit.id, *held_after);
  LEDGER_FAILPOINT("reserve.after_journal_append");
  Executed done;
  done.sequence = seq;
  done.fields = ResponseBody{{"sequence", seq}, {"pending_id", seq}, {"expires_at", expires_at}};
  return done;
}

Executed execute_post(Impl& impl, const PostRequest& request, std::int64_t now) {
  auto hold = load_hold(impl.db, request.pending_sequence);
  if (auto refused = check_hold_open(impl, hold, request.pending_sequence, now)) return *refused;
  std::int64_t amount = request.amount_minor == 0 ? hold->amount : request.amount_minor;
  if (amount > hold->amount) {
    int exponent = currency_exponent(hold->currency).value_or(2);
    return rejected(Outcome::post_amount_exceeds_pending,
                    fmt::format("cannot post {} {}: pending transfer {} holds only {} {}",
                                format_amount(amount, exponent), hold->currency, hold->seq,
                                format_amount(hold->amount, exponent), hold->currency));
  }
  AccountPair accounts;
  if (auto refused = load_account_pair(impl, hold->debit_code, hold->credit_code, hold->currency,
                                       now, accounts)) {
    return std::move(*refused);
  }
  JournalRow row{"post", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, amount, hold->currency, request.memo, request.principal,
                 request.key, now, hold->seq};
  Executed done = move_money(impl, "post", accounts, row);
  if (done.outcome != Outcome::created) return done;
  finish_hold(impl.db, hold->seq, "posted", amount, *done.sequence);
  set_pending(impl.db, accounts.debit.id, accounts.debit.pending_minor - hold->amount);
  int exponent = currency_exponent(hold->currency).value_or(2);
  done.fields.set("amount", format_amount(amount, exponent));
  done.fields.set("posted_minor", amount);
  done.fields.set("released_minor", hold->amount - amount);
  done.fields.set("currency", hold->currency);
  return done;
}

Executed execute_void(Impl& impl, const VoidRequest& request, std::int64_t now) {
  auto hold = load_hold(impl.db, request.pending_sequence);
  if (auto refused = check_hold_open(impl, hold, request.pending_sequence, now)) return *refused;
  auto debit = find_account_for_update(impl.db, hold->debit_code);
  auto credit = find_account_for_update(impl.db, hold->credit_code);
  JournalRow row{"void", debit->id, credit->id, debit->code, credit->code, hold->amount,
                 hold->currency, request.memo, request.principal, request.key, now, hold->seq};
  std::int64_t seq = append_journal(impl.db, row);
  finish_hold(impl.db, hold->seq, "voided", 0, seq);
  set_pending(impl.db, debit->id, debit->pending_minor - hold->amount);
  LEDGER_FAILPOINT("void.after_journal_append");
  Executed done;
  done.sequence = seq;
  done.fields = ResponseBody{{"sequence", seq}, {"released_minor", hold->amount}};
  return done;
}

}  // namespace

TransferResult reserve_in_transaction(Impl& impl, const ReserveRequest& request,
                                      std::int64_t now) {
  ResponseBody echo = movement_echo(request.principal, request.key, request.debit_account,
                                    request.credit_account, request.amount_minor,
                                    request.currency, request.memo);
  echo.set("timeout_seconds", request.timeout_seconds);
  auto malformed = check_principal_and_key(request.principal, request.key);
  if (!malformed) {
    malformed = malformed_transfer_fields(request.debit_account, request.credit_account,
                                          request.amount_minor, request.currency, request.memo);
  }
  if (!malformed && (request.timeout_seconds <= 0 || request.timeout_seconds > kMaxTimeoutSeconds)) {
    malformed = fmt::format("timeout must be 1 to {} seconds, got {}", kMaxTimeoutSeconds,
                            request.timeout_seconds);
  }
  if (malformed) return malformed_result(*malformed, echo);
  CanonicalWriter canonical(kReserveRequestHeader);
  canonical.text(kFieldOperation, "reserve")
      .text(kFieldDebitAccount, request.debit_account)
      .text(kFieldCreditAccount, request.credit_account)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldCurrency, request.currency)
      .text(kFieldMemo, request.memo)
      .integer(kFieldTimeout, request.timeout_seconds);
  static const std::string kOperation = "reserve";
  KeyedCall call{request.principal, request.key, kOperation, canonical.bytes(), echo, now};
  return run_keyed(impl, call, [&] { return execute_reserve(impl, request, now); });
}

TransferResult post_in_transaction(Impl& impl, const PostRequest& request, std::int64_t now) {
  ResponseBody echo = sequence_echo(request.principal, request.key, request.pending_sequence,
                                    request.amount_minor, request.memo);
  if (auto malformed = malformed_step(request.principal, request.key, request.pending_sequence,
                                      request.amount_minor, request.memo)) {
    return malformed_result(*malformed, echo);
  }
  CanonicalWriter canonical(kPostRequestHeader);
  canonical.text(kFieldOperation, "post")
      .integer(kFieldPendingSequence, request.pending_sequence)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldMemo, request.memo);
  static const std::string kOperation = "post";
  KeyedCall call{request.principal, request.key, kOperation, canonical.bytes(), echo, now};
  return run_keyed(impl, call, [&] { return execute_post(impl, request, now); });
}

TransferResult void_in_transaction(Impl& impl, const VoidRequest& request, std::int64_t now) {
  ResponseBody echo =
      sequence_echo(request.principal, request.key, request.pending_sequence, 0, request.memo);
  echo.erase("requested_amount_minor");
  if (auto malformed = malformed_step(request.principal, request.key, request.pending_sequence,
                                      0, request.memo)) {
    return malformed_result(*malformed, echo);
  }
  CanonicalWriter canonical(kVoidRequestHeader);
  canonical.text(kFieldOperation, "void")
      .integer(kFieldPendingSequence, request.pending_sequence)
      .text(kFieldMemo, request.memo);
  static const std::string kOperation = "void";
  KeyedCall call{request.principal, request.key, kOperation, canonical.bytes(), echo, now};
  return run_keyed(impl, call, [&] { return execute_void(impl, request, now); });
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
    auto account = find_account_for_update(impl.db, code);
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
