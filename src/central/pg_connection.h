// A PostgreSQL connection through libpq (Debian's libpq-dev): parameterised statements,
// COPY FROM STDIN, and errors classified as transient (retry the command) or not.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledger::central {

// One statement's result. Values are text (libpq's text format); NULL reads as nullopt.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}
  [[nodiscard]] int rows() const { return PQntuples(result_.get()); }
  [[nodiscard]] bool is_null(int row, int column) const {
    return PQgetisnull(result_.get(), row, column) != 0;
  }
  [[nodiscard]] std::string_view text(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, column))};
  }
  [[nodiscard]] std::int64_t integer(int row, int column) const;
  // A bytea column selected as is (text format "\x..."), as raw bytes.
  [[nodiscard]] std::string bytes(int row, int column) const;
  [[nodiscard]] ExecStatusType status() const { return PQresultStatus(result_.get()); }
  [[nodiscard]] const PGresult* get() const { return result_.get(); }

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

// A statement parameter: text, or SQL NULL.
using PgParam = std::optional<std::string>;

class PgConnection {
 public:
  // Connects with `conninfo` (libpq's "host=... port=..." or a postgresql:// URI).
  // Throws CentralError: usage for a malformed conninfo, transient when the server cannot
  // be reached or refuses the connection for now.
  explicit PgConnection(const std::string& conninfo);

  // Runs `sql` with $1.. bound to `params`; throws CentralError on failure (transient for
  // a dropped connection, a terminated backend, a restarting server, a serialization
  // failure or deadlock; integrity for the ledger_hq functions' own checks).
  PgResult exec(const std::string& sql, const std::vector<PgParam>& params = {});
  // Runs a script of several statements without parameters (a migration).
  void exec_script(const std::string& sql);
  // COPY ... FROM STDIN with `data` in COPY's text format.
  void copy_in(const std::string& copy_sql, std::string_view data);

  // "host:port" for messages (never the password).
  [[nodiscard]] std::string where() const;

 private:
  [[noreturn]] void fail(const PGresult* result, std::string_view doing);
  std::unique_ptr<PGconn, decltype(&PQfinish)> connection_;
};

// BEGIN on construction; ROLLBACK when destroyed before commit() (a failure, an exception
// or a kill leaves nothing of the transaction behind: PostgreSQL rolls it back itself).
class PgTransaction {
 public:
  explicit PgTransaction(PgConnection& connection);
  ~PgTransaction();
  PgTransaction(const PgTransaction&) = delete;
  PgTransaction& operator=(const PgTransaction&) = delete;
  void commit();

 private:
  PgConnection& connection_;
  bool open_ = true;
};

// A bytea parameter in PostgreSQL's hex input format.
[[nodiscard]] std::string bytea_param(std::string_view bytes);

// Appends `text` to a COPY text-format line, escaping what COPY's text format needs.
void append_copy_text(std::string& line, std::string_view text);

}  // namespace ledger::central
