-- ledger schema version 6: fiscal integrity (SPEC 10). Applied in one transaction together
-- with PRAGMA user_version = 6; the engine then chains the records the file already holds
-- (src/fiscal_migration.cpp) in the same transaction.

-- The clock guard: a row's created_at is never earlier than the previous row's. When the
-- system clock was behind that (it jumped back), the row keeps the previous time and
-- records here by how many milliseconds the clock was behind; 0 otherwise.
ALTER TABLE journal ADD COLUMN clock_behind_ms INTEGER NOT NULL DEFAULT 0
  CONSTRAINT journal_clock_behind_nonnegative CHECK (clock_behind_ms >= 0);

-- The outcome chain (src/outcome_chain.h): each stored outcome's position and link hash.
-- A purged rejection (a tombstone) drops its fingerprint and response as before, but keeps
-- its link and, in outcome_digest, the digest of what it dropped, so the chain stays
-- verifiable.
ALTER TABLE idempotency_keys ADD COLUMN outcome_seq INTEGER;
ALTER TABLE idempotency_keys ADD COLUMN outcome_hash BLOB
  CONSTRAINT keys_outcome_hash_size CHECK (outcome_hash IS NULL OR length(outcome_hash) = 32);
ALTER TABLE idempotency_keys ADD COLUMN outcome_digest BLOB
  CONSTRAINT keys_outcome_digest_size CHECK (outcome_digest IS NULL OR length(outcome_digest) = 32);

-- The head of each chain that has no append-only table of its own to find it in: the
-- outcome chain's links live on the key records, which are not in outcome order. One row,
-- updated once per write transaction rather than an index on outcome_seq (an insert per
-- outcome). verify checks it against the last link, so a cut tail of outcomes shows.
CREATE TABLE chain_heads (
  chain TEXT NOT NULL CONSTRAINT chain_heads_pk PRIMARY KEY
        CONSTRAINT chain_heads_name CHECK (chain = 'outcomes'),
  seq   INTEGER NOT NULL,
  hash  BLOB NOT NULL CONSTRAINT chain_heads_hash_size CHECK (length(hash) = 32)
) STRICT, WITHOUT ROWID;

-- The event chain (src/events.h): account creations, holds released by their timeout,
-- signing keys recorded. Append-only, like the journal.
CREATE TABLE events (
  seq         INTEGER PRIMARY KEY,  -- gap-free: 1, 2, 3, ...
  kind        TEXT NOT NULL
              CONSTRAINT events_kind CHECK (kind = 'account_created' OR kind = 'hold_expired' OR kind = 'signing_key_added'),
  subject     TEXT NOT NULL,
  detail      TEXT NOT NULL CONSTRAINT events_detail_json CHECK (json_valid(detail)),
  journal_seq INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  hash        BLOB NOT NULL CONSTRAINT events_hash_size CHECK (length(hash) = 32)
) STRICT;

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

-- Public keys that may sign closings, by the SHA-256 of the raw key.
CREATE TABLE signing_keys (
  fingerprint BLOB NOT NULL CONSTRAINT signing_keys_pk PRIMARY KEY
              CONSTRAINT signing_keys_fingerprint_size CHECK (length(fingerprint) = 32),
  public_key  TEXT NOT NULL,
  created_at  INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Signed closings (SPEC 10). `document` is the exact signed text (a JSON object); the
-- other columns repeat what queries need. A closed period is never reopened.
CREATE TABLE closings (
  number          INTEGER PRIMARY KEY,  -- 1, 2, 3, ...
  until_ms        INTEGER NOT NULL,
  first_seq       INTEGER NOT NULL,
  last_seq        INTEGER NOT NULL,
  document        TEXT NOT NULL CONSTRAINT closings_document_json CHECK (json_valid(document)),
  hash            BLOB NOT NULL CONSTRAINT closings_hash_size CHECK (length(hash) = 32),
  signature       BLOB NOT NULL CONSTRAINT closings_signature_size CHECK (length(signature) = 64),
  key_fingerprint BLOB NOT NULL CONSTRAINT closings_fingerprint_size CHECK (length(key_fingerprint) = 32),
  created_at      INTEGER NOT NULL
) STRICT;

CREATE TRIGGER closings_no_update BEFORE UPDATE ON closings
BEGIN
  SELECT RAISE(ABORT, 'closings are never reopened or changed');
END;

CREATE TRIGGER closings_no_delete BEFORE DELETE ON closings
BEGIN
  SELECT RAISE(ABORT, 'closings are never reopened or changed');
END;
