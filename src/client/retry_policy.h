// The retry policy of ledger::Client (SPEC 8), apart from HTTP so that it can be tested
// without a network and without sleeping: which answers are worth another attempt, how
// long to wait before it (exponential backoff, full jitter, Retry-After as a lower bound),
// and when to stop (attempt count, overall deadline).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/client.h"

namespace ledger::client_detail {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Time and randomness as the retry loop sees them; tests give a fake that records the
// sleeps and advances its clock instead of sleeping.
class RetryEnvironment {
 public:
  virtual ~RetryEnvironment() = default;
  virtual Clock::time_point now() = 0;
  virtual void sleep_for(milliseconds duration) = 0;
  // A number drawn uniformly from [0, bound], bound included.
  virtual std::int64_t uniform(std::int64_t bound) = 0;
};

// The real clock, std::this_thread::sleep_for and a std::mt19937_64 seeded from
// std::random_device. (Jitter only spreads clients apart; it needs no CSPRNG.)
class SystemRetryEnvironment final : public RetryEnvironment {
 public:
  SystemRetryEnvironment();
  ~SystemRetryEnvironment() override;
  Clock::time_point now() override;
  void sleep_for(milliseconds duration) override;
  std::int64_t uniform(std::int64_t bound) override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// 409 (the key's first request is still executing), 429, 500 and 503 may succeed later
// with the same key; nothing else does. 402 and 422 are final answers about the key, and a
// 2xx is the answer itself.
[[nodiscard]] bool retryable_status(int status);

// The upper end of the wait before retry `retry_index` (0 for the first retry):
// min(max_backoff, initial_backoff * 2^retry_index), without overflowing.
[[nodiscard]] milliseconds backoff_ceiling(const RetryPolicy& policy, int retry_index);

// Retry-After as RFC 9110 allows it in delta-seconds ("3"); an HTTP date or anything else
// is ignored (nullopt). Values beyond a day are read as a day: the deadline bounds them.
[[nodiscard]] std::optional<std::int64_t> parse_retry_after_seconds(std::string_view text);

// Checks a policy; returns an empty string when it is usable, else what is wrong.
[[nodiscard]] std::string policy_problem(const RetryPolicy& policy);

// What one attempt came to, as the retry loop needs it.
struct AttemptVerdict {
  bool retry = false;  // transient: the same request may succeed later
  std::optional<std::int64_t> retry_after_seconds;
  std::string cause;   // for RetryReason: "http 503", "connection", ...
  std::string detail;
};

// The schedule of one logical operation: started when constructed.
class RetrySchedule {
 public:
  RetrySchedule(const RetryPolicy& policy, RetryEnvironment& environment);

  // Time left before the deadline (never negative).
  [[nodiscard]] milliseconds remaining() const;

  // After a transient failure of attempt number `attempts_made` (1-based): the wait before
  // the next attempt, or nullopt to stop, with `stop_reason` set to "attempts" (no
  // attempt left) or "deadline" (the wait, jitter or Retry-After, would end past it).
  [[nodiscard]] std::optional<milliseconds> next_wait(
      int attempts_made, std::optional<std::int64_t> retry_after_seconds);

  [[nodiscard]] const std::string& stop_reason() const { return stop_reason_; }

 private:
  RetryPolicy policy_;
  RetryEnvironment& environment_;
  Clock::time_point deadline_;
  std::string stop_reason_;
};

struct LoopReport {
  int attempts = 0;
  std::vector<RetryReason> retries;
  std::string stop_reason;
};

// Runs `attempt(number, remaining)` (number 1-based; remaining = time before the deadline,
// to bound the attempt's own timeouts) until it gives a final verdict or the schedule
// stops. The last attempt's answer is whatever `attempt` kept.
LoopReport run_with_retries(
    const RetryPolicy& policy, RetryEnvironment& environment,
    const std::function<AttemptVerdict(int number, milliseconds remaining)>& attempt);

}  // namespace ledger::client_detail
