"""End-to-end cases of `ledgerctl sync push|status` and `ledgerctl hq balances|totals|verify`
against a real PostgreSQL that each case starts itself (pg_cluster.py): SPEC 11, issue 20.

    python3 sync_test.py --ledgerctl build/tools/ledgerctl/ledgerctl \
        --pos-sim build/tools/pos-sim/pos-sim --case push_and_resume

Each case checks real data: the central rows (psql on ledger_hq.*) against the edge's own
`ledgerctl journal --format jsonl`, `account list` and `closing list`.
"""

import argparse
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from central_lib import (Tools, TestFailure, check, central_fingerprint,  # noqa: E402
                         central_journal, expected_totals, journal_differences, run_case,
                         utc_day)
from pg_cluster import PgCluster, free_port  # noqa: E402


def equal_journals(tools, pg, db, what):
    """The central copy of `db` equals its journal row for row, hash for hash."""
    lid = tools.ledger_id(db)
    edge = tools.journal(db)
    diffs = journal_differences(edge, central_journal(pg, lid))
    check(not diffs, f"{what}: the central copy differs from the edge {db}:\n  "
          + "\n  ".join(diffs))
    return edge


def forks_of(pg, lid):
    return pg.psql("SELECT what, position, encode(central_hash, 'hex'), "
                   "encode(edge_hash, 'hex') FROM ledger_hq.forks "
                   f"WHERE ledger_id = '{lid}' ORDER BY position")


def reserve(tools, db, key, source, target, amount):
    reply = tools.ctl("--db", db, "--json", "pending", "reserve", "--principal", "till:1",
                      "--key", key, "--from", source, "--to", target, "--amount", amount,
                      "--currency", "EUR").expect(0).json()
    return reply["sequence"]


def varied_rows(tools, db, tag):
    """Rows of every kind (transfer, reserve, post, void, reverse, an open hold), so that
    kind, ref_seq and the posted-balance rules are exercised; returns how many."""
    first = tools.transfer(db, f"{tag}-t1", "world", "customer:1", "10.00", memo=f"{tag} top-up")
    tools.transfer(db, f"{tag}-t2", "customer:1", "till:1", "2.50", memo=f"{tag} sale")
    held = reserve(tools, db, f"{tag}-r1", "customer:1", "till:1", "3.00")
    tools.ctl("--db", db, "pending", "post", "--principal", "till:1", "--key", f"{tag}-p1",
              "--pending", held, "--amount", "1.25").expect(0)
    voided = reserve(tools, db, f"{tag}-r2", "customer:1", "till:1", "1.00")
    tools.ctl("--db", db, "pending", "void", "--principal", "till:1", "--key", f"{tag}-v1",
              "--pending", voided).expect(0)
    tools.ctl("--db", db, "reverse", "--principal", "till:1", "--key", f"{tag}-rv1",
              "--transfer", first + 1, "--amount", "0.50").expect(0)
    reserve(tools, db, f"{tag}-r3", "customer:1", "till:1", "0.75")  # stays open
    return 8


# --- cases ------------------------------------------------------------------------------

