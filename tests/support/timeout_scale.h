// The test timeout multiplier, LEDGER_TEST_TIMEOUT_SCALE (see README "Set-up"): CMake sets
// it in every test's environment (4 in sanitizer builds), and the limits a test keeps in
// its own code are stretched by it like the CTest TIMEOUTs, so a slow or busy machine
// never fails a test that is only slow.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <string>

namespace ledger::testing {

// The whole number in LEDGER_TEST_TIMEOUT_SCALE, or 1 when it is unset or not a whole
// number from 1 to 1000.
inline std::int64_t timeout_scale() {
  const char* text = std::getenv("LEDGER_TEST_TIMEOUT_SCALE");
  if (text == nullptr || *text == '\0') return 1;
  char* end = nullptr;
  const long long scale = std::strtoll(text, &end, 10);
  return *end == '\0' && scale >= 1 && scale <= 1000 ? scale : 1;
}

// `ms` on an idle machine, stretched by timeout_scale().
inline std::int64_t scaled_ms(std::int64_t ms) { return ms * timeout_scale(); }

}  // namespace ledger::testing
