#include "db.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>

#include "key_encoding.h"

namespace ledger::detail {
namespace {

// SQLite's default busy handler backs off to 100 ms sleeps, so under contention one writer
// can starve for seconds while others take the lock in its sleep. This one starts at 200 us
// and doubles up to 2 ms, up to the same timeout: short enough that no waiter starves, long
// enough that waiters do not poll the lock away from the writer that holds it.
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

constexpr const char* kSavepoint = "ledger_operation";

}  // namespace

Db::Db(const std::string& path, int busy_timeout_ms, bool read_only)
    : owned_(true), busy_timeout_ms_(busy_timeout_ms) {
  const int flags = (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
  const int code = sqlite3_open_v2(path.c_str(), &connection_, flags, nullptr);
  if (code != SQLITE_OK) {
    SQLite::Exception error(connection_, code);
    sqlite3_close(connection_);
    throw error;
  }
  sqlite3_busy_handler(connection_, &backoff_busy_handler, &busy_timeout_ms_);
  register_key_function(connection_);
}

Db::Db(sqlite3* borrowed) : connection_(borrowed), owned_(false) {
  register_key_function(connection_);
}

Db::~Db() {
  used_statements_.clear();
  statements_.clear();  // finalizes them: a borrowed connection must be closable afterwards
  if (owned_) sqlite3_close(connection_);
}

bool Db::in_transaction() const { return sqlite3_get_autocommit(connection_) == 0; }

Statement& Db::statement(const char* sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    it = statements_.emplace(sql, std::make_unique<Statement>(connection_, sql)).first;
  }
  Statement* statement = it->second.get();
  if (std::find(used_statements_.begin(), used_statements_.end(), statement) ==
      used_statements_.end()) {
    // Not handed out since the last reset_statements, which reset it and cleared its
    // bindings: it is clean.
    used_statements_.push_back(statement);
  } else {
    // Handed out before in this call: it may be mid-result and holds the old bindings.
    // tryReset: a previous failed step (e.g. busy) must not be re-reported here.
    statement->tryReset();
    statement->clearBindings();
  }
  return *statement;
}

void Db::exec(const char* sql) {
  const int code = sqlite3_exec(connection_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) throw SQLite::Exception(connection_, code);
}

void Db::reset_statements() noexcept {
  for (Statement* used : used_statements_) {
    used->tryReset();
    used->clearBindings();
  }
  used_statements_.clear();
}

Transaction::Transaction(Db& db) : db_(db), nested_(db.in_transaction()) {
  if (nested_) {
    db_.exec(std::string("SAVEPOINT ") + kSavepoint);
  } else {
    db_.exec("BEGIN IMMEDIATE");
  }
}

Transaction::~Transaction() {
  if (!open_) return;
  // sqlite3_exec directly, ignoring errors: after an I/O error SQLite may already have
  // rolled the whole transaction back, which is the state wanted anyway.
  if (nested_) {
    const std::string undo =
        std::string("ROLLBACK TO ") + kSavepoint + "; RELEASE " + kSavepoint;
    sqlite3_exec(db_.handle(), undo.c_str(), nullptr, nullptr, nullptr);
  } else {
    sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  // A statement still mid-result at COMMIT keeps a read snapshot open, which stops the
  // auto-checkpoint from resetting the WAL: the WAL (and the file) would grow forever.
  db_.reset_statements();
  db_.exec(nested_ ? std::string("RELEASE ") + kSavepoint : std::string("COMMIT"));
  open_ = false;
}

}  // namespace ledger::detail
