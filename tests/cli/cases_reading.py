"""End-to-end cases of opening a ledger: reading commands never change the file (not even an
older one, which they refuse until `ledgerctl upgrade`), and concurrent `init` says
"created" exactly once. Imported by cli_test.py, which runs them."""

import os
import sqlite3
import subprocess
import threading

from common import case, setup_shop, transfer
from harness import check, file_digest, scaled_timeout

SCHEMA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "schema")
APPLICATION_ID = 0x4C444752  # "LDGR", src/migrations.h
LATEST_VERSION = 6  # the last schema/00N_*.sql


def read_commands(ctl):
    """Every ledgerctl command that only reads, as argument lists. The backup target is new
    for every call (backup never overwrites)."""
    key = ctl.run("key", "issue", "--principal", "till:1", "--operation", "transfer").stdout
    commands = [["verify"], ["verify", "--json"], ["journal"], ["journal", "--json"],
                ["journal", "--format", "jsonl"], ["journal", "--format", "csv"],
                ["account", "list"], ["account", "list", "--json"],
                ["account", "show", "world"], ["account", "show", "till:1", "--json"],
                ["key", "list"], ["key", "list", "--json"],
                ["key", "show", key.strip() or "k", "--principal", "till:1"],
                ["stats"], ["stats", "--json"], ["pending", "list"],
                ["pending", "list", "--json"]]
    backups = [["backup", os.path.join(ctl.workdir, f"copy-{n}.db")] for n in range(2)]
    return commands + backups


def leave_wal_frames(path):
    """Commits a harmless change and dies without closing, as a killed writer does: the
    commit stays in the -wal file, not yet in the main file. A reader that checkpoints on
    close (the last connection does) would copy it into the main file."""
    script = ("import os, sqlite3, sys\n"
              "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
              "c.execute('PRAGMA wal_autocheckpoint = 0')\n"
              "c.execute('CREATE TABLE scratch (x INTEGER)')\n"
              "c.execute('DROP TABLE scratch')\n"
              "os._exit(0)\n")
    subprocess.run(["python3", "-c", script, path], check=True, timeout=scaled_timeout(60))
    check(os.path.getsize(path + "-wal") > 0, "the writer left its commit in the -wal file")


def make_version_1_ledger(path):
    """A genuine version-1 ledger in WAL mode, as this engine wrote them: schema/001 alone,
    with one account."""
    with open(os.path.join(SCHEMA_DIR, "001_init.sql"), encoding="utf-8") as handle:
        schema = handle.read()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executescript("BEGIN;" + schema + ";"
                             "INSERT INTO accounts (code, currency, exponent, overdraft, "
                             "created_at) VALUES ('world', 'EUR', 2, 'unlimited', 1);"
                             f"PRAGMA user_version = 1; PRAGMA application_id = {APPLICATION_ID};"
                             "COMMIT; PRAGMA journal_mode = WAL;")
    connection.close()
    os.chmod(path, 0o600)


def schema_version(path):
    connection = sqlite3.connect(path)
    try:
        return connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


def expect_bytes_unchanged(ctl, path, args, code):
    """Runs a reading command and checks its exit code and that the main file's bytes
    (its SHA-256) are the same afterwards."""
    before = file_digest(path)
    result = ctl.run(*args, db=path)
    result.expect(code)
    check(file_digest(path) == before, f"`{' '.join(args)}` changed the bytes of {path}",
          result)
    return result


@case
def reads_never_write(ctl):
    """verify, journal, account show|list, key show|list, stats, pending list and backup
    leave the file's bytes unchanged: a current ledger (also with a killed writer's commit
    still in its -wal) is read, a version-1 ledger is refused with exit 5 and "upgrade
    first", and `ledgerctl upgrade` then moves it to the latest version."""
    setup_shop(ctl)
    transfer(ctl, "sale-1", "world", "till:1", "12.50").expect(0)
    commands = read_commands(ctl)
    for args in commands:
        expect_bytes_unchanged(ctl, ctl.db, args, 0)
    leave_wal_frames(ctl.db)
    for args in commands:
        if args[0] == "backup":
            args = ["backup", args[1] + ".again"]
        expect_bytes_unchanged(ctl, ctl.db, args, 0)
    old = os.path.join(ctl.workdir, "v1.db")
    make_version_1_ledger(old)
    for args in commands:
        if args[0] == "backup":
            args = ["backup", os.path.join(ctl.workdir, "v1-copy.db")]
        result = expect_bytes_unchanged(ctl, old, args, 5)
        result.expect_one_error_line()
        check("ledgerctl upgrade" in result.stderr and "version 1" in result.stderr,
              "the refusal names the old version and says to run `ledgerctl upgrade`", result)
    check(not os.path.exists(os.path.join(ctl.workdir, "v1-copy.db")),
          "a refused backup leaves no copy")
    check(schema_version(old) == 1, "reading left the old ledger at version 1")
    check_upgrade(ctl, old)


def check_upgrade(ctl, old):
    upgraded = ctl.run("upgrade", "--json", db=old).expect(0).json()
    check(upgraded == {"path": old, "upgraded": True, "from_version": 1,
                       "to_version": LATEST_VERSION}, f"upgrade --json: {upgraded}")
    check(schema_version(old) == LATEST_VERSION, "upgrade moved the file to the latest version")
    ctl.ok("verify", db=old)
    check(ctl.ok("account", "show", "world", "--json", db=old).json()["code"] == "world",
          "the upgraded ledger keeps its accounts")
    again = ctl.ok("upgrade", db=old)
    check("already at schema version" in again.stdout and "nothing to do" in again.stdout,
          "a second upgrade says there is nothing to do", again)


def run_concurrently(ctl, args, count):
    """Runs `count` `ledgerctl ARGS` at once (each bounded by the harness's timeout) and
    returns their results."""
    results = [None] * count
    start = threading.Barrier(count)

    def worker(index):
        start.wait()
        results[index] = ctl.run(*args)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@case
def concurrent_init(ctl):
    """Ten `ledgerctl init` at once on a new path, then on an empty file (as mktemp makes
    it): every one exits 0, exactly one says it created the ledger, the others that it
    already exists; --json says "created": true exactly once."""
    for attempt in range(3):
        for kind in ("new path", "empty file"):
            for f in (ctl.db, ctl.db + "-wal", ctl.db + "-shm"):
                if os.path.exists(f):
                    os.remove(f)
            if kind == "empty file":
                open(ctl.db, "w").close()
            json_mode = attempt == 2
            results = run_concurrently(ctl, ["init"] + (["--json"] if json_mode else []), 10)
            outputs = [r.stdout for r in results]
            for result in results:
                result.expect(0)
            if json_mode:
                created = sum(1 for r in results if r.json()["created"] is True)
            else:
                created = sum(1 for out in outputs if out.startswith("created ledger"))
                exists = sum(1 for out in outputs if "already exists" in out)
                check(exists == 9, f"nine say it already exists ({kind}): {outputs}")
            check(created == 1, f"exactly one init says it created the ledger ({kind}), "
                                f"{created} did: {outputs}")
            ctl.ok("verify")
