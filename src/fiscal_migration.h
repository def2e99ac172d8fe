// Schema version 6 (SPEC 10) gives the ledger its ledger_id (a random UUID, SPEC 11: how a
// head office tells its ledgers apart; kept in meta, never changed) and chains what an
// older file already holds, inside the migration's transaction: the outcome chain over every stored outcome in the order it was
// stored, an account_created event per account (its rules as they are), and a hold_expired
// event per hold that had expired. Stored responses, fingerprints and journal rows are not
// touched, so every completed key still replays byte for byte.
#pragma once

namespace ledger::detail {

class Db;

void chain_existing_records(Db& db);

}  // namespace ledger::detail
