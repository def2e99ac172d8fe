"""A throw-away PostgreSQL cluster for the central (head office) tests: Debian's
`postgresql` package, `initdb` in a temporary directory, a free loopback port, stopped and
deleted afterwards (context manager, atexit, and on SIGTERM from CTest's timeout).

    with PgCluster() as pg:
        pg.psql("SELECT 1")            # [['1']]
        pg.conninfo                    # host=127.0.0.1 port=N user=ledger dbname=postgres
        pg.terminate_backends()        # pg_terminate_backend of every client backend
        pg.restart_immediate()         # pg_ctl -m immediate stop, then start (crash recovery)

PostgreSQL refuses to run as root: as root (CI, containers), initdb and pg_ctl run as the
`postgres` system user (created if missing), as tools/bench-postgres.sh does. Every wait is
bounded (scaled by LEDGER_TEST_TIMEOUT_SCALE).

Run this file alone to test it: python3 tests/central/pg_cluster.py
"""

import atexit
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from harness import scaled_timeout  # noqa: E402  (the one test timeout multiplier)

USER = "ledger"
FIELD_SEP = "\x1f"   # psql's field and record separators: bytes no test value contains
RECORD_SEP = "\x1e"


class PgError(Exception):
    """A PostgreSQL tool failed; the message has its command, exit status and output."""


def bindir():
    """The newest /usr/lib/postgresql/*/bin that has initdb, or None."""
    found = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not found:
        return None

    def version(path):
        return [int(p) for p in re.findall(r"\d+", path.split("/")[4])] or [0]
    return os.path.dirname(sorted(found, key=version)[-1])


