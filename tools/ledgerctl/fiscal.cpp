// Fiscal integrity (SPEC 10): signing-key create, close, closing list|show, audit
// export|verify. close runs exactly once per (principal, key) like a money command: its
// stdout is the stored closing, byte for byte on every replay.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>

#include "command.h"
#include "documents.h"
#include "input.h"
#include "ledger/fiscal.h"
#include "ledger_file.h"
#include "money_command.h"
#include "output.h"
#include "verify_report.h"

namespace ledgerctl {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

constexpr const char* kDefaultPrivateKey = "signing-key.pem";
constexpr const char* kDefaultPublicKey = "signing-key.pub.pem";

void refuse_existing(const std::string& path, std::string_view option) {
  std::error_code error;
  if (path.empty()) throw CliError(kExitUsage, fmt::format("{} is empty: give a file path", option));
  if (fs::exists(fs::symlink_status(path, error))) {
    throw CliError(kExitUsage, fmt::format("{} {} already exists: a key file is never "
                                           "overwritten; choose a new path",
                                           option, one_line(path)));
  }
}

// Writes a new file with `mode`; never replaces one.
void write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  FILE* file = nullptr;
  const mode_t old_mask = ::umask(0077 & ~mode);
  file = std::fopen(path.c_str(), "wx");
  ::umask(old_mask);
  if (file == nullptr) {
    throw CliError(kExitUsage, fmt::format("cannot create {}: {}", one_line(path),
                                           std::strerror(errno)));
  }
  const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
  if (std::fclose(file) != 0 || !written) {
    std::remove(path.c_str());
    throw CliError(kExitTransient, fmt::format("writing {} failed; nothing was kept",
                                               one_line(path)));
  }
  ::chmod(path.c_str(), mode);
}

struct KeyCreateOptions {
  std::string private_out = kDefaultPrivateKey;
  std::string public_out = kDefaultPublicKey;
};

int run_signing_key_create(const Globals& globals, const KeyCreateOptions& options) {
  refuse_existing(options.private_out, "--private-out");
  refuse_existing(options.public_out, "--public-out");
  ledger::Ledger ledger = open_existing(globals);
  const ledger::SigningKeyPair pair = ledger::generate_signing_key();
  write_new_file(options.private_out, pair.private_pem, 0600);
  try {
    write_new_file(options.public_out, pair.public_pem, 0644);
    ledger.add_signing_key(pair.public_pem);
  } catch (...) {
    std::remove(options.private_out.c_str());
    std::remove(options.public_out.c_str());
    throw;
  }
  if (globals.json) {
    print_json({{"fingerprint", pair.fingerprint_hex},
                {"private_key", options.private_out},
                {"public_key", options.public_out},
                {"recorded_in", ledger.path()}});
  } else {
    print_line(fmt::format("created Ed25519 signing key {}", pair.fingerprint_hex));
    print_line(fmt::format("  private key: {} (mode 0600: keep it off the till, with the "
                           "operator; `close` needs it)",
                           options.private_out));
    print_line(fmt::format("  public key:  {} (give it to the auditor: `verify --public-key`)",
                           options.public_out));
    print_line(fmt::format("  recorded in: {}", ledger.path()));
  }
  return kExitDone;
}

// --signing-key, then $LEDGER_SIGNING_KEY, then ./signing-key.pem if it exists.
std::optional<std::string> signing_key_path(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("LEDGER_SIGNING_KEY"); env != nullptr && *env != '\0') {
    return std::string(env);
  }
  std::error_code error;
  if (fs::exists(kDefaultPrivateKey, error)) return std::string(kDefaultPrivateKey);
  return std::nullopt;
}

struct CloseOptions {
  std::string principal = "operator";
  std::string key;
  std::string until;
  std::string signing_key;
};

