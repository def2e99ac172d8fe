// A "full disk" that needs no mount rights: a SQLite VFS over the default one whose files
// share a byte budget. A write that would grow a file past what is left fails with
// SQLITE_FULL, exactly what SQLite reports when write() returns ENOSPC. Writes inside a
// file's current size always succeed (as on a real disk, where those blocks are allocated).
//
// The tmpfs test in full_disk_test.cpp is the real thing; this one runs everywhere, also
// where mount(2) is not allowed (containers without CAP_SYS_ADMIN, non-root CI users).
#pragma once

#include <cstdint>

namespace hostile {

class QuotaVfs {
 public:
  // Makes the quota VFS the process's default while it lives (every Ledger opened meanwhile
  // uses it); the previous default is restored by the destructor. The budget starts
  // unlimited. REQUIRES: no connection is open when it is created or destroyed.
  class Install {
   public:
    Install();
    ~Install();
    Install(const Install&) = delete;
    Install& operator=(const Install&) = delete;
  };

  // Bytes the files may still grow by, from now on; negative means unlimited.
  static void set_budget(std::int64_t bytes);
  // Writes refused with SQLITE_FULL since the last Install.
  [[nodiscard]] static std::int64_t full_errors();
};

}  // namespace hostile
