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
         item("b4", "till:1", "customer:1", "0"),  # malformed (the engine refuses 0)
         item("b5", "till:1", "nobody", "1")]  # unknown account


@case
def batch_outcomes(ctl):
    """A batch reports one result per input line in order (blank lines skipped), each with
    its own outcome; created items moved money once; the exit code is the highest class
    present (conflict 3 > malformed 2 > rejected 1 > 0); re-running replays the stored
    responses byte for byte."""
    setup_shop(ctl)
    transfer(ctl, "t-old", "world", "till:1", "10").expect(0)  # row 1
    path = write_batch(ctl, "mixed.jsonl", MIXED)
    first = ctl.run("batch", path).expect(3)
    got = results(first)
    check([(r["line"], r["outcome"], r["replayed"]) for r in got] ==
          [(1, "created", False), (3, "insufficient_funds", False), (4, "created", False),
           (5, "created", True), (6, "key_reused_with_different_request", False),
           (7, "invalid_request", False), (8, "credit_account_not_found", False)],
          "one result per line, in input order", first)
    check([r["sequence"] for r in got if r["outcome"] == "created"] == [2, 3, 1],
          "created items have their journal rows", first)
    for r, key in ((got[0], "b1"), (got[1], "b2"), (got[3], "t-old"), (got[6], "b5")):
        check(r["response"] == stored_response(ctl, key), f"line {r['line']}: stored body",
              first)
    check(len(first.stderr.splitlines()) == 1 and "batch of 7" in first.stderr,
          "one summary line on stderr", first)
    check((balance_of(ctl, "customer:1"), balance_of(ctl, "till:1")) == (900, 600),
          "each created item moved money once")
    second = ctl.run("batch", path).expect(3)
    check([r["replayed"] for r in results(second)] == [True, True, True, True, False, False,
                                                       True], "a re-run replays", second)
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
    """The exit code of a batch is the highest class its items reach, read from stdin."""
    cases = [([item("c1", "world", "till:1", "1")], 0),
             ([item("c1", "world", "till:1", "1")], 0),  # a replay of a created item
             ([item("c2", "world", "till:1", "1"), item("c3", "till:1", "nobody", "1")], 1),
             ([item("c4", "world", "till:1", "1"), item("c5", "till:1", "nobody", "1"),
               item("c6", "world", "till:1", "0")], 2),
             ([item("c7", "till:1", "nobody", "1"), item("c8", "world", "till:1", "0"),
               item("c1", "world", "till:1", "2")], 3)]
    for lines, code in cases:
        result = ctl.run("batch", "-", input="\n".join(lines) + "\n").expect(code)
        check(len(results(result)) == len(lines), "one result per line from stdin", result)


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
    refused = ctl.run("batch", "-", "--linked", input="\n".join(bad) + "\n").expect(2)
    check([r["outcome"] for r in results(refused)] == ["linked_batch_failed",
                                                       "invalid_request"],
          "the malformed item refuses the linked batch", refused)
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


# --- regression: a refused linked batch still replays completed keys ---------------------------

@case
def linked_refusal_replays_completed_key(ctl):
    """When a linked batch is refused because an item is malformed (or conflicting), an item
    whose key already completed with the same request still gets the replay of its stored
    response, as SPEC 4 promises for every retry of a completed key (this was an engine bug
    in src/batch.cpp run_linked)."""
    setup_shop(ctl)
    transfer(ctl, "done-before", "world", "till:1", "5").expect(0)
    lines = [item("done-before", "world", "till:1", "5"), item("m1", "world", "till:1", "0")]
    refused = ctl.run("batch", "-", "--linked", input="\n".join(lines)).expect(2)
    first = results(refused)[0]
    check(first["outcome"] == "created" and first["replayed"] is True and
          first["response"] == stored_response(ctl, "done-before"),
          "a completed key in a refused linked batch replays its stored response", refused)
