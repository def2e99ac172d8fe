"""Shared helpers of the central (head office) tests: running ledgerctl and pos-sim, reading
an edge ledger (ledgerctl's own output) and the central copy (psql on ledger_hq.*), and
comparing them row for row. Used by sync_test.py and fault_test.py."""

import datetime
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pg_cluster import PgError, scaled_timeout  # noqa: E402

# The journal kinds that move posted money (the edge's closing totals count the same
# rows): a reserve only holds, a void only releases a hold.
POSTED_KINDS = ("transfer", "post", "reverse")

# Journal fields compared between an edge (ledgerctl journal --format jsonl) and the
# central copy: (jsonl field, ledger_hq.journal column as selected).
JOURNAL_FIELDS = (
    ("sequence", "seq"), ("kind", "kind::text"), ("debit_account", "debit_account"),
    ("credit_account", "credit_account"), ("amount_minor", "amount_minor"),
    ("currency", "currency::text"), ("memo", "memo"), ("principal", "principal"),
    ("key", "idem_key"), ("created_at_ms", "created_at_ms"), ("ref_sequence", "ref_seq"),
    ("clock_behind_ms", "clock_behind_ms"), ("prev_hash", "encode(prev_hash, 'hex')"),
    ("hash", "encode(hash, 'hex')"))
INT_FIELDS = {"sequence", "amount_minor", "created_at_ms", "ref_sequence", "clock_behind_ms"}


class TestFailure(Exception):
    """A check failed; the message says which, with the data or command output."""


def check(condition, message):
    if not condition:
        raise TestFailure(message)


class Result:
    """One finished process."""

    def __init__(self, argv, returncode, stdout, stderr, seconds):
        self.argv = argv
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.seconds = seconds

    def describe(self):
        return (f"  command: {' '.join(_quote(a) for a in self.argv)}\n"
                f"  exit:    {self.returncode}\n"
                f"  stdout:  {self.stdout[:3000]!r}\n"
                f"  stderr:  {self.stderr[:3000]!r}")

    def fail(self, what):
        raise TestFailure(f"{what}\n{self.describe()}")

    def expect(self, code):
        if self.returncode < 0:
            self.fail(f"killed by signal {-self.returncode}: it must never crash")
        if self.returncode != code:
            self.fail(f"expected exit {code}, got {self.returncode}")
        return self

    def json(self):
        try:
            return json.loads(self.stdout)
        except ValueError:
            self.fail("stdout is not one JSON document")


def _quote(arg):
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else repr(arg)


class Tools:
    """The binaries under test and a working directory."""

    def __init__(self, ledgerctl, pos_sim, workdir):
        self.ledgerctl = os.path.abspath(ledgerctl)
        self.pos_sim = os.path.abspath(pos_sim)
        self.workdir = workdir

    def run(self, argv, env=None, seconds=120, stdin=None):
        full_env = dict(os.environ)
        full_env.pop("LEDGER_PG", None)  # only where a test sets it
        full_env.pop("LEDGER_DB", None)
        full_env.pop("LEDGER_STORE", None)
        if env:
            full_env.update(env)
        started = time.monotonic()
        try:
            done = subprocess.run(argv, capture_output=True, text=True, env=full_env,
                                  cwd=self.workdir, input=stdin,
                                  timeout=scaled_timeout(seconds))
        except subprocess.TimeoutExpired as e:
            raise TestFailure(f"did not finish within {seconds} s: "
                              f"{' '.join(_quote(a) for a in argv)}\n"
                              f"stderr so far: {e.stderr!r}") from e
        return Result(argv, done.returncode, done.stdout, done.stderr,
                      time.monotonic() - started)

    def ctl(self, *args, env=None, seconds=120):
        return self.run([self.ledgerctl, *map(str, args)], env=env, seconds=seconds)

    # --- edges --------------------------------------------------------------------------
    def fill_edge(self, db, seed, sales, fault_rate):
        """A ledger filled by pos-sim (its own exactly-once checks must pass)."""
        self.run([self.pos_sim, "--db", db, "--sales", str(sales), "--seed", str(seed),
                  "--fault-rate", str(fault_rate), "--overwrite"], seconds=300).expect(0)
        return db

    def ledger_id(self, db):
        info = self.ctl("--db", db, "--json", "stats").expect(0).json()
        check(re.fullmatch(r"[0-9a-f-]{36}", info.get("ledger_id") or ""),
              f"stats --json has no ledger_id: {info}")
        return info["ledger_id"]

    def journal(self, db):
        done = self.ctl("--db", db, "journal", "--format", "jsonl", seconds=300).expect(0)
        return [json.loads(line) for line in done.stdout.splitlines() if line.strip()]

    def accounts(self, db):
        listed = self.ctl("--db", db, "--json", "account", "list").expect(0).json()
        return {a["code"]: a for a in listed["accounts"]}

    def transfer(self, db, key, source, target, amount, memo="", principal="till:1"):
        """A transfer that must be executed (not replayed, not rejected)."""
        done = self.ctl("--db", db, "--json", "transfer", "--principal", principal, "--key", key,
                        "--from", source, "--to", target, "--amount", amount,
                        "--currency", "EUR", "--memo", memo).expect(0)
        reply = done.json()
        check(reply.get("replayed") is False, f"transfer {key} was a replay: {reply}")
        return reply["sequence"]

    def backup(self, db, out):
        self.ctl("--db", db, "backup", out).expect(0)
        return out

    def closings(self, db):
        return self.ctl("--db", db, "--json", "closing", "list").expect(0).json()["closings"]

    # --- sync and hq ------------------------------------------------------------------
    def push(self, db, pg, *extra, seconds=120):
        return self.ctl("--db", db, "--json", "sync", "push", "--pg", pg, *extra,
                        seconds=seconds)

    def push_ok(self, db, pg, *extra):
        """A push that must succeed; returns its JSON, checked against the edge."""
        done = self.push(db, pg, *extra).expect(0)
        reply = done.json()
        for field in ("ledger_id", "edge_seq", "central_seq", "pushed_rows", "closings_pushed"):
            if field not in reply:
                done.fail(f"push --json lacks {field!r}")
        if reply["central_seq"] != reply["edge_seq"]:
            done.fail("after a successful push central_seq must equal edge_seq")
        return reply

    def status(self, db, pg):
        done = self.ctl("--db", db, "--json", "sync", "status", "--pg", pg).expect(0)
        reply = done.json()
        for field in ("ledger_id", "edge_seq", "central_seq", "behind", "edge_closings",
                      "central_closings", "forks"):
            if field not in reply:
                done.fail(f"sync status --json lacks {field!r}")
        return reply

    def hq(self, what, pg, *extra, seconds=300):
        return self.ctl("--json", "hq", what, "--pg", pg, *extra, seconds=seconds)


