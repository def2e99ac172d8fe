// Outcomes by their stored names.
#pragma once

#include <optional>
#include <string_view>

#include "ledger/types.h"

namespace ledger::detail {

// The outcome a stored result name stands for; nullopt for a name this build does not know.
std::optional<Outcome> outcome_from_string(std::string_view name);

}  // namespace ledger::detail
