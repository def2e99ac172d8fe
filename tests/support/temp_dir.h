// A fresh directory under the system temp dir, removed with everything in it: the one
// scratch directory of the unit, hostile-input and ledgerctl-in-process tests. (The crash
// suite keeps its own, which can keep a failed run's files for a post-mortem.)
#pragma once

#include <filesystem>
#include <random>
#include <string>
#include <system_error>

namespace ledger::testing {

class TempDir {
 public:
  // `tag` names the directory (ledger-TAG-...), to tell a leftover's suite at a glance.
  explicit TempDir(const std::string& tag = "test") {
    std::random_device random;
    path_ = std::filesystem::temp_directory_path() /
            ("ledger-" + tag + "-" + std::to_string(random()) + std::to_string(random()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string file(const std::string& name) const { return (path_ / name).string(); }
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace ledger::testing
