#!/usr/bin/env python3
"""End-to-end tests of ledgerctl (SPEC 7): each case drives the real binary.

usage: cli_test.py --ledgerctl PATH --case NAME [--mutant MODE]

Exit status 0 when the case passed, 1 when a check failed (the reason is printed).
With --mutant the harness breaks ledgerctl on purpose and the case is expected to fail.
"""

import argparse
import csv
import io
import json
import os
import sqlite3
import sys
import threading
import time

import cases_batch  # noqa: F401  (registers its cases)
import cases_docs  # noqa: F401  (registers its cases)
import cases_files  # noqa: F401  (registers its cases)
import cases_fiscal  # noqa: F401  (registers its cases)
import cases_identifiers  # noqa: F401  (registers its cases)
import cases_pending  # noqa: F401  (registers its cases)
import cases_principals  # noqa: F401  (registers its cases)
import cases_reading  # noqa: F401  (registers its cases)
from common import CASES, balance, case, journal_rows, setup_shop, tamper, transfer
from harness import MUTANTS, Ledgerctl, TestFailure, Workdir, check

# --- every command works ---------------------------------------------------------------

@case
def end_to_end(ctl):
    """Every command in SPEC 7 succeeds, with aligned text or exactly one JSON document."""
    first = ctl.run("init").expect(0)
    check("created" in first.stdout, "init must say it created the ledger", first)
    setup_shop(ctl)
    before = ctl.snapshot()
    again = ctl.run("init", "--json").expect(0)
    check(again.json() == {"path": ctl.db, "created": False, "schema_version":
                           again.json()["schema_version"]}, "init --json shape", again)
    ctl.expect_unchanged(before, again)
    check_accounts(ctl)
    check_keys_and_transfer(ctl)
    check_journal(ctl)
    check_verify_backup_stats(ctl)
    check_db_resolution(ctl)


def check_accounts(ctl):
    listing = ctl.run("account", "list").expect(0)
    lines = listing.stdout.splitlines()
    check(lines[0].split() == ["CODE", "CURRENCY", "BALANCE", "OVERDRAFT", "NAME"],
          "account list header", listing)
    end = lines[0].index("BALANCE") + len("BALANCE")
    for line in lines[1:]:
        check(line[end - 4:end] in ("0.00", "0.000") and (len(line) == end or line[end] == " "),
              "balances must be right-aligned under BALANCE", listing)
    check(len(lines) == 5, "four accounts listed", listing)
    shown = ctl.run("account", "show", "customer:1", "--json").expect(0).json()
    for field, value in (("code", "customer:1"), ("currency", "EUR"), ("balance", "0.00"),
                         ("balance_minor", 0), ("overdraft", "limit"),
                         ("overdraft_limit", "50.00")):
        check(shown.get(field) == value, f"account show --json {field}: {shown}")
    docs = ctl.run("account", "list", "--json").expect(0).json()
    check([a["code"] for a in docs["accounts"]] == ["customer:1", "till:1", "usd:1", "world"]
          or len(docs["accounts"]) == 4, f"account list --json: {docs}")
    text = ctl.run("account", "show", "world").expect(0)
    check("unlimited" in text.stdout and "outside world" in text.stdout, "account show", text)


