"""End-to-end cases of fiscal integrity (SPEC 10): what an attacker with write access to the
file does with plain SQL, and that verify reports each manipulation at the row where it
starts; signed closings made exactly once; audit archives checked without the ledger;
the clock guard; and the upgrade of a file-format-5 ledger whose replays stay
byte-identical. Imported by cli_test.py, which runs them."""

import hashlib
import json
import os
import shutil
import sqlite3
import struct

from common import case, tamper as sql, transfer
from harness import check

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "migration", "data")


# --- the attacker's tools: plain SQL, and the chain recomputed the way the engine does ----

def query(path, statement, *params):
    connection = sqlite3.connect(path)
    rows = connection.execute(statement, params).fetchall()
    connection.close()
    return rows


def canonical_text(tag, value):
    data = value.encode()
    return bytes([tag]) + b"s" + struct.pack(">I", len(data)) + data


def canonical_int(tag, value):
    return bytes([tag]) + b"i" + struct.pack(">q", value)


def journal_link(prev, row):
    """SHA-256(prev || canonical(row)) as src/journal.cpp computes it: what a careful
    attacker re-computes after editing a row."""
    (seq, kind, debit, credit, amount, currency, memo, principal, key, created_at, ref_seq,
     behind) = row
    data = (b"ledger.journal.row.v1\n" + canonical_int(1, seq) + canonical_text(2, kind)
            + canonical_text(3, debit) + canonical_text(4, credit) + canonical_int(5, amount)
            + canonical_text(6, currency) + canonical_text(7, memo) + canonical_text(8, principal)
            + canonical_text(9, key) + canonical_int(10, created_at)
            + canonical_int(11, ref_seq or 0))
    if behind:
        data += canonical_int(12, behind)
    return hashlib.sha256(prev + data).digest()


def rechain_journal(path):
    """Recomputes every journal hash from the genesis (the chain has no secret)."""
    rows = query(path, "SELECT j.seq, j.kind, d.code, c.code, j.amount, j.currency, j.memo, "
                       "j.principal, j.idem_key, j.created_at, j.ref_seq, j.clock_behind_ms "
                       "FROM journal j JOIN accounts d ON d.id = j.debit_account "
                       "JOIN accounts c ON c.id = j.credit_account ORDER BY j.seq")
    prev = hashlib.sha256(b"ledger.journal.genesis.v1").digest()
    connection = sqlite3.connect(path)
    connection.execute("DROP TRIGGER IF EXISTS journal_no_update")
    for row in rows:
        prev = journal_link(prev, row)
        connection.execute("UPDATE journal SET hash = ? WHERE seq = ?", (prev, row[0]))
    connection.commit()
    connection.close()


def edit_amount(path, seq, new_amount):
    """Changes a journal row's amount, moves the balances to match and re-chains: only a
    signed closing (or a stored response that still says otherwise) can tell."""
    (old, debit, credit, kind), = query(
        path, "SELECT amount, debit_account, credit_account, kind FROM journal WHERE seq = ?", seq)
    delta = new_amount - old
    statements = ["DROP TRIGGER IF EXISTS journal_no_update",
                  f"UPDATE journal SET amount = {new_amount} WHERE seq = {seq}"]
    if kind in ("transfer", "post", "reverse"):
        statements += [f"UPDATE accounts SET balance = balance - {delta} WHERE id = {debit}",
                       f"UPDATE accounts SET balance = balance + {delta} WHERE id = {credit}"]
    sql(path, *statements)
    rechain_journal(path)


def outcome_seq(path, key):
    (seq,), = query(path, "SELECT outcome_seq FROM idempotency_keys WHERE idem_key = ?", key)
    return seq


# --- the ledger every manipulation starts from -------------------------------------------

