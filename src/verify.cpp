// verify: recomputes every invariant of SPEC 5, 6 and 10 from the rows themselves and
// reports each violation at the row where it starts. Runs in one read transaction, so it
// sees a consistent snapshot while writers go on.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <sqlite3.h>

#include <cstring>
#include <map>
#include <set>
#include <unordered_map>

#include "verify.h"

#include "accounts.h"
#include "closing_check.h"
#include "events.h"
#include "integrity.h"
#include "journal.h"
#include "json_text.h"
#include "key_encoding.h"
#include "link_walk.h"
#include "outcome_chain.h"

namespace ledger::detail {
namespace {

using json = nlohmann::json;

constexpr std::size_t kMaxViolations = 1000;

struct AccountTotals {
  Account account;
  std::int64_t computed_minor = 0;
  std::int64_t computed_held_minor = 0;  // sum of this account's open holds
  bool overflowed = false;
  bool overdraft_reported = false;
  // The rules the account was created with, as its account_created event records them.
  std::optional<json> created;
};

std::optional<std::int64_t> optional_int(const SQLite::Column& column) {
  if (column.isNull()) return std::nullopt;
  return column.getInt64();
}

class Checker {
 public:
  Checker(Db& db, const VerifyOptions& options)
      : db_(db),
        options_(options),
        reporter_([this](std::string kind, std::string where, std::string detail) {
          add(std::move(kind), std::move(where), std::move(detail));
        }) {}
  VerifyReport run();

 private:
  void add(std::string kind, std::string where, std::string detail) {
    if (report_.violations.size() < kMaxViolations) {
      report_.violations.push_back({std::move(kind), std::move(where), std::move(detail)});
    }
  }
  // Every check reports through this one function object (made once, not per row).
  const ReportViolation& reporter() const { return reporter_; }
  AccountTotals* account_by_code(const std::string& code) {
    auto found = id_by_code_.find(code);
    return found == id_by_code_.end() ? nullptr : &accounts_.at(found->second);
  }
  void load_accounts();
  void load_closings();
  void check_events();
  void check_account_rules();
  void check_journal();
  void check_journal_row(Statement& row);
  void check_overdraft(AccountTotals& debit, std::int64_t seq);
  void check_references();
  void check_balances();
  void check_keys();
  void check_pending();
  void check_outcomes();
  void check_outcome_body(Statement& row, const std::string& where, const std::string& key);
  void check_storage();

