// Goal: threads that race on the same keys with conflicting requests, while other threads
// back up, verify, issue and purge keys, leave each key executed exactly once and every
// backup consistent. This is the hostile suite's case for ThreadSanitizer (CI runs it in
// the TSan build with the other "threads ..." and "processes ..." tests).
// Method: real threads, one Ledger (connection) each, on one file; afterwards every key's
// stored response must name the one journal row it produced.
#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "hostile_support.h"

using namespace ledger;
using namespace hostile;

namespace {

constexpr int kKeys = 40;
constexpr int kWriters = 4;

// Even keys: every writer sends the same request. Odd keys: each writer its own amount, so
// all but the first get key_reused_with_different_request.
TransferRequest request_for(int key, int writer) {
  std::int64_t amount = 100 + key + (key % 2 == 1 ? writer : 0);
  return transfer("race-" + std::to_string(key), "world", "till", amount);
}

Options patient() {
  Options options;
  options.busy_timeout_ms = 20'000;
  return options;
}

struct Tally {
  std::atomic<int> created{0}, replayed{0}, conflicts{0}, failures{0};
};

void writer(const std::string& path, int id, Tally& tally) {
  try {
    Ledger book = Ledger::open(path, patient());
    for (int i = 0; i < kKeys; ++i) {
      int key = (i * 7 + id * 11) % kKeys;
      auto result = book.transfer(request_for(key, id));
      if (result.outcome == Outcome::created) {
        ++(result.replayed ? tally.replayed : tally.created);
      } else if (result.outcome == Outcome::key_reused_with_different_request &&
                 result.differing_field == "amount") {
        ++tally.conflicts;
      } else {
        ++tally.failures;
      }
    }
  } catch (...) {
    ++tally.failures;
  }
}

// Backs up and verifies while the writers run; every backup must verify on its own.
void auditor(const std::string& path, const std::string& dir, std::atomic<bool>& stop,
             std::atomic<int>& bad_audits, std::atomic<int>& audits) {
  try {
    Ledger book = Ledger::open(path, patient());
    for (int round = 0; !stop || round < 2; ++round) {
      if (!book.verify().ok()) ++bad_audits;
      auto copy = dir + "/backup-" + std::to_string(round) + ".db";
      book.backup(copy);
      Ledger restored = Ledger::open(copy);
      if (!restored.verify().ok()) ++bad_audits;
      (void)book.issue_key("auditor", "transfer", 1);
      (void)book.purge_keys(0);
      ++audits;
    }
  } catch (...) {
    ++bad_audits;
  }
}

}  // namespace

TEST_CASE(
    "threads racing on shared keys with different requests, backups and verify stay "
    "exactly-once") {
  TempDir dir("threads");
  auto path = dir.file("race.db");
  { open_with_accounts(path); }
  Tally tally;
  std::atomic<bool> stop{false};
  std::atomic<int> bad_audits{0}, audits{0};
  std::thread audit([&] { auditor(path, dir.path().string(), stop, bad_audits, audits); });
  std::vector<std::thread> writers;
  for (int id = 0; id < kWriters; ++id) {
    writers.emplace_back([&, id] { writer(path, id, tally); });
  }
  for (auto& thread : writers) thread.join();
  stop = true;
  audit.join();
  CHECK(tally.failures == 0);
  CHECK(tally.created == kKeys);
  CHECK(tally.created + tally.replayed + tally.conflicts == kKeys * kWriters);
  CHECK(bad_audits == 0);
  CHECK(audits >= 2);
  Ledger book = Ledger::open(path);
  CHECK(book.verify().ok());
  auto entries = book.journal(1, 10 * kKeys);
  CHECK(entries.size() == static_cast<std::size_t>(kKeys));
  std::int64_t total = 0;
  for (const JournalEntry& entry : entries) {
    auto key = book.find_key("till:1", entry.key);
    REQUIRE(key.has_value());
    CHECK(key->transfer_sequence == entry.sequence);
    auto body = nlohmann::json::parse(key->response);
    CHECK(body.value("amount_minor", std::int64_t{-1}) == entry.amount_minor);
    total += entry.amount_minor;
  }
  CHECK(balance(book, "till") == total);
}
