// Declaring a ledgerctl command: its CLI11 subcommand, help text with an example, and the
// action run() runs when the command line chose it.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <utility>

#include "cli.h"

namespace ledgerctl {

// Subcommand help does not list the parent's options, so every footer recalls them.
inline constexpr const char* kGlobalOptionsNote =
    "\nGlobal options, before or after the command: --db PATH (default $LEDGER_DB, then "
    "./ledger.db), --json, --busy-timeout-ms MS, --issued-keys-only. Exit codes: see "
    "`ledgerctl --help`.";

// Adds subcommand `name` to `parent`. `examples` (one command per line) goes to the help
// footer. When the command line chooses this subcommand, `action` becomes `chosen`.
inline CLI::App* add_command(CLI::App& parent, const std::string& name,
                             const std::string& description, const std::string& examples,
                             Action& chosen, Action action) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->footer("Example:\n" + examples + "\n" + kGlobalOptionsNote);
  command->callback([&chosen, action = std::move(action)] { chosen = action; });
  return command;
}

// Adds a command group such as `account`, which needs exactly one of its subcommands.
inline CLI::App* add_group(CLI::App& parent, const std::string& name,
                           const std::string& description, const std::string& examples) {
  CLI::App* group = parent.add_subcommand(name, description);
  group->footer("Example:\n" + examples + "\n" + kGlobalOptionsNote);
  group->require_subcommand(1);
  return group;
}

}  // namespace ledgerctl