def check_keys_and_transfer(ctl):
    issued = ctl.run("key", "issue", "--principal", "till:1", "--operation", "transfer").expect(0)
    key = issued.stdout.rstrip("\n")
    check(issued.stdout == key + "\n" and 16 <= len(key) <= 255 and key.isprintable()
          and " " not in key, "key issue prints the key alone", issued)
    as_json = ctl.run("key", "issue", "--principal", "till:1", "--operation", "transfer",
                      "--ttl", "60", "--json").expect(0).json()
    check(as_json["key"] and as_json["state"] == "issued" and as_json["issued"] is True,
          f"key issue --json: {as_json}")
    first = transfer(ctl, key, "world", "till:1", "100", "--memo", "float").expect(0)
    body = json.loads(first.stdout)
    check(first.stdout == first.stdout.rstrip("\n") + "\n" and "replayed" not in first.stderr,
          "first transfer: the body and one newline, not a replay", first)
    check(body.get("amount") == "100.00" or body.get("amount_minor") == 10000,
          "the response names the amount", first)
    replay = transfer(ctl, key, "world", "till:1", "100", "--memo", "float").expect(0)
    check(replay.stdout == first.stdout, "a replay prints the byte-identical body", replay)
    check(replay.stderr.startswith("ledgerctl: replayed: stored response of an earlier execution"),
          "a replay says so on stderr", replay)
    wrapped = transfer(ctl, key, "world", "till:1", "100", "--memo", "float", "--json")
    doc = wrapped.expect(0).json()
    check(doc["replayed"] is True and doc["outcome"] == "created" and doc["exit_code"] == 0
          and doc["response"] == body, f"transfer --json wrapper: {doc}", wrapped)
    check(balance(ctl, "till:1") == 10000, "the transfer moved 100.00 once")
    shown = ctl.run("key", "show", key, "--principal", "till:1", "--json").expect(0).json()
    check(shown["state"] == "completed" and shown["result"] == "created"
          and shown["transfer_sequence"] == 1 and shown["response"] == body,
          f"key show --json: {shown}")
    text = ctl.run("key", "show", key, "--principal", "till:1").expect(0)
    check("completed" in text.stdout and first.stdout.strip() in text.stdout, "key show", text)
    keys = ctl.run("key", "list", "--principal", "till:1", "--state", "issued", "--json")
    check(len(keys.expect(0).json()["keys"]) == 1, "key list filters by state", keys)
    table = ctl.run("key", "list").expect(0)
    check(table.stdout.splitlines()[0].split()[:2] == ["PRINCIPAL", "KEY"], "key list", table)
    purge = ctl.run("key", "purge", "--json").expect(0).json()
    check(set(purge) == {"expired_issued_keys", "purged_rejections"}, f"key purge: {purge}")
    ctl.run("key", "purge").expect(0)


def check_journal(ctl):
    memo = 'receipt 7, "special"\nsecond line'
    for n in range(2, 6):
        transfer(ctl, f"j{n}", "till:1", "customer:1", f"{n}.5", "--memo", memo).expect(0)
    rows = journal_rows(ctl)
    check([r["sequence"] for r in rows] == [1, 2, 3, 4, 5], f"journal jsonl sequences {rows}")
    check(rows[1]["amount"] == "2.50" and rows[1]["memo"] == memo, f"journal row: {rows[1]}")
    window = journal_rows(ctl, "--since", "2", "--limit", "2")
    check([r["sequence"] for r in window] == [2, 3], f"--since 2 --limit 2: {window}")
    exported = ctl.run("journal", "--format", "csv").expect(0)
    records = list(csv.reader(io.StringIO(exported.stdout, newline="")))
    check(records[0][:5] == ["sequence", "kind", "debit_account", "credit_account", "amount"]
          and len(records) == 6 and records[2][7] == memo, "journal csv round-trips", exported)
    doc = ctl.run("journal", "--json", "--since", "4").expect(0).json()
    check([e["sequence"] for e in doc["entries"]] == [4, 5] and doc["next_since"] == 6,
          f"journal --json: {doc}")
    table = ctl.run("journal").expect(0)
    lines = table.stdout.splitlines()
    check(lines[0].split() == ["SEQ", "KIND", "REF", "FROM", "TO", "AMOUNT", "CUR", "MEMO",
                               "PRINCIPAL", "KEY", "CREATED", "HASH"], "journal header", table)
    check(len(lines) == 6 and "\\n" in table.stdout and lines[2].split()[:6] ==
          ["2", "transfer", "-", "till:1", "customer:1", "2.50"],
          "journal table: one aligned line per row, line breaks in memos escaped", table)


def check_verify_backup_stats(ctl):
    verified = ctl.run("verify").expect(0)
    check(verified.stdout.startswith("ok:"), "verify says ok", verified)
    report = ctl.run("verify", "--json").expect(0).json()
    check(report["ok"] is True and report["violations"] == [] and
          report["journal_rows_checked"] == 5, f"verify --json: {report}")
    copy = os.path.join(ctl.workdir, "backup.db")
    backup = ctl.run("backup", copy, "--json").expect(0).json()
    check(backup["ok"] is True and backup["path"] == copy, f"backup --json: {backup}")
    ctl.run("verify", db=copy).expect(0)
    check(journal_rows(ctl) == [json.loads(line) for line in
                                ctl.run("journal", "--format", "jsonl", db=copy)
                                .expect(0).stdout.splitlines()], "the backup has the journal")
    stats = ctl.run("stats", "--json").expect(0).json()
    for field, value in (("accounts", 4), ("journal_rows", 5), ("keys_completed", 5),
                         ("keys_issued", 1)):
        check(stats[field] == value, f"stats {field}: {stats}")
    check(stats["file_bytes"] > 0 and stats["oldest_key_at"] and "pending_purge" in stats,
          f"stats: {stats}")
    text = ctl.run("stats").expect(0)
    check("journal rows:" in text.stdout and "pending purge:" in text.stdout, "stats", text)


