#include "ledger_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "cli_advice.h"
#include "input.h"
#include "output.h"

namespace ledgerctl {
namespace {

namespace fs = std::filesystem;

std::string hint_no_ledger(const std::string& path) {
  return fmt::format(
      "no ledger at {}: run `ledgerctl init` or point --db/LEDGER_DB at an "
      "existing ledger",
      one_line(path));
}

// How a command opens the ledger: reading never creates, migrates or writes the file.
enum class Access { read, write, create };

ledger::Options options_for(const Globals& globals, Access access) {
  ledger::Options options;
  options.create_if_missing = access == Access::create;
  options.read_only = access == Access::read;
  options.allow_client_keys = !globals.issued_keys_only;
  options.busy_timeout_ms =
      static_cast<int>(parse_count("--busy-timeout-ms", globals.busy_timeout_ms_text, 0, 600000));
  return options;
}

void check_path_given(const std::string& path) {
  if (path.empty()) {
    throw CliError(kExitUsage,
                   "--db is empty: give the path of a ledger file, e.g. "
                   "--db ./ledger.db");
  }
}

// The common mistakes get a precise message before the engine sees the path; the engine
// still checks everything itself (and reports races through translate()).
void check_existing_file(const std::string& path, Access access) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (status.type() == fs::file_type::not_found) {
    throw CliError(kExitNotALedger, hint_no_ledger(path));
  }
  if (error) {
    throw CliError(kExitNotALedger, fmt::format("cannot access {} ({}): check the path and the "
                                                "permissions of its directories",
                                                one_line(path), error.message()));
  }
  if (fs::is_directory(status)) {
    throw CliError(kExitNotALedger, fmt::format("{} is a directory, not a ledger file: point "
                                                "--db/LEDGER_DB at the ledger file itself",
                                                one_line(path)));
  }
  // SQLite takes an empty file for a new database; only `init` may make it a ledger. (The
  // engine refuses it too without create_if_missing; this names the CLI's fix.)
  if (fs::is_regular_file(status) && fs::file_size(path, error) == 0 && !error) {
    throw CliError(kExitNotALedger, fmt::format("{} is an empty file, not a ledger: run "
                                                "`ledgerctl init` to make it one, or point "
                                                "--db/LEDGER_DB at an existing ledger",
                                                one_line(path)));
  }
  // Reading needs only the file's read permission (SQLite's WAL mode writes its -shm next to
  // the file, not the file itself); the other commands need both.
  const bool writes = access != Access::read;
  if (::access(path.c_str(), writes ? R_OK | W_OK : R_OK) != 0) {
    throw CliError(kExitNotALedger,
                   fmt::format("cannot open {} for {} ({}): run as the file's owner or fix its "
                               "permissions (chmod 600 {})",
                               one_line(path), writes ? "reading and writing" : "reading",
                               std::strerror(errno), one_line(path)));
  }
}

void check_parent_directory(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  std::error_code error;
  if (!parent.empty() && !fs::is_directory(parent, error)) {
    throw CliError(kExitUsage, fmt::format("directory {} does not exist: create it first "
                                           "(mkdir -p {}) or choose another --db path",
                                           one_line(parent.string()), one_line(parent.string())));
  }
}

ledger::Ledger open_checked(const Globals& globals, Access access) {
  const ledger::Options options = options_for(globals, access);
  try {
    return ledger::Ledger::open(globals.db_path, options);
  } catch (const ledger::Error& error) {
    // Only when opening does not_found mean "there is no ledger file".
    if (error.code() == ledger::ErrorCode::not_found) {
      throw CliError(kExitNotALedger, hint_no_ledger(globals.db_path));
    }
    throw translate(error, globals.db_path, globals.command);
  }
}

ledger::Ledger open_existing_file(const Globals& globals, Access access) {
  check_path_given(globals.db_path);
  check_existing_file(globals.db_path, access);
  return open_checked(globals, access);
}

}  // namespace

ledger::Ledger open_existing(const Globals& globals) {
  return open_existing_file(globals, Access::write);
}

ledger::Ledger open_for_reading(const Globals& globals) {
  return open_existing_file(globals, Access::read);
}

ledger::Ledger open_or_create(const Globals& globals) {
  check_path_given(globals.db_path);
  std::error_code error;
  const fs::file_status status = fs::symlink_status(globals.db_path, error);
  // An empty regular file (e.g. from mktemp) is a ledger not created yet. Whether this
  // process created the ledger is not decided here (another init may be racing us): the
  // engine decides it under the write lock (Ledger::open_report).
  const bool maybe_new =
      !fs::exists(status) ||
      (fs::is_regular_file(status) && fs::file_size(globals.db_path, error) == 0 && !error);
  if (!maybe_new) return open_existing(globals);
  check_parent_directory(globals.db_path);
  return open_checked(globals, Access::create);
}

CliError translate(const ledger::Error& error, const std::string& db_path,
                   const std::string& command) {
  // The engine's messages already name the file, the problem and the fix in the library's
  // terms; the CLI adds what is specific to it (its command for the fix, where to find the
  // usage) and the exit code.
  const std::string what = one_line(error.what()) + cli_advice(error.code());
  switch (error.code()) {
    case ledger::ErrorCode::invalid_argument:
      return {kExitUsage, fmt::format("{}; see `ledgerctl {} --help`", what, command)};
    case ledger::ErrorCode::not_found:
    case ledger::ErrorCode::already_exists:
      return {kExitUsage, what};
    case ledger::ErrorCode::busy:
    case ledger::ErrorCode::io:
      return {kExitTransient, what};
    case ledger::ErrorCode::not_a_ledger:
    case ledger::ErrorCode::corrupt:
    case ledger::ErrorCode::newer_schema:
    case ledger::ErrorCode::older_schema:
    case ledger::ErrorCode::unsafe_file:
      return {kExitNotALedger, what};
    case ledger::ErrorCode::internal:
      break;
  }
  return {kExitNotALedger, fmt::format("internal error on {}: {}; this is a bug: keep the file, "
                                       "run `ledgerctl verify` and report both outputs",
                                       one_line(db_path), what)};
}

}  // namespace ledgerctl