def case_push_and_resume(tools, work):
    """A pos-sim ledger pushed in batches of 7 arrives row for row and hash for hash, in
    transactions of at most 7 rows; a second push ships nothing and rewrites nothing; new
    rows of every kind are shipped alone."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "edge.db"), seed=11, sales=60, fault_rate=0.2)
        lid = tools.ledger_id(db)
        edge = tools.journal(db)
        n = len(edge)
        check(n > 60 and edge[-1]["sequence"] == n, f"pos-sim made {n} rows, last "
              f"{edge[-1]['sequence']}")

        first = tools.push_ok(db, pg.conninfo, "--batch-rows", "7")
        check(first["ledger_id"] == lid, f"push names ledger {first['ledger_id']}, stats {lid}")
        check(first["edge_seq"] == n and first["central_seq"] == n and first["pushed_rows"] == n,
              f"the first push of {n} rows reported {first}")
        equal_journals(tools, pg, db, "after the first push")

        # Bounded transactions: each row carries the id of the transaction that wrote it.
        sizes = [int(r[0]) for r in pg.psql(
            "SELECT count(*) FROM ledger_hq.journal "
            f"WHERE ledger_id = '{lid}' GROUP BY xmin::text")]
        check(max(sizes) <= 7 and len(sizes) >= math.ceil(n / 7),
              f"--batch-rows 7: {n} rows were written by {len(sizes)} transactions of sizes "
              f"{sorted(sizes)} (want at least {math.ceil(n / 7)}, none above 7)")
        head = pg.psql("SELECT head_seq, encode(head_hash, 'hex') FROM ledger_hq.ledgers "
                       f"WHERE ledger_id = '{lid}'")
        check(head == [[str(n), edge[-1]["hash"]]],
              f"ledger_hq.ledgers head is {head}, the edge's is {n} {edge[-1]['hash']}")
        heads = pg.scalar(f"SELECT count(*) FROM ledger_hq.chain_heads WHERE ledger_id = '{lid}'")
        check(int(heads) >= 1, "ledger_hq.chain_heads has no row of the pushed ledger")

        # Again, the connection from $LEDGER_PG: nothing to ship, nothing rewritten.
        before = central_fingerprint(pg)
        xmins = pg.psql(f"SELECT seq, xmin::text FROM ledger_hq.journal "
                        f"WHERE ledger_id = '{lid}' ORDER BY seq")
        again = tools.ctl("--db", db, "--json", "sync", "push",
                          env={"LEDGER_PG": pg.conninfo}).expect(0).json()
        check(again.get("pushed_rows") == 0 and again.get("central_seq") == n,
              f"a second push (LEDGER_PG) reported {again}; want pushed_rows 0, central_seq {n}")
        check(central_fingerprint(pg) == before, "a push with nothing to ship changed the "
              "central copy")

        added = varied_rows(tools, db, "more")
        third = tools.push_ok(db, pg.conninfo, "--batch-rows", "3")
        check(third["pushed_rows"] == added and third["central_seq"] == n + added,
              f"after {added} new rows the push reported {third}")
        edge = equal_journals(tools, pg, db, "after the third push")
        check({r["kind"] for r in edge} >= {"transfer", "reserve", "post", "void", "reverse"},
              f"kinds on the edge: {sorted({r['kind'] for r in edge})}")
        check(pg.psql(f"SELECT seq, xmin::text FROM ledger_hq.journal WHERE ledger_id = '{lid}' "
                      f"AND seq <= {n} ORDER BY seq") == xmins,
              "rows shipped by the first push were rewritten by a later one")
        check(forks_of(pg, lid) == [], f"forks recorded for an honest ledger: "
              f"{forks_of(pg, lid)}")


def case_fork_refused(tools, work):
    """An edge copy that wrote another row at a sequence the central copy already has is
    refused (exit 5, stderr names the fork and that journal sequence), the central copy is
    unchanged and the fork is logged at that sequence with both hashes; the same copy
    with more rows still is; a copy behind the central copy (an old backup restored) is
    refused too."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "till.db"), seed=12, sales=30, fault_rate=0.2)
        lid = tools.ledger_id(db)
        forked = tools.backup(db, os.path.join(work, "till-forked.db"))
        old = tools.backup(db, os.path.join(work, "till-old.db"))
        check(tools.ledger_id(forked) == lid, "a backup has another ledger_id")
        tools.push_ok(db, pg.conninfo)
        fork_seq = tools.transfer(db, "original-extra", "world", "customer:1", "1.00",
                                  memo="on the till")
        pushed = tools.push_ok(db, pg.conninfo)
        check(pushed["pushed_rows"] == 1 and pushed["central_seq"] == fork_seq,
              f"the original's new row: push reported {pushed}")
        central_row = central_journal(pg, lid)[-1]

        # Two tills on one ledger file, one sale each: the same sequence, another row.
        seq = tools.transfer(forked, "copy-extra", "world", "customer:2", "2.00",
                             memo="on the copy")
        check(seq == fork_seq, f"the copy's transfer got sequence {seq}, not {fork_seq}")
        copy_row = tools.journal(forked)[fork_seq - 1]
        check(copy_row["hash"] != central_row["hash"], "the forged row has the same hash")

        before = central_fingerprint(pg)
        refused = tools.push(forked, pg.conninfo)
        refused.expect(5)
        check(central_fingerprint(pg) == before, "a refused fork changed the central copy")
        check(central_journal(pg, lid)[-1] == central_row, "the central row was overwritten")
        forks = forks_of(pg, lid)
        check(forks, "the refused fork was not recorded in ledger_hq.forks")
        if not re.search(r"fork", refused.stderr, re.I) or \
                not re.search(rf"\b{fork_seq}\b", refused.stderr):
            refused.fail(f"stderr must name the fork and the journal sequence {fork_seq} where "
                         f"the copies differ (ledger_hq.forks has {forks})")
        check(any(f[1] == str(fork_seq) and f[2] == central_row["hash"]
                  and f[3] == copy_row["hash"] for f in forks),
              f"ledger_hq.forks should have a row at journal sequence {fork_seq} with central "
              f"hash {central_row['hash']} and edge hash {copy_row['hash']}; it has {forks}")

        # The same copy with more rows than the central copy: still refused, nothing written.
        tools.transfer(forked, "copy-extra-2", "world", "customer:3", "3.00")
        again = tools.push(forked, pg.conninfo, "--batch-rows", "1")
        again.expect(5)
        if not re.search(r"fork", again.stderr, re.I):
            again.fail("stderr must name the fork")
        check(central_fingerprint(pg) == before, "a second refused fork changed the central "
              "copy")

        # An old backup restored: the central copy has more rows than this edge.
        behind = tools.push(old, pg.conninfo)
        behind.expect(5)
        check(central_fingerprint(pg) == before, "a push from an edge behind the central copy "
              "changed it")

        # The honest till: everything it has is there; nothing to ship, nothing changed.
        honest = tools.push(db, pg.conninfo)
        check(honest.returncode in (0, 5), f"the honest till's push after a fork:\n"
              f"{honest.describe()}")
        check(central_fingerprint(pg) == before, "the honest till's push after a fork changed "
              "the central copy")
        equal_journals(tools, pg, db, "after the refused forks")


