// Edge journal rows as COPY text for ledger_hq.journal: what sync push sends, and what
// central-bench's bare COPY baseline sends, so that both ship the very same bytes.
#pragma once

#include <string>
#include <vector>

#include "edge_snapshot.h"

namespace ledger::central {

inline constexpr const char* kJournalCopy =
    "COPY ledger_hq.journal (ledger_id, seq, kind, debit_account, credit_account, "
    "amount_minor, currency, memo, principal, idem_key, created_at_ms, ref_seq, "
    "clock_behind_ms, prev_hash, hash) FROM STDIN";

// The rows as COPY text lines, each with the hash it chains from (the first row from
// `first_prev`, raw 32 bytes). Written byte by byte: this runs once per row of every push.
[[nodiscard]] std::string journal_copy_text(const std::string& ledger_id,
                                            const std::vector<EdgeRow>& rows,
                                            const std::string& first_prev);

}  // namespace ledger::central
