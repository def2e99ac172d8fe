// Goal: the library's messages give their advice in the library's own terms (an Options
// field, an API call) or in words that suit every caller, never a tool's command or flag:
// they reach embedding apps, and ledgerd's HTTP clients, for whom `ledgerctl init` or
// `--db` would be wrong advice. The tools add their own (tools/ledgerctl/cli_advice.h).
// Method: provoke, through the public API, each refusal whose advice names what to do
// next, and check that its message keeps naming the problem and the library's fix, and
// names no tool.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <fstream>
#include <regex>

#include "test_support.h"
#include "version_1_ledger.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

// A tool's words: its name, a --flag, or an environment variable only a tool reads.
void check_names_no_tool(const std::string& message) {
  CAPTURE(message);
  CHECK(message.find("ledgerctl") == std::string::npos);
  CHECK(message.find("ledgerd") == std::string::npos);
  CHECK(message.find("LEDGER_DB") == std::string::npos);
  CHECK_FALSE(std::regex_search(message, std::regex("(^|[ (])--[a-z]")));
}

std::string open_message(const std::string& path, const Options& options) {
  try {
    (void)Ledger::open(path, options);
  } catch (const Error& e) {
    return e.what();
  }
  FAIL("the open was not refused");
  return {};
}

void make_file(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

}  // namespace

TEST_CASE("refused opens name Options fields, not a tool's commands") {
  TempDir dir;
  Options no_create;
  no_create.create_if_missing = false;
  Options read_only;
  read_only.read_only = true;
  SUBCASE("a missing file") {
    const std::string message = open_message(dir.file("missing.db"), no_create);
    CHECK(message.find("no ledger at") != std::string::npos);
    CHECK(message.find("Options::create_if_missing") != std::string::npos);
    check_names_no_tool(message);
    const std::string read_message = open_message(dir.file("missing.db"), read_only);
    CHECK(read_message.find("read-only open never creates") != std::string::npos);
    check_names_no_tool(read_message);
  }
  SUBCASE("an empty file") {
    make_file(dir.file("empty.db"), "");
    const std::string message = open_message(dir.file("empty.db"), no_create);
    CHECK(message.find("Options::create_if_missing") != std::string::npos);
    check_names_no_tool(message);
  }
  SUBCASE("a file that is not a SQLite database") {
    make_file(dir.file("notes.txt"), std::string(4096, 'x'));
    const std::string message = open_message(dir.file("notes.txt"), {});
    CHECK(message.find("not a SQLite database") != std::string::npos);
    check_names_no_tool(message);
  }
  SUBCASE("a SQLite database of another app") {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(dir.file("foreign.db").c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "CREATE TABLE customers (id INTEGER)", nullptr, nullptr, nullptr) ==
            SQLITE_OK);
    sqlite3_close(db);
    const std::string message = open_message(dir.file("foreign.db"), {});
    CHECK(message.find("not a ledger") != std::string::npos);
    check_names_no_tool(message);
  }
  SUBCASE("an older schema opened read-only") {
    make_version_1_ledger(dir.file("v1.db"), /*wal=*/true);
    const std::string message = open_message(dir.file("v1.db"), read_only);
    CHECK(message.find("opening it once without read_only") != std::string::npos);
    check_names_no_tool(message);
  }
}

TEST_CASE("refused calls name the argument or Options field at fault") {
  TempDir dir;
  Options options;
  options.allow_client_keys = false;
  options.rejection_retention_seconds = -1;
  Ledger ledger = open_with_accounts(dir.file("l.db"), options);
  auto message_of = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::invalid_argument);
      return std::string(e.what());
    }
    FAIL("the call was not refused");
    return std::string();
  };
  const std::string negative = message_of([&] { (void)ledger.purge_keys(-5); });
  CHECK(negative.find("older_than_seconds") != std::string::npos);
  check_names_no_tool(negative);
  const std::string retention = message_of([&] { (void)ledger.purge_keys(); });
  CHECK(retention.find("Options::rejection_retention_seconds") != std::string::npos);
  check_names_no_tool(retention);
  const std::string overdraft = message_of([&] {
    ledger.create_account({"x", "EUR", OverdraftRule::none, 5, ""});
  });
  CHECK(overdraft.find("OverdraftRule::limit") != std::string::npos);
  check_names_no_tool(overdraft);
}

TEST_CASE("outcome messages, stored or not, name no tool") {
  TempDir dir;
  Options options;
  options.allow_client_keys = false;
  Ledger ledger = open_with_accounts(dir.file("l.db"), options);
  const TransferResult unknown = ledger.transfer(make_transfer("made-up", "world", "till", 1));
  REQUIRE(unknown.outcome == Outcome::key_unknown);
  CHECK(unknown.message.find("'till:1'") != std::string::npos);
  CHECK(unknown.message.find("'transfer'") != std::string::npos);
  check_names_no_tool(unknown.message);
  PostRequest post;
  post.principal = "till:1";
  post.key = ledger.issue_key("till:1", "post").key;
  post.pending_sequence = 99;
  const TransferResult missing = ledger.post(post);
  REQUIRE(missing.outcome == Outcome::pending_not_found);
  CHECK(missing.message.find("sequence 99") != std::string::npos);
  check_names_no_tool(missing.message);
  CHECK(missing.body.find("ledgerctl") == std::string::npos);  // the stored body too
}
