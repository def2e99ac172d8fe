#!/usr/bin/env python3
"""Tests of the chaos run's exactly-once proof (exactly_once.py) without a network: a
small ledger is made with the real ledgerctl, each "till" sells with local
`ledgerctl transfer` (stdout is the stored body, exit 0 = 201, 1 = 402) and writes its
outcomes as pos-sim --outcomes does. The honest run must pass; each tampered run (the
failures the chaos run exists to catch) must be reported.

usage: proof_test.py --ledgerctl PATH --case NAME
"""

import argparse
import json
import os
import random
import sys
import tempfile

import exactly_once
from shop import Shop, decimal_text

TILLS = 2
SALES = 25
CUSTOMERS = 4


def sell(shop, workdir, seed=5):
    """Each till's sales through local ledgerctl; returns the outcomes as parsed lines."""
    rng = random.Random(seed)
    outcomes = []
    for till in range(1, TILLS + 1):
        for sale in range(1, SALES + 1):
            customer = f"customer:{rng.randint(1, CUSTOMERS)}"
            amount = rng.randint(100, 5000)
            key = f"sale-{till}-{sale}"
            proc = shop.run("transfer", "--principal", f"till:{till}", "--key", key,
                            "--from", customer, "--to", f"till:{till}",
                            "--amount", decimal_text(amount), "--currency", "EUR",
                            "--memo", f"till {till} sale {sale}", expect=None)
            status = {0: 201, 1: 402}[proc.returncode]
            outcomes.append({"sale": sale, "key": key, "from": customer, "to": f"till:{till}",
                             "amount_minor": amount, "currency": "EUR", "status": status,
                             "replayed": False, "attempts": 1,
                             "body": proc.stdout.decode().rstrip("\n"), "till": till})
    return outcomes


def write_and_reload(workdir, outcomes):
    """Round trip through files in pos-sim's format, as the chaos run reads them."""
    loaded, problems = [], []
    for till in range(1, TILLS + 1):
        path = os.path.join(workdir, f"till-{till}.jsonl")
        with open(path, "w") as f:
            for o in outcomes:
                if o["till"] == till:
                    f.write(json.dumps({k: v for k, v in o.items() if k != "till"}) + "\n")
        got, bad = exactly_once.load_outcomes(path, till, SALES)
        loaded += got
        problems += bad
    return loaded, problems


def first(outcomes, status):
    return next(o for o in outcomes if o["status"] == status)


# Each tampering returns the words one reported problem must contain.
def honest(shop, outcomes):
    return None


def double_charge(shop, outcomes):
    """A retry with a new key: the bug idempotency keys prevent."""
    o = first(outcomes, 201)
    # The customer may have spent everything since: the second charge needs the money.
    shop.run("transfer", "--principal", "admin", "--key", "top-up", "--from", "world",
             "--to", o["from"], "--amount", decimal_text(o["amount_minor"]), "--currency", "EUR")
    shop.run("transfer", "--principal", f"till:{o['till']}", "--key", o["key"] + "-retry",
             "--from", o["from"], "--to", o["to"], "--amount", decimal_text(o["amount_minor"]),
             "--currency", "EUR")
    return f"('till:{o['till']}', '{o['key']}-retry') is no sale any till reported"


def lost_sale(shop, outcomes):
    """The till believes a sale was charged that the server never executed."""
    o = first(outcomes, 402)
    o["status"] = 201
    return "has no journal row: a lost sale"


def changed_body(shop, outcomes):
    """The client got other bytes than the stored response (e.g. a re-executed request)."""
    o = first(outcomes, 201)
    o["body"] = o["body"].replace('"memo":"', '"memo":"x')
    return "client body differs from the stored response"


def unknown_key(shop, outcomes):
    """A sale whose key the server never saw."""
    outcomes[3]["key"] = "never-sent"
    return "the server has no such key"


def missing_line(shop, outcomes):
    """A till lost the record of one of its sales."""
    outcomes.pop(5)
    return "expected outcomes of sales"


CASES = {f.__name__: f for f in (honest, double_charge, lost_sale, changed_body,
                                  unknown_key, missing_line)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chaos-proof-test-") as workdir:
        shop = Shop(args.ledgerctl, os.path.join(workdir, "ledger.db"), TILLS, CUSTOMERS,
                    funding_minor=20000)
        shop.create_accounts()
        outcomes = sell(shop, workdir)
        statuses = {o["status"] for o in outcomes}
        if statuses != {201, 402}:
            print(f"FAILED: the sales must include 201 and 402 outcomes, got {statuses}")
            return 1
        expected = CASES[args.case](shop, outcomes)
        loaded, problems = write_and_reload(workdir, outcomes)
        more, _, _ = exactly_once.prove(shop, loaded)
        problems += more
    if expected is None:
        if problems:
            print("FAILED: an honest run must pass, but:\n  " + "\n  ".join(problems))
            return 1
    elif not any(expected in p for p in problems):
        print(f"FAILED: the proof must report '{expected}', reported: {problems}")
        return 1
    print(f"ok {args.case}" + (f": reported {len(problems)} problems" if expected else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
