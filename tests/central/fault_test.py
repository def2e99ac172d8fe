"""The proof of SPEC 11 under faults (issue 20, item 4): N edge ledgers filled by pos-sim,
pushed concurrently into a real PostgreSQL (started here, pg_cluster.py) while

  - pushes are SIGKILLed at random moments,
  - every client backend is terminated now and then (pg_terminate_backend),
  - PostgreSQL itself is restarted with an immediate shutdown (crash recovery),
  - and the tills keep selling while they push;

then, after one clean push per ledger: the central journal equals the union of the edges
row for row and field for field (hash and prev_hash included), `hq verify` passes,
`sync status` shows nothing behind, hq balances equal the edges', and a forged fork (a
copy of one edge with another extra sale) is refused with exit 5 and changes nothing.
Before the clean pushes, each ledger's central copy must already be a prefix of its edge.
Each fault kind must have struck a running push at least once, or the run proves nothing.

CTest runs a bounded version (20 ledgers, 40 sales each, about 30 s of faults). The long
run, by hand:

    python3 tests/central/fault_test.py --ledgerctl build/tools/ledgerctl/ledgerctl \
        --pos-sim build/tools/pos-sim/pos-sim --ledgers 100 --sales 2000 \
        --chaos-seconds 600 --batch-rows 50 --extra-sales 200
"""

import argparse
import concurrent.futures
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from central_lib import (Tools, TestFailure, check, central_fingerprint,  # noqa: E402
                         central_journal, journal_differences, is_prefix)
from pg_cluster import PgCluster, PgError, scaled_timeout  # noqa: E402


class Chaos:
    """Shared counters of the fault phase."""

    def __init__(self):
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.in_flight = 0
        self.pushes = 0
        self.exits = {}
        self.kills = 0            # pushes SIGKILLed while running
        self.kill_misses = 0      # the push had already finished
        self.termination_rounds = 0
        self.terminated = 0       # backends terminated while a push was running
        self.terminate_errors = 0
        self.restarts = 0         # immediate restarts with pushes in flight
        self.restarts_idle = 0
        self.sales = 0
        self.problems = []        # what must fail the test

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def count_exit(self, code):
        with self.lock:
            self.exits[code] = self.exits.get(code, 0) + 1

    def summary(self):
        return (f"pushes {self.pushes} (exits {dict(sorted(self.exits.items()))}); "
                f"SIGKILLs landed {self.kills} (missed {self.kill_misses}); "
                f"pg_terminate_backend rounds {self.termination_rounds}, backends terminated "
                f"{self.terminated}; immediate restarts {self.restarts} with pushes in flight "
                f"(+{self.restarts_idle} idle); sales during the run {self.sales}")


def describe(argv, code, out, err):
    return f"  command: {' '.join(argv)}\n  exit: {code}\n  stdout: {out[-1500:]!r}\n" \
           f"  stderr: {err[-1500:]!r}"


