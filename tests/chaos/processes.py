"""Starting and stopping the real processes of the chaos tests (chaos-proxy, ledgerd):
each prints `listening on [SCHEME://]HOST:PORT` as its first stdout line."""

import os
import select
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "cli"))
from harness import scaled_timeout  # noqa: E402  (the one test timeout multiplier)


class StartFailure(Exception):
    """A process did not start listening; the message has its stderr."""


def read_first_line(proc, seconds, stderr_path=None):
    """The first stdout line of `proc`, waiting at most `seconds` (idle-machine seconds)."""
    deadline = time.monotonic() + scaled_timeout(seconds)
    line = b""
    fd = proc.stdout.fileno()
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0 or proc.poll() is not None and not select.select([fd], [], [], 0)[0]:
            break
        if select.select([fd], [], [], min(left, 0.2))[0]:
            chunk = os.read(fd, 1)
            if not chunk:
                break
            line += chunk
    if not line.startswith(b"listening on "):
        err = ""
        if stderr_path and os.path.exists(stderr_path):
            with open(stderr_path, errors="replace") as f:
                err = f.read()[-3000:]
        raise StartFailure(f"{proc.args[0]} did not print 'listening on ...' within "
                           f"{seconds} s (exit {proc.poll()}); first line {line!r}; "
                           f"stderr:\n{err}")
    return line.decode().strip()[len("listening on "):]


def port_of(address):
    """The port of 'http://127.0.0.1:PORT' or '127.0.0.1:PORT'."""
    return int(address.rsplit(":", 1)[1])


def start(argv, stderr_path, start_seconds=30):
    """Starts `argv` with stderr appended to `stderr_path`; returns (proc, listening address)."""
    with open(stderr_path, "ab") as err:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=err)
    try:
        return proc, read_first_line(proc, start_seconds, stderr_path)
    except StartFailure:
        stop(proc, signal.SIGKILL)
        raise


def stop(proc, sig=signal.SIGTERM, seconds=30):
    """Sends `sig` and waits for the exit status (SIGKILL if it does not end in time)."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        proc.wait(timeout=scaled_timeout(seconds))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if proc.stdout:
        proc.stdout.close()
    return proc.returncode


def free_port():
    """A port that was free a moment ago (for a server that must come back on the same
    port after a restart, so it cannot simply bind port 0 every time)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_proxy(binary, upstream_port, stats_path, stderr_path, **faults):
    """Starts chaos-proxy in front of 127.0.0.1:upstream_port. `faults` maps option names
    without dashes (drop_request=1.0, max_delay_ms=100, seed=7) to values."""
    argv = [binary, "--listen", "127.0.0.1:0", "--upstream", f"127.0.0.1:{upstream_port}",
            "--stats", stats_path]
    for name, value in faults.items():
        argv += ["--" + name.replace("_", "-"), str(value)]
    proc, address = start(argv, stderr_path)
    return proc, port_of(address)