def check_db_resolution(ctl):
    """--db after the command, $LEDGER_DB, then ./ledger.db in the working directory."""
    after = ctl.run("account", "list", "--json", "--db", ctl.db, use_db=False).expect(0)
    check(len(after.json()["accounts"]) == 4, "global options after the command", after)
    env = ctl.run("stats", "--json", use_db=False, env={"LEDGER_DB": ctl.db}).expect(0)
    check(env.json()["accounts"] == 4, "LEDGER_DB names the ledger", env)
    cwd = ctl.run("stats", "--json", use_db=False).expect(0)  # workdir holds ledger.db
    check(cwd.json()["accounts"] == 4, "./ledger.db is the default", cwd)
    elsewhere = os.path.join(ctl.workdir, "empty-dir")
    os.mkdir(elsewhere)
    missing = ctl.run("stats", use_db=False, cwd=elsewhere).expect_error(5)
    check("ledgerctl init" in missing.stderr, "no ./ledger.db: say how to make one", missing)
    check(not os.path.exists(os.path.join(elsewhere, "ledger.db")), "nothing created")


# --- exit codes of transfer ------------------------------------------------------------

@case
def transfer_exit_codes(ctl):
    """Exit codes 0, 1, 2 and 3 of transfer, for first executions and replays (SPEC 7)."""
    setup_shop(ctl)
    transfer(ctl, "t1", "world", "till:1", "10").expect(0)
    refund_key = ctl.ok("key", "issue", "--principal", "till:1", "--operation",
                        "reverse").stdout.strip()
    short_key = ctl.ok("key", "issue", "--principal", "till:1", "--operation", "transfer",
                       "--ttl", "1").stdout.strip()
    time.sleep(1.2)  # short_key is now past its TTL
    # (key, from, to, amount, extra args, exit code, stored by this call, replay expected)
    table = [
        ("t1", "world", "till:1", "10", [], 0, False, True),
        ("t1", "world", "till:1", "11", [], 3, False, False),
        ("t1", "world", "till:1", "10", ["--memo", "other"], 3, False, False),
        ("t1", "world", "customer:1", "10", [], 3, False, False),
        ("r1", "till:1", "customer:1", "1000", [], 1, True, False),
        ("r1", "till:1", "customer:1", "1000", [], 1, False, True),
        ("r2", "till:1", "nobody", "1", [], 1, True, False),
        ("r2", "till:1", "nobody", "1", [], 1, False, True),
        ("r3", "till:1", "usd:1", "1", [], 1, True, False),
        (refund_key, "world", "till:1", "1", [], 3, False, False),
        (short_key, "world", "till:1", "1", [], 3, False, False),
        ("m1", "till:1", "customer:1", "0", [], 2, False, False),
        ("", "till:1", "customer:1", "1", [], 2, False, False),
        ("k" * 256, "till:1", "customer:1", "1", [], 2, False, False),
        ("tab\there", "till:1", "customer:1", "1", [], 2, False, False),
        ("m1", "till:1", "customer:1", "1", ["--memo", "m" * 5000], 2, False, False),
        ("m1", "till:1", "customer:1", "1", [], 0, True, False),  # m1 stayed usable
    ]
    bodies = {}
    for key, source, target, amount, extra, code, stored, replayed in table:
        before = None if stored else ctl.snapshot()
        result = transfer(ctl, key, source, target, amount, *extra)
        result.expect(code)
        check(bool(result.stderr.startswith("ledgerctl: replayed:")) == replayed,
              "stderr must say whether this was a replay", result)
        check(len(result.stderr.splitlines()) == 1, "one status line on stderr", result)
        if code in (0, 1):
            check(result.stdout.endswith("}\n") and json.loads(result.stdout),
                  "the stored body is a JSON object", result)
            bodies.setdefault((key, code), result.stdout)
            check(bodies[(key, code)] == result.stdout, "replays are byte-identical", result)
        if code >= 2:
            result.expect_one_error_line()
        if before is not None:
            ctl.expect_unchanged(before, result)
    check_json_wrapper(ctl)
    check_tombstone(ctl)