  Db& db_;
  const VerifyOptions& options_;
  ReportViolation reporter_;
  VerifyReport report_;
  std::unordered_map<std::int64_t, AccountTotals> accounts_;
  std::unordered_map<std::string, std::int64_t> id_by_code_;
  std::set<std::int64_t> expired_holds_;  // holds an event says expired
  std::map<std::int64_t, std::string> closing_hashes_;  // closing number -> SHA-256 (hex)
  std::optional<PublicKey> public_key_;
  std::optional<ClosingCheck> closings_;
  LinkWalk journal_chain_{kJournalChain, genesis_hash()};
  LinkWalk outcome_chain_{kOutcomeChain, outcome_genesis_hash()};
  LinkWalk event_chain_{kEventChain, event_genesis_hash()};
};

void Checker::load_accounts() {
  for (Account& account : list_accounts(db_)) {
    std::int64_t id = account.id;
    id_by_code_.emplace(account.code, id);
    AccountTotals totals;
    totals.account = std::move(account);
    accounts_.emplace(id, std::move(totals));
  }
  report_.accounts_checked = static_cast<std::int64_t>(accounts_.size());
}

void Checker::load_closings() {
  Statement rows(db_.handle(),
                 "SELECT number, until_ms, first_seq, last_seq, document, hash, signature, "
                 "key_fingerprint FROM closings ORDER BY number");
  std::vector<StoredClosing> closings;
  while (rows.executeStep()) {
    closing_hashes_[rows.getColumn(0).getInt64()] = to_hex(column_bytes(rows.getColumn(5)));
    closings.push_back(StoredClosing{rows.getColumn(0).getInt64(), rows.getColumn(1).getInt64(),
                                     rows.getColumn(2).getInt64(), rows.getColumn(3).getInt64(),
                                     rows.getColumn(4).getString(),
                                     std::string(column_bytes(rows.getColumn(5))),
                                     std::string(column_bytes(rows.getColumn(6))),
                                     std::string(column_bytes(rows.getColumn(7)))});
  }
  if (options_.public_key_pem) public_key_.emplace(*options_.public_key_pem, "the public key");
  closings_.emplace(std::move(closings), public_key_ ? &*public_key_ : nullptr, reporter());
  report_.closings_checked = closings_->closings_checked();
  report_.signatures_checked = closings_->signatures_checked();
}

// The event chain, and what its events say: the rules each account was created with, the
// holds that expired.
void Checker::check_events() {
  Statement rows(db_.handle(),
                 "SELECT seq, kind, subject, detail, journal_seq, created_at, hash FROM events "
                 "ORDER BY seq");
  while (rows.executeStep()) {
    ++report_.events_checked;
    Event event{rows.getColumn(1).getString(), rows.getColumn(2).getString(),
                rows.getColumn(3).getString(), rows.getColumn(4).getInt64(),
                rows.getColumn(5).getInt64()};
    const std::int64_t seq = rows.getColumn(0).getInt64();
    const Digest stored = digest_from_blob(rows.getColumn(6));
    event_chain_.step(seq, event_link_hash(event_chain_.prev(), seq, event), stored,
                      reporter());
    closings_->link(Chain::events, seq, stored);
    const std::string where = fmt::format("event seq {}", seq);
    if (event.kind == kEventAccountCreated) {
      AccountTotals* account = account_by_code(event.subject);
      if (account == nullptr) {
        add("account_rules", where,
            fmt::format("the event creates account '{}', which does not exist", event.subject));
      } else if (account->created) {
        add("account_rules", where,
            fmt::format("account '{}' was already created by an earlier event", event.subject));
      } else {
        account->created = json::parse(event.detail, nullptr, false);
      }
    } else if (event.kind == kEventHoldExpired) {
      std::int64_t hold = std::atoll(event.subject.c_str());
      if (!expired_holds_.insert(hold).second) {
        add("pending_record", where, fmt::format("hold {} expired twice", hold));
      }
    }
  }
}

// An account's rules are the ones it was created with (no call changes them): an edited
// overdraft rule, limit or currency is reported.
void Checker::check_account_rules() {
  std::map<std::string, AccountTotals*> by_code;
  for (auto& [id, totals] : accounts_) by_code.emplace(totals.account.code, &totals);
  for (auto& [code, totals] : by_code) {
    const std::string where = fmt::format("account {}", code);
    if (!totals->created) {
      add("account_rules", where, "no account_created event records this account's rules");
      continue;
    }
    const json expected = json::parse(account_event_detail(totals->account));
    if (*totals->created != expected) {
      add("account_rules", where,
          fmt::format("its rules are {} but it was created with {}", json_text(expected),
                      json_text(*totals->created)));
    }
  }
}

void Checker::check_journal() {
  Statement rows(
      db_.handle(),
      "SELECT j.seq, j.kind, j.debit_account, j.credit_account, j.amount, j.currency, j.memo, "
      "j.principal, j.idem_key, j.created_at, j.ref_seq, j.hash, k.state, k.result, "
      "k.transfer_seq, j.clock_behind_ms FROM journal j LEFT JOIN idempotency_keys k "
      "ON k.principal = j.principal AND k.idem_key = ledger_key(j.idem_key) ORDER BY j.seq");
  while (rows.executeStep()) {
    ++report_.journal_rows_checked;
    check_journal_row(rows);
  }
}

// The balance the created rules allow, at every row: a posted balance below it means a
// rule was not applied (or a row was forged).
void Checker::check_overdraft(AccountTotals& debit, std::int64_t seq) {
  if (debit.overdraft_reported || !debit.created || !debit.created->is_object()) return;
  const std::string rule = debit.created->value("overdraft", "none");
  if (rule == "unlimited") return;
  const std::int64_t limit = debit.created->value("overdraft_limit_minor", std::int64_t{0});
  if (debit.computed_minor >= -limit) return;
  debit.overdraft_reported = true;
  add("overdraft", fmt::format("journal seq {}", seq),
      fmt::format("this row takes '{}' to {} minor units, below what its rule ({}) allows",
                  debit.account.code, debit.computed_minor, rule));
}

void Checker::check_journal_row(Statement& row) {
  std::int64_t seq = row.getColumn(0).getInt64();
  std::string where = fmt::format("journal seq {}", seq);
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
  entry.ref_seq = optional_int(row.getColumn(10));
  entry.clock_behind_ms = row.getColumn(15).getInt64();
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
    if (moves_balance(entry.kind)) {
      auto debited = checked_sub(debit->second.computed_minor, entry.amount_minor);
      auto credited = checked_add(credit->second.computed_minor, entry.amount_minor);
      debit->second.overflowed |= !debited;
      credit->second.overflowed |= !credited;
      if (debited) debit->second.computed_minor = *debited;
      if (credited) credit->second.computed_minor = *credited;
      check_overdraft(debit->second, seq);
    }
  }
  const Digest stored = digest_from_blob(row.getColumn(11));
  journal_chain_.step(seq, chain_hash(journal_chain_.prev(), seq, entry), stored, reporter());
  closings_->journal_row(seq, entry.kind, entry.debit_code, entry.credit_code, entry.currency,
                         entry.amount_minor);
  closings_->link(Chain::journal, seq, stored);
  bool key_ok = !row.getColumn(12).isNull() && row.getColumn(12).getString() == "completed" &&
                row.getColumn(13).getString() == "created" && !row.getColumn(14).isNull() &&
                row.getColumn(14).getInt64() == seq;
  if (!key_ok) {
    add("transfer_without_key", where,
        fmt::format("no completed key ({}, {}) points at this row", entry.principal, entry.key));
  }
}

// Rows that reference another: a post or void names its reserve, with the same accounts,
// and a post never takes more than the hold; a refund names a transfer or a post, moves
// the money back between the same accounts, and the refunds of one original never add up
// to more than it.
void Checker::check_references() {
  Statement rows(
      db_.handle(),
      "SELECT f.seq, f.kind, f.amount, f.debit_account, f.credit_account, o.kind, o.amount, "
      "o.debit_account, o.credit_account, f.ref_seq FROM journal f "
      "LEFT JOIN journal o ON o.seq = f.ref_seq "
      "WHERE f.ref_seq IS NOT NULL ORDER BY f.seq");
  std::map<std::int64_t, std::int64_t> refunded;  // original seq -> refunds so far
  while (rows.executeStep()) {
    const std::int64_t seq = rows.getColumn(0).getInt64();
    const std::string kind = rows.getColumn(1).getString();
    const std::string where = fmt::format("journal seq {}", seq);
    if (rows.getColumn(5).isNull()) {
      add("reference", where, "the row references a journal row that does not exist");
      continue;
    }
    const std::string original = rows.getColumn(5).getString();
    const std::int64_t amount = rows.getColumn(2).getInt64();
    const std::int64_t original_amount = rows.getColumn(6).getInt64();
    const bool same_accounts = rows.getColumn(3).getInt64() == rows.getColumn(7).getInt64() &&
                               rows.getColumn(4).getInt64() == rows.getColumn(8).getInt64();
    const bool swapped_accounts = rows.getColumn(3).getInt64() == rows.getColumn(8).getInt64() &&
                                  rows.getColumn(4).getInt64() == rows.getColumn(7).getInt64();
    if (kind == "post" || kind == "void") {
      if (original != "reserve" || !same_accounts) {
        add("reference", where,
            fmt::format("a {} must finish a reserve between the same accounts; it names a {}",
                        kind, original));
      } else if (kind == "post" && amount > original_amount) {
        add("post_exceeds_hold", where,
            fmt::format("posts {} minor units of a hold of {}", amount, original_amount));
      }
    } else if (kind == "reverse") {
      if ((original != "transfer" && original != "post") || !swapped_accounts) {
        add("reference", where,
            fmt::format("a refund must move a transfer or post back between its accounts; it "
                        "names a {}",
                        original));
        continue;
      }
      const std::int64_t ref = rows.getColumn(9).getInt64();
      std::int64_t& so_far = refunded[ref];
      auto sum = checked_add(so_far, amount);
      if (!sum || *sum > original_amount) {
        add("refund_exceeds_original", where,
            fmt::format("the refunds of journal seq {} reach {} minor units, more than its {}",
                        ref, sum ? std::to_string(*sum) : std::string("more than int64"),
                        original_amount));
      }
      so_far = sum.value_or(INT64_MAX);
    }
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
      "j.idem_key, k.fingerprint IS NOT NULL, k.operation, k.outcome_seq IS NOT NULL "
      "FROM idempotency_keys k LEFT JOIN journal j ON j.seq = k.transfer_seq");
  while (keys.executeStep()) {
    ++report_.keys_checked;
    const std::string key = key_from_column(keys.getColumn(1));
    std::string where = fmt::format("key ({}, {})", keys.getColumn(0).getString(), key);
    bool has_seq = !keys.getColumn(4).isNull();
    bool created = keys.getColumn(3).getString() == "created";
    // A closing is an outcome without a journal row.
    bool closing = keys.getColumn(8).getString() == "close";
    if (created && !has_seq && !closing) {
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
    const std::string state = keys.getColumn(2).getString();
    const bool completed = state == "completed";
    const bool has_fingerprint = keys.getColumn(7).getInt() != 0;
    if (has_seq && !completed) {
      add("key_state", where, "a key that moved money is not in state completed");
    } else if (has_fingerprint && !completed) {
      // Replays trust a matching fingerprint (find_completed_key): only completion sets one.
      add("key_state", where, "a key that is not completed carries a request fingerprint");
    }
    const bool decided = completed || (state == "expired" && !keys.getColumn(3).isNull());
    if (decided && keys.getColumn(9).getInt() == 0) {
      add("outcome_chain", where, "a stored outcome that is not in the outcome chain");
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
// or void rows that reference it and the hold_expired events (a finished hold has its row
// or event, an open one has neither); its timeout is the one its reserve answered; and each
// account's held amount is the sum of its open holds.
void Checker::check_pending() {
  Statement rows(
      db_.handle(),
      "SELECT j.seq, p.seq, p.state, p.debit_account, p.amount, j.amount, p.finished_seq, "
      "(SELECT count(*) FROM journal f WHERE f.ref_seq = j.seq AND f.kind IN ('post', 'void')), "
      "(SELECT min(f.seq) FROM journal f WHERE f.ref_seq = j.seq AND f.kind IN ('post', 'void')), "
      "p.expires_at, json_extract(k.response, '$.expires_at') "
      "FROM journal j LEFT JOIN pending_transfers p ON p.seq = j.seq "
      "LEFT JOIN idempotency_keys k ON k.principal = j.principal AND "
      "k.idem_key = ledger_key(j.idem_key) WHERE j.kind = 'reserve' "
      "UNION ALL SELECT NULL, p.seq, p.state, p.debit_account, p.amount, NULL, p.finished_seq, 0, "
      "NULL, NULL, NULL FROM pending_transfers p LEFT JOIN journal j ON j.seq = p.seq AND "
      "j.kind = 'reserve' WHERE j.seq IS NULL");
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
    bool expired_event = expired_holds_.count(seq) != 0;
    if (rows.getColumn(4).getInt64() != rows.getColumn(5).getInt64()) {
      add("pending_record", where, "the hold's amount differs from its reserve row");
    }
    if (finished != (finishers == 1) || finishers > 1 ||
        (finished && (rows.getColumn(6).isNull() ||
                      rows.getColumn(6).getInt64() != rows.getColumn(8).getInt64()))) {
      add("pending_record", where,
          fmt::format("the hold is {} but {} post/void rows reference it", state, finishers));
    }
    if ((state == "expired") != expired_event || (expired_event && finishers != 0)) {
      add("pending_record", where,
          fmt::format("the hold is {} but {} hold_expired event records its release", state,
                      expired_event ? "a" : "no"));
    }
    if (rows.getColumn(10).isNull() || rows.getColumn(10).getInt64() != rows.getColumn(9).getInt64()) {
      add("pending_record", where,
          fmt::format("the hold expires at {} ms but its reserve answered {}",
                      rows.getColumn(9).getInt64(),
                      rows.getColumn(10).isNull() ? std::string("nothing")
                                                  : rows.getColumn(10).getString()));
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

// The outcome chain, in the order outcomes were stored, and each stored body against what
// it claims: its key, its result, and for a created outcome the journal row it answered.
void Checker::check_outcomes() {
  Statement rows(
      db_.handle(),
      "SELECT k.outcome_seq, k.outcome_hash, k.principal, k.idem_key, k.operation, "
      "k.transfer_seq, k.completed_at, k.state, k.fingerprint, k.result, k.response, "
      "k.outcome_digest, j.kind, j.amount, d.code, c.code, j.currency, j.created_at, j.ref_seq, "
      "d.exponent FROM idempotency_keys k LEFT JOIN journal j ON j.seq = k.transfer_seq "
      "LEFT JOIN accounts d ON d.id = j.debit_account LEFT JOIN accounts c ON c.id = "
      "j.credit_account WHERE k.outcome_seq IS NOT NULL ORDER BY k.outcome_seq");
  while (rows.executeStep()) {
    ++report_.outcomes_checked;
    const std::int64_t seq = rows.getColumn(0).getInt64();
    const Digest stored = digest_from_blob(rows.getColumn(1));
    const std::string principal = rows.getColumn(2).getString();
    const std::string key = key_from_column(rows.getColumn(3));
    const std::string operation = rows.getColumn(4).getString();
    const bool tombstone = rows.getColumn(7).getString() == "expired";
    const Digest digest = tombstone ? digest_from_blob(rows.getColumn(11))
                                    : outcome_digest(column_bytes(rows.getColumn(8)),
                                                     rows.getColumn(9).getString(),
                                                     column_bytes(rows.getColumn(10)));
    const OutcomeLink link{principal, key, operation, optional_int(rows.getColumn(5)),
                           rows.getColumn(6).getInt64(), digest};
    outcome_chain_.step(seq, outcome_link_hash(outcome_chain_.prev(), seq, link), stored,
                        reporter());
    closings_->link(Chain::outcomes, seq, stored);
    if (!tombstone) {
      check_outcome_body(rows, fmt::format("outcome seq {}", seq), key);
    }
  }
  // The recorded head is the last link: a cut tail of outcomes shows here.
  const ChainPosition head = outcome_chain_head(db_);
  if (head.sequence != outcome_chain_.last() || head.hash != outcome_chain_.prev()) {
    add("outcome_chain", fmt::format("outcome seq {}", head.sequence),
        fmt::format("the outcome chain's recorded head is seq {}, but its last link is seq {}",
                    head.sequence, outcome_chain_.last()));
  }
}

void Checker::check_outcome_body(Statement& row, const std::string& where, const std::string& key) {
  const json body = json::parse(row.getColumn(10).getString(), nullptr, false);
  const std::string result = row.getColumn(9).getString();
  const std::string operation = row.getColumn(4).getString();
  auto differs = [&](const char* field, const json& expected) {
    if (body.is_object() && body.contains(field) && body[field] == expected) return false;
    add("stored_response", where,
        fmt::format("the stored response of key ({}, {}) says {} = {}, but the record says {}",
                    row.getColumn(2).getString(), key, field,
                    body.is_object() && body.contains(field) ? json_text(body[field]) : "nothing",
                    json_text(expected)));
    return true;
  };
  if (!body.is_object()) {
    add("stored_response", where, "the stored response is not a JSON object");
    return;
  }
  if (differs("principal", row.getColumn(2).getString()) || differs("key", key) ||
      differs("operation", operation) || differs("created_at", row.getColumn(6).getInt64())) {
    return;
  }
  if (result != "created") {
    if (!differs("status", "rejected") && body.contains("error") && body["error"].is_object()) {
      differs("error", json{{"code", result},
                            {"message", body["error"].value("message", "")},
                            {"type", "request_failed"}});
    }
    return;
  }
  if (differs("status", "created")) return;
  if (operation == "close") {
    // The closing this key made is still there, unchanged (a closing deleted with its
    // trigger dropped leaves its key's stored outcome behind).
    const auto number = body.value("closing", std::int64_t{0});
    const auto found = closing_hashes_.find(number);
    differs("hash", found == closing_hashes_.end() ? json(nullptr) : json(found->second));
    return;
  }
  if (row.getColumn(12).isNull()) return;  // reported by check_keys
  const std::int64_t amount = row.getColumn(13).getInt64();
  const std::string kind = row.getColumn(12).getString();
  if (differs("sequence", row.getColumn(5).getInt64())) return;
  if (kind == "transfer" || kind == "reserve") {
    differs("amount_minor", amount);
  } else if (kind == "post") {
    differs("posted_minor", amount);
  } else if (kind == "void") {
    differs("released_minor", amount);
  } else if (kind == "reverse") {
    differs("reversed_minor", amount);
  }
  if (kind != "void" && body.contains("amount")) {
    differs("amount", format_amount(amount, row.getColumn(19).getInt()));
  }
  if (kind == "transfer" || kind == "reserve" || kind == "reverse") {
    differs("from", row.getColumn(14).getString());
    differs("to", row.getColumn(15).getString());
  }
  if (kind == "post" || kind == "void") differs("pending_id", row.getColumn(18).getInt64());
  if (kind == "reverse") differs("original_sequence", row.getColumn(18).getInt64());
  if (kind != "void") differs("currency", row.getColumn(16).getString());
}

VerifyReport Checker::run() {
  // A read transaction: one consistent snapshot for every check.
  db_.exec("BEGIN");
  try {
    check_storage();
    load_accounts();
    load_closings();
    check_events();
    check_account_rules();
    check_journal();
    check_references();
    check_pending();
    check_balances();
    check_keys();
    check_outcomes();
    closings_->finish(journal_chain_.last(), outcome_chain_.last(), event_chain_.last());
  } catch (...) {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  return std::move(report_);
}

}  // namespace

VerifyReport verify(Impl& impl, const VerifyOptions& options) {
  return Checker(impl.db, options).run();
}

}  // namespace ledger::detail
