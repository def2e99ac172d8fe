-- ledger head office, central schema version 1 (SPEC 11): every till's journal, closings
-- and chain heads, consolidated into PostgreSQL by `ledgerctl sync push`.
--
-- ledger_id leads every primary key, so that each table can be distributed by it
-- unchanged (Citus: create_distributed_table('ledger_hq.journal', 'ledger_id'); YugabyteDB:
-- the leading HASH column), and everything one push touches lives on one shard group.
-- The migrator (src/central/central_schema.cpp) creates the schema ledger_hq and the
-- version table before this file runs, in one transaction under an advisory lock.

-- One row per edge ledger. head_seq/head_hash: the last accepted journal row (0 and the
-- genesis hash before the first). Only ledger_hq.accept_rows moves the head.
CREATE TABLE ledger_hq.ledgers (
  ledger_id     uuid        NOT NULL PRIMARY KEY,
  store         text        NOT NULL CHECK (length(store) BETWEEN 1 AND 128),
  head_seq      bigint      NOT NULL CHECK (head_seq >= 0),
  head_hash     bytea       NOT NULL CHECK (length(head_hash) = 32),
  first_push_at timestamptz NOT NULL DEFAULT now(),
  last_push_at  timestamptz NOT NULL DEFAULT now()
);

-- The accounts the journal names (codes are unique per ledger, not across ledgers).
CREATE TABLE ledger_hq.accounts (
  ledger_id uuid     NOT NULL,
  code      text     NOT NULL,
  currency  text     NOT NULL CHECK (length(currency) = 3),
  exponent  smallint NOT NULL CHECK (exponent BETWEEN 0 AND 4),
  name      text     NOT NULL,
  PRIMARY KEY (ledger_id, code)
);

-- The journal, row for row and hash for hash as each edge wrote it (SPEC 6). prev_hash is
-- the hash the row chains from: the central side checks each batch's links without
-- knowing how a hash is computed; `ledgerctl hq verify` recomputes every hash.
CREATE TABLE ledger_hq.journal (
  ledger_id       uuid   NOT NULL,
  seq             bigint NOT NULL CHECK (seq > 0),
  kind            text   NOT NULL CHECK (kind IN ('transfer', 'reserve', 'post', 'void', 'reverse')),
  debit_account   text   NOT NULL,
  credit_account  text   NOT NULL,
  amount_minor    bigint NOT NULL CHECK (amount_minor > 0),
  currency        text   NOT NULL,
  memo            text   NOT NULL,
  principal       text   NOT NULL,
  idem_key        text   NOT NULL,
  created_at_ms   bigint NOT NULL,
  ref_seq         bigint,
  clock_behind_ms bigint NOT NULL DEFAULT 0,
  prev_hash       bytea  NOT NULL CHECK (length(prev_hash) = 32),
  hash            bytea  NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (ledger_id, seq)
);

-- Signed closings (SPEC 10), the exact signed document and its signature.
CREATE TABLE ledger_hq.closings (
  ledger_id       uuid   NOT NULL,
  number          bigint NOT NULL CHECK (number > 0),
  until_ms        bigint NOT NULL,
  first_seq       bigint NOT NULL,
  last_seq        bigint NOT NULL,
  document        text   NOT NULL,
  hash            bytea  NOT NULL CHECK (length(hash) = 32),
  signature       bytea  NOT NULL CHECK (length(signature) = 64),
  key_fingerprint bytea  NOT NULL CHECK (length(key_fingerprint) = 32),
  created_at_ms   bigint NOT NULL,
  PRIMARY KEY (ledger_id, number)
);

-- The heads of the edge's outcome and event chains as each push saw them, with the journal
-- head of that moment: a later push whose chain disagrees at a recorded position is a fork.
CREATE TABLE ledger_hq.chain_heads (
  ledger_id   uuid        NOT NULL,
  chain       text        NOT NULL CHECK (chain IN ('outcomes', 'events')),
  position    bigint      NOT NULL CHECK (position >= 0),
  hash        bytea       NOT NULL CHECK (length(hash) = 32),
  journal_seq bigint      NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (ledger_id, chain, position)
);

