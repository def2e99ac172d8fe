"""The operating errors of libledger as Python exceptions.

Business outcomes (insufficient funds, a reused key, ...) are not errors: money-moving
calls return a Result for them. A LedgerError means the call did not happen: nothing was
stored.
"""

# The enum ledger_error codes (fixed for ever in ledger_c.h) that are worth retrying with the
# same key: another writer held the lock too long (busy), or the disk failed (io).
BUSY = 4
IO = 5


class LedgerError(Exception):
    """A failed libledger call: `code` is the enum ledger_error number, `name` its stable
    name ("busy", "not_a_ledger", ...), `message` what was wrong and what to do next."""

    def __init__(self, code, name, message):
        super().__init__(f"{message} [{name}, code {code}]")
        self.code = code
        self.name = name
        self.message = message

    @property
    def transient(self):
        """True for busy and io: nothing was stored, retry with the same key (after fixing
        the disk for io)."""
        return self.code in (BUSY, IO)


class BusyError(LedgerError):
    """Another writer held the write lock longer than busy_timeout_ms: retry with the same
    key."""


class LedgerIOError(LedgerError):
    """The disk failed (full, device error): fix it, then retry with the same key."""


def error_for(code, name, message):
    """The exception for an error code: BusyError and LedgerIOError for the transient ones."""
    kind = {BUSY: BusyError, IO: LedgerIOError}.get(code, LedgerError)
    return kind(code, name, message)
