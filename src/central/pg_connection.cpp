#include "pg_connection.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "central_error.h"

namespace ledger::central {
namespace {

// SQLSTATE classes and codes after which the same command, run again, can succeed:
// connection exceptions (08), operator intervention (57: terminated backend, shutdown,
// server starting), insufficient resources (53), transaction rollbacks (40: serialization
// failure, deadlock).
bool transient_state(std::string_view state) {
  return state.starts_with("08") || state.starts_with("57") || state.starts_with("53") ||
         state.starts_with("40");
}

// libpq's message is several lines (ERROR, DETAIL, HINT): one line for ours.
std::string one_line(std::string_view text) {
  std::string line;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      if (!line.empty() && line.back() != ' ') line += ' ';
    } else {
      line += c;
    }
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::int64_t PgResult::integer(int row, int column) const {
  const std::string_view value = text(row, column);
  std::int64_t out = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), out);
  if (error != std::errc{} || end != value.data() + value.size()) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("PostgreSQL returned {:?} where an integer was expected",
                                   std::string(value)));
  }
  return out;
}

std::string PgResult::bytes(int row, int column) const {
  const std::string_view value = text(row, column);
  if (!value.starts_with("\\x") || value.size() % 2 != 0) {
    throw CentralError(FailureKind::integrity,
                       "PostgreSQL returned a bytea value not in hex format; set "
                       "bytea_output = 'hex' for the head-office database");
  }
  std::string out;
  out.reserve((value.size() - 2) / 2);
  for (std::size_t i = 2; i < value.size(); i += 2) {
    const int high = hex_value(value[i]);
    const int low = hex_value(value[i + 1]);
    if (high < 0 || low < 0) {
      throw CentralError(FailureKind::integrity, "PostgreSQL returned a malformed bytea value");
    }
    out += static_cast<char>(high * 16 + low);
  }
  return out;
}

PgConnection::PgConnection(const std::string& conninfo) : connection_(nullptr, &PQfinish) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    std::string reason = parse_error != nullptr ? one_line(parse_error) : "out of memory";
    PQfreemem(parse_error);
    throw CentralError(FailureKind::usage,
                       fmt::format("--pg {:?} is not a PostgreSQL connection string ({}); give "
                                   "e.g. \"host=HOST port=5432 dbname=hq user=USER\" or "
                                   "postgresql://USER@HOST/hq",
                                   conninfo, reason));
  }
  PQconninfoFree(options);
  connection_.reset(PQconnectdb(conninfo.c_str()));
  if (connection_ == nullptr) {
    throw CentralError(FailureKind::transient, "cannot allocate a PostgreSQL connection");
  }
  if (PQstatus(connection_.get()) != CONNECTION_OK) {
    throw CentralError(
        FailureKind::transient,
        fmt::format("cannot connect to PostgreSQL ({}): {}; nothing was changed; check that "
                    "the server is running and --pg is right, then run the command again",
                    where(), one_line(PQerrorMessage(connection_.get()))));
  }
  // Text results of bytea in hex, times in UTC, whatever the server's defaults.
  exec("SET bytea_output = 'hex'");
  exec("SET TIME ZONE 'UTC'");
}

std::string PgConnection::where() const {
  const char* host = PQhost(connection_.get());
  const char* port = PQport(connection_.get());
  return fmt::format("{}:{}", host != nullptr && *host != '\0' ? host : "localhost",
                     port != nullptr && *port != '\0' ? port : "5432");
}

void PgConnection::fail(const PGresult* result, std::string_view doing) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = state != nullptr ? state : "";
  const std::string message =
      one_line(result != nullptr && *PQresultErrorMessage(result) != '\0'
                   ? PQresultErrorMessage(result)
                   : PQerrorMessage(connection_.get()));
  const bool lost = PQstatus(connection_.get()) != CONNECTION_OK;
  if (lost || sqlstate.empty() || transient_state(sqlstate)) {
    throw CentralError(
        FailureKind::transient,
        fmt::format("PostgreSQL ({}) failed while {}: {}; the transaction was rolled back, "
                    "nothing of it was kept; run the command again",
                    where(), doing, message));
  }
  if (sqlstate.starts_with("LH")) {
    throw CentralError(FailureKind::integrity,
                       fmt::format("head office refused the rows: {}", message));
  }
  throw CentralError(FailureKind::integrity,
                     fmt::format("PostgreSQL ({}) failed while {}: {} (SQLSTATE {}); nothing "
                                 "of the transaction was kept",
                                 where(), doing, message, sqlstate));
}

PgResult PgConnection::exec(const std::string& sql, const std::vector<PgParam>& params) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const PgParam& param : params) values.push_back(param ? param->c_str() : nullptr);
  PgResult result(PQexecParams(connection_.get(), sql.c_str(), static_cast<int>(values.size()),
                               nullptr, values.data(), nullptr, nullptr, 0));
  if (result.status() != PGRES_COMMAND_OK && result.status() != PGRES_TUPLES_OK) {
    fail(result.get(), "running a statement");
  }
  return result;
}

void PgConnection::exec_script(const std::string& sql) {
  PgResult result(PQexec(connection_.get(), sql.c_str()));
  if (result.status() != PGRES_COMMAND_OK && result.status() != PGRES_TUPLES_OK) {
    fail(result.get(), "running a schema migration");
  }
}

void PgConnection::copy_in(const std::string& copy_sql, std::string_view data) {
  {
    PgResult start(PQexec(connection_.get(), copy_sql.c_str()));
    if (start.status() != PGRES_COPY_IN) fail(start.get(), "starting COPY");
  }
  // libpq takes at most INT_MAX bytes per call; COPY streams the chunks as one.
  constexpr std::size_t kChunk = 1 << 20;
  for (std::size_t at = 0; at < data.size(); at += kChunk) {
    const std::size_t size = std::min(kChunk, data.size() - at);
    if (PQputCopyData(connection_.get(), data.data() + at, static_cast<int>(size)) != 1) {
      fail(nullptr, "sending COPY data");
    }
  }
  if (PQputCopyEnd(connection_.get(), nullptr) != 1) fail(nullptr, "ending COPY");
  bool failed = false;
  std::optional<PgResult> failure;
  while (PGresult* raw = PQgetResult(connection_.get())) {
    PgResult end(raw);
    if (end.status() != PGRES_COMMAND_OK && !failed) {
      failed = true;
      failure.emplace(std::move(end));
    }
  }
  if (failed) fail(failure->get(), "copying rows");
}

PgTransaction::PgTransaction(PgConnection& connection) : connection_(connection) {
  connection_.exec("BEGIN");
}

PgTransaction::~PgTransaction() {
  if (!open_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (...) {  // the connection is gone: the server has rolled back already
  }
}

void PgTransaction::commit() {
  open_ = false;
  connection_.exec("COMMIT");
}

std::string bytea_param(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "\\x";
  out.reserve(2 + bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

void append_copy_text(std::string& line, std::string_view text) {
  for (char c : text) {
    switch (c) {
      case '\\': line += "\\\\"; break;
      case '\t': line += "\\t"; break;
      case '\n': line += "\\n"; break;
      case '\r': line += "\\r"; break;
      default: line += c;
    }
  }
}

}  // namespace ledger::central
