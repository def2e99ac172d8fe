// Goal: ledgerctl::run, the entry point the fuzz targets link (ledgerctl-core), can run many
// commands in one process: it never exits, and nothing of one call leaks into the next (the
// parser and its options, a write error on stdout, standard input read to its end).
// Method: each call gets its own argv; its stdout and stderr go to files (dup2) that are
// read back afterwards; standard input comes from a file where a command needs it.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "run.h"
#include "support/temp_dir.h"

namespace {

namespace fs = std::filesystem;

using ledger::testing::TempDir;  // tests/support/temp_dir.h

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Points file descriptor `fd` at `path` until destroyed.
class Redirect {
 public:
  Redirect(int fd, const std::string& path, int flags) : fd_(fd), saved_(::dup(fd)) {
    const int target = ::open(path.c_str(), flags, 0600);
    REQUIRE(target >= 0);
    ::dup2(target, fd_);
    ::close(target);
  }
  ~Redirect() {
    ::dup2(saved_, fd_);
    ::close(saved_);
  }
  Redirect(const Redirect&) = delete;
  Redirect& operator=(const Redirect&) = delete;

 private:
  int fd_;
  int saved_;
};

struct Call {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `ledgerctl WORDS...` in this process. stdout goes to `stdout_path` (a file of the
// temporary directory unless given, e.g. /dev/full); stdin comes from `stdin_path`.
Call run(const TempDir& dir, const std::vector<std::string>& words,
         const std::string& stdout_path = "", const std::string& stdin_path = "/dev/null") {
  std::vector<std::string> storage = {"ledgerctl"};
  storage.insert(storage.end(), words.begin(), words.end());
  std::vector<char*> argv;
  for (auto& word : storage) argv.push_back(word.data());
  argv.push_back(nullptr);
  const std::string out_path = stdout_path.empty() ? dir.file("out.txt") : stdout_path;
  const std::string err_path = dir.file("err.txt");
  Call call;
  std::fflush(stdout);
  std::fflush(stderr);
  {
    Redirect in(STDIN_FILENO, stdin_path, O_RDONLY);
    Redirect out(STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC);
    Redirect err(STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC);
    call.exit_code = ledgerctl::run(static_cast<int>(storage.size()), argv.data());
    std::fflush(stdout);
    std::fflush(stderr);
  }
  if (stdout_path.empty()) call.out = read_file(out_path);
  call.err = read_file(err_path);
  return call;
}

std::vector<std::string> transfer(const std::string& db, const std::string& key) {
  return {"--db",  db,     "transfer", "--principal", "till:1", "--key",      key,  "--from",
          "world", "--to", "till:1",   "--amount",    "1.50",   "--currency", "EUR"};
}

void make_shop(const TempDir& dir, const std::string& db) {
  REQUIRE(run(dir, {"--db", db, "init"}).exit_code == 0);
  REQUIRE(
      run(dir, {"--db", db, "account", "create", "world", "--currency", "EUR", "--allow-negative"})
          .exit_code == 0);
  REQUIRE(run(dir, {"--db", db, "account", "create", "till:1", "--currency", "EUR"}).exit_code ==
          0);
}

}  // namespace

TEST_CASE("ledgerctl::run runs one command after another in the same process") {
  TempDir dir;
  const std::string db = dir.file("shop.db");
  make_shop(dir, db);
  const Call first = run(dir, transfer(db, "k1"));
  CHECK(first.exit_code == 0);
  const Call replay = run(dir, transfer(db, "k1"));
  CHECK(replay.exit_code == 0);
  CHECK(replay.out == first.out);
  CHECK(replay.err.rfind("ledgerctl: replayed:", 0) == 0);
  // Options of one call must not stick to the next: --json, then text again.
  CHECK(run(dir, {"--db", db, "account", "list", "--json"}).out.rfind("{\"accounts\"", 0) == 0);
  CHECK(run(dir, {"--db", db, "account", "list"}).out.rfind("CODE", 0) == 0);
  CHECK(run(dir,
            {"--issued-keys-only", "--db", db, "transfer", "--principal", "till:1", "--key",
             "made-up", "--from", "world", "--to", "till:1", "--amount", "1", "--currency", "EUR"})
            .exit_code == 3);
  CHECK(run(dir, transfer(db, "k2")).exit_code == 0);  // client keys are allowed again
  CHECK(run(dir, {"bogus"}).exit_code == 2);
  CHECK(run(dir, {"--help"}).out.find("Usage: ledgerctl") != std::string::npos);
  CHECK(run(dir, {"--db", dir.file("missing.db"), "stats"}).exit_code == 5);
  CHECK(run(dir, {"--db", db, "verify"}).exit_code == 0);
}

TEST_CASE("a write error on stdout in one call is not reported by the next") {
  TempDir dir;
  const std::string db = dir.file("shop.db");
  make_shop(dir, db);
  CHECK(run(dir, {"--db", db, "account", "list"}, "/dev/full").exit_code == 4);
  const Call next = run(dir, {"--db", db, "account", "list"});
  CHECK(next.exit_code == 0);
  CHECK(next.out.rfind("CODE", 0) == 0);
}

TEST_CASE("batch - reads standard input afresh on every call") {
  TempDir dir;
  const std::string db = dir.file("shop.db");
  make_shop(dir, db);
  const std::string line =
      R"({"principal":"till:1","key":"KEY","from":"world","to":"till:1","amount":"2",)"
      R"("currency":"EUR"})"
      "\n";
  for (const std::string key : {"b1", "b2"}) {
    const std::string input = dir.file(key + ".jsonl");
    write_file(input, std::string(line).replace(line.find("KEY"), 3, key));
    const Call batch = run(dir, {"--db", db, "batch", "-"}, "", input);
    CHECK(batch.exit_code == 0);
    CHECK(batch.out.find("\"key\":\"" + key + "\"") != std::string::npos);
  }
}
