// Opening a ledger: on a file of its own (Ledger::open) or on the app's connection
// (Ledger::attach). Nothing is written to a file that is refused.
#include <sqlite3.h>

#include <fmt/format.h>

#include "connection_settings.h"
#include "file_checks.h"
#include "impl.h"
#include "ledger/ledger.h"
#include "migrations.h"
#include "sqlite_errors.h"

namespace ledger {
namespace {

// A read-only Ledger reads only the layout of this build (see Options::read_only).
void refuse_older_schema(int version, const std::string& path) {
  throw Error(ErrorCode::older_schema,
              fmt::format("{} has schema version {}, older than this build's {}; it was opened "
                          "read-only (Options::read_only), which never upgrades a file, so it "
                          "was left unchanged: upgrade it first by opening it once without "
                          "read_only",
                          path, version, detail::latest_schema_version()));
}

}  // namespace

Ledger Ledger::open(const std::string& path, const Options& options) {
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::invalid_argument, "busy_timeout_ms must not be negative");
  }
  detail::check_path(path, options);
  try {
    auto impl = std::make_unique<Impl>(path, options);
    // Check before writing anything: a refused file must be left exactly as it was.
    const int latest = detail::latest_schema_version();
    int version = detail::check_ledger_file(impl->db, path, detail::FileUse::own);
    if (version == 0) detail::prepare_new_ledger_file(path, options);
    if (version < latest && options.read_only) refuse_older_schema(version, path);
    // Migrate before switching to WAL: if a migration fails, its rollback leaves the file
    // byte-identical (switching the journal mode would already have written the header).
    // The version migrate() finds under the write lock decides who created the ledger.
    if (version < latest) version = detail::migrate(impl->db, path, detail::FileUse::own);
    impl->open_report = {.created = version == 0, .schema_version_before = version,
                         .schema_version = latest};
    if (!options.read_only) detail::switch_to_wal(impl->db.handle(), options.busy_timeout_ms);
    detail::apply_pragmas(impl->db.handle(), options.durability);
    return Ledger(std::move(impl));
  } catch (const SQLite::Exception& e) {
    detail::throw_translated(e, fmt::format("opening {}", path));
  }
}

Ledger Ledger::attach(sqlite3* connection, const Options& options) {
  if (connection == nullptr) {
    throw Error(ErrorCode::invalid_argument,
                "attach needs the app's open SQLite connection, got a null pointer");
  }
  if (options.read_only) {
    throw Error(ErrorCode::invalid_argument,
                "attach runs inside the app's transactions, which write: Options::read_only "
                "cannot apply; open the file with Ledger::open to read it only");
  }
  const char* file = sqlite3_db_filename(connection, "main");
  const std::string path = file != nullptr && *file != '\0' ? file : ":memory:";
  try {
    auto impl = std::make_unique<Impl>(connection, path, options);
    const int latest = detail::latest_schema_version();
    int version = detail::check_ledger_file(impl->db, path, detail::FileUse::shared_with_app);
    if (version == 0 && !options.create_if_missing) {
      throw Error(ErrorCode::not_found,
                  fmt::format("{} holds no ledger, and Options::create_if_missing is false: "
                              "attach with create_if_missing to create the ledger's tables, "
                              "or give the connection of the database that holds them",
                              path));
    }
    if (version < latest) {
      // Created or migrated tables inside the app's open transaction would vanish with its
      // rollback, leaving this Ledger on tables that do not exist.
      if (impl->db.in_transaction()) {
        throw Error(ErrorCode::invalid_argument,
                    fmt::format("{}: attach must create or upgrade the ledger's tables (schema "
                                "version {} -> {}), which it does in a transaction of its own, "
                                "but the connection has a transaction open: attach before "
                                "BEGIN, or after COMMIT",
                                path, version, latest));
      }
      version = detail::migrate(impl->db, path, detail::FileUse::shared_with_app);
    }
    impl->open_report = {.created = version == 0, .schema_version_before = version,
                         .schema_version = latest};
    return Ledger(std::move(impl));
  } catch (const SQLite::Exception& e) {
    detail::throw_translated(e, fmt::format("attaching to {}", path));
  }
}

}  // namespace ledger
