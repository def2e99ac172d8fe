// Commands about the ledger file as a whole: init, upgrade, verify, backup, stats. Only init
// and upgrade write; the others open the file read-only and never change it.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "command.h"
#include "ledger_file.h"
#include "input.h"
#include "output.h"
#include "verify_report.h"

namespace ledgerctl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

int run_init(const Globals& globals) {
  ledger::Ledger ledger = open_or_create(globals);
  const bool created = ledger.open_report().created;
  const int schema_version = ledger.open_report().schema_version;
  if (globals.json) {
    print_json({{"path", ledger.path()}, {"created", created}, {"schema_version", schema_version}});
  } else if (created) {
    print_line(fmt::format("created ledger {} (schema version {})", ledger.path(), schema_version));
  } else {
    print_line(fmt::format("ledger {} already exists (schema version {}); nothing to do",
                           ledger.path(), schema_version));
  }
  return kExitDone;
}

// Opening for writing applies the missing migrations, in one transaction.
int run_upgrade(const Globals& globals) {
  ledger::Ledger ledger = open_existing(globals);
  const ledger::OpenReport& report = ledger.open_report();
  const bool upgraded = report.schema_version_before != report.schema_version;
  if (globals.json) {
    print_json({{"path", ledger.path()},
                {"upgraded", upgraded},
                {"from_version", report.schema_version_before},
                {"to_version", report.schema_version}});
  } else if (upgraded) {
    print_line(fmt::format("upgraded ledger {} from schema version {} to {}", ledger.path(),
                           report.schema_version_before, report.schema_version));
  } else {
    print_line(fmt::format("ledger {} is already at schema version {}; nothing to do",
                           ledger.path(), report.schema_version));
  }
  return kExitDone;
}

int run_verify(const Globals& globals, const std::string& public_key_path) {
  ledger::VerifyOptions options;
  if (!public_key_path.empty()) options.public_key_pem = read_text_file("--public-key", public_key_path);
  ledger::Ledger ledger = open_for_reading(globals);
  const ledger::VerifyReport report = ledger.verify(options);
  if (globals.json) {
    print_json(report_json(report));
  } else {
    print_report_text(report);
  }
  return verify_exit_code(report, globals.db_path);
}

void check_backup_target(const std::string& out_path) {
  if (out_path.empty()) throw CliError(kExitUsage, "OUT_PATH is empty: give a new file path");
  std::error_code error;
  if (fs::exists(fs::symlink_status(out_path, error))) {
    throw CliError(kExitUsage, fmt::format("{} already exists: backup never overwrites a file; "
                                           "choose a new path",
                                           one_line(out_path)));
  }
  const fs::path parent = fs::path(out_path).parent_path();
  if (!parent.empty() && !fs::is_directory(parent, error)) {
    throw CliError(kExitUsage, fmt::format("directory {} does not exist: create it first "
                                           "(mkdir -p {})",
                                           one_line(parent.string()), one_line(parent.string())));
  }
}

// A backup is only worth something if it can be opened and passes verify, so check the
// copy right away rather than on the day it is needed. The copy is this command's own new
// file: opening it for writing lets SQLite remove its -wal and -shm files on close (a
// read-only connection cannot), so the backup is one file.
ledger::VerifyReport verify_copy(const Globals& globals, const std::string& out_path) {
  Globals copy_globals = globals;
  copy_globals.db_path = out_path;
  ledger::Ledger copy = open_existing(copy_globals);
  return copy.verify();
}

// Removes a copy that failed, with SQLite's side files: a failed backup must not be
// mistaken for a good one later.
void remove_copy(const std::string& out_path) noexcept {
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    fs::remove(out_path + suffix, ignored);
  }
}

int run_backup(const Globals& globals, const std::string& out_path) {
  check_backup_target(out_path);
  ledger::VerifyReport report;
  try {
    {
      ledger::Ledger ledger = open_for_reading(globals);
      ledger.backup(out_path);
    }
    report = verify_copy(globals, out_path);
  } catch (...) {
    remove_copy(out_path);  // out_path did not exist before: whatever is there is ours
    throw;
  }
  if (!report.ok()) remove_copy(out_path);
  if (globals.json) {
    json document = report_json(report);
    document["path"] = out_path;
    document["kept"] = report.ok();
    print_json(document);
  } else {
    print_line(fmt::format("backup {} {}: {}, {}, {}; verify {}",
                           report.ok() ? "written to" : "removed from", one_line(out_path),
                           counted(report.accounts_checked, "account"),
                           counted(report.journal_rows_checked, "journal row"),
                           counted(report.keys_checked, "key"), report.ok() ? "ok" : "FAILED"));
  }
  return verify_exit_code(report, globals.db_path);
}

