"""ledger for Python: the embedded double-entry money ledger, over libledger's C ABI
(include/ledger/ledger_c.h) with ctypes only.

    import ledger

    with ledger.Ledger.open("shop.ledger") as book:
        key = book.issue_key("till:1", "transfer")
        result = book.transfer("till:1", key, "customer:42", "till:1", 1999, "EUR")
        # After a lost reply, the same call with the same key is safe:
        # result.replayed is True and result.body the same bytes.

libledger is found from $LEDGER_LIBRARY (a path), else the system loader; importing this
package fails with ImportError if it is missing or speaks another C ABI version.
Money is int minor units everywhere (1999 = 19.99 EUR), never float.
"""

from ._library import ABI_VERSION, lib as _lib
from ._ledger import Ledger, Transfer
from .errors import BusyError, LedgerError, LedgerIOError
from .result import Result

__all__ = ["ABI_VERSION", "BusyError", "Ledger", "LedgerError", "LedgerIOError", "Result",
           "Transfer", "abi_version", "file_format_version", "version"]
__version__ = "1.1.0"


def version():
    """The version of the libledger loaded, e.g. "1.0.0"."""
    return _lib.ledger_version().decode()


def abi_version():
    """The C ABI version of the libledger loaded (checked to be ABI_VERSION at import)."""
    return _lib.ledger_abi_version()


def file_format_version():
    """The newest ledger file format (schema version) the libledger loaded reads and writes."""
    return _lib.ledger_file_format_version()
