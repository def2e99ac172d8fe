#!/usr/bin/env python3
"""ledgerd's endpoints and SPEC 8's status table, row by row, over real sockets.

Goal: every status a client can meet (201, replayed 201, 402 and its replay, 400, 401,
403, 404, 409, 422) comes with the documented body and headers, and every endpoint works.
Method: a store ledger made with ledgerctl, one ledgerd on 127.0.0.1:0, http.client.
"""

import json
import os
import re
import subprocess
import sys
import time

from ledgerd_harness import (Server, check, run_cases, scaled_timeout, store_ledger,
                             transfer_body, Ledger)

VERSION_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "include",
                         "ledger", "version.h")
with open(VERSION_H) as version_header:
    LIBRARY_VERSION = re.search(r'#define LEDGER_VERSION_STRING "([^"]+)"',
                                version_header.read()).group(1)


def executed_and_replayed(ledgerctl, ledgerd, workdir):
    """201, then the replay: 201, Idempotent-Replayed: true, byte-identical body; a key sent
    bare and as an RFC 8941 string is the same key."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        sale = transfer_body("customer:1", "till:7", "12.34", "receipt 1")
        first = server.request("POST", "/v1/transfers", t7, key="sale-1", body=sale).expect(201)
        check(first.header("Idempotent-Replayed") is None, "a first execution says replayed")
        check(first.json()["status"] == "created" and first.json()["amount_minor"] == 1234,
              first.describe())
        for spelled in ("sale-1", '"sale-1"'):
            again = server.request("POST", "/v1/transfers", t7, key=spelled, body=sale)
            again.expect(201)
            check(again.header("Idempotent-Replayed") == "true", again.describe())
            check(again.body == first.body, f"replay body differs\n{again.describe()}")
        # An sf-string with escapes names the key with the quote and backslash in it.
        quoted = server.request("POST", "/v1/transfers", t7, key='"q\\"1\\\\"', body=sale)
        quoted.expect(201)
        bare = server.request("POST", "/v1/transfers", t7, key='q"1\\', body=sale).expect(201)
        check(bare.header("Idempotent-Replayed") == "true" and bare.body == quoted.body,
              f"bare and quoted spellings are different keys\n{bare.describe()}")
        check(ledger.balance_minor("till:7") == 2 * 1234, "money moved more than once")


def stored_rejection(ledgerctl, ledgerd, workdir):
    """402 with error.type request_failed; its retry replays it byte for byte."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        big = transfer_body("customer:2", "till:7", "500.00")
        first = server.request("POST", "/v1/transfers", t7, key="too-big", body=big).expect(402)
        error = first.json()["error"]
        check(error["type"] == "request_failed" and error["code"] == "insufficient_funds",
              first.describe())
        again = server.request("POST", "/v1/transfers", t7, key="too-big", body=big).expect(402)
        check(again.header("Idempotent-Replayed") == "true" and again.body == first.body,
              again.describe())
        missing = transfer_body("customer:2", "customer:99", "1.00")
        server.request("POST", "/v1/transfers", t7, key="nobody", body=missing).expect(402)


