#include "clock.h"

#include <chrono>

#include "ledger/money.h"

namespace ledger::detail {

std::int64_t system_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t ms_before(std::int64_t now_ms, std::int64_t seconds) {
  std::int64_t ms = 0;
  if (__builtin_mul_overflow(seconds, 1000, &ms)) return seconds > 0 ? INT64_MIN : INT64_MAX;
  return checked_sub(now_ms, ms).value_or(ms > 0 ? INT64_MIN : INT64_MAX);
}

std::int64_t ms_after(std::int64_t now_ms, std::int64_t seconds) {
  std::int64_t ms = 0;
  if (__builtin_mul_overflow(seconds, 1000, &ms)) return seconds > 0 ? INT64_MAX : INT64_MIN;
  return checked_add(now_ms, ms).value_or(ms > 0 ? INT64_MAX : INT64_MIN);
}

}  // namespace ledger::detail
