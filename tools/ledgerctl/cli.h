// ledgerctl's shared vocabulary: exit codes, the error that ends a command, the global
// options and how each command group plugs its subcommands into the CLI11 app.
#pragma once

#include <cstdint>
#include <functional>
#include <stdexcept>
#include <string>

namespace CLI {
class App;
}

namespace ledgerctl {

// The exit codes of SPEC 7, the same for every command.
enum ExitCode : int {
  kExitDone = 0,        // done, or a replay of a done operation
  kExitRejected = 1,    // business rejection stored with the key (also on replay)
  kExitUsage = 2,       // usage or malformed input; nothing stored
  kExitConflict = 3,    // idempotency conflict; nothing stored
  kExitTransient = 4,   // busy or I/O error; nothing stored; retry with the same key
  kExitNotALedger = 5,  // not a ledger, corrupt, newer schema, or fails verify
};

// A failure that ends the command. run() prints `what()` as one line on stderr and exits
// with `exit_code()`. The message names what was wrong and what to do about it.
class CliError : public std::runtime_error {
 public:
  CliError(int exit_code, const std::string& message)
      : std::runtime_error(message), exit_code_(exit_code) {}
  [[nodiscard]] int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

// Options every command accepts, before or after the command name.
struct Globals {
  std::string db_path;  // --db, else $LEDGER_DB, else ./ledger.db (resolved after parsing)
  bool json = false;    // print exactly one JSON document instead of text
  std::string busy_timeout_ms_text = "5000";  // --busy-timeout-ms, validated on open
  bool issued_keys_only = false;  // --issued-keys-only: Options::allow_client_keys = false
  std::string command;            // the chosen command, e.g. "account create", for help hints
};

// What run() runs once the command line parsed; returns the exit code.
using Action = std::function<int()>;

// Each command group adds its subcommands to `app`. When one of them is chosen on the
// command line, its CLI11 callback stores the command's action in `chosen`. Parsing and
// running are kept apart so that every parse error exits 2 before anything is opened.
// One source file per group: admin.cpp, account.cpp, key.cpp, transfer.cpp, pending.cpp,
// reverse.cpp, batch.cpp, journal.cpp, principal.cpp.
void add_admin_commands(CLI::App& app, Globals& globals, Action& chosen);
void add_account_commands(CLI::App& app, Globals& globals, Action& chosen);
void add_key_commands(CLI::App& app, Globals& globals, Action& chosen);
void add_transfer_command(CLI::App& app, Globals& globals, Action& chosen);
void add_pending_commands(CLI::App& app, Globals& globals, Action& chosen);
void add_reverse_command(CLI::App& app, Globals& globals, Action& chosen);
void add_batch_command(CLI::App& app, Globals& globals, Action& chosen);
void add_journal_command(CLI::App& app, Globals& globals, Action& chosen);
void add_principal_commands(CLI::App& app, Globals& globals, Action& chosen);
// fiscal.cpp: signing-key create, close, closing list|show, audit export|verify.
void add_fiscal_commands(CLI::App& app, Globals& globals, Action& chosen);
// central.cpp: sync push|status, hq balances|totals|verify (head office, PostgreSQL).
void add_central_commands(CLI::App& app, Globals& globals, Action& chosen);

}  // namespace ledgerctl
