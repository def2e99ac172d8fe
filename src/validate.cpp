// Input validation shared by every operation. A request that fails here is malformed:
// nothing is stored and the key stays usable.
#include <fmt/format.h>

#include <algorithm>

#include "impl.h"

namespace ledger::detail {
namespace {

bool has_control_character(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace

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

void check_limit(std::int64_t limit) {
  if (limit < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("limit must be 0 or more, got {}", limit));
  }
}

bool is_valid_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    if (lead < 0x80) {
      extra = 0;
    } else if ((lead & 0xe0) == 0xc0) {
      extra = 1;
    } else if ((lead & 0xf0) == 0xe0) {
      extra = 2;
    } else if ((lead & 0xf8) == 0xf0) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > text.size() - i - 1) return false;
    std::uint32_t code_point = lead & (0x7f >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3f);
    }
    // Reject overlong forms, surrogates and values past U+10FFFF.
    static constexpr std::uint32_t kMinimum[] = {0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[extra] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return false;
    }
    i += extra + 1;
  }
  return true;
}

std::optional<std::string> check_account_code(std::string_view code) {
  if (code.empty() || code.size() > 128) {
    return fmt::format("account code must be 1 to 128 bytes, got {}", code.size());
  }
  if (has_control_character(code) || code.find(' ') != std::string_view::npos ||
      !is_valid_utf8(code)) {
    return "account code must be UTF-8 text without spaces or control characters "
           "(e.g. 'till:7')";
  }
  return std::nullopt;
}

std::optional<std::string> check_principal(std::string_view principal) {
  if (principal.empty() || principal.size() > 255) {
    return fmt::format("principal must be 1 to 255 bytes, got {}", principal.size());
  }
  if (has_control_character(principal) || !is_valid_utf8(principal)) {
    return "principal must be UTF-8 text without control characters";
  }
  return std::nullopt;
}

std::optional<std::string> check_key(std::string_view key) {
  if (key.empty() || key.size() > 255) {
    return fmt::format("idempotency key must be 1 to 255 characters, got {}", key.size());
  }
  bool printable = std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (!printable) return "idempotency key must be printable ASCII (no control or non-ASCII characters)";
  return std::nullopt;
}

std::optional<std::string> check_memo(std::string_view memo) {
  if (memo.size() > 4096) return fmt::format("memo must be at most 4096 bytes, got {}", memo.size());
  if (memo.find('\0') != std::string_view::npos || !is_valid_utf8(memo)) {
    return "memo must be UTF-8 text without NUL characters";
  }
  return std::nullopt;
}

std::optional<std::string> check_operation(std::string_view operation) {
  for (const char* known : {"transfer", "reserve", "post", "void", "reverse"}) {
    if (operation == known) return std::nullopt;
  }
  return fmt::format("unknown operation '{}'; keys can be issued for: transfer, reserve, post, "
                     "void, reverse",
                     operation);
}

}  // namespace ledger::detail
