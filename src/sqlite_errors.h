// Translating SQLite's errors into ledger::Error, whose code tells the caller what to do
// (busy/io: retry; corrupt/not_a_ledger: restore a backup), with the extended SQLite code
// kept.
#pragma once

#include <SQLiteCpp/Exception.h>

#include <string_view>

#include "db.h"
#include "ledger/error.h"

namespace ledger::detail {

// Translates a SQLite exception raised while doing `what`.
[[noreturn]] void throw_translated(const SQLite::Exception& e, std::string_view what);

// Runs `body`, translating SQLite exceptions, and resets the connection's statements
// afterwards (success or not). Every public entry point runs through it.
template <typename Body>
auto guarded(Db& db, std::string_view what, Body&& body) -> decltype(body()) {
  struct ResetOnExit {
    Db& db;
    ~ResetOnExit() { db.reset_statements(); }
  } reset{db};
  try {
    return body();
  } catch (const SQLite::Exception& e) {
    throw_translated(e, what);
  }
}

}  // namespace ledger::detail
