#!/usr/bin/env python3
"""The chaos run: concurrent remote tills sell through chaos-proxy into ledgerd while
ledgerd is SIGKILLed and restarted at random moments (and SIGTERMed once), then the proof
that every intended sale happened exactly once (exactly_once.py) and a report.

  ledgerctl init, accounts, funding, one principal per till
  ledgerd  --listen 127.0.0.1:PORT            (restarted on the same PORT after each kill)
  chaos-proxy --upstream 127.0.0.1:PORT ...   (faults per request burst)
  T x pos-sim --remote http://127.0.0.1:PROXY --token ... --outcomes ...

usage: chaos_run.py --build-dir BUILD [--tills T] [--sales-per-till M] [--kills K]
                    [--drop-request P] [--cut P] [--drop-reply P] [--delay P] [--seed S]
                    [--long] [--keep]

Exit status 0 when every till finished and every check passed; 1 otherwise.
"""

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import exactly_once
from processes import free_port, scaled_timeout, start_proxy, stop
from server import Killer, Ledgerd, journal_rows
from shop import Shop

LONG = {"tills": 8, "sales_per_till": 2500, "kills": 25, "customers": 50}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build-dir", required=True, help="CMake build dir with the tools")
    p.add_argument("--tills", type=int, default=4, help="concurrent pos-sim processes")
    p.add_argument("--sales-per-till", type=int, default=500)
    p.add_argument("--customers", type=int, default=20)
    p.add_argument("--kills", type=int, default=3, help="SIGKILLs of ledgerd (plus 1 SIGTERM)")
    p.add_argument("--no-sigterm", action="store_true", help="skip the one SIGTERM mid-load")
    p.add_argument("--drop-request", type=float, default=0.05)
    p.add_argument("--cut", type=float, default=0.05)
    p.add_argument("--drop-reply", type=float, default=0.05)
    p.add_argument("--delay", type=float, default=0.05)
    p.add_argument("--max-delay-ms", type=int, default=20)
    p.add_argument("--seed", type=int, default=None, help="default: random (printed)")
    p.add_argument("--deadline-seconds", type=int, default=120,
                   help="pos-sim's deadline per sale (idle-machine seconds, scaled)")
    p.add_argument("--budget-seconds", type=int, default=480,
                   help="the tills must finish within this (idle-machine seconds, scaled)")
    p.add_argument("--long", action="store_true",
                   help=f"a long run: {LONG} unless given explicitly")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    p.add_argument("--json-report", help="also write the figures as JSON to this file")
    args = p.parse_args()
    if args.long:
        defaults = {a.dest: a.default for a in p._actions}
        for name, value in LONG.items():
            if getattr(args, name) == defaults[name]:
                setattr(args, name, value)
        if args.budget_seconds == defaults["budget_seconds"]:
            args.budget_seconds = 6 * 3600
    if args.seed is None:
        args.seed = random.SystemRandom().randrange(1, 2**31)
    return args


def tool(build_dir, name):
    path = os.path.join(build_dir, "tools", name, name)
    if not os.access(path, os.X_OK):
        raise SystemExit(f"chaos_run: {path} is missing: build it first "
                         f"(cmake --build {build_dir} --target {name})")
    return path