def build_shop(ctl, path, close):
    """A day of a shop: funds, a 10.00 sale (journal 3), a stored rejection, a card hold
    posted in part (4, 5), an open hold (6) and a refund of the sale (7). With `close`, a
    signing key and closing 1 seal all of it."""
    run = lambda *args: ctl.run(*args, db=path)  # noqa: E731
    run("init").expect(0)
    run("account", "create", "world", "--currency", "EUR", "--allow-negative").expect(0)
    for code in ("till:1", "card:1", "shop"):
        run("account", "create", code, "--currency", "EUR").expect(0)
    run("account", "create", "customer:1", "--currency", "EUR", "--overdraft-limit", "50").expect(0)
    transfer(ctl, "fund-till", "world", "till:1", "100", db=path).expect(0)
    transfer(ctl, "fund-card", "world", "card:1", "200", db=path).expect(0)
    transfer(ctl, "sale-1001", "till:1", "shop", "10.00", "--memo", "receipt 1001",
             db=path).expect(0)
    transfer(ctl, "too-much", "till:1", "shop", "1000", db=path).expect(1)
    run("pending", "reserve", "--principal", "pump:3", "--key", "hold-1", "--from", "card:1",
        "--to", "shop", "--amount", "80", "--currency", "EUR").expect(0)
    run("pending", "post", "--principal", "pump:3", "--key", "post-1", "--pending", "4",
        "--amount", "60").expect(0)
    run("pending", "reserve", "--principal", "pump:3", "--key", "hold-2", "--from", "card:1",
        "--to", "shop", "--amount", "30", "--currency", "EUR", "--timeout", "3600").expect(0)
    run("reverse", "--principal", "till:1", "--key", "refund-1001", "--transfer", "3",
        "--amount", "4.00").expect(0)
    if close:
        keys = os.path.dirname(path)
        private = os.path.join(keys, "key.pem")
        if not os.path.exists(private):
            run("signing-key", "create", "--private-out", private, "--public-out",
                os.path.join(keys, "key.pub.pem")).expect(0)
        run("close", "--signing-key", private, "--key", "close-day-1").expect(0)
    run("verify").expect(0)


def violations(ctl, path, *extra):
    result = ctl.run("verify", "--json", *extra, db=path)
    if result.returncode == 0:
        return result, []
    result.expect(5)
    return result, result.json()["violations"]


def expect_reported(ctl, path, name, where, kinds=None, *extra):
    """verify exits 5 and names the row where the manipulation starts."""
    result, found = violations(ctl, path, *extra)
    check(result.returncode == 5 and found, f"{name}: verify must exit 5, got "
          f"{result.returncode} with {found}", result)
    matching = [v for v in found if v["where"] == where and (kinds is None or v["kind"] in kinds)]
    check(matching, f"{name}: verify must report {kinds or 'a violation'} at {where!r}; it "
          f"reported {found}", result)
    result.expect_one_error_line()


def fresh_copies(ctl, name):
    """Two copies of the shop: one without a closing, one sealed by closing 1."""
    directory = os.path.join(ctl.workdir, name)
    os.makedirs(directory, exist_ok=True)
    plain, sealed = os.path.join(directory, "plain.db"), os.path.join(directory, "sealed.db")
    for path in (plain, sealed):
        base = sqlite3.connect(os.path.join(ctl.workdir, "base-" + os.path.basename(path)))
        copy = sqlite3.connect(path)
        base.backup(copy)  # with whatever the WAL holds
        copy.close()
        base.close()
    return plain, sealed


