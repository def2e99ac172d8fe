#!/usr/bin/env python3
"""End-to-end tests of the remote mode: `ledgerctl --remote` and `pos-sim --remote` against
a real ledgerd on a free loopback port.

Each case makes a fresh ledger with the local ledgerctl (accounts, principals), starts
`ledgerd --db LEDGER --listen 127.0.0.1:0`, reads its port from the first stdout line, runs
the remote commands over real sockets, then stops the server with SIGTERM (it must exit 0)
and verifies the ledger file locally.

Exit status 77 (CTest SKIP_RETURN_CODE) when ledgerd is not built, or this ledgerctl has no
`principal` command yet: both come from other branches of issue 16.
"""
import argparse
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from harness import scaled_timeout  # noqa: E402

SKIP = 77


class TestFailure(Exception):
    """A check failed; the message says which, with the command's output."""


def check(condition, message, result=None):
    if not condition:
        if result is not None:
            message += "\n" + describe(result)
        raise TestFailure(message)


def describe(result):
    return (f"$ {' '.join(result.args)}\nexit {result.returncode}\n"
            f"stdout: {result.stdout!r}\nstderr: {result.stderr!r}")


class Ledgerd:
    """A ledgerd process on a free port, stopped (SIGTERM, exit 0 expected) on exit."""

    def __init__(self, binary, db):
        self.process = subprocess.Popen([binary, "--db", db, "--listen", "127.0.0.1:0"],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        ready, _, _ = select.select([self.process.stdout], [], [], scaled_timeout(30))
        line = self.process.stdout.readline().decode() if ready else ""
        if not line.startswith("listening on http://"):
            self.process.kill()
            _, err = self.process.communicate(timeout=scaled_timeout(10))
            raise TestFailure(f"ledgerd did not say where it listens: {line!r}\n{err.decode()}")
        self.url = line.split()[-1]
        # The request log goes to stderr: drain it so that the server never blocks on it.
        self.log = []
        self.drain = threading.Thread(target=self._drain, daemon=True)
        self.drain.start()

    def _drain(self):
        for line in self.process.stderr:
            self.log.append(line.decode(errors="replace"))

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=scaled_timeout(30))
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise TestFailure("ledgerd did not stop within 30 s of SIGTERM")
        check(code == 0, f"ledgerd exited {code} after SIGTERM, not 0:\n{''.join(self.log)}")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


class Tools:
    def __init__(self, args, workdir):
        self.ledgerctl = args.ledgerctl
        self.pos_sim = args.pos_sim
        self.ledgerd = args.ledgerd
        self.db = os.path.join(workdir, "ledger.db")
        self.workdir = workdir

    def run(self, binary, *args, env=None, input=None, timeout=60):
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("LEDGER_REMOTE", "LEDGER_TOKEN", "LEDGER_DB")}
        full_env.update(env or {})
        return subprocess.run([binary, *args], capture_output=True, text=True, env=full_env,
                              input=input, timeout=scaled_timeout(timeout), cwd=self.workdir)

    def local(self, *args):
        result = self.run(self.ledgerctl, "--db", self.db, *args)
        check(result.returncode == 0, "local ledgerctl failed", result)
        return result.stdout.strip()

    def remote(self, url, token, *args, **kwargs):
        return self.run(self.ledgerctl, "--remote", url, "--token", token, *args, **kwargs)

    def make_shop(self):
        """A ledger with world, till:7, customer:1..2, an admin and a till principal."""
        self.local("init")
        self.local("account", "create", "world", "--currency", "EUR", "--allow-negative")
        for code in ("till:7", "customer:1", "customer:2"):
            self.local("account", "create", code, "--currency", "EUR")
        admin = self.local("principal", "add", "backoffice", "--admin")
        till = self.local("principal", "add", "till:7", "--account", "till:7",
                          "--account", "customer:*")
        return admin, till


