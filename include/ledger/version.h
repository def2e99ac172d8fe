/* ledger's version numbers. C and C++; the one place they are written (CMakeLists.txt reads
 * them from here for the package and the shared library's SONAME).
 *
 * LEDGER_VERSION_*: the release, semantic versioning (README "Versions and stability").
 * LEDGER_ABI_VERSION: the C ABI (ledger_c.h). It changes only when a function is removed or
 * changes its signature or an enum value changes, which never happens within a major
 * release; it is the number in the shared library's SONAME (libledger.so.1). */
#ifndef LEDGER_VERSION_H
#define LEDGER_VERSION_H

#define LEDGER_VERSION_MAJOR 1
#define LEDGER_VERSION_MINOR 1
#define LEDGER_VERSION_PATCH 0
#define LEDGER_VERSION_STRING "1.1.0"
#define LEDGER_ABI_VERSION 1

#ifdef __cplusplus
namespace ledger {
/* The version of the library the program runs with, e.g. "1.0.0" (LEDGER_VERSION_STRING is
 * the version it was compiled against). */
[[nodiscard]] const char* version() noexcept;
/* The C ABI version of the library the program runs with (LEDGER_ABI_VERSION). */
[[nodiscard]] int abi_version() noexcept;
/* The newest file format (schema version) this library reads and writes; Stats and
 * `ledgerctl stats` show a file's own. */
[[nodiscard]] int file_format_version() noexcept;
}  // namespace ledger
#endif

#endif /* LEDGER_VERSION_H */