def malformed_requests(ledgerctl, ledgerd, workdir):
    """400 for an unknown field, a bad amount, a wrong type, a malformed key header and a
    missing key; nothing is stored, so the same key then executes once well-formed."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        good = transfer_body("customer:1", "till:7", "1.00")
        cases = [
            ("k", dict(good, colour="red"), "invalid_request", "colour"),
            ("k", dict(good, amount="1.234"), "invalid_request", "amount"),
            ("k", dict(good, amount="-1.00"), "invalid_request", "amount"),
            ("k", dict(good, amount="1e3"), "invalid_request", "amount"),
            ("k", dict(good, amount=1), "invalid_request", "amount"),
            ("k", dict(good, memo=7), "invalid_request", "memo"),
            ("k", {"to": "till:7", "amount": "1.00", "currency": "EUR"}, "invalid_request",
             "from"),
            ("k", dict(good, currency="eur"), "invalid_request", "currency"),
            ('"k', good, "invalid_request", "Idempotency-Key"),
            ('"k"x"', good, "invalid_request", "Idempotency-Key"),
            ('"k\\n"', good, "invalid_request", "Idempotency-Key"),
            ("x" * 256, good, "invalid_request", "Idempotency-Key"),
            (None, good, "idempotency_key_missing", None),
        ]
        for key, body, code, param in cases:
            refused = server.request("POST", "/v1/transfers", t7, key=key, body=body)
            refused.expect(400, code, param).expect_error_shape()
        server.request("POST", "/v1/transfers", t7, key="k", body="[1,2").expect(400)
        twice = '{"from":"customer:1","to":"till:7","amount":"1.00","amount":"90.00",' \
                '"currency":"EUR"}'
        server.request("POST", "/v1/transfers", t7, key="k", body=twice).expect(
            400, "invalid_request", "amount")
        server.request("POST", "/v1/transfers", t7, key="k", body="").expect(400)
        done = server.request("POST", "/v1/transfers", t7, key="k", body=good).expect(201)
        check(done.header("Idempotent-Replayed") is None, "the malformed attempts were stored")


def idempotency_conflicts(ledgerctl, ledgerd, workdir):
    """422 idempotency_key_reused naming the first differing field, every time."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        sale = transfer_body("customer:1", "till:7", "5.00", "m")
        server.request("POST", "/v1/transfers", t7, key="c1", body=sale).expect(201)
        for field, value in (("amount", "5.01"), ("to", "world"), ("memo", "other"),
                             ("from", "customer:2")):
            for _ in range(2):
                reused = server.request("POST", "/v1/transfers", t7, key="c1",
                                        body=dict(sale, **{field: value}))
                reused.expect(422, "idempotency_key_reused", field).expect_error_shape()
                check(reused.json()["error"]["type"] == "idempotency_error", reused.describe())
        # The key of a transfer used for a hold is another operation.
        hold = dict(sale, timeout_seconds=60)
        server.request("POST", "/v1/pending", t7, key="c1", body=hold).expect(
            422, "idempotency_key_reused", "operation")


def issued_keys(ledgerctl, ledgerd, workdir):
    """POST /v1/idempotency-keys; with --issued-keys-only a made-up key is refused (422
    idempotency_key_unknown); a key issued for another operation and an expired one too."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db, "--issued-keys-only") as server:
        t7 = ledger.tokens["till7"]
        service = server.request("GET", "/v1", t7).expect(200).json()
        check(service["idempotency"]["client_keys_accepted"] is False, str(service))
        sale = transfer_body("customer:1", "till:7", "2.00")
        server.request("POST", "/v1/transfers", t7, key="made-up", body=sale).expect(
            422, "idempotency_key_unknown")
        issued = server.request("POST", "/v1/idempotency-keys", t7,
                                body={"operation": "transfer"}).expect(201).json()
        check(set(issued) == {"key", "operation", "expires_at"} and
              re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", issued["expires_at"]),
              str(issued))
        server.request("POST", "/v1/transfers", t7, key=issued["key"], body=sale).expect(201)
        reserve_key = server.request("POST", "/v1/idempotency-keys", t7,
                                     body={"operation": "reserve"}).expect(201).json()["key"]
        server.request("POST", "/v1/transfers", t7, key=reserve_key, body=sale).expect(
            422, "idempotency_key_operation_mismatch")
        short = server.request("POST", "/v1/idempotency-keys", t7,
                               body={"operation": "transfer", "ttl_seconds": 1}).json()["key"]
        time.sleep(2.2)  # the key's TTL is 1 s: by now it has expired
        server.request("POST", "/v1/transfers", t7, key=short, body=sale).expect(
            422, "idempotency_key_expired")
        server.request("POST", "/v1/idempotency-keys", t7,
                       body={"operation": "refund"}).expect(400, "invalid_request", "operation")
        server.request("POST", "/v1/idempotency-keys", t7,
                       body={"operation": "transfer", "ttl_seconds": 0}).expect(
            400, "invalid_request", "ttl_seconds")


def tokens(ledgerctl, ledgerd, workdir):
    """401 for a missing, malformed, unknown or revoked token; /healthz needs none."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        check(server.request("GET", "/healthz").expect(200).json() == {"status": "ok"},
              "healthz")
        sale = transfer_body("customer:1", "till:7", "1.00")
        for headers in ({}, {"Authorization": "Basic abc"},
                        {"Authorization": "Bearer lt_" + "0" * 64}):
            for method, path, body in (("GET", "/v1", None), ("POST", "/v1/transfers", sale),
                                       ("GET", "/v1/accounts", None), ("GET", "/metrics", None)):
                refused = server.request(method, path, key="t1", body=body, headers=headers)
                refused.expect(401).expect_error_shape()
                check(refused.json()["error"]["type"] == "authentication_error",
                      refused.describe())
        revoked = ledger.principal("gone", "till:7")
        server.request("GET", "/v1", revoked).expect(200)
        ledger.run("principal", "revoke", "gone")
        server.request("GET", "/v1", revoked).expect(401)
        check(ledger.balance_minor("till:7") == 0, "a refused request moved money")