int run_close(const Globals& globals, const CloseOptions& options) {
  ledger::CloseRequest request;
  request.principal = options.principal;
  if (!options.until.empty()) request.until_ms = parse_time_ms("--until", options.until);
  const auto key_path = signing_key_path(options.signing_key);
  if (!key_path) {
    throw CliError(kExitUsage,
                   "close signs the closing: give --signing-key PEM (or $LEDGER_SIGNING_KEY); "
                   "create a key pair with `ledgerctl signing-key create`");
  }
  request.signing_key_pem = read_text_file("--signing-key", *key_path);
  ledger::Ledger ledger = open_existing(globals);
  // A closing up to a given time has a natural key: retrying the same command replays it.
  const std::int64_t until = request.until_ms.value_or(ledger.now_ms());
  request.key = options.key.empty() ? fmt::format("close-until-{}", until) : options.key;
  if (!request.until_ms && options.key.empty()) request.until_ms = until;
  return print_money_result(globals, ledger.close(request));
}

int run_closing_list(const Globals& globals) {
  ledger::Ledger ledger = open_for_reading(globals);
  const std::vector<ledger::Closing> closings = ledger.closings();
  if (globals.json) {
    json list = json::array();
    for (const auto& closing : closings) list.push_back(closing_json(closing));
    print_json({{"closings", list}});
    return kExitDone;
  }
  if (closings.empty()) {
    print_line("no closings yet (`ledgerctl close` makes one)");
    return kExitDone;
  }
  Table table({{"NUMBER", Table::Align::right},
               {"UNTIL"},
               {"FIRST", Table::Align::right},
               {"LAST", Table::Align::right},
               {"CLOSED"},
               {"KEY"},
               {"HASH"}});
  for (const auto& c : closings) {
    table.add_row({std::to_string(c.number), format_time_ms(c.until_ms),
                   std::to_string(c.first_sequence), std::to_string(c.last_sequence),
                   format_time_ms(c.closed_at_ms), c.key_fingerprint_hex.substr(0, 12),
                   c.hash_hex.substr(0, 12)});
  }
  table.print();
  return kExitDone;
}

int run_closing_show(const Globals& globals, const std::string& number_text) {
  const std::int64_t number = parse_count("NUMBER", number_text, 1);
  ledger::Ledger ledger = open_for_reading(globals);
  const auto closing = ledger.find_closing(number);
  if (!closing) {
    throw CliError(kExitUsage, fmt::format("there is no closing {}; `ledgerctl closing list` "
                                           "shows them",
                                           number));
  }
  json summary = closing_json(*closing);
  summary["document"] = json::parse(closing->document);
  if (globals.json) {
    print_json(summary);
  } else {
    print_line(summary.dump(2));
  }
  return kExitDone;
}

int run_audit_export(const Globals& globals, const std::string& out_path,
                     const std::string& signing_key_option) {
  refuse_existing(out_path, "OUT");
  std::optional<std::string> key_pem;
  if (auto path = signing_key_path(signing_key_option)) {
    key_pem = read_text_file("--signing-key", *path);
  }
  ledger::Ledger ledger = open_for_reading(globals);
  ledger.export_audit(out_path, key_pem);
  if (globals.json) {
    print_json({{"path", out_path}, {"signed", key_pem.has_value()}});
  } else {
    print_line(fmt::format("audit archive written to {} ({})", one_line(out_path),
                           key_pem ? "manifest signed" : "manifest not signed: give --signing-key "
                                                         "to sign it"));
  }
  return kExitDone;
}

int run_audit_verify(const Globals& globals, const std::string& archive,
                     const std::string& public_key_path) {
  const std::string public_key = read_text_file("--public-key", public_key_path);
  const ledger::VerifyReport report = ledger::verify_audit_archive(archive, public_key);
  if (globals.json) {
    print_json(report_json(report));
  } else {
    print_report_text(report);
  }
  return verify_exit_code(report, archive);
}

}  // namespace

