// What a Ledger is made of: its connection, options, and the cache of its current write
// transaction.
#pragma once

#include <cstdint>
#include <string>

#include "db.h"
#include "ledger/ledger.h"
#include "write_cache.h"

struct sqlite3;

namespace ledger {

struct Ledger::Impl {
  // A ledger on its own connection to `path`.
  Impl(std::string path_in, const Options& options_in)
      : path(std::move(path_in)),
        options(options_in),
        db(path, options.busy_timeout_ms, options.read_only) {}
  // A ledger on the app's connection (Ledger::attach).
  Impl(sqlite3* connection, std::string path_in, const Options& options_in)
      : path(std::move(path_in)), options(options_in), db(connection) {}

  std::string path;
  Options options;
  detail::Db db;
  detail::WriteCache cache;  // valid inside a WriteScope
  OpenReport open_report;
  [[nodiscard]] std::int64_t now_ms() const;
};

namespace detail {
using Impl = Ledger::Impl;
}  // namespace detail

}  // namespace ledger