def pending_and_reversals(ledgerctl, ledgerd, workdir):
    """reserve, partial post, void, refunds in parts; each step's replay; 402s for posting
    twice and refunding beyond the original; 404 for an unknown row's read."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]
        hold = dict(transfer_body("customer:1", "till:7", "30.00"), timeout_seconds=3600)
        held = server.request("POST", "/v1/pending", t7, key="h1", body=hold).expect(201).json()
        seq = held["sequence"]
        account = server.request("GET", "/v1/accounts/customer:1", t7).expect(200).json()
        check(account["pending_minor"] == 3000 and account["available_minor"] == 7000,
              str(account))
        post = server.request("POST", f"/v1/pending/{seq}/post", t7, key="p1",
                              body={"amount": "20.00"}).expect(201)
        server.request("POST", f"/v1/pending/{seq}/post", t7, key="p1",
                       body={"amount": "20.00"}).expect(201)
        twice = server.request("POST", f"/v1/pending/{seq}/post", t7, key="p2").expect(402)
        check(twice.json()["error"]["code"] == "pending_already_posted", twice.describe())
        check(ledger.balance_minor("till:7") == 2000, "partial post")
        second = server.request("POST", "/v1/pending", t7, key="h2", body=hold).json()
        voided = server.request("POST", f"/v1/pending/{second['sequence']}/void", t7,
                                key="v1", body={"memo": "cancelled"}).expect(201)
        again = server.request("POST", f"/v1/pending/{second['sequence']}/void", t7,
                               key="v1", body={"memo": "cancelled"}).expect(201)
        check(again.body == voided.body and again.header("Idempotent-Replayed") == "true",
              again.describe())
        post_seq = post.json()["sequence"]
        server.request("POST", f"/v1/transfers/{post_seq}/reversals", t7, key="r1",
                       body={"amount": "5.00", "memo": "1 item back"}).expect(201)
        server.request("POST", f"/v1/transfers/{post_seq}/reversals", t7, key="r2",
                       body={"amount": "15.01"}).expect(402)
        server.request("POST", f"/v1/transfers/{post_seq}/reversals", t7, key="r3").expect(201)
        check(ledger.balance_minor("till:7") == 0, "refunds")
        replays_on_readers(server, ledger.tokens["admin"], t7, [
            ("/v1/pending", "h1", hold),
            (f"/v1/pending/{seq}/post", "p1", {"amount": "20.00"}),
            (f"/v1/pending/{second['sequence']}/void", "v1", {"memo": "cancelled"}),
            (f"/v1/transfers/{post_seq}/reversals", "r1", {"amount": "5.00", "memo": "1 item back"}),
        ])
        server.request("POST", "/v1/pending/999/post", t7, key="p9").expect(402)
        server.request("POST", "/v1/pending/999/post", t7, key="p10",
                       body={"amount": "1.00"}).expect(400, "invalid_request", "amount")
        server.request("POST", f"/v1/pending/{seq}/post", t7, key="p11",
                       body={"amount": "1.00", "x": 1}).expect(400, "invalid_request", "x")
        server.request("POST", f"/v1/pending/{seq}/void", t7).expect(
            400, "idempotency_key_missing")


def replays_on_readers(server, admin, token, steps):
    """Each step, sent again with its key and body, is a 201 replay with Idempotent-Replayed
    and the same bytes every time, and none of them reaches the writer (no commit is timed)."""
    first = {path: server.request("POST", path, token, key=key, body=body).expect(201)
             for path, key, body in steps}
    before = parse_metrics(server.request("GET", "/metrics", admin).expect(200).body.decode())
    for path, key, body in steps:
        again = server.request("POST", path, token, key=key, body=body).expect(201)
        check(again.header("Idempotent-Replayed") == "true" and again.body == first[path].body,
              again.describe())
    after = parse_metrics(server.request("GET", "/metrics", admin).expect(200).body.decode())
    commits = "ledgerd_commit_seconds_count"
    check(after.get(commits) == before.get(commits),
          f"replays reached the writer: {commits} went from {before.get(commits)} to "
          f"{after.get(commits)}")


def batches(ledgerctl, ledgerd, workdir):
    """Independent batches: each item its own outcome and replay; linked batches:
    all-or-nothing; a malformed item refuses the whole request naming it."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7 = ledger.tokens["till7"]

        def item(key, source, amount):
            return dict(transfer_body(source, "till:7", amount), idempotency_key=key)

        body = {"linked": False, "items": [item("b1", "customer:1", "10.00"),
                                           item("b2", "customer:2", "999.00")]}
        first = server.request("POST", "/v1/batches", t7, body=body).expect(200)
        items = first.json()["items"]
        check([i["status"] for i in items] == [201, 402] and
              [i["idempotent_replayed"] for i in items] == [False, False], first.describe())
        replay = server.request("POST", "/v1/batches", t7, body=body).expect(200).json()["items"]
        check([i["idempotent_replayed"] for i in replay] == [True, True] and
              [i["body"] for i in replay] == [i["body"] for i in items], str(replay))
        single = server.request("POST", "/v1/transfers", t7, key="b1",
                                body=transfer_body("customer:1", "till:7", "10.00"))
        check(single.header("Idempotent-Replayed") == "true", single.describe())
        linked = {"linked": True, "items": [item("l1", "customer:3", "10.00"),
                                            item("l2", "customer:3", "95.00")]}
        statuses = [i["status"] for i in
                    server.request("POST", "/v1/batches", t7, body=linked).json()["items"]]
        check(statuses == [402, 402], f"linked batch statuses {statuses}")
        check(ledger.balance_minor("customer:3") == 10000, "a failed linked batch moved money")
        bad = {"items": [item("x1", "customer:1", "1.00"), dict(item("x2", "customer:1", "1"),
                                                                 colour=1)]}
        server.request("POST", "/v1/batches", t7, body=bad).expect(
            400, "invalid_request", "items[1].colour")
        server.request("POST", "/v1/batches", t7, body={"items": []}).expect(400)
        server.request("POST", "/v1/transfers", t7, key="x1",
                       body=transfer_body("customer:1", "till:7", "1.00")).expect(201)
        conflict = {"items": [item("x1", "customer:1", "2.00")]}
        got = server.request("POST", "/v1/batches", t7, body=conflict).json()["items"][0]
        check(got["status"] == 422 and
              got["body"]["error"]["code"] == "idempotency_key_reused", str(got))


