#!/usr/bin/env python3
"""A till in Python on ledger's C ABI: it sells, loses the reply, retries with the same
idempotency key, and is charged once.

    till.py LEDGER_FILE        (created if missing)

Run from a build tree:
    LEDGER_LIBRARY=build/libledger.so.1 PYTHONPATH=bindings/python \\
        python3 bindings/python/examples/till.py /tmp/till.ledger
"""

import sys

import ledger


def euros(amount_minor):
    """1999 -> "19.99": integer arithmetic only, money is never float."""
    units, cents = divmod(abs(amount_minor), 100)
    return f"{'-' if amount_minor < 0 else ''}{units}.{cents:02d}"


def main(path):
    with ledger.Ledger.open(path) as book:
        print(f"ledger {ledger.version()} (C ABI {ledger.abi_version()}), file {path}")

        # First run: the accounts. already_exists on later runs is fine.
        for code, overdraft, limit in (("customer:42", "limit", 100000), ("till:1", "none", 0)):
            try:
                book.create_account(code, "EUR", overdraft=overdraft, limit=limit)
            except ledger.LedgerError as error:
                if error.name != "already_exists":
                    raise

        # One key per sale, made when the sale starts, kept until the till has an answer.
        key = book.issue_key("till:1", "transfer")
        sale = book.transfer("till:1", key, "customer:42", "till:1", 1999, "EUR", "receipt 1001")
        # ... the reply never reached the till (network, crash): it does not know whether
        # the customer was charged, so it retries with the SAME key. (A BusyError would
        # mean nothing was stored: the till would wait and retry with the same key too.)
        retry = book.transfer("till:1", key, "customer:42", "till:1", 1999, "EUR",
                              "receipt 1001")
        identical = "yes" if retry.body == sale.body else "NO"
        print(f"sale:   {sale.outcome}, sequence {sale.sequence}")
        print(f"retry:  {retry.outcome}, replayed={retry.replayed}, identical body={identical}")
        print(f"body:   {retry.body.decode()}")

        # A sale the rules refuse is stored and replayed like any other outcome.
        refused = book.transfer("till:1", "sale-over-limit", "customer:42", "till:1",
                                100000000, "EUR", "receipt 1002")
        print(f"refused: {refused.outcome}: {refused.message}")

        balance_minor, _held_minor = book.balance("till:1")
        report = book.verify()
        verdict = "ok" if report["ok"] else "FAILED"
        print(f"till:1 balance {euros(balance_minor)} EUR, verify {verdict}")
        return 0 if report["ok"] and retry.replayed and retry.outcome == "created" else 1


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: till.py LEDGER_FILE")
    sys.exit(main(sys.argv[1]))
