// ledgerctl's remote mode: the command line, and running the chosen remote command.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "failure.h"
#include "ledger/error.h"
#include "output.h"
#include "remote.h"
#include "version_line.h"

namespace ledgerctl {
namespace {

constexpr const char* kDescription =
    "ledgerctl --remote URL: move money and read accounts through a ledgerd server (the "
    "same commands, output and exit codes as on a local ledger file).";

constexpr const char* kFooter =
    R"(Remote commands: transfer, pending reserve|post|void, reverse, batch, key issue,
account show. Other commands run on the server's host, on its ledger file (--db).

The token names the principal: --principal may be omitted, and if given must be the
token's (else exit 2). --key may be omitted: a key is made (--key-source client: a UUIDv7;
server: issued by the server) and printed on stderr before anything is sent; run the same
command again with --key KEY to retry the operation without moving money twice.
Prefer LEDGER_TOKEN to --token: a command line can be read by other local users.

Retries: one key per operation, kept across every attempt. Connection errors, timeouts,
409, 429, 500 and 503 are retried with exponential backoff and full jitter (first wait up
to 0.1 s, doubling up to 5 s), never sooner than a Retry-After, and never past
--deadline-seconds or --max-attempts. Every other answer is final at once.

Exit codes: 0 executed or replayed (201); 1 business rejection stored with the key (402);
2 usage, malformed request (400), bad token (401), not permitted (403), not found (404);
3 idempotency conflict (422), or key still in use after the retries (409); 4 no answer,
timeout, 429 or 503 after the retries: run the same command again with the same --key;
5 server error (500).

Example:
  export LEDGER_REMOTE=http://10.0.0.5:8080 LEDGER_TOKEN=...
  ledgerctl transfer --from customer:42 --to till:7 --amount 12.34 --currency EUR
  ledgerctl transfer --key 0190a1b2-... --from customer:42 --to till:7 --amount 12.34 \
    --currency EUR      # the retry: replays the stored response, byte for byte
  ledgerctl account show till:7 --json)";

constexpr const char* kGlobalNote =
    "\nGlobal options, before or after the command: --remote URL ($LEDGER_REMOTE), --token "
    "TOKEN ($LEDGER_TOKEN), --ca-cert PEM, --json, --key-source client|server, "
    "--deadline-seconds S, --max-attempts N. Exit codes: see `ledgerctl --remote URL --help`.";

void add_global_options(CLI::App& app, RemoteGlobals& globals) {
  app.add_option("--remote", globals.url, "ledgerd server, e.g. http://10.0.0.5:8080")
      ->envname("LEDGER_REMOTE")
      ->type_name("URL");
  app.add_option("--token", globals.token, "bearer token of the principal ($LEDGER_TOKEN)")
      ->envname("LEDGER_TOKEN")
      ->type_name("TOKEN");
  app.add_option("--ca-cert", globals.ca_cert, "https: PEM file of the CA to trust")
      ->type_name("PEM");
  app.add_flag("--json", globals.output.json, "print exactly one JSON document");
  app.add_option("--key-source", globals.key_source,
                 "where a key comes from when --key is omitted: client (default) or server")
      ->type_name("SOURCE");
  app.add_option("--deadline-seconds", globals.deadline_seconds,
                 "give up retrying after this long (default 30)")
      ->type_name("S");
  app.add_option("--max-attempts", globals.max_attempts, "attempts per operation (default 8)")
      ->type_name("N");
}

// A local-only command word, named as such rather than as unknown.
int report_remote_parse_error(const CLI::App& app, const CLI::ParseError& error, bool json) {
  const std::vector<std::string> leftovers = app.remaining();
  if (error.get_exit_code() != 0 && !leftovers.empty() && !leftovers.front().starts_with("-")) {
    return report_failure(
        kExitUsage,
        fmt::format("\"{}{}\" is not a remote command: with --remote (or $LEDGER_REMOTE) "
                    "ledgerctl runs transfer, pending reserve|post|void, reverse, batch, key "
                    "issue and account show; run other commands on the server's host with --db",
                    chosen_command(app).empty() ? "" : chosen_command(app) + " ",
                    one_line(leftovers.front())),
        json);
  }
  return report_parse_error(app, error, json);
}

int parse_and_run(int argc, char** argv) {
  RemoteGlobals globals;
  RemoteAction chosen;
  CLI::App app{kDescription, "ledgerctl"};
  app.footer(kFooter);
  app.fallthrough();
  app.set_version_flag("--version", version_line("ledgerctl"), kVersionHelp);
  app.require_subcommand(1);
  add_global_options(app, globals);
  add_remote_money_commands(app, globals, chosen);
  add_remote_batch_command(app, globals, chosen);
  add_remote_key_and_account_commands(app, globals, chosen);
  const bool json = json_requested(argc, argv);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return report_remote_parse_error(app, error, json);
  }
  globals.output.command = chosen_command(app);
  try {
    const int exit_code = chosen();
    flush_out();
    return exit_code;
  } catch (const CliError& error) {
    return report_failure(error.exit_code(), error.what(), json);
  } catch (const ledger::Error& error) {
    // The client refuses a request it cannot send (text that is not UTF-8, an unknown
    // currency) before any byte leaves: the caller's input, not a bug.
    const bool usage = error.code() == ledger::ErrorCode::invalid_argument;
    return report_failure(
        usage ? kExitUsage : kExitNotALedger,
        usage ? fmt::format("{}; see `ledgerctl {} --help`", one_line(error.what()),
                            globals.output.command)
              : fmt::format("unexpected failure ({}): this is a bug; report it with the "
                            "command line",
                            one_line(error.what())),
        json);
  } catch (const std::exception& error) {
    return report_failure(kExitNotALedger,
                          fmt::format("unexpected failure ({}): this is a bug; report it with "
                                      "the command line",
                                      one_line(error.what())),
                          json);
  }
}

}  // namespace

bool remote_requested(int argc, char** argv) {
  bool db_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    if (word == "--") break;
    if (word == "--remote" || word.starts_with("--remote=")) return true;
    if (word == "--db" || word.starts_with("--db=")) db_given = true;
  }
  const char* env = std::getenv("LEDGER_REMOTE");
  return env != nullptr && *env != '\0' && !db_given;
}

CLI::App* add_remote_command(CLI::App& parent, const std::string& name,
                             const std::string& description, const std::string& examples,
                             RemoteAction& chosen, RemoteAction action) {
  CLI::App* command = parent.add_subcommand(name, description);
  command->footer("Example:\n" + examples + "\n" + kGlobalNote);
  command->callback([&chosen, action = std::move(action)] { chosen = action; });
  return command;
}

int run_remote(int argc, char** argv) noexcept {
  std::clearerr(stdout);
  try {
    return parse_and_run(argc, argv);
  } catch (...) {
    print_err_line("ledgerctl: error: unexpected failure while reporting an error: this is a bug");
  }
  return kExitNotALedger;
}

}  // namespace ledgerctl