def expect(result, code, what):
    check(result.returncode == code, f"{what}: expected exit {code}", result)
    return result


def transfer_args(key, source, target, amount, memo="sale"):
    args = ["transfer", "--from", source, "--to", target, "--amount", amount,
            "--currency", "EUR", "--memo", memo]
    return args + (["--key", key] if key else [])


def case_ledgerctl_remote(tools):
    admin, till = tools.make_shop()
    with Ledgerd(tools.ledgerd, tools.db) as server:
        url = server.url
        # Executed, then replayed byte for byte.
        first = expect(tools.remote(url, admin, *transfer_args("fund-1", "world", "customer:1",
                                                                "100.00")), 0, "transfer")
        check(json.loads(first.stdout)["status"] == "created", "201 body", first)
        again = expect(tools.remote(url, admin, *transfer_args("fund-1", "world", "customer:1",
                                                                "100.00")), 0, "replay")
        check(again.stdout == first.stdout, "the replay is byte-identical", again)
        check("replayed" in again.stderr, "the replay says so on stderr", again)

        # No --key: one is made, printed on stderr, and retrying with it replays.
        made = expect(tools.remote(url, till, *transfer_args(None, "customer:1", "till:7",
                                                              "12.34")), 0, "keyless transfer")
        key_lines = [line for line in made.stderr.splitlines() if "idempotency key" in line]
        check(len(key_lines) == 1, "the made key is printed once on stderr", made)
        key = key_lines[0].split("idempotency key ")[1].split()[0]
        retry = expect(tools.remote(url, till, *transfer_args(key, "customer:1", "till:7",
                                                               "12.34")), 0, "retry with key")
        check(retry.stdout == made.stdout, "the retry with the printed key replays", retry)

        # A stored rejection: 402, exit 1, and its replay too.
        poor = transfer_args("too-much", "customer:2", "till:7", "1000.00")
        rejected = expect(tools.remote(url, till, *poor), 1, "insufficient funds")
        check(json.loads(rejected.stdout)["error"]["code"] == "insufficient_funds",
              "the 402 body names insufficient_funds", rejected)
        replayed = expect(tools.remote(url, till, *poor), 1, "replayed rejection")
        check(replayed.stdout == rejected.stdout, "the rejection replays byte for byte", replayed)

        # Same key, other request: 422, exit 3. A bad amount: exit 2 before any request.
        expect(tools.remote(url, till, *transfer_args("too-much", "customer:2", "till:7",
                                                       "1.00")), 3, "key reused")
        expect(tools.remote(url, till, *transfer_args("bad", "customer:1", "till:7", "1.234")),
               2, "bad amount")
        # A memo whose bytes are not UTF-8 ("\udc9f" is the byte 0x9F on the command line)
        # cannot travel in JSON: exit 2 with a sentence, nothing sent (the balance below).
        not_utf8 = expect(tools.remote(url, till, *transfer_args("not-utf8", "customer:1",
                                                                  "till:7", "1.00",
                                                                  memo="a\udc9fb")),
                          2, "a memo that is not UTF-8")
        check("memo is not valid UTF-8" in not_utf8.stderr, "the refusal names the memo",
              not_utf8)
        # --principal must be the token's.
        expect(tools.remote(url, till, *transfer_args("p1", "customer:1", "till:7", "1.00"),
                            "--principal", "till:7"), 0, "matching --principal")
        expect(tools.remote(url, till, *transfer_args("p2", "customer:1", "till:7", "1.00"),
                            "--principal", "till:8"), 2, "--principal of another")
        # Not permitted (403) and a bad token (401): exit 2.
        expect(tools.remote(url, till, *transfer_args("w", "world", "till:7", "1.00")), 2,
               "an account outside the token's patterns")
        expect(tools.remote(url, "not-a-token", *transfer_args("t", "customer:1", "till:7",
                                                                "1.00")), 2, "bad token")

        # key issue, then a transfer with the issued key; the env variables work too.
        issued = expect(tools.remote(url, till, "key", "issue", "--operation", "transfer"), 0,
                        "key issue")
        issued_key = issued.stdout.strip()
        check(len(issued_key) >= 16 and "\n" not in issued_key, "the key alone", issued)
        by_env = expect(tools.run(tools.ledgerctl, *transfer_args(issued_key, "customer:1",
                                                                  "till:7", "2.00"),
                                  env={"LEDGER_REMOTE": url, "LEDGER_TOKEN": till}), 0,
                        "transfer through LEDGER_REMOTE and LEDGER_TOKEN")
        check(json.loads(by_env.stdout)["key"] == issued_key, "the issued key was used", by_env)
        server_key = expect(tools.remote(url, till, "--key-source", "server",
                                         *transfer_args(None, "customer:1", "till:7", "0.50")),
                            0, "a server-issued key")
        check("idempotency key" in server_key.stderr, "the issued key is printed", server_key)

        # Two-phase and refund.
        hold = expect(tools.remote(url, till, "pending", "reserve", "--key", "hold-1", "--from",
                                   "customer:1", "--to", "till:7", "--amount", "20.00",
                                   "--currency", "EUR"), 0, "reserve")
        pending = json.loads(hold.stdout)
        seq = str(pending.get("pending_id", pending.get("sequence")))
        expect(tools.remote(url, till, "pending", "post", "--key", "post-1", "--pending", seq,
                            "--amount", "15.00"), 0, "post")
        expect(tools.remote(url, till, "pending", "void", "--key", "void-1", "--pending", seq),
               1, "void of a posted hold")
        sale_seq = str(json.loads(made.stdout)["sequence"])
        expect(tools.remote(url, till, "reverse", "--key", "refund-1", "--transfer", sale_seq,
                            "--amount", "2.34"), 0, "partial refund")

        # A batch: every line names the token's principal.
        lines = "".join(json.dumps({"principal": "till:7", "key": f"batch-{i}",
                                    "from": "customer:1", "to": "till:7", "amount": "1.00",
                                    "currency": "EUR"}) + "\n" for i in range(3))
        batch = expect(tools.remote(url, till, "batch", "-", input=lines), 0, "batch")
        check(len(batch.stdout.splitlines()) == 3, "one result per line", batch)
        batch_again = expect(tools.remote(url, till, "batch", "-", input=lines), 0,
                             "batch replay")
        check(all(json.loads(line)["replayed"] for line in batch_again.stdout.splitlines()),
              "every item replays", batch_again)

        # account show: the JSON document, and the local text form.
        shown = expect(tools.remote(url, till, "--json", "account", "show", "till:7"), 0,
                       "account show --json")
        balance = json.loads(shown.stdout)["balance_minor"]
        # 12.34 + 1.00 + 2.00 + 0.50 + 15.00 - 2.34 + 3 x 1.00
        check(balance == 1234 + 100 + 200 + 50 + 1500 - 234 + 300,
              f"till:7 holds exactly what moved once, not {balance}", shown)
        text = expect(tools.remote(url, till, "account", "show", "till:7"), 0, "account show")
        check("balance:" in text.stdout, "text account show", text)
        expect(tools.remote(url, till, "account", "show", "till:99"), 2, "unknown account")
        # Local-only commands are refused in remote mode.
        expect(tools.remote(url, till, "journal"), 2, "journal through --remote")
    # No server listening any more: no answer, exit 4, quickly with a short deadline.
    gone = expect(tools.remote(url, till, "--deadline-seconds", "2",
                               *transfer_args("late", "customer:1", "till:7", "1.00")), 4,
                  "a server that is gone")
    check("--key late" in gone.stderr, "the failure says to retry with the same key", gone)
    expect(tools.run(tools.ledgerctl, "--db", tools.db, "verify"), 0, "verify after the run")


