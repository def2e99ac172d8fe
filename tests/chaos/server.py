"""ledgerd on one fixed loopback port, killed and restarted by the chaos run (the proxy in
front of it keeps pointing at that port), and the killer thread that does it."""

import signal
import sqlite3
import threading
import time

from processes import StartFailure, start, stop


class Ledgerd:
    def __init__(self, binary, db, port, stderr_path, extra_args=()):
        self.binary = binary
        self.db = db
        self.port = port
        self.stderr_path = stderr_path
        self.extra_args = list(extra_args)
        self.proc = None
        self.starts = 0

    def start(self, attempts=20):
        """Starts ledgerd on its port. The port of a killed ledgerd can take a moment to
        be free again, so a failed start is retried (bounded)."""
        argv = [self.binary, "--db", self.db, "--listen", f"127.0.0.1:{self.port}"] + \
            self.extra_args
        for attempt in range(attempts):
            try:
                self.proc, address = start(argv, self.stderr_path)
                self.starts += 1
                return address
            except StartFailure:
                if attempt + 1 == attempts:
                    raise
                time.sleep(0.25)

    def kill(self):
        """SIGKILL: no chance to finish anything (the crash of the failure timeline)."""
        return stop(self.proc, signal.SIGKILL)

    def terminate(self):
        """SIGTERM: graceful; returns the exit status (0 expected)."""
        return stop(self.proc, signal.SIGTERM, seconds=60)

    def running(self):
        return self.proc is not None and self.proc.poll() is None


def journal_rows(db):
    """The number of journal rows, read straight from the file (read-only) to follow the
    run's progress without disturbing the server; None while the file is busy."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM journal").fetchone()[0]
    except sqlite3.Error:
        return None


class Killer(threading.Thread):
    """SIGKILLs ledgerd `kills` times and SIGTERMs it once (in the middle of the plan), each
    at a random point of the run's progress, and restarts it on the same port each time."""

    def __init__(self, server, kills, sigterm, progress, rng, finished):
        super().__init__(daemon=True)
        self.server = server
        self.progress = progress  # () -> fraction of the sales done, 0..1
        self.rng = rng
        self.finished = finished  # set when every till has exited
        self.events = ["kill"] * kills
        if sigterm:
            self.events.insert(len(self.events) // 2, "term")
        self.thresholds = sorted(rng.uniform(0.05, 0.85) for _ in self.events)
        self.kills = 0
        self.sigterms = 0
        self.restarts = 0
        self.problems = []

    def run(self):
        try:
            for event, threshold in zip(self.events, self.thresholds):
                if not self.wait_for_progress(threshold):
                    return
                time.sleep(self.rng.uniform(0, 0.2))  # not always right after a poll
                self.strike(event)
                time.sleep(self.rng.uniform(0, 0.5))  # the server stays down a while
                self.server.start()
                self.restarts += 1
        except Exception as error:  # reported by the run, never swallowed
            self.problems.append(f"killer: {error!r}")

    def wait_for_progress(self, threshold):
        while not self.finished.is_set():
            if self.progress() >= threshold:
                return True
            self.finished.wait(0.05)
        return False

    def strike(self, event):
        if event == "kill":
            self.server.kill()
            self.kills += 1
            return
        code = self.server.terminate()
        self.sigterms += 1
        if code != 0:
            self.problems.append(f"ledgerd exited {code} after SIGTERM under load, expected 0")
