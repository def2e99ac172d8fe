// Principals and their bearer tokens (SPEC 8): who may call ledgerd, on which accounts.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ledger/ledger.h"

namespace ledger::detail {

class Db;

PrincipalToken add_principal(Ledger::Impl& impl, const NewPrincipal& principal);
std::vector<Principal> list_principals(Db& db);
Principal revoke_principal(Ledger::Impl& impl, const std::string& name);
std::optional<Principal> authenticate(Db& db, const std::string& token);

}  // namespace ledger::detail
