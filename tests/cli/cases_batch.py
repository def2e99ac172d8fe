"""End-to-end cases of `ledgerctl batch`: mixed outcomes and the exit-code priority, linked
(all-or-nothing) batches, standard input, and bad input that stores nothing. Imported by
cli_test.py, which runs them."""

import json
import os

from common import case, money_view, setup_shop, transfer
from harness import check


def item(key, source, target, amount, principal="till:1", currency="EUR", **extra):
    return json.dumps({"principal": principal, "key": key, "from": source, "to": target,
                       "amount": amount, "currency": currency, **extra})


def write_batch(ctl, name, lines):
    path = os.path.join(ctl.workdir, name)
    with open(path, "wb") as handle:
        data = "".join(line + "\n" for line in lines) if isinstance(lines, list) else lines
        handle.write(data if isinstance(data, bytes) else data.encode())
    return path


def results(result):
    """The per-line results of a batch printed without --json: one JSON object per line."""
    return [json.loads(line) for line in result.stdout.splitlines()]


def stored_response(ctl, key, principal="till:1"):
    shown = ctl.run("key", "show", key, "--principal", principal, "--json").expect(0).json()
    return shown["response"]


# --- independent batches: one outcome per line, the exit-code priority --------------------

MIXED = [item("b1", "world", "customer:1", "5"),
         "",
         item("b2", "till:1", "customer:1", "1000", memo="too much"),  # insufficient funds
         item("b3", "till:1", "customer:1", "4"),
         item("t-old", "world", "till:1", "10"),  # a replay of an earlier transfer
         item("t-old", "world", "till:1", "11"),  # its key, another amount: a conflict
         item("b5", "till:1", "nobody", "1")]  # unknown account


@case
def batch_outcomes(ctl):
    """A batch reports one result per input line in order (blank lines skipped), each with
    its own outcome; created items moved money once; the exit code is the highest class
    present (conflict 3 > rejected 1 > 0; a malformed line refuses the whole batch, see
    batch_bad_input); re-running replays the stored
    responses byte for byte."""
    setup_shop(ctl)
    transfer(ctl, "t-old", "world", "till:1", "10").expect(0)  # row 1
    path = write_batch(ctl, "mixed.jsonl", MIXED)
    first = ctl.run("batch", path).expect(3)
    got = results(first)
    check([(r["line"], r["outcome"], r["replayed"]) for r in got] ==
          [(1, "created", False), (3, "insufficient_funds", False), (4, "created", False),
           (5, "created", True), (6, "key_reused_with_different_request", False),
           (7, "credit_account_not_found", False)],
          "one result per line, in input order", first)
    check([r["sequence"] for r in got if r["outcome"] == "created"] == [2, 3, 1],
          "created items have their journal rows", first)
    for r, key in ((got[0], "b1"), (got[1], "b2"), (got[3], "t-old"), (got[5], "b5")):
        check(r["response"] == stored_response(ctl, key), f"line {r['line']}: stored body",
              first)
    check(len(first.stderr.splitlines()) == 1 and "batch of 6" in first.stderr,
          "one summary line on stderr", first)
    check((balance_of(ctl, "customer:1"), balance_of(ctl, "till:1")) == (900, 600),
          "each created item moved money once")
    second = ctl.run("batch", path).expect(3)
    check([r["replayed"] for r in results(second)] == [True, True, True, True, False, True],
          "a re-run replays", second)
    check([r["response"] for r in results(second)][:4] == [r["response"] for r in got][:4],
          "the replayed responses are the stored ones", second)
    check(ctl.run("batch", path).expect(3).stdout == second.stdout,
          "re-runs print byte-identical results", second)
    check((balance_of(ctl, "customer:1"), balance_of(ctl, "till:1")) == (900, 600),
          "re-runs moved nothing")
    check_priority(ctl)
    check_json_document(ctl)
    ctl.ok("verify")


def balance_of(ctl, code):
    return ctl.run("account", "show", code, "--json").expect(0).json()["balance_minor"]


def check_priority(ctl):
    """The exit code of a batch is the highest class its items reach, read from stdin; a
    malformed line (amount 0) refuses the whole batch with exit 2 before any item runs."""
    cases = [([item("c1", "world", "till:1", "1")], 0),
             ([item("c1", "world", "till:1", "1")], 0),  # a replay of a created item
             ([item("c2", "world", "till:1", "1"), item("c3", "till:1", "nobody", "1")], 1),
             ([item("c7", "till:1", "nobody", "1"), item("c1", "world", "till:1", "2")], 3),
             ([item("c4", "world", "till:1", "1"), item("c5", "till:1", "nobody", "1"),
               item("c6", "world", "till:1", "0")], 2)]
    for lines, code in cases:
        result = ctl.run("batch", "-", input="\n".join(lines) + "\n").expect(code)
        want = 0 if code == 2 else len(lines)
        check(len(results(result)) == want, "one result per line from stdin", result)
    check(ctl.run("key", "show", "c4", "--principal", "till:1").returncode != 0,
          "the malformed batch stored nothing, not even its good lines")