def reads(ledgerctl, ledgerd, workdir):
    """Accounts, transfers, the journal and key records; 404 and 400 for bad reads; POST
    /v1/accounts (admin) and its 409."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        admin, t7 = ledger.tokens["admin"], ledger.tokens["till7"]
        sale = server.request("POST", "/v1/transfers", t7, key="s1",
                              body=transfer_body("customer:1", "till:7", "3.00")).json()
        account = server.request("GET", "/v1/accounts/till:7", t7).expect(200).json()
        check(account["balance"] == "3.00" and account["balance_minor"] == 300 and
              account["code"] == "till:7", str(account))
        codes = [a["code"] for a in
                 server.request("GET", "/v1/accounts", admin).expect(200).json()["accounts"]]
        check(set(codes) >= {"world", "till:7", "till:8", "customer:1"}, str(codes))
        server.request("GET", "/v1/accounts/nope", admin).expect(404, "not_found")
        row = server.request("GET", f"/v1/transfers/{sale['sequence']}", t7).expect(200).json()
        check(row["key"] == "s1" and row["amount_minor"] == 300 and row["hash"], str(row))
        server.request("GET", "/v1/transfers/99999", admin).expect(404, "not_found")
        server.request("GET", "/v1/transfers/abc", admin).expect(404)
        page = server.request("GET", "/v1/journal?since=1&limit=2", admin).expect(200).json()
        check(len(page["entries"]) == 2 and page["next_since"] == 3, str(page))
        server.request("GET", "/v1/journal?limit=0", admin).expect(400, "invalid_request",
                                                                   "limit")
        server.request("GET", "/v1/journal?since=x", admin).expect(400, "invalid_request",
                                                                   "since")
        record = server.request("GET", "/v1/idempotency-keys/s1", t7).expect(200).json()
        check(record["state"] == "completed" and record["transfer_sequence"] == sale["sequence"]
              and record["principal"] == "till:7", str(record))
        server.request("GET", "/v1/idempotency-keys/never", t7).expect(404, "not_found")
        made = server.request("POST", "/v1/accounts", admin, body={
            "code": "customer:9", "currency": "EUR", "overdraft": "limit",
            "overdraft_limit": "50.00", "name": "Ada"}).expect(201).json()
        check(made["overdraft_limit_minor"] == 5000 and made["name"] == "Ada", str(made))
        server.request("POST", "/v1/accounts", admin, body={
            "code": "customer:9", "currency": "EUR"}).expect(409, "account_exists", "code")
        server.request("POST", "/v1/accounts", t7, body={
            "code": "till:7b", "currency": "EUR"}).expect(403, "admin_required")
        server.request("POST", "/v1/accounts", admin, body={
            "code": "c", "currency": "EUR", "overdraft": "some"}).expect(400, None)
        server.request("GET", "/nowhere").expect(404).expect_error_shape()
        service = server.request("GET", "/v1", t7).expect(200).json()
        check(service["principal"] == {"name": "till:7", "admin": False,
                                       "account_patterns": ["till:7", "customer:*", "world"]}
              and service["idempotency"]["header"] == "Idempotency-Key" and
              service["idempotency"]["completed_keys_kept"] == "forever" and
              service["idempotency"]["client_keys_accepted"] is True and
              isinstance(service["idempotency"]["issued_key_ttl_seconds"], int) and
              isinstance(service["idempotency"]["rejection_retention_seconds"], int) and
              service["version"] == LIBRARY_VERSION and
              isinstance(service["file_format_version"], int) and
              service["file_format_version"] ==
              json.loads(ledger.run("stats", "--json").stdout)["file_format_version"], str(service))


METRIC_LINE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? [-+0-9.eEinfNa]+$')


def parse_metrics(text):
    """Prometheus text format: # HELP/# TYPE lines and `name{labels} value` samples."""
    samples = {}
    for line in text.splitlines():
        if not line or line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        check(METRIC_LINE.match(line), f"not a Prometheus sample line: {line!r}")
        name, value = line.rsplit(" ", 1)
        samples[name] = float(value)
    return samples


