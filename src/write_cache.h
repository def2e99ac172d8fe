// Rows read inside the current write transaction, kept so that a batch of 1000 transfers
// between the same few accounts does not re-read them 2000 times, nor rewrite them 2000
// times: a cached account's new balance is written once, when the transaction commits.
// Sound only while the connection holds the write lock: nobody else can change these rows
// until the commit. Every read and write of a cached row inside the transaction goes
// through the cache (find_account_for_update, set_balance, set_pending, append_journal);
// WriteScope drops it whenever a write transaction begins or ends, balances are flushed
// before a commit and before a savepoint, and a savepoint's rollback drops it too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "crypto.h"
#include "ledger/types.h"

namespace ledger::detail {

// The last link of a chain: its sequence and hash, which the next link chains from.
struct ChainTail {
  std::int64_t sequence = 0;
  Digest hash{};
};

// The last journal row, and its time: the clock guard never writes an earlier one.
struct JournalTail : ChainTail {
  std::int64_t created_at_ms = 0;
};

struct WriteCache {
  std::unordered_map<std::string, Account> accounts_by_code;
  std::vector<std::int64_t> unwritten_balances;  // ids of accounts whose balance is ahead
  std::optional<JournalTail> journal_tail;
  std::optional<ChainTail> outcome_tail;
  bool outcome_tail_unwritten = false;  // ahead of chain_heads: written at commit
  // How far the system clock was behind the last journal row's time when this transaction
  // took its time (clock_guarded_now); recorded in the rows it appends.
  std::int64_t clock_behind_ms = 0;

  Account* account_by_id(std::int64_t id) {
    for (auto& entry : accounts_by_code) {
      if (entry.second.id == id) return &entry.second;
    }
    return nullptr;
  }
  void clear() {
    accounts_by_code.clear();
    unwritten_balances.clear();
    journal_tail.reset();
    outcome_tail.reset();
    outcome_tail_unwritten = false;
  }
};

}  // namespace ledger::detail
