#include "file_checks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace ledger::detail {
namespace {

// Creates an empty file with mode 0600 (money data is nobody else's business). Returns
// false if it already existed.
bool create_private_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return false;
    throw Error(ErrorCode::io, fmt::format("cannot create {}: {}; check that the directory "
                                           "exists and is writable",
                                           path, std::strerror(errno)));
  }
  ::close(fd);
  return true;
}

// A read-only open never creates anything, whatever create_if_missing says.
bool may_create(const Options& options) { return options.create_if_missing && !options.read_only; }

}  // namespace

void check_path(const std::string& path, const Options& options) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      throw Error(ErrorCode::not_a_ledger,
                  fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    if (!may_create(options)) {
      throw Error(ErrorCode::not_found,
                  fmt::format("no ledger at {}: give the path of an existing ledger{}", path,
                              options.read_only
                                  ? " (a read-only open never creates one)"
                                  : ", or set Options::create_if_missing to create one there"));
    }
    create_private_file(path);
    return;
  }
  if (S_ISDIR(info.st_mode)) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} is a directory, not a ledger file; give the path of a file", path));
  }
  if (!S_ISREG(info.st_mode)) {
    throw Error(ErrorCode::not_a_ledger, fmt::format("{} is not a regular file", path));
  }
  // The -wal and -shm files are part of the database: whoever can write them can rewrite
  // balances, so they must be as private as the main file.
  for (const std::string& file : {path, path + "-wal", path + "-shm"}) {
    struct stat part {};
    bool exists = file == path ? true : ::stat(file.c_str(), &part) == 0;
    mode_t mode = file == path ? info.st_mode : part.st_mode;
    if (exists && (mode & S_IWOTH) && !options.allow_world_writable) {
      throw Error(ErrorCode::unsafe_file,
                  fmt::format("{} is writable by every user, so anyone could rewrite balances; run "
                              "`chmod 600 {}` (embedding apps may set Options::allow_world_writable)",
                              file, file));
    }
  }
  // A non-empty file shorter than the smallest SQLite page cannot be a database; SQLite
  // would read it as an empty one and a ledger would be created over it.
  if (info.st_size > 0 && info.st_size < 512) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} is {} bytes long: too short to be a ledger (truncated?); "
                            "restore it from a backup",
                            path, info.st_size));
  }
  if (::access(path.c_str(), W_OK) != 0 && errno == EROFS) {
    throw Error(ErrorCode::io,
                fmt::format("{} is on a read-only file system; a ledger needs to write its "
                            "-wal and -shm files next to it: copy it to a writable place",
                            path));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("cannot read {}: {}; check its permissions", path, std::strerror(errno)));
  }
}

void prepare_new_ledger_file(const std::string& path, const Options& options) {
  if (!may_create(options)) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} is an empty file, not a ledger; to make it one, open it with "
                            "Options::create_if_missing (and without read_only)",
                            path));
  }
  if (::chmod(path.c_str(), 0600) != 0) {
    throw Error(ErrorCode::io, fmt::format("cannot make {} private (chmod 600): {}", path,
                                           std::strerror(errno)));
  }
}

}  // namespace ledger::detail
