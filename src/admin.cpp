// Operator functions: statistics and online backup.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "clock.h"
#include "impl.h"
#include "ledger_id.h"
#include "sqlite_errors.h"

namespace ledger {
namespace {

std::int64_t file_size(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 ? static_cast<std::int64_t>(info.st_size) : 0;
}

std::int64_t count(detail::Db& db, const char* sql, std::int64_t parameter) {
  auto& query = db.statement(sql);
  if (std::strchr(sql, '?') != nullptr) query.bind(1, parameter);
  query.executeStep();
  return query.getColumn(0).getInt64();
}

std::optional<std::int64_t> optional_value(detail::Db& db, const char* sql) {
  auto& query = db.statement(sql);
  if (!query.executeStep() || query.getColumn(0).isNull()) return std::nullopt;
  return query.getColumn(0).getInt64();
}

}  // namespace

Stats Ledger::stats() {
  return detail::guarded(impl_->db, "reading statistics", [&] {
    auto& db = impl_->db;
    std::int64_t now = impl_->now_ms();
    std::int64_t cutoff = detail::ms_before(now, impl_->options.rejection_retention_seconds);
    Stats stats;
    stats.accounts = count(db, "SELECT count(*) FROM accounts", 0);
    stats.journal_rows = count(db, "SELECT count(*) FROM journal", 0);
    stats.keys_issued = count(
        db, "SELECT count(*) FROM idempotency_keys WHERE state = 'issued' AND expires_at > ?", now);
    stats.keys_completed =
        count(db, "SELECT count(*) FROM idempotency_keys WHERE state = 'completed'", 0);
    stats.keys_expired = count(db,
                               "SELECT count(*) FROM idempotency_keys WHERE state = 'expired' OR "
                               "(state = 'issued' AND expires_at <= ?)",
                               now);
    {
      auto& purgeable = db.statement(
          "SELECT count(*) FROM idempotency_keys WHERE transfer_seq IS NULL AND "
          "((state = 'issued' AND expires_at <= ?1) OR (state = 'completed' AND "
          "completed_at <= ?2))");
      purgeable.bind(1, now);
      purgeable.bind(2, cutoff);
      purgeable.executeStep();
      stats.pending_purge = purgeable.getColumn(0).getInt64();
    }
    stats.oldest_key_ms = optional_value(db, "SELECT min(created_at) FROM idempotency_keys");
    stats.newest_key_ms = optional_value(db, "SELECT max(created_at) FROM idempotency_keys");
    stats.file_bytes = file_size(impl_->path);
    stats.wal_bytes = file_size(impl_->path + "-wal");
    // The file's own version, not this build's newest: another process running a newer
    // library may have migrated the file since this Ledger opened it.
    stats.schema_version = static_cast<int>(optional_value(db, "PRAGMA user_version").value_or(0));
    stats.ledger_id = detail::read_ledger_id(db);
    return stats;
  });
}

void Ledger::backup(const std::string& out_path) {
  int fd = ::open(out_path.c_str(), O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0) {
    throw Error(errno == EEXIST ? ErrorCode::invalid_argument : ErrorCode::io,
                fmt::format("cannot create backup file {}: {}; choose a new path in a writable "
                            "directory",
                            out_path, std::strerror(errno)));
  }
  ::close(fd);
  try {
    detail::guarded(impl_->db, "backing up", [&] {
      detail::Db destination(out_path, 0, false);
      sqlite3_backup* backup =
          sqlite3_backup_init(destination.handle(), "main", impl_->db.handle(), "main");
      if (backup == nullptr) throw SQLite::Exception(destination.handle(), sqlite3_errcode(destination.handle()));
      // All pages in one step: a consistent snapshot.
      const int stepped = sqlite3_backup_step(backup, -1);
      const int finished = sqlite3_backup_finish(backup);
      if (stepped != SQLITE_DONE) throw SQLite::Exception(impl_->db.handle(), stepped);
      if (finished != SQLITE_OK) throw SQLite::Exception(destination.handle(), finished);
    });
  } catch (...) {
    ::unlink(out_path.c_str());
    throw;
  }
}

}  // namespace ledger
