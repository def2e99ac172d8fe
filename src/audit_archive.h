// The audit archive (SPEC 10): one JSON Lines file that holds everything needed to check a
// ledger's record without the ledger file: every journal row (with its account codes),
// every stored outcome (with its fingerprint, result and body), every event, every signed
// closing; and, last, a manifest with the SHA-256 of all the bytes before it and the
// counts and chain heads, signed with the operator's key when one is given.
#pragma once

#include <optional>
#include <string>

#include "db.h"
#include "ledger/types.h"

namespace ledger::detail {

// Writes the archive of `db` to `out_path` (a new file, mode 0600) from one read snapshot.
void export_audit_archive(Db& db, const std::string& out_path,
                          const std::optional<std::string>& signing_key_pem);

// Checks an archive with nothing but it and the public key.
VerifyReport verify_audit_archive(const std::string& path, const std::string& public_key_pem);

}  // namespace ledger::detail
