// Signed closings (SPEC 10): the closings table, the signing keys a ledger records, and
// the closing document that CloseOperation (operations/close.cpp) signs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "crypto.h"
#include "impl.h"

namespace ledger::detail {

inline constexpr std::string_view kClosingFormat{"ledger.closing.v1"};

// What every closing chains from: the "previous closing hash" of closing 1.
[[nodiscard]] const Digest& closing_genesis_hash();

std::vector<Closing> list_closings(Db& db);
std::optional<Closing> find_closing(Db& db, std::int64_t number);
std::optional<Closing> last_closing(Db& db);

// Records `public_pem` (an event) unless it is recorded already; returns its fingerprint.
Digest record_signing_key(Impl& impl, const std::string& public_pem, std::int64_t now_ms);

// Builds, signs and stores closing number (last + 1) of the rows up to `until_ms` (default:
// now, or the last closing's time if the clock is behind it); returns it. Throws
// Error{invalid_argument} for an until before the last closing's or after now.
Closing write_closing(Impl& impl, const CloseRequest& request,
                      std::optional<std::int64_t> requested_until, std::int64_t now_ms);

}  // namespace ledger::detail
