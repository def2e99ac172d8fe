// A prepared statement on a connection the engine may not own. SQLiteCpp's Statement can
// only be made from a SQLite::Database, which always owns (and closes) its connection; a
// ledger attached to the app's connection (Ledger::attach) borrows it. So statements are
// prepared through the C API, and results are still read through SQLiteCpp's Column and
// errors still reported as SQLite::Exception.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Exception.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace ledger::detail {

class Statement {
 public:
  Statement(sqlite3* connection, std::string_view sql);
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binding copies the value; bindNoCopy needs it to outlive the next step.
  void bind(int index, std::int64_t value);
  void bind(int index, int value) { bind(index, static_cast<std::int64_t>(value)); }
  void bind(int index, const std::string& text);
  void bind(int index, const char* text);
  void bindNoCopy(int index, const std::string& text);
  void bindNoCopy(int index, const void* blob, int size);

  // One step: true if it produced a row, false when done; throws on an error.
  bool executeStep();
  // Runs a statement that returns no rows; returns the rows it changed.
  int exec();
  [[nodiscard]] SQLite::Column getColumn(int index) const;

  // Resets without throwing (a failed step is reported by the step itself); returns the
  // SQLite code.
  int tryReset() noexcept;
  void clearBindings() noexcept;

 private:
  void check(int code) const;

  sqlite3* connection_;
  std::shared_ptr<sqlite3_stmt> statement_;  // shared with the Columns it hands out
};

// The raw bytes of a BLOB or TEXT column (empty for NULL), valid until the statement steps
// again.
inline std::string_view column_bytes(const SQLite::Column& column) {
  const void* data = column.getBlob();
  return {static_cast<const char*>(data), static_cast<std::size_t>(column.getBytes())};
}

}  // namespace ledger::detail
