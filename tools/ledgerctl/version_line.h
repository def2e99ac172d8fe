// What `ledgerctl --version` and `ledgerd --version` print.
#pragma once

#include <string>

namespace ledgerctl {

// "<program> 1.1.0 (C ABI 1, file format 6)": the library this program runs with, its C ABI
// version and the newest file format it reads and writes.
[[nodiscard]] std::string version_line(const std::string& program);

// The --version flag's help text.
inline constexpr const char* kVersionHelp =
    "print the version, C ABI and file format of this build, then exit";

}  // namespace ledgerctl
