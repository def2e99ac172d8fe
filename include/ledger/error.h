// Operating errors: the things that go wrong around an operation, not business outcomes.
//
// Business outcomes (insufficient funds, key reused, ...) are values of `ledger::Outcome`
// and are never thrown. `ledger::Error` is thrown for everything else: the database is
// busy, an I/O error, the file is not a ledger, a programmer passed bad arguments.
// When an Error is thrown by a write operation, nothing was stored.
#pragma once

#include <stdexcept>
#include <string>

namespace ledger {

enum class ErrorCode {
  invalid_argument,  // the call's arguments are malformed (bad account code, TTL <= 0, ...)
  not_found,         // the named thing (account, key, file) does not exist
  already_exists,    // an account with that code already exists
  busy,              // another writer held the database past the busy timeout: retry
  io,                // an I/O error (disk full, device error): retry after fixing the cause
  not_a_ledger,      // the file is not a ledger database (or cannot be opened as one)
  corrupt,           // the database file is damaged
  newer_schema,      // the file was written by a newer version of this library
  older_schema,      // a read-only open met an older schema: upgrade the file first
  unsafe_file,       // the file's permissions are unsafe (e.g. world-writable)
  internal,          // a bug: an invariant the engine relies on did not hold
};

// The stable snake_case name of a code, e.g. "busy".
[[nodiscard]] const char* to_string(ErrorCode code);

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message, int sqlite_code = 0)
      : std::runtime_error(message), code_(code), sqlite_code_(sqlite_code) {}

  [[nodiscard]] ErrorCode code() const { return code_; }
  // The extended SQLite result code behind this error, or 0.
  [[nodiscard]] int sqlite_code() const { return sqlite_code_; }
  // True for errors where retrying the same request (same key) later is the right move.
  [[nodiscard]] bool transient() const {
    return code_ == ErrorCode::busy || code_ == ErrorCode::io;
  }

 private:
  ErrorCode code_;
  int sqlite_code_;
};

}  // namespace ledger