@case
def fiscal_attacks(ctl):
    """Every manipulation of the audit (issue 19), done with plain SQL on a closed ledger,
    is reported by verify at the row where it starts; those that need no re-chaining are
    reported without a closing too."""
    keys_dir = ctl.workdir
    build_shop(ctl, os.path.join(ctl.workdir, "base-plain.db"), close=False)
    build_shop(ctl, os.path.join(ctl.workdir, "base-sealed.db"), close=True)
    public = os.path.join(keys_dir, "key.pub.pem")

    # 1. A completed sale's stored response edited: replays would print 1.00 for 10.00.
    for path in fresh_copies(ctl, "edited-response"):
        sale = outcome_seq(path, "sale-1001")
        sql(path, "UPDATE idempotency_keys SET response = replace(replace(response, "
                  "'\"amount\":\"10.00\"', '\"amount\":\"1.00\"'), '\"amount_minor\":1000', "
                  "'\"amount_minor\":100') WHERE idem_key = 'sale-1001'")
        expect_reported(ctl, path, "edited response", f"outcome seq {sale}",
                        {"outcome_chain", "stored_response"})

    # 2. A stored rejection's key deleted, so that its retry executes.
    for path in fresh_copies(ctl, "deleted-rejection"):
        rejection = outcome_seq(path, "too-much")
        sql(path, "DELETE FROM idempotency_keys WHERE idem_key = 'too-much'")
        expect_reported(ctl, path, "deleted rejection", f"outcome seq {rejection + 1}",
                        {"outcome_gap"})
        transfer(ctl, "too-much", "till:1", "shop", "1000", db=path).expect(1)
        violations(ctl, path)[0].expect(5)

    # 3. A stored rejection rewritten to another outcome.
    for path in fresh_copies(ctl, "rewritten-rejection"):
        rejection = outcome_seq(path, "too-much")
        sql(path, "UPDATE idempotency_keys SET result = 'debit_account_not_found', response = "
                  "replace(response, 'insufficient_funds', 'debit_account_not_found') "
                  "WHERE idem_key = 'too-much'")
        expect_reported(ctl, path, "rewritten rejection", f"outcome seq {rejection}",
                        {"outcome_chain"})

    # 4. An open hold marked expired and its held amount zeroed, with no journal row.
    for path in fresh_copies(ctl, "expired-hold"):
        sql(path, "UPDATE pending_transfers SET state = 'expired' WHERE seq = 6",
            "UPDATE accounts SET pending = 0 WHERE code = 'card:1'")
        expect_reported(ctl, path, "hold marked expired", "journal seq 6", {"pending_record"})

    # 5. A hold's expiry pushed a year out.
    for path in fresh_copies(ctl, "pushed-expiry"):
        sql(path, "UPDATE pending_transfers SET expires_at = expires_at + 31536000000 "
                  "WHERE seq = 6")
        expect_reported(ctl, path, "pushed expiry", "journal seq 6", {"pending_record"})

    # 6. An account's overdraft rule changed to unlimited.
    for path in fresh_copies(ctl, "unlimited-overdraft"):
        sql(path, "UPDATE accounts SET overdraft = 'unlimited' WHERE code = 'till:1'")
        expect_reported(ctl, path, "unlimited overdraft", "account till:1", {"account_rules"})

    # 7. The last journal row deleted with its key and balance changes, then its key retried:
    #    the money moves again. Without a closing nothing is left to compare with (README says
    #    so); after a closing the cut tail is reported where it starts.
    plain, sealed = fresh_copies(ctl, "deleted-last-row")
    refund = outcome_seq(plain, "refund-1001")
    for path in (plain, sealed):
        sql(path, "DROP TRIGGER journal_no_delete",
            "DELETE FROM idempotency_keys WHERE idem_key = 'refund-1001'",
            "DELETE FROM journal WHERE seq = 7",
            "UPDATE accounts SET balance = balance + 400 WHERE code = 'shop'",
            "UPDATE accounts SET balance = balance - 400 WHERE code = 'till:1'")
    expect_reported(ctl, plain, "cut tail", f"outcome seq {refund}", {"outcome_chain"})
    sql(plain, f"UPDATE chain_heads SET seq = {refund - 1}, hash = (SELECT outcome_hash FROM "
               f"idempotency_keys WHERE outcome_seq = {refund - 1})")
    ctl.run("verify", db=plain).expect(0)  # the recorded head set back too: nothing is left
    expect_reported(ctl, sealed, "cut tail", "journal seq 7", {"closing_truncated"})
    ctl.run("reverse", "--principal", "till:1", "--key", "refund-1001", "--transfer", "3",
            "--amount", "4.00", db=sealed).expect(0)
    expect_reported(ctl, sealed, "cut tail, then retried", "journal seq 7", {"closing_head"})

    # 8. An amount edited and the whole chain recomputed. The stored response of the sale
    #    still says 10.00, and the closing signed other heads and totals.
    plain, sealed = fresh_copies(ctl, "rechained-amount")
    for path in (plain, sealed):
        edit_amount(path, 3, 100)
        expect_reported(ctl, path, "re-chained amount", f"outcome seq {outcome_seq(path, 'sale-1001')}",
                        {"stored_response"})
    expect_reported(ctl, sealed, "re-chained amount", "journal seq 7", {"closing_head"})
    expect_reported(ctl, sealed, "re-chained amount", "closing 1", {"closing_totals"})
    expect_reported(ctl, sealed, "re-chained amount", "journal seq 7", {"closing_head"},
                    "--public-key", public)

    # 9. After a re-chain, a post larger than its hold and a refund larger than its original
    #    are reported by the rules themselves, closing or not.
    for path in fresh_copies(ctl, "post-beyond-hold"):
        edit_amount(path, 5, 9000)
        expect_reported(ctl, path, "post beyond hold", "journal seq 5", {"post_exceeds_hold"})
    for path in fresh_copies(ctl, "refund-beyond-sale"):
        edit_amount(path, 7, 4000)
        expect_reported(ctl, path, "refund beyond sale", "journal seq 7",
                        {"refund_exceeds_original"})


