// The fault-injecting VFS: see fault_vfs.h for the contract.
#include "fault_vfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <vector>

namespace crash {

const char* to_string(IoOp op) {
  switch (op) {
    case IoOp::read:
      return "read";
    case IoOp::write:
      return "write";
    case IoOp::sync:
      return "sync";
    case IoOp::truncate:
      return "truncate";
  }
  return "?";
}

namespace {

constexpr std::int64_t kSectorBytes = 512;

// One change not yet synced: a write of `data` at `offset`, or a truncate to `offset`.
struct PendingOp {
  bool truncate = false;
  sqlite3_int64 offset = 0;
  std::vector<unsigned char> data;
};

// What the process sees of one file in power-loss mode, and what is not on disk yet.
struct Image {
  std::vector<unsigned char> bytes;
  std::vector<PendingOp> unsynced;
};

struct FileInfo {
  std::string path;
  bool tracked = false;  // database, WAL or journal: counted and faulted
  bool imaged = false;   // power-loss mode was on when it was opened
};

// SQLite allocates szOsFile bytes per open file; ours holds the real file right after.
struct FaultFile {
  sqlite3_file base;
  sqlite3_file* real;
  FileInfo* info;
};

constexpr std::size_t kHeaderBytes = (sizeof(FaultFile) + 15) & ~std::size_t{15};

struct State {
  std::mutex mu;
  sqlite3_vfs* base = nullptr;
  sqlite3_vfs vfs{};
  std::optional<IoFault> fault;
  VfsCounters counters;
  bool power_loss = false;
  bool crashed = false;
  std::mt19937_64 rng;
  std::int64_t crash_countdown = 0;
  LossMode crash_mode = LossMode::drop_all;
  std::int64_t mutations = 0;
  int open_files = 0;
  std::map<std::string, Image> images;
};

State& state() {
  static State s;
  return s;
}

FaultFile* as_fault(sqlite3_file* file) { return reinterpret_cast<FaultFile*>(file); }

// Counts a call and says which error, if any, the armed fault injects into it.
int injected_error(State& s, const FileInfo& info, IoOp op) {
  if (!info.tracked) return SQLITE_OK;
  std::int64_t count = ++s.counters.calls[static_cast<int>(op)];
  if (!s.fault || s.fault->op != op) return SQLITE_OK;
  bool hit = count == s.fault->nth || (s.fault->persistent && count > s.fault->nth);
  if (!hit) return SQLITE_OK;
  ++s.counters.io_errors_injected;
  switch (op) {
    case IoOp::read:
      return SQLITE_IOERR_READ;
    case IoOp::write:
      return s.fault->disk_full ? SQLITE_FULL : SQLITE_IOERR_WRITE;
    case IoOp::sync:
      return SQLITE_IOERR_FSYNC;
    case IoOp::truncate:
      return SQLITE_IOERR_TRUNCATE;
  }
  return SQLITE_IOERR;
}

// Writes bytes straight to the file on disk, bypassing SQLite: used to let the chosen
// sectors survive a power loss, and to flush images when power-loss mode is turned off.
void disk_write(const std::string& path, const PendingOp& op, const unsigned char* data,
                sqlite3_int64 offset, std::size_t n) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return;  // the file is gone: nothing of it can survive
  if (op.truncate) {
    [[maybe_unused]] int rc = ::ftruncate(fd, op.offset);
  } else {
    [[maybe_unused]] ssize_t written = ::pwrite(fd, data, n, offset);
  }
  ::close(fd);
}

void disk_apply(const std::string& path, const PendingOp& op) {
  disk_write(path, op, op.data.data(), op.offset, op.data.size());
}

// Decides, sector by sector, what of one unsynced write reaches the disk at a power loss.
// Only the bytes the write covered can be damaged (SQLite relies on "powersafe overwrite").
void lose_write_sectors(State& s, const std::string& path, const PendingOp& op) {
  sqlite3_int64 end = op.offset + static_cast<sqlite3_int64>(op.data.size());
  for (sqlite3_int64 at = op.offset; at < end;) {
    sqlite3_int64 piece_end = std::min(end, (at / kSectorBytes + 1) * kSectorBytes);
    auto n = static_cast<std::size_t>(piece_end - at);
    const unsigned char* data = op.data.data() + (at - op.offset);
    switch (s.rng() % 3) {
      case 0:
        disk_write(path, op, data, at, n);
        ++s.counters.sectors_written;
        break;
      case 1:
        ++s.counters.sectors_dropped;
        break;
      default: {
        std::vector<unsigned char> junk(n);
        for (auto& byte : junk) byte = static_cast<unsigned char>(s.rng());
        disk_write(path, op, junk.data(), at, n);
        ++s.counters.sectors_junked;
      }
    }
    at = piece_end;
  }
}

void lose_power(State& s, LossMode mode) {
  for (auto& [path, image] : s.images) {
    for (const PendingOp& op : image.unsynced) {
      auto sectors = static_cast<std::int64_t>((op.data.size() + kSectorBytes - 1) / kSectorBytes);
      if (mode == LossMode::drop_all) {
        s.counters.sectors_dropped += sectors;
      } else if (op.truncate) {
        if (s.rng() % 2 == 0) disk_apply(path, op);
      } else {
        lose_write_sectors(s, path, op);
      }
    }
    image.unsynced.clear();
  }
  s.crashed = true;
  s.crash_countdown = 0;
  ++s.counters.power_losses;
}

// Counts a write, truncate or sync in power-loss mode; loses power first if it is due.
// Returns true if the call must be thrown away because the power is off.
bool power_is_off_for_mutation(State& s) {
  ++s.mutations;
  if (s.crash_countdown > 0 && --s.crash_countdown == 0) lose_power(s, s.crash_mode);
  return s.crashed;
}

void apply_to_image(Image& image, const PendingOp& op) {
  if (op.truncate) {
    image.bytes.resize(static_cast<std::size_t>(op.offset));
    return;
  }
  std::size_t end = static_cast<std::size_t>(op.offset) + op.data.size();
  if (image.bytes.size() < end) image.bytes.resize(end);
  std::memcpy(image.bytes.data() + op.offset, op.data.data(), op.data.size());
}

// --- io methods -------------------------------------------------------------------------

int fault_close(sqlite3_file* file) {
  FaultFile* f = as_fault(file);
  int rc = f->real->pMethods != nullptr ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  {
    std::lock_guard lock(state().mu);
    --state().open_files;
  }
  delete f->info;
  f->info = nullptr;
  return rc;
}

int fault_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  FaultFile* f = as_fault(file);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int rc = injected_error(s, *f->info, IoOp::read); rc != SQLITE_OK) return rc;
  if (!f->info->imaged) return f->real->pMethods->xRead(f->real, out, amount, offset);
  const auto& bytes = s.images[f->info->path].bytes;
  auto size = static_cast<sqlite3_int64>(bytes.size());
  sqlite3_int64 available =
      std::max<sqlite3_int64>(0, std::min<sqlite3_int64>(amount, size - offset));
  if (available > 0) std::memcpy(out, bytes.data() + offset, static_cast<std::size_t>(available));
  if (available == amount) return SQLITE_OK;
  // SQLite requires the unread tail of a short read to be zero-filled.
  std::memset(static_cast<char*>(out) + available, 0, static_cast<std::size_t>(amount - available));
  return SQLITE_IOERR_SHORT_READ;
}

