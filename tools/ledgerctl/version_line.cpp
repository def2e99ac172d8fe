#include "version_line.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>

#include "ledger/version.h"

namespace ledgerctl {

std::string version_line(std::string_view program) {
  return fmt::format("{} {} (C ABI {}, file format {})", program, ledger::version(),
                     ledger::abi_version(), ledger::file_format_version());
}

void add_version_flag(CLI::App& app, std::string_view program) {
  app.set_version_flag("--version", version_line(program),
                       "print the version (library, C ABI, file format) and exit");
}

}  // namespace ledgerctl
