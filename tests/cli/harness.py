"""Test harness for ledgerctl's end-to-end tests: runs the real binary, checks exit codes
and the shape of its output, and proves that refused commands leave the ledger unchanged.

A "mutant" can be switched on to break ledgerctl's behaviour on purpose (collapse every
exit code to 0, hide stdout, append noise to JSON, make every transfer key unique, drop
--linked, --timeout, --issued-keys-only or the --amount of post and reverse, or send a batch
without its bad lines). CTest runs each case once against the real binary and once against
a mutant that must make it fail: that is how each test shows that it can fail.
"""

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
import uuid

MUTANTS = ("exit0", "mute", "json-noise", "fresh-key", "unlinked", "no-timeout", "client-keys",
           "no-amount", "lenient-batch")

# Options a mutant drops from the command line: (mutant, option, takes a value, commands).
DROPPED_OPTIONS = (("unlinked", "--linked", False, None),
                   ("no-timeout", "--timeout", True, None),
                   ("client-keys", "--issued-keys-only", False, None),
                   ("no-amount", "--amount", True, (("pending", "post"), ("reverse",))))

BATCH_FIELDS = {"principal", "key", "from", "to", "amount", "currency"}


def timeout_scale():
    """LEDGER_TEST_TIMEOUT_SCALE: the one multiplier of every test timeout (CMake sets it in
    each test's environment, 4 in sanitizer builds; README, Set-up)."""
    text = os.environ.get("LEDGER_TEST_TIMEOUT_SCALE", "") or "1"
    if not text.isdigit() or int(text) < 1:
        raise SystemExit(f"LEDGER_TEST_TIMEOUT_SCALE must be a whole number >= 1, not {text!r}")
    return int(text)


def scaled_timeout(seconds):
    """A time limit of `seconds` on an idle machine, stretched by LEDGER_TEST_TIMEOUT_SCALE."""
    return seconds * timeout_scale()


class TestFailure(Exception):
    """A check failed; the message says which, with the command's full output."""


class Result:
    """One finished ledgerctl process."""

    def __init__(self, args, returncode, stdout, stderr):
        self.args = args
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr

    def describe(self):
        return (f"  command: ledgerctl {' '.join(repr(a) for a in self.args)}\n"
                f"  exit:    {self.returncode}\n"
                f"  stdout:  {self.stdout[:2000]!r}\n"
                f"  stderr:  {self.stderr[:2000]!r}")

    def fail(self, what):
        raise TestFailure(f"{what}\n{self.describe()}")

    def expect(self, code):
        """Checks the exit code (and that no signal ended the process)."""
        if self.returncode < 0:
            self.fail(f"killed by signal {-self.returncode}: ledgerctl must never crash")
        if self.returncode != code:
            self.fail(f"expected exit {code}, got {self.returncode}")
        return self

    def expect_error(self, code):
        """Checks a refusal: exit `code`, one line on stderr, and on stdout nothing, or
        with --json one document {"error": {"exit_code", "message"}}."""
        self.expect(code)
        if "--json" in self.args:
            error = self.json().get("error", {})
            if error.get("exit_code") != code or len(error.get("message", "")) < 40:
                self.fail('--json refusals print {"error":{"exit_code","message"}}')
        elif self.stdout:
            self.fail("a refused command must print nothing on stdout")
        self.expect_one_error_line()
        return self

    def expect_transfer_refusal(self, code):
        """Like expect_error, but the engine's refusals of a transfer also print the body
        built for this call (or, with --json, the wrapper): a JSON object."""
        self.expect(code)
        if not self.stdout:
            return self.expect_error(code)
        doc = self.json()
        refused = doc.get("exit_code") == code if "--json" in self.args else \
            doc.get("status") in ("invalid", "conflict")
        if not refused and "error" not in doc:
            self.fail("stdout must be the refusal's body, wrapper or error document")
        return self.expect_one_error_line()

    def expect_one_error_line(self):
        lines = self.stderr.splitlines()
        if len(lines) != 1 or not lines[0].startswith("ledgerctl: error: "):
            self.fail("expected exactly one 'ledgerctl: error: ...' line on stderr")
        if len(lines[0]) < 40:
            self.fail("the error line is too short to name the problem and the fix")
        return self

    def json(self):
        """The one JSON document on stdout (json.loads refuses trailing documents)."""
        if not self.stdout.endswith("\n") or self.stdout.count("\n") != 1:
            self.fail("--json must print exactly one JSON document on one line")
        try:
            return json.loads(self.stdout)
        except json.JSONDecodeError as error:
            self.fail(f"stdout is not one valid JSON document: {error}")


