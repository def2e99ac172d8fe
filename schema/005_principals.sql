-- ledger schema version 5: principals and their bearer tokens (SPEC 8, served by ledgerd).
-- Applied in one transaction together with PRAGMA user_version = 5.
--
-- Only the SHA-256 of a token is stored: whoever reads the file (a backup, an audit copy)
-- cannot present a token. Tokens carry 256 CSPRNG bits, so a plain hash is enough (no
-- salt or slow hash: nobody can enumerate the token space).

CREATE TABLE principals (
  id               INTEGER PRIMARY KEY,
  name             TEXT NOT NULL UNIQUE,
  admin            INTEGER NOT NULL CONSTRAINT principals_admin_bool CHECK (admin = 0 OR admin = 1),
  -- The account patterns as a JSON array of strings, e.g. ["till:7","customer:*"].
  account_patterns TEXT NOT NULL CONSTRAINT principals_patterns_json CHECK (json_valid(account_patterns)),
  token_sha256     BLOB NOT NULL UNIQUE
                   CONSTRAINT principals_token_size CHECK (length(token_sha256) = 32),
  created_at       INTEGER NOT NULL,
  revoked_at       INTEGER
);
