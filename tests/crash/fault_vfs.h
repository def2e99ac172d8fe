// A fault-injecting SQLite VFS for the crash suite: a wrapper over the default (unix) VFS
// that a test installs as the process's default before opening a Ledger.
//
// It does two things, both off until a test turns them on:
//
// 1. I/O errors. Counts xRead, xWrite, xSync and xTruncate calls on the database, WAL and
//    journal files, and fails the Nth call of one kind with the matching SQLITE_IOERR_*
//    code (or SQLITE_FULL for a "disk full" write), once or for every later call too.
//
// 2. Power loss. Every write, truncate and sync goes to an in-memory image of the file
//    that reads also consult; only xSync moves the file's pending changes to the disk
//    (then syncs the real file). A simulated power loss throws the pending changes away,
//    either all of them or a random subset of their 512-byte sectors (each one written,
//    dropped or filled with junk, like SQLite's own crash test), and from then on the VFS
//    is "crashed": every later write, sync, truncate and delete is accepted and thrown
//    away, so closing the Ledger cannot repair the image (no checkpoint reaches the disk).
//    After the Ledger is closed, power_on() forgets the images and deletes the -shm files
//    (shared memory is not durable state), and the files on disk are what survived.
//
// The shared-memory methods (-shm, xShmMap) pass straight through, and memory-mapped I/O
// (xFetch) is not offered, so that every page read goes through xRead.
//
// Thread safety: the VFS state is guarded by a mutex, but the tests drive it from one
// thread. Change modes only while no Ledger is open.
#pragma once

#include <cstdint>
#include <string>

namespace crash {

enum class IoOp { read, write, sync, truncate };
inline constexpr int kIoOpCount = 4;
[[nodiscard]] const char* to_string(IoOp op);

// What an armed I/O fault does to the Nth call of `op`.
struct IoFault {
  IoOp op = IoOp::write;
  std::int64_t nth = 1;     // 1-based count of calls of `op` since arm_io_fault()
  bool persistent = false;  // also fail every later call of `op` until disarmed
  bool disk_full = false;   // writes only: SQLITE_FULL instead of SQLITE_IOERR_WRITE
};

// How a simulated power loss treats the writes that were not synced yet.
enum class LossMode {
  drop_all,        // nothing unsynced reaches the disk
  random_sectors,  // each 512-byte sector of each unsynced write: written, dropped or junk
};

struct VfsCounters {
  std::int64_t calls[kIoOpCount] = {};  // calls per IoOp since the last reset_call_counts()
  std::int64_t io_errors_injected = 0;
  std::int64_t power_losses = 0;
  std::int64_t sectors_written = 0;  // at power losses: unsynced sectors that survived
  std::int64_t sectors_dropped = 0;
  std::int64_t sectors_junked = 0;
};

class FaultVfs {
 public:
  // Registers the VFS (once per process) and makes it the default while the guard lives;
  // the previous default is restored by the destructor.
  class Install {
   public:
    Install();
    ~Install();
    Install(const Install&) = delete;
    Install& operator=(const Install&) = delete;
  };

  // --- I/O errors ---------------------------------------------------------------------
  static void arm_io_fault(const IoFault& fault);  // also resets the call counts
  static void disarm_io_fault();
  static void reset_call_counts();
  [[nodiscard]] static VfsCounters counters();

  // --- power loss ---------------------------------------------------------------------
  // REQUIRES: no file is open through the VFS.
  static void set_power_loss_mode(bool on, std::uint64_t seed = 0);
  // Loses power before the `nth` write/truncate/sync from now (1 = the very next one), or
  // never with 0. The Ledger call in flight then carries on against the image.
  static void crash_before_mutation(std::int64_t nth, LossMode mode);
  // Loses power now, between two calls.
  static void crash_now(LossMode mode);
  [[nodiscard]] static bool crashed();
  // Powers the machine back on after the Ledger was closed: forgets every image, deletes
  // `db_path`-shm, and keeps power-loss mode as it was. REQUIRES: no file is open.
  static void power_on(const std::string& db_path);
  // Mutating calls (write, truncate, sync) seen in power-loss mode since the last
  // power_on() or set_power_loss_mode(): lets a test pick a crash point inside a run.
  [[nodiscard]] static std::int64_t mutations();
};

}  // namespace crash