class Ledgerctl:
    """Runs ledgerctl against the ledger `db` inside a private working directory."""

    def __init__(self, binary, workdir, mutant=None):
        self.binary = binary
        self.workdir = workdir
        self.db = os.path.join(workdir, "ledger.db")
        self.mutant = mutant

    def run(self, *args, db=None, use_db=True, env=None, cwd=None, stdout=None,
            prefix=(), timeout=60, input=None):
        """Runs `ledgerctl [--db DB] ARGS...`; `use_db=False` leaves --db out; `input`
        (text or bytes) is sent to its standard input; `timeout` is in seconds on an idle
        machine (see scaled_timeout)."""
        args = [str(a) for a in args]
        shown_args = list(args)
        args, input = self._mutate_args(args, input)
        argv = list(prefix) + [self.binary]
        if use_db:
            argv += ["--db", db if db is not None else self.db]
        full_env = {k: v for k, v in os.environ.items() if k != "LEDGER_DB"}
        full_env.update(env or {})
        capture_stdout = subprocess.PIPE if stdout is None else stdout
        proc = subprocess.run(argv + args, stdout=capture_stdout, stderr=subprocess.PIPE,
                              cwd=cwd or self.workdir, env=full_env,
                              timeout=scaled_timeout(timeout),
                              input=input.encode() if isinstance(input, str) else input)
        out = proc.stdout.decode("utf-8", "replace") if proc.stdout is not None else ""
        result = Result(shown_args, proc.returncode, out,
                        proc.stderr.decode("utf-8", "replace"))
        return self._mutate(result)

    def _mutate_args(self, args, input):
        if self.mutant == "fresh-key" and "--key" in args:
            at = args.index("--key") + 1
            args[at] = f"{args[at]}-{uuid.uuid4().hex[:8]}"
        for mutant, option, takes_value, commands in DROPPED_OPTIONS:
            applies = commands is None or any(args[:len(c)] == list(c) for c in commands)
            if self.mutant == mutant and applies and option in args:
                at = args.index(option)
                del args[at:at + (2 if takes_value else 1)]
        if self.mutant == "lenient-batch" and args[:1] == ["batch"] and len(args) > 1:
            text = input if args[1] == "-" else _read_or_none(os.path.join(self.workdir,
                                                                          args[1]))
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            if text is not None:
                args[1], input = "-", "".join(line for line in text.splitlines(True)
                                              if _plausible_batch_line(line))
        return args, input

    def _mutate(self, result):
        if self.mutant == "exit0" and result.returncode > 0:
            result.returncode = 0
        elif self.mutant == "mute":
            result.stdout = ""
        elif self.mutant == "json-noise" and "--json" in result.args:
            result.stdout += "{}\n"
        return result

    def ok(self, *args, **kwargs):
        return self.run(*args, **kwargs).expect(0)

    # --- proving that nothing changed -------------------------------------------------
    def snapshot(self, db=None):
        """What the ledger holds, read through SQLite directly: every schema object and
        row, and the header fields a migration changes. It is read in this process, not
        through ledgerctl: `verify` and `journal` only read these rows, so they cannot
        differ where the dump is equal, and two ledgerctl processes per snapshot made the
        refusal checks most of the CLI suite's cost (about 1 s each under ASan on a busy
        machine)."""
        db = db or self.db
        return {"sql": sql_dump(db), "header": sql_header(db)}

    def expect_unchanged(self, before, result, db=None):
        after = self.snapshot(db)
        for name in before:
            if before[name] != after[name]:
                result.fail(f"the refused command changed the ledger ({name} differs)")


def _read_or_none(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except OSError:
        return None


def _plausible_batch_line(line):
    """What a careless batch reader would accept: a JSON object with the six fields as
    strings and a plain amount; it skips every other line instead of refusing the batch."""
    try:
        item = json.loads(line)
    except ValueError:
        return False
    return (isinstance(item, dict) and BATCH_FIELDS <= set(item) and
            all(isinstance(item[f], str) for f in BATCH_FIELDS) and
            re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", item["amount"]) is not None)


def sql_dump(path):
    """Every row and schema object of the SQLite file, as SQL text."""
    connection = sqlite3.connect(path)
    try:
        return "\n".join(connection.iterdump())
    finally:
        connection.close()


def sql_header(path):
    """The header fields that no row shows: the schema version and the application id."""
    connection = sqlite3.connect(path)
    try:
        return tuple(connection.execute(f"PRAGMA {name}").fetchone()[0]
                     for name in ("user_version", "application_id"))
    finally:
        connection.close()


def file_digest(path):
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def check(condition, message, result=None):
    if condition:
        return
    if result is not None:
        result.fail(message)
    raise TestFailure(message)


class Workdir:
    """A private temporary directory, removed afterwards."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="ledgerctl-test-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)
