// Goal: ledger::Client's retry policy (SPEC 8) retries exactly the transient answers, waits
// with full jitter inside its bounds, honours Retry-After, and stops at the attempt count
// and the deadline.
// Method: the policy module runs against a fake clock that advances instead of sleeping
// and a seeded random source; every wait and every stop is checked.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "client/retry_policy.h"

using namespace ledger;
using namespace ledger::client_detail;
using std::chrono::milliseconds;

namespace {

// A clock that moves only when the loop sleeps (or a test says so), and a seeded source
// of uniform draws; every sleep is recorded.
class FakeEnvironment final : public RetryEnvironment {
 public:
  explicit FakeEnvironment(std::uint64_t seed) : generator_(seed) {}
  Clock::time_point now() override { return now_; }
  void sleep_for(milliseconds duration) override {
    sleeps.push_back(duration);
    now_ += duration;
  }
  std::int64_t uniform(std::int64_t bound) override {
    bounds.push_back(bound);
    if (fixed_draw) return std::min(*fixed_draw, bound);
    return std::uniform_int_distribution<std::int64_t>(0, bound)(generator_);
  }
  void advance(milliseconds duration) { now_ += duration; }

  std::vector<milliseconds> sleeps;
  std::vector<std::int64_t> bounds;
  std::optional<std::int64_t> fixed_draw;

 private:
  Clock::time_point now_{};
  std::mt19937_64 generator_;
};

RetryPolicy policy(int max_attempts, int initial_ms, int max_ms, int deadline_ms) {
  RetryPolicy p;
  p.max_attempts = max_attempts;
  p.initial_backoff = milliseconds(initial_ms);
  p.max_backoff = milliseconds(max_ms);
  p.deadline = milliseconds(deadline_ms);
  return p;
}

AttemptVerdict transient(std::optional<std::int64_t> retry_after = std::nullopt) {
  AttemptVerdict verdict;
  verdict.retry = true;
  verdict.retry_after_seconds = retry_after;
  verdict.cause = "http 503";
  return verdict;
}

}  // namespace

TEST_CASE("only 409, 429, 500 and 503 are retried, every other status is final") {
  for (const int status : {409, 429, 500, 503}) {
    CAPTURE(status);
    CHECK(retryable_status(status));
  }
  for (const int status : {200, 201, 204, 400, 401, 402, 403, 404, 405, 408, 413, 422, 501,
                           502, 504}) {
    CAPTURE(status);
    CHECK_FALSE(retryable_status(status));
  }
}

TEST_CASE("the backoff ceiling doubles from the initial wait and stops at the maximum") {
  const RetryPolicy p = policy(50, 100, 5000, 60000);
  CHECK(backoff_ceiling(p, 0) == milliseconds(100));
  CHECK(backoff_ceiling(p, 1) == milliseconds(200));
  CHECK(backoff_ceiling(p, 5) == milliseconds(3200));
  CHECK(backoff_ceiling(p, 6) == milliseconds(5000));
  // A very long run of retries neither overflows nor passes the cap.
  CHECK(backoff_ceiling(p, 1000) == milliseconds(5000));
  CHECK(backoff_ceiling(policy(5, 0, 100, 1000), 10) == milliseconds(0));
}

TEST_CASE("full jitter: every wait is drawn from [0, ceiling] and spreads over it") {
  const std::uint64_t seed = 20261122;
  CAPTURE(seed);
  FakeEnvironment environment(seed);
  const RetryPolicy p = policy(1000000, 10, 640, 1000000000);
  RetrySchedule schedule(p, environment);
  for (int retry_index = 0; retry_index < 8; ++retry_index) {
    const std::int64_t ceiling = backoff_ceiling(p, retry_index).count();
    std::int64_t lowest = ceiling;
    std::int64_t highest = 0;
    for (int draw = 0; draw < 2000; ++draw) {
      const std::optional<milliseconds> wait = schedule.next_wait(retry_index + 1, std::nullopt);
      REQUIRE(wait);
      CHECK(wait->count() >= 0);
      CHECK(wait->count() <= ceiling);
      lowest = std::min(lowest, wait->count());
      highest = std::max(highest, wait->count());
    }
    CAPTURE(retry_index);
    // Full jitter, not "ceiling plus a little noise": both ends of the range are reached.
    CHECK(lowest <= ceiling / 10);
    CHECK(highest >= ceiling * 9 / 10);
  }
}

