#!/usr/bin/env python3
"""Graceful shutdown under load (SPEC 8): on SIGTERM ledgerd stops accepting, finishes the
requests in flight, closes the ledger and exits 0; nothing acknowledged is lost and
nothing half-done is left.

Method: several client threads post transfers (one fresh key each, kept-alive
connections) while ledgerd runs; after enough 201s the test sends SIGTERM while the
clients keep posting. Then: exit status 0 within a bound, every 201 a client got is in the
journal with its key and sequence, no transfer is in the journal twice, `ledgerctl
verify` passes. The same for SIGINT with an idle server.
"""

import http.client
import json
import signal
import sys
import threading
import time

from ledgerd_harness import (Server, check, run_cases, scaled_timeout, store_ledger,
                             transfer_body, wait_until)

CLIENTS = 6


def client(server, token, number, acknowledged, stop):
    """Posts 0.01 transfers until the server goes away; records every 201 it got."""
    connection = server.connection(timeout=30)
    sale = 0
    while not stop.is_set() and sale < 10000:
        key = f"client-{number}-sale-{sale}"
        body = json.dumps(transfer_body("world", "till:7", "0.01"))
        try:
            connection.request("POST", "/v1/transfers", body=body,
                               headers={"Authorization": f"Bearer {token}",
                                        "Idempotency-Key": key,
                                        "Content-Type": "application/json"})
            answer = connection.getresponse()
            data = answer.read()
        except (http.client.HTTPException, OSError):
            connection.close()
            try:  # the server may have closed a kept-alive connection: one new one
                connection = server.connection(timeout=30)
                connection.connect()
            except OSError:
                return  # no longer accepting
            continue  # the retry uses the same key, as a careful client does
        if answer.status == 201:
            acknowledged.append((key, json.loads(data)["sequence"]))
            sale += 1
        elif answer.status != 503:
            raise AssertionError(f"unexpected {answer.status} {data!r}")


def under_load(ledgerctl, ledgerd, workdir):
    ledger = store_ledger(ledgerctl, workdir)
    server = Server(ledgerd, ledger.db)
    server.start()
    acknowledged, stop = [], threading.Event()
    threads = [threading.Thread(target=client, daemon=True,
                                args=(server, ledger.tokens["till7"], n, acknowledged, stop))
               for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: len(acknowledged) >= 60, 60, "60 acknowledged transfers")
        status = server.stop(signal.SIGTERM, within=60)
    finally:
        stop.set()
        for thread in threads:
            thread.join(scaled_timeout(60))
    check(status == 0, f"ledgerd exited {status} after SIGTERM\n{server.log()[-3000:]}")
    check(not any(t.is_alive() for t in threads), "a client thread is stuck")
    check("SIGTERM: stopping" in server.log(), "no shutdown line in the log")
    journal = {row["key"]: row["sequence"] for row in ledger.journal()
               if row["key"].startswith("client-")}
    lost = [(k, s) for k, s in acknowledged if journal.get(k) != s]
    check(not lost, f"acknowledged transfers missing from the journal: {lost[:5]}")
    check(len(journal) == len(set(journal.values())) and
          ledger.balance_minor("till:7") == len(journal),
          "the journal does not add up: a transfer was booked twice")
    ledger.run("verify")
    print(f"     {len(acknowledged)} acknowledged, {len(journal)} booked")


def sigint_idle(ledgerctl, ledgerd, workdir):
    """SIGINT (Ctrl-C) stops an idle server with a kept-alive client too: exit 0."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db, "--read-timeout-seconds", 2) as server:
        kept = server.connection()
        server.request("GET", "/healthz", connection=kept).expect(200)
        check(server.stop(signal.SIGINT) == 0, "ledgerd did not exit 0 after SIGINT")
        kept.close()
        check("SIGINT: stopping" in server.log(), server.log())
        ledger.run("verify")


CASES = {"under_load": under_load, "sigint_idle": sigint_idle}

if __name__ == "__main__":
    sys.exit(run_cases(CASES, sys.argv[1:]))