def check_json_wrapper(ctl):
    doc = transfer(ctl, "r1", "till:1", "customer:1", "1000", "--json").expect(1).json()
    check(doc["replayed"] is True and doc["outcome"] == "insufficient_funds"
          and doc["exit_code"] == 1 and isinstance(doc["response"], dict), f"wrapper: {doc}")
    doc = transfer(ctl, "t1", "world", "till:1", "12", "--json").expect(3).json()
    check(doc["outcome"] == "key_reused_with_different_request" and doc["exit_code"] == 3
          and doc["differing_field"] == "amount", f"conflict wrapper: {doc}")


def check_tombstone(ctl):
    """A purged rejection refuses its key forever (exit 3), a transfer key replays (0)."""
    ctl.run("key", "purge", "--older-than", "0").expect(0)
    before = ctl.snapshot()
    transfer(ctl, "r1", "till:1", "customer:1", "1000").expect(3)
    ctl.expect_unchanged(before, transfer(ctl, "t1", "world", "till:1", "10").expect(0))


# --- bad input: exit 2, nothing changed --------------------------------------------------

BAD_AMOUNTS = ["-1", "1e3", "0.001", "99999999999999999999", "abc", "", " 1", "1,5"]


def bad_input_table():
    send = ["transfer", "--principal", "till:1", "--key", "b1", "--from", "world",
            "--to", "till:1", "--currency", "EUR"]
    table = [[], ["bogus"], ["account"], ["key"], ["verify", "extra"],
             ["account", "create", "x"], ["account", "create", "x", "--currency", "XYZ"],
             ["account", "create", "x", "--currency", "eur"],
             ["account", "create", "till:1", "--currency", "EUR"],
             ["account", "create", "bad code", "--currency", "EUR"],
             ["account", "create", "", "--currency", "EUR"],
             ["account", "create", "x", "--currency", "EUR", "--allow-negative",
              "--overdraft-limit", "5"],
             ["account", "show"], ["account", "show", "nobody"], ["account", "list", "--bogus"],
             ["key", "issue", "--principal", "p"],
             ["key", "issue", "--principal", "", "--operation", "transfer"],
             ["key", "show", "nokey", "--principal", "till:1"], ["key", "show", "nokey"],
             ["key", "list", "--state", "bogus"], ["key", "list", "--limit", "0"],
             ["key", "purge", "--older-than", "-1"], ["key", "purge", "--older-than", "1h"],
             ["journal", "--since", "-1"], ["journal", "--since", "abc"],
             ["journal", "--limit", "0"], ["journal", "--format", "xml"],
             ["journal", "--json", "--format", "csv"],
             ["backup"], ["backup", "ledger.db"], ["backup", "no/such/dir/copy.db"],
             ["--busy-timeout-ms", "soon", "stats"], ["--db", "", "stats"],
             ["account", "create", "two\nlines", "--currency", "EUR"],
             send + ["--amount", "1", "--currency", "XYZ"], send[:-2] + ["--amount", "1"],
             send[:-1] + ["JPY", "--amount", "1.5"],
             ["transfer", "--principal", "", "--key", "b2", "--from", "world", "--to",
              "till:1", "--amount", "1", "--currency", "EUR"],
             ["transfer", "--principal", "till:1", "--key", "b3", "--from", "till:1", "--to",
              "till:1", "--amount", "1", "--currency", "EUR"]]
    for ttl in ["0", "-5", "abc", "1e3", ""]:
        table.append(["key", "issue", "--principal", "p", "--operation", "transfer",
                      "--ttl", ttl])
    for amount in BAD_AMOUNTS:
        table.append(send + ["--amount=" + amount])
        table.append(["account", "create", "x", "--currency", "EUR",
                      "--overdraft-limit=" + amount])
    for missing in ("--principal", "--key", "--from", "--to", "--currency"):
        at = send.index(missing)
        table.append(send[:at] + send[at + 2:] + ["--amount", "1"])
    return table


