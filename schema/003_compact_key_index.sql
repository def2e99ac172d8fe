-- ledger schema version 3: the idempotency-key table becomes a rowid table.
-- Applied in one transaction together with PRAGMA user_version = 3.
--
-- Why: as a WITHOUT ROWID table keyed by (principal, idem_key), every key's whole record
-- (request, fingerprint, response: about 450 bytes) sat in the b-tree that random client
-- keys insert into, so a batch of 1000 transfers dirtied about one 4 KiB page per key.
-- Now the records are appended in rowid order (a few pages per batch) and only the
-- UNIQUE (principal, idem_key) index, about 50 bytes per key, takes the random inserts.
-- A lookup costs one more b-tree step (index, then row by rowid).
-- The index entries are compact too: a key in one of the two lowercase hex forms (a UUID, or
-- a key this engine issued) is stored as its 16 or 22 raw bytes, any other key as its text
-- (src/key_storage.h; ledger_key() is that mapping, registered by the engine).

CREATE TABLE idempotency_keys_v3 (
  id           INTEGER PRIMARY KEY,
  principal    TEXT NOT NULL,
  idem_key     ANY NOT NULL     -- TEXT, or the BLOB of a lowercase hex key (see above)
               CONSTRAINT keys_key_kind CHECK (typeof(idem_key) = 'text' OR typeof(idem_key) = 'blob')
               CONSTRAINT keys_key_length CHECK (length(idem_key) BETWEEN 1 AND 255),
  operation    TEXT NOT NULL,
  issued       INTEGER NOT NULL CONSTRAINT keys_issued_bool CHECK (issued = 0 OR issued = 1),
  state        TEXT NOT NULL
               CONSTRAINT keys_state CHECK (state = 'issued' OR state = 'completed' OR state = 'expired'),
  request      BLOB,     -- canonical encoding of the request (fingerprint input)
  fingerprint  BLOB CONSTRAINT keys_fingerprint_size CHECK (fingerprint IS NULL OR length(fingerprint) = 32),
  result       TEXT,     -- outcome name, e.g. 'created', 'insufficient_funds'
  response     TEXT,     -- the byte-identical response body
  -- Not UNIQUE: that index cost one more page written per transfer, and verify already
  -- reports a journal row claimed by two keys (only one can match its principal and key).
  transfer_seq INTEGER CONSTRAINT keys_transfer_fk REFERENCES journal (seq),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  completed_at INTEGER,
  CONSTRAINT keys_principal_key_unique UNIQUE (principal, idem_key),
  CONSTRAINT keys_completed_has_response
    CHECK (state <> 'completed' OR (response IS NOT NULL AND fingerprint IS NOT NULL))
) STRICT;

INSERT INTO idempotency_keys_v3 (principal, idem_key, operation, issued, state, request,
                                 fingerprint, result, response, transfer_seq, created_at,
                                 expires_at, completed_at)
  SELECT principal, ledger_key(idem_key), operation, issued, state, request, fingerprint, result, response,
         transfer_seq, created_at, expires_at, completed_at
  FROM idempotency_keys ORDER BY created_at, principal, idem_key;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_v3 RENAME TO idempotency_keys;

-- Dropped with the old table; the same partial index as in version 1.
CREATE INDEX keys_purgeable ON idempotency_keys (state, completed_at, expires_at)
  WHERE transfer_seq IS NULL;