def read_outcomes(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def case_pos_sim_remote(tools):
    admin, _ = tools.make_shop()
    with Ledgerd(tools.ledgerd, tools.db) as server:
        tills = []
        for till in (1, 2):
            outcomes = os.path.join(tools.workdir, f"till{till}.jsonl")
            args = [tools.pos_sim, "--remote", server.url, "--token", admin, "--till", str(till),
                    "--sales", "40", "--customers", "4", "--seed", str(till),
                    "--outcomes", outcomes, "--setup", "--deadline-seconds", "60"]
            if till == 2:
                args += ["--key-source", "server"]
            tills.append((outcomes, subprocess.Popen(args, stdout=subprocess.PIPE,
                                                     stderr=subprocess.PIPE, text=True)))
        keys = set()
        for outcomes, process in tills:
            out, err = process.communicate(timeout=scaled_timeout(120))
            check(process.returncode == 0,
                  f"pos-sim exited {process.returncode}\nstdout: {out}\nstderr: {err}")
            lines = read_outcomes(outcomes)
            check(len(lines) == 40, f"40 outcome lines, not {len(lines)}")
            check([line["sale"] for line in lines] == list(range(1, 41)), "sales in order")
            check(all(line["status"] in (201, 402) for line in lines), "every sale final")
            keys.update(line["key"] for line in lines)
            # Every created sale replays byte for byte through ledgerctl --remote.
            created = [line for line in lines if line["status"] == 201]
            check(created, "some sales were created")
            for line in created[:3]:
                amount = f"{line['amount_minor'] // 100}.{line['amount_minor'] % 100:02d}"
                replay = expect(tools.remote(server.url, admin, *transfer_args(
                    line["key"], line["from"], line["to"], amount,
                    memo=f"till {line['to'].split(':')[1]} sale {line['sale']}")), 0,
                    "replay of a pos-sim sale")
                check(replay.stdout.rstrip("\n") == line["body"],
                      "the replay is the body pos-sim received", replay)
        check(len(keys) == 80, "one distinct key per sale")
        # A second --setup funds nobody twice: the customers' balances are unchanged by it.
        before = [json.loads(expect(tools.remote(server.url, admin, "--json", "account",
                                                 "show", f"customer:{x}"), 0, "show").stdout)
                  for x in range(1, 5)]
        again = tools.run(tools.pos_sim, "--remote", server.url, "--token", admin, "--till", "3",
                          "--sales", "1", "--customers", "4", "--setup", timeout=120)
        check(again.returncode in (0,), "a third till with --setup", again)
        after = [json.loads(expect(tools.remote(server.url, admin, "--json", "account", "show",
                                                f"customer:{x}"), 0, "show").stdout)
                 for x in range(1, 5)]
        spent = sum(b["balance_minor"] - a["balance_minor"] for b, a in zip(before, after))
        check(0 <= spent <= 5000, f"set-up funded nobody again (customers changed by {spent})")
    expect(tools.run(tools.ledgerctl, "--db", tools.db, "verify"), 0, "verify after the run")


CASES = {"ledgerctl_remote": case_ledgerctl_remote, "pos_sim_remote": case_pos_sim_remote}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--pos-sim", required=True)
    parser.add_argument("--ledgerd", required=True)
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()
    if not os.access(args.ledgerd, os.X_OK):
        print(f"SKIP: {args.ledgerd} is not built yet (tools/ledgerd, issue 16 server)")
        return SKIP
    probe = subprocess.run([args.ledgerctl, "principal", "--help"], capture_output=True,
                           timeout=scaled_timeout(30))
    if probe.returncode != 0:
        print("SKIP: this ledgerctl has no `principal` command yet")
        return SKIP
    with tempfile.TemporaryDirectory(prefix="ledger-remote-") as workdir:
        try:
            CASES[args.case](Tools(args, workdir))
        except TestFailure as failure:
            print(f"FAILED: {failure}")
            return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
