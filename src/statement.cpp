#include "statement.h"

#include <sqlite3.h>

namespace ledger::detail {

Statement::Statement(sqlite3* connection, std::string_view sql) : connection_(connection) {
  sqlite3_stmt* prepared = nullptr;
  const int code = sqlite3_prepare_v2(connection, sql.data(), static_cast<int>(sql.size()),
                                      &prepared, nullptr);
  if (code != SQLITE_OK) {
    sqlite3_finalize(prepared);
    throw SQLite::Exception(connection, code);
  }
  statement_.reset(prepared, &sqlite3_finalize);
}

void Statement::check(int code) const {
  if (code != SQLITE_OK) throw SQLite::Exception(connection_, code);
}

void Statement::bind(int index, std::int64_t value) {
  check(sqlite3_bind_int64(statement_.get(), index, value));
}

void Statement::bind(int index, const std::string& text) {
  check(sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                          SQLITE_TRANSIENT));
}

void Statement::bind(int index, const char* text) {
  check(sqlite3_bind_text(statement_.get(), index, text, -1, SQLITE_TRANSIENT));
}

void Statement::bindNoCopy(int index, const std::string& text) {
  check(sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                          SQLITE_STATIC));
}

void Statement::bindNoCopy(int index, const void* blob, int size) {
  check(sqlite3_bind_blob(statement_.get(), index, blob, size, SQLITE_STATIC));
}

bool Statement::executeStep() {
  const int code = sqlite3_step(statement_.get());
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  // sqlite3_step returns the primary code; the exception reads the extended one from the
  // connection.
  throw SQLite::Exception(connection_, code);
}

int Statement::exec() {
  if (executeStep()) {
    throw SQLite::Exception("a statement run for its effect returned a row", SQLITE_MISUSE);
  }
  return sqlite3_changes(connection_);
}

SQLite::Column Statement::getColumn(int index) const { return SQLite::Column(statement_, index); }

int Statement::tryReset() noexcept { return sqlite3_reset(statement_.get()); }

void Statement::clearBindings() noexcept { sqlite3_clear_bindings(statement_.get()); }

}  // namespace ledger::detail
