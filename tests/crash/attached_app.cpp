// The crash suite's embedding app: see attached_app.h.
#include "attached_app.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <map>
#include <stdexcept>

#include "failpoint.h"

namespace crash {
namespace {

// SQLite's transient codes become the ledger's transient errors (see AppConnection).
[[noreturn]] void throw_app_error(sqlite3* db, int code, const char* sql) {
  const int primary = code & 0xff;
  ledger::ErrorCode kind = ledger::ErrorCode::internal;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) kind = ledger::ErrorCode::busy;
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL) kind = ledger::ErrorCode::io;
  throw ledger::Error(kind, fmt::format("app: {}: {}", sql, sqlite3_errmsg(db)), code);
}

// A prepared statement with `params` bound, finalized on destruction.
class Bound {
 public:
  Bound(sqlite3* db, const char* sql, std::initializer_list<AppConnection::Param> params)
      : db_(db), sql_(sql) {
    const int code = sqlite3_prepare_v2(db, sql, -1, &statement_, nullptr);
    if (code != SQLITE_OK) throw_app_error(db, code, sql);
    int index = 1;
    for (const AppConnection::Param& param : params) {
      if (const auto* number = std::get_if<std::int64_t>(&param)) {
        sqlite3_bind_int64(statement_, index++, *number);
      } else {
        const std::string& text = std::get<std::string>(param);
        sqlite3_bind_text(statement_, index++, text.c_str(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT);
      }
    }
  }
  ~Bound() { sqlite3_finalize(statement_); }
  Bound(const Bound&) = delete;
  Bound& operator=(const Bound&) = delete;

  // True if a row is there, false when done.
  bool step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code != SQLITE_DONE) throw_app_error(db_, code, sql_);
    return false;
  }
  [[nodiscard]] sqlite3_stmt* get() const { return statement_; }

 private:
  sqlite3* db_;
  const char* sql_;
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace

AppConnection::AppConnection(const std::string& path, int busy_timeout_ms) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (code != SQLITE_OK) {
    std::string message = fmt::format("app: opening {}: {}", path, sqlite3_errmsg(db_));
    sqlite3_close(db_);
    throw ledger::Error(ledger::ErrorCode::io, message, code);
  }
  try {
    sqlite3_busy_timeout(db_, busy_timeout_ms);
    run("PRAGMA journal_mode = WAL");
    run("PRAGMA synchronous = FULL");
  } catch (...) {
    sqlite3_close(db_);
    throw;
  }
}

AppConnection::~AppConnection() { sqlite3_close(db_); }

bool AppConnection::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void AppConnection::run(const char* sql, std::initializer_list<Param> params) {
  Bound statement(db_, sql, params);
  while (statement.step()) {
  }
}

int AppConnection::try_exec(const char* sql) noexcept {
  return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
}

std::int64_t AppConnection::query_int(const char* sql, std::initializer_list<Param> params,
                                      std::int64_t missing) {
  Bound statement(db_, sql, params);
  return statement.step() ? sqlite3_column_int64(statement.get(), 0) : missing;
}

std::string AppConnection::query_text(const char* sql, std::initializer_list<Param> params) {
  Bound statement(db_, sql, params);
  if (!statement.step()) return {};
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(statement.get(), 0));
  return text == nullptr ? std::string() : std::string(text);
}

AttachedApp::AttachedApp(const std::string& path, int busy_timeout_ms)
    : app_(path, busy_timeout_ms) {
  // The app's table exists before the ledger's: attach meets a database that is not empty.
  app_.run(
      "CREATE TABLE IF NOT EXISTS app_bookings (principal TEXT NOT NULL, op_index INTEGER NOT "
      "NULL, kind TEXT NOT NULL, outcomes TEXT, PRIMARY KEY (principal, op_index))");
}

ledger::Ledger AttachedApp::attach(const ledger::Options& options) {
  return ledger::Ledger::attach(app_.handle(), options);
}

std::vector<ledger::TransferResult> AttachedApp::book(ledger::Ledger& ledger, Op& op) {
  try {
    app_.run("BEGIN IMMEDIATE");
    // A retry after a crash that came after the COMMIT finds the row there already.
    app_.run("INSERT OR IGNORE INTO app_bookings (principal, op_index, kind) VALUES (?, ?, ?)",
             {op.principal, op.index, std::string(to_string(op.kind))});
    std::vector<ledger::TransferResult> results = run_op(ledger, op);
    app_.run("UPDATE app_bookings SET outcomes = ? WHERE principal = ? AND op_index = ?",
             {outcomes_text(results), op.principal, op.index});
    LEDGER_FAILPOINT("app.before_commit");
    app_.run("COMMIT");
    LEDGER_FAILPOINT("app.after_commit");
    return results;
  } catch (...) {
    // After some errors SQLite has already rolled the transaction back.
    if (app_.in_transaction()) app_.try_exec("ROLLBACK");
    throw;
  }
}

std::string outcomes_text(const std::vector<ledger::TransferResult>& results) {
  std::string text;
  for (const ledger::TransferResult& result : results) {
    if (!text.empty()) text += ',';
    text += ledger::to_string(result.outcome);
  }
  return text;
}