@case
def closings(ctl):
    """close seals the record in a signed closing exactly once per key; verify checks the
    signatures with --public-key; a closing cannot be reopened or forged unnoticed."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative")
    ctl.ok("account", "create", "till:1", "--currency", "EUR")
    ctl.run("close").expect(2)  # no signing key anywhere
    created = ctl.run("signing-key", "create", "--json").expect(0).json()
    check(os.stat(os.path.join(ctl.workdir, "signing-key.pem")).st_mode & 0o077 == 0,
          "the private key is mode 0600")
    ctl.run("signing-key", "create").expect(2)  # never overwrites a key
    for n in range(3):
        transfer(ctl, f"sale-{n}", "world", "till:1", f"{n + 1}.00").expect(0)
    first = ctl.run("close", "--key", "day-1").expect(0)
    replay = ctl.run("close", "--key", "day-1").expect(0)
    check(first.stdout == replay.stdout and "replayed" in replay.stderr,
          "a retried close replays the same closing byte for byte", replay)
    body = json.loads(first.stdout)
    check(body["closing"] == 1 and body["first_seq"] == 1 and body["last_seq"] == 3,
          f"closing 1 covers journal 1..3: {body}")
    check(body["signing_key_fingerprint"] == created["fingerprint"],
          "the closing names the key that signed it")
    document = body["document"]
    totals = {t["account"]: t for t in document["totals"]}
    check(totals["till:1"]["credits_minor"] == 600 and totals["world"]["debits_minor"] == 600,
          f"period totals per account: {document['totals']}")
    until = document["period"]["until_ms"]
    ctl.run("close", "--key", "day-1", "--until", str(until - 1)).expect(3)  # key reused
    ctl.run("close", "--until", str(until - 1)).expect(2)  # before the last closing
    ctl.run("close", "--until", "2999-01-01").expect(2)  # the future
    transfer(ctl, "sale-9", "world", "till:1", "9.00").expect(0)
    second = ctl.run("close", "--key", "day-2", "--json").expect(0).json()["response"]
    check(second["closing"] == 2 and second["first_seq"] == 4 and second["last_seq"] == 4,
          f"closing 2 starts where closing 1 ended: {second}")
    perpetual = {a["account"]: a for a in second["document"]["perpetual"]["accounts"]}
    check(perpetual["till:1"]["balance_minor"] == 1500, f"perpetual totals: {perpetual}")
    listed = ctl.run("closing", "list", "--json").expect(0).json()["closings"]
    check([c["number"] for c in listed] == [1, 2], f"closing list: {listed}")
    shown = ctl.run("closing", "show", "2", "--json").expect(0).json()
    check(shown["document"]["previous_closing_hash"] == listed[0]["hash"],
          "closing 2 chains from closing 1's hash")
    ctl.run("closing", "show", "3").expect(2)
    public = os.path.join(ctl.workdir, "signing-key.pub.pem")
    report = ctl.run("verify", "--json", "--public-key", public).expect(0).json()
    check(report["closings_checked"] == 2 and report["signatures_checked"] == 2,
          f"verify --public-key checks both signatures: {report}")
    other = os.path.join(ctl.workdir, "other")
    ctl.ok("signing-key", "create", "--private-out", other + ".pem", "--public-out",
           other + ".pub.pem")
    _, found = violations(ctl, ctl.db, "--public-key", other + ".pub.pem")
    check(any(v["kind"] == "closing_signature" and v["where"] == "closing 1" for v in found),
          f"another public key is refused: {found}")
    copy = os.path.join(ctl.workdir, "forged.db")
    shutil.copyfile(ctl.db, copy)
    sql(copy, "DROP TRIGGER closings_no_update",
        "UPDATE closings SET document = replace(document, '\"credits_minor\":600', "
        "'\"credits_minor\":60') WHERE number = 1")
    _, found = violations(ctl, copy, "--public-key", public)
    check(any(v["where"] == "closing 1" and v["kind"] == "closing_document" for v in found),
          f"an edited closing document is reported: {found}")


@case
def audit_archive(ctl):
    """audit export writes an archive that audit verify checks with nothing but it and the
    public key; a change of any byte of it is reported."""
    build_shop(ctl, ctl.db, close=True)
    transfer(ctl, "after-close", "world", "till:1", "1.00").expect(0)
    archive = os.path.join(ctl.workdir, "shop.audit")
    key = os.path.join(ctl.workdir, "key.pem")
    public = os.path.join(ctl.workdir, "key.pub.pem")
    ctl.ok("audit", "export", archive, "--signing-key", key)
    ctl.run("audit", "export", archive).expect(2)  # never overwritten
    report = ctl.run("audit", "verify", archive, "--public-key", public, "--json",
                     use_db=False).expect(0).json()
    check(report["journal_rows_checked"] == 8 and report["closings_checked"] == 1
          and report["signatures_checked"] == 1, f"audit verify: {report}")
    data = open(archive, "rb").read()
    tampered = os.path.join(ctl.workdir, "tampered.audit")
    positions = sorted(set([0, len(data) - 2, len(data) - 1] +
                           list(range(1, len(data), max(1, len(data) // 60)))))
    for position in positions:
        changed = bytearray(data)
        changed[position] = (changed[position] + 1) % 256 if changed[position] != ord("\n") \
            else ord(" ")
        with open(tampered, "wb") as out:
            out.write(changed)
        result = ctl.run("audit", "verify", tampered, "--public-key", public, use_db=False)
        check(result.returncode == 5,
              f"a change of byte {position} of {len(data)} must be reported (exit 5)", result)
    with open(tampered, "wb") as out:
        out.write(data[: len(data) // 2])
    ctl.run("audit", "verify", tampered, "--public-key", public, use_db=False).expect(5)
    other = os.path.join(ctl.workdir, "other")
    ctl.ok("signing-key", "create", "--private-out", other + ".pem", "--public-out",
           other + ".pub.pem")
    ctl.run("audit", "verify", archive, "--public-key", other + ".pub.pem",
            use_db=False).expect(5)
    ctl.run("audit", "verify", os.path.join(ctl.workdir, "missing.audit"), "--public-key",
            public, use_db=False).expect(2)


@case
def clock_guard(ctl):
    """A clock that jumps back never makes a journal row earlier than the one before: the
    row keeps the previous time, records how far the clock was behind, and journal shows
    it."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative")
    ctl.ok("account", "create", "till:1", "--currency", "EUR")
    transfer(ctl, "t-1", "world", "till:1", "1.00").expect(0)
    # A row written while the clock ran an hour ahead (chained like any row).
    (created, prev), = query(ctl.db, "SELECT created_at, hash FROM journal WHERE seq = 1")
    ahead = created + 3_600_000
    row = (2, "transfer", "world", "till:1", 100, "EUR", "", "till:1", "t-ahead", ahead, None, 0)
    connection = sqlite3.connect(ctl.db)
    connection.execute(
        "INSERT INTO journal (seq, kind, debit_account, credit_account, amount, currency, memo, "
        "principal, idem_key, created_at, hash) SELECT 2, 'transfer', d.id, c.id, 100, 'EUR', "
        "'', 'till:1', 't-ahead', ?, ? FROM accounts d, accounts c WHERE d.code = 'world' AND "
        "c.code = 'till:1'", (ahead, journal_link(prev, row)))
    connection.commit()
    connection.close()
    transfer(ctl, "t-3", "world", "till:1", "1.00").expect(0)
    rows = {r["sequence"]: r for r in
            (json.loads(line) for line in
             ctl.run("journal", "--format", "jsonl").expect(0).stdout.splitlines())}
    check(rows[3]["created_at_ms"] == ahead and rows[3]["clock_went_back"]
          and rows[3]["clock_behind_ms"] > 3_000_000,
          f"the row after the jump keeps the previous time and records the jump: {rows[3]}")
    check(not rows[1]["clock_went_back"], "a row written with a sane clock carries no flag")
    table = ctl.run("journal").expect(0)
    check("CLOCK WENT BACK" in table.stdout, "journal's table shows the jump", table)
    csv = ctl.run("journal", "--format", "csv").expect(0)
    check(csv.stdout.splitlines()[0].endswith("clock_behind_ms"), "csv has the column", csv)


