// Compact storage of idempotency keys (src/key_encoding.h): exact both ways, and only for
// the two lowercase hex forms.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <SQLiteCpp/Database.h>

#include "key_encoding.h"
#include "ledger/ledger.h"
#include "test_support.h"

using namespace ledger;
using namespace ledger::detail;
using namespace ledger::testing;

namespace {

// Stores `key` the way the engine does and reads it back.
std::string round_trip(const std::string& key) {
  SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  db.exec("CREATE TABLE k (v ANY) STRICT");
  ledger::detail::Statement insert(db.getHandle(), "INSERT INTO k VALUES (?)");
  std::optional<ledger::detail::CompactKey> scratch;
  bind_key(insert, 1, key, scratch);
  insert.exec();
  ledger::detail::Statement select(db.getHandle(), "SELECT v FROM k");
  REQUIRE(select.executeStep());
  return key_from_column(select.getColumn(0));
}

}  // namespace

TEST_CASE("a lowercase UUID key is stored in 16 bytes and reads back exactly") {
  const std::string uuid = "0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5f6";
  auto bytes = compact_key(uuid);
  REQUIRE(bytes);
  CHECK(bytes->bytes().size() == 16);
  CHECK(static_cast<unsigned char>(bytes->bytes()[0]) == 0x0f);
  CHECK(static_cast<unsigned char>(bytes->bytes()[15]) == 0xf6);
  CHECK(round_trip(uuid) == uuid);
}

TEST_CASE("an issued key is stored in 22 bytes and reads back exactly") {
  const std::string issued = "0193a1b2c3d4-00112233445566778899aabbccddeeff";
  auto bytes = compact_key(issued);
  REQUIRE(bytes);
  CHECK(bytes->bytes().size() == 22);
  CHECK(round_trip(issued) == issued);
}

TEST_CASE("every other key is stored as its text") {
  for (const std::string key : {
           "0F8E2A4C-93B1-4D2E-8F00-A1B2C3D4E5F6",   // uppercase must read back uppercase
           "0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5f",    // one digit short
           "0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5f6a",  // one too many
           "0f8e2a4c93b1-4d2e-8f00-a1b2c3d4e5f6-",   // dashes misplaced
           "0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5fg",   // not hex
           "0193a1b2c3d4_00112233445566778899aabbccddeeff",
           "sale-1",
           "k",
       }) {
    CAPTURE(key);
    CHECK_FALSE(compact_key(key));
    CHECK(round_trip(key) == key);
  }
}

TEST_CASE("one wrong character anywhere in a hex-form key makes it a text key") {
  // Every position: a dash where a digit belongs, 'g' or 'A' in a digit's place, or a
  // digit in a dash's place.
  for (const std::string good : {"0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5f6",
                                 "0193a1b2c3d4-00112233445566778899aabbccddeeff"}) {
    REQUIRE(compact_key(good));
    for (std::size_t i = 0; i < good.size(); ++i) {
      for (char wrong : good[i] == '-' ? std::string("0a") : std::string("-gA")) {
        std::string key = good;
        key[i] = wrong;
        CAPTURE(key);
        CHECK_FALSE(compact_key(key));
      }
    }
  }
}

TEST_CASE("a UUID key and its uppercase twin are different keys of one principal") {
  TempDir dir;
  Ledger ledger = open_with_accounts(dir.file("case.db"));
  const std::string lower = "0f8e2a4c-93b1-4d2e-8f00-a1b2c3d4e5f6";
  const std::string upper = "0F8E2A4C-93B1-4D2E-8F00-A1B2C3D4E5F6";
  auto first = ledger.transfer(make_transfer(lower, "world", "till", 100));
  auto second = ledger.transfer(make_transfer(upper, "world", "till", 200));
  CHECK(first.outcome == Outcome::created);
  CHECK(second.outcome == Outcome::created);
  CHECK_FALSE(second.replayed);
  CHECK(ledger.transfer(make_transfer(lower, "world", "till", 100)).replayed);
  auto record = ledger.find_key("till:1", lower);
  REQUIRE(record);
  CHECK(record->key == lower);
  CHECK(ledger.find_key("till:1", upper)->key == upper);
  CHECK(ledger.journal(1, 10).at(0).key == lower);
  CHECK(ledger.verify().ok());
}

// The README's advice rests on this: issued keys, and UUIDv7 client keys, are stored with
// their millisecond timestamp first, so later keys sort after earlier ones and insert at
// the right edge of the (principal, key) index instead of on a random page.
TEST_CASE("issued keys and UUIDv7 keys are stored in time order") {
  TempDir dir;
  FakeClock clock;
  Options options;
  options.clock_ms = clock.function();
  Ledger ledger = Ledger::open(dir.file("ordered.db"), options);
  std::string previous;
  for (int i = 0; i < 50; ++i) {
    clock.advance_seconds(1);
    auto stored = compact_key(ledger.issue_key("till:1", "transfer").key);
    REQUIRE(stored);
    const std::string bytes(stored->bytes());
    CHECK(bytes > previous);  // std::string compares bytes as unsigned, as SQLite's memcmp
    previous = bytes;
  }
  // Two UUIDv7 keys (RFC 9562: 48-bit unix milliseconds first), one millisecond apart, whose
  // random parts are in the opposite order.
  auto earlier = compact_key("018f3a2b-0001-7fff-bfff-ffffffffffff");
  auto later = compact_key("018f3a2b-0002-7000-8000-000000000000");
  REQUIRE(earlier);
  REQUIRE(later);
  CHECK(std::string(earlier->bytes()) < std::string(later->bytes()));
}
