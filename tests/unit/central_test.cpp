// The head-office module's pieces that need no PostgreSQL server: COPY text escaping,
// bytea parameters and results, and how a connection failure is classified. The module
// against a real server is tested by tests/central (CTest label `central`).
#include <doctest/doctest.h>

#include <string>

#include "central_error.h"
#include "pg_connection.h"

using ledger::central::append_copy_text;
using ledger::central::bytea_param;
using ledger::central::CentralError;
using ledger::central::FailureKind;
using ledger::central::PgConnection;

TEST_CASE("central: COPY text escapes backslash, tab, newline and carriage return only") {
  std::string line;
  append_copy_text(line, "a\\b\tc\nd\re \xc3\xa9 \\N");
  CHECK(line == "a\\\\b\\tc\\nd\\re \xc3\xa9 \\\\N");
}

TEST_CASE("central: a bytea parameter is PostgreSQL's hex input format") {
  CHECK(bytea_param(std::string("\x00\x7f\xff", 3)) == "\\x007fff");
  CHECK(bytea_param("") == "\\x");
}

TEST_CASE("central: a malformed connection string is a usage error naming the option") {
  try {
    PgConnection pg("host=127.0.0.1 port");
    FAIL("a malformed conninfo connected");
  } catch (const CentralError& error) {
    CHECK(error.kind() == FailureKind::usage);
    CHECK(std::string(error.what()).find("--pg") != std::string::npos);
  }
}

TEST_CASE("central: no server listening is transient (exit 4: run again)") {
  // Port 1 on loopback: nothing listens there on a test machine; the connect is refused.
  try {
    PgConnection pg("host=127.0.0.1 port=1 connect_timeout=5 user=nobody dbname=none");
    FAIL("connected to a port where nothing listens");
  } catch (const CentralError& error) {
    CHECK(error.kind() == FailureKind::transient);
    CHECK(std::string(error.what()).find("127.0.0.1:1") != std::string::npos);
    CHECK(std::string(error.what()).find("run the command again") != std::string::npos);
  }
}