TEST_CASE("Retry-After is a lower bound on the wait") {
  FakeEnvironment environment(1);
  environment.fixed_draw = 0;
  RetrySchedule schedule(policy(10, 100, 1000, 60000), environment);
  CHECK(schedule.next_wait(1, 2) == milliseconds(2000));  // above the backoff ceiling
  CHECK(schedule.next_wait(2, 0) == milliseconds(0));
  environment.fixed_draw = 300;
  CHECK(schedule.next_wait(3, 0) == milliseconds(300));  // the jitter already waits longer
}

TEST_CASE("a Retry-After that would end past the deadline stops the retries") {
  FakeEnvironment environment(1);
  environment.fixed_draw = 0;
  RetrySchedule schedule(policy(10, 100, 1000, 5000), environment);
  CHECK_FALSE(schedule.next_wait(1, 3600));
  CHECK(schedule.stop_reason() == "deadline");
}

TEST_CASE("Retry-After is read as delta-seconds only, and huge values are capped") {
  CHECK(parse_retry_after_seconds("0") == 0);
  CHECK(parse_retry_after_seconds(" 3 ") == 3);
  CHECK(parse_retry_after_seconds("86400") == 86400);
  CHECK(parse_retry_after_seconds("999999999999999999999") == 86400);
  CHECK_FALSE(parse_retry_after_seconds(""));
  CHECK_FALSE(parse_retry_after_seconds("-1"));
  CHECK_FALSE(parse_retry_after_seconds("1.5"));
  CHECK_FALSE(parse_retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT"));
}

TEST_CASE("the attempts are bounded by max_attempts") {
  for (const int max_attempts : {1, 2, 5, 8}) {
    CAPTURE(max_attempts);
    FakeEnvironment environment(7);
    int calls = 0;
    const LoopReport report =
        run_with_retries(policy(max_attempts, 1, 10, 1000000), environment,
                         [&](int number, milliseconds) {
                           CHECK(number == calls + 1);
                           ++calls;
                           return transient();
                         });
    CHECK(calls == max_attempts);
    CHECK(report.attempts == max_attempts);
    CHECK(report.retries.size() == static_cast<std::size_t>(max_attempts - 1));
    CHECK(environment.sleeps.size() == static_cast<std::size_t>(max_attempts - 1));
    CHECK(report.stop_reason == "attempts");
  }
}

TEST_CASE("a final verdict ends the loop at once, without sleeping") {
  FakeEnvironment environment(7);
  int calls = 0;
  const LoopReport report = run_with_retries(policy(8, 100, 1000, 60000), environment,
                                             [&](int, milliseconds) {
                                               ++calls;
                                               return calls < 3 ? transient() : AttemptVerdict{};
                                             });
  CHECK(calls == 3);
  CHECK(report.attempts == 3);
  CHECK(report.stop_reason.empty());
  REQUIRE(report.retries.size() == 2);
  CHECK(report.retries[0].attempt == 1);
  CHECK(report.retries[1].attempt == 2);
  CHECK(report.retries[0].cause == "http 503");
  CHECK(report.retries[0].wait == environment.sleeps[0]);
}

TEST_CASE("the deadline stops the retries, and no wait reaches past it") {
  FakeEnvironment environment(11);
  const RetryPolicy p = policy(1000, 100, 400, 2000);
  int calls = 0;
  std::vector<milliseconds> remaining_seen;
  const LoopReport report = run_with_retries(p, environment, [&](int, milliseconds remaining) {
    ++calls;
    remaining_seen.push_back(remaining);
    environment.advance(milliseconds(50));  // each attempt takes a while
    return transient();
  });
  CHECK(report.stop_reason == "deadline");
  CHECK(calls < 1000);
  milliseconds spent(0);
  for (const auto& sleep : environment.sleeps) spent += sleep;
  spent += milliseconds(50) * calls;
  // Every attempt started before the deadline; the last ended at most one attempt later.
  CHECK(spent <= p.deadline + milliseconds(50));
  for (const auto& remaining : remaining_seen) CHECK(remaining > milliseconds(0));
  CHECK(remaining_seen.front() == p.deadline);
}

TEST_CASE("a policy without attempts or deadline is refused") {
  CHECK(policy_problem(policy(8, 100, 1000, 1000)).empty());
  CHECK_FALSE(policy_problem(policy(0, 100, 1000, 1000)).empty());
  CHECK_FALSE(policy_problem(policy(1, -1, 1000, 1000)).empty());
  CHECK_FALSE(policy_problem(policy(1, 100, 1000, 0)).empty());
}
