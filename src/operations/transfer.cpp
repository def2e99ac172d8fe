// Transfer: moves money from one account to another. Its checks, in order (nothing is
// written until all passed): debit account exists, credit account exists, currencies
// match, the debit's available balance allows it, neither balance can overflow.
#include <fmt/format.h>

#include "canonical.h"
#include "money_movement.h"
#include "operations/operations.h"

namespace ledger::detail {
namespace {

std::string encode_fields(const std::string& debit, const std::string& credit,
                          std::int64_t amount_minor, const std::string& currency,
                          const std::string& memo) {
  CanonicalWriter writer(kTransferRequestHeader);
  writer.text(kFieldOperation, "transfer")
      .text(kFieldDebitAccount, debit)
      .text(kFieldCreditAccount, credit)
      .integer(kFieldAmount, amount_minor)
      .text(kFieldCurrency, currency)
      .text(kFieldMemo, memo);
  return std::move(writer).take();
}

}  // namespace

std::optional<std::string> TransferOperation::malformed(const Request& request) {
  return malformed_movement(request.principal, request.key, request.debit_account,
                            request.credit_account, request.amount_minor, request.currency,
                            request.memo);
}

std::string TransferOperation::encode(const Request& request) {
  return encode_fields(request.debit_account, request.credit_account, request.amount_minor,
                       request.currency, request.memo);
}

ResponseBody TransferOperation::echo(const Request& request) {
  return movement_echo(request.principal, request.key, request.debit_account,
                       request.credit_account, request.amount_minor, request.currency,
                       request.memo);
}

Executed TransferOperation::execute(Impl& impl, const Request& request, std::int64_t now_ms) {
  AccountPair accounts;
  if (auto refused = load_accounts_for_debit(impl, request.debit_account, request.credit_account,
                                             request.amount_minor, request.currency, now_ms,
                                             accounts)) {
    return std::move(*refused);
  }
  JournalRow row{"transfer", accounts.debit.id, accounts.credit.id, accounts.debit.code,
                 accounts.credit.code, request.amount_minor, request.currency, request.memo,
                 request.principal, request.key, now_ms, std::nullopt};
  return move_money(impl, accounts, row);
}

// A transfer's journal row holds all of its request: kind 'transfer', both account codes
// (exact and never renamed), amount, currency and memo as the request gave them.
std::optional<std::string> TransferOperation::request_from_journal(Db& db, std::int64_t sequence) {
  auto& row = db.statement(
      "SELECT j.kind, d.code, c.code, j.amount, j.currency, j.memo FROM journal j "
      "JOIN accounts d ON d.id = j.debit_account JOIN accounts c ON c.id = j.credit_account "
      "WHERE j.seq = ?");
  row.bind(1, sequence);
  if (!row.executeStep() || row.getColumn(0).getString() != "transfer") return std::nullopt;
  return encode_fields(row.getColumn(1).getString(), row.getColumn(2).getString(),
                       row.getColumn(3).getInt64(), row.getColumn(4).getString(),
                       row.getColumn(5).getString());
}

}  // namespace ledger::detail
