"""The proof after a chaos run: every sale a till intended happened exactly once.

Inputs: the tills' outcome files (pos-sim --outcomes, one JSON line per sale with its final
status, body and attempts) and the ledger itself, read with ledgerctl after the run:
  1. balances (`ledgerctl --json account show`) equal the model built from the outcomes:
     the opening balances plus, for every 201 sale, its amount moved once (402: nothing);
  2. one journal row per completed key that executed, none without a completed key, and
     no completed key that no till (or the funding) reported;
  3. each till's outcome equals the server's stored one: the same status class and the
     same body bytes as the stored response (`ledgerctl --json key show KEY --principal`);
  4. `ledgerctl verify` exits 0.
Each check collects every problem it finds; the run prints them and fails.
"""

import json
from concurrent.futures import ThreadPoolExecutor

from shop import funding_key

STATUS_OF_RESPONSE = {"created": 201, "rejected": 402}


def load_outcomes(path, till, sales):
    """The outcome lines of one till; problems when lines are missing or malformed."""
    outcomes, problems = [], []
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as error:
        return [], [f"till {till}: cannot read its outcomes file {path}: {error}"]
    for number, line in enumerate(lines, 1):
        try:
            outcome = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(f"till {till}: outcomes line {number} is not JSON: {error}")
            continue
        outcome["till"] = till
        outcomes.append(outcome)
    sales_seen = [o.get("sale") for o in outcomes]
    if sales_seen != list(range(1, sales + 1)):
        problems.append(f"till {till}: expected outcomes of sales 1..{sales} in order, got "
                        f"{len(outcomes)} lines (first sales {sales_seen[:5]})")
    for o in outcomes:
        if o.get("status") not in (201, 402):
            problems.append(f"till {till} sale {o.get('sale')}: final status "
                            f"{o.get('status')}, expected 201 or 402")
        if o.get("to") != f"till:{till}":
            problems.append(f"till {till} sale {o.get('sale')}: credited {o.get('to')}")
    return outcomes, problems


def expected_balances(shop, outcomes):
    balances = shop.opening_balances()
    for o in outcomes:
        if o.get("status") == 201:
            balances[o["from"]] -= o["amount_minor"]
            balances[o["to"]] += o["amount_minor"]
    return balances


def check_balances(shop, outcomes):
    problems = []
    for code, want in expected_balances(shop, outcomes).items():
        account = shop.json("account", "show", code)
        if account.get("balance_minor") != want:
            problems.append(f"{code}: balance_minor {account.get('balance_minor')}, the model "
                            f"says {want} (difference {account.get('balance_minor', 0) - want})")
    return problems


def check_journal(shop, outcomes):
    """One journal row per executed completed key, and each matches its sale."""
    rows = [json.loads(line) for line in shop.run("journal", "--format", "jsonl")
            .stdout.decode().splitlines() if line.strip()]
    keys = shop.json("key", "list", "--state", "completed", "--limit", "1000000")
    problems = []
    if keys.get("truncated"):
        problems.append("key list was truncated: raise its --limit")
    rows_by_key = {}
    for row in rows:
        id_ = (row["principal"], row["key"])
        if id_ in rows_by_key:
            problems.append(f"key {id_} has journal rows {rows_by_key[id_]['sequence']} and "
                            f"{row['sequence']}: a double charge")
        rows_by_key[id_] = row
    completed = {(k["principal"], k["key"]): k for k in keys["keys"]}
    for id_, row in rows_by_key.items():
        if id_ not in completed:
            problems.append(f"journal row {row['sequence']} has no completed key {id_}")
    for id_, record in completed.items():
        executed = record.get("transfer_sequence") is not None
        if executed != (id_ in rows_by_key):
            problems.append(f"completed key {id_} (result {record.get('result')}) has "
                            f"{'no' if executed else 'a'} journal row")
    intended = {("admin", funding_key(x)) for x in range(1, shop.customers + 1)}
    for o in outcomes:
        id_ = (f"till:{o['till']}", o["key"])
        intended.add(id_)
        row = rows_by_key.get(id_)
        if o.get("status") == 201:
            if row is None:
                problems.append(f"till {o['till']} sale {o['sale']} got 201 but has no "
                                f"journal row: a lost sale")
            elif (row["debit_account"], row["credit_account"], row["amount_minor"]) != \
                    (o["from"], o["to"], o["amount_minor"]):
                problems.append(f"till {o['till']} sale {o['sale']}: journal row "
                                f"{row['sequence']} differs from the sale")
        elif row is not None:
            problems.append(f"till {o['till']} sale {o['sale']} got 402 but journal row "
                            f"{row['sequence']} moved money")
    for id_ in completed.keys() - intended:
        problems.append(f"completed key {id_} is no sale any till reported")
    return problems, len(rows), len(completed)


def compact(document):
    """The stored body as the engine writes it: nlohmann-json's compact form, keys in
    stored order, UTF-8 unescaped. `key show` embeds the body as a JSON object, so the
    bytes are compared after rebuilding that form."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def check_stored_outcome(shop, o):
    where = f"till {o['till']} sale {o['sale']} (key {o['key']})"
    shown = shop.run("--json", "key", "show", o["key"], "--principal", f"till:{o['till']}",
                     expect=None)
    if shown.returncode != 0:
        return [f"{where}: the server has no such key (ledgerctl key show exited "
                f"{shown.returncode}: {shown.stderr.decode().strip()[:300]})"]
    record = json.loads(shown.stdout)
    response = record.get("response")
    if record.get("state") != "completed" or not isinstance(response, dict):
        return [f"{where}: the server's key is {record.get('state')}, not completed with a "
                f"stored response"]
    problems = []
    stored_status = STATUS_OF_RESPONSE.get(response.get("status"))
    if stored_status != o["status"]:
        problems.append(f"{where}: client saw {o['status']}, the server stored "
                        f"{response.get('status')}")
    if compact(response) != o["body"]:
        problems.append(f"{where}: client body differs from the stored response:\n"
                        f"  client: {o['body'][:300]}\n  stored: {compact(response)[:300]}")
    return problems


def check_stored_outcomes(shop, outcomes, workers=2):
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return [p for problems in pool.map(lambda o: check_stored_outcome(shop, o), outcomes)
                for p in problems]


def check_verify(shop):
    proc = shop.run("verify", expect=None)
    if proc.returncode != 0:
        return [f"ledgerctl verify exited {proc.returncode}: {proc.stdout.decode()[:500]} "
                f"{proc.stderr.decode()[:500]}"]
    return []


def prove(shop, outcomes):
    """Every check above; returns (problems, journal rows, completed keys)."""
    problems = check_balances(shop, outcomes)
    journal_problems, rows, completed = check_journal(shop, outcomes)
    problems += journal_problems
    problems += check_stored_outcomes(shop, outcomes)
    problems += check_verify(shop)
    return problems, rows, completed
