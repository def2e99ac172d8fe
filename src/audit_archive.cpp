#include "audit_archive.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "closing_check.h"
#include "events.h"
#include "journal.h"
#include "json_text.h"
#include "key_encoding.h"
#include "ledger_id.h"
#include "link_walk.h"
#include "ledger/error.h"
#include "migrations.h"
#include "outcome_chain.h"
#include "signing.h"

namespace ledger::detail {
namespace {

using json = nlohmann::json;

constexpr std::string_view kArchiveFormat{"ledger.audit.v1"};

std::optional<std::string> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    int high = nibble(hex[i]), low = nibble(hex[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return bytes;
}

Digest digest_from_hex(const std::string& hex) {
  Digest digest{};
  auto bytes = from_hex(hex);
  if (bytes && bytes->size() == digest.size()) std::memcpy(digest.data(), bytes->data(), digest.size());
  return digest;
}

json optional_json(const SQLite::Column& column) {
  return column.isNull() ? json(nullptr) : json(column.getInt64());
}

// One record of the archive: its canonical dump on a line of its own.
void append_line(std::string& archive, const json& record) {
  archive += json_text(record);
  archive += '\n';
}

void write_new_file(const std::string& path, const std::string& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int error = errno;
    throw Error(error == EEXIST ? ErrorCode::invalid_argument : ErrorCode::io,
                fmt::format("cannot create {}: {}{}", path, std::strerror(error),
                            error == EEXIST ? " (an archive is never overwritten: choose a new path)"
                                            : ""));
  }
  std::size_t written = 0;
  while (written < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int error = errno;
      ::close(fd);
      ::unlink(path.c_str());
      throw Error(ErrorCode::io, fmt::format("writing {} failed: {}; the partial file was removed",
                                             path, std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(path.c_str());
    throw Error(ErrorCode::io, fmt::format("writing {} failed: {}; the partial file was removed",
                                           path, std::strerror(errno)));
  }
}

}  // namespace

void export_audit_archive(Db& db, const std::string& out_path,
                          const std::optional<std::string>& signing_key_pem) {
  if (signing_key_pem) (void)public_pem_of(*signing_key_pem, "the signing key");
  std::string archive;
  std::int64_t journal_rows = 0, outcome_rows = 0, event_rows = 0, closing_rows = 0;
  db.exec("BEGIN");
  try {
    append_line(archive, {{"format", kArchiveFormat},
                  {"file_format_version", latest_schema_version()},
                  {"ledger_id", read_ledger_id(db)}});
    Statement journal(db.handle(),
                      "SELECT j.seq, j.kind, d.code, c.code, j.amount, j.currency, j.memo, "
                      "j.principal, j.idem_key, j.created_at, j.ref_seq, j.clock_behind_ms, j.hash "
                      "FROM journal j JOIN accounts d ON d.id = j.debit_account "
                      "JOIN accounts c ON c.id = j.credit_account ORDER BY j.seq");
    while (journal.executeStep()) {
      append_line(archive, {{"journal",
                     {{"seq", journal.getColumn(0).getInt64()},
                      {"kind", journal.getColumn(1).getString()},
                      {"debit", journal.getColumn(2).getString()},
                      {"credit", journal.getColumn(3).getString()},
                      {"amount_minor", journal.getColumn(4).getInt64()},
                      {"currency", journal.getColumn(5).getString()},
                      {"memo", journal.getColumn(6).getString()},
                      {"principal", journal.getColumn(7).getString()},
                      {"key", journal.getColumn(8).getString()},
                      {"created_at_ms", journal.getColumn(9).getInt64()},
                      {"ref_seq", optional_json(journal.getColumn(10))},
                      {"clock_behind_ms", journal.getColumn(11).getInt64()},
                      {"hash", to_hex(column_bytes(journal.getColumn(12)))}}}});
      ++journal_rows;
    }
    Statement outcomes(db.handle(),
                       "SELECT outcome_seq, principal, idem_key, operation, transfer_seq, "
                       "completed_at, state, fingerprint, result, response, outcome_digest, "
                       "outcome_hash FROM idempotency_keys WHERE outcome_seq IS NOT NULL "
                       "ORDER BY outcome_seq");
    while (outcomes.executeStep()) {
      const bool tombstone = outcomes.getColumn(6).getString() == "expired";
      json record = {{"seq", outcomes.getColumn(0).getInt64()},
                     {"principal", outcomes.getColumn(1).getString()},
                     {"key", key_from_column(outcomes.getColumn(2))},
                     {"operation", outcomes.getColumn(3).getString()},
                     {"transfer_seq", optional_json(outcomes.getColumn(4))},
                     {"completed_at_ms", outcomes.getColumn(5).getInt64()},
                     {"result", outcomes.getColumn(8).getString()},
                     {"hash", to_hex(column_bytes(outcomes.getColumn(11)))}};
      if (tombstone) {
        record["tombstone_digest"] = to_hex(column_bytes(outcomes.getColumn(10)));
      } else {
        record["fingerprint"] = to_hex(column_bytes(outcomes.getColumn(7)));
        record["response"] = outcomes.getColumn(9).getString();
      }
      append_line(archive, {{"outcome", record}});
      ++outcome_rows;
    }
    Statement events(db.handle(),
                     "SELECT seq, kind, subject, detail, journal_seq, created_at, hash FROM events "
                     "ORDER BY seq");
    while (events.executeStep()) {
      append_line(archive, {{"event",
                     {{"seq", events.getColumn(0).getInt64()},
                      {"kind", events.getColumn(1).getString()},
                      {"subject", events.getColumn(2).getString()},
                      {"detail", events.getColumn(3).getString()},
                      {"journal_seq", events.getColumn(4).getInt64()},
                      {"created_at_ms", events.getColumn(5).getInt64()},
                      {"hash", to_hex(column_bytes(events.getColumn(6)))}}}});
      ++event_rows;
    }
    Statement closings(db.handle(),
                       "SELECT number, until_ms, first_seq, last_seq, document, hash, signature, "
                       "key_fingerprint FROM closings ORDER BY number");
    while (closings.executeStep()) {
      append_line(archive, {{"closing",
                     {{"number", closings.getColumn(0).getInt64()},
                      {"until_ms", closings.getColumn(1).getInt64()},
                      {"first_seq", closings.getColumn(2).getInt64()},
                      {"last_seq", closings.getColumn(3).getInt64()},
                      {"document", closings.getColumn(4).getString()},
                      {"hash", to_hex(column_bytes(closings.getColumn(5)))},
                      {"signature", to_hex(column_bytes(closings.getColumn(6)))},
                      {"key_fingerprint", to_hex(column_bytes(closings.getColumn(7)))}}}});
      ++closing_rows;
    }
  } catch (...) {
    sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
  sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
  const json manifest = {
      {"sha256", to_hex(as_bytes(sha256(archive)))},
      {"counts",
       {{"journal", journal_rows}, {"outcomes", outcome_rows}, {"events", event_rows},
        {"closings", closing_rows}}}};
  json last = {{"manifest", manifest}};
  if (signing_key_pem) {
    last["signature"] = to_hex(sign_message(*signing_key_pem, json_text(manifest), "the signing key"));
    last["signing_key_fingerprint"] =
        to_hex(as_bytes(key_fingerprint(*signing_key_pem, "the signing key")));
  }
  append_line(archive, last);
  write_new_file(out_path, archive);
}

namespace {

class ArchiveCheck {
 public:
  explicit ArchiveCheck(const PublicKey& public_key) : public_key_(public_key) {}
  VerifyReport run(const std::string& bytes);

 private:
  void add(std::string kind, std::string where, std::string detail) {
    if (report_.violations.size() < 1000) {
      report_.violations.push_back({std::move(kind), std::move(where), std::move(detail)});
    }
  }
  bool check_manifest(const std::string& bytes, std::size_t body_end);
  void check_record(const json& record, std::size_t line_number);

  const PublicKey& public_key_;
  VerifyReport report_;
  std::vector<json> journal_, outcomes_, events_;
  std::vector<StoredClosing> closings_;
  json counts_;
};

bool ArchiveCheck::check_manifest(const std::string& bytes, std::size_t body_end) {
  const std::string last_line = bytes.substr(body_end, bytes.size() - body_end - 1);
  const json last = json::parse(last_line, nullptr, false);
  if (!last.is_object() || !last.contains("manifest") || !last["manifest"].is_object() ||
      json_text(last) != last_line) {
    add("archive_manifest", "archive manifest",
        "the last line is not the manifest this build writes: the archive was altered or cut");
    return false;
  }
  const json& manifest = last["manifest"];
  const std::string body_hash = to_hex(as_bytes(sha256(std::string_view(bytes).substr(0, body_end))));
  if (manifest.value("sha256", "") != body_hash) {
    add("archive_manifest", "archive manifest",
        "the SHA-256 of the archive's records differs from its manifest: a byte was changed");
  }
  const bool signed_manifest = last.contains("signature");
  if (last.size() != (signed_manifest ? 3U : 1U) ||
      signed_manifest != last.contains("signing_key_fingerprint")) {
    add("archive_manifest", "archive manifest", "the manifest line has fields this build never writes");
  }
  if (signed_manifest) {
    const auto signature = from_hex(last.value("signature", ""));
    if (!signature || !public_key_.verifies(json_text(manifest), *signature)) {
      add("archive_signature", "archive manifest",
          "the manifest's signature does not verify with the given public key");
    }
    if (last.value("signing_key_fingerprint", "") != to_hex(as_bytes(public_key_.fingerprint()))) {
      add("archive_signature", "archive manifest",
          "the manifest names another signing key than the given public key");
    }
  }
  counts_ = manifest.value("counts", json::object());
  return true;
}

void ArchiveCheck::check_record(const json& record, std::size_t line_number) {
  if (record.contains("journal")) {
    journal_.push_back(record["journal"]);
  } else if (record.contains("outcome")) {
    outcomes_.push_back(record["outcome"]);
  } else if (record.contains("event")) {
    events_.push_back(record["event"]);
  } else if (record.contains("closing")) {
    const json& c = record["closing"];
    closings_.push_back(StoredClosing{c.value("number", std::int64_t{0}),
                                      c.value("until_ms", std::int64_t{0}),
                                      c.value("first_seq", std::int64_t{0}),
                                      c.value("last_seq", std::int64_t{0}),
                                      c.value("document", ""),
                                      from_hex(c.value("hash", "")).value_or(""),
                                      from_hex(c.value("signature", "")).value_or(""),
                                      from_hex(c.value("key_fingerprint", "")).value_or("")});
  } else if (line_number != 1 || record.value("format", "") != kArchiveFormat) {
    add("archive_record", fmt::format("archive line {}", line_number),
        "not a record this build writes");
  }
}

VerifyReport ArchiveCheck::run(const std::string& bytes) {
  if (bytes.empty() || bytes.back() != '\n') {
    add("archive_manifest", "archive manifest", "the archive is empty or cut short");
    return std::move(report_);
  }
  const std::size_t body_end = bytes.rfind('\n', bytes.size() - 2) == std::string::npos
                                   ? 0
                                   : bytes.rfind('\n', bytes.size() - 2) + 1;
  if (!check_manifest(bytes, body_end)) return std::move(report_);
  std::istringstream lines(bytes.substr(0, body_end));
  std::string line;
  std::size_t number = 0;
  while (std::getline(lines, line)) {
    ++number;
    const json record = json::parse(line, nullptr, false);
    if (!record.is_object() || json_text(record) != line) {
      add("archive_record", fmt::format("archive line {}", number),
          "not a JSON object as this build writes it: the line was altered");
      continue;
    }
    check_record(record, number);
  }
  try {
    const ReportViolation report = [this](std::string kind, std::string where,
                                          std::string detail) {
      add(std::move(kind), std::move(where), std::move(detail));
    };
    ClosingCheck closings(closings_, &public_key_, report);
    report_.closings_checked = closings.closings_checked();
    report_.signatures_checked = closings.signatures_checked();
    LinkWalk journal_chain(kJournalChain, genesis_hash());
    for (const json& row : journal_) {
      JournalRow entry;
      const std::int64_t seq = row.at("seq").get<std::int64_t>();
      entry.kind = row.at("kind").get<std::string>();
      entry.debit_code = row.at("debit").get<std::string>();
      entry.credit_code = row.at("credit").get<std::string>();
      entry.amount_minor = row.at("amount_minor").get<std::int64_t>();
      entry.currency = row.at("currency").get<std::string>();
      entry.memo = row.at("memo").get<std::string>();
      entry.principal = row.at("principal").get<std::string>();
      entry.key = row.at("key").get<std::string>();
      entry.created_at_ms = row.at("created_at_ms").get<std::int64_t>();
      if (!row.at("ref_seq").is_null()) entry.ref_seq = row.at("ref_seq").get<std::int64_t>();
      entry.clock_behind_ms = row.at("clock_behind_ms").get<std::int64_t>();
      const Digest stored = digest_from_hex(row.at("hash").get<std::string>());
      journal_chain.step(seq, chain_hash(journal_chain.prev(), seq, entry), stored, report);
      closings.journal_row(seq, entry.kind, entry.debit_code, entry.credit_code, entry.currency,
                           entry.amount_minor);
      closings.link(Chain::journal, seq, stored);
      ++report_.journal_rows_checked;
    }
    LinkWalk outcome_chain(kOutcomeChain, outcome_genesis_hash());
    for (const json& row : outcomes_) {
      const std::int64_t seq = row.at("seq").get<std::int64_t>();
      const Digest digest =
          row.contains("tombstone_digest")
              ? digest_from_hex(row.at("tombstone_digest").get<std::string>())
              : outcome_digest(from_hex(row.at("fingerprint").get<std::string>()).value_or(""),
                               row.at("result").get<std::string>(),
                               row.at("response").get<std::string>());
      std::optional<std::int64_t> transfer_seq;
      if (!row.at("transfer_seq").is_null()) transfer_seq = row.at("transfer_seq").get<std::int64_t>();
      const std::string principal = row.at("principal").get<std::string>();
      const std::string key = row.at("key").get<std::string>();
      const std::string operation = row.at("operation").get<std::string>();
      const Digest stored = digest_from_hex(row.at("hash").get<std::string>());
      const OutcomeLink link{principal, key, operation, transfer_seq,
                             row.at("completed_at_ms").get<std::int64_t>(), digest};
      outcome_chain.step(seq, outcome_link_hash(outcome_chain.prev(), seq, link), stored, report);
      closings.link(Chain::outcomes, seq, stored);
      ++report_.outcomes_checked;
    }
    LinkWalk event_chain(kEventChain, event_genesis_hash());
    for (const json& row : events_) {
      const std::int64_t seq = row.at("seq").get<std::int64_t>();
      const Event event{row.at("kind").get<std::string>(), row.at("subject").get<std::string>(),
                        row.at("detail").get<std::string>(),
                        row.at("journal_seq").get<std::int64_t>(),
                        row.at("created_at_ms").get<std::int64_t>()};
      const Digest stored = digest_from_hex(row.at("hash").get<std::string>());
      event_chain.step(seq, event_link_hash(event_chain.prev(), seq, event), stored, report);
      closings.link(Chain::events, seq, stored);
      ++report_.events_checked;
    }
    closings.finish(journal_chain.last(), outcome_chain.last(), event_chain.last());
  } catch (const json::exception& e) {
    add("archive_record", "archive", fmt::format("a record lacks a field this build writes ({})", e.what()));
  }
  const json counted = {{"journal", journal_.size()}, {"outcomes", outcomes_.size()},
                        {"events", events_.size()}, {"closings", closings_.size()}};
  if (counted != counts_) {
    add("archive_manifest", "archive manifest",
        fmt::format("the archive holds {} but its manifest lists {}", json_text(counted), json_text(counts_)));
  }
  return std::move(report_);
}

}  // namespace

VerifyReport verify_audit_archive(const std::string& path, const std::string& public_key_pem) {
  const PublicKey public_key(public_key_pem, "the public key");
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw Error(ErrorCode::not_found,
                fmt::format("cannot read the archive {}: {}; give the path of a file written by "
                            "`ledgerctl audit export`",
                            path, std::strerror(errno)));
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return ArchiveCheck(public_key).run(buffer.str());
}

}  // namespace ledger::detail