namespace {

// The check of one stream, on the app's connection with the ledger attached.
class AppCheck {
 public:
  AppCheck(AttachedApp& app, ledger::Ledger& ledger, Workload workload, std::uint64_t seed,
           Report& report)
      : app_(app), ledger_(ledger), workload_(workload), seed_(seed), report_(report) {}

  // Rows and keys agree, before anything is retried.
  void rows_match_keys(const StreamHistory& stream) {
    std::int64_t rows_seen = 0;
    for (std::int64_t index : stream.attempted) {
      const Op op = make_op(workload_, seed_, stream.principal, index);
      const bool has_row = row_count(stream.principal, index) == 1;
      rows_seen += has_row ? 1 : 0;
      const std::string where =
          fmt::format("operation {} of {} ({})", index, stream.principal, to_string(op.kind));
      auto acked = stream.acked.find(index);
      if (acked != stream.acked.end() && !has_row) {
        report_.violation(where +
                          ": acknowledged after the app's COMMIT, but its app row is "
                          "missing");
      }
      if (op.kind == OpKind::expire) continue;
      keys_match_row(op, has_row, where);
    }
    const std::int64_t rows = app_.connection().query_int(
        "SELECT count(*) FROM app_bookings WHERE principal = ?", {stream.principal});
    if (rows != rows_seen) {
      report_.violation(
          fmt::format("{}: {} app rows, but only {} of them name an attempted "
                      "operation",
                      stream.principal, rows, rows_seen));
    }
  }

  // The app retries every attempted operation: a booked one replays, the others execute.
  void app_retries(const StreamHistory& stream) {
    for (std::int64_t index : stream.attempted) {
      Op op = make_op(workload_, seed_, stream.principal, index);
      const bool has_row = row_count(stream.principal, index) == 1;
      if (op.kind == OpKind::expire) {
        if (!has_row) (void)app_.book(ledger_, op);
        continue;
      }
      const std::string where =
          fmt::format("app retry of operation {} of {}", index, stream.principal);
      auto results = has_row ? run_op(ledger_, op) : app_.book(ledger_, op);
      for (const ledger::TransferResult& result : results) {
        if (result.replayed != has_row) {
          report_.violation(fmt::format("{}: {} (its app row is {})", where,
                                        result.replayed ? "replayed" : "executed",
                                        has_row ? "there" : "missing"));
        }
      }
      report_.count(has_row ? "attach.app_retries_replayed" : "attach.app_retries_executed");
    }
  }

 private:
  std::int64_t row_count(const std::string& principal, std::int64_t index) {
    return app_.connection().query_int(
        "SELECT count(*) FROM app_bookings WHERE principal = ? AND op_index = ?",
        {principal, index});
  }

  void keys_match_row(const Op& op, bool has_row, const std::string& where) {
    std::vector<std::string> stored;
    std::size_t completed = 0;
    for (const std::string& key : op_keys(op)) {
      auto record = ledger_.find_key(op.principal, key);
      if (record && record->state == ledger::KeyState::completed) {
        ++completed;
        stored.push_back(record->result);
      }
    }
    const std::size_t keys = op_keys(op).size();
    if (completed != 0 && completed != keys) {
      report_.violation(fmt::format("{}: {} of its {} keys completed", where, completed, keys));
    }
    if (has_row != (completed != 0)) {
      report_.violation(fmt::format("{}: the app row is {} but the ledger has {} of its keys",
                                    where, has_row ? "there" : "missing",
                                    completed != 0 ? "completed" : "none"));
      return;
    }
    if (!has_row) return;
    std::string ledger_outcomes;
    for (const std::string& result : stored) {
      ledger_outcomes += (ledger_outcomes.empty() ? "" : ",") + result;
    }
    const std::string row = app_.connection().query_text(
        "SELECT coalesce(outcomes, '(none)') FROM app_bookings WHERE principal = ? AND "
        "op_index = ?",
        {op.principal, op.index});
    if (row != ledger_outcomes) {
      report_.violation(fmt::format("{}: the app row says {}, the ledger's keys {}", where, row,
                                    ledger_outcomes));
    }
  }

  AttachedApp& app_;
  ledger::Ledger& ledger_;
  Workload workload_;
  std::uint64_t seed_;
  Report& report_;
};

}  // namespace

void check_attached_app(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const std::string& context,
                        Report& total) {
  Report report;
  try {
    AttachedApp app(db_path, 5000);
    ledger::Ledger ledger = app.attach();
    AppCheck check(app, ledger, workload, seed, report);
    for (const StreamHistory& stream : streams) check.rows_match_keys(stream);
    ensure_accounts(ledger, workload);  // the child may have died before it created them
    for (const StreamHistory& stream : streams) check.app_retries(stream);
    report.count("check.attached_app");
  } catch (const std::exception& e) {
    report.violation(fmt::format("the app's recovery failed: {}", e.what()));
  }
  total.merge(report, context);
}

}  // namespace crash
