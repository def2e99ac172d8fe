// `--version` of ledgerctl and ledgerd: one line with the library's version and the C ABI and
// file format versions it speaks, all read from the library the tool runs with.
#pragma once

#include <string>
#include <string_view>

namespace CLI {
class App;
}

namespace ledgerctl {

// "ledgerctl 1.0.0 (C ABI 1, file format 5)" for program "ledgerctl".
[[nodiscard]] std::string version_line(std::string_view program);

// Adds --version to `app`: it prints version_line(program) on stdout and exits 0, whatever
// else is on the command line (CLI11 reports it as a ParseError with exit code 0).
void add_version_flag(CLI::App& app, std::string_view program);

}  // namespace ledgerctl
