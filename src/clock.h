// Time as the engine stores it: int64 milliseconds since the Unix epoch.
#pragma once

#include <cstdint>

namespace ledger::detail {

std::int64_t system_clock_ms();

// `now_ms` minus/plus `seconds`, saturating at the int64 limits instead of overflowing.
std::int64_t ms_before(std::int64_t now_ms, std::int64_t seconds);
std::int64_t ms_after(std::int64_t now_ms, std::int64_t seconds);

}  // namespace ledger::detail
