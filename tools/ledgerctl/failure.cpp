#include "failure.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <string_view>

#include "cli.h"
#include "output.h"

namespace ledgerctl {

std::string chosen_command(const CLI::App& app) {
  std::string path;
  const CLI::App* current = &app;
  while (!current->get_subcommands().empty()) {
    current = current->get_subcommands().front();
    path += path.empty() ? current->get_name() : " " + current->get_name();
  }
  return path;
}

bool json_requested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") break;
    if (word == "--json" || word.starts_with("--json=")) return true;
  }
  return false;
}

int report_failure(int exit_code, const std::string& message, bool json) {
  print_err_line(fmt::format("ledgerctl: error: {}", message));
  if (json) {
    try {
      print_json({{"error", {{"exit_code", exit_code}, {"message", message}}}});
      flush_out();
    } catch (...) {
      // stdout itself is what failed; the stderr line and the exit code still tell.
    }
  }
  return exit_code;
}

int report_parse_error(const CLI::App& app, const CLI::ParseError& error, bool json) {
  if (error.get_exit_code() == 0) return app.exit(error);  // --help: print it, exit 0
  const std::string command = chosen_command(app);
  const std::string help =
      command.empty() ? "ledgerctl --help" : "ledgerctl " + command + " --help";
  std::string what = error.what();
  if (what == "A subcommand is required") {
    // CLI11 files an unknown command word as a leftover argument, not as the problem.
    const std::vector<std::string> leftovers = app.remaining();
    // An unknown option before the command word is not a command.
    if (leftovers.empty()) {
      what = "a command is required";
    } else if (leftovers.front().starts_with("-")) {
      what = fmt::format("unknown option \"{}\"", leftovers.front());
    } else {
      what = fmt::format("unknown command \"{}\"", leftovers.front());
    }
  }
  return report_failure(kExitUsage, fmt::format("{}; see `{}`", one_line(what), help), json);
}

}  // namespace ledgerctl