def check_json_document(ctl):
    lines = [item("j1", "world", "till:1", "2"), item("j2", "till:1", "nobody", "1"),
             item("c1", "world", "till:1", "1")]
    result = ctl.run("batch", "-", "--json", input="\n".join(lines)).expect(1)
    doc = result.json()
    check({k: doc[k] for k in ("mode", "items", "created", "replayed", "rejected", "conflicts",
                                "malformed", "exit_code")} ==
          {"mode": "independent", "items": 3, "created": 2, "replayed": 1, "rejected": 1,
           "conflicts": 0, "malformed": 0, "exit_code": 1}, f"--json counts: {doc}", result)
    check([(r["line"], r["outcome"]) for r in doc["results"]] ==
          [(1, "created"), (2, "credit_account_not_found"), (3, "created")],
          "--json results", result)


# --- linked batches: all or nothing --------------------------------------------------------

@case
def batch_linked(ctl):
    """A linked batch commits every item or none: one rejection leaves the journal and the
    balances unchanged, each item's outcome says why and is stored, so retries replay; a
    malformed item stores nothing at all and its keys stay usable."""
    setup_shop(ctl)
    ctl.ok("account", "create", "safe", "--currency", "EUR")
    transfer(ctl, "float", "world", "till:1", "100").expect(0)  # row 1
    fits = write_batch(ctl, "close-1.jsonl", [item("d1", "till:1", "safe", "60"),
                                              item("d2", "till:1", "safe", "30"),
                                              item("d3", "world", "till:1", "5")])
    done = ctl.run("batch", fits, "--linked").expect(0)
    check([(r["outcome"], r["sequence"]) for r in results(done)] ==
          [("created", 2), ("created", 3), ("created", 4)], "a linked batch that fits", done)
    failing = write_batch(ctl, "close-2.jsonl", [item("e1", "till:1", "safe", "10"),
                                                 item("e2", "safe", "till:1", "5"),
                                                 item("e3", "till:1", "safe", "100")])
    before = money_view(ctl)
    failed = ctl.run("batch", failing, "--linked").expect(1)
    check([r["outcome"] for r in results(failed)] ==
          ["linked_batch_failed", "linked_batch_failed", "insufficient_funds"],
          "each item says why it did not run", failed)
    check("line 3 failed" in failed.stderr, "stderr names the failing line", failed)
    check(money_view(ctl) == before, "a failed linked batch moves no money", failed)
    for args in (["--linked"], []):  # the outcomes are stored: any retry replays them
        retry = ctl.run("batch", failing, *args).expect(1)
        check(all(r["replayed"] for r in results(retry)) and
              [r["response"] for r in results(retry)] ==
              [r["response"] for r in results(failed)], "retries replay", retry)
    check(money_view(ctl) == before, "retries move no money")
    check_linked_malformed(ctl)
    ctl.ok("verify")


def check_linked_malformed(ctl):
    bad = [item("g1", "till:1", "safe", "1"), item("g2", "till:1", "safe", "0")]
    before = ctl.snapshot()
    refused = ctl.run("batch", "-", "--linked", input="\n".join(bad) + "\n").expect_error(2)
    check("line 2: amount must be greater than zero" in refused.stderr,
          "the malformed item refuses the linked batch, named by its line", refused)
    check("nothing was stored" in refused.stderr, "stderr says nothing was stored", refused)
    ctl.expect_unchanged(before, refused)
    fixed = [bad[0], item("g2", "till:1", "safe", "2")]
    again = ctl.run("batch", "-", "--linked", input="\n".join(fixed)).expect(0)
    check([r["replayed"] for r in results(again)] == [False, False],
          "the keys stayed usable", again)


# --- bad input: exit 2 naming the line, nothing stored --------------------------------------

GOOD = item("x1", "world", "till:1", "1")
GOOD2 = item("x2", "till:1", "customer:1", "1")


