"""End-to-end cases of two-phase transfers (pending reserve|post|void|list|expire),
refunds (reverse) and --issued-keys-only. Imported by cli_test.py, which runs them."""

import json
import time

from common import account, case, journal_rows, run_keyed_table, setup_shop, transfer
from harness import check


def reserve(key, source, target, amount, *extra, currency="EUR", principal="pump:3"):
    return ["pending", "reserve", "--principal", principal, "--key", key, "--from", source,
            "--to", target, "--amount", amount, "--currency", currency, *extra]


def post(key, sequence, *extra, principal="pump:3"):
    return ["pending", "post", "--principal", principal, "--key", key, "--pending", sequence,
            *extra]


def void(key, sequence, *extra, principal="pump:3"):
    return ["pending", "void", "--principal", principal, "--key", key, "--pending", sequence,
            *extra]


def refund(key, sequence, *extra, principal="till:1"):
    return ["reverse", "--principal", principal, "--key", key, "--transfer", sequence, *extra]


def setup_cards(ctl):
    """world (no floor), two cards with 200.00 and 100.00 (journal rows 1 and 2), the fuel
    station's account and a USD account."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative")
    for code in ("card:1", "card:2", "fuel"):
        ctl.ok("account", "create", code, "--currency", "EUR")
    ctl.ok("account", "create", "usd:1", "--currency", "USD")
    transfer(ctl, "fund-1", "world", "card:1", "200", principal="bank").expect(0)
    transfer(ctl, "fund-2", "world", "card:2", "100", principal="bank").expect(0)


def check_balances(ctl, code, balance, pending):
    shown = account(ctl, code)
    check((shown["balance_minor"], shown["pending_minor"], shown["available_minor"]) ==
          (balance, pending, balance - pending),
          f"{code}: expected balance {balance}, held {pending}, available "
          f"{balance - pending}; got {shown}")


# --- pending reserve | post | void: every exit code, replays ------------------------------

def reserve_rows(ctl):
    transfer_key = ctl.ok("key", "issue", "--principal", "pump:3", "--operation",
                          "transfer").stdout.strip()
    hold = reserve("r1", "card:1", "fuel", "100", "--timeout", "3600", "--memo", "pump 3")
    no_currency = reserve("m1", "card:1", "fuel", "1")[:-2]
    return [
        (hold, 0, True, False),  # journal row 3
        (hold, 0, False, True),
        (reserve("r1", "card:1", "fuel", "100.01", "--timeout", "3600", "--memo", "pump 3"),
         3, False, False),
        (reserve("r1", "card:1", "fuel", "100", "--timeout", "7200", "--memo", "pump 3"),
         3, False, False),
        (reserve("r2", "card:1", "fuel", "100.01"), 1, True, False),  # 100.00 available
        (reserve("r2", "card:1", "fuel", "100.01"), 1, False, True),
        (reserve("r3", "card:1", "usd:1", "1"), 1, True, False),
        (reserve("r4", "card:1", "nobody", "1"), 1, True, False),
        (reserve("m1", "card:1", "fuel", "0"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "-1"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "1.001"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "1", "--timeout", "0"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "1", "--timeout", "1h"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "1", "--timeout", "99999999"), 2, False, False),
        (reserve("m1", "card:1", "fuel", "1", currency="XYZ"), 2, False, False),
        (no_currency, 2, False, False),
        (reserve("m1", "card:1", "card:1", "1"), 2, False, False),
        (reserve("", "card:1", "fuel", "1"), 2, False, False),
        (reserve(transfer_key, "card:1", "fuel", "1"), 3, False, False),
    ]


def step_rows():
    capture = post("p1", 3, "--amount", "61.40")
    return [
        (capture, 0, True, False),  # journal row 4
        (capture, 0, False, True),
        (post("p1", 3, "--amount", "61.41"), 3, False, False),
        (post("p1", 3), 3, False, False),  # "all of it" is another request
        (post("p2", 3), 1, True, False),  # already posted
        (post("p2", 3), 1, False, True),
        (post("p3", 1), 1, True, False),  # row 1 is a plain transfer
        (post("p4", 99), 1, True, False),
        (post("p5", 99, "--amount", "1"), 2, False, False),  # no row: no currency
        (post("p5", 0), 2, False, False),
        (post("p5", "abc"), 2, False, False),
        (post("p5", 3, "--amount", "0"), 2, False, False),
        (post("p5", 3, "--amount", "1.234"), 2, False, False),
        (post("p5", 3, "--amount", "-1"), 2, False, False),
        (reserve("r5", "card:1", "fuel", "50"), 0, True, False),  # journal row 5
        (post("p6", 5, "--amount", "50.01"), 1, True, False),
        (post("p6", 5, "--amount", "50.01"), 1, False, True),
        (void("v1", 5, "--memo", "cancelled"), 0, True, False),  # journal row 6
        (void("v1", 5, "--memo", "cancelled"), 0, False, True),
        (void("v1", 3, "--memo", "cancelled"), 3, False, False),
        (void("v2", 5), 1, True, False),  # already voided
        (post("p7", 5), 1, True, False),  # post after void
        (void("v3", 3), 1, True, False),  # void after post
        (void("v4", 0), 2, False, False),
        (void("v4", "x"), 2, False, False),
        (void("v4", 5, principal=""), 2, False, False),
    ]


@case
def pending_steps(ctl):
    """reserve holds (available drops, posted does not), post captures all or less once,
    void releases; each step exits 0, 1, 2 or 3 as SPEC 7 says, replays byte-identically,
    and a refused step leaves the ledger unchanged."""
    setup_cards(ctl)
    bodies = run_keyed_table(ctl, reserve_rows(ctl))
    check(bodies["r1"]["pending_id"] == 3 and bodies["r1"]["amount"] == "100.00",
          f"reserve body: {bodies['r1']}")
    check_balances(ctl, "card:1", 20000, 10000)
    check_balances(ctl, "fuel", 0, 0)
    bodies = run_keyed_table(ctl, step_rows())
    check(bodies["p1"]["posted_minor"] == 6140 and bodies["p1"]["released_minor"] == 3860,
          f"a partial post releases the rest: {bodies['p1']}")
    check(bodies["p6"]["error"]["code"] == "post_amount_exceeds_pending", f"{bodies['p6']}")
    check_balances(ctl, "card:1", 13860, 0)
    check_balances(ctl, "fuel", 6140, 0)
    check_step_wrappers(ctl)
    check_pending_list(ctl)
    kinds = [(r["kind"], r["ref_sequence"]) for r in journal_rows(ctl)]
    check(kinds == [("transfer", None), ("transfer", None), ("reserve", None), ("post", 3),
                    ("reserve", None), ("void", 5)], f"journal rows: {kinds}")
    # The engine's message names no command; ledgerctl adds the one that lists the holds.
    missing = ctl.run(*post("p-unknown", 99)).expect(1)
    check("no pending transfer with sequence 99" in missing.stderr and
          "`ledgerctl pending list`" in missing.stderr,
          "an unknown hold: say which command lists them", missing)
    ctl.ok("verify")


def check_step_wrappers(ctl):
    doc = ctl.run(*post("p1", 3, "--amount", "61.40"), "--json").expect(0).json()
    check(doc["replayed"] is True and doc["outcome"] == "created" and doc["sequence"] == 4
          and doc["response"]["posted_minor"] == 6140, f"post --json wrapper: {doc}")
    doc = ctl.run(*void("v2", 5), "--json").expect(1).json()
    check(doc["replayed"] is True and doc["outcome"] == "pending_already_voided" and
          doc["exit_code"] == 1, f"void --json wrapper: {doc}")


def check_pending_list(ctl):
    table = ctl.run("pending", "list").expect(0)
    lines = table.stdout.splitlines()
    check(lines[0].split() == ["SEQ", "STATE", "FROM", "TO", "AMOUNT", "POSTED", "CUR",
                               "EXPIRES", "DONE", "BY", "PRINCIPAL", "KEY", "MEMO"],
          "pending list header", table)
    check([line.split()[:6] for line in lines[1:]] ==
          [["5", "voided", "card:1", "fuel", "50.00", "-"],
           ["3", "posted", "card:1", "fuel", "100.00", "61.40"]],
          "pending list: newest first, amounts in their currency", table)
    end = lines[0].index("AMOUNT") + len("AMOUNT")
    check(all(line[end - 3:end] == ".00" for line in lines[1:]),
          "amounts right-aligned under AMOUNT", table)
    posted = ctl.run("pending", "list", "--state", "posted", "--json").expect(0).json()
    check([(p["sequence"], p["posted_amount"], p["finished_sequence"], p["memo"])
           for p in posted["pending"]] == [(3, "61.40", 4, "pump 3")], f"posted: {posted}")
    voided = ctl.run("pending", "list", "--state", "voided", "--json").expect(0).json()
    check([(p["sequence"], p["posted_amount"], p["finished_sequence"])
           for p in voided["pending"]] == [(5, None, 6)], f"voided: {voided}")
    none = ctl.run("pending", "list", "--state", "pending").expect(0)
    check(none.stdout == "no pending transfers in that state\n", "an empty listing", none)
    first = ctl.run("pending", "list", "--limit", "1", "--json").expect(0).json()
    check(len(first["pending"]) == 1 and first["truncated"] is True, f"--limit 1: {first}")
    for bad in (["--state", "held"], ["--limit", "0"], ["--limit", "x"]):
        ctl.run("pending", "list", *bad).expect_error(2)
    check(ctl.run("pending", "expire", "--json").expect(0).json() == {"expired": 0},
          "nothing to expire")


# --- expiry: the one case that waits ------------------------------------------------------

@case
def pending_expiry(ctl):
    """A hold past its --timeout is expired: listed as expired, posting or voiding it is a
    stored rejection (exit 1, replayed), `pending expire` releases the others and says how
    many; pending, posted, voided and expired holds are all listed."""
    setup_cards(ctl)
    ctl.ok(*reserve("k1", "card:1", "fuel", "30", "--timeout", "3600"))  # row 3
    ctl.ok(*reserve("k2", "card:1", "fuel", "5"))  # row 4
    ctl.ok(*post("k2-post", 4))  # row 5
    ctl.ok(*reserve("k3", "card:2", "fuel", "5"))  # row 6
    ctl.ok(*void("k3-void", 6))  # row 7
    # Nothing is checked between these holds and the end of the wait, so that a slow
    # machine (or a sanitizer build) cannot see them expire early.
    ctl.ok(*reserve("e1", "card:1", "fuel", "10", "--timeout", "1"))  # row 8
    ctl.ok(*reserve("e2", "card:2", "fuel", "20", "--timeout", "1"))  # row 9
    time.sleep(1.1)
    expired = ctl.run("pending", "list", "--state", "expired", "--json").expect(0).json()
    check([p["sequence"] for p in expired["pending"]] == [9, 8], f"expired: {expired}")
    listing = ctl.run("pending", "list", "--json").expect(0).json()["pending"]
    states = {p["sequence"]: p["state"] for p in listing}
    check(states == {3: "pending", 4: "posted", 6: "voided", 8: "expired", 9: "expired"},
          f"every state is listed: {states}")
    bodies = run_keyed_table(ctl, [(post("late", 8), 1, True, False),
                                   (post("late", 8), 1, False, True),
                                   (void("late-void", 8), 1, True, False)])
    check(bodies["late"]["error"]["code"] == "pending_expired", f"{bodies['late']}")
    check_balances(ctl, "card:1", 19500, 3000)  # touching e1 released it
    text = ctl.run("pending", "expire").expect(0)
    check(text.stdout.startswith("expired 1 pending transfer"), "expire says how many", text)
    check(ctl.run("pending", "expire", "--json").expect(0).json() == {"expired": 0},
          "a second expire finds nothing")
    check_balances(ctl, "card:2", 10000, 0)
    table = ctl.run("pending", "list", "--state", "expired").expect(0)
    check(len(table.stdout.splitlines()) == 3 and " expired " in table.stdout,
          "the expired holds in a table", table)
    ctl.ok("verify")


# --- refunds -------------------------------------------------------------------------------

def refund_rows(ctl):
    transfer_key = ctl.ok("key", "issue", "--principal", "till:1", "--operation",
                          "transfer").stdout.strip()
    first = refund("rf1", 2, "--amount", "10", "--memo", "returned 1 item")
    return [
        (first, 0, True, False),  # journal row 4
        (first, 0, False, True),
        (refund("rf1", 2, "--amount", "11", "--memo", "returned 1 item"), 3, False, False),
        (refund("rf2", 2, "--amount", "20.01"), 1, True, False),
        (refund("rf2", 2, "--amount", "20.01"), 1, False, True),
        (refund("rf3", 2), 0, True, False),  # the remaining 20.00: journal row 5
        (refund("rf4", 2), 1, True, False),  # nothing left to refund
        (refund("rf5", 99), 1, True, False),
        (refund("rf6", 99, "--amount", "1"), 2, False, False),
        (refund("rf6", 0), 2, False, False),
        (refund("rf6", "abc"), 2, False, False),
        (refund("rf6", 2, "--amount", "0"), 2, False, False),
        (refund("rf6", 2, "--amount", "1.001"), 2, False, False),
        (refund("rf7", 3, "--amount", "1.5"), 2, False, False),  # the sale was in JPY
        (refund("rf7", 3, "--amount", "500"), 0, True, False),  # journal row 6
        (refund(transfer_key, 2, "--amount", "1"), 3, False, False),
    ]


@case
def refunds(ctl):
    """reverse refunds a sale in parts or the rest, in the sale's currency, never beyond
    it (a stored rejection, exit 1); a pending hold cannot be refunded, its post can; every
    exit code of reverse, byte-identical replays, refused refunds change nothing."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative")
    ctl.ok("account", "create", "customer", "--currency", "EUR")
    ctl.ok("account", "create", "till:1", "--currency", "EUR")
    ctl.ok("account", "create", "yen:world", "--currency", "JPY", "--allow-negative")
    ctl.ok("account", "create", "yen:till", "--currency", "JPY")
    transfer(ctl, "fund", "world", "customer", "100").expect(0)  # row 1
    transfer(ctl, "sale-1", "customer", "till:1", "30").expect(0)  # row 2
    transfer(ctl, "sale-jp", "yen:world", "yen:till", "1500", currency="JPY").expect(0)  # 3
    bodies = run_keyed_table(ctl, refund_rows(ctl))
    check((bodies["rf1"]["reversed_minor"], bodies["rf1"]["remaining_minor"]) == (1000, 2000)
          and (bodies["rf3"]["reversed_minor"], bodies["rf3"]["remaining_minor"]) == (2000, 0),
          f"refund bodies: {bodies['rf1']} {bodies['rf3']}")
    check(bodies["rf7"]["amount"] == "500" and bodies["rf2"]["error"]["code"] ==
          "reversal_exceeds_original", f"{bodies['rf7']} {bodies['rf2']}")
    ctl.ok(*reserve("h1", "customer", "till:1", "20"))  # row 7
    bodies = run_keyed_table(ctl, [(refund("rf8", 7), 1, True, False),
                                   (post("h1-post", 7), 0, True, False),  # row 8
                                   (refund("rf9", 8, "--amount", "5"), 0, True, False)])
    check(bodies["rf8"]["error"]["code"] == "original_not_found", "a hold is not refundable")
    check((account(ctl, "till:1")["balance"], account(ctl, "customer")["balance"],
           account(ctl, "yen:till")["balance"]) == ("15.00", "85.00", "1000"),
          "the refunds moved the money back")
    rows = [(r["kind"], r["ref_sequence"], r["amount"]) for r in journal_rows(ctl, "--since", "4")]
    check(rows == [("reverse", 2, "10.00"), ("reverse", 2, "20.00"), ("reverse", 3, "500"),
                   ("reserve", None, "20.00"), ("post", 7, "20.00"), ("reverse", 8, "5.00")],
          f"refunds are new journal rows referencing the original: {rows}")
    ctl.ok("verify")


