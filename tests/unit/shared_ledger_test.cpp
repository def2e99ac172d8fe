// Goal: SharedLedger books concurrent callers' transfers in shared commits (group commit)
// and gives each caller exactly what its own Ledger::transfer would have: its own outcome
// and body, replays, conflicts, refusals, and the whole group's transient error.
// Method: real threads on one SharedLedger. Overlap is made deterministic with
// Options::clock_ms, which the engine calls once inside each write transaction: a
// HoldingClock keeps the first transaction open until the wanted number of callers are
// queued behind it, so the next group holds exactly them. Counting the clock's calls counts
// write transactions independently of the SharedLedger's own stats.
#include "ledger/shared_ledger.h"

#include <doctest/doctest.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <latch>
#include <optional>
#include <stdexcept>
#include <thread>
#include <vector>

#include "test_support.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

using std::chrono::milliseconds;

// Options::clock_ms that counts its calls and can hold the next `hold` calls until
// `queued_wanted` callers are queued on `shared` (at most 10 s, so a bug fails the test
// instead of hanging it), or throw on the `throw_on_call`th call.
struct HoldingClock {
  struct State {
    std::atomic<int> calls{0};
    std::atomic<int> holds{0};
    std::atomic<std::int64_t> queued_wanted{0};
    std::atomic<int> throw_on_call{0};
    std::atomic<SharedLedger*> shared{nullptr};
  };
  std::shared_ptr<State> state = std::make_shared<State>();

  [[nodiscard]] std::function<std::int64_t()> function() const {
    auto s = state;
    return [s] {
      int call = ++s->calls;
      if (call == s->throw_on_call) throw std::runtime_error("the test's clock failed once");
      int holds = s->holds.load();
      while (holds > 0 && !s->holds.compare_exchange_weak(holds, holds - 1)) {
      }
      if (holds > 0) wait_for_queue(*s);
      using namespace std::chrono;
      return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
    };
  }

  // From now on: count calls afresh and hold the next `hold` transactions.
  void arm(SharedLedger& shared, int hold, std::int64_t queued_wanted) const {
    state->shared = &shared;
    state->queued_wanted = queued_wanted;
    state->calls = 0;
    state->holds = hold;
  }

 private:
  static void wait_for_queue(State& s) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (s.shared.load()->stats().queued < s.queued_wanted &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(milliseconds(1));
    }
  }
};

// A SharedLedger on a fresh ledger with world/till/customer accounts and the clock.
SharedLedger open_shared(const std::string& path, const HoldingClock& clock, Options options = {},
                         GroupCommitOptions group = {}) {
  options.clock_ms = clock.function();
  return SharedLedger(open_with_accounts(path, options), group);
}

// Runs `calls[i]()` on its own thread, all released at once; returns when all are done.
void run_together(const std::vector<std::function<void()>>& calls) {
  std::latch start(static_cast<std::ptrdiff_t>(calls.size()));
  std::vector<std::thread> threads;
  for (const auto& call : calls) {
    threads.emplace_back([&start, &call] {
      start.arrive_and_wait();
      call();
    });
  }
  for (auto& thread : threads) thread.join();
}

std::int64_t till_balance(SharedLedger& shared) {
  return shared.with_ledger([](Ledger& l) { return l.find_account("till")->balance_minor; });
}

// Calls shared.transfer(request); an exception (which a test does not expect here) is
// recorded in `thrown` rather than ending the thread, and so the test process.
void transfer_noting_errors(SharedLedger& shared, const TransferRequest& request,
                            TransferResult& result, std::string& thrown) {
  try {
    result = shared.transfer(request);
  } catch (const std::exception& e) {
    thrown = e.what();
  }
}

// `blocker` goes first and holds its transaction open until `queued` callers (default: all
// of `requests`) are queued; then they run as one group. Returns their results, in the
// order of `requests`.
std::vector<TransferResult> group_behind_blocker(SharedLedger& shared, const HoldingClock& clock,
                                                 const std::vector<TransferRequest>& requests,
                                                 std::optional<std::int64_t> queued = {}) {
  clock.arm(shared, 1, queued.value_or(static_cast<std::int64_t>(requests.size())));
  const std::size_t n = requests.size();
  std::vector<TransferResult> results(n + 1);  // the blocker's last
  std::vector<std::string> thrown(n + 1);
  std::thread blocker([&] {
    transfer_noting_errors(shared, make_transfer("blocker", "world", "till", 1), results[n],
                           thrown[n]);
  });
  while (clock.state->calls.load() == 0) std::this_thread::sleep_for(milliseconds(1));
  std::vector<std::function<void()>> calls;
  for (std::size_t i = 0; i < n; ++i) {
    calls.emplace_back(
        [&, i] { transfer_noting_errors(shared, requests[i], results[i], thrown[i]); });
  }
  run_together(calls);
  blocker.join();
  for (const std::string& error : thrown) CHECK(error == "");
  CHECK(results[n].ok());
  results.pop_back();
  return results;
}

}  // namespace

