"""Ledger: one open ledger file, over libledger's C ABI."""

import ctypes
import dataclasses
import os
import threading
import weakref

from ._library import lib
from .errors import error_for
from .result import copy_result, loads

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_INT_MAX = 2**31 - 1
_MONEY = ("amount_minor", "limit")

# The fixed values of enum ledger_overdraft, enum ledger_open_flag and enum ledger_batch_mode.
_OVERDRAFT = {"none": 0, "limit": 1, "unlimited": 2}
_READ_ONLY, _NO_CREATE, _DURABILITY_NORMAL, _ISSUED_KEYS_ONLY = 1, 2, 4, 8
_DURABILITY = {"full": 0, "normal": _DURABILITY_NORMAL}
_BATCH_INDEPENDENT, _BATCH_LINKED = 0, 1


def _integer(name, value, low=_INT64_MIN, high=_INT64_MAX):
    """`value` if it is an int in [low, high]. Money is integer minor units: a float, a
    Decimal or a bool is refused rather than rounded."""
    if isinstance(value, bool) or not isinstance(value, int):
        money = " (minor units, e.g. 1999 for 19.99)" if name in _MONEY else ""
        raise TypeError(f"{name} must be an int{money}, not {type(value).__name__} {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} is {value}; it must be in {low}..{high}")
    return value


