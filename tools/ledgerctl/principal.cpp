// principal add | list | revoke: who may call ledgerd, with which bearer token, on which
// accounts (SPEC 8).
#include <fmt/format.h>

#include <memory>

#include "command.h"
#include "ledger_file.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

struct AddOptions {
  std::string name;
  bool admin = false;
  std::vector<std::string> patterns;
};

json principal_json(const ledger::Principal& principal) {
  return {{"name", principal.name},
          {"admin", principal.admin},
          {"account_patterns", principal.account_patterns},
          {"created_at", format_time_ms(principal.created_at_ms)},
          {"revoked_at", time_json(principal.revoked_at_ms)}};
}

std::string patterns_text(const ledger::Principal& principal) {
  if (principal.admin) return "every account (admin)";
  if (principal.account_patterns.empty()) return "no account";
  std::string text;
  for (const auto& pattern : principal.account_patterns) {
    if (!text.empty()) text += ' ';
    text += pattern;
  }
  return text;
}

int run_add(const Globals& globals, const AddOptions& options) {
  if (!options.admin && options.patterns.empty()) {
    throw CliError(kExitUsage,
                   "a principal needs --admin or at least one --account PATTERN (e.g. --account "
                   "till:7 --account 'customer:*'); without either it could name no account");
  }
  ledger::Ledger ledger = open_existing(globals);
  const ledger::PrincipalToken added =
      ledger.add_principal({options.name, options.admin, options.patterns});
  if (globals.json) {
    json document = principal_json(added.principal);
    document["token"] = added.token;
    print_json(document);
  } else {
    print_line(added.token);
  }
  print_err_line(fmt::format("ledgerctl: added principal {} ({}); its bearer token is shown this once: only "
                         "its SHA-256 is stored",
                         one_line(added.principal.name), patterns_text(added.principal)));
  return kExitDone;
}

int run_list(const Globals& globals) {
  ledger::Ledger ledger = open_for_reading(globals);
  const std::vector<ledger::Principal> principals = ledger.list_principals();
  if (globals.json) {
    json list = json::array();
    for (const auto& principal : principals) list.push_back(principal_json(principal));
    print_json({{"principals", list}});
    return kExitDone;
  }
  if (principals.empty()) {
    print_line("no principals yet: add one with `ledgerctl principal add till:7 --account "
               "till:7`");
    return kExitDone;
  }
  Table table({{"NAME"}, {"ACCOUNTS"}, {"CREATED"}, {"REVOKED"}});
  for (const auto& principal : principals) {
    table.add_row({principal.name, patterns_text(principal),
                   format_time_ms(principal.created_at_ms),
                   principal.revoked_at_ms ? format_time_ms(*principal.revoked_at_ms) : "-"});
  }
  table.print();
  return kExitDone;
}

int run_revoke(const Globals& globals, const std::string& name) {
  ledger::Ledger ledger = open_existing(globals);
  const ledger::Principal principal = ledger.revoke_principal(name);
  if (globals.json) {
    print_json(principal_json(principal));
  } else {
    print_line(fmt::format("revoked principal {} at {}: its token is refused from now on",
                           one_line(principal.name), format_time_ms(*principal.revoked_at_ms)));
  }
  return kExitDone;
}

void add_add(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<AddOptions>();
  CLI::App* add = add_command(
      group, "add",
      "Add a principal and print its bearer token (once: only its SHA-256 is stored).",
      "  ledgerctl principal add till:7 --account till:7 --account world --account 'customer:*'\n"
      "  ledgerctl principal add backoffice --admin",
      chosen, [&globals, options] { return run_add(globals, *options); });
  add->add_option("NAME", options->name, "the principal's name, e.g. till:7 (scopes its keys)")
      ->type_name("NAME")
      ->required();
  CLI::Option* admin =
      add->add_flag("--admin", options->admin, "may do everything, on every account");
  CLI::Option* account =
      add->add_option("--account", options->patterns,
                      "an account it may name: a code (till:7) or a prefix ending in '*' "
                      "(customer:*); repeat for more")
          ->type_name("PATTERN");
  admin->excludes(account);
}

}  // namespace

void add_principal_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* group =
      add_group(app, "principal", "Add, list and revoke the principals that may call ledgerd.",
                "  ledgerctl principal add till:7 --account till:7 --account 'customer:*'\n"
                "  ledgerctl principal list\n  ledgerctl principal revoke till:7");
  add_add(*group, globals, chosen);
  add_command(*group, "list", "List principals, their accounts and whether they are revoked.",
              "  ledgerctl principal list\n  ledgerctl principal list --json", chosen,
              [&globals] { return run_list(globals); });
  auto name = std::make_shared<std::string>();
  CLI::App* revoke = add_command(*group, "revoke",
                                 "Revoke a principal: its token is refused from now on.",
                                 "  ledgerctl principal revoke till:7", chosen,
                                 [&globals, name] { return run_revoke(globals, *name); });
  revoke->add_option("NAME", *name, "the principal's name")->type_name("NAME")->required();
}

}  // namespace ledgerctl
