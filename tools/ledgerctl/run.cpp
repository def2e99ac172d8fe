// ledgerctl::run: the whole CLI (SPEC 7) as a function.
//
// It parses the whole command line first (any parse error exits 2 before the ledger is
// touched), then runs the chosen command. Every failure ends as one line on stderr and one
// of the documented exit codes; no exception escapes.
#include "run.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>

#include "cli.h"
#include "failure.h"
#include "ledger_file.h"
#include "output.h"
#include "remote.h"
#include "version_line.h"

namespace ledgerctl {
namespace {

constexpr const char* kDescription =
    "ledgerctl: inspect and repair a ledger file (accounts, idempotency keys, transfers, "
    "two-phase transfers, refunds, batches, journal, signed closings, audit archives) and "
    "consolidate it at head office on PostgreSQL (sync, hq).";

constexpr const char* kFooter =
    R"(Global options (--db, --json, --busy-timeout-ms, --issued-keys-only) may also follow
the command.

Exit codes, the same for every command:
  0  done, or a replay of a done operation
  1  business rejection stored with the key (insufficient funds, unknown account, ...);
     its replays exit 1 too
  2  usage or malformed input (bad amount, missing option, key too long); nothing stored
  3  idempotency conflict (key reused with a different request, expired, other
     operation, unknown with --issued-keys-only); nothing stored
  4  transient: database busy, I/O error, stdout could not be written, or PostgreSQL
     unreachable (sync, hq); retry the same command (same key)
  5  not a ledger, corrupt, newer schema (or older, for a command that only reads: run
     `ledgerctl upgrade`), fails verify, or a head-office fork (sync) or violation (hq verify)
`batch` exits with the highest code of its items (3 before 2 before 1; 0 if all done).

Remote mode: `ledgerctl --remote URL --token TOKEN [--ca-cert PEM] COMMAND ...` (or
$LEDGER_REMOTE and $LEDGER_TOKEN, unless --db is given) runs transfer, pending
reserve|post|void, reverse, batch, key issue and account show through a ledgerd server,
retrying with one key per operation; --key and --principal may be omitted. See
`ledgerctl --remote URL --help`.

Example:
  ledgerctl --db shop.db init
  ledgerctl --db shop.db account create till:7 --currency EUR
  ledgerctl --db shop.db account list --json)";

// Returns the --db option, whose count() tells whether --db or $LEDGER_DB gave a path.
const CLI::Option* add_global_options(CLI::App& app, Globals& globals) {
  CLI::Option* db =
      app.add_option("--db", globals.db_path, "ledger file (default: $LEDGER_DB, then ./ledger.db)")
          ->envname("LEDGER_DB")
          ->type_name("PATH");
  app.add_flag("--json", globals.json, "print exactly one JSON document");
  app.add_option("--busy-timeout-ms", globals.busy_timeout_ms_text,
                 "how long to wait for another writer before exit 4 (default 5000)")
      ->type_name("MS");
  app.add_flag("--issued-keys-only", globals.issued_keys_only,
               "accept only keys issued by `key issue`; any other key is refused (exit 3)");
  return db;
}

void resolve_db_path(const CLI::Option& db_option, Globals& globals) {
  // CLI11 already applied --db, then $LEDGER_DB when it is set and not empty. An explicit
  // `--db ""` stays empty and is refused when the ledger is opened.
  if (db_option.count() == 0) globals.db_path = "ledger.db";
}

int parse_and_run(int argc, char** argv) {
  if (remote_requested(argc, argv)) return run_remote(argc, argv);
  Globals globals;
  Action chosen;
  CLI::App app{kDescription, "ledgerctl"};
  app.footer(kFooter);
  app.fallthrough();  // inherited by every subcommand: global options work after it
  app.set_version_flag("--version", version_line("ledgerctl"), kVersionHelp);
  app.require_subcommand(1);
  const CLI::Option* db_option = add_global_options(app, globals);
  add_admin_commands(app, globals, chosen);
  add_account_commands(app, globals, chosen);
  add_key_commands(app, globals, chosen);
  add_transfer_command(app, globals, chosen);
  add_pending_commands(app, globals, chosen);
  add_reverse_command(app, globals, chosen);
  add_batch_command(app, globals, chosen);
  add_journal_command(app, globals, chosen);
  add_principal_commands(app, globals, chosen);
  add_fiscal_commands(app, globals, chosen);
  add_central_commands(app, globals, chosen);
  const bool json = json_requested(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return report_parse_error(app, error, json);
  }
  globals.command = chosen_command(app);
  resolve_db_path(*db_option, globals);
  try {
    const int exit_code = chosen();
    flush_out();
    return exit_code;
  } catch (const ledger::Error& error) {
    const CliError translated = translate(error, globals.db_path, globals.command);
    return report_failure(translated.exit_code(), translated.what(), json);
  } catch (const CliError& error) {
    return report_failure(error.exit_code(), error.what(), json);
  } catch (const std::exception& error) {
    return report_failure(kExitNotALedger,
                          fmt::format("unexpected failure ({}): this is a bug; run "
                                      "`ledgerctl verify` and report both outputs",
                                      one_line(error.what())),
                          json);
  }
}

}  // namespace

int run(int argc, char** argv) noexcept {
  // A write error of an earlier call in this process must not be reported by this one.
  std::clearerr(stdout);
  try {
    return parse_and_run(argc, argv);
  } catch (...) {
    // Only reached if reporting itself failed (e.g. out of memory): still an exit code.
    print_err_line(
        "ledgerctl: error: unexpected failure while reporting an error: this is a bug; run "
        "`ledgerctl verify` and report it");
  }
  return kExitNotALedger;
}

}  // namespace ledgerctl