void add_fiscal_commands(CLI::App& app, Globals& globals, Action& chosen) {
  CLI::App* keys = add_group(app, "signing-key",
                             "The operator's Ed25519 key pair that signs closings.",
                             "  ledgerctl --db shop.db signing-key create");
  auto key_options = std::make_shared<KeyCreateOptions>();
  CLI::App* create = add_command(
      *keys, "create",
      "Create an Ed25519 key pair (PEM files, never overwritten) and record the public key's "
      "fingerprint in the ledger. Keep the private key away from the ledger file.",
      "  ledgerctl --db shop.db signing-key create --private-out /secure/shop-key.pem "
      "--public-out shop-key.pub.pem",
      chosen, [&globals, key_options] { return run_signing_key_create(globals, *key_options); });
  create->add_option("--private-out", key_options->private_out,
                     "where to write the private key (mode 0600; default ./signing-key.pem)")
      ->type_name("PATH");
  create->add_option("--public-out", key_options->public_out,
                     "where to write the public key (default ./signing-key.pub.pem)")
      ->type_name("PATH");

  auto close_options = std::make_shared<CloseOptions>();
  CLI::App* close = add_command(
      app, "close",
      "Seal the journal up to --until (default now) in a signed closing: period totals per "
      "account, perpetual totals, the heads of every chain, the previous closing's hash. "
      "Exactly once per (principal, key): the default key is close-until-<ms>, so repeating "
      "a close with the same --until replays it.",
      "  ledgerctl --db shop.db close --until 2026-12-03T00:00:00Z --signing-key key.pem\n"
      "  LEDGER_SIGNING_KEY=key.pem ledgerctl --db shop.db close",
      chosen, [&globals, close_options] { return run_close(globals, *close_options); });
  close->add_option("--until", close_options->until,
                    "close the rows written up to this time: RFC 3339, a UTC date, or epoch ms")
      ->type_name("TIME");
  close->add_option("--signing-key", close_options->signing_key,
                    "the operator's private key (default $LEDGER_SIGNING_KEY, then "
                    "./signing-key.pem)")
      ->type_name("PEM");
  close->add_option("--key", close_options->key,
                    "idempotency key of this closing (default close-until-<ms>)");
  close->add_option("--principal", close_options->principal, "who closes (default operator)");

  CLI::App* closing = add_group(app, "closing", "List and show signed closings.",
                                "  ledgerctl --db shop.db closing list\n"
                                "  ledgerctl --db shop.db closing show 3 --json");
  add_command(*closing, "list", "The closings, oldest first.", "  ledgerctl closing list", chosen,
              [&globals] { return run_closing_list(globals); });
  auto number = std::make_shared<std::string>();
  CLI::App* show = add_command(*closing, "show",
                               "One closing with its signed document.",
                               "  ledgerctl closing show 1", chosen,
                               [&globals, number] { return run_closing_show(globals, *number); });
  show->add_option("NUMBER", *number, "the closing's number")->required();

  CLI::App* audit = add_group(app, "audit", "Export the record for an auditor, and check it.",
                              "  ledgerctl --db shop.db audit export shop-2026.audit\n"
                              "  ledgerctl audit verify shop-2026.audit --public-key key.pub.pem");
  auto out = std::make_shared<std::string>();
  auto export_key = std::make_shared<std::string>();
  CLI::App* export_command = add_command(
      *audit, "export",
      "Write a self-contained archive (journal, outcomes, events, closings, signatures, a "
      "manifest of hashes), signed with the signing key if one is given or found.",
      "  ledgerctl --db shop.db audit export shop-2026.audit --signing-key key.pem", chosen,
      [&globals, out, export_key] { return run_audit_export(globals, *out, *export_key); });
  export_command->add_option("OUT", *out, "the new archive file (never overwritten)")->required();
  export_command->add_option("--signing-key", *export_key,
                             "sign the manifest (default $LEDGER_SIGNING_KEY, then "
                             "./signing-key.pem if it exists)")
      ->type_name("PEM");
  auto archive = std::make_shared<std::string>();
  auto public_key = std::make_shared<std::string>();
  CLI::App* verify = add_command(
      *audit, "verify",
      "Check an archive with nothing but it and the public key: every byte against the "
      "manifest, every chain, every closing's signature and totals. Exit 5 on any violation.",
      "  ledgerctl audit verify shop-2026.audit --public-key key.pub.pem", chosen,
      [&globals, archive, public_key] { return run_audit_verify(globals, *archive, *public_key); });
  verify->add_option("ARCHIVE", *archive, "the archive file")->required();
  verify->add_option("--public-key", *public_key, "the operator's Ed25519 public key (PEM)")
      ->type_name("PEM")
      ->required();
}

}  // namespace ledgerctl