# --- the central copy -------------------------------------------------------------------

def central_journal(pg, ledger_id):
    """ledger_hq.journal of one ledger, as dicts with the jsonl field names, by seq."""
    columns = ", ".join(column for _, column in JOURNAL_FIELDS)
    rows = pg.psql(f"SELECT {columns} FROM ledger_hq.journal "
                   f"WHERE ledger_id = '{ledger_id}' ORDER BY seq")
    out = []
    for row in rows:
        item = {}
        for (field, _), value in zip(JOURNAL_FIELDS, row):
            item[field] = int(value) if field in INT_FIELDS and value is not None else value
        out.append(item)
    return out


def normalise_edge_row(row):
    return {field: row.get(field) for field, _ in JOURNAL_FIELDS}


def journal_differences(edge_rows, central_rows, limit=10):
    """What differs between an edge's journal and its central copy (empty: equal)."""
    diffs = []
    if len(edge_rows) != len(central_rows):
        diffs.append(f"edge has {len(edge_rows)} rows, central {len(central_rows)}")
    for edge, central in zip(edge_rows, central_rows):
        edge = normalise_edge_row(edge)
        for field, _ in JOURNAL_FIELDS:
            a, b = edge[field], central[field]
            if field == "memo" and (a or "") == (b or ""):
                continue
            if a != b:
                diffs.append(f"seq {edge['sequence']}: {field} edge {a!r} central {b!r}")
        if len(diffs) >= limit:
            diffs.append("...")
            break
    return diffs


def is_prefix(edge_rows, central_rows):
    """Whether the central copy is a prefix of the edge (row for row, hash for hash)."""
    return (len(central_rows) <= len(edge_rows)
            and not journal_differences(edge_rows[:len(central_rows)], central_rows))


def central_fingerprint(pg):
    """Digests of everything the central copy holds but the fork log: equal before and
    after means a refused push changed nothing."""
    return pg.psql(
        "SELECT (SELECT count(*) FROM ledger_hq.journal), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY ledger_id, seq), '')) "
        "   FROM ledger_hq.journal t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY ledger_id, number), '')) "
        "   FROM ledger_hq.closings t), "
        "(SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) "
        "   FROM ledger_hq.chain_heads t), "
        "(SELECT md5(coalesce(string_agg(concat_ws(':', ledger_id, head_seq, "
        "   encode(head_hash, 'hex')), ',' ORDER BY ledger_id), '')) FROM ledger_hq.ledgers)")


def utc_day(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%d")


def expected_totals(edge_rows):
    """{(account, currency, day): [debits, credits, rows]} of the posted rows, the same
    definition as an edge closing's period totals."""
    totals = {}
    for row in edge_rows:
        if row["kind"] not in POSTED_KINDS:
            continue
        day = utc_day(row["created_at_ms"])
        debit = totals.setdefault((row["debit_account"], row["currency"], day), [0, 0, 0])
        debit[0] += row["amount_minor"]
        debit[2] += 1
        credit = totals.setdefault((row["credit_account"], row["currency"], day), [0, 0, 0])
        credit[1] += row["amount_minor"]
        credit[2] += 1
    return totals


# --- running cases ----------------------------------------------------------------------

def run_case(cases, name, body):
    """Runs cases[name] via `body(case_function)`; prints PASS or the failure; exit code."""
    if name not in cases:
        print(f"unknown case {name!r}; cases: {', '.join(sorted(cases))}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        body(cases[name])
    except TestFailure as e:
        print(f"FAIL {name}: {e}", file=sys.stderr)
        return 1
    except PgError as e:
        print(f"FAIL {name}: PostgreSQL: {e}", file=sys.stderr)
        return 1
    print(f"PASS {name} ({time.monotonic() - started:.1f} s)")
    return 0
