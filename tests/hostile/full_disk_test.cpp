// Goal: a full disk makes writes fail with a transient I/O error that names the cause and
// stores nothing partial; reads and verify keep working; once there is room again the
// same key executes exactly once; closing and creating ledgers on a full disk lose nothing
// acknowledged and leave files that open.
// Method: two disks. A real one: a 2 MiB tmpfs, filled with a filler file (needs mount
// rights; skipped with a message otherwise). A simulated one that runs everywhere: the
// quota VFS (quota_vfs.h), whose budget drops to zero. Each runs the same scenarios.
#include <fcntl.h>
#include <unistd.h>

#include <functional>

#include "hostile_support.h"
#include "mounts.h"
#include "quota_vfs.h"

using namespace ledger;
using namespace hostile;

namespace {

struct Disk {
  std::string dir;                         // where the ledger files go
  std::function<void(std::int64_t)> fill;  // leaves about this many bytes to grow files
  std::function<void()> make_room;         // frees the room again
};

// Fills the file system of `dir` with `dir`/filler until write() reports ENOSPC, then gives
// `room` bytes back.
void fill_with_filler(const std::string& dir, std::int64_t room) {
  int fd = ::open((dir + "/filler").c_str(), O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  const std::string block(65536, 'f');
  for (std::size_t chunk :
       {std::size_t{65536}, std::size_t{4096}, std::size_t{512}, std::size_t{1}}) {
    while (::write(fd, block.data(), chunk) == static_cast<ssize_t>(chunk)) {
    }
  }
  off_t size = ::lseek(fd, 0, SEEK_END);
  REQUIRE(::ftruncate(fd, size > room ? size - room : 0) == 0);
  ::close(fd);
}

struct Ack {
  Ledger book;
  std::int64_t till = 0;  // what acknowledged transfers put on `till`
};

// Commits transfers until the disk refuses one; returns the refused request.
TransferRequest transfer_until_full(Ack& ack, const std::string& prefix, const Disk& disk) {
  for (int i = 0; i < 10; ++i) {
    auto request = transfer(prefix + "-before-" + std::to_string(i), "world", "till", 1000);
    REQUIRE(ack.book.transfer(request).ok());
    ack.till += request.amount_minor;
  }
  // Some room left: a few transfers fit, then one runs out of space half-way.
  disk.fill(64 * 1024);
  for (int i = 0; i < 5000; ++i) {
    auto request = transfer(prefix + std::to_string(i), "world", "till", 1 + i % 50);
    request.memo = std::string(300, 'm');  // grows the WAL faster
    try {
      auto result = ack.book.transfer(request);
      REQUIRE(result.ok());
      ack.till += request.amount_minor;
    } catch (const Error& e) {
      std::string message = e.what();
      MESSAGE("disk full after " << i << " transfers: " << message);
      CHECK(e.code() == ErrorCode::io);
      CHECK(e.transient());
      CHECK((e.sqlite_code() & 0xff) == SQLITE_FULL);
      CHECK(message.find("full") != std::string::npos);
      CHECK(message.find("retry with the same key") != std::string::npos);
      return request;
    }
  }
  FAIL("the disk never filled up");
  return {};
}

void expect_state(Ledger& book, std::int64_t till, const TransferRequest& refused) {
  CHECK(balance(book, "till") == till);
  CHECK(balance(book, "world") == -till);
  CHECK_FALSE(book.find_key(refused.principal, refused.key).has_value());
  VerifyReport report = book.verify();
  CHECK(report.ok());
}

void writes_fail_transiently_then_heal(const Disk& disk) {
  Ack ack{open_with_accounts(disk.dir + "/full.db")};
  TransferRequest refused = transfer_until_full(ack, "a", disk);
  expect_state(ack.book, ack.till, refused);
  // Still full: the retry fails the same way and still stores nothing.
  CHECK_THROWS_AS((void)ack.book.transfer(refused), Error);
  CHECK_FALSE(ack.book.find_key(refused.principal, refused.key).has_value());
  disk.make_room();
  auto retried = ack.book.transfer(refused);
  CHECK(retried.ok());
  CHECK_FALSE(retried.replayed);
  CHECK(ack.book.transfer(refused).replayed);
  ack.till += refused.amount_minor;
  CHECK(balance(ack.book, "till") == ack.till);
  CHECK(ack.book.verify().ok());
}

void closing_on_a_full_disk_loses_nothing(const Disk& disk) {
  const std::string path = disk.dir + "/closed.db";
  std::int64_t till = 0;
  TransferRequest refused;
  {
    Ack ack{open_with_accounts(path)};
    refused = transfer_until_full(ack, "b", disk);
    till = ack.till;
  }  // closing wants to checkpoint the WAL into the full disk
  disk.make_room();
  Ledger book = Ledger::open(path);
  expect_state(book, till, refused);
  CHECK(book.transfer(refused).ok());
}

void creating_on_a_full_disk_fails_clearly_then_works(const Disk& disk) {
  const std::string path = disk.dir + "/new.db";
  disk.fill(0);
  try {
    Ledger book = Ledger::open(path);
    FAIL("a ledger was created on a full disk");
  } catch (const Error& e) {
    std::string message = e.what();
    CAPTURE(message);
    CHECK(e.code() == ErrorCode::io);
    CHECK(message.find("full") != std::string::npos);
  }
  disk.make_room();
  Ledger book = open_with_accounts(path);
  CHECK(book.verify().ok());
  CHECK(book.transfer(transfer("first", "world", "till", 1)).ok());
}

void run_scenarios(const std::function<Disk()>& make_disk) {
  SUBCASE("writes fail transiently, store nothing, and the same key works once there is room") {
    writes_fail_transiently_then_heal(make_disk());
  }
  SUBCASE("a ledger closed while the disk is full loses no acknowledged transfer") {
    closing_on_a_full_disk_loses_nothing(make_disk());
  }
  SUBCASE("creating a ledger on a full disk fails clearly and works once there is room") {
    creating_on_a_full_disk_fails_clearly_then_works(make_disk());
  }
}

}  // namespace

TEST_CASE("a full disk (a 2 MiB tmpfs) fails writes transiently and heals without loss") {
  std::string why_not;
  if (!private_mounts(why_not)) {
    skip("cannot mount a tmpfs here (" + why_not + "); the quota-VFS test covers a full disk");
    return;
  }
  TempDir dir("fulldisk");
  const std::string mount_point = dir.file("tmpfs");
  ScopedMount tmpfs = ScopedMount::tmpfs(mount_point, 2 << 20);
  if (!tmpfs.ok()) {
    skip("cannot mount a tmpfs here (" + tmpfs.error() + ")");
    return;
  }
  run_scenarios([&] {
    for (const auto& entry : std::filesystem::directory_iterator(mount_point)) {
      std::filesystem::remove_all(entry.path());
    }
    return Disk{mount_point, [&](std::int64_t room) { fill_with_filler(mount_point, room); },
                [&] { std::filesystem::remove(mount_point + "/filler"); }};
  });
}

TEST_CASE("a full disk (the quota VFS) fails writes transiently and heals without loss") {
  TempDir dir("quota");
  QuotaVfs::Install quota;
  run_scenarios([&] {
    return Disk{dir.path().string(), [](std::int64_t room) { QuotaVfs::set_budget(room); },
                [] { QuotaVfs::set_budget(-1); }};
  });
  CHECK(QuotaVfs::full_errors() > 0);
}