# --- --issued-keys-only ----------------------------------------------------------------------

@case
def issued_keys_only(ctl):
    """With --issued-keys-only (before or after the command), a key the engine never issued
    is refused with exit 3 by every keyed command and nothing is stored; issued keys work;
    the other global options work after the new commands too."""
    setup_shop(ctl)
    transfer(ctl, "fund", "world", "customer:1", "50").expect(0)  # row 1, a client key
    batch_file = f"{ctl.workdir}/one.jsonl"
    with open(batch_file, "w") as handle:
        handle.write(json.dumps({"principal": "till:1", "key": "made-up", "from": "world",
                                 "to": "till:1", "amount": "1", "currency": "EUR"}) + "\n")
    before = ctl.snapshot()
    commands = [["transfer", "--principal", "till:1", "--key", "made-up", "--from", "world",
                 "--to", "till:1", "--amount", "1", "--currency", "EUR"],
                reserve("made-up", "customer:1", "till:1", "1"), post("made-up", 1),
                void("made-up", 1), refund("made-up", 1), ["batch", batch_file]]
    for n, args in enumerate(commands):
        flag = ["--issued-keys-only"]
        result = ctl.run(*(flag + args if n % 2 else args + flag))
        result.expect(3)
        outcome = json.loads(result.stdout.splitlines()[0]).get("outcome") \
            if args[0] == "batch" else json.loads(result.stdout)["error"]["code"]
        check(outcome == "key_unknown", "the made-up key is unknown", result)
        check(args[0] == "batch" or "`ledgerctl key issue`" in result.stderr,
              "an unknown key: say which command issues one", result)
        ctl.expect_unchanged(before, result)
    key = ctl.ok("key", "issue", "--principal", "pump:3", "--operation", "reserve").stdout
    ctl.run("--issued-keys-only", *reserve(key.strip(), "customer:1", "till:1", "1")).expect(0)
    transfer(ctl, "made-up", "world", "till:1", "1").expect(0)  # client keys: the default
    listing = ctl.run("pending", "list", "--json", "--busy-timeout-ms", "100", "--db", ctl.db,
                      use_db=False).expect(0).json()
    check(len(listing["pending"]) == 1, "global options after `pending list`")
    again = ctl.run("batch", batch_file, "--json", "--db", ctl.db, "--issued-keys-only",
                    use_db=False).expect(0).json()
    check(again["results"][0]["replayed"] is True, "global options after `batch`: a replay")