def case_status(tools, work):
    """sync status says how far each side is: before any push (the central schema not yet
    made), after a push, after new sales, and again after the next push; it writes
    nothing."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "edge.db"), seed=21, sales=30, fault_rate=0.2)
        lid = tools.ledger_id(db)
        n = len(tools.journal(db))
        st = tools.status(db, pg.conninfo)
        check((st["ledger_id"], st["edge_seq"], st["central_seq"], st["behind"], st["forks"])
              == (lid, n, 0, n, 0), f"status before any push: {st}; want edge_seq {n}, "
              f"central_seq 0, behind {n}, forks 0")
        check(st["edge_closings"] == 0 and st["central_closings"] == 0, f"status: {st}")

        tools.push_ok(db, pg.conninfo, "--batch-rows", "5")
        st = tools.status(db, pg.conninfo)
        check((st["edge_seq"], st["central_seq"], st["behind"]) == (n, n, 0),
              f"status after the push: {st}; want {n} {n} 0")

        for i in range(4):
            tools.transfer(db, f"later-{i}", "world", f"customer:{i + 1}", "1.00")
        before = central_fingerprint(pg)
        st = tools.status(db, pg.conninfo)
        check((st["edge_seq"], st["central_seq"], st["behind"]) == (n + 4, n, 4),
              f"status after 4 sales: {st}; want edge_seq {n + 4}, central_seq {n}, behind 4")
        text = tools.ctl("--db", db, "sync", "status", "--pg", pg.conninfo).expect(0)
        if not text.stdout.strip() or not re.search(r"\b4\b", text.stdout):
            text.fail("sync status (text) should show the 4 rows behind")
        check(central_fingerprint(pg) == before, "sync status changed the central copy")

        pushed = tools.push_ok(db, pg.conninfo)
        check(pushed["pushed_rows"] == 4, f"push after 4 sales: {pushed}")
        st = tools.status(db, pg.conninfo)
        check((st["edge_seq"], st["central_seq"], st["behind"], st["forks"]) ==
              (n + 4, n + 4, 0, 0), f"status after the last push: {st}")


def case_hq_balances_match_edges(tools, work):
    """Three stores: hq balances per account equal each edge's posted balance (holds do
    not count), hq totals per account and day equal the edge's own rows (the closing
    totals' definition) and add up to the balance; --store, --ledger, --from and --until
    select."""
    with PgCluster() as pg:
        stores = {}
        edges = {}
        for i in (1, 2, 3):
            db = tools.fill_edge(os.path.join(work, f"store{i}.db"), seed=30 + i, sales=40,
                                 fault_rate=0.2)
            if i == 1:
                varied_rows(tools, db, "s1")
            lid = tools.ledger_id(db)
            stores[lid] = f"store-{i}"
            edges[lid] = db
            tools.push_ok(db, pg.conninfo, "--store", f"store-{i}")

        def balances(*extra):
            reply = tools.hq("balances", pg.conninfo, *extra).expect(0).json()
            out = {}
            for b in reply["balances"]:
                key = (b["ledger_id"], b["account"], b["currency"])
                check(key not in out, f"hq balances lists {key} twice")
                out[key] = b
            return out

        everything = balances()
        for (lid, account, currency), b in everything.items():
            check(lid in edges, f"hq balances names an unknown ledger: {b}")
            check(b["store"] == stores[lid], f"hq balances: store {b['store']!r} for a ledger "
                  f"pushed as {stores[lid]!r}: {b}")
        for lid, db in edges.items():
            accounts = tools.accounts(db)
            for (l2, account, currency), b in everything.items():
                if l2 == lid:
                    check(account in accounts, f"hq balances has an account the edge lacks: {b}")
            for code, a in accounts.items():
                b = everything.get((lid, code, a["currency"]))
                if b is None:
                    check(a["balance_minor"] == 0, f"hq balances lacks {code} of {stores[lid]} "
                          f"(edge balance {a['balance_minor']})")
                    continue
                check(b["balance_minor"] == a["balance_minor"],
                      f"{stores[lid]} {code}: hq balance_minor {b['balance_minor']}, edge "
                      f"account show {a['balance_minor']} (pending {a['pending_minor']})")
                check(b["balance"] == a["balance"], f"{stores[lid]} {code}: hq balance "
                      f"{b['balance']!r}, edge {a['balance']!r}")
        one = list(edges)[1]
        check(set(balances("--store", "store-2")) == {k for k in everything if k[0] == one},
              "hq balances --store store-2 is not exactly store 2's accounts")
        last = list(edges)[2]
        check(set(balances("--ledger", last)) == {k for k in everything if k[0] == last},
              "hq balances --ledger ID is not exactly that ledger's accounts")

        def totals(*extra):
            reply = tools.hq("totals", pg.conninfo, *extra).expect(0).json()
            out = {}
            for t in reply["totals"]:
                key = (t["ledger_id"], t["account"], t["currency"], t["day"])
                check(key not in out, f"hq totals lists {key} twice")
                check(t["net_minor"] == t["credits_minor"] - t["debits_minor"],
                      f"hq totals: net_minor is not credits - debits: {t}")
                check(t["store"] == stores.get(t["ledger_id"]), f"hq totals: store of {t}")
                out[key] = t
            return out

        all_totals = totals()
        days = set()
        for lid, db in edges.items():
            want = expected_totals(tools.journal(db))
            got = {k[1:]: v for k, v in all_totals.items() if k[0] == lid}
            check(set(got) == set(want), f"hq totals of {stores[lid]}: keys "
                  f"{sorted(set(got) ^ set(want))[:10]} differ from the edge's posted rows")
            for key, (debits, credits, rows) in want.items():
                t = got[key]
                check((t["debits_minor"], t["credits_minor"], t["rows"]) == (debits, credits, rows),
                      f"hq totals {stores[lid]} {key}: {t}; the edge's posted rows give debits "
                      f"{debits}, credits {credits}, rows {rows}")
                days.add(key[2])
            for code, a in tools.accounts(db).items():
                net = sum(t["net_minor"] for k, t in got.items() if k[0] == code)
                check(net == a["balance_minor"], f"{stores[lid]} {code}: hq totals net adds up "
                      f"to {net}, the edge balance is {a['balance_minor']}")

        first_day, last_day = min(days), max(days)
        import datetime
        day = datetime.date.fromisoformat
        after = (day(last_day) + datetime.timedelta(days=1)).isoformat()
        before = (day(first_day) - datetime.timedelta(days=1)).isoformat()
        check(totals("--from", after) == {}, f"hq totals --from {after} should be empty")
        check(totals("--until", before) == {}, f"hq totals --until {before} should be empty")
        check(totals("--from", first_day, "--until", after) == all_totals,
              f"hq totals --from {first_day} --until {after} should hold every day")
        check(set(totals("--store", "store-1")) == {k for k in all_totals
                                                    if stores[k[0]] == "store-1"},
              "hq totals --store store-1 is not exactly store 1's totals")
        check(set(totals("--ledger", one)) == {k for k in all_totals if k[0] == one},
              "hq totals --ledger ID is not exactly that ledger's totals")


def case_hq_verify_catches_tampering(tools, work):
    """hq verify recomputes every chain centrally: it passes honest copies, reports an
    amount changed in one central row (exit 5, naming that ledger and sequence) and a
    deleted central row (a gap), and --ledger selects."""
    with PgCluster() as pg:
        dbs = [tools.fill_edge(os.path.join(work, f"e{i}.db"), seed=40 + i, sales=30,
                               fault_rate=0.2) for i in (1, 2)]
        ids = [tools.ledger_id(db) for db in dbs]
        rows = 0
        for db in dbs:
            rows += tools.push_ok(db, pg.conninfo, "--batch-rows", "10")["central_seq"]

        def verify(expect, *extra):
            done = tools.hq("verify", pg.conninfo, *extra)
            done.expect(expect)
            reply = done.json()
            check(reply.get("ok") is (expect == 0), f"hq verify ok={reply.get('ok')} with exit "
                  f"{expect}:\n{done.describe()}")
            return reply, done

        reply, _ = verify(0)
        check((reply["ledgers"], reply["rows"], reply["violations"]) == (2, rows, []),
              f"hq verify of two honest ledgers ({rows} rows): {reply}")

        a, b = ids
        pg.psql("SET session_replication_role = replica; UPDATE ledger_hq.journal "
                f"SET amount_minor = amount_minor + 1 WHERE ledger_id = '{a}' AND seq = 10")
        reply, done = verify(5)
        check(reply["violations"] and all(v["ledger_id"] == a for v in reply["violations"]),
              f"hq verify after an amount edit in ledger {a} seq 10:\n{done.describe()}")
        check(any(v["seq"] == 10 for v in reply["violations"]),
              f"no violation names seq 10:\n{done.describe()}")
        verify(0, "--ledger", b)
        text = tools.ctl("hq", "verify", "--pg", pg.conninfo)
        text.expect(5)
        if not re.search(r"\b10\b", text.stdout + text.stderr):
            text.fail("hq verify (text) should name the sequence 10")
        pg.psql("SET session_replication_role = replica; UPDATE ledger_hq.journal "
                f"SET amount_minor = amount_minor - 1 WHERE ledger_id = '{a}' AND seq = 10")
        verify(0)

        pg.psql("SET session_replication_role = replica; "
                f"DELETE FROM ledger_hq.journal WHERE ledger_id = '{b}' AND seq = 15")
        reply, done = verify(5)
        check(reply["violations"] and all(v["ledger_id"] == b for v in reply["violations"]),
              f"hq verify after deleting ledger {b} seq 15:\n{done.describe()}")
        check(any(v["seq"] in (15, 16) for v in reply["violations"]),
              f"no violation names the gap at seq 15:\n{done.describe()}")
        verify(0, "--ledger", a)


def case_closings_pushed(tools, work):
    """Signed closings reach the central copy with their hashes; sync status counts them on
    both sides; hq verify --public-key checks their signatures and refuses another key."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "edge.db"), seed=51, sales=30, fault_rate=0.2)
        key, pub = os.path.join(work, "k.pem"), os.path.join(work, "k.pub.pem")
        tools.ctl("--db", db, "signing-key", "create", "--private-out", key,
                  "--public-out", pub).expect(0)
        tools.ctl("--db", db, "close", "--signing-key", key, "--key", "day-1").expect(0)
        tools.transfer(db, "after-1", "world", "customer:1", "4.00")
        tools.transfer(db, "after-2", "customer:1", "till:1", "1.00")
        tools.ctl("--db", db, "close", "--signing-key", key, "--key", "day-2").expect(0)
        tools.transfer(db, "after-3", "world", "customer:2", "5.00")  # not yet closed
        closings = tools.closings(db)
        check(len(closings) == 2, f"the edge has {len(closings)} closings")
        lid = tools.ledger_id(db)

        st = tools.status(db, pg.conninfo)
        check((st["edge_closings"], st["central_closings"]) == (2, 0), f"status before: {st}")
        pushed = tools.push_ok(db, pg.conninfo, "--batch-rows", "9")
        check(pushed["closings_pushed"] == 2, f"push reported {pushed}; want closings_pushed 2")
        central = pg.psql("SELECT number, encode(hash, 'hex') FROM ledger_hq.closings "
                          f"WHERE ledger_id = '{lid}' ORDER BY number")
        want = [[str(c["number"]), c["hash"]] for c in closings]
        check(central == want, f"central closings {central}, the edge's {want}")
        equal_journals(tools, pg, db, "with closings")
        st = tools.status(db, pg.conninfo)
        check((st["edge_closings"], st["central_closings"], st["behind"]) == (2, 2, 0),
              f"status after: {st}")
        again = tools.push_ok(db, pg.conninfo)
        check(again["closings_pushed"] == 0 and again["pushed_rows"] == 0,
              f"a second push: {again}")

        done = tools.hq("verify", pg.conninfo, "--public-key", pub).expect(0)
        check(done.json().get("ok") is True, f"hq verify --public-key:\n{done.describe()}")

        other_db = os.path.join(work, "other.db")
        tools.ctl("--db", other_db, "init").expect(0)
        other_pub = os.path.join(work, "other.pub.pem")
        tools.ctl("--db", other_db, "signing-key", "create", "--private-out",
                  os.path.join(work, "other.pem"), "--public-out", other_pub).expect(0)
        wrong = tools.hq("verify", pg.conninfo, "--public-key", other_pub)
        wrong.expect(5)
        check(wrong.json().get("ok") is False and wrong.json().get("violations"),
              f"hq verify with another public key:\n{wrong.describe()}")


