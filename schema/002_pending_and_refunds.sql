-- ledger schema version 2: two-phase (pending) transfers and refunds.
-- Applied in one transaction together with PRAGMA user_version = 2.

-- Funds held on an account by pending transfers: available = balance - pending.
ALTER TABLE accounts ADD COLUMN pending INTEGER NOT NULL DEFAULT 0
  CONSTRAINT accounts_pending_nonnegative CHECK (pending >= 0);

-- The mutable state of each reserve (its journal row never changes).
CREATE TABLE pending_transfers (
  seq            INTEGER PRIMARY KEY CONSTRAINT pending_reserve_fk REFERENCES journal (seq),
  debit_account  INTEGER NOT NULL CONSTRAINT pending_debit_fk REFERENCES accounts (id),
  credit_account INTEGER NOT NULL CONSTRAINT pending_credit_fk REFERENCES accounts (id),
  amount         INTEGER NOT NULL CONSTRAINT pending_amount_positive CHECK (amount > 0),
  state          TEXT NOT NULL
                 CONSTRAINT pending_state CHECK (state = 'pending' OR state = 'posted' OR state = 'voided' OR state = 'expired'),
  expires_at     INTEGER NOT NULL,
  posted_amount  INTEGER NOT NULL DEFAULT 0
                 CONSTRAINT pending_posted_range CHECK (posted_amount BETWEEN 0 AND amount),
  finished_seq   INTEGER CONSTRAINT pending_finished_fk REFERENCES journal (seq)
) STRICT;

-- Expiry looks for open holds of one account, or of all accounts, by time.
CREATE INDEX pending_open ON pending_transfers (debit_account, expires_at) WHERE state = 'pending';
CREATE INDEX pending_open_by_time ON pending_transfers (expires_at) WHERE state = 'pending';

-- Refunds sum what was already reversed of an original; post/void rows name their reserve.
CREATE INDEX journal_ref ON journal (ref_seq) WHERE ref_seq IS NOT NULL;