def metrics_and_log(ledgerctl, ledgerd, workdir):
    """GET /metrics (admin only) parses as Prometheus text and its counters move; the log
    has one line per request and never a token or a whole key."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        admin, t7 = ledger.tokens["admin"], ledger.tokens["till7"]
        before = server.request("GET", "/metrics", admin).expect(200)
        check(before.header("Content-Type").startswith("text/plain"), before.describe())
        old = parse_metrics(before.body.decode())
        server.request("GET", "/metrics", t7).expect(403, "admin_required")
        secret_key = "very-secret-key-0123456789abcdef"
        sale = transfer_body("customer:1", "till:7", "1.00")
        for _ in range(2):
            server.request("POST", "/v1/transfers", t7, key=secret_key, body=sale).expect(201)
        server.request("POST", "/v1/transfers", t7, key=secret_key,
                       body=dict(sale, amount="2.00")).expect(422)
        new = parse_metrics(server.request("GET", "/metrics", admin).body.decode())

        def grew(name, by=1):
            check(new.get(name, 0) - old.get(name, 0) >= by,
                  f"{name} went from {old.get(name)} to {new.get(name)}")
        grew('ledgerd_http_requests_total{status="201"}', 2)
        grew('ledgerd_http_requests_total{status="403"}')
        grew("ledgerd_idempotent_replays_total")
        grew('ledgerd_idempotency_conflicts_total{code="idempotency_key_reused"}')
        # The sale and the conflict reach the writer; the replay is answered by a reader.
        grew("ledgerd_commit_seconds_count", 2)
        grew("ledgerd_group_commits_total")
        grew("ledgerd_group_commit_transfers_total", 2)
        check("ledgerd_group_commit_largest" in new and "ledgerd_group_commit_queued" in new,
              "group-commit gauges missing")
        check('ledgerd_commit_seconds_bucket{le="+Inf"}' in new, "no histogram buckets")
        status = server.stop()
        check(status == 0, f"ledgerd exited {status} after SIGTERM")
        log = server.log()
        for token in ledger.tokens.values():
            check(token not in log, "the log shows a token")
        check(secret_key not in log, "the log shows a whole idempotency key")
        lines = [l for l in log.splitlines() if "request_id=" in l]
        check(len(lines) == 6, f"expected 6 request lines, got {len(lines)}:\n{log}")
        posted = [l for l in lines if "path=/v1/transfers" in l]
        check(all(re.search(r"principal=till:7 .*status=\d+ replayed=\w+ duration_ms=[\d.]+ "
                            r"key=sha256:[0-9a-f]{12}$", l) for l in posted), "\n".join(posted))
        # Lines are written after each reply, so two quick requests may log in either order.
        outcomes = sorted(re.search(r"status=(\d+) replayed=(\w+)", l).groups() for l in posted)
        check(outcomes == [("201", "false"), ("201", "true"), ("422", "false")], str(outcomes))


def version_flag(ledgerctl, ledgerd, workdir):
    """ledgerd --version prints the library's version, C ABI and file format, exits 0, and
    needs no --db."""
    proc = subprocess.run([ledgerd, "--version"], capture_output=True, text=True,
                          timeout=scaled_timeout(30))
    check(proc.returncode == 0 and re.fullmatch(
        rf"ledgerd {re.escape(LIBRARY_VERSION)} \(C ABI \d+, file format \d+\)\n",
        proc.stdout) is not None, f"ledgerd --version: exit {proc.returncode} {proc.stdout!r}")


def console_files(ledgerctl, ledgerd, workdir):
    """The back-office console is served from the binary without a token: /console
    redirects to /console/, the page and its files come with their types and a strict
    Content-Security-Policy, an unknown file is a JSON 404, and no file names anything
    outside the server (nothing is fetched from elsewhere at run time)."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        moved = server.request("GET", "/console").expect(301)
        check(moved.header("Location") == "/console/", moved.describe())
        page = server.request("GET", "/console/").expect(200)
        check(page.header("Content-Type").startswith("text/html"), page.describe())
        csp = page.header("Content-Security-Policy") or ""
        check("default-src 'self'" in csp and "frame-ancestors 'none'" in csp, page.describe())
        check(page.header("X-Content-Type-Options") == "nosniff", page.describe())
        text = page.body.decode() if isinstance(page.body, bytes) else page.body
        check('id="signin-form"' in text and 'src="console.js"' in text, page.describe())
        for name, kind in (("console.js", "text/javascript"), ("console.css", "text/css")):
            asset = server.request("GET", "/console/" + name).expect(200)
            check(asset.header("Content-Type").startswith(kind), asset.describe())
            body = asset.body.decode() if isinstance(asset.body, bytes) else asset.body
            # The SVG namespace is a name, not an address anything is fetched from.
            body = body.replace('"http://www.w3.org/2000/svg"', "")
            check(re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", body) is None,
                  f"{name} names an outside address")
        check(re.search(r"https?://", text) is None, "index.html names an outside address")
        server.request("GET", "/console/missing.js").expect(404, "not_found")


