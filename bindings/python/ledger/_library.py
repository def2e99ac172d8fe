"""Finds and loads libledger (the C ABI of include/ledger/ledger_c.h) and declares the
argument and return types of every function this package calls.

Every prototype is declared here, once: ctypes would otherwise pass Python ints as C int
(truncating 64-bit money) and read every return value as int (truncating pointers).
"""

import ctypes
import ctypes.util
import os

# The C ABI version this package was written against (LEDGER_ABI_VERSION in version.h).
ABI_VERSION = 1

c_int64_p = ctypes.POINTER(ctypes.c_int64)
c_size_t_p = ctypes.POINTER(ctypes.c_size_t)
c_int_p = ctypes.POINTER(ctypes.c_int)
# Out-parameters of type `T**`: the library writes an opaque pointer (a handle, a result,
# a batch, or a string to be freed with ledger_free) into a c_void_p.
c_void_p_p = ctypes.POINTER(ctypes.c_void_p)

_int, _i64, _str, _ptr, _size = (ctypes.c_int, ctypes.c_int64, ctypes.c_char_p,
                                 ctypes.c_void_p, ctypes.c_size_t)

# name: (restype, argtypes), in the order of ledger_c.h.
_PROTOTYPES = {
    "ledger_version": (_str, []),
    "ledger_abi_version": (_int, []),
    "ledger_file_format_version": (_int, []),
    "ledger_error_name": (_str, [_int]),
    "ledger_outcome_name": (_str, [_int]),
    "ledger_outcome_class": (_int, [_int]),
    "ledger_errmsg": (_str, [_ptr]),
    "ledger_free": (None, [_ptr]),
    "ledger_open": (_int, [_str, ctypes.c_uint, _int, c_void_p_p]),
    "ledger_close": (_int, [_ptr]),
    "ledger_create_account": (_int, [_ptr, _str, _str, _int, _i64, _str]),
    "ledger_account_balance": (_int, [_ptr, _str, c_int64_p, c_int64_p]),
    "ledger_accounts_json": (_int, [_ptr, c_void_p_p, c_size_t_p]),
    "ledger_issue_key": (_int, [_ptr, _str, _str, _i64, c_void_p_p]),
    "ledger_transfer": (_int, [_ptr, _str, _str, _str, _str, _i64, _str, _str, c_void_p_p]),
    "ledger_reserve": (_int, [_ptr, _str, _str, _str, _str, _i64, _str, _str, _i64,
                              c_void_p_p]),
    "ledger_post": (_int, [_ptr, _str, _str, _i64, _i64, _str, c_void_p_p]),
    "ledger_void": (_int, [_ptr, _str, _str, _i64, _str, c_void_p_p]),
    "ledger_reverse": (_int, [_ptr, _str, _str, _i64, _i64, _str, c_void_p_p]),
    "ledger_result_outcome": (_int, [_ptr]),
    "ledger_result_replayed": (_int, [_ptr]),
    "ledger_result_sequence": (_i64, [_ptr]),
    # The body is read as a raw pointer plus its length: c_char_p would stop at a NUL byte.
    "ledger_result_body": (_ptr, [_ptr, c_size_t_p]),
    "ledger_result_message": (_str, [_ptr]),
    "ledger_result_differing_field": (_str, [_ptr]),
    "ledger_batch_new": (_int, [c_void_p_p]),
    "ledger_batch_add": (_int, [_ptr, _str, _str, _str, _str, _i64, _str, _str]),
    "ledger_batch_size": (_size, [_ptr]),
    "ledger_batch_run": (_int, [_ptr, _ptr, _int]),
    "ledger_batch_result": (_ptr, [_ptr, _size]),
    "ledger_verify": (_int, [_ptr, c_int_p, c_void_p_p, c_size_t_p]),
    "ledger_journal_json": (_int, [_ptr, _i64, _i64, c_void_p_p, c_size_t_p]),
}

_HOW_TO_POINT = ("set LEDGER_LIBRARY to the path of libledger.so.1 (in a build tree: "
                 "build/libledger.so.1, built by `cmake --build build --target "
                 "ledger-shared`), or install ledger so that the loader finds libledger")


def _locate():
    """The path or name to load: $LEDGER_LIBRARY, else what the system loader knows."""
    path = os.environ.get("LEDGER_LIBRARY")
    if path:
        if not os.path.isfile(path):
            raise ImportError(f"ledger: LEDGER_LIBRARY is {path!r}, which is not a file; "
                              f"{_HOW_TO_POINT}")
        return path
    name = ctypes.util.find_library("ledger")
    if name is None:
        raise ImportError(f"ledger: libledger was not found (LEDGER_LIBRARY is not set and "
                          f"the system loader does not know it); {_HOW_TO_POINT}")
    return name


def _declare(library):
    for name, (restype, argtypes) in _PROTOTYPES.items():
        try:
            function = getattr(library, name)
        except AttributeError:
            raise ImportError(f"ledger: {library._name} has no function {name}: it is not "
                              f"a libledger with C ABI {ABI_VERSION}; {_HOW_TO_POINT}") from None
        function.restype = restype
        function.argtypes = argtypes


def load():
    """Loads libledger, checks its C ABI version and declares every prototype."""
    where = _locate()
    try:
        library = ctypes.CDLL(where)
    except OSError as error:
        raise ImportError(f"ledger: cannot load {where}: {error}; {_HOW_TO_POINT}") from None
    # The version first: a library of another ABI may lack functions this package uses.
    try:
        abi_version = library.ledger_abi_version
    except AttributeError:
        raise ImportError(f"ledger: {where} has no function ledger_abi_version: it is not "
                          f"libledger; {_HOW_TO_POINT}") from None
    abi_version.restype, abi_version.argtypes = _int, []
    found = abi_version()
    if found != ABI_VERSION:
        raise ImportError(f"ledger: {where} has C ABI version {found}, but this Python "
                          f"package speaks version {ABI_VERSION}; install the ledger Python "
                          f"package that matches the library (or point LEDGER_LIBRARY at a "
                          f"libledger.so.{ABI_VERSION})")
    _declare(library)
    return library


lib = load()