def _text(name, value, optional=False):
    """`value` as NUL-terminated UTF-8 for the C ABI (None stays NULL if optional)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, not {type(value).__name__} {value!r}")
    if "\0" in value:
        raise ValueError(f"{name} contains a NUL character; remove it (C strings end there)")
    return value.encode("utf-8")


def _take_string(pointer, length=None):
    """The text of a string libledger handed out, which is then freed."""
    try:
        if length is None:
            return ctypes.string_at(pointer).decode("utf-8")
        return ctypes.string_at(pointer, length).decode("utf-8")
    finally:
        lib.ledger_free(pointer)


def _raise_without_handle(code):
    """The LedgerError of a call that has no handle (open, batch_new, batch_add)."""
    raise error_for(code, lib.ledger_error_name(code).decode(),
                    lib.ledger_errmsg(None).decode("utf-8", "replace"))


@dataclasses.dataclass(frozen=True)
class Transfer:
    """One transfer of a batch (the arguments of Ledger.transfer)."""

    principal: str
    key: str
    debit: str
    credit: str
    amount_minor: int
    currency: str
    memo: str = ""


class Ledger:
    """An open ledger file: one connection, used by one thread at a time (calls from
    several threads are serialised here; for parallel work open one Ledger per thread on
    the same file). Close it with close() or a with-block.

    Money-moving calls (transfer, reserve, post, void, reverse, transfer_batch) apply each
    request exactly once per (principal, key) and return a Result whatever the outcome; a
    retry with the same key gets the stored outcome again, replayed, with the same body
    bytes. A LedgerError means nothing was stored: after a transient one (busy, io), retry
    with the same key.
    """

    def __init__(self, handle):
        # Use Ledger.open; the handle is an opened ledger_handle*.
        self._handle = handle
        self._lock = threading.Lock()
        # Closes the handle if the Ledger is dropped without close().
        self._finalizer = weakref.finalize(self, lib.ledger_close, handle)

    @classmethod
    def open(cls, path, *, read_only=False, create=True, durability="full",
             issued_keys_only=False, busy_timeout_ms=0):
        """Opens the ledger file at `path`, creating it (mode 0600) unless create=False or
        read_only=True, and applying missing schema migrations.

        durability: "full" (fsync every commit) or "normal" (a power loss may lose the last
        commits). issued_keys_only: refuse keys this ledger did not issue (key_unknown).
        busy_timeout_ms: how long a writer waits for the write lock (0: the default).
        Raises LedgerError: not_found, not_a_ledger, corrupt, unsafe_file, ...
        """
        if durability not in _DURABILITY:
            raise ValueError(f"durability is {durability!r}; use 'full' or 'normal'")
        flags = _DURABILITY[durability]
        flags |= _READ_ONLY if read_only else 0
        flags |= 0 if create else _NO_CREATE
        flags |= _ISSUED_KEYS_ONLY if issued_keys_only else 0
        timeout = _integer("busy_timeout_ms", busy_timeout_ms, 0, _INT_MAX)
        handle = ctypes.c_void_p()
        code = lib.ledger_open(_text("path", os.fspath(path)), flags, timeout,
                               ctypes.byref(handle))
        if code != 0:
            _raise_without_handle(code)
        return cls(handle)

    def close(self):
        """Closes the ledger; later calls raise ValueError. Closing twice is fine."""
        with self._lock:
            self._finalizer()
            self._handle = None

    @property
    def closed(self):
        return self._handle is None

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def _call(self, function, *args):
        """Calls `function(handle, *args)` under the lock; raises its LedgerError."""
        with self._lock:
            if self._handle is None:
                raise ValueError("the ledger is closed; open it again with Ledger.open")
            code = function(self._handle, *args)
            if code != 0:
                raise error_for(code, lib.ledger_error_name(code).decode(),
                                lib.ledger_errmsg(self._handle).decode("utf-8", "replace"))

    # --- accounts ---------------------------------------------------------------------

    def create_account(self, code, currency, overdraft="none", limit=0, name=None):
        """Creates an account. overdraft: "none" (balance >= 0), "limit" (balance >=
        -limit, in minor units) or "unlimited" (system accounts such as a cash drawer).
        Raises LedgerError already_exists or invalid_argument."""
        if overdraft not in _OVERDRAFT:
            raise ValueError(f"overdraft is {overdraft!r}; use 'none', 'limit' or 'unlimited'")
        self._call(lib.ledger_create_account, _text("code", code),
                   _text("currency", currency), _OVERDRAFT[overdraft],
                   _integer("limit", limit), _text("name", name, optional=True))

    def balance(self, code):
        """(balance_minor, held_minor): the posted balance and the amount held by pending
        reserves (available = balance - held). Raises LedgerError not_found."""
        balance, held = ctypes.c_int64(), ctypes.c_int64()
        self._call(lib.ledger_account_balance, _text("code", code), ctypes.byref(balance),
                   ctypes.byref(held))
        return balance.value, held.value

    def accounts(self):
        """Every account as a dict: code, currency, exponent, balance_minor, held_minor,
        available_minor, overdraft, overdraft_limit_minor, name, created_at_ms."""
        return loads(self._json(lib.ledger_accounts_json))

    def _json(self, function, *args):
        text, length = ctypes.c_void_p(), ctypes.c_size_t()
        self._call(function, *args, ctypes.byref(text), ctypes.byref(length))
        return _take_string(text, length.value)

    # --- keys and money ---------------------------------------------------------------

    def issue_key(self, principal, operation, ttl_seconds=0):
        """A fresh idempotency key for `principal` and `operation` ("transfer", "reserve",
        "post", "void", "reverse"); unused, it expires after ttl_seconds (0: 24 h)."""
        key = ctypes.c_void_p()
        self._call(lib.ledger_issue_key, _text("principal", principal),
                   _text("operation", operation), _integer("ttl_seconds", ttl_seconds),
                   ctypes.byref(key))
        return _take_string(key)

    def _money(self, function, *args):
        result = ctypes.c_void_p()
        self._call(function, *args, ctypes.byref(result))
        try:
            return copy_result(result)
        finally:
            lib.ledger_free(result)

    def transfer(self, principal, key, debit, credit, amount_minor, currency, memo=""):
        """Moves amount_minor (> 0) from account `debit` to account `credit`."""
        return self._money(lib.ledger_transfer, *_transfer_args(
            Transfer(principal, key, debit, credit, amount_minor, currency, memo)))

    def reserve(self, principal, key, debit, credit, amount_minor, currency, memo="",
                timeout_seconds=0):
        """Holds amount_minor on `debit` for timeout_seconds (0: 7 days); the result's
        sequence names the hold for post and void."""
        return self._money(lib.ledger_reserve, *_transfer_args(
            Transfer(principal, key, debit, credit, amount_minor, currency, memo)),
            _integer("timeout_seconds", timeout_seconds))

    def post(self, principal, key, pending_sequence, amount_minor=0, memo=""):
        """Captures a hold: amount_minor 0 captures all of it, less releases the rest."""
        return self._money(lib.ledger_post, _text("principal", principal), _text("key", key),
                           _integer("pending_sequence", pending_sequence),
                           _integer("amount_minor", amount_minor),
                           _text("memo", memo, optional=True))

    def void(self, principal, key, pending_sequence, memo=""):
        """Releases a hold."""
        return self._money(lib.ledger_void, _text("principal", principal), _text("key", key),
                           _integer("pending_sequence", pending_sequence),
                           _text("memo", memo, optional=True))

    def reverse(self, principal, key, original_sequence, amount_minor=0, memo=""):
        """Refunds the posted transfer `original_sequence`: all of what is not yet refunded
        (amount_minor 0) or part of it."""
        return self._money(lib.ledger_reverse, _text("principal", principal),
                           _text("key", key), _integer("original_sequence", original_sequence),
                           _integer("amount_minor", amount_minor),
                           _text("memo", memo, optional=True))

    def transfer_batch(self, items, linked=False):
        """Applies transfers in one commit, each with its own key and Result (in order).
        items: Transfer objects or dicts of Transfer's fields. linked=True: all or nothing
        (if one is refused, the others are linked_batch_failed). Running the same batch
        again is a retry: every item replays."""
        transfers = [item if isinstance(item, Transfer) else Transfer(**item)
                     for item in items]
        batch = ctypes.c_void_p()
        code = lib.ledger_batch_new(ctypes.byref(batch))
        if code != 0:
            _raise_without_handle(code)
        try:
            for transfer in transfers:
                code = lib.ledger_batch_add(batch, *_transfer_args(transfer))
                if code != 0:
                    _raise_without_handle(code)
            self._call(lib.ledger_batch_run, batch,
                       _BATCH_LINKED if linked else _BATCH_INDEPENDENT)
            return [copy_result(lib.ledger_batch_result(batch, index))
                    for index in range(lib.ledger_batch_size(batch))]
        finally:
            lib.ledger_free(batch)

    # --- inspection -------------------------------------------------------------------

    def verify(self):
        """Checks every invariant; the report as a dict: ok (bool), accounts_checked,
        journal_rows_checked, keys_checked, violations (list of {kind, where, detail})."""
        ok = ctypes.c_int()
        report = self._json(lib.ledger_verify, ctypes.byref(ok))
        return loads(report)

    def journal(self, since=1, limit=1000):
        """Journal rows with sequence >= since, at most `limit` (1..100000), as dicts."""
        return loads(self._json(lib.ledger_journal_json, _integer("since", since),
                                _integer("limit", limit)))


def _transfer_args(transfer):
    """The C arguments of ledger_transfer and ledger_batch_add after the handle or batch,
    up to the memo."""
    return (_text("principal", transfer.principal), _text("key", transfer.key),
            _text("debit", transfer.debit), _text("credit", transfer.credit),
            _integer("amount_minor", transfer.amount_minor),
            _text("currency", transfer.currency),
            _text("memo", transfer.memo, optional=True))
