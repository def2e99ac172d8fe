// Ledger: opening a file safely, and the public entry points. Each entry point translates
// SQLite errors into ledger::Error (see db.h) and owns its write transaction.
#include "ledger/ledger.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <SQLiteCpp/Backup.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "failpoint.h"
#include "impl.h"
#include "ledger_ops.h"
#include "migrations.h"
#include "principals.h"

namespace ledger {
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

// Refuses what SQLite would otherwise misreport: directories, missing files, unsafe modes.
void check_path(const std::string& path, const Options& options) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    if (errno != ENOENT) {
      throw Error(ErrorCode::not_a_ledger,
                  fmt::format("cannot read {}: {}", path, std::strerror(errno)));
    }
    if (!may_create(options)) {
      throw Error(ErrorCode::not_found,
                  fmt::format("no ledger at {}: create one with `ledgerctl init` or point "
                              "--db (LEDGER_DB) at an existing ledger",
                              path));
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

// An empty file becomes a ledger only when creation is allowed; it then gets mode 0600
// like a file the engine created itself.
void prepare_new_ledger_file(const std::string& path, const Options& options) {
  if (!may_create(options)) {
    throw Error(ErrorCode::not_a_ledger,
                fmt::format("{} is an empty file, not a ledger; create the ledger with `ledgerctl "
                            "init` (or open with create_if_missing)",
                            path));
  }
  if (::chmod(path.c_str(), 0600) != 0) {
    throw Error(ErrorCode::io, fmt::format("cannot make {} private (chmod 600): {}", path,
                                           std::strerror(errno)));
  }
}

// WAL: readers never block the writer, and a commit is one append + one fsync. Switching
// writes the file's header, so a read-only connection leaves the mode as it is.
// The switch takes a read lock, then upgrades it to a write lock, and SQLite does not call
// the busy handler for such an upgrade (it could deadlock): any other process reading at
// that instant, such as one opening the same new ledger, makes it fail at once with
// SQLITE_BUSY. So it is retried every millisecond, up to the busy timeout.
void switch_to_wal(detail::Db& db, int busy_timeout_ms) {
  for (int waited_ms = 0;; ++waited_ms) {
    try {
      SQLite::Statement mode(db.sql(), "PRAGMA journal_mode = WAL");
      if (mode.executeStep() && mode.getColumn(0).getString() == "wal") return;
      throw Error(ErrorCode::io, "cannot switch the database to WAL mode (is the directory "
                                 "writable, and the file system local?)");
    } catch (const SQLite::Exception& e) {
      if (e.getErrorCode() != SQLITE_BUSY || waited_ms >= busy_timeout_ms) throw;
    }
    ::usleep(1000);
  }
}

// Settings of this connection only: none of them writes to the file.
void apply_pragmas(detail::Db& db, const Options& options) {
  db.exec(options.durability == Durability::full ? "PRAGMA synchronous = FULL"
                                                 : "PRAGMA synchronous = NORMAL");
  db.exec("PRAGMA foreign_keys = ON");
  db.exec("PRAGMA temp_store = MEMORY");
  // A bounded page cache (32 MiB) keeps memory flat as the ledger grows.
  db.exec("PRAGMA cache_size = -32768");
  // Keep the WAL from growing without bound after a burst.
  db.exec("PRAGMA journal_size_limit = 67108864");
  // Checkpoint every 8000 pages (32 MiB) instead of SQLite's 1000: a transfer writes about
  // four pages, one of them a random page of the key index, and every checkpoint copies each
  // distinct page into the database and syncs it. Eight times fewer checkpoints copy the
  // hot pages eight times less often (ledger-bench ratio_single 0.68 -> 0.73-0.77). The WAL
  // file stays near 32 MiB.
  db.exec("PRAGMA wal_autocheckpoint = 8000");
}

// A read-only Ledger reads only the layout of this build (see Options::read_only).
void refuse_older_schema(int version, const std::string& path) {
  throw Error(ErrorCode::older_schema,
              fmt::format("{} has schema version {}, older than this build's {}; it was opened "
                          "for reading, which never upgrades a file, so it was left unchanged: "
                          "upgrade it first (`ledgerctl upgrade`, or open it once for writing)",
                          path, version, detail::latest_schema_version()));
}

void require_writable(const Ledger::Impl& impl, std::string_view what) {
  if (!impl.options.read_only) return;
  throw Error(ErrorCode::invalid_argument,
              fmt::format("{}: {} was opened read-only (Options::read_only), which never "
                          "writes; open it without read_only to write",
                          what, impl.path));
}

std::int64_t system_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Runs `body(now)` in ONE write transaction (BEGIN IMMEDIATE ... COMMIT), translating
// errors; on any exception the transaction rolls back and nothing is stored.
template <typename Body>
auto write_operation(Ledger::Impl& impl, std::string_view what, Body&& body) -> decltype(body(0)) {
  require_writable(impl, what);
  auto result = detail::guarded(impl.db, what, [&] {
    detail::WriteTransaction transaction(impl.db);
    auto outcome = body(impl.now_ms());
    LEDGER_FAILPOINT("transfer.before_commit");
    transaction.commit();
    return outcome;
  });
  LEDGER_FAILPOINT("transfer.after_commit");
  return result;
}

}  // namespace

std::int64_t Ledger::Impl::now_ms() const {
  return options.clock_ms ? options.clock_ms() : system_clock_ms();
}

Ledger::Ledger(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Ledger::Ledger(Ledger&&) noexcept = default;
Ledger& Ledger::operator=(Ledger&&) noexcept = default;
Ledger::~Ledger() = default;

Ledger Ledger::open(const std::string& path, const Options& options) {
  if (options.busy_timeout_ms < 0) {
    throw Error(ErrorCode::invalid_argument, "busy_timeout_ms must not be negative");
  }
  check_path(path, options);
  try {
    auto impl = std::make_unique<Impl>(path, options);
    // Check before writing anything: a refused file must be left exactly as it was.
    const int latest = detail::latest_schema_version();
    int version = detail::check_ledger_file(impl->db, path);
    if (version == 0) prepare_new_ledger_file(path, options);
    if (version < latest && options.read_only) refuse_older_schema(version, path);
    // Migrate before switching to WAL: if a migration fails, its rollback leaves the file
    // byte-identical (switching the journal mode would already have written the header).
    // The version migrate() finds under the write lock decides who created the ledger.
    if (version < latest) version = detail::migrate(impl->db, path);
    impl->open_report = {.created = version == 0, .schema_version_before = version,
                         .schema_version = latest};
    if (!options.read_only) switch_to_wal(impl->db, options.busy_timeout_ms);
    apply_pragmas(impl->db, options);
    return Ledger(std::move(impl));
  } catch (const SQLite::Exception& e) {
    detail::throw_translated(e, fmt::format("opening {}", path));
  }
}

Account Ledger::create_account(const NewAccount& account) {
  require_writable(*impl_, "creating an account");
  return detail::guarded(impl_->db, "creating an account",
                         [&] { return detail::create_account(*impl_, account); });
}

// Readers see lapsed holds as released even before a write releases them.
std::optional<Account> Ledger::find_account(const std::string& code) {
  return detail::guarded(impl_->db, "reading an account", [&] {
    auto account = detail::find_account(impl_->db, code);
    if (account) account->pending_minor = detail::effective_pending(*impl_, *account, impl_->now_ms());
    return account;
  });
}

std::vector<Account> Ledger::list_accounts() {
  return detail::guarded(impl_->db, "listing accounts", [&] {
    auto accounts = detail::list_accounts(impl_->db);
    for (auto& account : accounts) {
      account.pending_minor = detail::effective_pending(*impl_, account, impl_->now_ms());
    }
    return accounts;
  });
}

KeyRecord Ledger::issue_key(const std::string& principal, const std::string& operation,
                            std::optional<std::int64_t> ttl_seconds) {
  require_writable(*impl_, "issuing a key");
  return detail::guarded(impl_->db, "issuing a key", [&] {
    return detail::issue_key(*impl_, principal, operation, ttl_seconds);
  });
}

std::optional<KeyRecord> Ledger::find_key(const std::string& principal, const std::string& key) {
  return detail::guarded(impl_->db, "reading a key", [&] { return detail::find_key(*impl_, principal, key); });
}

std::vector<KeyRecord> Ledger::list_keys(const KeyFilter& filter) {
  return detail::guarded(impl_->db, "listing keys", [&] { return detail::list_keys(*impl_, filter); });
}

PurgeReport Ledger::purge_keys(std::optional<std::int64_t> older_than_seconds) {
  require_writable(*impl_, "purging keys");
  return detail::guarded(impl_->db, "purging keys",
                         [&] { return detail::purge_keys(*impl_, older_than_seconds); });
}

PrincipalToken Ledger::add_principal(const NewPrincipal& principal) {
  require_writable(*impl_, "adding a principal");
  return detail::guarded(impl_->db, "adding a principal",
                         [&] { return detail::add_principal(*impl_, principal); });
}

std::vector<Principal> Ledger::list_principals() {
  return detail::guarded(impl_->db, "listing principals",
                         [&] { return detail::list_principals(impl_->db); });
}

Principal Ledger::revoke_principal(const std::string& name) {
  require_writable(*impl_, "revoking a principal");
  return detail::guarded(impl_->db, "revoking a principal",
                         [&] { return detail::revoke_principal(*impl_, name); });
}

std::optional<Principal> Ledger::authenticate(const std::string& token) {
  return detail::guarded(impl_->db, "checking a token",
                         [&] { return detail::authenticate(impl_->db, token); });
}

TransferResult Ledger::transfer(const TransferRequest& request) {
  require_writable(*impl_, "transfer");
  // Replays (the common retry) are answered from a read, without queueing for the lock.
  auto replayed = detail::guarded(impl_->db, "transfer",
                                  [&] { return detail::replay_without_lock(*impl_, request); });
  if (replayed) return std::move(*replayed);
  return write_operation(*impl_, "transfer", [&](std::int64_t now) {
    return detail::transfer_in_transaction(*impl_, request, now);
  });
}

std::optional<TransferResult> check_request(const TransferRequest& request) {
  auto problem = detail::malformed_transfer(request);
  if (!problem) return std::nullopt;
  return detail::malformed_transfer_result(request, *problem);
}

std::vector<TransferResult> Ledger::transfer_batch(std::span<const TransferRequest> requests,
                                                   BatchMode mode) {
  return write_operation(*impl_, "transfer batch", [&](std::int64_t now) {
    return detail::transfer_batch_in_transaction(*impl_, requests, mode, now);
  });
}

TransferResult Ledger::reserve(const ReserveRequest& request) {
  return write_operation(*impl_, "reserve", [&](std::int64_t now) {
    return detail::reserve_in_transaction(*impl_, request, now);
  });
}

TransferResult Ledger::post(const PostRequest& request) {
  return write_operation(*impl_, "post", [&](std::int64_t now) {
    return detail::post_in_transaction(*impl_, request, now);
  });
}

TransferResult Ledger::void_pending(const VoidRequest& request) {
  return write_operation(*impl_, "void", [&](std::int64_t now) {
    return detail::void_in_transaction(*impl_, request, now);
  });
}

TransferResult Ledger::reverse(const ReverseRequest& request) {
  return write_operation(*impl_, "reverse", [&](std::int64_t now) {
    return detail::reverse_in_transaction(*impl_, request, now);
  });
}

std::vector<PendingTransfer> Ledger::list_pending(std::optional<PendingState> state,
                                                  std::int64_t limit) {
  return detail::guarded(impl_->db, "listing pending transfers",
                         [&] { return detail::list_pending(*impl_, state, limit); });
}

std::int64_t Ledger::expire_pending() {
  return write_operation(*impl_, "expiring pending transfers", [&](std::int64_t now) {
    return detail::expire_all_pending(*impl_, now);
  });
}

std::vector<JournalEntry> Ledger::journal(std::int64_t since_sequence, std::int64_t limit) {
  return detail::guarded(impl_->db, "reading the journal",
                         [&] { return detail::read_journal(impl_->db, since_sequence, limit); });
}

VerifyReport Ledger::verify() {
  return detail::guarded(impl_->db, "verifying", [&] { return detail::verify(*impl_); });
}

const std::string& Ledger::path() const { return impl_->path; }
const OpenReport& Ledger::open_report() const { return impl_->open_report; }
std::int64_t Ledger::now_ms() const { return impl_->now_ms(); }

}  // namespace ledger
