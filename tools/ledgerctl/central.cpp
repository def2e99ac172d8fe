// Head office (SPEC 11): sync push|status ship an edge ledger to PostgreSQL and compare
// both sides; hq balances|totals|verify answer from the consolidated copy. The work is
// done by ledger::central (src/central); this file parses, prints and maps failures to
// the exit codes.
#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>

#include "central_error.h"
#include "command.h"
#include "hq_reports.h"
#include "hq_verify.h"
#include "ledger/money.h"
#include "ledger_file.h"
#include "output.h"
#include "sync_push.h"
#include "sync_status.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;
namespace central = ledger::central;

constexpr const char* kPgHelp =
    "head-office PostgreSQL database: a libpq connection string (\"host=hq.example port=5432 "
    "dbname=hq user=till\") or URI (default $LEDGER_PG)";

struct PgOption {
  std::string conninfo;
};

// Runs `body`, turning the central module's failures into ledgerctl's exit codes.
template <typename Body>
int run_central(const Globals& globals, Body body) {
  try {
    return body();
  } catch (const central::CentralError& error) {
    switch (error.kind()) {
      case central::FailureKind::usage: throw CliError(kExitUsage, error.what());
      case central::FailureKind::transient: throw CliError(kExitTransient, error.what());
      case central::FailureKind::integrity: throw CliError(kExitNotALedger, error.what());
    }
    throw;
  } catch (const ledger::Error& error) {
    throw translate(error, globals.db_path, globals.command);
  }
}

std::string require_conninfo(const PgOption& pg) {
  if (!pg.conninfo.empty()) return pg.conninfo;
  throw CliError(kExitUsage,
                 "no head-office database: give --pg CONNINFO (e.g. \"host=hq port=5432 "
                 "dbname=hq user=till\") or set $LEDGER_PG");
}

// Checks that --db names a ledger at the current file format before reading it directly.
void check_edge(const Globals& globals) {
  const ledger::Ledger ledger = open_for_reading(globals);
  (void)ledger;
}

std::optional<std::string> optional_text(const std::string& text) {
  if (text.empty()) return std::nullopt;
  return text;
}