def pusher(index, db, tools, pg, args, chaos, deadline_push):
    """One ledger's loop of pushes, some SIGKILLed after a random delay."""
    rng = random.Random(args.seed * 1000 + index)
    estimate = 0.05  # how long a push that ships rows runs, to aim the kills inside one
    argv = [tools.ledgerctl, "--db", db, "--json", "sync", "push", "--pg", pg.conninfo,
            "--batch-rows", str(args.batch_rows)]
    env = {k: v for k, v in os.environ.items()
           if k not in ("LEDGER_PG", "LEDGER_STORE", "LEDGER_DB")}
    while not chaos.stop.is_set():
        kill_at = rng.uniform(0, estimate * 1.5) if rng.random() < args.kill_rate else None
        with chaos.lock:
            chaos.in_flight += 1
            chaos.pushes += 1
        started = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env=env)
        killed = False
        try:
            if kill_at is not None:
                try:
                    proc.wait(timeout=kill_at)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    killed = True
            try:
                out, err = proc.communicate(timeout=deadline_push)
            except subprocess.TimeoutExpired:
                proc.kill()
                out, err = proc.communicate()
                chaos.problem(f"a push hung for more than {deadline_push:.0f} s:\n"
                              + describe(argv, proc.returncode, out, err))
                return
        finally:
            with chaos.lock:
                chaos.in_flight -= 1
        elapsed = time.monotonic() - started
        code = proc.returncode
        chaos.count_exit(code)
        if killed:
            with chaos.lock:
                if code == -9:
                    chaos.kills += 1
                else:
                    chaos.kill_misses += 1
        if code == 0:
            try:
                shipped = json.loads(out).get("pushed_rows", 0)
            except ValueError:
                chaos.problem("push --json printed no JSON:\n" + describe(argv, code, out, err))
                return
            if shipped:
                estimate = min(2.0, max(0.01, 0.7 * estimate + 0.3 * elapsed))
        elif code == 4 or (code == -9 and killed):
            pass  # transient (a fault struck it) or our own SIGKILL: the next push resumes
        else:
            chaos.problem("a push under faults must exit 0 or 4 (or die by our SIGKILL):\n"
                          + describe(argv, code, out, err))
            return
        time.sleep(rng.uniform(0, 0.05))


def seller(index, db, tools, args, chaos, chaos_seconds):
    """A till keeps selling while it is pushed: about --extra-sales, spread over the fault
    phase, in bursts of 1 to 4 sales."""
    rng = random.Random(args.seed * 1000 + 500 + index)
    made = 0
    pause = chaos_seconds * 2.5 / max(1, args.extra_sales)  # 2.5 sales per burst on average
    while made < args.extra_sales and not chaos.stop.wait(rng.uniform(0, 2 * pause)):
        for _ in range(rng.randint(1, 4)):
            if made >= args.extra_sales:
                break
            amount = f"{rng.randint(1, 5000) / 100:.2f}"
            done = tools.ctl("--db", db, "transfer", "--principal", "till:1", "--key",
                             f"chaos-{index}-{made}", "--from", "world", "--to",
                             f"customer:{rng.randint(1, 8)}", "--amount", amount,
                             "--currency", "EUR", "--memo", f"chaos sale {made}")
            if done.returncode != 0:
                chaos.problem(f"a sale on {db} failed:\n{done.describe()}")
                return
            made += 1
            with chaos.lock:
                chaos.sales += 1


