#include "db.h"

#include <fmt/format.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "key_storage.h"

namespace ledger::detail {

namespace {

// SQLite's default busy handler backs off to 100 ms sleeps, so under contention one writer
// can starve for seconds while others take the lock in its sleep. This one starts at 200 us
// and doubles up to 2 ms, up to the same timeout. Measured with 4 processes booking durable
// transfers on one file (ledger-bench --scenario contention, 2 cores): fixed 100-200 us
// sleeps kept the waiters polling so often that the total rate fell to 0.58x one process;
// 200 us..2 ms gives 0.91-0.97x, with no process starved (the slowest still books about
// 700/s; with SQLite's default handler the slowest bare process managed 1 commit/s).
int backoff_busy_handler(void* timeout_ms, int attempt) {
  constexpr std::int64_t kFirstSleepUs = 200;
  constexpr std::int64_t kLongestSleepUs = 2000;
  const auto limit_us = static_cast<std::int64_t>(*static_cast<int*>(timeout_ms)) * 1000;
  std::int64_t waited_us = 0;
  std::int64_t sleep_us = kFirstSleepUs;
  for (int i = 0; i < attempt; ++i) {
    waited_us += sleep_us;
    sleep_us = std::min(kLongestSleepUs, sleep_us * 2);
  }
  if (waited_us + sleep_us > limit_us) return 0;  // give up: SQLITE_BUSY
  ::usleep(static_cast<useconds_t>(sleep_us));
  return 1;
}

}  // namespace

Db::Db(const std::string& path, int busy_timeout_ms, bool read_only)
    : database_(path,
                (read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX,
                busy_timeout_ms),
      busy_timeout_ms_(busy_timeout_ms) {
  sqlite3_busy_handler(database_.getHandle(), &backoff_busy_handler, &busy_timeout_ms_);
  register_key_function(database_.getHandle());
}

SQLite::Statement& Db::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<SQLite::Statement>(database_, sql)).first;
  }
  SQLite::Statement* statement = it->second.get();
  if (std::find(used_statements_.begin(), used_statements_.end(), statement) ==
      used_statements_.end()) {
    // Not handed out since the last reset_statements, which reset it and cleared its
    // bindings: it is clean. (Resetting it again here cost a replay ~3% of its time.)
    used_statements_.push_back(statement);
  } else {
    // Handed out before in this call: it may be mid-result and holds the old bindings.
    // tryReset: a previous failed step (e.g. busy) must not be re-reported here.
    statement->tryReset();
    statement->clearBindings();
  }
  return *statement;
}

void Db::reset_statements() noexcept {
  for (SQLite::Statement* used : used_statements_) {
    used->tryReset();
    try {
      used->clearBindings();  // sqlite3_clear_bindings cannot fail on a prepared statement
    } catch (const SQLite::Exception&) {
    }
  }
  used_statements_.clear();
}

void Db::flush_cache() {
  for (std::int64_t id : cache_.unwritten_balances) {
    const Account* account = cache_.account_by_id(id);
    auto& update = statement("UPDATE accounts SET balance = ? WHERE id = ?");
    update.bind(1, account->balance_minor);
    update.bind(2, id);
    if (update.exec() != 1) {
      throw Error(ErrorCode::internal, fmt::format("account id {} vanished during a transfer", id));
    }
  }
  cache_.unwritten_balances.clear();
}

WriteTransaction::WriteTransaction(Db& db) : db_(db) {
  db_.cache().clear();
  db_.exec("BEGIN IMMEDIATE");
}

WriteTransaction::~WriteTransaction() {
  db_.cache().clear();
  if (!open_) return;
  // sqlite3_exec directly: ROLLBACK can fail only if no transaction is active any more
  // (SQLite already rolled back after an I/O error), which is the state we want anyway.
  sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void WriteTransaction::commit() {
  // A statement still mid-result at COMMIT keeps a read snapshot open, which stops the
  // auto-checkpoint from resetting the WAL: the WAL (and the file) would grow forever.
  db_.flush_cache();
  db_.reset_statements();
  db_.exec("COMMIT");
  open_ = false;
}

namespace {

std::vector<std::string> read_integrity_check(Db& db, std::string_view what, int limit) {
  SQLite::Statement check(db.sql(), fmt::format("PRAGMA integrity_check({})", limit));
  std::vector<std::string> problems;
  while (check.executeStep()) {
    std::string line = check.getColumn(0).getString();
    auto code_at = line.find("error code=");
    if (code_at != std::string::npos) {
      int primary = std::atoi(line.c_str() + code_at + std::strlen("error code=")) & 0xff;
      if (primary == SQLITE_IOERR || primary == SQLITE_NOMEM || primary == SQLITE_FULL ||
          primary == SQLITE_BUSY) {
        throw Error(ErrorCode::io,
                    fmt::format("{}: I/O error while reading the database ({}); nothing was "
                                "changed, fix the cause and try again",
                                what, line));
      }
    }
    if (line != "ok") problems.push_back(std::move(line));
  }
  return problems;
}

}  // namespace

std::vector<std::string> integrity_problems(Db& db, std::string_view what, int limit) {
  std::vector<std::string> problems = read_integrity_check(db, what, limit);
  if (!problems.empty() && read_integrity_check(db, what, limit) != problems) {
    throw Error(ErrorCode::io,
                fmt::format("{}: the database file read differently twice ({}); an I/O error, "
                            "not damage: nothing was changed, fix the cause and try again",
                            what, problems.front()));
  }
  return problems;
}

void throw_translated(const SQLite::Exception& e, std::string_view what) {
  constexpr std::string_view kRetry =
      "retry with the same key (a call without a key: just retry)";
  int extended = e.getExtendedErrorCode();
  switch (e.getErrorCode()) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      if (extended == SQLITE_BUSY_SNAPSHOT) {
        throw Error(ErrorCode::busy,
                    fmt::format("{}: another connection wrote since this one started reading; "
                                "nothing was stored; {}",
                                what, kRetry),
                    extended);
      }
      throw Error(ErrorCode::busy,
                  fmt::format("{}: the database is busy (another writer held it past the busy "
                              "timeout); nothing was stored; {}",
                              what, kRetry),
                  extended);
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      throw Error(ErrorCode::io,
                  fmt::format("{}: I/O error ({}); nothing was stored; fix the cause (disk "
                              "full? device error?), then {}",
                              what, e.what(), kRetry),
                  extended);
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw Error(ErrorCode::io,
                  fmt::format("{}: the database cannot be written ({}); check the file's and "
                              "its directory's permissions",
                              what, e.what()),
                  extended);
    case SQLITE_NOTADB:
      throw Error(ErrorCode::not_a_ledger,
                  fmt::format("{}: the file is not a SQLite database, so not a ledger; point "
                              "at the right file or create one with `ledgerctl init`",
                              what),
                  extended);
    case SQLITE_CORRUPT:
      throw Error(ErrorCode::corrupt,
                  fmt::format("{}: the database file is corrupt ({}); restore it from a backup",
                              what, e.what()),
                  extended);
    case SQLITE_CANTOPEN:
      throw Error(ErrorCode::io,
                  fmt::format("{}: the database or its -wal/-shm file cannot be opened ({}); "
                              "check that the directory is writable and not on a read-only "
                              "file system",
                              what, e.what()),
                  extended);
    default:
      throw Error(ErrorCode::internal,
                  fmt::format("{}: unexpected database error: {} (extended code {}); please "
                              "report this",
                              what, e.what(), extended),
                  extended);
  }
}

}  // namespace ledger::detail
