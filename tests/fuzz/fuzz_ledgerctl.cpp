// Fuzz target: ledgerctl in-process (ledgerctl::run, tools/ledgerctl/run.h): its argument
// handling and, through `ledgerctl batch FILE`, its JSON Lines batch reader.
//
// Input: byte 0 picks the mode. Even: the rest is a command line, one argument per
// NUL-separated piece (at most 24 arguments of at most 512 bytes). Odd: the rest is a batch
// file, run as `ledgerctl batch batch.jsonl` (with --linked when bit 1 is set).
//
// Every run happens in this process's scratch directory, on a fresh copy of a template
// ledger (`ledger.db`, also $LEDGER_DB), with stdin at /dev/null. A '/' in an argument
// becomes '_', so a fuzzed path can never leave the scratch directory.
//
// Properties, for any input:
//  - run() returns one of the exit codes of SPEC 7 (0..5), never crashes, leaks or throws;
//  - after a usage error (2), an idempotency conflict (3) or a transient failure (4) the
//    ledger holds exactly what it held before (balances, holds, journal, keys);
//  - whatever ran, the ledger still verifies.
// stdout and stderr are discarded; set FUZZ_LEDGERCTL_OUTPUT=1 to see them while reproducing.
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "run.h"

namespace {

std::string template_bytes;
fuzz::Summary template_summary;
int null_fd = -1;

void build_template(const std::string& path) {
  using ledger::OverdraftRule;
  ledger::Ledger book = ledger::Ledger::open(path, fuzz::fuzz_options());
  book.create_account({"world", "EUR", OverdraftRule::unlimited, 0, "outside"});
  book.create_account({"till", "EUR", OverdraftRule::none, 0, "till 1"});
  book.create_account({"customer", "EUR", OverdraftRule::limit, 500, ""});
  (void)book.transfer({"till:1", "k1", "world", "till", 1250, "EUR", "receipt 1"});
  (void)book.transfer({"till:1", "k2", "customer", "world", 99999, "EUR", "too much"});
  (void)book.issue_key("till:1", "transfer");
}

// Empties the scratch directory (the working directory) and puts the template back.
void reset_scratch() {
  for (const auto& entry : std::filesystem::directory_iterator(".")) {
    std::error_code ignored;
    std::filesystem::remove_all(entry.path(), ignored);
  }
  fuzz::write_bytes("ledger.db", reinterpret_cast<const std::uint8_t*>(template_bytes.data()),
                    template_bytes.size());
}

std::vector<std::string> split_arguments(std::string_view bytes) {
  std::vector<std::string> arguments;
  while (!bytes.empty() && arguments.size() < 24) {
    auto end = bytes.find('\0');
    std::string argument(bytes.substr(0, std::min<std::size_t>(end, 512)));
    for (char& c : argument) {
      if (c == '/') c = '_';
    }
    arguments.push_back(std::move(argument));
    if (end == std::string_view::npos) break;
    bytes.remove_prefix(end + 1);
  }
  return arguments;
}

// Runs ledgerctl with `arguments`, its output going to /dev/null unless asked otherwise.
int run_ledgerctl(std::vector<std::string> arguments) {
  arguments.insert(arguments.begin(), "ledgerctl");
  std::vector<char*> argv;
  for (std::string& argument : arguments) argv.push_back(argument.data());
  argv.push_back(nullptr);
  static const bool show = std::getenv("FUZZ_LEDGERCTL_OUTPUT") != nullptr;
  std::fflush(stdout);
  std::fflush(stderr);
  int saved_out = show ? -1 : ::dup(1), saved_err = show ? -1 : ::dup(2);
  if (!show) {
    ::dup2(null_fd, 1);
    ::dup2(null_fd, 2);
  }
  int code = ledgerctl::run(static_cast<int>(arguments.size()), argv.data());
  std::fflush(stdout);
  std::fflush(stderr);
  if (!show) {
    ::dup2(saved_out, 1);
    ::dup2(saved_err, 2);
    ::close(saved_out);
    ::close(saved_err);
  }
  return code;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const std::string& dir = fuzz::scratch_dir("ledgerctl");
  FUZZ_CHECK(::chdir(dir.c_str()) == 0);
  build_template("template.db");
  template_bytes = fuzz::read_bytes("template.db");
  {
    ledger::Ledger book = ledger::Ledger::open("template.db", fuzz::fuzz_options());
    template_summary = fuzz::summarize(book);
  }
  null_fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  FUZZ_CHECK(null_fd >= 0);
  ::dup2(null_fd, 0);  // `batch -` reads an empty stdin instead of waiting for a terminal
  ::setenv("LEDGER_DB", "ledger.db", 1);
  // sync and hq reach PostgreSQL: only loopback port 1 (nothing listens, refused at once)
  // unless the input names another host, and then give up after a second.
  ::setenv("LEDGER_PG", "host=127.0.0.1 port=1 dbname=none", 1);
  ::setenv("PGCONNECT_TIMEOUT", "1", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  reset_scratch();
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string> arguments;
  if (data[0] % 2 == 0) {
    arguments = split_arguments(rest);
  } else {
    fuzz::write_bytes("batch.jsonl", data + 1, size - 1);
    arguments = {"batch", "batch.jsonl"};
    if (data[0] & 2) arguments.push_back("--linked");
  }
  const int code = run_ledgerctl(arguments);
  FUZZ_CHECK(code >= 0 && code <= 5);
  ledger::Ledger book = ledger::Ledger::open("ledger.db", fuzz::fuzz_options());
  if (code == 2 || code == 3 || code == 4) FUZZ_CHECK(fuzz::summarize(book) == template_summary);
  FUZZ_CHECK(book.verify().ok());
  return 0;
}