@case
def bad_input(ctl):
    """Malformed input exits 2 with one line naming problem and fix; nothing changes."""
    setup_shop(ctl)
    transfer(ctl, "seed", "world", "till:1", "5").expect(0)
    before = ctl.snapshot()
    for index, args in enumerate(bad_input_table()):
        variants = [[]] + ([["--json"]] if index % 4 == 0 else [])  # --json: a sample
        for extra in variants:
            result = ctl.run(*args, *extra, cwd=ctl.workdir)
            if args[:1] == ["transfer"]:
                result.expect_transfer_refusal(2)
            else:
                result.expect_error(2)
            ctl.expect_unchanged(before, result)


# --- transient: a busy ledger exits 4, the same key works afterwards ----------------------

@case
def busy_ledger(ctl):
    """While another process holds the write lock, writes exit 4 and store nothing; the
    same command afterwards succeeds."""
    setup_shop(ctl)
    before = ctl.snapshot()
    holder = sqlite3.connect(ctl.db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        fast = ["--busy-timeout-ms", "200"]
        for args in (["transfer", "--principal", "till:1", "--key", "busy-1", "--from",
                      "world", "--to", "till:1", "--amount", "3", "--currency", "EUR"],
                     ["account", "create", "late", "--currency", "EUR"],
                     ["key", "issue", "--principal", "p", "--operation", "transfer"],
                     BUSY_RESERVE, ["pending", "post", "--principal", "p", "--key", "b3",
                                    "--pending", "1"],
                     ["pending", "void", "--principal", "p", "--key", "b4", "--pending", "1"],
                     ["pending", "expire"],
                     ["reverse", "--principal", "p", "--key", "b5", "--transfer", "1"],
                     ["batch", "-"]):
            result = ctl.run(*fast, *args, input=BUSY_BATCH).expect_error(4)
            check("retry" in result.stderr or "again" in result.stderr,
                  "a transient error says to retry", result)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    ctl.expect_unchanged(before, result)
    first = transfer(ctl, "busy-1", "world", "till:1", "3").expect(0)
    check("replayed" not in first.stderr, "the retry executes now", first)
    check(balance(ctl, "till:1") == 300, "the retry moved the money once")
    held = ctl.run(*BUSY_RESERVE).expect(0)
    check("replayed" not in held.stderr, "the reserve executes now", held)
    ctl.run("batch", "-", input=BUSY_BATCH).expect(0)


BUSY_RESERVE = ["pending", "reserve", "--principal", "p", "--key", "b2", "--from", "world",
                "--to", "till:1", "--amount", "1", "--currency", "EUR"]
BUSY_BATCH = ('{"principal":"p","key":"b6","from":"world","to":"till:1","amount":"1",'
              '"currency":"EUR"}\n')


# --- verify fails: exit 5 ---------------------------------------------------------------

@case
def verify_fails(ctl):
    """verify (and backup, which verifies its copy) exit 5 on a tampered ledger."""
    setup_shop(ctl)
    transfer(ctl, "v1", "world", "till:1", "10").expect(0)
    transfer(ctl, "v2", "till:1", "customer:1", "4").expect(0)
    tamper(ctl.db, "UPDATE accounts SET balance = balance + 1 WHERE code = 'till:1'")
    result = ctl.run("verify").expect(5)
    check(result.stdout.startswith("FAILED") and "till:1" in result.stdout,
          "verify names the broken account", result)
    result.expect_one_error_line()
    report = ctl.run("verify", "--json").expect(5).json()
    check(report["ok"] is False and report["violations"], f"verify --json: {report}")
    copy = os.path.join(ctl.workdir, "copy.db")
    ctl.run("backup", copy).expect(5)
    check(not os.path.exists(copy), "a copy that fails verify is not left behind")
    tamper(ctl.db, "UPDATE accounts SET balance = balance - 1 WHERE code = 'till:1'",
           "DROP TRIGGER journal_no_update", "UPDATE journal SET memo = 'edited' WHERE seq = 1")
    chained = ctl.run("verify", "--json").expect(5).json()
    check(any(v["kind"] == "hash_chain" or "hash" in v["kind"]
              for v in chained["violations"]), f"an edited row breaks the chain: {chained}")


# --- 4 processes, same keys: money moves once per key ------------------------------------

@case
def parallel_transfers(ctl):
    """4 ledgerctl processes at a time send the same 50 keyed transfers: each key moves
    money exactly once, every process gets exit 0 and the byte-identical response."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative")
    ctl.ok("account", "create", "till:9", "--currency", "EUR")
    keys = [f"par-{n:03d}" for n in range(50)]
    amounts = {key: n + 1 for n, key in enumerate(keys)}  # distinct: a double shows in sums
    outcomes = [[] for _ in range(4)]

    def worker(index):
        order = keys if index % 2 == 0 else list(reversed(keys))
        json_mode = ["--json"] if index >= 2 else []
        for key in order:
            amount = f"0.{amounts[key]:02d}"
            result = ctl.run("transfer", "--principal", "till:9", "--key", key, "--from",
                             "world", "--to", "till:9", "--amount", amount, "--currency",
                             "EUR", *json_mode)
            outcomes[index].append((key, result))

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The money first: it is what a double execution would get wrong.
    check(balance(ctl, "till:9") == sum(amounts.values()),
          f"till:9 holds each amount once: {balance(ctl, 'till:9')} != {sum(amounts.values())}")
    rows = journal_rows(ctl)
    check(len(rows) == 50 and sorted(r["key"] for r in rows) == keys,
          f"one journal row per key, got {len(rows)}")
    check_parallel_outcomes(outcomes, amounts)
    ctl.ok("verify")


def check_parallel_outcomes(outcomes, amounts):
    executions = {key: 0 for key in amounts}
    bodies = {}
    for per_worker in outcomes:
        for key, result in per_worker:
            result.expect(0)
            if "--json" in result.args:
                doc = result.json()
                replayed, body = doc["replayed"], doc["response"]
            else:
                replayed = result.stderr.startswith("ledgerctl: replayed:")
                body = json.loads(result.stdout)
                bodies.setdefault(("text", key), result.stdout)
                check(bodies[("text", key)] == result.stdout, "byte-identical replays", result)
            bodies.setdefault(key, body)
            check(bodies[key] == body, "every process sees the same response", result)
            executions[key] += 0 if replayed else 1
    twice = {key: n for key, n in executions.items() if n != 1}
    check(not twice, f"each key must execute exactly once (executions per key: {twice})")


# --- help and output failures ------------------------------------------------------------

@case
def closed_output(ctl):
    """A closed pipe or a full disk on stdout ends in exit 4 and one line, not a signal;
    a transfer whose reply was lost replays it on retry."""
    setup_shop(ctl)
    transfer(ctl, "before", "world", "till:1", "1").expect(0)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = ctl.run("journal", "--format", "jsonl", stdout=write_end)
        result.expect(4).expect_one_error_line()
        result = ctl.run("account", "list", stdout=write_end)
        result.expect(4).expect_one_error_line()
    finally:
        os.close(write_end)
    with open("/dev/full", "wb") as full:
        lost = ctl.run("transfer", "--principal", "till:1", "--key", "lost-reply", "--from",
                       "world", "--to", "till:1", "--amount", "2", "--currency", "EUR",
                       stdout=full)
    lost.expect(4)
    check(balance(ctl, "till:1") == 300, "the transfer itself was done")
    again = transfer(ctl, "lost-reply", "world", "till:1", "2").expect(0)
    check(again.stderr.startswith("ledgerctl: replayed:"), "the retry gets the stored reply", again)


# A check that fails shows up as TestFailure, or as a lookup or parse error on output that
# lacks what it must contain; anything else (NameError, ...) is a bug of the test itself.
CHECK_FAILURES = (TestFailure, LookupError, ValueError, TypeError)


def run_case(name, ctl):
    """Returns None when the case passed, else the reason it failed."""
    try:
        CASES[name](ctl)
    except CHECK_FAILURES as failure:
        return f"{type(failure).__name__}: {failure}"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    parser.add_argument("--mutant", choices=MUTANTS,
                        help="break ledgerctl this way; the case must then fail")
    options = parser.parse_args()
    with Workdir() as workdir:
        ctl = Ledgerctl(os.path.abspath(options.ledgerctl), workdir, options.mutant)
        started = time.monotonic()
        failure = run_case(options.case, ctl)
        took = f"{time.monotonic() - started:.1f} s"
    if options.mutant:
        if failure is None:
            print(f"FAIL {options.case}: passed although ledgerctl was broken "
                  f"({options.mutant}): the test cannot fail")
            return 1
        print(f"ok {options.case} caught the {options.mutant} mutant ({took}): "
              f"{failure.splitlines()[0]}")
        return 0
    if failure is not None:
        print(f"FAIL {options.case}: {failure}")
        return 1
    print(f"ok {options.case} ({took})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
