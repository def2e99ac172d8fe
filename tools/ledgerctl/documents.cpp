#include "documents.h"

#include "ledger/money.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

json optional_json(const std::optional<std::int64_t>& value) {
  return value ? json(*value) : json(nullptr);
}

json response_json(const ledger::KeyRecord& record) {
  if (record.response.empty()) return nullptr;
  json parsed = json::parse(record.response, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? json(record.response) : parsed;
}

}  // namespace

const char* overdraft_name(ledger::OverdraftRule rule) {
  switch (rule) {
    case ledger::OverdraftRule::none:
      return "none";
    case ledger::OverdraftRule::limit:
      return "limit";
    case ledger::OverdraftRule::unlimited:
      return "unlimited";
  }
  return "unknown";
}

const char* key_state_name(ledger::KeyState state) {
  switch (state) {
    case ledger::KeyState::issued:
      return "issued";
    case ledger::KeyState::completed:
      return "completed";
    case ledger::KeyState::expired:
      return "expired";
  }
  return "unknown";
}

json account_json(const ledger::Account& account) {
  const bool has_limit = account.overdraft == ledger::OverdraftRule::limit;
  return {{"code", account.code},
          {"currency", account.currency},
          {"exponent", account.exponent},
          {"balance", ledger::format_amount(account.balance_minor, account.exponent)},
          {"balance_minor", account.balance_minor},
          {"pending", ledger::format_amount(account.pending_minor, account.exponent)},
          {"pending_minor", account.pending_minor},
          {"available", ledger::format_amount(account.available_minor(), account.exponent)},
          {"available_minor", account.available_minor()},
          {"overdraft", overdraft_name(account.overdraft)},
          {"overdraft_limit",
           has_limit ? json(ledger::format_amount(account.overdraft_limit_minor, account.exponent))
                     : json(nullptr)},
          {"overdraft_limit_minor", account.overdraft_limit_minor},
          {"name", account.name},
          {"created_at", format_time_ms(account.created_at_ms)},
          {"created_at_ms", account.created_at_ms},
          {"id", account.id}};
}

json journal_entry_json(const ledger::JournalEntry& e) {
  return {{"sequence", e.sequence},
          {"kind", e.kind},
          {"debit_account", e.debit_account},
          {"credit_account", e.credit_account},
          {"amount", ledger::format_amount(e.amount_minor, e.exponent)},
          {"amount_minor", e.amount_minor},
          {"currency", e.currency},
          {"memo", e.memo},
          {"principal", e.principal},
          {"key", e.key},
          {"created_at", format_time_ms(e.created_at_ms)},
          {"created_at_ms", e.created_at_ms},
          {"clock_went_back", e.clock_behind_ms != 0},
          {"clock_behind_ms", e.clock_behind_ms},
          {"ref_sequence", optional_json(e.ref_sequence)},
          {"prev_hash", e.prev_hash_hex},
          {"hash", e.hash_hex}};
}

json key_json(const ledger::KeyRecord& record) {
  return {{"principal", record.principal},
          {"key", record.key},
          {"operation", record.operation},
          {"issued", record.issued},
          {"state", key_state_name(record.state)},
          {"result", record.result.empty() ? json(nullptr) : json(record.result)},
          {"response", response_json(record)},
          {"transfer_sequence", optional_json(record.transfer_sequence)},
          {"created_at", format_time_ms(record.created_at_ms)},
          {"created_at_ms", record.created_at_ms},
          {"expires_at", time_json(record.expires_at_ms)},
          {"expires_at_ms", optional_json(record.expires_at_ms)},
          {"completed_at", time_json(record.completed_at_ms)},
          {"completed_at_ms", optional_json(record.completed_at_ms)}};
}

json closing_json(const ledger::Closing& closing) {
  return {{"number", closing.number},
          {"until_ms", closing.until_ms},
          {"until", format_time_ms(closing.until_ms)},
          {"first_seq", closing.first_sequence},
          {"last_seq", closing.last_sequence},
          {"closed_at_ms", closing.closed_at_ms},
          {"closed_at", format_time_ms(closing.closed_at_ms)},
          {"hash", closing.hash_hex},
          {"signature", closing.signature_hex},
          {"signing_key_fingerprint", closing.key_fingerprint_hex}};
}

std::optional<ledger::PendingState> pending_state_named(std::string_view text) {
  for (const auto state : {ledger::PendingState::pending, ledger::PendingState::posted,
                           ledger::PendingState::voided, ledger::PendingState::expired}) {
    if (text == ledger::to_string(state)) return state;
  }
  return std::nullopt;
}

json pending_json(const ledger::PendingTransfer& p) {
  const bool posted = p.state == ledger::PendingState::posted;
  return {{"sequence", p.sequence},
          {"state", ledger::to_string(p.state)},
          {"debit_account", p.debit_account},
          {"credit_account", p.credit_account},
          {"amount", ledger::format_amount(p.amount_minor, p.exponent)},
          {"amount_minor", p.amount_minor},
          {"currency", p.currency},
          {"posted_amount",
           posted ? json(ledger::format_amount(p.posted_amount_minor, p.exponent)) : json(nullptr)},
          {"posted_amount_minor", posted ? json(p.posted_amount_minor) : json(nullptr)},
          {"expires_at", format_time_ms(p.expires_at_ms)},
          {"expires_at_ms", p.expires_at_ms},
          {"finished_sequence", optional_json(p.finished_sequence)},
          {"principal", p.principal},
          {"key", p.key},
          {"memo", p.memo}};
}

}  // namespace ledgerctl