def fault_thread(pg, args, chaos, started, chaos_seconds):
    """Terminates every client backend now and then; restarts PostgreSQL (immediate) at
    a few moments spread over the run."""
    rng = random.Random(args.seed)
    restart_at = sorted(started + chaos_seconds * f for f in
                        [rng.uniform(0.2, 0.45), rng.uniform(0.55, 0.8)][:args.restarts])
    while not chaos.stop.wait(rng.uniform(0.1, 0.6)):
        now = time.monotonic()
        if restart_at and now >= restart_at[0]:
            restart_at.pop(0)
            busy = chaos.in_flight > 0
            try:
                pg.restart_immediate()
            except PgError as e:
                chaos.problem(f"PostgreSQL did not restart: {e}")
                chaos.stop.set()
                return
            with chaos.lock:
                if busy:
                    chaos.restarts += 1
                else:
                    chaos.restarts_idle += 1
                    restart_at.append(now + 1.0)  # try again with pushes running
            continue
        try:
            n = pg.terminate_backends()
        except PgError:
            with chaos.lock:
                chaos.terminate_errors += 1
            continue
        with chaos.lock:
            chaos.termination_rounds += 1
            chaos.terminated += n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ledgerctl", required=True)
    parser.add_argument("--pos-sim", required=True)
    parser.add_argument("--ledgers", type=int, default=20)
    parser.add_argument("--sales", type=int, default=40, help="pos-sim sales per ledger")
    parser.add_argument("--fault-rate", type=float, default=0.3, help="pos-sim's")
    parser.add_argument("--batch-rows", type=int, default=3)
    parser.add_argument("--extra-sales", type=int, default=30,
                        help="sales per ledger made while it is pushed, during the fault phase")
    parser.add_argument("--chaos-seconds", type=float, default=30)
    parser.add_argument("--kill-rate", type=float, default=0.3,
                        help="share of pushes SIGKILLed after a random delay")
    parser.add_argument("--restarts", type=int, default=2, choices=(1, 2))
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = random.randrange(1 << 30)
    print(f"fault_test: {args.ledgers} ledgers x {args.sales} sales, batch {args.batch_rows}, "
          f"{args.chaos_seconds:.0f} s of faults, seed {args.seed}", flush=True)
    work = tempfile.mkdtemp(prefix="ledger-central-faults.")
    tools = Tools(args.ledgerctl, args.pos_sim, work)
    try:
        run(tools, work, args)
    except (TestFailure, PgError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def run(tools, work, args):
    t0 = time.monotonic()
    dbs = [os.path.join(work, f"till{i:03}.db") for i in range(args.ledgers)]
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        list(pool.map(lambda i: tools.fill_edge(dbs[i], args.seed + i, args.sales,
                                                args.fault_rate), range(args.ledgers)))
        ids = list(pool.map(tools.ledger_id, dbs))
    check(len(set(ids)) == len(ids), f"two ledgers share an id: {ids}")
    print(f"filled {args.ledgers} edges in {time.monotonic() - t0:.1f} s", flush=True)

    with PgCluster() as pg:
        chaos = Chaos()
        # The planned chaos is an amount of work, not a timeout: a sanitizer build runs the
        # same seconds of faults (its slower pushes are struck more, not less); only the
        # wait for every fault kind to land stretches with the timeout scale.
        chaos_seconds = args.chaos_seconds
        landing_deadline = max(2 * chaos_seconds, scaled_timeout(2 * chaos_seconds))
        started = time.monotonic()
        workers = [threading.Thread(target=pusher, args=(i, dbs[i], tools, pg, args, chaos,
                                                         scaled_timeout(120)), daemon=True)
                   for i in range(args.ledgers)]
        faults = threading.Thread(target=fault_thread,
                                  args=(pg, args, chaos, started, chaos_seconds), daemon=True)
        sellers = [threading.Thread(target=seller, args=(i, dbs[i], tools, args, chaos,
                                                         chaos_seconds), daemon=True)
                   for i in range(args.ledgers)]
        workers += [faults] + sellers
        for t in workers:
            t.start()
        # Run the planned time, then on (at most as long again) until each fault kind has
        # struck a running push, unless something already failed.
        while not chaos.stop.is_set():
            time.sleep(0.2)
            elapsed = time.monotonic() - started
            landed = chaos.kills and chaos.terminated and chaos.restarts
            if chaos.problems or elapsed >= landing_deadline or \
                    (elapsed >= chaos_seconds and landed):
                chaos.stop.set()
        for t in workers:
            t.join(timeout=scaled_timeout(180))
            check(not t.is_alive(), "a thread of the fault phase did not end")
        print(f"fault phase: {time.monotonic() - started:.1f} s; {chaos.summary()}", flush=True)
        check(not chaos.problems, "\n".join(chaos.problems[:5]))
        check(chaos.kills >= 1, f"no SIGKILL struck a running push: {chaos.summary()}")
        check(chaos.terminated >= 1,
              f"pg_terminate_backend never hit a push's backend: {chaos.summary()}")
        check(chaos.restarts >= 1,
              f"PostgreSQL was never restarted with a push running: {chaos.summary()}")

        pg.wait_ready()
        edges = {lid: tools.journal(db) for lid, db in zip(ids, dbs)}
        # What the faults left: for each ledger, a prefix of its edge.
        partial = 0
        for lid, db in zip(ids, dbs):
            central = central_journal(pg, lid)
            check(is_prefix(edges[lid], central),
                  f"after the faults the central copy of {db} is not a prefix of the edge:\n  "
                  + "\n  ".join(journal_differences(edges[lid][:len(central)], central)))
            partial += len(central) < len(edges[lid])
        print(f"after the faults every central copy is a prefix of its edge "
              f"({partial} of {len(ids)} incomplete)", flush=True)

        # One clean push each, then everything equal.
        for lid, db in zip(ids, dbs):
            reply = tools.push_ok(db, pg.conninfo, "--batch-rows", str(args.batch_rows))
            check(reply["ledger_id"] == lid and reply["central_seq"] == len(edges[lid]),
                  f"the clean push of {db}: {reply}; the edge has {len(edges[lid])} rows")
        total = 0
        for lid, db in zip(ids, dbs):
            diffs = journal_differences(edges[lid], central_journal(pg, lid))
            check(not diffs, f"central copy of {db} ({lid}) differs:\n  " + "\n  ".join(diffs))
            total += len(edges[lid])
        central_ids = {r[0] for r in pg.psql("SELECT DISTINCT ledger_id FROM ledger_hq.journal")}
        check(central_ids == set(ids), f"central ledgers {sorted(central_ids)} are not the "
              f"edges' {sorted(ids)}")
        check(int(pg.scalar("SELECT count(*) FROM ledger_hq.journal")) == total,
              "the central journal has rows no edge has")
        forks = pg.psql("SELECT ledger_id, what, position FROM ledger_hq.forks")
        check(forks == [], f"honest pushes under faults logged forks: {forks}")
        print(f"central journal == union of the edges: {total} rows of {len(ids)} ledgers",
              flush=True)

        done = tools.hq("verify", pg.conninfo).expect(0)
        reply = done.json()
        check(reply.get("ok") is True and reply.get("ledgers") == len(ids)
              and reply.get("rows") == total, f"hq verify:\n{done.describe()}")
        for lid, db in zip(ids, dbs):
            st = tools.status(db, pg.conninfo)
            check((st["behind"], st["central_seq"], st["forks"]) == (0, len(edges[lid]), 0),
                  f"sync status of {db}: {st}")
        balances = tools.hq("balances", pg.conninfo).expect(0).json()["balances"]
        got = {(b["ledger_id"], b["account"]): b["balance_minor"] for b in balances}
        for lid, db in zip(ids, dbs):
            for code, a in tools.accounts(db).items():
                check(got.get((lid, code), 0) == a["balance_minor"],
                      f"hq balances {lid} {code}: {got.get((lid, code))}, edge "
                      f"{a['balance_minor']}")
        print("hq verify ok, sync status behind 0 everywhere, hq balances == edges", flush=True)

        # A forged fork: a copy of one edge with another sale at the next sequence, after
        # the real till's own next sale was pushed.
        victim, lid = dbs[0], ids[0]
        forged = tools.backup(victim, os.path.join(work, "forged.db"))
        seq = tools.transfer(victim, "honest-next", "world", "customer:1", "7.00")
        tools.push_ok(victim, pg.conninfo)
        check(tools.transfer(forged, "forged-next", "customer:1", "till:1", "0.01") == seq,
              "the forged sale did not land on the same sequence")
        before = central_fingerprint(pg)
        refused = tools.push(forged, pg.conninfo, "--batch-rows", str(args.batch_rows))
        refused.expect(5)
        check(central_fingerprint(pg) == before, "the refused fork changed the central copy")
        logged = pg.psql(f"SELECT what, position FROM ledger_hq.forks WHERE ledger_id = '{lid}'")
        check(logged, f"the fork at sequence {seq} was not recorded in ledger_hq.forks")
        check(not journal_differences(tools.journal(victim), central_journal(pg, lid)),
              "after the refused fork the honest ledger's central copy differs from it")
        print(f"a forged fork at sequence {seq} was refused (exit 5), recorded as {logged}, "
              "and changed nothing")
    print(f"PASS ({time.monotonic() - t0:.1f} s): {chaos.summary()}")


if __name__ == "__main__":
    sys.exit(main())
