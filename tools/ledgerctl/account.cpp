// account create | list | show
#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "account_output.h"
#include "command.h"
#include "documents.h"
#include "input.h"
#include "ledger_file.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

struct CreateOptions {
  std::string code;
  std::string currency;
  bool allow_negative = false;
  std::optional<std::string> overdraft_limit;
  std::string name;
};

// How far the balance may go, in words: "none (>= 0)", "down to -50.00", "unlimited".
std::string overdraft_text(const ledger::Account& account) {
  switch (account.overdraft) {
    case ledger::OverdraftRule::none:
      return "none (>= 0)";
    case ledger::OverdraftRule::limit:
      return "down to -" + ledger::format_amount(account.overdraft_limit_minor, account.exponent);
    case ledger::OverdraftRule::unlimited:
      return "unlimited";
  }
  return "unknown";
}

void print_account(const Globals& globals, const ledger::Account& account) {
  if (globals.json) {
    print_json(account_json(account));
    return;
  }
  print_fields({{"code", account.code},
                {"currency", account.currency},
                {"balance", ledger::format_amount(account.balance_minor, account.exponent)},
                {"pending (held)", ledger::format_amount(account.pending_minor, account.exponent)},
                {"available", ledger::format_amount(account.available_minor(), account.exponent)},
                {"overdraft", overdraft_text(account)},
                {"name", account.name},
                {"created at", format_time_ms(account.created_at_ms)}});
}

ledger::NewAccount new_account_from(const CreateOptions& options) {
  ledger::NewAccount account;
  account.code = options.code;
  account.currency = options.currency;
  account.name = options.name;
  const int exponent = currency_exponent_or_throw(options.currency);
  if (options.allow_negative) {
    account.overdraft = ledger::OverdraftRule::unlimited;
  } else if (options.overdraft_limit) {
    account.overdraft = ledger::OverdraftRule::limit;
    account.overdraft_limit_minor =
        parse_money("--overdraft-limit", *options.overdraft_limit, options.currency, exponent);
  }
  return account;
}

int run_create(const Globals& globals, const CreateOptions& options) {
  const ledger::NewAccount request = new_account_from(options);  // usage errors first
  ledger::Ledger ledger = open_existing(globals);
  if (ledger.find_account(request.code)) {
    throw CliError(kExitUsage, fmt::format("account {} already exists; choose another code or "
                                           "inspect it with `ledgerctl account show {}`",
                                           one_line(request.code), one_line(request.code)));
  }
  const ledger::Account account = ledger.create_account(request);
  if (globals.json) {
    print_json(account_json(account));
  } else {
    print_line(fmt::format("created account {} ({}, overdraft {})", one_line(account.code),
                           account.currency, overdraft_text(account)));
  }
  return kExitDone;
}

// Holds (two-phase transfers) are rare at a till, so their columns only appear when an
// account has one; --json always has them.
void print_account_table(const std::vector<ledger::Account>& accounts) {
  const bool any_held = std::any_of(accounts.begin(), accounts.end(),
                                    [](const auto& a) { return a.pending_minor != 0; });
  std::vector<Table::Column> columns = {{"CODE"}, {"CURRENCY"}, {"BALANCE", Table::Align::right}};
  if (any_held) {
    columns.push_back({"PENDING", Table::Align::right});
    columns.push_back({"AVAILABLE", Table::Align::right});
  }
  columns.push_back({"OVERDRAFT"});
  columns.push_back({"NAME"});
  Table table(std::move(columns));
  for (const auto& a : accounts) {
    std::vector<std::string> row = {a.code, a.currency,
                                    ledger::format_amount(a.balance_minor, a.exponent)};
    if (any_held) {
      row.push_back(ledger::format_amount(a.pending_minor, a.exponent));
      row.push_back(ledger::format_amount(a.available_minor(), a.exponent));
    }
    row.push_back(overdraft_text(a));
    row.push_back(a.name);
    table.add_row(std::move(row));
  }
  table.print();
}

int run_list(const Globals& globals) {
  ledger::Ledger ledger = open_for_reading(globals);
  const std::vector<ledger::Account> accounts = ledger.list_accounts();
  if (globals.json) {
    json list = json::array();
    for (const auto& account : accounts) list.push_back(account_json(account));
    print_json({{"accounts", list}});
    return kExitDone;
  }
  if (accounts.empty()) {
    print_line("no accounts yet: create one with `ledgerctl account create CODE --currency EUR`");
    return kExitDone;
  }
  print_account_table(accounts);
  return kExitDone;
}

int run_show(const Globals& globals, const std::string& code) {
  ledger::Ledger ledger = open_for_reading(globals);
  const std::optional<ledger::Account> account = ledger.find_account(code);
  if (!account) {
    throw CliError(kExitUsage, fmt::format("no account named {}; list accounts with "
                                           "`ledgerctl account list`",
                                           one_line(code)));
  }
  print_account(globals, *account);
  return kExitDone;
}

void add_create(CLI::App& group, Globals& globals, Action& chosen) {
  auto options = std::make_shared<CreateOptions>();
  CLI::App* create = add_command(
      group, "create", "Create an account in one currency.",
      "  ledgerctl account create world --currency EUR --allow-negative --name 'outside world'\n"
      "  ledgerctl account create till:7 --currency EUR\n"
      "  ledgerctl account create customer:42 --currency EUR --overdraft-limit 50.00",
      chosen, [&globals, options] { return run_create(globals, *options); });
  create->add_option("CODE", options->code,
                     "unique code, e.g. till:7 (1..128 bytes of visible text in Unicode NFC, "
                     "no spaces)")
      ->type_name("CODE")
      ->required();
  create->add_option("--currency", options->currency, "ISO 4217 code, e.g. EUR")
      ->type_name("CUR")
      ->required();
  CLI::Option* unlimited =
      create->add_flag("--allow-negative", options->allow_negative,
                       "no floor on the balance (system accounts such as world or cash-drawer)");
  CLI::Option* limit = create
                           ->add_option("--overdraft-limit", options->overdraft_limit,
                                        "the balance may go down to -AMOUNT")
                           ->type_name("AMOUNT");
  unlimited->excludes(limit);
  create->add_option("--name", options->name, "display name")->type_name("TEXT");
}

}  // namespace

void show_account(const Globals& globals, const ledger::Account& account) {
  print_account(globals, account);
}

void add_account_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* group = add_group(app, "account", "Create, list and show accounts.",
                              "  ledgerctl account list\n  ledgerctl account show till:7 --json");
  add_create(*group, globals, chosen);
  add_command(*group, "list", "List every account with its balance.",
              "  ledgerctl account list\n  ledgerctl account list --json", chosen,
              [&globals] { return run_list(globals); });
  auto code = std::make_shared<std::string>();
  CLI::App* show =
      add_command(*group, "show", "Show one account and its balance.",
                  "  ledgerctl account show till:7\n  ledgerctl account show till:7 --json", chosen,
                  [&globals, code] { return run_show(globals, *code); });
  show->add_option("CODE", *code, "the account's code")->type_name("CODE")->required();
}

}  // namespace ledgerctl
