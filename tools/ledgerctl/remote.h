// ledgerctl --remote URL: the commands that move money or read an account through a
// ledgerd server instead of a local ledger file (SPEC 8). They take the local commands'
// options and print what they print, with the same exit codes; --key may be omitted (a
// key is made, printed on stderr, and kept across every retry), and --principal is
// optional (the token names the principal; a --principal given must match it).
#pragma once

#include <functional>
#include <string>

#include "remote_session.h"

namespace CLI {
class App;
}

namespace ledgerctl {

// True when this command line runs in remote mode: --remote is given, or $LEDGER_REMOTE
// is set (not empty) and --db is not given (an explicit --db selects the local file).
[[nodiscard]] bool remote_requested(int argc, char** argv);

// ledgerctl::run for the remote mode: parses the command line with the remote commands
// and runs the chosen one. Never throws; returns the exit code.
[[nodiscard]] int run_remote(int argc, char** argv) noexcept;

// The remote commands, by group, as add_*_command in cli.h.
using RemoteAction = std::function<int()>;
void add_remote_money_commands(CLI::App& app, RemoteGlobals& globals, RemoteAction& chosen);
void add_remote_batch_command(CLI::App& app, RemoteGlobals& globals, RemoteAction& chosen);
void add_remote_key_and_account_commands(CLI::App& app, RemoteGlobals& globals,
                                         RemoteAction& chosen);

// Adds a remote subcommand whose help footer gives `examples` and recalls the remote
// global options; choosing it on the command line makes `action` the chosen one.
CLI::App* add_remote_command(CLI::App& parent, const std::string& name,
                             const std::string& description, const std::string& examples,
                             RemoteAction& chosen, RemoteAction action);

// Prints the answer of a money-moving request like the local command prints its
// TransferResult (stdout: the body; stderr: retries, then the status line). Returns the
// exit code; throws CliError for an answer that is not a money command's result (see
// money_result).
int print_remote_money_result(const RemoteGlobals& globals, const ledger::Reply& reply,
                              const std::string& what);

}  // namespace ledgerctl
