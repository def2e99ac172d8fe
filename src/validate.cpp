// Input validation shared by every operation. A request that fails here is malformed:
// nothing is stored and the key stays usable.
#include <fmt/format.h>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>

#include "validate.h"

#include "ledger/error.h"
#include "ledger/money.h"

namespace ledger::detail {
namespace {

// The code points an identifier may not contain: they print as nothing, as a space, or
// differently on every system, so two codes that look the same could name two accounts.
bool is_invisible_or_unassigned(UChar32 code_point) {
  switch (u_charType(code_point)) {
    case U_CONTROL_CHAR:          // Cc
    case U_FORMAT_CHAR:           // Cf: U+200B zero width space, U+200D, U+FEFF, ...
    case U_SPACE_SEPARATOR:       // Zs: U+0020, U+00A0 no-break space, U+3000, ...
    case U_LINE_SEPARATOR:        // Zl
    case U_PARAGRAPH_SEPARATOR:   // Zp
    case U_PRIVATE_USE_CHAR:      // Co
    case U_SURROGATE:             // Cs
    case U_UNASSIGNED:            // Cn, noncharacters included
      return true;
    default:
      return false;
  }
}

// What makes `text` unfit as an identifier (account code, principal), or nullopt: it must
// be well-formed UTF-8, free of invisible, separator, private-use and unassigned code
// points, and in Unicode NFC, so that one visible spelling names one identifier ("café"
// composed and decomposed would otherwise be two accounts). Plain ASCII, the usual case,
// needs no table lookup.
std::optional<std::string> check_identifier(std::string_view text) {
  const bool plain_ascii = std::all_of(text.begin(), text.end(),
                                       [](char c) { return c > 0x20 && c < 0x7f; });
  if (plain_ascii) return std::nullopt;
  if (!is_valid_utf8(text)) return "must be valid UTF-8 text";
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  for (std::int32_t i = 0; i < length;) {
    const std::int32_t at = i;
    UChar32 code_point = 0;
    U8_NEXT(bytes, i, length, code_point);
    if (is_invisible_or_unassigned(code_point)) {
      return fmt::format("must not contain spaces, invisible, control, private-use or "
                         "unassigned characters, found U+{:04X} at byte {}; use visible "
                         "characters only, e.g. 'till:7'",
                         static_cast<std::uint32_t>(code_point), at + 1);
    }
  }
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  const icu::UnicodeString unicode =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), length));
  const bool normalized = U_SUCCESS(status) && nfc->isNormalized(unicode, status);
  if (U_FAILURE(status)) {
    throw Error(ErrorCode::internal,
                fmt::format("ICU cannot check Unicode normalization: {}", u_errorName(status)));
  }
  if (!normalized) {
    return "must be in Unicode NFC (composed) form: it contains a letter written as a base "
           "letter plus a combining mark; type it composed (e.g. 'é' as U+00E9) or convert it "
           "with `uconv -x any-nfc`";
  }
  return std::nullopt;
}

}  // namespace

void check_limit(std::int64_t limit) {
  if (limit < 0) {
    throw Error(ErrorCode::invalid_argument,
                fmt::format("limit must be 0 or more, got {}", limit));
  }
}

bool is_valid_utf8(std::string_view text) {
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto length = static_cast<std::int32_t>(text.size());
  if (static_cast<std::size_t>(length) != text.size()) return false;
  for (std::int32_t i = 0; i < length;) {
    UChar32 code_point = 0;
    U8_NEXT(bytes, i, length, code_point);  // negative for ill-formed, overlong, surrogates
    if (code_point < 0) return false;
  }
  return true;
}

std::optional<std::string> check_account_code(std::string_view code) {
  if (code.empty() || code.size() > 128) {
    return fmt::format("account code must be 1 to 128 bytes, got {}", code.size());
  }
  if (auto problem = check_identifier(code)) return "account code " + *problem;
  return std::nullopt;
}

std::optional<std::string> check_principal(std::string_view principal) {
  if (principal.empty() || principal.size() > 255) {
    return fmt::format("principal must be 1 to 255 bytes, got {}", principal.size());
  }
  if (auto problem = check_identifier(principal)) return "principal " + *problem;
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

std::optional<std::string> check_principal_and_key(const std::string& principal,
                                                   const std::string& key) {
  if (auto problem = check_principal(principal)) return problem;
  return check_key(key);
}

}  // namespace ledger::detail