-- Every fork a push refused: (ledger, what, position) where the central copy and an edge
-- disagree ('behind': the central copy has rows after the edge's last one, position = the
-- edge's last). Nothing is overwritten; head office decides which copy is the real one.
CREATE TABLE ledger_hq.forks (
  ledger_id         uuid        NOT NULL,
  what              text        NOT NULL CHECK (what IN ('journal', 'behind', 'closing', 'outcomes', 'events')),
  position          bigint      NOT NULL,
  central_hash      bytea,
  edge_hash         bytea,
  first_detected_at timestamptz NOT NULL DEFAULT now(),
  last_detected_at  timestamptz NOT NULL DEFAULT now(),
  times             bigint      NOT NULL DEFAULT 1,
  PRIMARY KEY (ledger_id, what, position)
);

-- Accepts the rows a push inserted after the head, in the push's transaction: they must be
-- gap-free from head_seq + 1 to last_seq and each must chain from the one before (the first
-- from head_hash). Moves the head, or raises (SQLSTATE LH001/LH002) and the push's
-- transaction rolls back with everything it inserted. Returns the new head.
CREATE FUNCTION ledger_hq.accept_rows(p_ledger uuid, p_last bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_head_seq  bigint;
  v_head_hash bytea;
  v_count     bigint;
  v_bad_seq   bigint;
  v_last_seq  bigint;
  v_last_hash bytea;
BEGIN
  SELECT head_seq, head_hash INTO v_head_seq, v_head_hash
    FROM ledger_hq.ledgers WHERE ledger_id = p_ledger FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'LH001',
      MESSAGE = format('ledger %s is not registered at head office', p_ledger);
  END IF;
  -- One pass over the new rows: how many, the first that breaks the sequence or the chain,
  -- and the last one's sequence and hash.
  SELECT count(*),
         min(s.seq) FILTER (WHERE s.seq <> s.expected_seq OR s.prev_hash <> s.expected_prev),
         max(s.seq),
         (array_agg(s.hash ORDER BY s.seq DESC))[1]
    INTO v_count, v_bad_seq, v_last_seq, v_last_hash
    FROM (SELECT j.seq, j.prev_hash, j.hash,
                 lag(j.seq, 1, v_head_seq) OVER w + 1 AS expected_seq,
                 lag(j.hash, 1, v_head_hash) OVER w AS expected_prev
            FROM ledger_hq.journal j
           WHERE j.ledger_id = p_ledger AND j.seq > v_head_seq
          WINDOW w AS (ORDER BY j.seq)) s;
  IF v_bad_seq IS NOT NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'LH002',
      MESSAGE = format('ledger %s: journal row %s does not continue the chain from the head %s (a gap before it, or its prev_hash is not the hash of the row before)',
                       p_ledger, v_bad_seq, v_head_seq);
  END IF;
  IF v_count <> p_last - v_head_seq OR (v_count > 0 AND v_last_seq <> p_last) THEN
    RAISE EXCEPTION USING ERRCODE = 'LH002',
      MESSAGE = format('ledger %s: %s rows after the head %s, expected rows up to %s',
                       p_ledger, v_count, v_head_seq, p_last);
  END IF;
  IF v_count = 0 THEN
    RETURN v_head_seq;
  END IF;
  UPDATE ledger_hq.ledgers SET head_seq = p_last, head_hash = v_last_hash, last_push_at = now()
   WHERE ledger_id = p_ledger;
  RETURN p_last;
END;
$$;

-- What head office asks, as views (README "Head office"): only accepted rows (up to each
-- ledger's head) count. A posted movement is a transfer, a captured hold (post) or a refund
-- (reverse); holds and voids move no posted balance.
CREATE VIEW ledger_hq.movements AS
SELECT l.store, j.ledger_id, leg.account, j.currency, leg.delta_minor, j.seq,
       (timestamp 'epoch' + j.created_at_ms * interval '1 millisecond')::date AS day
  FROM ledger_hq.journal j
  JOIN ledger_hq.ledgers l ON l.ledger_id = j.ledger_id AND j.seq <= l.head_seq
  CROSS JOIN LATERAL (VALUES (j.debit_account, -j.amount_minor),
                             (j.credit_account, j.amount_minor)) AS leg(account, delta_minor)
 WHERE j.kind IN ('transfer', 'post', 'reverse');

-- The posted balance of every account, per store, ledger and currency.
CREATE VIEW ledger_hq.balances AS
SELECT store, ledger_id, account, currency, sum(delta_minor)::bigint AS balance_minor
  FROM ledger_hq.movements
 GROUP BY store, ledger_id, account, currency;

-- Per store, ledger, account, currency and day (UTC): what was debited, credited, the net
-- and how many movements.
CREATE VIEW ledger_hq.daily_totals AS
SELECT store, ledger_id, account, currency, day,
       coalesce(sum(-delta_minor) FILTER (WHERE delta_minor < 0), 0)::bigint AS debits_minor,
       coalesce(sum(delta_minor) FILTER (WHERE delta_minor > 0), 0)::bigint AS credits_minor,
       sum(delta_minor)::bigint AS net_minor,
       count(*) AS rows
  FROM ledger_hq.movements
 GROUP BY store, ledger_id, account, currency, day;
