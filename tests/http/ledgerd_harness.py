"""Harness of ledgerd's HTTP tests: makes a ledger with the real ledgerctl, starts the real
ledgerd on 127.0.0.1:0, reads its port from the first stdout line and talks to it over
real sockets (http.client). Every response is checked for a Request-Id header.

Each test file runs its cases in order and stops at the first failure with a message that
says what was expected and what came back (status, headers, body, and ledgerd's log).
"""

import http.client
import json
import os
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from harness import scaled_timeout  # noqa: E402  (tests/cli/harness.py)


class TestFailure(Exception):
    """A check failed; the message says which."""


def check(condition, message):
    if not condition:
        raise TestFailure(message)


class Response:
    """One complete HTTP response."""

    def __init__(self, method, path, status, headers, body):
        self.method = method
        self.path = path
        self.status = status
        self.headers = headers
        self.body = body

    def header(self, name):
        return self.headers.get(name.lower())

    def json(self):
        try:
            return json.loads(self.body)
        except ValueError as error:
            raise TestFailure(f"{self.describe()}\nthe body is not JSON: {error}")

    def describe(self):
        return (f"{self.method} {self.path} -> {self.status}\nheaders: {self.headers}\n"
                f"body: {self.body[:2000]!r}")

    def expect(self, status, code=None, param=None):
        """Checks the status and, for errors, error.code and error.param."""
        check(self.status == status, f"expected status {status}\n{self.describe()}")
        if code is not None:
            error = self.json().get("error", {})
            check(error.get("code") == code, f"expected error.code {code}\n{self.describe()}")
            if param is not None:
                check(error.get("param") == param,
                      f"expected error.param {param}\n{self.describe()}")
        return self

    def expect_error_shape(self):
        """An error that is not a stored body is exactly {"error":{type,code,message,param?}}."""
        document = self.json()
        check(set(document) == {"error"}, f"error body has other fields\n{self.describe()}")
        check({"type", "code", "message"} <= set(document["error"]) <=
              {"type", "code", "message", "param"}, f"bad error object\n{self.describe()}")
        return self


