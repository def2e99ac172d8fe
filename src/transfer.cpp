// Transfers: the exactly-once path for moving money from one account to another.
//
// Checks happen in a fixed order, and nothing is written until all of them passed:
//   1. malformed request            -> invalid_request (not stored)
//   2. the key (see keyed.h)        -> replay or an idempotency conflict (not stored)
//   3. debit account exists, credit account exists, currencies match, the debit's
//      available balance allows it, the credit's balance cannot overflow
//                                   -> stored rejections
//   4. debit, credit, journal append, stored response
#include <fmt/format.h>

#include "canonical.h"
#include "failpoint.h"
#include "keyed.h"
#include "ledger_ops.h"

namespace ledger::detail {
namespace {

std::string encode_request(const TransferRequest& request, std::string storage = {}) {
  CanonicalWriter writer(kTransferRequestHeader, std::move(storage));
  writer.text(kFieldOperation, "transfer")
      .text(kFieldDebitAccount, request.debit_account)
      .text(kFieldCreditAccount, request.credit_account)
      .integer(kFieldAmount, request.amount_minor)
      .text(kFieldCurrency, request.currency)
      .text(kFieldMemo, request.memo);
  return std::move(writer).take();
}

// A transfer's journal row holds all of its request: kind 'transfer', both account codes
// (exact and never renamed), amount, currency and memo as the request gave them.
std::optional<std::string> request_from_journal(Db& db, std::int64_t sequence) {
  auto& row = db.statement(
      "SELECT j.kind, d.code, c.code, j.amount, j.currency, j.memo FROM journal j "
      "JOIN accounts d ON d.id = j.debit_account JOIN accounts c ON c.id = j.credit_account "
      "WHERE j.seq = ?");
  row.bind(1, sequence);
  if (!row.executeStep() || row.getColumn(0).getString() != "transfer") return std::nullopt;
  TransferRequest request;
  request.debit_account = row.getColumn(1).getString();
  request.credit_account = row.getColumn(2).getString();
  request.amount_minor = row.getColumn(3).getInt64();
  request.currency = row.getColumn(4).getString();
  request.memo = row.getColumn(5).getString();
  return encode_request(request);
}

ResponseBody request_echo(const TransferRequest& request) {
  return movement_echo(request.principal, request.key, request.debit_account,
                       request.credit_account, request.amount_minor, request.currency,
                       request.memo);
}

Executed execute(Impl& impl, const TransferRequest& request, std::int64_t now) {
  AccountPair accounts;
  if (auto refused = load_accounts_for_debit(impl, request.debit_account, request.credit_account,
                                             request.amount_minor, request.currency, now,
                                             accounts)) {
    return std::move(*refused);
  }
  JournalRow row{"transfer", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, request.amount_minor, request.currency, request.memo,
                 request.principal, request.key, now, std::nullopt};
  return move_money(impl, "transfer", accounts, row);
}

}  // namespace

ResponseBody movement_echo(const std::string& principal, const std::string& key,
                           const std::string& debit, const std::string& credit,
                           std::int64_t amount_minor, const std::string& currency,
                           const std::string& memo) {
  int exponent = currency_exponent(currency).value_or(2);
  return ResponseBody{{"principal", principal},
                      {"key", key},
                      {"from", debit},
                      {"to", credit},
                      {"amount", format_amount(amount_minor, exponent)},
                      {"amount_minor", amount_minor},
                      {"currency", currency},
                      {"memo", memo}};
}

std::optional<std::string> malformed_transfer_fields(const std::string& debit,
                                                     const std::string& credit,
                                                     std::int64_t amount_minor,
                                                     const std::string& currency,
                                                     const std::string& memo) {
  if (auto problem = check_account_code(debit)) return "debit " + *problem;
  if (auto problem = check_account_code(credit)) return "credit " + *problem;
  if (debit == credit) {
    return fmt::format("debit and credit account are both '{}'; a transfer needs two accounts",
                       debit);
  }
  if (amount_minor <= 0) {
    return fmt::format("amount must be greater than zero, got {} minor units", amount_minor);
  }
  if (!currency_exponent(currency)) {
    return fmt::format("unknown currency '{}': use an ISO 4217 code such as EUR", currency);
  }
  return check_memo(memo);
}

std::optional<std::string> malformed_transfer(const TransferRequest& request) {
  if (auto problem = check_principal_and_key(request.principal, request.key)) return problem;
  return malformed_transfer_fields(request.debit_account, request.credit_account,
                                   request.amount_minor, request.currency, request.memo);
}

TransferResult transfer_in_transaction(Impl& impl, const TransferRequest& request,
                                       std::int64_t now) {
  if (auto malformed = malformed_transfer(request)) {
    return malformed_result(*malformed, request_echo(request));
  }
  return well_formed_transfer_in_transaction(impl, request, now);
}

TransferResult well_formed_transfer_in_transaction(Impl& impl, const TransferRequest& request,
                                                   std::int64_t now) {
  ResponseBody echo = request_echo(request);
  static const std::string kOperation = "transfer";
  std::string canonical = encode_request(request);
  KeyedCall call{request.principal, request.key, kOperation, canonical, echo, now,
                 &request_from_journal};
  return run_keyed(impl, call, [&] { return execute(impl, request, now); });
}

std::optional<TransferResult> replay_without_lock(Impl& impl, const TransferRequest& request) {
  // No validation here: a malformed principal or key cannot match a stored (valid) one, and
  // the locked path that runs next refuses it properly. The encoding is only hashed, so it
  // goes into a buffer the thread keeps: a replay allocates nothing for it.
  thread_local std::string canonical;
  canonical = encode_request(request, std::move(canonical));
  return completed_replay(impl, request.principal, request.key, canonical);
}

TransferResult store_linked_failure(Impl& impl, const TransferRequest& request,
                                    Outcome outcome, const std::string& message,
                                    std::int64_t now) {
  ResponseBody echo = request_echo(request);
  static const std::string kOperation = "transfer";
  std::string canonical = encode_request(request);
  KeyedCall call{request.principal, request.key, kOperation, canonical, echo, now,
                 &request_from_journal};
  return run_keyed(impl, call, [&] { return rejected(outcome, message); });
}

TransferResult malformed_transfer_result(const TransferRequest& request,
                                        const std::string& reason) {
  return malformed_result(reason, request_echo(request));
}

TransferResult unstored_linked_failure(const TransferRequest& request, const std::string& message) {
  return unstored_result(Outcome::linked_batch_failed, message, request_echo(request));
}

}  // namespace ledger::detail
