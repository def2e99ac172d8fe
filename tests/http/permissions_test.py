#!/usr/bin/env python3
"""Principals and their accounts (SPEC 8): a till's token can never move, see or replay
another till's money or keys.

Goal: a till:7 token (accounts till:7, customer:*, world) gets 403 for every request that
names till:8 or acts on a till:8 row, and nothing is stored (the journal and the key stay
as they were); till:8's key is invisible to till:7, and the same key under till:7 is
till:7's own key. Method: one ledgerd, two till tokens, the journal read with ledgerctl.
"""

import sys

from ledgerd_harness import Server, check, run_cases, store_ledger, transfer_body


def setup_till8(server, ledger):
    """till:8 sells twice (key k8) and holds once; returns (sale, hold) response bodies."""
    t8 = ledger.tokens["till8"]
    sale = server.request("POST", "/v1/transfers", t8, key="k8",
                          body=transfer_body("customer:1", "till:8", "20.00", "till 8 sale"))
    hold = server.request("POST", "/v1/pending", t8, key="h8",
                          body=dict(transfer_body("customer:2", "till:8", "5.00"),
                                    timeout_seconds=3600))
    return sale.expect(201), hold.expect(201).json()


def money_out_of_another_till(ledgerctl, ledgerd, workdir):
    """Every money-moving request of till:7 that names or acts on till:8 is 403 and stores
    nothing: the journal is unchanged and the key stays usable."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        sale, hold = setup_till8(server, ledger)
        journal = ledger.journal()
        refusals = [
            ("/v1/transfers", transfer_body("till:8", "till:7", "1.00"), "from"),
            ("/v1/transfers", transfer_body("customer:1", "till:8", "1.00"), "to"),
            ("/v1/pending", dict(transfer_body("till:8", "till:7", "1.00")), "from"),
            (f"/v1/pending/{hold['sequence']}/post", {}, "seq"),
            (f"/v1/pending/{hold['sequence']}/void", {}, "seq"),
            (f"/v1/transfers/{sale.json()['sequence']}/reversals", {"amount": "1.00"}, "seq"),
        ]
        for path, body, param in refusals:
            refused = server.request("POST", path, t7, key="k7", body=body)
            refused.expect(403, "account_not_permitted", param).expect_error_shape()
            check(refused.json()["error"]["type"] == "permission_error", refused.describe())
        batch = {"items": [dict(transfer_body("customer:1", "till:7", "1.00"),
                                idempotency_key="b7"),
                           dict(transfer_body("till:8", "till:7", "1.00"),
                                idempotency_key="b8")]}
        server.request("POST", "/v1/batches", t7, body=batch).expect(
            403, "account_not_permitted", "items[1].from")
        check(ledger.journal() == journal, "a refused request changed the journal")
        # Nothing was stored with k7 or b7: both execute now as till:7's own requests.
        own = transfer_body("customer:1", "till:7", "1.00")
        fresh = server.request("POST", "/v1/transfers", t7, key="k7", body=own).expect(201)
        check(fresh.header("Idempotent-Replayed") is None, fresh.describe())
        server.request("POST", "/v1/transfers", t7, key="b7", body=own).expect(201)
        check(ledger.balance_minor("till:8") == 2000, "till:8's money moved")


def another_tills_key(ledgerctl, ledgerd, workdir):
    """till:8's key k8 does not exist for till:7: GET is 404, and POST with k8 under till:7
    executes as till:7's own key, never returning till:8's stored body."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7, t8 = ledger.tokens["till7"], ledger.tokens["till8"]
        sale, _ = setup_till8(server, ledger)
        server.request("GET", "/v1/idempotency-keys/k8", t8).expect(200)
        server.request("GET", "/v1/idempotency-keys/k8", t7).expect(404, "not_found")
        same = transfer_body("customer:1", "till:8", "20.00", "till 8 sale")
        server.request("POST", "/v1/transfers", t7, key="k8", body=same).expect(
            403, "account_not_permitted")
        mine = server.request("POST", "/v1/transfers", t7, key="k8",
                              body=transfer_body("customer:1", "till:7", "20.00"))
        mine.expect(201)
        check(mine.header("Idempotent-Replayed") is None and mine.body != sale.body and
              mine.json()["principal"] == "till:7" and mine.json()["to"] == "till:7",
              f"till:7's k8 was not its own\n{mine.describe()}")
        again = server.request("POST", "/v1/transfers", t8, key="k8", body=same)
        check(again.header("Idempotent-Replayed") == "true" and again.body == sale.body,
              again.describe())


def reads_of_another_till(ledgerctl, ledgerd, workdir):
    """till:7 cannot read till:8's account or rows; lists and the journal leave them out."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7, admin = ledger.tokens["till7"], ledger.tokens["admin"]
        sale, hold = setup_till8(server, ledger)
        server.request("GET", "/v1/accounts/till:8", t7).expect(403, "account_not_permitted")
        server.request("GET", f"/v1/transfers/{sale.json()['sequence']}", t7).expect(403)
        server.request("GET", f"/v1/transfers/{hold['sequence']}", t7).expect(403)
        server.request("GET", "/v1/accounts/till:8", admin).expect(200)
        codes = {a["code"] for a in
                 server.request("GET", "/v1/accounts", t7).expect(200).json()["accounts"]}
        check("till:8" not in codes and {"till:7", "world", "customer:1"} <= codes, str(codes))
        mine = server.request("POST", "/v1/transfers", t7, key="s7",
                              body=transfer_body("customer:3", "till:7", "1.00")).json()
        entries = server.request("GET", "/v1/journal?limit=1000", t7).expect(200).json()
        check(all("till:8" not in (e["debit_account"], e["credit_account"])
                  for e in entries["entries"]) and
              mine["sequence"] in [e["sequence"] for e in entries["entries"]], str(entries))
        everything = server.request("GET", "/v1/journal?limit=1000", admin).json()["entries"]
        check(any(e["credit_account"] == "till:8" for e in everything), "admin sees all")


CASES = {
    "money_out_of_another_till": money_out_of_another_till,
    "another_tills_key": another_tills_key,
    "reads_of_another_till": reads_of_another_till,
}

if __name__ == "__main__":
    sys.exit(run_cases(CASES, sys.argv[1:]))