int fault_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  FaultFile* f = as_fault(file);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int rc = injected_error(s, *f->info, IoOp::write); rc != SQLITE_OK) return rc;
  if (!f->info->imaged) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  PendingOp op;
  op.offset = offset;
  const auto* bytes = static_cast<const unsigned char*>(data);
  op.data.assign(bytes, bytes + amount);
  bool off = power_is_off_for_mutation(s);
  Image& image = s.images[f->info->path];
  apply_to_image(image, op);
  if (!off) image.unsynced.push_back(std::move(op));
  return SQLITE_OK;
}

int fault_truncate(sqlite3_file* file, sqlite3_int64 size) {
  FaultFile* f = as_fault(file);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int rc = injected_error(s, *f->info, IoOp::truncate); rc != SQLITE_OK) return rc;
  if (!f->info->imaged) return f->real->pMethods->xTruncate(f->real, size);
  PendingOp op;
  op.truncate = true;
  op.offset = size;
  bool off = power_is_off_for_mutation(s);
  Image& image = s.images[f->info->path];
  apply_to_image(image, op);
  if (!off) image.unsynced.push_back(std::move(op));
  return SQLITE_OK;
}

int fault_sync(sqlite3_file* file, int flags) {
  FaultFile* f = as_fault(file);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (int rc = injected_error(s, *f->info, IoOp::sync); rc != SQLITE_OK) return rc;
  sqlite3_file* real = f->real;
  if (!f->info->imaged) return real->pMethods->xSync(real, flags);
  if (power_is_off_for_mutation(s)) return SQLITE_OK;
  Image& image = s.images[f->info->path];
  for (const PendingOp& op : image.unsynced) {
    int rc = op.truncate ? real->pMethods->xTruncate(real, op.offset)
                         : real->pMethods->xWrite(real, op.data.data(),
                                                  static_cast<int>(op.data.size()), op.offset);
    if (rc != SQLITE_OK) return rc;
  }
  image.unsynced.clear();
  return real->pMethods->xSync(real, flags);
}