TEST_CASE("group commit: 8 threads share commits and every transfer is booked once") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("group.db"), clock);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  // The first transaction waits until the 7 other threads are queued behind it.
  clock.arm(shared, 1, kThreads - 1);
  std::vector<int> created(kThreads, 0);
  std::vector<std::function<void()>> calls;
  std::int64_t expected = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) expected += 100 + t * kPerThread + i;
    calls.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::int64_t amount = 100 + t * kPerThread + i;
        auto key = "sale-" + std::to_string(t) + "-" + std::to_string(i);
        auto result = shared.transfer(make_transfer(key, "world", "till", amount));
        if (result.ok() && !result.replayed && result.sequence) ++created[t];
      }
    });
  }
  run_together(calls);
  // Read before anything else calls the clock (reads call it too).
  const int transactions = clock.state->calls.load();
  const GroupCommitStats stats = shared.stats();
  constexpr int kTotal = kThreads * kPerThread;
  for (int t = 0; t < kThreads; ++t) CHECK(created[t] == kPerThread);
  CHECK(till_balance(shared) == expected);
  CHECK(shared.with_ledger([](Ledger& l) { return l.journal(1, 10'000).size(); }) ==
        static_cast<std::size_t>(kTotal));
  CHECK(shared.with_ledger([](Ledger& l) { return l.verify().ok(); }));
  CAPTURE(stats.commits);
  CHECK(stats.transfers == kTotal);
  CHECK(stats.commits < kTotal);
  CHECK(stats.largest_batch >= kThreads - 1);
  CHECK(stats.queued == 0);
  // The engine's own count of write transactions (one clock call each) agrees.
  CHECK(transactions == stats.commits);
}

TEST_CASE(
    "group commit: the same key twice in one group executes once and replays the stored body") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("same-key.db"), clock);
  auto request = make_transfer("same", "world", "till", 700);
  auto results = group_behind_blocker(shared, clock, {request, request});
  CHECK(shared.stats().largest_batch == 2);
  REQUIRE(results[0].ok());
  REQUIRE(results[1].ok());
  CHECK(results[0].replayed != results[1].replayed);  // one executed, one replayed
  CHECK(results[0].body == results[1].body);
  CHECK(results[0].sequence == results[1].sequence);
  CHECK(till_balance(shared) == 1 + 700);
  // A later retry replays the same bytes too.
  auto retry = shared.transfer(request);
  CHECK(retry.replayed);
  CHECK(retry.body == results[0].body);
}

TEST_CASE(
    "group commit: a key reused with a different amount in one group is a conflict and moves "
    "nothing") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("conflict.db"), clock);
  auto results = group_behind_blocker(shared, clock,
                                      {make_transfer("reused", "world", "till", 500),
                                       make_transfer("reused", "world", "till", 900)});
  CHECK(shared.stats().largest_batch == 2);
  // Queue order decides which one executes; the other is refused.
  int executed = results[0].ok() ? 0 : 1;
  const TransferResult& refused = results[1 - executed];
  CHECK(results[executed].ok());
  CHECK_FALSE(results[executed].replayed);
  CHECK(refused.outcome == Outcome::key_reused_with_different_request);
  CHECK(refused.differing_field == "amount");
  CHECK(till_balance(shared) == 1 + (executed == 0 ? 500 : 900));
  CHECK(shared.with_ledger([](Ledger& l) { return l.journal(1, 100).size(); }) == 2);
}

TEST_CASE("group commit: a malformed request in a group does not affect the others") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("malformed.db"), clock);
  auto results = group_behind_blocker(
      shared, clock,
      {make_transfer("good-1", "world", "till", 10), make_transfer("bad", "world", "till", 0),
       make_transfer("good-2", "world", "till", 20)},
      /*queued=*/2);
  // The malformed request is answered before it joins a group: a batch with a malformed
  // item runs no item at all.
  CHECK(shared.stats().largest_batch == 2);
  CHECK(results[0].ok());
  CHECK(results[1].outcome == Outcome::invalid_request);
  CHECK(results[2].ok());
  CHECK(till_balance(shared) == 1 + 10 + 20);
  // Nothing was stored for it: the key stays usable once the request is fixed.
  auto fixed = shared.transfer(make_transfer("bad", "world", "till", 30));
  CHECK(fixed.ok());
  CHECK_FALSE(fixed.replayed);
}

