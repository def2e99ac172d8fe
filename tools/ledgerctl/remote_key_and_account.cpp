// ledgerctl --remote: key issue and account show through ledgerd.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "account_output.h"
#include "input.h"
#include "output.h"
#include "remote.h"

namespace ledgerctl {
namespace {

using json = nlohmann::json;

constexpr std::int64_t kMaxSeconds = 100LL * 365 * 24 * 3600;

struct IssueOptions {
  std::string principal;
  std::string operation;
  std::optional<std::string> ttl_seconds;
};

ledger::OverdraftRule overdraft_rule(const std::string& name) {
  if (name == "limit") return ledger::OverdraftRule::limit;
  if (name == "unlimited") return ledger::OverdraftRule::unlimited;
  return ledger::OverdraftRule::none;
}

// The server's account document (the JSON of `ledgerctl --json account show`) as the
// engine's Account, so that the text output is the local one.
ledger::Account account_from(const json& document) {
  ledger::Account account;
  account.id = document.at("id").get<std::int64_t>();
  account.code = document.at("code").get<std::string>();
  account.currency = document.at("currency").get<std::string>();
  account.exponent = document.at("exponent").get<int>();
  account.balance_minor = document.at("balance_minor").get<std::int64_t>();
  account.pending_minor = document.at("pending_minor").get<std::int64_t>();
  account.overdraft = overdraft_rule(document.at("overdraft").get<std::string>());
  account.overdraft_limit_minor = document.at("overdraft_limit_minor").get<std::int64_t>();
  account.name = document.at("name").get<std::string>();
  account.created_at_ms = document.at("created_at_ms").get<std::int64_t>();
  return account;
}

int run_issue(const RemoteGlobals& globals, const IssueOptions& options) {
  std::optional<std::int64_t> ttl;
  if (options.ttl_seconds) ttl = parse_count("--ttl", *options.ttl_seconds, 1, kMaxSeconds);
  ledger::Client client = connect(globals);
  check_principal(client, options.principal);
  const ledger::Reply reply = client.issue_key(options.operation, ttl);
  report_retries(reply);
  const json body = json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
  if (reply.status != 201 || !body.is_object() || !body.contains("key") ||
      !body["key"].is_string()) {
    throw failure_of(reply, "key issue");
  }
  if (globals.output.json) {
    print_line(reply.body);  // the server's {"key","operation","expires_at"}, as received
  } else {
    print_line(body["key"].get<std::string>());  // alone: KEY=$(ledgerctl ... key issue ...)
  }
  return kExitDone;
}

int run_show(const RemoteGlobals& globals, const std::string& code) {
  ledger::Client client = connect(globals);
  const ledger::Reply reply = client.account(code);
  report_retries(reply);
  if (reply.status == 404) {
    throw CliError(kExitUsage, fmt::format("no account named {} on {}; list accounts with "
                                           "`ledgerctl account list` on the server's host",
                                           one_line(code), one_line(globals.url)));
  }
  if (reply.status != 200) throw failure_of(reply, "account show");
  if (globals.output.json) {
    print_line(reply.body);  // the same document the local --json prints
    return kExitDone;
  }
  try {
    show_account(globals.output, account_from(json::parse(reply.body)));
  } catch (const json::exception& error) {
    throw CliError(kExitNotALedger,
                   fmt::format("the server's account document is not the expected one ({}); "
                               "use --json to see it as received",
                               one_line(error.what())));
  }
  return kExitDone;
}

}  // namespace

void add_remote_key_and_account_commands(CLI::App& app, RemoteGlobals& globals,
                                         RemoteAction& chosen) {
  CLI::App* key = app.add_subcommand("key", "Issue idempotency keys on the server.");
  key->require_subcommand(1);
  auto issue = std::make_shared<IssueOptions>();
  CLI::App* issue_command = add_remote_command(
      *key, "issue", "Issue a fresh random key for the token's principal; prints the key alone.",
      "  KEY=$(ledgerctl --remote http://10.0.0.5:8080 key issue --operation transfer)", chosen,
      [&globals, issue] { return run_issue(globals, *issue); });
  issue_command->add_option("--principal", issue->principal,
                            "optional: must be the token's principal");
  issue_command->add_option("--operation", issue->operation, "what it is for, e.g. transfer")
      ->required();
  issue_command
      ->add_option("--ttl", issue->ttl_seconds,
                   "seconds until an unused key expires (default: the server's)")
      ->type_name("SECONDS");
  CLI::App* account = app.add_subcommand("account", "Show an account through the server.");
  account->require_subcommand(1);
  auto code = std::make_shared<std::string>();
  CLI::App* show =
      add_remote_command(*account, "show", "Show one account and its balance.",
                         "  ledgerctl --remote http://10.0.0.5:8080 account show till:7 --json",
                         chosen, [&globals, code] { return run_show(globals, *code); });
  show->add_option("CODE", *code, "the account's code")->type_name("CODE")->required();
}

}  // namespace ledgerctl
