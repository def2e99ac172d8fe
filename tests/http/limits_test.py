#!/usr/bin/env python3
"""ledgerd's limits (SPEC 8): 413 past 64 KiB, idle and stalled clients cut after the read
timeout, a bounded number of connections, and 503 + Retry-After while the ledger is busy.

Method: the real ledgerd with small limits (--read-timeout-seconds, --threads,
--max-connections, --busy-timeout-ms); raw sockets for clients that misbehave; Python's
sqlite3 holding the write lock (BEGIN IMMEDIATE) for the busy case. Every wait is bounded.
"""

import socket
import sqlite3
import sys
import time

from ledgerd_harness import (Server, check, run_cases, scaled_timeout, store_ledger,
                             transfer_body, wait_until, TestFailure)


def too_large(ledgerctl, ledgerd, workdir):
    """A body over 64 KiB gets 413 with a JSON error, sent with a Content-Length or chunked;
    the connection is usable afterwards and nothing is stored."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        huge = transfer_body("customer:1", "till:7", "1.00", "x" * (70 * 1024))
        server.request("POST", "/v1/transfers", t7, key="big", body=huge).expect(
            413, "request_too_large").expect_error_shape()
        import json
        text = json.dumps(huge).encode()
        chunks = (text[i:i + 8192] for i in range(0, len(text), 8192))
        connection = server.connection()
        connection.request("POST", "/v1/transfers", body=chunks, encode_chunked=True,
                           headers={"Authorization": f"Bearer {t7}", "Idempotency-Key": "big",
                                    "Content-Type": "application/json"})
        answer = connection.getresponse()
        body = answer.read()
        check(answer.status == 413 and answer.getheader("Request-Id"),
              f"chunked: {answer.status} {body!r}")
        # The same connection still serves a request.
        after = server.request("GET", "/v1", t7, connection=connection).expect(200)
        connection.close()
        check(after.json()["principal"]["name"] == "till:7", after.describe())
        fits = transfer_body("customer:1", "till:7", "1.00", "x" * 4000)
        server.request("POST", "/v1/transfers", t7, key="big", body=fits).expect(201)


def read_until_closed(sock, seconds):
    """Everything the server sends until it closes the connection."""
    sock.settimeout(scaled_timeout(seconds))
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except socket.timeout:
        raise TestFailure(f"the server kept an idle connection open past {seconds} s "
                          f"(got {data!r})")
    except ConnectionResetError:
        return data


def read_timeout(ledgerctl, ledgerd, workdir):
    """A client that sends nothing, or stops half-way through its request, is cut."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db, "--read-timeout-seconds", 1) as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        check(read_until_closed(idle, 30) == b"", "an idle client got bytes")
        idle.close()
        slow = socket.create_connection(("127.0.0.1", server.port))
        slow.sendall(b"POST /v1/transfers HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
        read_until_closed(slow, 30)  # cut (with or without a 400 first)
        slow.close()
        server.request("GET", "/healthz").expect(200)


def connection_bound(ledgerctl, ledgerd, workdir):
    """With --threads 2 --max-connections 2, two open connections take every slot: a third
    is answered 503 + Retry-After (never served); once they close, connections are served."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db, "--threads", 2, "--max-connections", 2,
                "--read-timeout-seconds", scaled_timeout(60)) as server:
        held = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(2)]
        refused = server.request("GET", "/v1/accounts", ledger.tokens["admin"])
        refused.expect(503, "too_many_connections").expect_error_shape()
        check(refused.header("Retry-After") is not None, refused.describe())
        for sock in held:
            sock.close()

        def served():
            return server.request("GET", "/healthz").status == 200
        wait_until(served, 30, "a connection to be served after the held ones closed")


def busy_ledger(ledgerctl, ledgerd, workdir):
    """While another connection holds SQLite's write lock, a transfer gets 503 with
    Retry-After and stores nothing; reads still answer; afterwards the same key executes."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db, "--busy-timeout-ms", 100) as server:
        t7 = ledger.tokens["till7"]
        sale = transfer_body("customer:1", "till:7", "4.00")
        blocker = sqlite3.connect(ledger.db, timeout=scaled_timeout(10), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            busy = server.request("POST", "/v1/transfers", t7, key="busy-1", body=sale)
            busy.expect(503, "busy").expect_error_shape()
            check(busy.header("Retry-After") is not None, busy.describe())
            server.request("GET", "/v1/accounts/till:7", t7).expect(200)
            server.request("POST", "/v1/pending", t7, key="busy-2", body=sale).expect(503)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        done = server.request("POST", "/v1/transfers", t7, key="busy-1", body=sale).expect(201)
        check(done.header("Idempotent-Replayed") is None, done.describe())
        check(ledger.balance_minor("till:7") == 400, "money moved twice or not at all")


CASES = {
    "too_large": too_large,
    "read_timeout": read_timeout,
    "connection_bound": connection_bound,
    "busy_ledger": busy_ledger,
}

if __name__ == "__main__":
    sys.exit(run_cases(CASES, sys.argv[1:]))