@case
def upgrade_to_chained(ctl):
    """A ledger written by the file-format-5 build (tests/migration/data) is upgraded to the
    chained form in one transaction: every completed key replays byte for byte, verify
    passes, and the chains cover what the file already held."""
    shutil.copyfile(os.path.join(FIXTURES, "ledger-v5.ledger"), ctl.db)
    recorded = json.load(open(os.path.join(FIXTURES, "ledger-v5-replays.json")))["commands"]
    ctl.run("verify").expect(5)  # reading never upgrades: "upgrade first"
    upgraded = ctl.run("upgrade", "--json").expect(0).json()
    check(upgraded["from_version"] == 5 and upgraded["to_version"] == 6, f"{upgraded}")
    check(query(ctl.db, "PRAGMA user_version") == [(6,)], "the file is at version 6")
    for command in recorded:
        result = ctl.run(*command["args"])
        if command["args"][command["args"].index("--key") + 1] == "t-purged":
            result.expect(3)  # a tombstone since before the upgrade: refused forever
            continue
        result.expect(command["exit"])
        check(result.stdout == command["stdout"],
              f"{command['args']} must replay byte for byte after the upgrade", result)
        check("replayed" in result.stderr or command["exit"] == 2, "it was a replay", result)
    stats = ctl.run("stats", "--json").expect(0).json()
    check(len(stats["ledger_id"]) == 36 and stats["ledger_id"][14] == "4",
          f"the upgrade gave the ledger its random id: {stats}")
    report = ctl.run("verify", "--json").expect(0).json()
    check(report["outcomes_checked"] == 15 and report["events_checked"] == 6,
          f"the outcomes and events of the old file are chained: {report}")
    sql(ctl.db, "UPDATE idempotency_keys SET response = replace(response, '12.34', '1.34') "
                "WHERE idem_key = 't-2'")
    ctl.run("verify").expect(5)
