// Goal: money data is private: new ledgers, their -wal/-shm and backups are mode 0600
// whatever the umask; a backup never overwrites or follows a symlink; a world-writable
// ledger (or backup) is refused unless Options::allow_world_writable says otherwise.
// Method: real files under several umasks; modes read with stat(2).
#include <sys/stat.h>

#include "hostile_support.h"

using namespace ledger;
using namespace hostile;

namespace {

// Sets the process umask for the guard's lifetime.
class Umask {
 public:
  explicit Umask(mode_t mask) : previous_(::umask(mask)) {}
  ~Umask() { ::umask(previous_); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

 private:
  mode_t previous_;
};

}  // namespace

TEST_CASE("a new ledger and its -wal and -shm are mode 0600 whatever the umask") {
  TempDir dir;
  for (mode_t mask : {mode_t{0}, mode_t{022}, mode_t{077}}) {
    CAPTURE(mask);
    Umask umask(mask);
    auto path = dir.file("new-" + std::to_string(mask) + ".db");
    Ledger book = open_with_accounts(path);
    REQUIRE(book.transfer(transfer("k", "world", "till", 1)).ok());
    CHECK(file_mode(path) == 0600);
    REQUIRE(exists(path + "-wal"));
    CHECK(file_mode(path + "-wal") == 0600);
    REQUIRE(exists(path + "-shm"));
    CHECK(file_mode(path + "-shm") == 0600);
  }
}

TEST_CASE("a backup is mode 0600, complete, and never overwrites or follows a symlink") {
  TempDir dir;
  Umask umask(0);
  auto path = dir.file("live.db");
  Ledger book = open_with_accounts(path);
  REQUIRE(book.transfer(transfer("k", "world", "till", 250)).ok());
  auto copy = dir.file("backup.db");
  book.backup(copy);
  CHECK(file_mode(copy) == 0600);
  {
    Ledger restored = Ledger::open(copy);
    CHECK(restored.verify().ok());
    CHECK(balance(restored, "till") == 250);
  }
  SUBCASE("an existing file is not overwritten") {
    auto precious = dir.file("precious.txt");
    write_file(precious, "do not touch");
    try {
      book.backup(precious);
      FAIL("backup overwrote an existing file");
    } catch (const Error& e) {
      CHECK(e.code() == ErrorCode::invalid_argument);
    }
    CHECK(read_file(precious) == "do not touch");
  }
  SUBCASE("a symlink at the backup path is not followed") {
    auto target = dir.file("elsewhere.db");
    auto link = dir.file("link.db");
    std::filesystem::create_symlink(target, link);
    CHECK_THROWS_AS(book.backup(link), Error);
    CHECK_FALSE(exists(target));
  }
  SUBCASE("a missing directory is a clear error, not a crash") {
    try {
      book.backup(dir.file("no/such/dir/backup.db"));
      FAIL("backup into a missing directory succeeded");
    } catch (const Error& e) {
      CHECK(std::string(e.what()).find("no/such/dir") != std::string::npos);
    }
  }
}

TEST_CASE("a world-writable ledger or backup is refused unless explicitly allowed") {
  TempDir dir;
  auto path = dir.file("open.db");
  { open_with_accounts(path); }
  for (mode_t mode : {mode_t{0666}, mode_t{0602}, mode_t{0777}}) {
    CAPTURE(mode);
    REQUIRE(::chmod(path.c_str(), mode) == 0);
    const std::string before = read_file(path);
    Error e = open_error(path);
    CHECK(e.code() == ErrorCode::unsafe_file);
    CHECK(std::string(e.what()).find("chmod 600") != std::string::npos);
    CHECK(read_file(path) == before);
    CHECK(file_mode(path) == mode);  // refused, not silently "fixed"
  }
  Options allowed;
  allowed.allow_world_writable = true;
  Ledger book = Ledger::open(path, allowed);
  auto copy = dir.file("copy.db");
  book.backup(copy);
  CHECK(file_mode(copy) == 0600);  // a backup never inherits the unsafe mode
  REQUIRE(::chmod(copy.c_str(), 0666) == 0);
  CHECK(open_error(copy).code() == ErrorCode::unsafe_file);
  CHECK_NOTHROW((void)Ledger::open(copy, allowed));
  // Group-writable is the operator's business; only "everyone" is refused.
  REQUIRE(::chmod(copy.c_str(), 0660) == 0);
  CHECK_NOTHROW((void)Ledger::open(copy));
}

// The -wal is part of the database: whoever can write it can append frames that rewrite
// any balance (the hash chain is unkeyed, so a forger can recompute it). Before bd213db the
// engine checked only the main file's mode and wrote its frames into a planted 0666 -wal.
TEST_CASE("a world-writable -wal or -shm next to a private ledger is refused") {
  TempDir dir;
  for (const char* suffix : {"-wal", "-shm"}) {
    CAPTURE(suffix);
    auto path = dir.file(std::string("planted") + suffix + ".db");
    { open_with_accounts(path); }
    REQUIRE_FALSE(exists(path + suffix));
    write_file(path + suffix, "");
    REQUIRE(::chmod((path + suffix).c_str(), 0666) == 0);
    Error e = open_error(path);
    CHECK(e.code() == ErrorCode::unsafe_file);
  }
}