std::string optional_time(const std::optional<std::int64_t>& epoch_ms) {
  return epoch_ms ? format_time_ms(*epoch_ms) : "-";
}

int run_stats(const Globals& globals) {
  ledger::Ledger ledger = open_for_reading(globals);
  const ledger::Stats s = ledger.stats();
  if (globals.json) {
    print_json({{"path", ledger.path()},
                {"schema_version", s.schema_version},
                {"file_format_version", s.schema_version},
                {"ledger_id", s.ledger_id},
                {"accounts", s.accounts},
                {"journal_rows", s.journal_rows},
                {"keys_issued", s.keys_issued},
                {"keys_completed", s.keys_completed},
                {"keys_expired", s.keys_expired},
                {"pending_purge", s.pending_purge},
                {"oldest_key_at", time_json(s.oldest_key_ms)},
                {"oldest_key_ms", s.oldest_key_ms ? json(*s.oldest_key_ms) : json(nullptr)},
                {"newest_key_at", time_json(s.newest_key_ms)},
                {"newest_key_ms", s.newest_key_ms ? json(*s.newest_key_ms) : json(nullptr)},
                {"file_bytes", s.file_bytes},
                {"wal_bytes", s.wal_bytes}});
    return kExitDone;
  }
  print_fields({{"ledger", ledger.path()},
                {"file format version", std::to_string(s.schema_version)},
                {"ledger id", s.ledger_id},
                {"accounts", std::to_string(s.accounts)},
                {"journal rows", std::to_string(s.journal_rows)},
                {"keys issued (unused)", std::to_string(s.keys_issued)},
                {"keys completed", std::to_string(s.keys_completed)},
                {"keys expired", std::to_string(s.keys_expired)},
                {"pending purge", fmt::format("{} (`ledgerctl key purge` turns them into "
                                              "tombstones)",
                                              s.pending_purge)},
                {"oldest key", optional_time(s.oldest_key_ms)},
                {"newest key", optional_time(s.newest_key_ms)},
                {"file size", fmt::format("{} bytes", s.file_bytes)},
                {"wal size", fmt::format("{} bytes", s.wal_bytes)}});
  return kExitDone;
}

}  // namespace

void add_admin_commands(CLI::App& app, Globals& globals, Action& chosen) {
  add_command(app, "init",
              "Create a ledger file with its schema (an existing ledger is left as it is).",
              "  ledgerctl --db shop.db init", chosen, [&globals] { return run_init(globals); });
  add_command(app, "upgrade",
              "Apply the missing schema migrations in one transaction (reading commands never "
              "upgrade a file; they refuse an older one until this runs).",
              "  ledgerctl --db shop.db upgrade\n  ledgerctl --db shop.db upgrade --json", chosen,
              [&globals] { return run_upgrade(globals); });
  auto public_key = std::make_shared<std::string>();
  CLI::App* verify = add_command(
      app, "verify",
      "Check every invariant: the journal, outcome and event chains; balances and holds "
      "against the journal; zero sum per currency; keys against transfers; posts within their "
      "hold, refunds within their original, overdraft rules as created; stored responses "
      "against their rows; closings against the record (and, with --public-key, their "
      "signatures). Exit 5 on any violation.",
      "  ledgerctl --db shop.db verify\n  ledgerctl --db shop.db verify --json\n"
      "  ledgerctl --db shop.db verify --public-key signing-key.pub.pem",
      chosen, [&globals, public_key] { return run_verify(globals, *public_key); });
  verify->add_option("--public-key", *public_key,
                     "Ed25519 public key (PEM): also check every closing's signature")
      ->type_name("PEM");
  auto out_path = std::make_shared<std::string>();
  CLI::App* backup = add_command(
      app, "backup",
      "Copy the ledger while it is in use (SQLite online backup), then verify the copy.",
      "  ledgerctl --db shop.db backup /backups/shop-2024-05-01.db", chosen,
      [&globals, out_path] { return run_backup(globals, *out_path); });
  backup->add_option("OUT_PATH", *out_path, "the new file (never overwritten)")
      ->type_name("OUT_PATH")
      ->required();
  add_command(app, "stats",
              "Counts (accounts, journal rows, keys by state, pending purge), key ages and "
              "file sizes.",
              "  ledgerctl --db shop.db stats --json", chosen,
              [&globals] { return run_stats(globals); });
}

}  // namespace ledgerctl