def pending_list(ledgerctl, ledgerd, workdir):
    """GET /v1/pending lists holds newest first, filtered by ?state=, each as `ledgerctl
    pending list --json` prints it; a till sees only holds between accounts it may name;
    a bad state is a 400 naming the parameter."""
    ledger = store_ledger(ledgerctl, workdir)
    with Server(ledgerd, ledger.db) as server:
        t7, t8, admin = (ledger.tokens[n] for n in ("till7", "till8", "admin"))
        hold = {"from": "customer:1", "to": "till:7", "amount": "5.00", "currency": "EUR"}
        seq7 = server.request("POST", "/v1/pending", t7, key="h7", body=hold).expect(201).json()["sequence"]
        hold8 = dict(hold, to="till:8", amount="6.00")
        seq8 = server.request("POST", "/v1/pending", t8, key="h8", body=hold8).expect(201).json()["sequence"]
        server.request("POST", f"/v1/pending/{seq8}/void", t8, key="v8", body={}).expect(201)
        every = server.request("GET", "/v1/pending", admin).expect(200).json()["pending"]
        check([p["sequence"] for p in every] == [seq8, seq7], f"admin sees {every}")
        open_ = server.request("GET", "/v1/pending?state=pending", admin).expect(200).json()
        check([p["sequence"] for p in open_["pending"]] == [seq7], f"open holds: {open_}")
        check(open_["pending"][0]["amount"] == "5.00" and open_["pending"][0]["state"] == "pending",
              f"{open_}")
        mine = server.request("GET", "/v1/pending", t7).expect(200).json()["pending"]
        check([p["sequence"] for p in mine] == [seq7], f"till:7 sees another till's hold: {mine}")
        server.request("GET", "/v1/pending?state=open", admin).expect(400, "invalid_request", "state")
        # An admin reads another principal's key record by naming it; nobody else may.
        record = server.request("GET", "/v1/idempotency-keys/h7?principal=till:7", admin)
        check(record.expect(200).json()["principal"] == "till:7", record.describe())
        server.request("GET", "/v1/idempotency-keys/h7", admin).expect(404)
        server.request("GET", "/v1/idempotency-keys/h7?principal=till:7", t8).expect(403)
        server.request("GET", "/v1/pending").expect(401)


