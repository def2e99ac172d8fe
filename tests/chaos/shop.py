"""The chaos run's ledger, made with the real ledgerctl: a world account, T tills and C
customers (funded from world), and one principal per till whose token may name its own
till and any customer."""

import json
import subprocess

from processes import scaled_timeout

CURRENCY = "EUR"


class SetupFailure(Exception):
    """A ledgerctl command failed; the message has its output."""


def decimal_text(minor):
    """Minor units of EUR as ledgerctl's decimal text: 12345 -> '123.45'."""
    return f"{minor // 100}.{minor % 100:02d}"


def funding_key(customer):
    return f"fund-customer:{customer}"


class Shop:
    def __init__(self, ledgerctl, db, tills, customers, funding_minor):
        self.ledgerctl = ledgerctl
        self.db = db
        self.tills = tills
        self.customers = customers
        self.funding_minor = funding_minor

    def run(self, *args, expect=0, timeout=60):
        """Runs `ledgerctl --db DB ARGS`; returns the completed process (stdout as bytes)."""
        argv = [self.ledgerctl, "--db", self.db] + [str(a) for a in args]
        proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=scaled_timeout(timeout))
        if expect is not None and proc.returncode != expect:
            raise SetupFailure(f"{' '.join(argv)} exited {proc.returncode}, expected {expect}\n"
                               f"stdout: {proc.stdout[:2000]!r}\nstderr: {proc.stderr[:2000]!r}")
        return proc

    def json(self, *args):
        return json.loads(self.run("--json", *args).stdout)

    def accounts(self):
        return ["world"] + [f"till:{n}" for n in range(1, self.tills + 1)] + \
            [f"customer:{x}" for x in range(1, self.customers + 1)]

    def create(self):
        """Makes the ledger; returns {till number: bearer token}."""
        self.create_accounts()
        return self.create_principals()

    def create_accounts(self):
        """init, the accounts and the funding of each customer (principal admin)."""
        self.run("init")
        self.run("account", "create", "world", "--currency", CURRENCY, "--allow-negative")
        for code in self.accounts()[1:]:
            self.run("account", "create", code, "--currency", CURRENCY)
        for x in range(1, self.customers + 1):
            self.run("transfer", "--principal", "admin", "--key", funding_key(x),
                     "--from", "world", "--to", f"customer:{x}",
                     "--amount", decimal_text(self.funding_minor), "--currency", CURRENCY,
                     "--memo", f"funding customer {x}")

    def create_principals(self):
        """One principal per till, allowed its own till and every customer."""
        tokens = {}
        for n in range(1, self.tills + 1):
            out = self.run("principal", "add", f"till:{n}", "--account", f"till:{n}",
                           "--account", "customer:*").stdout.decode().strip()
            if not out or "\n" in out:
                raise SetupFailure(f"principal add till:{n} must print the token alone, "
                                   f"printed {out!r}")
            tokens[n] = out
        return tokens

    def opening_balances(self):
        """The balances right after create(), before any sale."""
        balances = {code: 0 for code in self.accounts()}
        balances["world"] = -self.customers * self.funding_minor
        for x in range(1, self.customers + 1):
            balances[f"customer:{x}"] = self.funding_minor
        return balances
