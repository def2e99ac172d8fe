-- ledger schema version 1: accounts, the hash-chained journal, idempotency keys, metadata.
-- CHECKs list allowed values with OR, not IN: SQLite evaluates an IN list of three or more
-- values by building a temporary b-tree on every row written.
-- Applied in one transaction together with PRAGMA user_version = 1.

CREATE TABLE meta (
  name  TEXT NOT NULL CONSTRAINT meta_pk PRIMARY KEY,
  value TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE TABLE accounts (
  id              INTEGER PRIMARY KEY,
  code            TEXT NOT NULL CONSTRAINT accounts_code_unique UNIQUE
                  CONSTRAINT accounts_code_length CHECK (length(code) BETWEEN 1 AND 128),
  currency        TEXT NOT NULL CONSTRAINT accounts_currency_format CHECK (length(currency) = 3),
  exponent        INTEGER NOT NULL CONSTRAINT accounts_exponent_range CHECK (exponent BETWEEN 0 AND 4),
  balance         INTEGER NOT NULL DEFAULT 0,
  overdraft       TEXT NOT NULL
                  CONSTRAINT accounts_overdraft_kind CHECK (overdraft = 'none' OR overdraft = 'limit' OR overdraft = 'unlimited'),
  overdraft_limit INTEGER NOT NULL DEFAULT 0
                  CONSTRAINT accounts_overdraft_limit_nonnegative CHECK (overdraft_limit >= 0),
  name            TEXT NOT NULL DEFAULT '',
  created_at      INTEGER NOT NULL,
  -- The last line of defence: the engine checks the rule first and stores a rejection.
  CONSTRAINT accounts_balance_floor CHECK (overdraft = 'unlimited' OR balance >= -overdraft_limit)
) STRICT;

-- One row per money movement; rows are never updated or deleted (see triggers).
CREATE TABLE journal (
  seq            INTEGER PRIMARY KEY,  -- gap-free: 1, 2, 3, ...
  kind           TEXT NOT NULL CONSTRAINT journal_kind CHECK (kind = 'transfer' OR kind = 'reserve' OR kind = 'post' OR kind = 'void' OR kind = 'reverse'),
  debit_account  INTEGER NOT NULL CONSTRAINT journal_debit_fk REFERENCES accounts (id),
  credit_account INTEGER NOT NULL CONSTRAINT journal_credit_fk REFERENCES accounts (id),
  amount         INTEGER NOT NULL CONSTRAINT journal_amount_positive CHECK (amount > 0),
  currency       TEXT NOT NULL,
  memo           TEXT NOT NULL,
  principal      TEXT NOT NULL,
  idem_key       TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  ref_seq        INTEGER CONSTRAINT journal_ref_fk REFERENCES journal (seq),
  hash           BLOB NOT NULL CONSTRAINT journal_hash_size CHECK (length(hash) = 32),
  CONSTRAINT journal_distinct_accounts CHECK (debit_account <> credit_account)
) STRICT;

CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal rows are append-only');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
  SELECT RAISE(ABORT, 'journal rows are append-only');
END;

-- Idempotency keys, always looked up by (principal, key).
--   state 'issued'    issued by the engine, unused
--   state 'completed' used: result and response stored (a transfer, or a stored rejection)
--   state 'expired'   tombstone of a purged key: refuses the key forever
CREATE TABLE idempotency_keys (
  principal    TEXT NOT NULL,
  idem_key     TEXT NOT NULL CONSTRAINT keys_key_length CHECK (length(idem_key) BETWEEN 1 AND 255),
  operation    TEXT NOT NULL,
  issued       INTEGER NOT NULL CONSTRAINT keys_issued_bool CHECK (issued = 0 OR issued = 1),
  state        TEXT NOT NULL
               CONSTRAINT keys_state CHECK (state = 'issued' OR state = 'completed' OR state = 'expired'),
  request      BLOB,     -- canonical encoding of the request (fingerprint input)
  fingerprint  BLOB CONSTRAINT keys_fingerprint_size CHECK (fingerprint IS NULL OR length(fingerprint) = 32),
  result       TEXT,     -- outcome name, e.g. 'created', 'insufficient_funds'
  response     TEXT,     -- the byte-identical response body
  transfer_seq INTEGER CONSTRAINT keys_transfer_unique UNIQUE
               CONSTRAINT keys_transfer_fk REFERENCES journal (seq),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  completed_at INTEGER,
  CONSTRAINT keys_pk PRIMARY KEY (principal, idem_key),
  CONSTRAINT keys_completed_has_response
    CHECK (state <> 'completed' OR (response IS NOT NULL AND fingerprint IS NOT NULL))
) STRICT, WITHOUT ROWID;

-- purge and stats look for keys that never moved money; keys that did (the hot path)
-- stay out of this index.
CREATE INDEX keys_purgeable ON idempotency_keys (state, completed_at, expires_at)
  WHERE transfer_seq IS NULL;