def free_port():
    """A loopback port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ensure_postgres_user():
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        subprocess.run(["useradd", "--system", "--home-dir", "/nonexistent", "postgres"],
                       check=True, timeout=scaled_timeout(30))


_live = []  # clusters to stop at exit


def _stop_all():
    for cluster in list(_live):
        cluster.close()


atexit.register(_stop_all)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)  # so that atexit stops the cluster (CTest's timeout)


if signal.getsignal(signal.SIGTERM) in (signal.SIG_DFL, None):
    signal.signal(signal.SIGTERM, _exit_on_sigterm)


class PgCluster:
    """One initdb'd, started cluster. `settings` adds lines to postgresql.conf."""

    def __init__(self, settings=None, start_seconds=60):
        self.bin = bindir()
        if self.bin is None:
            raise PgError("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb); "
                          "tools/bootstrap.sh installs it (Debian package postgresql)")
        self.as_root = os.geteuid() == 0
        if self.as_root:
            _ensure_postgres_user()
        self.dir = tempfile.mkdtemp(prefix="ledger-pg.")
        # The socket path must fit in sun_path (107 bytes), and as root the `postgres` user
        # must be able to reach the directory (not so under a TMPDIR in /root): else /tmp.
        if len(self.dir) > 70 or (self.as_root and not self._reachable_by_postgres()):
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = tempfile.mkdtemp(prefix="ledger-pg.", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "postgres.log")
        self.start_seconds = start_seconds
        self.running = False
        self.restarts = 0
        _live.append(self)
        try:
            os.chmod(self.dir, 0o755)
            if self.as_root:
                pw = pwd.getpwnam("postgres")
                os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as_pg([os.path.join(self.bin, "initdb"), "-D", self.data, "-U", USER,
                         "-A", "trust", "-E", "UTF8", "--locale=C", "--no-instructions"],
                        seconds=120)
            self.port = None
            self._settings = dict(settings or {})
            self._start_on_a_free_port()
        except BaseException:
            self.close()
            raise

    def _reachable_by_postgres(self):
        os.chmod(self.dir, 0o755)
        done = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", self.dir],
                              capture_output=True, timeout=scaled_timeout(30))
        return done.returncode == 0

    # --- running the server tools -----------------------------------------------------
    def _as_pg(self, argv, seconds):
        if self.as_root:
            argv = ["runuser", "-u", "postgres", "--"] + argv
        try:
            done = subprocess.run(argv, cwd=self.dir, capture_output=True, text=True,
                                  timeout=scaled_timeout(seconds))
        except subprocess.TimeoutExpired as e:
            raise PgError(f"{' '.join(argv)} did not finish within {seconds} s "
                          f"(x scale){self._log_tail()}") from e
        if done.returncode != 0:
            raise PgError(f"{' '.join(argv)} exited {done.returncode}\nstdout: "
                          f"{done.stdout[-2000:]}\nstderr: {done.stderr[-2000:]}"
                          f"{self._log_tail()}")
        return done

    def _log_tail(self, chars=3000):
        try:
            with open(self.log, errors="replace") as f:
                return "\n--- postgres.log (tail) ---\n" + f.read()[-chars:]
        except OSError:
            return ""

    def _write_conf(self):
        conf = {
            "listen_addresses": "'127.0.0.1'",
            "port": str(self.port),
            "unix_socket_directories": f"'{self.dir}'",
            "fsync": "on",
            "synchronous_commit": "on",
            "full_page_writes": "on",
            "max_connections": "200",
            "shared_buffers": "64MB",
            "logging_collector": "off",
            "log_min_messages": "warning",
        }
        conf.update({k: str(v) for k, v in self._settings.items()})
        # postgresql.auto.conf is read last and wins: a new port on a retry replaces the old.
        with open(os.path.join(self.data, "postgresql.auto.conf"), "w") as f:
            for name, value in conf.items():
                f.write(f"{name} = {value}\n")

    def _pg_ctl(self, *args, seconds=60):
        wait = str(int(scaled_timeout(seconds)))
        return self._as_pg([os.path.join(self.bin, "pg_ctl"), "-D", self.data, "-l", self.log,
                            "-t", wait, *args], seconds=seconds + 10)

    def _start_on_a_free_port(self, attempts=5):
        for attempt in range(attempts):
            self.port = free_port()
            self._write_conf()
            try:
                self.start()
                return
            except PgError:
                # another process took the port between free_port() and the bind: retry
                if attempt == attempts - 1 or "Address already in use" not in self._log_tail():
                    raise

    def start(self):
        self._pg_ctl("-w", "start", seconds=self.start_seconds)
        self.running = True

    def stop(self, mode="fast"):
        """pg_ctl -m MODE stop (fast, immediate)."""
        self._pg_ctl("-m", mode, "-w", "stop", seconds=60)
        self.running = False

    def restart_immediate(self):
        """An immediate shutdown (no checkpoint: every backend is killed, like a crash),
        then a start, which runs crash recovery from the WAL. Waits until it accepts
        connections again."""
        self.stop("immediate")
        self.start()
        self.restarts += 1

    def close(self):
        """Stops the server (if started) and deletes its directory; never raises."""
        if self in _live:
            _live.remove(self)
        if self.running:
            try:
                self.stop("immediate")
            except Exception as e:  # still delete the directory; say why it did not stop
                print(f"pg_cluster: stopping failed: {e}", file=sys.stderr)
                self._kill_postmaster()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _kill_postmaster(self):
        try:
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                os.kill(int(f.readline().strip()), signal.SIGQUIT)
        except (OSError, ValueError):
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # --- clients ----------------------------------------------------------------------
    @property
    def conninfo(self):
        return f"host=127.0.0.1 port={self.port} user={USER} dbname=postgres"

    def psql(self, sql, seconds=60, check=True):
        """Runs `sql` (one or more statements, ON_ERROR_STOP) and returns the rows of the
        last result as lists of strings; NULL is None. Raises PgError on failure."""
        argv = [os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                "-P", "null=\x02NULL\x02", "-F", FIELD_SEP, "-R", RECORD_SEP,
                "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", "postgres",
                "-f", "-"]
        env = dict(os.environ, PGCONNECT_TIMEOUT="10", PGAPPNAME="pg_cluster.py")
        try:
            done = subprocess.run(argv, input=sql, capture_output=True, text=True, env=env,
                                  timeout=scaled_timeout(seconds))
        except subprocess.TimeoutExpired as e:
            raise PgError(f"psql did not finish within {seconds} s: {sql[:500]}") from e
        if done.returncode != 0:
            if not check:
                return None
            raise PgError(f"psql exited {done.returncode} for:\n{sql[:2000]}\n"
                          f"stderr: {done.stderr[-2000:]}")
        out = done.stdout
        if out.endswith("\n"):
            out = out[:-1]
        if not out:
            return []
        return [[None if v == "\x02NULL\x02" else v for v in record.split(FIELD_SEP)]
                for record in out.split(RECORD_SEP)]

    def scalar(self, sql, seconds=60):
        rows = self.psql(sql, seconds)
        if len(rows) != 1 or len(rows[0]) != 1:
            raise PgError(f"expected one value from {sql!r}, got {rows!r}")
        return rows[0][0]

    def terminate_backends(self):
        """pg_terminate_backend of every client backend but psql's own; returns how many
        were terminated."""
        rows = self.psql("SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) "
                         "FROM pg_stat_activity WHERE pid <> pg_backend_pid() "
                         "AND backend_type = 'client backend'")
        return int(rows[0][0])

    def wait_ready(self, seconds=60):
        """Waits until a query succeeds (after a restart by someone else)."""
        deadline = time.monotonic() + scaled_timeout(seconds)
        while True:
            if self.psql("SELECT 1", check=False) == [["1"]]:
                return
            if time.monotonic() > deadline:
                raise PgError(f"PostgreSQL not ready within {seconds} s{self._log_tail()}")
            time.sleep(0.2)


