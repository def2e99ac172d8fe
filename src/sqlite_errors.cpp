#include "sqlite_errors.h"

#include <fmt/format.h>
#include <sqlite3.h>

namespace ledger::detail {

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
                  fmt::format("{}: the file is not a SQLite database, so not a ledger; open "
                              "the ledger's own file, or create a new ledger at a path of its "
                              "own",
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
