// How ledgerctl ends a command that failed or could not be parsed: one line on stderr and,
// with --json, one {"error":{...}} document on stdout. Shared by the local mode (run.cpp)
// and the remote mode (remote_run.cpp), so that both fail in the same words and codes.
#pragma once

#include <string>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace ledgerctl {

// Whether --json was asked for. Scanning the words (rather than asking CLI11) also works
// when parsing failed half-way.
[[nodiscard]] bool json_requested(int argc, char** argv);

// "account create" for the chosen subcommand chain, used in help hints.
[[nodiscard]] std::string chosen_command(const CLI::App& app);

// Reports a failure: one line on stderr and, with --json, {"error":{...}} on stdout, so
// that a script reading stdout still gets exactly one JSON document. Returns exit_code.
int report_failure(int exit_code, const std::string& message, bool json);

// Reports a command line CLI11 could not parse (exit 2), or prints --help (exit 0).
int report_parse_error(const CLI::App& app, const CLI::ParseError& error, bool json);

}  // namespace ledgerctl