def _self_test():
    """Start, query, create, terminate, restart immediately (the committed row survives),
    stop; then the directory is gone and the port is closed."""
    started = time.monotonic()
    with PgCluster() as pg:
        print(f"started on port {pg.port} in {time.monotonic() - started:.1f} s "
              f"({pg.bin}, {'as postgres via runuser' if pg.as_root else 'as this user'})")
        assert pg.psql("SELECT 1, 'a|b', NULL, E'x\\ny'") == [["1", "a|b", None, "x\ny"]]
        assert pg.psql("SELECT 1 WHERE false") == []
        assert pg.scalar("SHOW fsync") == "on"
        assert pg.scalar("SHOW listen_addresses") == "127.0.0.1"
        assert pg.scalar("SELECT current_user") == USER
        pg.psql("CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'one')")
        assert pg.psql("SELECT id, v FROM t") == [["1", "one"]]
        # A client that holds a connection open: terminate_backends ends it.
        holder = subprocess.Popen(
            [os.path.join(pg.bin, "psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(pg.port),
             "-U", USER, "-d", "postgres", "-c", "SELECT pg_sleep(60)"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + scaled_timeout(20)
        while pg.scalar("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                        "'SELECT pg_sleep%'") != "1":
            assert time.monotonic() < deadline, "the sleeping psql never showed up"
            time.sleep(0.1)
        assert pg.terminate_backends() >= 1
        holder.wait(timeout=scaled_timeout(20))
        assert holder.returncode != 0, "the terminated psql exited 0"
        holder.stderr.close()
        # Immediate shutdown: a committed row survives crash recovery.
        pg.psql("INSERT INTO t VALUES (2, 'two')")
        t0 = time.monotonic()
        pg.restart_immediate()
        print(f"restart_immediate took {time.monotonic() - t0:.1f} s")
        assert pg.psql("SELECT id FROM t ORDER BY id") == [["1"], ["2"]]
        try:
            pg.psql("SELECT * FROM missing_table")
            raise AssertionError("a failing statement did not raise")
        except PgError:
            pass
        directory, port = pg.dir, pg.port
    assert not os.path.exists(directory), "the cluster directory was not deleted"
    with socket.socket() as s:
        s.settimeout(2)
        assert s.connect_ex(("127.0.0.1", port)) != 0, "PostgreSQL still listens"
    print("pg_cluster self-test passed")


if __name__ == "__main__":
    _self_test()
