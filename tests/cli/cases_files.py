"""End-to-end cases of bad --db files: each exits 5 and is left unchanged. Imported by
cli_test.py, which runs them."""

import json
import os
import sqlite3

from common import case
from harness import check, file_digest

# --- bad --db files: exit 5, file unchanged ----------------------------------------------

def make_bad_files(ctl):
    """Each kind of --db that is not a usable ledger, keyed by name."""
    work = ctl.workdir
    files = {"missing": os.path.join(work, "missing.db"), "directory": work}
    files["text"] = os.path.join(work, "text.db")
    with open(files["text"], "w") as handle:
        handle.write("this is a shopping list, not a ledger\n")
    files["empty"] = os.path.join(work, "empty.db")
    open(files["empty"], "w").close()
    files["header_then_garbage"] = os.path.join(work, "header.db")
    with open(files["header_then_garbage"], "wb") as handle:
        handle.write(b"SQLite format 3\x00" + os.urandom(8192))
    files["plain_sqlite"] = os.path.join(work, "plain.db")
    connection = sqlite3.connect(files["plain_sqlite"])
    connection.execute("CREATE TABLE notes (body TEXT)")
    connection.commit()
    connection.close()
    for name in ("corrupt", "newer", "world_writable", "unreadable"):
        files[name] = os.path.join(work, f"{name}.db")
        ctl.ok("init", db=files[name])
    fill_and_corrupt(ctl, files["corrupt"])
    connection = sqlite3.connect(files["newer"])
    connection.execute("PRAGMA user_version = 999")
    connection.commit()
    connection.close()
    os.chmod(files["world_writable"], 0o666)
    os.chmod(files["unreadable"], 0o000)
    with open(os.path.join(work, "good-batch.jsonl"), "w") as handle:
        handle.write('{"principal":"p","key":"k","from":"world","to":"till:1","amount":"1",'
                     '"currency":"EUR"}\n')
    return files


def fill_and_corrupt(ctl, path):
    """A ledger of several pages, then garbage over everything after the header page."""
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative", db=path)
    ctl.ok("account", "create", "till:1", "--currency", "EUR", db=path)
    # One batch, not 40 transfers: one process instead of 40 (each costs about 1 s under
    # ASan on a busy machine), the same rows.
    fill = os.path.join(ctl.workdir, "fill.jsonl")
    with open(fill, "w") as handle:
        for n in range(40):
            handle.write(json.dumps({"principal": "p", "key": f"fill-{n}", "from": "world",
                                     "to": "till:1", "amount": "1", "currency": "EUR",
                                     "memo": "x" * 200}) + "\n")
    ctl.ok("batch", fill, db=path)
    os.remove(fill)  # the listing of the directory is compared later
    size = os.path.getsize(path)
    check(size > 4 * 4096, f"the ledger to corrupt has several pages ({size} bytes)")
    with open(path, "r+b") as handle:
        handle.seek(4096)
        handle.write(os.urandom(size - 4096))


def commands_for_bad_db(work):
    return [["account", "list"], ["account", "show", "till:1"],
            ["account", "create", "x", "--currency", "EUR"],
            ["key", "issue", "--principal", "p", "--operation", "transfer"],
            ["key", "show", "k", "--principal", "p"], ["key", "list"], ["key", "purge"],
            ["transfer", "--principal", "p", "--key", "k", "--from", "world", "--to",
             "till:1", "--amount", "1", "--currency", "EUR"],
            ["journal"], ["verify"], ["backup", os.path.join(work, "copy-of-bad.db")],
            ["stats"], ["init"]] + new_commands_for_bad_db(work)


def new_commands_for_bad_db(work):
    """Two-phase transfers, refunds and batches on a bad --db (make_bad_files wrote the
    batch file)."""
    return [["pending", "reserve", "--principal", "p", "--key", "k", "--from", "world", "--to",
             "till:1", "--amount", "1", "--currency", "EUR"],
            ["pending", "post", "--principal", "p", "--key", "k", "--pending", "1"],
            ["pending", "post", "--principal", "p", "--key", "k", "--pending", "1", "--amount",
             "1"],
            ["pending", "void", "--principal", "p", "--key", "k", "--pending", "1"],
            ["pending", "list"], ["pending", "expire"],
            ["reverse", "--principal", "p", "--key", "k", "--transfer", "1", "--amount", "1"],
            ["batch", os.path.join(work, "good-batch.jsonl")]]


# Commands that open the ledger read-only.
READING_COMMANDS = {("account", "list"), ("account", "show"), ("key", "show"), ("key", "list"),
                    ("pending", "list"), ("journal",), ("verify",), ("backup",), ("stats",)}


def reads_only(args):
    return tuple(args[:1]) in READING_COMMANDS or tuple(args[:2]) in READING_COMMANDS


def only_a_readers_side_files(path, listing):
    """True if the only new files are the empty -wal and the -shm of `path`: a read-only
    SQLite connection to a WAL-mode file creates them to read, and cannot remove them (it
    may not checkpoint). They hold nothing. Removed here, so the next command starts from
    the same listing."""
    directory = os.path.dirname(path)
    new = set(os.listdir(directory)) - set(listing)
    side = {os.path.basename(path) + "-wal", os.path.basename(path) + "-shm"}
    if not new <= side or (os.path.exists(path + "-wal") and os.path.getsize(path + "-wal")):
        return False
    for name in new:
        os.remove(os.path.join(directory, name))
    return True


def run_as_nobody():
    """As root, chmod 000 does not stop reading: run that case as user nobody instead."""
    if os.geteuid() != 0:
        return ()
    for tool in ("/usr/bin/setpriv", "/bin/setpriv"):
        if os.path.exists(tool):
            return (tool, "--reuid=65534", "--regid=65534", "--clear-groups")
    return None


@case
def bad_db(ctl):
    """A --db that is missing, a directory, not a ledger, corrupt, newer, unsafe or
    unreadable exits 5 with one line, and the file is left exactly as it was."""
    os.chmod(ctl.workdir, 0o755)  # user nobody must reach the unreadable file
    files = make_bad_files(ctl)
    nobody = run_as_nobody()
    for kind, path in files.items():
        if kind == "unreadable" and nobody is None:
            print("note: skipping the unreadable file case: running as root without setpriv")
            continue
        prefix = nobody if kind == "unreadable" else ()
        digest = file_digest(path) if os.path.isfile(path) else None
        listing = sorted(os.listdir(ctl.workdir))
        for args in commands_for_bad_db(ctl.workdir):
            if args == ["init"] and kind in ("missing", "empty"):
                continue  # init makes a ledger there: that is its job
            json_mode = ["--json"] if args[0] in ("verify", "stats") else []
            result = ctl.run(*args, *json_mode, db=path, prefix=prefix).expect_error(5)
            if kind in ("missing", "plain_sqlite"):
                check("ledgerctl init" in result.stderr and "--db" in result.stderr,
                      f"a {kind} --db: say how to make a ledger or where to point", result)
            check(digest is None or file_digest(path) == digest,
                  f"the {kind} file must be left unchanged", result)
            check(sorted(os.listdir(ctl.workdir)) == listing or
                  (reads_only(args) and only_a_readers_side_files(path, listing)),
                  f"no file may be created next to the {kind} --db", result)
    check_init_makes_ledgers(ctl, files)


def check_init_makes_ledgers(ctl, files):
    for kind in ("missing", "empty"):
        result = ctl.run("init", db=files[kind]).expect(0)
        check("created" in result.stdout, f"init on a {kind} file creates a ledger", result)
        ctl.run("verify", db=files[kind]).expect(0)
