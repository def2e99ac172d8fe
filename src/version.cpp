// The versions of the library the program runs with (include/ledger/version.h).
#include "ledger/version.h"

#include "migrations.h"

namespace ledger {

const char* version() noexcept { return LEDGER_VERSION_STRING; }

int abi_version() noexcept { return LEDGER_ABI_VERSION; }

int file_format_version() noexcept { return detail::latest_schema_version(); }

}  // namespace ledger