int fault_file_size(sqlite3_file* file, sqlite3_int64* size) {
  FaultFile* f = as_fault(file);
  State& s = state();
  std::lock_guard lock(s.mu);
  if (!f->info->imaged) return f->real->pMethods->xFileSize(f->real, size);
  *size = static_cast<sqlite3_int64>(s.images[f->info->path].bytes.size());
  return SQLITE_OK;
}

int fault_lock(sqlite3_file* file, int level) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xLock(real, level);
}

int fault_unlock(sqlite3_file* file, int level) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xUnlock(real, level);
}

int fault_check_reserved(sqlite3_file* file, int* out) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xCheckReservedLock(real, out);
}

int fault_file_control(sqlite3_file* file, int op, void* arg) {
  FaultFile* f = as_fault(file);
  // A size hint makes the unix VFS extend the real file behind the image's back.
  if (f->info->imaged && op == SQLITE_FCNTL_SIZE_HINT) return SQLITE_OK;
  return f->real->pMethods->xFileControl(f->real, op, arg);
}

int fault_sector_size(sqlite3_file* file) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xSectorSize(real);
}

int fault_device_characteristics(sqlite3_file* file) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xDeviceCharacteristics(real);
}

int fault_shm_map(sqlite3_file* file, int page, int page_bytes, int extend, void volatile** out) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xShmMap(real, page, page_bytes, extend, out);
}

int fault_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xShmLock(real, offset, n, flags);
}

void fault_shm_barrier(sqlite3_file* file) {
  sqlite3_file* real = as_fault(file)->real;
  real->pMethods->xShmBarrier(real);
}

int fault_shm_unmap(sqlite3_file* file, int delete_flag) {
  sqlite3_file* real = as_fault(file)->real;
  return real->pMethods->xShmUnmap(real, delete_flag);
}

// Version 2: shared memory yes, memory-mapped I/O (xFetch) no.
const sqlite3_io_methods kMethods = {
    2,
    fault_close,
    fault_read,
    fault_write,
    fault_truncate,
    fault_sync,
    fault_file_size,
    fault_lock,
    fault_unlock,
    fault_check_reserved,
    fault_file_control,
    fault_sector_size,
    fault_device_characteristics,
    fault_shm_map,
    fault_shm_lock,
    fault_shm_barrier,
    fault_shm_unmap,
    nullptr,
    nullptr,
};

// --- vfs methods ------------------------------------------------------------------------