class Ledger:
    """A ledger file made with the real ledgerctl, with accounts and principals."""

    def __init__(self, ledgerctl, workdir, name="ledger.db"):
        self.ledgerctl = ledgerctl
        self.workdir = workdir
        self.db = os.path.join(workdir, name)
        self.run("init")

    def run(self, *args, expect=0):
        proc = subprocess.run([self.ledgerctl, "--db", self.db] + [str(a) for a in args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=scaled_timeout(60))
        check(expect is None or proc.returncode == expect,
              f"ledgerctl {' '.join(map(str, args))} exited {proc.returncode}, expected "
              f"{expect}\nstdout: {proc.stdout}\nstderr: {proc.stderr}")
        return proc

    def account(self, code, *options):
        self.run("account", "create", code, "--currency", "EUR", *options)

    def principal(self, name, *patterns, admin=False):
        """Adds a principal and returns its bearer token."""
        args = ["principal", "add", name] + (["--admin"] if admin else [])
        for pattern in patterns:
            args += ["--account", pattern]
        token = self.run(*args).stdout.strip()
        check(token != "", f"principal add {name} printed no token")
        return token

    def journal(self):
        out = self.run("journal", "--format", "jsonl", "--limit", "1000000").stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def balance_minor(self, code):
        return json.loads(self.run("--json", "account", "show", code).stdout)["balance_minor"]


def store_ledger(ledgerctl, workdir):
    """The usual store: world (unlimited), till:7, till:8, customer:1..3 funded with 100.00,
    and tokens admin, till7 (till:7, customer:*, world) and till8 (till:8, customer:*,
    world)."""
    ledger = Ledger(ledgerctl, workdir)
    ledger.account("world", "--allow-negative")
    for code in ("till:7", "till:8", "customer:1", "customer:2", "customer:3"):
        ledger.account(code)
    for n in (1, 2, 3):
        ledger.run("transfer", "--principal", "setup", "--key", f"fund-{n}", "--from", "world",
                   "--to", f"customer:{n}", "--amount", "100.00", "--currency", "EUR")
    ledger.tokens = {
        "admin": ledger.principal("admin", admin=True),
        "till7": ledger.principal("till:7", "till:7", "customer:*", "world"),
        "till8": ledger.principal("till:8", "till:8", "customer:*", "world"),
    }
    return ledger


class Server:
    """A running ledgerd. Use as a context manager: it is stopped (SIGTERM, then SIGKILL
    after a bound) when the block ends."""

    def __init__(self, ledgerd, db, *options, ca_file=None):
        self.ledgerd = ledgerd
        self.log_path = tempfile.mktemp(prefix="ledgerd-log-", suffix=".txt",
                                        dir=os.path.dirname(db))
        self.argv = [ledgerd, "--db", db, "--listen", "127.0.0.1:0"] + [str(o) for o in options]
        self.ca_file = ca_file
        self.proc = None
        self.url = None
        self.port = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.stop()

    def start(self):
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self._log)
        line = read_line_within(self.proc.stdout, scaled_timeout(30))
        if not line.startswith("listening on "):
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"ledgerd's first line is {line!r}, not 'listening on URL'\n"
                              f"log: {self.log()}")
        self.url = line[len("listening on "):].strip()
        self.port = int(self.url.rsplit(":", 1)[1])

    def stop(self, sig=signal.SIGTERM, within=30):
        """Sends `sig` and returns the exit status (killing ledgerd if it overruns)."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=scaled_timeout(within))
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure(f"ledgerd did not exit within {within} s of {sig!r}\n"
                              f"log: {self.log()[-3000:]}")
        finally:
            self._log.close()

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as handle:
            return handle.read()

    def connection(self, timeout=30):
        if self.url.startswith("https://"):
            context = ssl.create_default_context(cafile=self.ca_file)
            return http.client.HTTPSConnection("127.0.0.1", self.port, context=context,
                                               timeout=scaled_timeout(timeout))
        return http.client.HTTPConnection("127.0.0.1", self.port,
                                          timeout=scaled_timeout(timeout))

    def request(self, method, path, token=None, key=None, body=None, headers=None,
                connection=None):
        """Sends one request (a dict body is sent as JSON) and returns its Response."""
        all_headers = {}
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if key is not None:
            all_headers["Idempotency-Key"] = key
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        elif method == "POST":
            body = b""
        all_headers.update(headers or {})
        own = connection is None
        connection = connection or self.connection()
        try:
            connection.request(method, path, body=body, headers=all_headers)
            raw = connection.getresponse()
            response = Response(method, path, raw.status,
                                {k.lower(): v for k, v in raw.getheaders()}, raw.read())
        finally:
            if own:
                connection.close()
        check(response.header("Request-Id"), f"no Request-Id header\n{response.describe()}")
        return response


def read_line_within(stream, seconds):
    """The first line of `stream`, or '' if none came within `seconds`."""
    lines = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(seconds)
    return lines[0].decode("utf-8", "replace") if lines else ""


def transfer_body(source, target, amount, memo=None):
    body = {"from": source, "to": target, "amount": amount, "currency": "EUR"}
    if memo is not None:
        body["memo"] = memo
    return body


def wait_until(predicate, seconds, what):
    """Polls `predicate` (bounded) until it is true; fails naming `what` otherwise."""
    deadline = time.monotonic() + scaled_timeout(seconds)
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise TestFailure(f"timed out waiting for {what}")


def run_cases(cases, argv):
    """Runs the named cases (all when none is named): `FILE --ledgerctl X --ledgerd Y
    [--case NAME]...`. Each case gets a fresh working directory."""
    import argparse
    parser = argparse.ArgumentParser()
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--ledgerd", required=True)
    parser.add_argument("--case", action="append")
    args = parser.parse_args(argv)
    chosen = args.case or list(cases)
    for name in chosen:
        with tempfile.TemporaryDirectory(prefix="ledgerd-test-") as workdir:
            started = time.monotonic()
            try:
                cases[name](args.ledgerctl, args.ledgerd, workdir)
            except TestFailure as failure:
                print(f"FAIL {name}: {failure}")
                return 1
            print(f"ok   {name} ({time.monotonic() - started:.1f} s)")
    return 0
