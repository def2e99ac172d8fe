// Input validation shared by every operation. Each check returns why its input is
// malformed, or nullopt if it is valid; a malformed request stores nothing and leaves its
// key usable.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ledger::detail {

std::optional<std::string> check_account_code(std::string_view code);
std::optional<std::string> check_principal(std::string_view principal);
std::optional<std::string> check_key(std::string_view key);
std::optional<std::string> check_memo(std::string_view memo);
std::optional<std::string> check_operation(std::string_view operation);
// Principal and key checks every keyed operation shares.
std::optional<std::string> check_principal_and_key(const std::string& principal,
                                                   const std::string& key);
bool is_valid_utf8(std::string_view text);

// Refuses a negative listing limit (SQL would read LIMIT -1 as "no limit"); throws
// Error{invalid_argument}.
void check_limit(std::int64_t limit);

}  // namespace ledger::detail