// Loads what is on disk as the starting image of a file opened in power-loss mode.
void load_image(State& s, const std::string& path, sqlite3_file* real) {
  if (s.images.count(path) != 0) return;
  Image& image = s.images[path];
  sqlite3_int64 size = 0;
  if (real->pMethods->xFileSize(real, &size) != SQLITE_OK || size <= 0) return;
  image.bytes.resize(static_cast<std::size_t>(size));
  [[maybe_unused]] int rc =
      real->pMethods->xRead(real, image.bytes.data(), static_cast<int>(size), 0);
}

int fault_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
  State& s = state();
  auto* f = reinterpret_cast<FaultFile*>(file);
  f->base.pMethods = nullptr;
  f->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kHeaderBytes);
  f->info = nullptr;
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  int rc = base->xOpen(base, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) return rc;
  auto info = std::make_unique<FileInfo>();
  constexpr int kTracked = SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL;
  info->tracked = name != nullptr && (flags & kTracked) != 0;
  if (info->tracked) info->path = name;
  std::lock_guard lock(s.mu);
  info->imaged = info->tracked && s.power_loss;
  if (info->imaged) load_image(s, info->path, f->real);
  ++s.open_files;
  f->info = info.release();
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int fault_delete(sqlite3_vfs* vfs, const char* path, int sync_dir) {
  State& s = state();
  {
    std::lock_guard lock(s.mu);
    if (s.power_loss) {
      if (s.crashed) return SQLITE_OK;  // the machine is off: the file stays on disk
      s.images.erase(path);
    }
  }
  auto* base = static_cast<sqlite3_vfs*>(vfs->pAppData);
  return base->xDelete(base, path, sync_dir);
}

sqlite3_vfs* base_of(sqlite3_vfs* vfs) { return static_cast<sqlite3_vfs*>(vfs->pAppData); }

int fault_access(sqlite3_vfs* vfs, const char* path, int flags, int* out) {
  return base_of(vfs)->xAccess(base_of(vfs), path, flags, out);
}
int fault_full_pathname(sqlite3_vfs* vfs, const char* path, int n, char* out) {
  return base_of(vfs)->xFullPathname(base_of(vfs), path, n, out);
}
void* fault_dl_open(sqlite3_vfs* vfs, const char* path) {
  return base_of(vfs)->xDlOpen(base_of(vfs), path);
}
void fault_dl_error(sqlite3_vfs* vfs, int n, char* out) {
  base_of(vfs)->xDlError(base_of(vfs), n, out);
}
void (*fault_dl_sym(sqlite3_vfs* vfs, void* handle, const char* symbol))(void) {
  return base_of(vfs)->xDlSym(base_of(vfs), handle, symbol);
}
void fault_dl_close(sqlite3_vfs* vfs, void* handle) {
  base_of(vfs)->xDlClose(base_of(vfs), handle);
}
int fault_randomness(sqlite3_vfs* vfs, int n, char* out) {
  return base_of(vfs)->xRandomness(base_of(vfs), n, out);
}
int fault_sleep(sqlite3_vfs* vfs, int micros) { return base_of(vfs)->xSleep(base_of(vfs), micros); }
int fault_current_time(sqlite3_vfs* vfs, double* out) {
  return base_of(vfs)->xCurrentTime(base_of(vfs), out);
}
int fault_last_error(sqlite3_vfs* vfs, int n, char* out) {
  return base_of(vfs)->xGetLastError(base_of(vfs), n, out);
}
int fault_current_time_int64(sqlite3_vfs* vfs, sqlite3_int64* out) {
  return base_of(vfs)->xCurrentTimeInt64(base_of(vfs), out);
}
int fault_set_system_call(sqlite3_vfs* vfs, const char* name, sqlite3_syscall_ptr call) {
  return base_of(vfs)->xSetSystemCall(base_of(vfs), name, call);
}
sqlite3_syscall_ptr fault_get_system_call(sqlite3_vfs* vfs, const char* name) {
  return base_of(vfs)->xGetSystemCall(base_of(vfs), name);
}
const char* fault_next_system_call(sqlite3_vfs* vfs, const char* name) {
  return base_of(vfs)->xNextSystemCall(base_of(vfs), name);
}

