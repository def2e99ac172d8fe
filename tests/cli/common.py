"""What the case modules share: the case registry, a standard shop, and helpers that run
the keyed commands (transfer, pending reserve|post|void, reverse) and check their output."""

import json
import sqlite3

from harness import check

CASES = {}


def case(function):
    CASES[function.__name__] = function
    return function


def setup_shop(ctl):
    """A ledger with world (no floor), two tills, a customer and a USD account."""
    ctl.ok("init")
    ctl.ok("account", "create", "world", "--currency", "EUR", "--allow-negative",
           "--name", "outside world")
    ctl.ok("account", "create", "till:1", "--currency", "EUR")
    ctl.ok("account", "create", "customer:1", "--currency", "EUR", "--overdraft-limit", "50")
    ctl.ok("account", "create", "usd:1", "--currency", "USD")


def transfer(ctl, key, source, target, amount, *extra, principal="till:1", currency="EUR",
             db=None):
    return ctl.run("transfer", "--principal", principal, "--key", key, "--from", source,
                   "--to", target, "--amount", amount, "--currency", currency, *extra, db=db)


def account(ctl, code):
    return ctl.run("account", "show", code, "--json").expect(0).json()


def balance(ctl, code):
    return account(ctl, code)["balance_minor"]


def journal_rows(ctl, *extra):
    result = ctl.run("journal", "--format", "jsonl", *extra).expect(0)
    return [json.loads(line) for line in result.stdout.splitlines()]


def money_view(ctl):
    """The journal export and every balance: what must not change when no money moved
    (keys may still have been stored)."""
    return (ctl.run("journal", "--format", "jsonl").expect(0).stdout,
            ctl.run("account", "list", "--json").expect(0).stdout)


def option_value(args, option):
    return args[args.index(option) + 1] if option in args else None


def run_keyed_table(ctl, rows):
    """Runs rows of (args, exit code, stored by this call, replay expected). Checks the exit
    code, whether stderr reports a replay, one status line, the stored body on stdout
    (byte-identical for every run of the same key with the same exit code) or one error
    line, and that a row that stores nothing leaves the ledger unchanged. Returns the
    bodies of exit 0 and 1, by key."""
    bodies = {}
    for args, code, stored, replayed in rows:
        before = None if stored else ctl.snapshot()
        result = ctl.run(*args)
        result.expect(code)
        check(result.stderr.startswith("ledgerctl: replayed:") == replayed,
              "stderr must say whether this was a replay", result)
        check(len(result.stderr.splitlines()) == 1, "one status line on stderr", result)
        if code in (0, 1):
            check(result.stdout.endswith("}\n") and json.loads(result.stdout),
                  "the stored body is a JSON object", result)
            stored_body = bodies.setdefault((option_value(args, "--key"), code), result.stdout)
            check(stored_body == result.stdout, "replays are byte-identical", result)
        else:
            result.expect_transfer_refusal(code)
        if before is not None:
            ctl.expect_unchanged(before, result)
    return {key: json.loads(body) for (key, _), body in bodies.items()}


def tamper(path, *statements):
    """Runs SQL on the ledger file with a plain sqlite3 connection, as an attacker (or a bad
    repair script) with write access would."""
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
