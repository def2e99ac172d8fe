// The quota VFS: every method forwards to the default VFS; only xWrite checks the budget.
#include "quota_vfs.h"

#include <sqlite3.h>

#include <atomic>
#include <cstring>

namespace hostile {
namespace {

std::atomic<std::int64_t> budget{-1};
std::atomic<std::int64_t> refused{0};
sqlite3_vfs* real_vfs = nullptr;

// Our file header; the default VFS's own file object follows it in the same allocation.
struct QuotaFile {
  sqlite3_file base;
  sqlite3_file* real;
};

sqlite3_file* real_of(sqlite3_file* file) { return reinterpret_cast<QuotaFile*>(file)->real; }

int quota_close(sqlite3_file* f) { return real_of(f)->pMethods->xClose(real_of(f)); }
int quota_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
  return real_of(f)->pMethods->xRead(real_of(f), out, amount, offset);
}

// Takes `growth` bytes from the budget, or refuses without taking anything.
bool take_budget(std::int64_t growth) {
  std::int64_t left = budget.load();
  while (left >= 0) {
    if (growth > left) return false;
    if (budget.compare_exchange_weak(left, left - growth)) return true;
  }
  return true;  // unlimited
}

int quota_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  sqlite3_file* real = real_of(f);
  sqlite3_int64 size = 0;
  if (int rc = real->pMethods->xFileSize(real, &size); rc != SQLITE_OK) return rc;
  std::int64_t growth = offset + amount > size ? offset + amount - size : 0;
  if (growth > 0 && !take_budget(growth)) {
    ++refused;
    return SQLITE_FULL;
  }
  return real->pMethods->xWrite(real, data, amount, offset);
}

int quota_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real_of(f)->pMethods->xTruncate(real_of(f), size);
}
int quota_sync(sqlite3_file* f, int flags) {
  return real_of(f)->pMethods->xSync(real_of(f), flags);
}
int quota_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real_of(f)->pMethods->xFileSize(real_of(f), size);
}
int quota_lock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xLock(real_of(f), level);
}
int quota_unlock(sqlite3_file* f, int level) {
  return real_of(f)->pMethods->xUnlock(real_of(f), level);
}
int quota_check_reserved(sqlite3_file* f, int* out) {
  return real_of(f)->pMethods->xCheckReservedLock(real_of(f), out);
}
int quota_file_control(sqlite3_file* f, int op, void* arg) {
  return real_of(f)->pMethods->xFileControl(real_of(f), op, arg);
}
int quota_sector_size(sqlite3_file* f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
int quota_device(sqlite3_file* f) {
  return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f));
}
// Shared memory (the WAL index) lives in mapped memory, not in the quota.
int quota_shm_map(sqlite3_file* f, int page, int size, int extend, void volatile** out) {
  return real_of(f)->pMethods->xShmMap(real_of(f), page, size, extend, out);
}
int quota_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real_of(f)->pMethods->xShmLock(real_of(f), offset, n, flags);
}
void quota_shm_barrier(sqlite3_file* f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
int quota_shm_unmap(sqlite3_file* f, int delete_flag) {
  return real_of(f)->pMethods->xShmUnmap(real_of(f), delete_flag);
}

// Version 2: no memory-mapped reads (xFetch), so every read goes through xRead.
const sqlite3_io_methods kQuotaMethods = {
    2,
    quota_close,
    quota_read,
    quota_write,
    quota_truncate,
    quota_sync,
    quota_file_size,
    quota_lock,
    quota_unlock,
    quota_check_reserved,
    quota_file_control,
    quota_sector_size,
    quota_device,
    quota_shm_map,
    quota_shm_lock,
    quota_shm_barrier,
    quota_shm_unmap,
    nullptr,
    nullptr,
};

int quota_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* file = reinterpret_cast<QuotaFile*>(f);
  file->real = reinterpret_cast<sqlite3_file*>(file + 1);
  int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
  // SQLite calls xClose only when pMethods is set: mirror the real file's state.
  file->base.pMethods = file->real->pMethods != nullptr ? &kQuotaMethods : nullptr;
  return rc;
}
int quota_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return real_vfs->xDelete(real_vfs, name, sync_dir);
}
int quota_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return real_vfs->xAccess(real_vfs, name, flags, out);
}
int quota_full_pathname(sqlite3_vfs*, const char* name, int size, char* out) {
  return real_vfs->xFullPathname(real_vfs, name, size, out);
}
void* quota_dl_open(sqlite3_vfs*, const char* name) { return real_vfs->xDlOpen(real_vfs, name); }
void quota_dl_error(sqlite3_vfs*, int size, char* out) { real_vfs->xDlError(real_vfs, size, out); }
void (*quota_dl_sym(sqlite3_vfs*, void* handle, const char* symbol))(void) {
  return real_vfs->xDlSym(real_vfs, handle, symbol);
}
void quota_dl_close(sqlite3_vfs*, void* handle) { real_vfs->xDlClose(real_vfs, handle); }
int quota_randomness(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xRandomness(real_vfs, size, out);
}
int quota_sleep(sqlite3_vfs*, int microseconds) { return real_vfs->xSleep(real_vfs, microseconds); }
int quota_current_time(sqlite3_vfs*, double* out) { return real_vfs->xCurrentTime(real_vfs, out); }
int quota_last_error(sqlite3_vfs*, int size, char* out) {
  return real_vfs->xGetLastError(real_vfs, size, out);
}
int quota_current_time64(sqlite3_vfs*, sqlite3_int64* out) {
  return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

sqlite3_vfs quota_vfs = {};

void register_once() {
  if (real_vfs != nullptr) return;
  real_vfs = sqlite3_vfs_find(nullptr);
  quota_vfs.iVersion = 2;
  quota_vfs.szOsFile = static_cast<int>(sizeof(QuotaFile)) + real_vfs->szOsFile;
  quota_vfs.mxPathname = real_vfs->mxPathname;
  quota_vfs.zName = "hostile-quota";
  quota_vfs.xOpen = quota_open;
  quota_vfs.xDelete = quota_delete;
  quota_vfs.xAccess = quota_access;
  quota_vfs.xFullPathname = quota_full_pathname;
  quota_vfs.xDlOpen = quota_dl_open;
  quota_vfs.xDlError = quota_dl_error;
  quota_vfs.xDlSym = quota_dl_sym;
  quota_vfs.xDlClose = quota_dl_close;
  quota_vfs.xRandomness = quota_randomness;
  quota_vfs.xSleep = quota_sleep;
  quota_vfs.xCurrentTime = quota_current_time;
  quota_vfs.xGetLastError = quota_last_error;
  quota_vfs.xCurrentTimeInt64 = quota_current_time64;
  sqlite3_vfs_register(&quota_vfs, 0);
}

}  // namespace

QuotaVfs::Install::Install() {
  register_once();
  budget = -1;
  refused = 0;
  sqlite3_vfs_register(&quota_vfs, 1);
}

QuotaVfs::Install::~Install() {
  budget = -1;
  sqlite3_vfs_register(real_vfs, 1);
}

void QuotaVfs::set_budget(std::int64_t bytes) { budget = bytes; }
std::int64_t QuotaVfs::full_errors() { return refused; }

}  // namespace hostile