TEST_CASE(
    "group commit: a busy database fails the whole group and a retry books each transfer once") {
  TempDir dir;
  HoldingClock clock;
  auto path = dir.file("busy.db");
  Options options;
  options.busy_timeout_ms = 300;
  SharedLedger shared = open_shared(path, clock, options);
  // Another connection holds the write lock.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  constexpr int kCallers = 4;
  std::vector<TransferRequest> requests;
  for (int i = 0; i < kCallers; ++i) {
    requests.push_back(make_transfer("busy-" + std::to_string(i), "world", "till", 10 + i));
  }
  // The first caller leads alone and waits out the busy timeout; the others queue behind
  // it meanwhile and fail together as the next group.
  std::vector<int> busy(kCallers, 0);
  std::vector<std::function<void()>> calls;
  for (int i = 0; i < kCallers; ++i) {
    calls.emplace_back([&, i] {
      try {
        (void)shared.transfer(requests[i]);
      } catch (const Error& e) {
        if (e.code() == ErrorCode::busy && e.transient()) ++busy[i];
      }
    });
  }
  run_together(calls);
  for (int i = 0; i < kCallers; ++i) CHECK(busy[i] == 1);
  CHECK(shared.stats().largest_batch > 1);
  for (const auto& request : requests) {
    CHECK_FALSE(shared.with_ledger([&](Ledger& l) { return l.find_key("till:1", request.key); }));
  }
  REQUIRE(sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK);
  sqlite3_close(other);
  // Retrying with the same keys books each exactly once.
  std::vector<TransferResult> retried(kCallers);
  calls.clear();
  for (int i = 0; i < kCallers; ++i)
    calls.emplace_back([&, i] { retried[i] = shared.transfer(requests[i]); });
  run_together(calls);
  for (const auto& result : retried) {
    CHECK(result.ok());
    CHECK_FALSE(result.replayed);
  }
  CHECK(till_balance(shared) == 10 + 11 + 12 + 13);
  CHECK(shared.with_ledger([](Ledger& l) { return l.verify().ok(); }));
}

TEST_CASE("group commit: a group failing with a non-transient error books each transfer alone") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("isolated.db"), clock);
  // Call 1 is the blocker's transaction, call 2 the group's: it throws, rolling the group
  // back; each of its transfers then gets its own transaction (calls 3 to 5).
  clock.state->throw_on_call = 2;
  auto results = group_behind_blocker(
      shared, clock,
      {make_transfer("a", "world", "till", 1), make_transfer("b", "world", "till", 2),
       make_transfer("c", "world", "till", 3)});
  CHECK(shared.stats().largest_batch == 3);
  for (const auto& result : results) {
    CHECK(result.ok());
    CHECK_FALSE(result.replayed);
  }
  CHECK(clock.state->calls.load() == 5);
  CHECK(till_balance(shared) == 1 + 1 + 2 + 3);
}

TEST_CASE("group commit: a group never holds more than max_batch transfers") {
  TempDir dir;
  HoldingClock clock;
  CHECK_THROWS_AS(SharedLedger(open_with_accounts(dir.file("zero.db")), GroupCommitOptions{0}),
                  Error);
  SharedLedger shared = open_shared(dir.file("max.db"), clock, {}, GroupCommitOptions{2});
  std::vector<TransferRequest> requests;
  for (int i = 0; i < 6; ++i)
    requests.push_back(make_transfer("m" + std::to_string(i), "world", "till", 5));
  auto results = group_behind_blocker(shared, clock, requests);
  for (const auto& result : results) CHECK(result.ok());
  GroupCommitStats stats = shared.stats();
  CHECK(stats.largest_batch == 2);
  CHECK(stats.commits == 1 + 3);  // the blocker, then 6 queued callers in groups of 2
  CHECK(till_balance(shared) == 1 + 6 * 5);
}

TEST_CASE("group commit: with_ledger runs other calls on the shared connection between commits") {
  TempDir dir;
  HoldingClock clock;
  SharedLedger shared = open_shared(dir.file("with.db"), clock);
  constexpr int kWriters = 4;
  constexpr int kPerWriter = 20;
  std::atomic<bool> writing{true};
  std::atomic<int> created{0};
  std::vector<std::int64_t> seen;
  std::vector<std::function<void()>> calls;
  for (int t = 0; t < kWriters; ++t) {
    calls.emplace_back([&, t] {
      for (int i = 0; i < kPerWriter; ++i) {
        auto key = "w" + std::to_string(t) + "-" + std::to_string(i);
        if (shared.transfer(make_transfer(key, "world", "till", 1)).ok()) ++created;
      }
    });
  }
  int failed_verifies = 0;
  std::thread reader([&] {
    while (writing) {
      seen.push_back(till_balance(shared));
      shared.with_ledger([&](Ledger& l) { failed_verifies += l.verify().ok() ? 0 : 1; });
    }
  });
  run_together(calls);
  writing = false;
  reader.join();
  CHECK(created == kWriters * kPerWriter);
  CHECK(failed_verifies == 0);
  REQUIRE_FALSE(seen.empty());
  // Each read saw a committed state: balances only grow, never past the total.
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(seen.back() <= kWriters * kPerWriter);
  CHECK(till_balance(shared) == kWriters * kPerWriter);
}

// A leader waits up to max_wait for as many callers as its previous group suggests; a
// caller alone expects only itself. With max_wait at 2 s, waiting even once would show.
TEST_CASE("group commit: a lone caller never waits for a group to fill") {
  TempDir dir;
  GroupCommitOptions group;
  group.max_wait = std::chrono::seconds(2);
  SharedLedger shared(open_with_accounts(dir.file("lone.db")), group);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    CHECK(shared.transfer(make_transfer("lone-" + std::to_string(i), "world", "till", 1)).ok());
  }
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
  CHECK(shared.stats().commits == 5);
}
