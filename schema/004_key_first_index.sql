-- ledger schema version 4: the idempotency-key index leads with the key, then the principal.
-- Applied in one transaction together with PRAGMA user_version = 4.
--
-- Why: every lookup names both (principal, key), so either order finds a key in one
-- search, and (principal, key) stays unique either way. But with the principal first, the
-- time-ordered keys of 16 tills (issued keys and UUIDv7s start with their millisecond
-- time) landed on 16 right edges: a group commit of 8 transfers dirtied up to 8 index
-- pages. Key first, they share one right edge. Random (UUIDv4) keys land on a random page
-- in either order. No query filters by principal alone through this index (list_keys
-- scans), so nothing loses its index.
-- The table is rebuilt because SQLite cannot change a table constraint in place; rows keep
-- their ids (the append order of the records).

CREATE TABLE idempotency_keys_v4 (
  id           INTEGER PRIMARY KEY,
  principal    TEXT NOT NULL,
  idem_key     ANY NOT NULL     -- TEXT, or the BLOB of a lowercase hex key (schema 3)
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
  -- Not UNIQUE (schema 3): verify reports a journal row claimed by two keys.
  transfer_seq INTEGER CONSTRAINT keys_transfer_fk REFERENCES journal (seq),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  completed_at INTEGER,
  CONSTRAINT keys_key_principal_unique UNIQUE (idem_key, principal),
  CONSTRAINT keys_completed_has_response
    CHECK (state <> 'completed' OR (response IS NOT NULL AND fingerprint IS NOT NULL))
) STRICT;

INSERT INTO idempotency_keys_v4 (id, principal, idem_key, operation, issued, state, request,
                                 fingerprint, result, response, transfer_seq, created_at,
                                 expires_at, completed_at)
  SELECT id, principal, idem_key, operation, issued, state, request, fingerprint, result,
         response, transfer_seq, created_at, expires_at, completed_at
  FROM idempotency_keys ORDER BY id;

DROP TABLE idempotency_keys;
ALTER TABLE idempotency_keys_v4 RENAME TO idempotency_keys;

-- Dropped with the old table; the same partial index as in versions 1 and 3.
CREATE INDEX keys_purgeable ON idempotency_keys (state, completed_at, expires_at)
  WHERE transfer_seq IS NULL;
