// See audit.h. Double charges and lost sales are counted per operation, through every key
// the operation sent, so that the check also catches the bug where a retry uses a new key.
#include "audit.h"

#include <fmt/core.h>
#include <fmt/ranges.h>

#include <map>
#include <utility>

namespace pos_sim {
namespace {

constexpr std::size_t kMaxProblems = 12;
constexpr std::int64_t kJournalPage = 1000;
constexpr int kConflictProbeEvery = 10;  // probe every tenth operation

using Rows = std::vector<std::vector<ledger::JournalEntry>>;

void note(Audit& audit, std::string text) {
  if (audit.problems.size() < kMaxProblems) audit.problems.push_back(std::move(text));
}

std::string describe(const Operation& op) {
  return fmt::format("{} {} ({} -> {}, {} {}, key {})",
                     op.kind == OpKind::sale ? "sale op" : "top-up op", op.id,
                     op.request.debit_account, op.request.credit_account,
                     ledger::format_amount(op.request.amount_minor, kExponent), op.request.currency,
                     op.request.key);
}

bool stored(const ledger::TransferResult& result) {
  const auto c = ledger::outcome_class(result.outcome);
  return c == ledger::OutcomeClass::done || c == ledger::OutcomeClass::rejected;
}

// Every journal row, attributed to the operation whose key caused it.
Rows rows_by_operation(ledger::Ledger& ledger, const std::vector<Operation>& ops, Audit& audit) {
  std::map<std::pair<std::string, std::string>, std::size_t> owner;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (const auto& key : ops[i].keys) owner[{ops[i].request.principal, key}] = i;
  }
  Rows rows(ops.size());
  for (std::int64_t since = 1;;) {
    const auto page = ledger.journal(since, kJournalPage);
    for (const auto& entry : page) {
      ++audit.journal_rows;
      const auto it = owner.find({entry.principal, entry.key});
      if (it == owner.end()) {
        ++audit.unexplained_rows;
        note(audit, fmt::format("journal seq {} has key {} that the till never sent",
                                entry.sequence, entry.key));
      } else {
        rows[it->second].push_back(entry);
      }
    }
    if (static_cast<std::int64_t>(page.size()) < kJournalPage) break;
    since = page.back().sequence + 1;
  }
  return rows;
}

bool row_matches(const Operation& op, const ledger::JournalEntry& row) {
  const auto& r = op.request;
  return row.debit_account == r.debit_account && row.credit_account == r.credit_account &&
         row.amount_minor == r.amount_minor && row.currency == r.currency && row.memo == r.memo &&
         op.reply->sequence == row.sequence;
}

void check_operation(const Operation& op, const std::vector<ledger::JournalEntry>& rows,
                     Audit& audit) {
  const bool done = op.reply && op.reply->outcome == ledger::Outcome::created;
  const std::size_t believed = done ? 1 : 0;
  if (!op.reply) {
    ++audit.lost_sales;
    note(audit, fmt::format("{}: no reply after {} attempts", describe(op), op.attempts));
  }
  if (rows.size() > believed) {
    audit.double_charges += static_cast<int>(rows.size() - believed);
    std::vector<std::int64_t> seqs;
    for (const auto& row : rows) seqs.push_back(row.sequence);
    note(audit, fmt::format("{}: charged {} time(s), the till believes {} (journal seq {})",
                            describe(op), rows.size(), believed, fmt::join(seqs, ", ")));
  } else if (done && rows.empty()) {
    ++audit.lost_sales;
    note(audit, fmt::format("{}: the till got 'created' but the journal has no row", describe(op)));
  } else if (done && !row_matches(op, rows.front())) {
    ++audit.lost_sales;
    note(audit, fmt::format("{}: journal seq {} does not match the request or the reply",
                            describe(op), rows.front().sequence));
  }
}

// A late retry of every operation must be answered with the byte-identical stored reply.
void check_replays(ledger::Ledger& ledger, const std::vector<Operation>& ops, Audit& audit) {
  for (const auto& op : ops) {
    if (!op.reply || !stored(*op.reply)) continue;
    const bool rejection =
        ledger::outcome_class(op.reply->outcome) == ledger::OutcomeClass::rejected;
    ++audit.replays_checked;
    audit.rejections_checked += rejection ? 1 : 0;
    const auto again = ledger.transfer(op.request);
    if (!again.replayed || again.outcome != op.reply->outcome || again.body != op.reply->body) {
      ++audit.replay_mismatches;
      audit.rejection_mismatches += rejection ? 1 : 0;
      note(audit, fmt::format("{}: late retry gave {}{} with body {}, first reply was {}",
                              describe(op), again.replayed ? "replayed " : "",
                              ledger::to_string(again.outcome), again.body, op.reply->body));
    }
  }
}

// The same key with another amount must be refused, naming the amount, and move nothing.
void check_conflicts(ledger::Ledger& ledger, const std::vector<Operation>& ops, Audit& audit) {
  const auto rows_before = ledger.stats().journal_rows;
  for (std::size_t i = 0; i < ops.size(); i += kConflictProbeEvery) {
    if (!ops[i].reply || !stored(*ops[i].reply)) continue;
    auto probe = ops[i].request;
    probe.amount_minor += 1;
    ++audit.conflicts_probed;
    const auto result = ledger.transfer(probe);
    if (result.outcome != ledger::Outcome::key_reused_with_different_request ||
        result.differing_field != "amount") {
      ++audit.conflict_failures;
      note(audit, fmt::format("{}: reusing the key with amount +0.01 gave {} (field '{}')",
                              describe(ops[i]), ledger::to_string(result.outcome),
                              result.differing_field));
    }
  }
  if (ledger.stats().journal_rows != rows_before) {
    ++audit.conflict_failures;
    note(audit, "refused key reuses added journal rows");
  }
}

void check_balances(ledger::Ledger& ledger, const Model& model, Audit& audit) {
  for (const auto& account : ledger.list_accounts()) {
    const auto it = model.find(account.code);
    BalanceLine line{account.code, account.balance_minor, it == model.end() ? 0 : it->second,
                     account.exponent};
    if (line.actual_minor != line.expected_minor) {
      ++audit.balance_mismatches;
      note(audit, fmt::format("account {}: balance {} but the till expects {}", line.code,
                              ledger::format_amount(line.actual_minor, line.exponent),
                              ledger::format_amount(line.expected_minor, line.exponent)));
    }
    audit.balances.push_back(std::move(line));
  }
}

}  // namespace

Audit run_audit(ledger::Ledger& ledger, const std::vector<Operation>& operations,
                const Model& model) {
  Audit audit;
  const Rows rows = rows_by_operation(ledger, operations, audit);
  for (std::size_t i = 0; i < operations.size(); ++i) {
    check_operation(operations[i], rows[i], audit);
  }
  check_balances(ledger, model, audit);
  check_replays(ledger, operations, audit);
  check_conflicts(ledger, operations, audit);
  audit.verify = ledger.verify();
  return audit;
}

}  // namespace pos_sim
