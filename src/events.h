// The event chain (SPEC 10): what decides money besides the journal and the stored
// outcomes, each change a link SHA-256(prev || canonical(event)): an account's creation
// with its rules, a hold released by its timeout, a signing key recorded. verify replays
// the events and compares what they say with the rows (an account's overdraft rule, a
// hold's state), so an edit of those rows without an event is reported.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "crypto.h"
#include "impl.h"
#include "outcome_chain.h"

namespace ledger::detail {

inline constexpr std::string_view kEventAccountCreated{"account_created"};
inline constexpr std::string_view kEventHoldExpired{"hold_expired"};
inline constexpr std::string_view kEventSigningKeyAdded{"signing_key_added"};

struct Event {
  std::string kind;
  std::string subject;  // the account code, the hold's reserve sequence, the key fingerprint
  std::string detail;   // a JSON object (nlohmann dump: sorted keys, no spaces)
  std::int64_t journal_seq = 0;  // the journal's last sequence when the event happened
  std::int64_t created_at_ms = 0;
};

[[nodiscard]] const Digest& event_genesis_hash();
[[nodiscard]] Digest event_link_hash(const Digest& prev, std::int64_t sequence,
                                     const Event& event);

// Appends `event` (its journal_seq is filled in with the journal's last sequence) inside
// the write transaction; returns its sequence.
std::int64_t append_event(Impl& impl, Event event);
// Appends `event` as it is (the migration sets journal_seq itself).
std::int64_t append_event_row(Db& db, const Event& event);

// The last event stored, or {0, genesis}.
ChainPosition event_chain_head(Db& db);

// The detail of an account_created event: the rules the account was created with.
[[nodiscard]] std::string account_event_detail(const Account& account);
// The detail of a hold_expired event: the account whose held amount it released, and how much.
[[nodiscard]] std::string hold_expired_detail(const std::string& account_code,
                                              std::int64_t amount_minor);

}  // namespace ledger::detail