class Run:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir
        self.rng = random.Random(args.seed)
        b = args.build_dir
        self.pos_sim = tool(b, "pos-sim")
        self.proxy_binary = tool(b, "chaos-proxy")
        self.db = os.path.join(workdir, "ledger.db")
        total = args.tills * args.sales_per_till
        # Mean sale 25.50: funding a little short of the expected spending makes some
        # late sales stored rejections (402), so both kinds of outcome go through chaos.
        funding = max(5000, int(total * 2550 * 0.95 / args.customers) // 100 * 100)
        self.shop = Shop(tool(b, "ledgerctl"), self.db, args.tills, args.customers, funding)
        self.server = Ledgerd(tool(b, "ledgerd"), self.db, free_port(),
                              os.path.join(workdir, "ledgerd.err"))
        self.stats_path = os.path.join(workdir, "proxy-stats.json")
        self.tills = {}
        self.problems = []

    def path(self, name):
        return os.path.join(self.workdir, name)

    def start(self):
        self.tokens = self.shop.create()
        self.server.start()
        a = self.args
        self.proxy, self.proxy_port = start_proxy(
            self.proxy_binary, self.server.port, self.stats_path, self.path("proxy.err"),
            drop_request=a.drop_request, cut=a.cut, drop_reply=a.drop_reply, delay=a.delay,
            max_delay_ms=a.max_delay_ms, seed=a.seed)

    def start_till(self, n):
        a = self.args
        argv = [self.pos_sim, "--remote", f"http://127.0.0.1:{self.proxy_port}",
                "--token", self.tokens[n], "--till", str(n), "--sales", str(a.sales_per_till),
                "--customers", str(a.customers), "--seed", str(a.seed + n),
                "--outcomes", self.path(f"till-{n}.jsonl"),
                "--deadline-seconds", str(scaled_timeout(a.deadline_seconds))]
        with open(self.path(f"till-{n}.out"), "wb") as out, \
                open(self.path(f"till-{n}.err"), "wb") as err:
            self.tills[n] = subprocess.Popen(argv, stdout=out, stderr=err)

    def progress(self):
        rows = journal_rows(self.db)
        if rows is None:
            return 0.0
        return (rows - self.shop.customers) / (self.args.tills * self.args.sales_per_till)

    def sell_under_fire(self):
        """Runs the tills to the end while the killer strikes; returns the killer."""
        finished = threading.Event()
        killer = Killer(self.server, self.args.kills, not self.args.no_sigterm, self.progress,
                        random.Random(self.args.seed * 7 + 1), finished)
        started = time.monotonic()
        for n in range(1, self.args.tills + 1):
            self.start_till(n)
        killer.start()
        deadline = started + scaled_timeout(self.args.budget_seconds)
        for n, proc in self.tills.items():
            try:
                proc.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                self.problems.append(f"till {n} did not finish within the budget of "
                                     f"{self.args.budget_seconds} s (scaled)")
        self.seconds = time.monotonic() - started
        finished.set()
        killer.join(timeout=scaled_timeout(120))
        self.problems += killer.problems
        for n, proc in self.tills.items():
            if proc.returncode != 0:
                self.problems.append(f"till {n}: pos-sim exited {proc.returncode}, expected 0;"
                                     f" its stderr ends:\n{tail(self.path(f'till-{n}.err'))}")
        return killer

    def stop(self):
        code = stop(self.proxy)
        if code != 0:
            self.problems.append(f"chaos-proxy exited {code} after SIGTERM, expected 0")
        with open(self.stats_path) as f:
            self.proxy_stats = json.load(f)
        if self.server.running():
            code = self.server.terminate()
            if code != 0:
                self.problems.append(f"ledgerd exited {code} after the final SIGTERM")

    def prove(self):
        outcomes = []
        for n in range(1, self.args.tills + 1):
            got, problems = exactly_once.load_outcomes(self.path(f"till-{n}.jsonl"), n,
                                                       self.args.sales_per_till)
            outcomes += got
            self.problems += problems
        self.outcomes = outcomes
        problems, self.journal_rows, self.completed_keys = \
            exactly_once.prove(self.shop, outcomes)
        self.problems += problems


def tail(path, size=1500):
    try:
        with open(path, errors="replace") as f:
            return f.read()[-size:]
    except OSError:
        return "(none)"


def retries_by_cause(run):
    """The tills' retries by cause, summed from pos-sim's summary lines
    ("retries    12 (7 connection, 5 http 503)")."""
    causes = {}
    for n in run.tills:
        try:
            with open(run.path(f"till-{n}.out"), errors="replace") as f:
                lines = f.read().splitlines()
        except OSError:
            continue
        for line in lines:
            match = re.match(r"retries\s+\d+\s+\((.*)\)\s*$", line)
            for part in match.group(1).split(", ") if match else ():
                count, _, cause = part.partition(" ")
                if count.isdigit():
                    causes[cause] = causes.get(cause, 0) + int(count)
    return causes


def figures(run, killer):
    o = run.outcomes
    s = run.proxy_stats
    return {
        "seed": run.args.seed,
        "tills": run.args.tills,
        "sales": len(o),
        "created_201": sum(x.get("status") == 201 for x in o),
        "rejected_402": sum(x.get("status") == 402 for x in o),
        "replayed_final_answers": sum(bool(x.get("replayed")) for x in o),
        "attempts": sum(x.get("attempts", 0) for x in o),
        "retries": sum(max(0, x.get("attempts", 1) - 1) for x in o),
        "sales_retried": sum(x.get("attempts", 1) > 1 for x in o),
        "retries_by_cause": retries_by_cause(run),
        "proxy": {k: s.get(k) for k in ("requests", "forwarded", "dropped_request", "cut",
                                        "dropped_reply", "delayed_request", "delayed_reply",
                                        "upstream_unavailable", "upstream_closed",
                                        "connections")},
        "sigkills": killer.kills,
        "sigterms": killer.sigterms,
        "restarts": killer.restarts,
        "ledgerd_starts": run.server.starts,
        "journal_rows": getattr(run, "journal_rows", None),
        "completed_keys": getattr(run, "completed_keys", None),
        "seconds": round(run.seconds, 1),
    }


def print_report(f):
    p = f["proxy"]
    print(f"chaos run (seed {f['seed']}): {f['sales']} sales by {f['tills']} tills in "
          f"{f['seconds']} s: {f['created_201']} created (201), {f['rejected_402']} rejected "
          f"(402)")
    print(f"  proxy: {p['requests']} requests: {p['forwarded']} forwarded "
          f"({p['delayed_request']} delayed before the server, {p['delayed_reply']} after), "
          f"{p['dropped_request']} dropped before the server, {p['cut']} cut while the "
          f"server worked, {p['dropped_reply']} replies dropped after the commit")
    print(f"  proxy: {p['upstream_unavailable']} connections refused while ledgerd was down, "
          f"{p['upstream_closed']} requests cut by a kill")
    print(f"  ledgerd: {f['sigkills']} SIGKILLs, {f['sigterms']} SIGTERM (exit 0), "
          f"{f['restarts']} restarts")
    print(f"  tills: {f['attempts']} attempts, {f['retries']} retries over "
          f"{f['sales_retried']} sales, {f['replayed_final_answers']} final answers were "
          f"replays")
    causes = ", ".join(f"{n} {cause}" for cause, n in sorted(f["retries_by_cause"].items()))
    print(f"  retries by cause (pos-sim): {causes or 'none'}")
    print(f"  ledger: {f['journal_rows']} journal rows, {f['completed_keys']} completed keys")


def main():
    args = parse_args()
    workdir = tempfile.mkdtemp(prefix="chaos-run-")
    run = Run(args, workdir)
    killer = None
    try:
        run.start()
        killer = run.sell_under_fire()
        run.stop()
        run.prove()
    except Exception as error:
        run.problems.append(f"the run stopped early: {error!r}")
    finally:
        for proc in list(run.tills.values()) + [getattr(run, "proxy", None), run.server.proc]:
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
    if killer is not None and hasattr(run, "outcomes"):
        f = figures(run, killer)
        print_report(f)
        if args.json_report:
            with open(args.json_report, "w") as out:
                json.dump(f, out, indent=2)
    required_kills = args.kills if killer is not None else 0
    if killer is not None and (killer.kills < required_kills or
                               killer.sigterms < (0 if args.no_sigterm else 1)):
        run.problems.append(f"only {killer.kills} of {args.kills} SIGKILLs and "
                            f"{killer.sigterms} SIGTERMs happened before the tills finished")
    if run.problems:
        print(f"FAILED: {len(run.problems)} problems (work directory {workdir} kept):")
        for problem in run.problems[:40]:
            print("  " + problem)
        return 1
    print("ok: every sale happened exactly once; balances, journal, stored outcomes and "
          "verify agree")
    if args.keep:
        print(f"work directory: {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
