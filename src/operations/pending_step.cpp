// What post and void, the two steps that finish a hold, share about their requests.
#include <fmt/format.h>

#include "operations/operations.h"
#include "validate.h"

namespace ledger::detail {

ResponseBody pending_step_echo(const std::string& principal, const std::string& key,
                               std::int64_t pending_sequence, const std::string& memo) {
  return ResponseBody{
      {"principal", principal}, {"key", key}, {"pending_id", pending_sequence}, {"memo", memo}};
}

std::optional<std::string> malformed_pending_step(const std::string& principal,
                                                  const std::string& key,
                                                  std::int64_t pending_sequence,
                                                  std::int64_t amount_minor,
                                                  const std::string& memo) {
  if (auto problem = check_principal_and_key(principal, key)) return problem;
  if (pending_sequence <= 0) {
    return fmt::format("pending transfer sequence must be positive, got {}", pending_sequence);
  }
  if (amount_minor < 0) return fmt::format("amount must not be negative, got {}", amount_minor);
  return check_memo(memo);
}

}  // namespace ledger::detail