def case_transient_exit_4(tools, work):
    """With nothing listening on the port, push, status and hq exit 4 (transient) with a
    message saying to run the command again; --pg defaults to $LEDGER_PG; with neither,
    exit 2."""
    port = free_port()
    pg = f"host=127.0.0.1 port={port} user=ledger dbname=postgres connect_timeout=5"
    db = tools.fill_edge(os.path.join(work, "edge.db"), seed=61, sales=5, fault_rate=0.0)
    before = tools.journal(db)
    advice = re.compile(r"again|retry|re-?run", re.I)
    for argv in (["--db", db, "sync", "push", "--pg", pg],
                 ["--db", db, "--json", "sync", "push", "--pg", pg, "--batch-rows", "2"],
                 ["--db", db, "sync", "status", "--pg", pg],
                 ["hq", "verify", "--pg", pg],
                 ["hq", "balances", "--pg", pg],
                 ["hq", "totals", "--pg", pg]):
        done = tools.ctl(*argv, seconds=60)
        done.expect(4)
        if not advice.search(done.stderr + done.stdout):
            done.fail("a transient failure must say what to do (run it again)")
    done = tools.ctl("--db", db, "sync", "push", env={"LEDGER_PG": pg}, seconds=60)
    done.expect(4)  # it took the connection from $LEDGER_PG
    tools.ctl("--db", db, "sync", "push", seconds=60).expect(2)  # no --pg, no $LEDGER_PG
    check(tools.journal(db) == before, "a failed push changed the edge's journal")