def closings_and_verify(ledgerctl, ledgerd, workdir):
    """With --signing-key, an admin closes the day exactly once per Idempotency-Key (201,
    then a byte-identical replay), GET /v1/closings lists it as signed by the server's key,
    GET /v1/verify checks its signature; a till gets 403; without a key POST is a 409
    saying how to start ledgerd; a malformed key file stops ledgerd with exit 2."""
    ledger = store_ledger(ledgerctl, workdir)
    private = os.path.join(workdir, "operator.pem")
    ledger.run("signing-key", "create", "--private-out", private,
               "--public-out", os.path.join(workdir, "operator.pub.pem"))
    admin, t7 = ledger.tokens["admin"], ledger.tokens["till7"]
    with Server(ledgerd, ledger.db, "--signing-key", private) as server:
        listed = server.request("GET", "/v1/closings", admin).expect(200).json()
        check(listed == {"closings": [], "server_can_close": True}, f"{listed}")
        first = server.request("POST", "/v1/closings", admin, key="day-1", body={}).expect(201)
        again = server.request("POST", "/v1/closings", admin, key="day-1", body={}).expect(201)
        check(again.header("Idempotent-Replayed") == "true" and again.body == first.body,
              again.describe())
        server.request("POST", "/v1/closings", admin, key="day-1",
                       body={"until_ms": 1}).expect(422, "idempotency_key_reused")
        closings = server.request("GET", "/v1/closings", admin).expect(200).json()["closings"]
        check(len(closings) == 1 and closings[0]["signed_by_server_key"] is True, f"{closings}")
        report = server.request("GET", "/v1/verify", admin).expect(200).json()
        check(report["ok"] and report["signatures_checked"] == 1
              and report["signatures_checked_with_server_key"], f"{report}")
        server.request("GET", "/v1/closings", t7).expect(403)
        server.request("POST", "/v1/closings", t7, key="day-2", body={}).expect(403)
        server.request("GET", "/v1/verify", t7).expect(403)
        server.request("POST", "/v1/closings", admin, key="day-3",
                       body={"until": "now"}).expect(400, "invalid_request", "until")
    with Server(ledgerd, ledger.db) as server:
        refused = server.request("POST", "/v1/closings", admin, key="day-4", body={}).expect(409)
        check("--signing-key" in refused.json()["error"]["message"], refused.describe())
    bad = os.path.join(workdir, "not-a-key.pem")
    with open(bad, "w") as f:
        f.write("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")
    proc = subprocess.run([ledgerd, "--db", ledger.db, "--listen", "127.0.0.1:0",
                           "--signing-key", bad], capture_output=True, text=True,
                          timeout=scaled_timeout(30))
    check(proc.returncode == 2 and "Ed25519" in proc.stderr, f"{proc.returncode} {proc.stderr}")


CASES = {
    "executed_and_replayed": executed_and_replayed,
    "stored_rejection": stored_rejection,
    "malformed_requests": malformed_requests,
    "idempotency_conflicts": idempotency_conflicts,
    "issued_keys": issued_keys,
    "tokens": tokens,
    "pending_and_reversals": pending_and_reversals,
    "batches": batches,
    "reads": reads,
    "metrics_and_log": metrics_and_log,
    "version_flag": version_flag,
    "console_files": console_files,
    "pending_list": pending_list,
    "closings_and_verify": closings_and_verify,
}

if __name__ == "__main__":
    sys.exit(run_cases(CASES, sys.argv[1:]))
