// The idempotency-key table: issuing keys, lookup (always scoped by principal), storing
// outcomes, listing, and purging into tombstones. How a key's text is stored is
// key_encoding.h's business.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "impl.h"

namespace ledger::detail {

// A key's row as the runner needs it to decide.
struct StoredKey {
  std::string operation;
  bool issued = false;
  std::string state;  // as stored: issued | completed | expired
  std::optional<std::string> request;  // nullopt: NULL, see RebuildsRequestFromJournal
  std::string fingerprint;
  std::string result;
  std::string response;
  std::optional<std::int64_t> transfer_seq;
  std::optional<std::int64_t> expires_at_ms;
};
std::optional<StoredKey> load_key(Db& db, const std::string& principal, const std::string& key);

// The replay read. A fingerprint is stored only when a key completes (store_key_outcome)
// and dropped when it becomes a tombstone (purge), so a row matching (principal, key,
// fingerprint) is a completed key with this very request, and `state` need not be read. A
// created outcome is the only one with a journal row: COALESCE reads `result` only for
// stored rejections. Parameters: 1 principal, 2 key (bind_key), 3 fingerprint (blob).
inline constexpr const char* kReplayQuery =
    "SELECT response, COALESCE(transfer_seq, result) FROM idempotency_keys "
    "WHERE principal = ?1 AND idem_key = ?2 AND fingerprint = ?3";

// The stored outcome of a completed key whose request had this fingerprint; nullopt if the
// key is unknown, not completed, or was used with another request.
struct CompletedKey {
  std::string result;
  std::string response;
  std::optional<std::int64_t> transfer_seq;
};
std::optional<CompletedKey> find_completed_key(Db& db, const std::string& principal,
                                               const std::string& key,
                                               std::string_view fingerprint);

// Stores the outcome on the key: inserts a client key's row, or completes an issued one.
struct KeyOutcome {
  const std::string& principal;
  const std::string& key;
  const std::string& operation;
  std::optional<std::string_view> request;  // nullopt: stored as NULL
  std::string_view fingerprint;
  const std::string& result;
  const std::string& response;
  std::optional<std::int64_t> transfer_seq;
  std::int64_t now_ms = 0;
  bool existing_issued = false;
};
// Also appends the outcome to the outcome chain (outcome_chain.h).
void store_key_outcome(Impl& impl, const KeyOutcome& outcome);

KeyRecord issue_key(Impl& impl, const std::string& principal, const std::string& operation,
                    std::optional<std::int64_t> ttl_seconds);
std::optional<KeyRecord> find_key(Impl& impl, const std::string& principal,
                                  const std::string& key);
std::vector<KeyRecord> list_keys(Impl& impl, const KeyFilter& filter);
PurgeReport purge_keys(Impl& impl, std::optional<std::int64_t> older_than_seconds);

}  // namespace ledger::detail