// Registers the VFS the first time; REQUIRES s.mu not held.
sqlite3_vfs* registered() {
  State& s = state();
  static const bool done = [&s] {
    s.base = sqlite3_vfs_find(nullptr);
    assert(s.base != nullptr && s.base->iVersion >= 3);
    sqlite3_vfs& v = s.vfs;
    v.iVersion = 3;
    v.szOsFile = static_cast<int>(kHeaderBytes) + s.base->szOsFile;
    v.mxPathname = s.base->mxPathname;
    v.zName = "ledger-fault";
    v.pAppData = s.base;
    v.xOpen = fault_open;
    v.xDelete = fault_delete;
    v.xAccess = fault_access;
    v.xFullPathname = fault_full_pathname;
    v.xDlOpen = fault_dl_open;
    v.xDlError = fault_dl_error;
    v.xDlSym = fault_dl_sym;
    v.xDlClose = fault_dl_close;
    v.xRandomness = fault_randomness;
    v.xSleep = fault_sleep;
    v.xCurrentTime = fault_current_time;
    v.xGetLastError = fault_last_error;
    v.xCurrentTimeInt64 = fault_current_time_int64;
    v.xSetSystemCall = fault_set_system_call;
    v.xGetSystemCall = fault_get_system_call;
    v.xNextSystemCall = fault_next_system_call;
    return sqlite3_vfs_register(&v, 0) == SQLITE_OK;
  }();
  assert(done);
  (void)done;
  return &s.vfs;
}

sqlite3_vfs* g_previous_default = nullptr;

}  // namespace

FaultVfs::Install::Install() {
  sqlite3_vfs* vfs = registered();
  g_previous_default = sqlite3_vfs_find(nullptr);
  sqlite3_vfs_register(vfs, 1);
}

FaultVfs::Install::~Install() {
  if (g_previous_default != nullptr && g_previous_default != &state().vfs) {
    sqlite3_vfs_register(g_previous_default, 1);
  }
}

void FaultVfs::arm_io_fault(const IoFault& fault) {
  std::lock_guard lock(state().mu);
  state().fault = fault;
  for (auto& calls : state().counters.calls) calls = 0;
}

void FaultVfs::disarm_io_fault() {
  std::lock_guard lock(state().mu);
  state().fault.reset();
}

void FaultVfs::reset_call_counts() {
  std::lock_guard lock(state().mu);
  for (auto& calls : state().counters.calls) calls = 0;
}

VfsCounters FaultVfs::counters() {
  std::lock_guard lock(state().mu);
  return state().counters;
}

void FaultVfs::set_power_loss_mode(bool on, std::uint64_t seed) {
  State& s = state();
  std::lock_guard lock(s.mu);
  assert(s.open_files == 0);
  // Turning the mode off without a crash means the OS got to write everything after all.
  for (auto& [path, image] : s.images) {
    if (!s.crashed) {
      for (const PendingOp& op : image.unsynced) disk_apply(path, op);
    }
  }
  s.images.clear();
  s.power_loss = on;
  s.crashed = false;
  s.crash_countdown = 0;
  s.mutations = 0;
  s.rng.seed(seed);
}

void FaultVfs::crash_before_mutation(std::int64_t nth, LossMode mode) {
  std::lock_guard lock(state().mu);
  state().crash_countdown = nth;
  state().crash_mode = mode;
}

void FaultVfs::crash_now(LossMode mode) {
  std::lock_guard lock(state().mu);
  if (!state().crashed) lose_power(state(), mode);
}

bool FaultVfs::crashed() {
  std::lock_guard lock(state().mu);
  return state().crashed;
}

void FaultVfs::power_on(const std::string& db_path) {
  State& s = state();
  std::lock_guard lock(s.mu);
  assert(s.open_files == 0);
  s.images.clear();
  s.crashed = false;
  s.crash_countdown = 0;
  s.mutations = 0;
  ::unlink((db_path + "-shm").c_str());
}

std::int64_t FaultVfs::mutations() {
  std::lock_guard lock(state().mu);
  return state().mutations;
}

}  // namespace crash