def bad_batches():
    """(content, line the error names or None, fragment of the message)."""
    long_line = '{"principal":"till:1","memo":"' + "m" * (1 << 20) + '"}'
    return [
        ([GOOD, GOOD2, "not json"], 3, "not valid JSON"),
        ([GOOD, '{"principal":"till:1"}'], 2, 'missing field "key"'),
        ([GOOD, item("x3", "world", "till:1", "1.001")], 2, "bad amount"),
        ([GOOD, item("x3", "world", "till:1", "-1")], 2, "bad amount"),
        ([GOOD, item("x3", "world", "till:1", "1e3")], 2, "bad amount"),
        ([GOOD, GOOD2.replace('"1"', "1.5")], 2, "not a JSON number"),
        ([item("x3", "world", "till:1", "1", ammount="2")], 1, 'unknown field "ammount"'),
        ([GOOD[:-1] + ',"amount":"2"}'], 1, 'field "amount" appears twice'),
        ([item("x3", "world", "till:1", "1", memo={"a": 1})], 1, 'field "memo" must be'),
        ([item("x3", "world", "till:1", "1", memo=None)], 1, 'field "memo" must be'),
        ([GOOD, "[1, 2]"], 2, "not a JSON object"),
        ([item("x3", "world", "till:1", "1", currency="eur")], 1, "did you mean EUR"),
        ([item("x3", "world", "till:1", "1", currency="XYZ")], 1, "unknown currency"),
        # The engine's own rules, checked before any line runs (once a NUL memo committed
        # the good line before it and then exited 2).
        ([GOOD, item("x3", "world", "till:1", "1", memo="a\u0000b")], 2, "memo must be"),
        ([GOOD, item("x3", "world", "world", "1")], 2, "needs two accounts"),
        ([GOOD, item("x3", "world", "till:1", "0")], 2, "greater than zero"),
        ([GOOD, item("k\u00e9y", "world", "till:1", "1")], 2, "printable ASCII"),
        ([GOOD, "", "   ", GOOD2, GOOD[:-1]], 5, "not valid JSON"),
        (GOOD.replace("till:1", "till:\xff").encode("latin-1") + b"\n", 1, "not valid JSON"),
        ([GOOD, long_line], 2, "longer than 1048576 bytes"),
        ([GOOD] * 10001, 10001, "more than 10000 transfers"),
        ([], None, "has no transfers"),
        (["", "  "], None, "has no transfers"),
    ]


@case
def batch_bad_input(ctl):
    """A batch with a bad line (invalid JSON, missing, unknown, repeated or non-string
    field, bad amount or currency, too long, too many lines) exits 2 with one line naming
    the line number, from a file or stdin, and stores nothing, not even its good lines."""
    setup_shop(ctl)
    transfer(ctl, "seed", "world", "till:1", "5").expect(0)
    before = ctl.snapshot()
    for n, (content, line, fragment) in enumerate(bad_batches()):
        path = write_batch(ctl, f"bad-{n}.jsonl", content)
        args = ["batch", path] if n % 3 else ["batch", "-"]
        with open(path, "rb") as handle:
            data = handle.read() if n % 3 == 0 else None
        extra = ["--linked"] if n % 2 else []
        extra += ["--json"] if n % 4 == 1 else []
        result = ctl.run(*args, *extra, input=data).expect_error(2)
        where = f" line {line}: " if line else ": "
        check(where in result.stderr and fragment in result.stderr,
              f"the message names{where.rstrip(': ')} and the problem ({fragment})", result)
        ctl.expect_unchanged(before, result)
    for args in (["batch", "no-such.jsonl"], ["batch", ctl.workdir], ["batch"]):
        ctl.expect_unchanged(before, ctl.run(*args).expect_error(2))


# --- regression: a malformed line is found before any line runs -------------------------------

@case
def malformed_line_runs_nothing(ctl):
    """A batch whose second line has a memo with a NUL character exits 2 naming that line
    and commits nothing, not even the valid first line, with or without --linked (it once
    committed the first line and then exited 2); the same keys work once the line is fixed.
    (A completed key in a refused batch replays in the library: unit/batch_test.cpp.)"""
    setup_shop(ctl)
    for extra in ([], ["--linked"]):
        lines = [item("n1", "world", "till:1", "5"),
                 item("n2", "world", "till:1", "1", memo="a\u0000b")]
        before = ctl.snapshot()
        refused = ctl.run("batch", "-", *extra, input="\n".join(lines)).expect_error(2)
        check("line 2: memo must be" in refused.stderr, "the bad line is named", refused)
        ctl.expect_unchanged(before, refused)
    fixed = [item("n1", "world", "till:1", "5"), item("n2", "world", "till:1", "1", memo="ab")]
    done = ctl.run("batch", "-", input="\n".join(fixed)).expect(0)
    check([r["replayed"] for r in results(done)] == [False, False], "the keys stayed usable",
          done)