void check_ledger_id(const std::string& text) {
  static const std::regex uuid("^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
  if (!text.empty() && !std::regex_match(text, uuid)) {
    throw CliError(kExitUsage, fmt::format("--ledger {} is not a ledger id; give the UUID that "
                                           "`ledgerctl stats` shows as \"ledger id\"",
                                           one_line(text)));
  }
}

void check_day(const std::string& text, std::string_view option) {
  static const std::regex day("^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$");
  if (!text.empty() && !std::regex_match(text, day)) {
    throw CliError(kExitUsage, fmt::format("{} {} is not a day; give YYYY-MM-DD (UTC), e.g. "
                                           "2026-12-03",
                                           option, one_line(text)));
  }
}

std::string signed_amount(std::int64_t minor, int exponent) {
  if (minor >= 0) return ledger::format_amount(minor, exponent);
  // -(INT64_MIN) does not fit: format its magnitude through the unsigned value.
  if (minor == INT64_MIN) return "-" + ledger::format_amount(INT64_MAX, exponent);
  return "-" + ledger::format_amount(-minor, exponent);
}

// --- sync push ---------------------------------------------------------------------------

struct PushArgs {
  PgOption pg;
  std::string store;
  std::int64_t batch_rows = 5000;
};

int run_sync_push(const Globals& globals, const PushArgs& args) {
  const std::string conninfo = require_conninfo(args.pg);
  check_edge(globals);
  return run_central(globals, [&] {
    central::PushOptions options;
    options.store = args.store;
    options.batch_rows = args.batch_rows;
    const central::PushReport report = central::push_ledger(globals.db_path, conninfo, options);
    if (globals.json) {
      print_json({{"ledger_id", report.ledger_id},
                  {"store", report.store},
                  {"edge_seq", report.edge_seq},
                  {"central_seq_before", report.central_seq_before},
                  {"central_seq", report.central_seq},
                  {"pushed_rows", report.pushed_rows},
                  {"transactions", report.transactions},
                  {"closings_pushed", report.closings_pushed},
                  {"chain_heads_recorded", report.chain_heads_recorded}});
    } else {
      print_line(fmt::format(
          "pushed {} of ledger {} (store {}) in {}; head office now has rows 1..{} "
          "(it had 1..{}), {} pushed",
          counted(report.pushed_rows, "journal row"), report.ledger_id, one_line(report.store),
          counted(report.transactions, "transaction"), report.central_seq,
          report.central_seq_before, counted(report.closings_pushed, "closing")));
    }
    return static_cast<int>(kExitDone);
  });
}

// --- sync status -------------------------------------------------------------------------

int run_sync_status(const Globals& globals, const PgOption& pg) {
  const std::string conninfo = require_conninfo(pg);
  check_edge(globals);
  return run_central(globals, [&] {
    const central::SyncStatus status = central::sync_status(globals.db_path, conninfo);
    if (globals.json) {
      print_json({{"ledger_id", status.ledger_id},
                  {"registered", status.registered},
                  {"store", status.registered ? json(status.store) : json(nullptr)},
                  {"edge_seq", status.edge_seq},
                  {"central_seq", status.central_seq},
                  {"behind", status.behind},
                  {"in_agreement", status.in_agreement},
                  {"edge_closings", status.edge_closings},
                  {"central_closings", status.central_closings},
                  {"forks", status.forks},
                  {"last_push_at", status.last_push_at.empty() ? json(nullptr)
                                                               : json(status.last_push_at)}});
    } else {
      print_fields({{"ledger id", status.ledger_id},
                    {"store", status.registered ? status.store : "(never pushed)"},
                    {"edge journal", fmt::format("rows 1..{}", status.edge_seq)},
                    {"head office", fmt::format("rows 1..{}", status.central_seq)},
                    {"to push", counted(status.behind, "row")},
                    {"agreement", status.in_agreement ? "yes (head office is a prefix of this file)"
                                                      : "NO: a fork; see ledger_hq.forks"},
                    {"closings", fmt::format("{} here, {} at head office", status.edge_closings,
                                             status.central_closings)},
                    {"forks recorded", std::to_string(status.forks)},
                    {"last push", status.last_push_at.empty() ? "never" : status.last_push_at}});
    }
    return static_cast<int>(status.in_agreement ? kExitDone : kExitNotALedger);
  });
}

// --- hq balances | totals ----------------------------------------------------------------

struct HqArgs {
  PgOption pg;
  std::string store, ledger_id, from_day, until_day;
};

central::HqFilter filter_of(const HqArgs& args) {
  check_ledger_id(args.ledger_id);
  check_day(args.from_day, "--from");
  check_day(args.until_day, "--until");
  return {optional_text(args.store), optional_text(args.ledger_id),
          optional_text(args.from_day), optional_text(args.until_day)};
}

int run_hq_balances(const Globals& globals, const HqArgs& args) {
  const std::string conninfo = require_conninfo(args.pg);
  const central::HqFilter filter = filter_of(args);
  return run_central(globals, [&] {
    const std::vector<central::HqBalance> balances = central::hq_balances(conninfo, filter);
    if (globals.json) {
      json rows = json::array();
      for (const auto& b : balances) {
        rows.push_back({{"store", b.store},
                        {"ledger_id", b.ledger_id},
                        {"account", b.account},
                        {"currency", b.currency},
                        {"balance", signed_amount(b.balance_minor, b.exponent)},
                        {"balance_minor", b.balance_minor}});
      }
      print_json({{"balances", rows}});
      return static_cast<int>(kExitDone);
    }
    Table table({{"STORE"}, {"LEDGER"}, {"ACCOUNT"}, {"CURRENCY"}, {"BALANCE", Table::Align::right}});
    for (const auto& b : balances) {
      table.add_row({b.store, b.ledger_id, b.account, b.currency,
                     signed_amount(b.balance_minor, b.exponent)});
    }
    table.print();
    return static_cast<int>(kExitDone);
  });
}

int run_hq_totals(const Globals& globals, const HqArgs& args) {
  const std::string conninfo = require_conninfo(args.pg);
  const central::HqFilter filter = filter_of(args);
  return run_central(globals, [&] {
    const std::vector<central::HqTotal> totals = central::hq_totals(conninfo, filter);
    if (globals.json) {
      json rows = json::array();
      for (const auto& t : totals) {
        rows.push_back({{"store", t.store},
                        {"ledger_id", t.ledger_id},
                        {"account", t.account},
                        {"currency", t.currency},
                        {"day", t.day},
                        {"debits", signed_amount(t.debits_minor, t.exponent)},
                        {"debits_minor", t.debits_minor},
                        {"credits", signed_amount(t.credits_minor, t.exponent)},
                        {"credits_minor", t.credits_minor},
                        {"net", signed_amount(t.net_minor, t.exponent)},
                        {"net_minor", t.net_minor},
                        {"rows", t.rows}});
      }
      print_json({{"totals", rows}});
      return static_cast<int>(kExitDone);
    }
    Table table({{"STORE"}, {"LEDGER"}, {"DAY"}, {"ACCOUNT"}, {"CURRENCY"},
                 {"DEBITS", Table::Align::right}, {"CREDITS", Table::Align::right},
                 {"NET", Table::Align::right}, {"ROWS", Table::Align::right}});
    for (const auto& t : totals) {
      table.add_row({t.store, t.ledger_id, t.day, t.account, t.currency,
                     signed_amount(t.debits_minor, t.exponent),
                     signed_amount(t.credits_minor, t.exponent),
                     signed_amount(t.net_minor, t.exponent), std::to_string(t.rows)});
    }
    table.print();
    return static_cast<int>(kExitDone);
  });
}

// --- hq verify ---------------------------------------------------------------------------

struct HqVerifyArgs {
  PgOption pg;
  std::string ledger_id, public_key;
};

std::string read_pem(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    throw CliError(kExitUsage, fmt::format("cannot read --public-key {}: give the operator's "
                                           "public key PEM (ledgerctl signing-key create)",
                                           one_line(path)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

int run_hq_verify(const Globals& globals, const HqVerifyArgs& args) {
  const std::string conninfo = require_conninfo(args.pg);
  check_ledger_id(args.ledger_id);
  central::HqVerifyOptions options;
  options.ledger_id = optional_text(args.ledger_id);
  if (!args.public_key.empty()) options.public_pem = read_pem(args.public_key);
  return run_central(globals, [&] {
    const central::HqVerifyReport report = central::hq_verify(conninfo, options);
    if (globals.json) {
      json violations = json::array();
      for (const auto& v : report.violations) {
        violations.push_back(
            {{"ledger_id", v.ledger_id}, {"kind", v.kind}, {"seq", v.seq}, {"detail", v.detail}});
      }
      print_json({{"ok", report.ok()},
                  {"ledgers", report.ledgers},
                  {"rows", report.rows},
                  {"closings", report.closings},
                  {"signatures_checked", report.signatures},
                  {"violations", violations}});
    } else if (report.ok()) {
      print_line(fmt::format("ok: {}, {} and {} recomputed at head office{}",
                             counted(report.ledgers, "ledger"), counted(report.rows, "journal row"),
                             counted(report.closings, "closing"),
                             options.public_pem ? fmt::format(", {} checked",
                                                              counted(report.signatures, "signature"))
                                                : std::string()));
    } else {
      for (const auto& v : report.violations) {
        print_line(fmt::format("FAIL ledger {} {} at {}: {}", v.ledger_id, v.kind,
                               v.kind.starts_with("closing") ? fmt::format("closing {}", v.seq)
                                                             : fmt::format("journal seq {}", v.seq),
                               one_line(v.detail)));
      }
    }
    if (report.ok()) return static_cast<int>(kExitDone);
    if (!globals.json) {
      print_err_line(fmt::format("ledgerctl: head office's copy fails verify ({}); the edge "
                                 "ledgers are the authority: compare with `ledgerctl verify` "
                                 "on each, and push again from the good copy into a fresh "
                                 "database if the central rows were changed",
                                 counted(static_cast<std::int64_t>(report.violations.size()),
                                         "violation")));
    }
    return static_cast<int>(kExitNotALedger);
  });
}

void add_pg_option(CLI::App& command, PgOption& pg) {
  command.add_option("--pg", pg.conninfo, kPgHelp)->envname("LEDGER_PG")->type_name("CONNINFO");
}

}  // namespace

void add_central_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* sync = add_group(
      app, "sync", "Consolidate this ledger into the head-office PostgreSQL database.",
      "  ledgerctl --db till-7.db sync push --pg \"host=hq dbname=hq user=till\" --store lyon-3\n"
      "  ledgerctl --db till-7.db sync status --pg \"host=hq dbname=hq user=till\"");
  auto push = std::make_shared<PushArgs>();
  CLI::App* push_command = add_command(
      *sync, "push",
      "Ship the journal rows, closings and chain heads head office lacks, exactly once, in "
      "bounded transactions (creating the ledger_hq schema on first use). Safe to run at any "
      "time, from cron or a loop, from many tills at once; a push cut short is completed by "
      "the next. A row head office has with another hash is a fork: refused (exit 5), "
      "recorded in ledger_hq.forks, nothing overwritten.",
      "  ledgerctl --db till-7.db sync push --pg \"host=hq dbname=hq user=till\" --store lyon-3",
      chosen, [&globals, push] { return run_sync_push(globals, *push); });
  add_pg_option(*push_command, push->pg);
  push_command
      ->add_option("--store", push->store,
                   "the store this till belongs to (default $LEDGER_STORE; kept from the first "
                   "push; \"default\" if never given)")
      ->envname("LEDGER_STORE");
  push_command
      ->add_option("--batch-rows", push->batch_rows,
                   "journal rows per PostgreSQL transaction (default 5000)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1000000}));

  auto status_pg = std::make_shared<PgOption>();
  CLI::App* status = add_command(
      *sync, "status",
      "How far this ledger and head office are: rows on each side, rows to push, closings, "
      "recorded forks, last push. Exit 5 if head office's copy is not a prefix of this file.",
      "  ledgerctl --db till-7.db sync status --pg \"host=hq dbname=hq user=till\" --json",
      chosen, [&globals, status_pg] { return run_sync_status(globals, *status_pg); });
  add_pg_option(*status, *status_pg);

  CLI::App* hq = add_group(
      app, "hq", "Ask the head-office database: balances, daily totals, verify.",
      "  ledgerctl hq balances --pg \"host=hq dbname=hq\" --store lyon-3\n"
      "  ledgerctl hq totals --pg \"host=hq dbname=hq\" --from 2026-12-01 --until 2026-12-03\n"
      "  ledgerctl hq verify --pg \"host=hq dbname=hq\" --public-key operator.pub.pem");
  auto balances = std::make_shared<HqArgs>();
  CLI::App* balances_command = add_command(
      *hq, "balances",
      "Posted balance of every account, per store, ledger and currency (rows pushed so far).",
      "  ledgerctl hq balances --pg \"host=hq dbname=hq\" --json", chosen,
      [&globals, balances] { return run_hq_balances(globals, *balances); });
  add_pg_option(*balances_command, balances->pg);
  balances_command->add_option("--store", balances->store, "only this store");
  balances_command->add_option("--ledger", balances->ledger_id, "only this ledger id")
      ->type_name("UUID");

  auto totals = std::make_shared<HqArgs>();
  CLI::App* totals_command = add_command(
      *hq, "totals",
      "Debits, credits, net and movement count per store, ledger, account, currency and day "
      "(UTC).",
      "  ledgerctl hq totals --pg \"host=hq dbname=hq\" --from 2026-12-01 --until 2026-12-01",
      chosen, [&globals, totals] { return run_hq_totals(globals, *totals); });
  add_pg_option(*totals_command, totals->pg);
  totals_command->add_option("--store", totals->store, "only this store");
  totals_command->add_option("--ledger", totals->ledger_id, "only this ledger id")
      ->type_name("UUID");
  totals_command->add_option("--from", totals->from_day, "first day, inclusive")
      ->type_name("YYYY-MM-DD");
  totals_command->add_option("--until", totals->until_day, "last day, inclusive")
      ->type_name("YYYY-MM-DD");

  auto verify = std::make_shared<HqVerifyArgs>();
  CLI::App* verify_command = add_command(
      *hq, "verify",
      "Recompute every consolidated ledger's journal chain at head office (gaps, links, each "
      "row's hash, the recorded head), and check each closing against the rows it signed "
      "(with --public-key, its signature too). Exit 5 on any violation.",
      "  ledgerctl hq verify --pg \"host=hq dbname=hq\" --public-key operator.pub.pem", chosen,
      [&globals, verify] { return run_hq_verify(globals, *verify); });
  add_pg_option(*verify_command, verify->pg);
  verify_command->add_option("--ledger", verify->ledger_id, "only this ledger id")
      ->type_name("UUID");
  verify_command->add_option("--public-key", verify->public_key,
                             "check closing signatures with this Ed25519 public key (PEM)")
      ->type_name("PEM");
}

}  // namespace ledgerctl
