// verify: recomputes every invariant of SPEC 5 and 6 from the rows themselves and reports
// each violation at the row where it starts. Runs in one read transaction, so it sees a
// consistent snapshot while writers go on.
#include <fmt/format.h>

#include <sqlite3.h>

#include <cstring>
#include <map>
#include <unordered_map>

#include "verify.h"

#include "accounts.h"
#include "journal.h"
#include "integrity.h"
#include "key_encoding.h"

namespace ledger::detail {
namespace {

constexpr std::size_t kMaxViolations = 1000;

struct AccountTotals {
  Account account;
  std::int64_t computed_minor = 0;
  std::int64_t computed_held_minor = 0;  // sum of this account's open holds
  bool overflowed = false;
};

class Checker {
 public:
  explicit Checker(Db& db) : db_(db) {}
  VerifyReport run();

 private:
  void add(std::string kind, std::string where, std::string detail) {
    if (report_.violations.size() < kMaxViolations) {
      report_.violations.push_back({std::move(kind), std::move(where), std::move(detail)});
    }
  }
  void load_accounts();
  void check_journal();
  void check_journal_row(Statement& row);
  void check_balances();
  void check_keys();
  void check_pending();
  void check_storage();

  Db& db_;
  VerifyReport report_;
  std::unordered_map<std::int64_t, AccountTotals> accounts_;
  std::int64_t expected_seq_ = 1;
  Digest prev_hash_ = genesis_hash();
  bool chain_broken_ = false;
};

void Checker::load_accounts() {
  for (Account& account : list_accounts(db_)) {
    std::int64_t id = account.id;
    accounts_.emplace(id, AccountTotals{std::move(account), 0, 0, false});
  }
  report_.accounts_checked = static_cast<std::int64_t>(accounts_.size());
}

void Checker::check_journal() {
  Statement rows(
      db_.handle(),
      "SELECT j.seq, j.kind, j.debit_account, j.credit_account, j.amount, j.currency, j.memo, "
      "j.principal, j.idem_key, j.created_at, j.ref_seq, j.hash, k.state, k.result, "
      "k.transfer_seq FROM journal j LEFT JOIN idempotency_keys k "
      "ON k.principal = j.principal AND k.idem_key = ledger_key(j.idem_key) ORDER BY j.seq");
  while (rows.executeStep()) {
    ++report_.journal_rows_checked;
    check_journal_row(rows);
  }
}

void Checker::check_journal_row(Statement& row) {
  std::int64_t seq = row.getColumn(0).getInt64();
  std::string where = fmt::format("journal seq {}", seq);
  if (seq != expected_seq_) {
    add("sequence_gap", where, fmt::format("expected sequence {}, found {}", expected_seq_, seq));
  }
  expected_seq_ = seq + 1;
  JournalRow entry;
  entry.kind = row.getColumn(1).getString();
  entry.debit_id = row.getColumn(2).getInt64();
  entry.credit_id = row.getColumn(3).getInt64();
  entry.amount_minor = row.getColumn(4).getInt64();
  entry.currency = row.getColumn(5).getString();
  entry.memo = row.getColumn(6).getString();
  entry.principal = row.getColumn(7).getString();
  entry.key = row.getColumn(8).getString();
  entry.created_at_ms = row.getColumn(9).getInt64();
  if (!row.getColumn(10).isNull()) entry.ref_seq = row.getColumn(10).getInt64();
  auto debit = accounts_.find(entry.debit_id);
  auto credit = accounts_.find(entry.credit_id);
  if (debit == accounts_.end() || credit == accounts_.end()) {
    add("unknown_account", where, "the row names an account that does not exist");
  } else {
    entry.debit_code = debit->second.account.code;
    entry.credit_code = credit->second.account.code;
    if (debit->second.account.currency != entry.currency ||
        credit->second.account.currency != entry.currency) {
      add("currency_mismatch", where,
          fmt::format("row is in {} but its accounts are in {} and {}", entry.currency,
                      debit->second.account.currency, credit->second.account.currency));
    }
    // Reserve and void rows record holds; only these kinds move posted balances.
    if (entry.kind == "transfer" || entry.kind == "post" || entry.kind == "reverse") {
      auto debited = checked_sub(debit->second.computed_minor, entry.amount_minor);
      auto credited = checked_add(credit->second.computed_minor, entry.amount_minor);
      debit->second.overflowed |= !debited;
      credit->second.overflowed |= !credited;
      if (debited) debit->second.computed_minor = *debited;
      if (credited) credit->second.computed_minor = *credited;
    }
  }
  // The chain: report the first row where it breaks; later rows chain from stored hashes.
  Digest stored{};
  auto blob = row.getColumn(11);
  if (blob.getBytes() == 32) std::memcpy(stored.data(), blob.getBlob(), 32);
  if (!chain_broken_ && chain_hash(prev_hash_, seq, entry) != stored) {
    chain_broken_ = true;
    add("hash_chain", where,
        "the stored hash does not match SHA-256(previous hash || row): this row or one before "
        "it was altered");
  }
  prev_hash_ = stored;
  bool key_ok = !row.getColumn(12).isNull() && row.getColumn(12).getString() == "completed" &&
                row.getColumn(13).getString() == "created" && !row.getColumn(14).isNull() &&
                row.getColumn(14).getInt64() == seq;
  if (!key_ok) {
    add("transfer_without_key", where,
        fmt::format("no completed key ({}, {}) points at this row", entry.principal, entry.key));
  }
}

void Checker::check_balances() {
  // 128-bit sums: int64 balances of one currency can sum past int64 on the way to zero.
  std::map<std::string, __int128> sums;
  std::map<std::string, AccountTotals*> by_code;
  for (auto& [id, totals] : accounts_) by_code.emplace(totals.account.code, &totals);
  for (auto& [code, totals] : by_code) {
    const Account& account = totals->account;
    std::string where = fmt::format("account {}", code);
    if (totals->overflowed) {
      add("balance", where, "the journal sum of this account overflows int64");
    } else if (totals->computed_minor != account.balance_minor) {
      add("balance", where,
          fmt::format("balance is {} but the journal sums to {}", account.balance_minor,
                      totals->computed_minor));
    }
    if (totals->computed_held_minor != account.pending_minor) {
      add("pending_holds", where,
          fmt::format("{} is held but its open pending transfers hold {}", account.pending_minor,
                      totals->computed_held_minor));
    }
    if (!balance_allowed(account, account.available_minor())) {
      add("overdraft", where,
          fmt::format("available balance {} breaks its overdraft rule ({})",
                      account.available_minor(), to_string(account.overdraft)));
    }
    sums[account.currency] += account.balance_minor;
  }
  for (const auto& [currency, sum] : sums) {
    if (sum != 0) {
      bool fits = sum >= INT64_MIN && sum <= INT64_MAX;
      add("zero_sum", fmt::format("currency {}", currency),
          fmt::format("balances of {} sum to {} minor units, not 0", currency,
                      fits ? std::to_string(static_cast<std::int64_t>(sum))
                           : std::string("more than int64 can hold")));
    }
  }
}

void Checker::check_keys() {
  Statement keys(
      db_.handle(),
      "SELECT k.principal, k.idem_key, k.state, k.result, k.transfer_seq, j.principal, "
      "j.idem_key, k.fingerprint IS NOT NULL FROM idempotency_keys k "
      "LEFT JOIN journal j ON j.seq = k.transfer_seq");
  while (keys.executeStep()) {
    ++report_.keys_checked;
    const std::string key = key_from_column(keys.getColumn(1));
    std::string where = fmt::format("key ({}, {})", keys.getColumn(0).getString(), key);
    bool has_seq = !keys.getColumn(4).isNull();
    bool created = keys.getColumn(3).getString() == "created";
    if (created && !has_seq) {
      add("key_without_transfer", where, "the key says created but names no journal row");
    } else if (has_seq && !created) {
      add("key_without_transfer", where,
          fmt::format("the key's outcome is {} but it names journal seq {}",
                      keys.getColumn(3).getString(), keys.getColumn(4).getInt64()));
    } else if (has_seq && (keys.getColumn(5).isNull() ||
                           keys.getColumn(5).getString() != keys.getColumn(0).getString() ||
                           keys.getColumn(6).getString() != key)) {
      add("key_without_transfer", where,
          fmt::format("journal seq {} does not exist or belongs to another key",
                      keys.getColumn(4).getInt64()));
    }
    const bool completed = keys.getColumn(2).getString() == "completed";
    const bool has_fingerprint = keys.getColumn(7).getInt() != 0;
    if (has_seq && !completed) {
      add("key_state", where, "a key that moved money is not in state completed");
    } else if (has_fingerprint && !completed) {
      // Replays trust a matching fingerprint (find_completed_key): only completion sets one.
      add("key_state", where, "a key that is not completed carries a request fingerprint");
    }
  }
}

// The b-trees themselves: over a damaged index a key lookup can miss a key that exists,
// and a retry would execute twice. SQLite's integrity_check finds such damage (out-of-order
// rows, index entries that disagree with their table, NULLs in NOT NULL columns, bad pages).
void Checker::check_storage() {
  for (const std::string& line : integrity_problems(db_, "verifying", 100)) {
    add("storage", "database file",
        line + " (the file is damaged: restore it from a backup before taking payments)");
  }
}

// Every reserve row has a hold record and vice versa; a hold's state agrees with the post
// or void rows that reference it (a finished transfer holds nothing, an open one has
// neither); and each account's held amount is the sum of its open holds.
void Checker::check_pending() {
  Statement rows(
      db_.handle(),
      "SELECT j.seq, p.seq, p.state, p.debit_account, p.amount, j.amount, p.finished_seq, "
      "(SELECT count(*) FROM journal f WHERE f.ref_seq = j.seq AND f.kind IN ('post', 'void')), "
      "(SELECT min(f.seq) FROM journal f WHERE f.ref_seq = j.seq AND f.kind IN ('post', 'void')) "
      "FROM journal j LEFT JOIN pending_transfers p ON p.seq = j.seq WHERE j.kind = 'reserve' "
      "UNION ALL SELECT NULL, p.seq, p.state, p.debit_account, p.amount, NULL, p.finished_seq, 0, "
      "NULL FROM pending_transfers p LEFT JOIN journal j ON j.seq = p.seq AND j.kind = 'reserve' "
      "WHERE j.seq IS NULL");
  while (rows.executeStep()) {
    if (rows.getColumn(0).isNull() || rows.getColumn(1).isNull()) {
      auto seq = rows.getColumn(rows.getColumn(0).isNull() ? 1 : 0).getInt64();
      add("pending_record", fmt::format("journal seq {}", seq),
          "a reserve row and its pending-transfer record must exist together");
      continue;
    }
    std::int64_t seq = rows.getColumn(0).getInt64();
    std::string where = fmt::format("journal seq {}", seq);
    std::string state = rows.getColumn(2).getString();
    std::int64_t finishers = rows.getColumn(7).getInt64();
    bool finished = state == "posted" || state == "voided";
    if (rows.getColumn(4).getInt64() != rows.getColumn(5).getInt64()) {
      add("pending_record", where, "the hold's amount differs from its reserve row");
    }
    if (finished != (finishers == 1) || finishers > 1 ||
        (finished && (rows.getColumn(6).isNull() ||
                      rows.getColumn(6).getInt64() != rows.getColumn(8).getInt64()))) {
      add("pending_record", where,
          fmt::format("the hold is {} but {} post/void rows reference it", state, finishers));
    }
    if (state == "pending") {
      auto account = accounts_.find(rows.getColumn(3).getInt64());
      if (account != accounts_.end()) {
        auto held = checked_add(account->second.computed_held_minor, rows.getColumn(4).getInt64());
        account->second.computed_held_minor = held.value_or(0);
      }
    }
  }
}

VerifyReport Checker::run() {
  // A read transaction: one consistent snapshot for every check.
  db_.exec("BEGIN");
  try {
    check_storage();
    load_accounts();
    check_journal();
    check_pending();
    check_balances();
    check_keys();
  } catch (...) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  return std::move(report_);
}

}  // namespace

VerifyReport verify(Impl& impl) { return Checker(impl.db).run(); }

}  // namespace ledger::detail
