"""End-to-end cases of ledgerctl's versions: --version, and the file format version in stats.
The expected numbers come from the source tree (source_versions.py), never from the test.
Imported by cli_test.py, which runs them."""

import os
import re
import sqlite3

from common import case
from harness import check
from source_versions import source_versions, version_line


@case
def versions(ctl):
    """--version prints the library, C ABI and file format versions and exits 0 anywhere on
    the command line, without a ledger; stats shows the file's own format version."""
    expected = version_line("ledgerctl") + "\n"
    for args in (["--version"], ["stats", "--version"], ["--json", "--version"],
                 ["--version", "--db", ctl.db]):
        result = ctl.run(*args, use_db=False).expect(0)
        check(result.stdout == expected, f"--version must print {expected!r}", result)
        check(result.stderr == "", "--version prints nothing on stderr", result)
    check(not os.path.exists(ctl.db), "--version must not create a ledger")
    ctl.ok("init")
    connection = sqlite3.connect(ctl.db)
    try:
        on_file = connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()
    check(on_file == source_versions()["file_format_version"],
          f"a new ledger's user_version {on_file} is not the newest migration's number")
    stats = ctl.run("stats", "--json").expect(0).json()
    check(stats.get("file_format_version") == on_file and stats.get("schema_version") == on_file,
          f"stats --json: file_format_version and schema_version must be {on_file}: {stats}")
    text = ctl.run("stats").expect(0)
    check(re.search(rf"^file format version: +{on_file}$", text.stdout, re.MULTILINE),
          f"stats must show 'file format version:' {on_file}", text)
