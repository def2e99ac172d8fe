// Goal: the -wal (and -shm) files a crashed process leaves behind, copied as they were or
// damaged afterwards, never make the engine crash, resurrect an uncommitted change or
// "repair" money: after reopening, the ledger verifies and holds exactly what was
// committed (or, for a WAL cut short, exactly a prefix of it).
// Method: a forked child commits transfers through the engine, then starts a raw SQLite
// transaction that rewrites a balance and spills uncommitted pages into the WAL, and is
// SIGKILLed mid-transaction; the parent copies the files while the child still holds them
// and reopens copies: as left, without -shm, with a torn or flipped WAL, with a junk -shm.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile_support.h"

using namespace ledger;
using namespace hostile;

namespace {

constexpr int kCommitted = 24;

std::int64_t amount_of(int i) { return 100 + i; }

// The engine cache (32 MiB) never spills a transfer's pages before commit; a raw
// connection with a 10-page cache does, so the WAL gets uncommitted frames, as a crash in
// the middle of a large transaction leaves it.
[[noreturn]] void child_commit_then_hang(const std::string& path, int ready_fd) {
  int status = 1;
  try {
    Ledger book = Ledger::open(path);  // kept open: its frames stay in the WAL
    for (int i = 0; i < kCommitted; ++i) {
      if (!book.transfer(transfer("w" + std::to_string(i), "world", "till", amount_of(i))).ok()) {
        ::_exit(2);
      }
    }
    sqlite3* raw = nullptr;
    if (sqlite3_open(path.c_str(), &raw) != SQLITE_OK) ::_exit(3);
    const char* sql =
        "PRAGMA cache_size = 10; BEGIN IMMEDIATE;"
        "UPDATE accounts SET balance = balance + 1000000 WHERE code = 'till';"
        "UPDATE accounts SET balance = balance - 1000000 WHERE code = 'world';"
        "CREATE TABLE junk (x BLOB);"
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400)"
        "  INSERT INTO junk SELECT randomblob(2000) FROM n;";
    if (sqlite3_exec(raw, sql, nullptr, nullptr, nullptr) != SQLITE_OK) ::_exit(4);
    status = 0;
  } catch (...) {
    ::_exit(5);
  }
  char ready = static_cast<char>(status);
  (void)!::write(ready_fd, &ready, 1);
  for (;;) ::pause();  // holds the write lock and the uncommitted frames until killed
}

void copy_set(const std::string& from, const std::string& to, bool with_shm) {
  std::filesystem::copy_file(from, to);
  std::filesystem::copy_file(from + "-wal", to + "-wal");
  if (with_shm) std::filesystem::copy_file(from + "-shm", to + "-shm");
}

// Forks the child, waits until it is mid-transaction, snapshots the files into `copy`
// while it holds them, then SIGKILLs it.
void crash_mid_transaction(const std::string& path, const std::string& copy) {
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(pipe_fds[0]);
    child_commit_then_hang(path, pipe_fds[1]);
  }
  ::close(pipe_fds[1]);
  char ready = 1;
  bool got = ::read(pipe_fds[0], &ready, 1) == 1;
  ::close(pipe_fds[0]);
  if (got && ready == 0) copy_set(path, copy, true);
  ::kill(pid, SIGKILL);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE_MESSAGE(got, "the child died before it was ready, status " << status);
  REQUIRE(ready == 0);
  REQUIRE(std::filesystem::file_size(path + "-wal") > 400 * 2000);
}

std::int64_t sum_of_first(std::int64_t rows) {
  std::int64_t sum = 0;
  for (int i = 0; i < rows; ++i) sum += amount_of(i);
  return sum;
}

