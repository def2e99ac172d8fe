#include "client/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <random>
#include <thread>

namespace ledger::client_detail {
namespace {

constexpr std::int64_t kMaxRetryAfterSeconds = 24 * 3600;

}  // namespace

struct SystemRetryEnvironment::State {
  std::mt19937_64 generator{std::random_device{}()};
};

SystemRetryEnvironment::SystemRetryEnvironment() : state_(std::make_unique<State>()) {}
SystemRetryEnvironment::~SystemRetryEnvironment() = default;

Clock::time_point SystemRetryEnvironment::now() { return Clock::now(); }

void SystemRetryEnvironment::sleep_for(milliseconds duration) {
  std::this_thread::sleep_for(duration);
}

std::int64_t SystemRetryEnvironment::uniform(std::int64_t bound) {
  return std::uniform_int_distribution<std::int64_t>(0, bound)(state_->generator);
}

bool retryable_status(int status) {
  return status == 409 || status == 429 || status == 500 || status == 503;
}

milliseconds backoff_ceiling(const RetryPolicy& policy, int retry_index) {
  const std::int64_t max_ms = policy.max_backoff.count();
  std::int64_t ceiling = policy.initial_backoff.count();
  // Doubling stops at the cap, so a long run of retries cannot overflow.
  for (int i = 0; i < retry_index && ceiling < max_ms; ++i) ceiling *= 2;
  return milliseconds(std::min(ceiling, max_ms));
}

std::optional<std::int64_t> parse_retry_after_seconds(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty() || !std::all_of(text.begin(), text.end(),
                                   [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  if (text.size() > 9) return kMaxRetryAfterSeconds;
  std::int64_t seconds = 0;
  std::from_chars(text.data(), text.data() + text.size(), seconds);
  return std::min(seconds, kMaxRetryAfterSeconds);
}

std::string policy_problem(const RetryPolicy& policy) {
  if (policy.max_attempts < 1) return "max_attempts must be at least 1";
  if (policy.initial_backoff.count() < 0) return "initial_backoff must not be negative";
  if (policy.max_backoff.count() < 0) return "max_backoff must not be negative";
  if (policy.deadline.count() <= 0) return "deadline must be more than 0";
  return {};
}

RetrySchedule::RetrySchedule(const RetryPolicy& policy, RetryEnvironment& environment)
    : policy_(policy), environment_(environment), deadline_(environment.now() + policy.deadline) {}

milliseconds RetrySchedule::remaining() const {
  const auto left =
      std::chrono::duration_cast<milliseconds>(deadline_ - environment_.now());
  return std::max(left, milliseconds(0));
}

std::optional<milliseconds> RetrySchedule::next_wait(
    int attempts_made, std::optional<std::int64_t> retry_after_seconds) {
  if (attempts_made >= policy_.max_attempts) {
    stop_reason_ = "attempts";
    return std::nullopt;
  }
  const milliseconds ceiling = backoff_ceiling(policy_, attempts_made - 1);
  milliseconds wait(environment_.uniform(ceiling.count()));
  // The server knows when it expects to cope again: never come back sooner.
  if (retry_after_seconds) wait = std::max(wait, milliseconds(*retry_after_seconds * 1000));
  // An attempt that would start at or after the deadline is not made at all.
  if (wait >= remaining()) {
    stop_reason_ = "deadline";
    return std::nullopt;
  }
  return wait;
}

LoopReport run_with_retries(
    const RetryPolicy& policy, RetryEnvironment& environment,
    const std::function<AttemptVerdict(int number, milliseconds remaining)>& attempt) {
  RetrySchedule schedule(policy, environment);
  LoopReport report;
  // Bounded: next_wait stops at policy.max_attempts.
  for (int number = 1;; ++number) {
    report.attempts = number;
    const AttemptVerdict verdict = attempt(number, schedule.remaining());
    if (!verdict.retry) return report;
    const std::optional<milliseconds> wait = schedule.next_wait(number, verdict.retry_after_seconds);
    if (!wait) {
      report.stop_reason = schedule.stop_reason();
      return report;
    }
    report.retries.push_back({number, verdict.cause, verdict.detail, *wait});
    environment.sleep_for(*wait);
  }
}

}  // namespace ledger::client_detail
