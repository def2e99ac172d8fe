// The write transaction of one engine call: a Transaction (db.h) plus the WriteCache of
// the rows it touched. Every write the engine makes runs through write_operation.
#pragma once

#include <string_view>

#include "db.h"
#include "failpoint.h"
#include "impl.h"
#include "journal.h"
#include "sqlite_errors.h"

namespace ledger::detail {

class WriteScope {
 public:
  explicit WriteScope(Impl& impl) : impl_(impl), transaction_(impl.db) {}
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  ~WriteScope() { impl_.cache.clear(); }
  // Writes the cached balances, then commits (or releases the savepoint into the app's
  // transaction).
  void commit();

 private:
  Impl& impl_;
  Transaction transaction_;
};

// Writes what the cache holds ahead of the database (balances, the outcome chain's head):
// before a commit, and before a savepoint whose rollback must not drop earlier writes.
void flush_cached_writes(Impl& impl);

// Refuses to write through a ledger opened with Options::read_only.
void require_writable(const Impl& impl, std::string_view what);

// Runs `body(now_ms)` in ONE write transaction, translating errors; on any exception the
// transaction rolls back and nothing is stored.
template <typename Body>
auto write_operation(Impl& impl, std::string_view what, Body&& body) -> decltype(body(0)) {
  require_writable(impl, what);
  auto result = guarded(impl.db, what, [&] {
    WriteScope scope(impl);
    auto outcome = body(clock_guarded_now(impl));
    LEDGER_FAILPOINT("transfer.before_commit");
    scope.commit();
    return outcome;
  });
  LEDGER_FAILPOINT("transfer.after_commit");
  return result;
}

}  // namespace ledger::detail
