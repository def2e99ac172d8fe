// Goal: a Ledger opened with Options::read_only never changes its file (no creation, no
// migration, no pragma that writes, no checkpoint), refuses every writing call, and refuses
// an older schema; open_report() says who created a ledger and what open() upgraded.
// Method: compare the main file's bytes before and after read-only sessions, including one
// next to an open writer whose commits are still in the -wal file.
#include <doctest/doctest.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <fstream>
#include <iterator>

#include "migrations.h"
#include "test_support.h"
#include "version_1_ledger.h"

using namespace ledger;
using namespace ledger::testing;

namespace {

Options read_only() {
  Options options;
  options.read_only = true;
  return options;
}

ErrorCode open_error(const std::string& path, const Options& options) {
  try {
    (void)Ledger::open(path, options);
  } catch (const Error& e) {
    CAPTURE(e.what());
    return e.code();
  }
  FAIL("open succeeded but should have been refused");
  return ErrorCode::internal;
}

}  // namespace

TEST_CASE("a read-only Ledger reads a writer's latest commit and never writes the file") {
  TempDir dir;
  auto path = dir.file("shop.db");
  Ledger writer = open_with_accounts(path);
  REQUIRE(writer.transfer(make_transfer("sale-1", "world", "till", 1250)).outcome ==
          Outcome::created);
  // The writer stays open, so its commits may still be in the -wal file only: a reader that
  // checkpointed would copy them into the main file.
  const std::string before = file_bytes(path);
  {
    Ledger reader = Ledger::open(path, read_only());
    CHECK(reader.open_report().created == false);
    CHECK(reader.open_report().schema_version == detail::latest_schema_version());
    REQUIRE(reader.find_account("till"));
    CHECK(reader.find_account("till")->balance_minor == 1250);
    CHECK(reader.list_accounts().size() == 3);
    CHECK(reader.journal().size() == 1);
    CHECK(reader.list_keys().size() == 1);
    CHECK(reader.find_key("till:1", "sale-1"));
    CHECK(reader.list_pending().empty());
    CHECK(reader.stats().journal_rows == 1);
    CHECK(reader.verify().ok());
    reader.backup(dir.file("copy.db"));
  }
  CHECK(file_bytes(path) == before);
  CHECK(Ledger::open(dir.file("copy.db"), read_only()).journal().size() == 1);
}

TEST_CASE("every writing call on a read-only Ledger throws invalid_argument and stores nothing") {
  TempDir dir;
  auto path = dir.file("shop.db");
  { (void)open_with_accounts(path); }
  const std::string before = file_bytes(path);
  Ledger reader = Ledger::open(path, read_only());
  auto refused = [](auto&& call) {
    try {
      call();
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("read-only") != std::string::npos);
      return e.code() == ErrorCode::invalid_argument;
    }
    return false;
  };
  CHECK(refused([&] { reader.create_account({"new", "EUR", OverdraftRule::none, 0, ""}); }));
  CHECK(refused([&] { (void)reader.issue_key("till:1", "transfer"); }));
  CHECK(refused([&] { (void)reader.purge_keys(); }));
  CHECK(refused([&] { (void)reader.transfer(make_transfer("k", "world", "till", 1)); }));
  const TransferRequest batch[] = {make_transfer("b", "world", "till", 1)};
  CHECK(refused([&] { (void)reader.transfer_batch(batch); }));
  CHECK(refused([&] { (void)reader.reserve(ReserveRequest{}); }));
  CHECK(refused([&] { (void)reader.post(PostRequest{}); }));
  CHECK(refused([&] { (void)reader.void_pending(VoidRequest{}); }));
  CHECK(refused([&] { (void)reader.reverse(ReverseRequest{}); }));
  CHECK(refused([&] { (void)reader.expire_pending(); }));
  CHECK(file_bytes(path) == before);
}

TEST_CASE("a read-only open refuses an older schema unchanged and a writing open upgrades it") {
  TempDir dir;
  auto path = dir.file("v1.db");
  make_version_1_ledger(path, /*wal=*/true);
  const std::string before = file_bytes(path);
  CHECK(open_error(path, read_only()) == ErrorCode::older_schema);
  CHECK(file_bytes(path) == before);

  Ledger upgraded = Ledger::open(path);
  CHECK(upgraded.open_report().created == false);
  CHECK(upgraded.open_report().schema_version_before == 1);
  CHECK(upgraded.open_report().schema_version == detail::latest_schema_version());
  CHECK(upgraded.find_account("old-till"));
  CHECK(Ledger::open(path, read_only()).verify().ok());
}

TEST_CASE("a read-only open never creates: a missing path or an empty file is refused") {
  TempDir dir;
  CHECK(open_error(dir.file("missing.db"), read_only()) == ErrorCode::not_found);
  CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));
  auto empty = dir.file("empty.db");
  { std::ofstream touch(empty); }
  ::chmod(empty.c_str(), 0600);
  CHECK(open_error(empty, read_only()) == ErrorCode::not_a_ledger);
  CHECK(std::filesystem::file_size(empty) == 0);
}

TEST_CASE("open_report says created only for the open that made the ledger") {
  TempDir dir;
  auto path = dir.file("new.db");
  {
    Ledger first = Ledger::open(path);
    CHECK(first.open_report().created);
    CHECK(first.open_report().schema_version_before == 0);
  }
  Ledger again = Ledger::open(path);
  CHECK_FALSE(again.open_report().created);
  CHECK(again.open_report().schema_version_before == detail::latest_schema_version());
}
