// The crash suite's embedding app (SPEC 9): it opens its own SQLite connection, keeps its
// own rows in the ledger's file, attaches the ledger to that connection (Ledger::attach)
// and books every operation inside a transaction of its own together with one row of its
// table `app_bookings`. The driver's attached mode (`child --attach`) runs the workloads
// this way; after a crash, check_attached_app() checks that the app's rows and the
// ledger's outcomes committed together, as the app's COMMIT promises.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <variant>
#include <vector>

#include "history.h"
#include "ledger/ledger.h"
#include "report.h"
#include "workload.h"

struct sqlite3;

namespace crash {

// The app's connection (the SQLite C API, as an app has it): created if missing, WAL,
// synchronous=FULL (an app COMMIT as durable as the ledger's own), and a busy timeout.
// SQLite errors are thrown as ledger::Error (busy or io for SQLite's transient codes,
// internal otherwise), so that the workload's retry loop treats a busy or failed app
// COMMIT as it treats a busy or failed ledger call: roll back, retry with the same keys.
class AppConnection {
 public:
  using Param = std::variant<std::int64_t, std::string>;

  AppConnection(const std::string& path, int busy_timeout_ms);
  // Closes the connection. REQUIRES: the Ledger attached to it was destroyed before.
  ~AppConnection();
  AppConnection(const AppConnection&) = delete;
  AppConnection& operator=(const AppConnection&) = delete;

  [[nodiscard]] sqlite3* handle() const { return db_; }
  [[nodiscard]] bool in_transaction() const;
  // Runs `sql` (one statement) with `params` bound in order.
  void run(const char* sql, std::initializer_list<Param> params = {});
  // The SQLite result code of `sql` (no parameters), thrown for nothing: an app COMMIT under
  // an injected fault, whose failure is the point.
  int try_exec(const char* sql) noexcept;
  // The first column of the first row, or `missing` if there is no row.
  [[nodiscard]] std::int64_t query_int(const char* sql, std::initializer_list<Param> params = {},
                                       std::int64_t missing = 0);
  [[nodiscard]] std::string query_text(const char* sql, std::initializer_list<Param> params = {});

 private:
  sqlite3* db_ = nullptr;
};

// The app of the attached mode: its connection, its table, and how it books an operation.
class AttachedApp {
 public:
  AttachedApp(const std::string& path, int busy_timeout_ms);
  [[nodiscard]] AppConnection& connection() { return app_; }
  // Ledger::attach on the app's connection. The Ledger must be destroyed before this.
  [[nodiscard]] ledger::Ledger attach(const ledger::Options& options = {});
  // BEGIN IMMEDIATE; the operation's row in app_bookings; the ledger call (run_op); the
  // outcomes into the row; COMMIT. Any error rolls the app's transaction back and is
  // rethrown (the caller retries with the same keys). Failpoints app.before_commit and
  // app.after_commit mark the instants around the app's COMMIT.
  std::vector<ledger::TransferResult> book(ledger::Ledger& ledger, Op& op);

 private:
  AppConnection app_;
};

// The outcome names of `results`, comma-separated: what the app stores in its row.
[[nodiscard]] std::string outcomes_text(const std::vector<ledger::TransferResult>& results);

// After a crash of an attached-mode child, before anything else touches the file:
//  - the app's rows and the ledger's keys agree: an operation has its app row exactly when
//    its keys completed (all of them or none), the row holds the keys' stored outcomes, and
//    every acknowledged operation has its row; no row names an operation never attempted;
//  - the app comes back (attaching, which also finishes a ledger creation the crash cut
//    short) and retries every attempted operation: those with a row replay their row's
//    outcomes; those without are booked again in an app transaction and execute (none of
//    their keys replays).
// Then every attempted operation has its row and its keys, and check_exactly_once() can
// check the rest. Appends what is wrong to `report`; never throws.
void check_attached_app(const std::string& db_path, Workload workload, std::uint64_t seed,
                        const std::vector<StreamHistory>& streams, const std::string& context,
                        Report& report);

}  // namespace crash
