// The ledger's id (SPEC 11): a random UUID made once, when the schema that introduced it
// (version 6) is applied, kept in the meta table and never changed. It names the ledger in
// stats, in closings and in audit archives, and leads every key of the central database a
// head office consolidates its ledgers into.
#pragma once

#include <string>

namespace ledger::detail {

class Db;

// Inside the migration's transaction: records a fresh id (a version 4 UUID from OpenSSL's
// CSPRNG).
void record_ledger_id(Db& db);

// The recorded id ("" if the file has none: it is older than schema version 6).
[[nodiscard]] std::string read_ledger_id(Db& db);

}  // namespace ledger::detail