def case_overlapping_pushes(tools, work):
    """Four pushes of the same ledger at once (cron runs that overlap): none reports a fork
    or crashes (exit 0, or 4 for a transient refusal), and afterwards the central copy
    equals the edge with no fork logged."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "edge.db"), seed=71, sales=80, fault_rate=0.2)
        lid = tools.ledger_id(db)
        results = [None] * 4

        def one(i):
            results[i] = tools.push(db, pg.conninfo, "--batch-rows", "3")
        threads = [threading.Thread(target=one, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            if r is None:
                raise TestFailure("a push thread failed to run (see above)")
            if r.returncode not in (0, 4):
                r.fail("an overlapping push of the same ledger must exit 0 or 4")
        check(any(r.returncode == 0 for r in results), "all four overlapping pushes exited 4:\n"
              + "\n".join(r.describe() for r in results))
        tools.push_ok(db, pg.conninfo)
        equal_journals(tools, pg, db, "after overlapping pushes")
        check(forks_of(pg, lid) == [], f"overlapping honest pushes logged forks: "
              f"{forks_of(pg, lid)}")


def case_divergence_found_and_central_checks(tools, work):
    """A copy that diverged in the middle of what both later wrote is refused at the first
    differing row (found by binary search over both chains, not at the end); a copy that
    diverged only by a rejected payment (no journal row) is refused by the outcome chain
    head; a push naming another store is refused (exit 2); and PostgreSQL itself refuses,
    through ledger_hq.accept_rows, rows that leave a gap or do not chain from the head."""
    with PgCluster() as pg:
        db = tools.fill_edge(os.path.join(work, "till.db"), seed=21, sales=20, fault_rate=0.1)
        lid = tools.ledger_id(db)
        tools.push_ok(db, pg.conninfo, "--store", "nantes")
        copy = tools.backup(db, os.path.join(work, "till-copy.db"))
        first = None
        for i in range(6):
            seq = tools.transfer(db, f"orig-{i}", "world", "customer:1", f"{i + 1}.00")
            tools.transfer(copy, f"copy-{i}", "world", "customer:2", f"{i + 1}.50")
            first = first or seq
        tools.push_ok(db, pg.conninfo)
        before = central_fingerprint(pg)
        refused = tools.push(copy, pg.conninfo).expect(5)
        if not re.search(rf"journal row {first} differs", refused.stderr):
            refused.fail(f"the fork must be named at the first differing row {first}")
        check(central_fingerprint(pg) == before, "a refused fork changed the central copy")

        # Diverged by rejections only: no journal row differs, the outcome chain does.
        db2 = tools.fill_edge(os.path.join(work, "till2.db"), seed=22, sales=10, fault_rate=0.0)
        tools.push_ok(db2, pg.conninfo)
        copy2 = tools.backup(db2, os.path.join(work, "till2-copy.db"))
        for edge, key in ((db2, "rejected-orig"), (copy2, "rejected-copy")):
            tools.ctl("--db", edge, "transfer", "--principal", "till:1", "--key", key,
                      "--from", "customer:1", "--to", "no-such-account", "--amount", "1.00",
                      "--currency", "EUR").expect(1)
        tools.push_ok(db2, pg.conninfo)
        refused = tools.push(copy2, pg.conninfo).expect(5)
        if not re.search(r"outcomes chain differs", refused.stderr):
            refused.fail("a copy that diverged by a rejection must be refused by the outcome "
                         "chain head")

        # The store is the one recorded at the first push.
        moved = tools.push(db, pg.conninfo, "--store", "brest").expect(2)
        if "nantes" not in moved.stderr:
            moved.fail("the refusal must name the store the ledger belongs to")

        # The central side's own checks, whatever a client sends.
        head = int(pg.scalar(f"SELECT head_seq FROM ledger_hq.ledgers WHERE ledger_id = '{lid}'"))
        copy_row = (f"INSERT INTO ledger_hq.journal SELECT ledger_id, {{seq}}, kind, "
                    f"debit_account, credit_account, amount_minor, currency, memo, principal, "
                    f"idem_key, created_at_ms, ref_seq, clock_behind_ms, {{prev}}, hash "
                    f"FROM ledger_hq.journal WHERE ledger_id = '{lid}' AND seq = {head};")
        for what, seq, prev in (("a gap", head + 2, "hash"),
                                ("a broken link", head + 1, "prev_hash")):
            failed = pg.psql("BEGIN;" + copy_row.format(seq=seq, prev=prev) +
                             f"SELECT ledger_hq.accept_rows('{lid}', {seq}); COMMIT;",
                             check=False)
            check(failed is None, f"accept_rows accepted {what}")
        check(int(pg.scalar(f"SELECT max(seq) FROM ledger_hq.journal WHERE ledger_id = '{lid}'"))
              == head, "a refused batch left rows behind")
        tools.hq("verify", pg.conninfo).expect(0)


CASES = {name[len("case_"):]: f for name, f in globals().items() if name.startswith("case_")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--pos-sim", required=True)
    parser.add_argument("--case", required=True, help="one of: " + ", ".join(CASES))
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="ledger-central.")
    tools = Tools(args.ledgerctl, args.pos_sim, work)
    try:
        return run_case(CASES, args.case, lambda case: case(tools, work))
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
