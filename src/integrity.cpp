#include "integrity.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdlib>
#include <cstring>

#include "ledger/error.h"

namespace ledger::detail {
namespace {

std::vector<std::string> read_integrity_check(Db& db, std::string_view what, int limit) {
  Statement check(db.handle(), fmt::format("PRAGMA integrity_check({})", limit));
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

}  // namespace ledger::detail
