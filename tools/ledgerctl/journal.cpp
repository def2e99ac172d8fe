// journal: print or export the journal from a sequence number on.
//
// Rows are read in pages, so that exporting a large journal (jsonl, csv) streams in
// constant memory; a closed pipe ends the export with exit 4 rather than silently.
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <optional>

#include "command.h"
#include "documents.h"
#include "input.h"
#include "ledger_file.h"
#include "output.h"

namespace ledgerctl {
namespace {

using json = nlohmann::ordered_json;

constexpr std::int64_t kPageRows = 1000;

struct JournalOptions {
  std::string since = "1";
  std::optional<std::string> limit;
  std::optional<std::string> format;
};

enum class Format { table, json_document, jsonl, csv };

const std::vector<std::string> kCsvColumns = {
    "sequence",     "kind",          "debit_account", "credit_account", "amount",
    "amount_minor", "currency",      "memo",          "principal",      "key",
    "created_at",   "created_at_ms", "ref_sequence",  "prev_hash",      "hash",
    "clock_behind_ms"};

// RFC 4180: a field with a comma, quote or line break is quoted, quotes doubled.
std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(fields[i]);
  }
  return line + "\r\n";
}

std::string entry_csv(const ledger::JournalEntry& e) {
  return csv_row({std::to_string(e.sequence), e.kind, e.debit_account, e.credit_account,
                  ledger::format_amount(e.amount_minor, e.exponent), std::to_string(e.amount_minor),
                  e.currency, e.memo, e.principal, e.key, format_time_ms(e.created_at_ms),
                  std::to_string(e.created_at_ms),
                  e.ref_sequence ? std::to_string(*e.ref_sequence) : "", e.prev_hash_hex,
                  e.hash_hex, std::to_string(e.clock_behind_ms)});
}

Format format_from(const Globals& globals, const JournalOptions& options) {
  if (!options.format) return globals.json ? Format::json_document : Format::table;
  if (globals.json) {
    throw CliError(kExitUsage,
                   "--json prints one JSON document and --format an export: use "
                   "one of them");
  }
  if (*options.format == "jsonl") return Format::jsonl;
  if (*options.format == "csv") return Format::csv;
  throw CliError(kExitUsage, fmt::format("--format \"{}\" is not an export format: use jsonl "
                                         "or csv",
                                         one_line(*options.format)));
}

// Calls `emit` for each row with sequence >= since, at most `limit` rows, page by page.
void for_each_entry(ledger::Ledger& ledger, std::int64_t since, std::int64_t limit,
                    const std::function<void(const ledger::JournalEntry&)>& emit) {
  std::int64_t next = std::max<std::int64_t>(since, 1);
  std::int64_t remaining = limit;
  while (remaining > 0) {
    const std::int64_t wanted = std::min(kPageRows, remaining);
    const std::vector<ledger::JournalEntry> page = ledger.journal(next, wanted);
    for (const auto& entry : page) emit(entry);
    // A short page is the end; a page that does not move forward would loop forever.
    if (static_cast<std::int64_t>(page.size()) < wanted || page.back().sequence < next) return;
    next = page.back().sequence + 1;
    remaining -= wanted;
  }
}

// The clock guard is shown, never hidden: a row written while the system clock was behind
// the previous row's time keeps that time and says by how much the clock was behind.
std::string created_text(const ledger::JournalEntry& e) {
  if (e.clock_behind_ms == 0) return format_time_ms(e.created_at_ms);
  return fmt::format("{} (CLOCK WENT BACK {} ms)", format_time_ms(e.created_at_ms),
                     e.clock_behind_ms);
}

void print_table(const std::vector<ledger::JournalEntry>& entries) {
  if (entries.empty()) {
    print_line("no journal rows in that range");
    return;
  }
  Table table({{"SEQ", Table::Align::right},
               {"KIND"},
               {"REF", Table::Align::right},
               {"FROM"},
               {"TO"},
               {"AMOUNT", Table::Align::right},
               {"CUR"},
               {"MEMO"},
               {"PRINCIPAL"},
               {"KEY"},
               {"CREATED"},
               {"HASH"}});
  for (const auto& e : entries) {
    table.add_row({std::to_string(e.sequence), e.kind,
                   e.ref_sequence ? std::to_string(*e.ref_sequence) : "-", e.debit_account,
                   e.credit_account, ledger::format_amount(e.amount_minor, e.exponent), e.currency,
                   e.memo, e.principal, e.key, created_text(e), e.hash_hex.substr(0, 12)});
  }
  table.print();
}

int run_journal(const Globals& globals, const JournalOptions& options) {
  const Format format = format_from(globals, options);
  const std::int64_t since = parse_count("--since", options.since, 0);
  const std::int64_t limit = options.limit ? parse_count("--limit", *options.limit, 1)
                                           : std::numeric_limits<std::int64_t>::max();
  ledger::Ledger ledger = open_for_reading(globals);
  if (format == Format::jsonl) {
    for_each_entry(ledger, since, limit, [](const auto& e) { print_json(journal_entry_json(e)); });
    return kExitDone;
  }
  if (format == Format::csv) {
    print_out(csv_row(kCsvColumns));
    for_each_entry(ledger, since, limit, [](const auto& e) { print_out(entry_csv(e)); });
    return kExitDone;
  }
  std::vector<ledger::JournalEntry> entries;
  for_each_entry(ledger, since, limit, [&entries](const auto& e) { entries.push_back(e); });
  if (format == Format::table) {
    print_table(entries);
    return kExitDone;
  }
  json list = json::array();
  for (const auto& e : entries) list.push_back(journal_entry_json(e));
  const std::int64_t next_since =
      entries.empty() ? std::max<std::int64_t>(since, 1) : entries.back().sequence + 1;
  print_json({{"entries", list}, {"next_since", next_since}});
  return kExitDone;
}

}  // namespace

void add_journal_command(CLI::App& app, Globals& globals, Action& chosen) {
  auto options = std::make_shared<JournalOptions>();
  CLI::App* journal = add_command(
      app, "journal",
      "Print the journal from sequence --since on (a table), or export it: --format jsonl "
      "(one JSON object per line) or csv (RFC 4180, with a header row).",
      "  ledgerctl journal --since 100 --limit 20\n"
      "  ledgerctl journal --format csv > journal.csv\n"
      "  ledgerctl journal --json   # {\"entries\":[...],\"next_since\":N}",
      chosen, [&globals, options] { return run_journal(globals, *options); });
  journal->add_option("--since", options->since, "first sequence number (default 1)")
      ->type_name("SEQ");
  journal->add_option("--limit", options->limit, "at most this many rows (default: all)")
      ->type_name("N");
  journal->add_option("--format", options->format, "jsonl or csv")->type_name("FORMAT");
}

}  // namespace ledgerctl
