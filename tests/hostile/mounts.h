// Real hostile file systems for the tests: a tiny tmpfs that fills up, a read-only bind
// mount. Mounting needs CAP_SYS_ADMIN; the test process first moves into a private mount
// namespace, so a mount can never leak into the machine, even if the test crashes.
#pragma once

#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace hostile {

// Enters a private mount namespace (once per process). False if this machine does not let
// the test mount anything (not root, or a container without CAP_SYS_ADMIN): the caller
// skips with a message.
inline bool private_mounts(std::string& why_not) {
  static int state = -1;
  static std::string reason;
  if (state < 0) {
    if (::unshare(CLONE_NEWNS) != 0) {
      reason = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno);
      state = 0;
    } else if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
      reason = std::string("mount --make-rprivate /: ") + std::strerror(errno);
      state = 0;
    } else {
      state = 1;
    }
  }
  why_not = reason;
  return state == 1;
}

// A mount that is undone (lazily, MNT_DETACH) when the guard goes out of scope.
class ScopedMount {
 public:
  // A tmpfs of `size` bytes (rounded to pages) at `target`.
  static ScopedMount tmpfs(const std::string& target, std::size_t size) {
    std::filesystem::create_directories(target);
    std::string options = "size=" + std::to_string(size) + ",mode=0700";
    if (::mount("tmpfs", target.c_str(), "tmpfs", 0, options.c_str()) != 0) {
      return ScopedMount("", std::strerror(errno));
    }
    return ScopedMount(target, "");
  }
  // `source` seen read-only at `target`: even root cannot write through it (EROFS).
  static ScopedMount read_only_bind(const std::string& source, const std::string& target) {
    std::filesystem::create_directories(target);
    if (::mount(source.c_str(), target.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      return ScopedMount("", std::strerror(errno));
    }
    ScopedMount bound(target, "");
    if (::mount(nullptr, target.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr) != 0) {
      bound.error_ = std::strerror(errno);
    }
    return bound;
  }
  ScopedMount(ScopedMount&& other) noexcept : target_(other.target_), error_(other.error_) {
    other.target_.clear();
  }
  ScopedMount(const ScopedMount&) = delete;
  ScopedMount& operator=(const ScopedMount&) = delete;
  ScopedMount& operator=(ScopedMount&&) = delete;
  ~ScopedMount() {
    if (!target_.empty()) ::umount2(target_.c_str(), MNT_DETACH);
  }
  [[nodiscard]] bool ok() const { return error_.empty(); }
  [[nodiscard]] const std::string& error() const { return error_; }

 private:
  ScopedMount(std::string target, std::string error)
      : target_(std::move(target)), error_(std::move(error)) {}
  std::string target_;
  std::string error_;
};

}  // namespace hostile
