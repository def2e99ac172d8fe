"""The versions a build must report, read from the source tree rather than written into the
tests: the library and C ABI versions from include/ledger/version.h, the file format version
from the newest migration in schema/ (schema/005_principals.sql: 5)."""

import os
import re

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def _define(text, name, pattern):
    match = re.search(rf"^#define {name} ({pattern})\s*$", text, re.MULTILINE)
    if match is None:
        raise SystemExit(f"include/ledger/version.h defines no {name}: the version tests "
                         "read it there; restore the #define")
    return match.group(1)


def source_versions():
    """{"version": "1.0.0", "abi_version": 1, "file_format_version": 5}."""
    with open(os.path.join(ROOT, "include", "ledger", "version.h"), encoding="utf-8") as handle:
        text = handle.read()
    migrations = [int(name[:3]) for name in os.listdir(os.path.join(ROOT, "schema"))
                  if re.fullmatch(r"[0-9]{3}_.+\.sql", name)]
    if not migrations:
        raise SystemExit("schema/ holds no NNN_name.sql migration: the file format version "
                         "comes from the newest one")
    return {"version": _define(text, "LEDGER_VERSION_STRING", r'"[^"]+"').strip('"'),
            "abi_version": int(_define(text, "LEDGER_ABI_VERSION", "[0-9]+")),
            "file_format_version": max(migrations)}


def version_line(program):
    """What `PROGRAM --version` must print (without the newline)."""
    v = source_versions()
    return (f"{program} {v['version']} (C ABI {v['abi_version']}, "
            f"file format {v['file_format_version']})")
