"""Result: the outcome of one money-moving call, copied out of a ledger_result."""

import ctypes
import dataclasses
import decimal
import json
from typing import Optional

from ._library import lib

# enum ledger_outcome_class, in its fixed numbering.
_CLASS_NAMES = ("done", "rejected", "conflict", "malformed")


def loads(text):
    """JSON from libledger, with any non-integer number as a Decimal: money is never float."""
    return json.loads(text, parse_float=decimal.Decimal)


@dataclasses.dataclass(frozen=True)
class Result:
    """What a transfer, reserve, post, void or reverse did.

    outcome: the stable outcome name ("created", "insufficient_funds",
        "key_reused_with_different_request", ...), outcome_code its enum ledger_outcome
        number, outcome_class what it means for a retry: "done" and "rejected" are stored
        and replayed on every retry with the same key, "conflict" stored nothing, and
        "malformed" stored nothing and left the key usable.
    replayed: True if this is the stored outcome of an earlier call with the same key.
    sequence: the journal sequence the call produced (created), else None.
    body: the response body, a JSON object, exactly the stored bytes on every replay.
    message: why, for an outcome other than created ("" for created).
    differing_field: with key_reused_with_different_request, the first differing field
        ("amount", ...); else "".
    """

    outcome: str
    outcome_code: int
    outcome_class: str
    replayed: bool
    sequence: Optional[int]
    body: bytes
    message: str
    differing_field: str

    @property
    def ok(self):
        """True if the operation happened (now or, replayed, earlier)."""
        return self.outcome_class == "done"

    def json(self):
        """The body as a dict (integers for money, Decimal for any fraction)."""
        return loads(self.body)


def copy_result(pointer):
    """A Result with copies of everything `pointer` (a ledger_result*) holds; the caller
    still owns and frees the pointer."""
    code = lib.ledger_result_outcome(pointer)
    length = ctypes.c_size_t(0)
    body_pointer = lib.ledger_result_body(pointer, ctypes.byref(length))
    class_code = lib.ledger_outcome_class(code)
    # -1: an outcome newer than this package (values are only ever added).
    class_name = _CLASS_NAMES[class_code] if 0 <= class_code < len(_CLASS_NAMES) else "unknown"
    sequence = lib.ledger_result_sequence(pointer)
    return Result(
        outcome=lib.ledger_outcome_name(code).decode(),
        outcome_code=code,
        outcome_class=class_name,
        replayed=lib.ledger_result_replayed(pointer) == 1,
        sequence=sequence if sequence != 0 else None,
        body=ctypes.string_at(body_pointer, length.value),
        message=lib.ledger_result_message(pointer).decode(),
        differing_field=lib.ledger_result_differing_field(pointer).decode(),
    )
