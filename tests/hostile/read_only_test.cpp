// Goal: a ledger the process cannot write (a read-only mount, or a mode-0400 file of
// another user) fails with a clear ledger::Error that says the file cannot be written,
// never crashes, and is left unchanged; no write "half works".
// Method: a real read-only bind mount (needs mount rights, which root has here: file
// permission bits do not stop root, a read-only mount does), and a 0400 file opened by a
// forked child that dropped to an unprivileged user (or by this process when not root).
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hostile_support.h"
#include "mounts.h"

using namespace ledger;
using namespace hostile;

namespace {

// The outcome of trying to use a ledger that cannot be written, as text a child process
// can send back: "refused <code>: <message>" or "opened; transfer <code>: <message>".
std::string try_to_write(const std::string& path) {
  std::optional<Ledger> book;
  try {
    book.emplace(Ledger::open(path));
  } catch (const Error& e) {
    return std::string("refused ") + to_string(e.code()) + ": " + e.what();
  } catch (const std::exception& e) {
    return std::string("refused by a non-ledger exception: ") + e.what();
  }
  try {
    auto result = book->transfer(transfer("ro-1", "world", "till", 5));
    return std::string("opened; transfer ") + to_string(result.outcome);
  } catch (const Error& e) {
    return std::string("opened; transfer ") + to_string(e.code()) + ": " + e.what();
  }
}

// What the engine must say: a refusal (or a failed write) classed as an I/O problem that
// names permissions or read-only-ness, so the operator knows what to fix.
void expect_clear_refusal(const std::string& outcome) {
  CAPTURE(outcome);
  bool refused_open = outcome.rfind("refused io: ", 0) == 0;
  bool refused_write = outcome.rfind("opened; transfer io: ", 0) == 0;
  CHECK((refused_open || refused_write));
  bool names_cause = outcome.find("read-only") != std::string::npos ||
                     outcome.find("readonly") != std::string::npos ||
                     outcome.find("permission") != std::string::npos ||
                     outcome.find("cannot be written") != std::string::npos;
  CHECK(names_cause);
}

std::string make_ledger(const TempDir& dir) {
  auto path = dir.file("ro.db");
  Ledger book = open_with_accounts(path);
  REQUIRE(book.transfer(transfer("before", "world", "till", 100)).ok());
  return path;
}

// Runs try_to_write in a child that became `user` (uid/gid), returning its text.
std::string try_to_write_as(const std::string& path, uid_t uid, gid_t gid) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::string text =
        (::setgid(gid) == 0 && ::setuid(uid) == 0) ? try_to_write(path) : "cannot drop privileges";
    (void)!::write(fds[1], text.data(), text.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string text;
  char buffer[512];
  for (ssize_t n; (n = ::read(fds[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(fds[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK_MESSAGE(WIFEXITED(status), "the child died of signal " << WTERMSIG(status));
  return text;
}

}  // namespace

namespace {

// Tries to write the ledger at `path` through a read-only bind mount of its directory,
// then checks that the ledger itself was left unchanged. Empty if the mount was possible.
std::string write_through_read_only_mount(std::string& outcome) {
  std::string why_not;
  if (!private_mounts(why_not)) return "cannot mount here (" + why_not + ")";
  TempDir dir("readonly");
  auto path = make_ledger(dir);
  const std::string before = read_file(path);
  const std::string ro_dir = dir.file("ro-view");
  {
    ScopedMount view = ScopedMount::read_only_bind(dir.path().string(), ro_dir);
    if (!view.ok()) return "cannot make a read-only bind mount here (" + view.error() + ")";
    outcome = try_to_write(ro_dir + "/ro.db");
  }
  CHECK(read_file(path) == before);
  Ledger book = Ledger::open(path);
  CHECK(book.journal().size() == 1);
  CHECK_FALSE(book.find_key("till:1", "ro-1").has_value());
  return "";
}

}  // namespace

TEST_CASE("a ledger on a read-only mount is refused without a crash and left unchanged") {
  std::string outcome;
  if (auto why_not = write_through_read_only_mount(outcome); !why_not.empty()) {
    skip(why_not + "; the mode-0400 test covers non-root users");
    return;
  }
  CAPTURE(outcome);
  CHECK(outcome.rfind("refused", 0) == 0);
  CHECK(outcome.find("non-ledger exception") == std::string::npos);
}

// SQLite cannot create the -shm/-wal files next to a WAL ledger on a read-only file system
// and says SQLITE_CANTOPEN; before bd213db the engine translated that into not_a_ledger
// ("check that the path is a readable file, not a directory"), so ledgerctl exited 5 and
// an operator was told a valid ledger is not one. Now: ErrorCode::io, naming the cause.
TEST_CASE("a ledger on a read-only mount is reported as unwritable, not as not a ledger") {
  std::string outcome;
  if (auto why_not = write_through_read_only_mount(outcome); !why_not.empty()) {
    skip(why_not);
    return;
  }
  expect_clear_refusal(outcome);
}

TEST_CASE("a mode-0400 ledger of another user fails with a clear error and is left unchanged") {
  TempDir dir("readonly-mode");
  auto path = make_ledger(dir);
  const std::string before = read_file(path);
  REQUIRE(::chmod(path.c_str(), 0400) == 0);
  std::string outcome;
  if (::geteuid() == 0) {
    // Permission bits do not stop root: check as the unprivileged `nobody`, who owns the
    // file (so can read it) but not its write bit; the directory is searchable by all.
    const passwd* nobody = ::getpwnam("nobody");
    if (nobody == nullptr) {
      skip("running as root and there is no user `nobody` to drop to");
      return;
    }
    REQUIRE(::chown(path.c_str(), nobody->pw_uid, nobody->pw_gid) == 0);
    REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
    outcome = try_to_write_as(path, nobody->pw_uid, nobody->pw_gid);
  } else {
    outcome = try_to_write(path);
  }
  expect_clear_refusal(outcome);
  CHECK(read_file(path) == before);
  // Where the directory is writable, SQLite may leave an empty -wal: nothing was written.
  if (exists(path + "-wal")) CHECK(std::filesystem::file_size(path + "-wal") == 0);
}
