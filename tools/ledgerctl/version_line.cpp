#include "version_line.h"

#include <fmt/format.h>

#include "ledger/version.h"

namespace ledgerctl {

std::string version_line(const std::string& program) {
  return fmt::format("{} {} (C ABI {}, file format {})", program, ledger::version(),
                     ledger::abi_version(), ledger::file_format_version());
}

}  // namespace ledgerctl