// The ledger at `path` must verify, hold no trace of the uncommitted transaction, and hold
// the first N committed transfers for some N in [min_rows, kCommitted], with balances
// equal to exactly those N transfers; then it must keep working.
void expect_committed_prefix(const std::string& path, std::int64_t min_rows) {
  Ledger book = Ledger::open(path);
  VerifyReport report = book.verify();
  for (const auto& v : report.violations) MESSAGE(v.kind << " at " << v.where << ": " << v.detail);
  CHECK(report.ok());
  std::int64_t rows = report.journal_rows_checked;
  MESSAGE("recovered " << rows << " of " << kCommitted << " committed transfers");
  CHECK(rows >= min_rows);
  CHECK(rows <= kCommitted);
  CHECK(balance(book, "till") == sum_of_first(rows));
  CHECK(balance(book, "world") == -sum_of_first(rows));
  CHECK(raw_value(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'junk'") == "0");
  CHECK(raw_value(path, "PRAGMA integrity_check") == "ok");
  // Keys of committed transfers replay; the next one executes once.
  if (rows > 0) CHECK(book.transfer(transfer("w0", "world", "till", amount_of(0))).replayed);
  auto next = book.transfer(transfer("after-crash", "world", "till", 7));
  CHECK(next.ok());
  CHECK_FALSE(next.replayed);
  CHECK(balance(book, "till") == sum_of_first(rows) + 7);
  CHECK(book.verify().ok());
}

struct CrashedLedger {
  TempDir dir{"wal"};
  std::string path = dir.file("crashed.db");
  std::string copy = dir.file("copy.db");
  CrashedLedger() {
    { open_with_accounts(path); }
    crash_mid_transaction(path, copy);
  }
};

}  // namespace

TEST_CASE("a WAL left by a process killed mid-transaction recovers exactly what was committed") {
  CrashedLedger crashed;
  SUBCASE("in place, where the killed process left it") {
    expect_committed_prefix(crashed.path, kCommitted);
  }
  SUBCASE("a copy of the database, -wal and -shm taken while the transaction was open") {
    expect_committed_prefix(crashed.copy, kCommitted);
  }
  SUBCASE("the database and -wal without the -shm (the WAL index is rebuilt)") {
    auto bare = crashed.dir.file("bare.db");
    copy_set(crashed.copy, bare, false);
    expect_committed_prefix(bare, kCommitted);
  }
  SUBCASE("a -shm full of junk next to the WAL") {
    auto junk = crashed.dir.file("junkshm.db");
    copy_set(crashed.copy, junk, false);
    write_file(junk + "-shm", std::string(32768, '\x5a'));
    expect_committed_prefix(junk, kCommitted);
  }
}

TEST_CASE("a torn or damaged WAL loses at most a suffix of commits and never invents money") {
  CrashedLedger crashed;
  const std::string wal = read_file(crashed.copy + "-wal");
  REQUIRE(wal.size() > 65536);
  std::uint64_t seed = std::random_device{}();
  CAPTURE(seed);
  std::mt19937_64 random(seed);
  for (int round = 0; round < 12; ++round) {
    CAPTURE(round);
    std::string damaged = wal;
    // Half the rounds cut the WAL short (a torn write), half flip one byte somewhere.
    std::size_t at = 32 + random() % (wal.size() - 32);
    if (round % 2 == 0) {
      damaged.resize(at);
    } else {
      damaged[at] = static_cast<char>(damaged[at] ^ (1 + random() % 255));
    }
    CAPTURE(at);
    auto path = crashed.dir.file("damaged-" + std::to_string(round) + ".db");
    std::filesystem::copy_file(crashed.copy, path);
    write_file(path + "-wal", damaged);
    expect_committed_prefix(path, 0);
  }
}

// A WAL belongs to the database it was written for; one from another ledger (an operator
// copying files by hand) carries the wrong salts for nothing here, but valid frames of
// another file. Whatever SQLite makes of it, the engine must not crash, and verify must
// either pass on a self-consistent state or report the damage.
TEST_CASE("the WAL of another ledger next to a ledger never crashes the engine") {
  CrashedLedger crashed;
  TempDir other_dir;
  auto other = other_dir.file("other.db");
  {
    Ledger book = open_with_accounts(other);
    CHECK(book.transfer(transfer("o1", "world", "customer", 5)).ok());
  }
  std::filesystem::copy_file(crashed.copy + "-wal", other + "-wal");
  try {
    Ledger book = Ledger::open(other);
    VerifyReport report = book.verify();
    MESSAGE("foreign WAL: verify " << std::string(report.ok() ? "ok" : "reports damage") << ", "
                                   << report.journal_rows_checked << " journal rows");
    if (report.ok()) {
      std::int64_t total = 0;
      for (const Account& account : book.list_accounts()) total += account.balance_minor;
      CHECK(total == 0);
    }
  } catch (const Error& e) {
    std::string message = e.what();
    MESSAGE("foreign WAL: refused: " << message);
    CHECK(message.size() > 30);
  }
}
