#!/usr/bin/env python3
"""Tests of chaos-proxy alone: real loopback sockets between a raw-socket client, the
proxy and a tiny HTTP/1.1 keep-alive server (http.server in a thread) that counts the
requests it handled and the replies it wrote. Each fault class runs at probability 1, and
its observable effect and the proxy's counts are checked.

usage: proxy_test.py --proxy PATH --case NAME

Exit status 0 when the case passed, 1 when a check failed (the reason is printed).
"""

import argparse
import http.server
import json
import os
import socket
import sys
import tempfile
import threading
import time

from processes import scaled_timeout, start_proxy, stop

CASES = {}


def case(fn):
    CASES[fn.__name__] = fn
    return fn


class CheckFailed(Exception):
    pass


def check(condition, what):
    if not condition:
        raise CheckFailed(what)


# --- the upstream server ----------------------------------------------------------------

def reply_bytes(path, body):
    """The exact reply the upstream writes for a POST of `body` to `path`: the test
    predicts it, so that it can compare what the client got byte for byte."""
    payload = b"echo " + path.encode() + b" " + body
    return (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
            b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload)


class Upstream:
    """An HTTP/1.1 keep-alive server in a thread that counts handled requests and the
    replies it wrote completely."""

    def __init__(self):
        self.lock = threading.Lock()
        self.handled = 0
        self.replied = 0
        upstream = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                with upstream.lock:
                    upstream.handled += 1
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                try:
                    self.wfile.write(reply_bytes(self.path, body))
                    self.wfile.flush()
                except OSError:
                    return
                with upstream.lock:
                    upstream.replied += 1

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            def handle_error(self, request, client_address):
                pass  # connections the proxy closes on purpose are not errors here

        self.server = Server(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def counts(self):
        with self.lock:
            return self.handled, self.replied

    def wait_for(self, handled, replied, seconds=10):
        """Waits (bounded) until the counts reach the expected values, then returns them:
        the server may still be working after the proxy closed the connections."""
        deadline = time.monotonic() + scaled_timeout(seconds)
        while time.monotonic() < deadline and self.counts() < (handled, replied):
            time.sleep(0.02)
        return self.counts()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- the client -------------------------------------------------------------------------

def request_bytes(path, body):
    return (b"POST " + path.encode() + b" HTTP/1.1\r\nHost: upstream\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n", body)


def connect(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=scaled_timeout(10))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def send_request(sock, path, body, split=False):
    """Sends one request; with `split` its head and body go out as two segments with a
    pause between them, which the proxy must still treat as one request."""
    head, body = request_bytes(path, body)
    if split:
        sock.sendall(head)
        time.sleep(0.05)
        sock.sendall(body)
    else:
        sock.sendall(head + body)


def receive_exactly(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            break
        data += chunk
    return data


def receive_until_closed(sock):
    """Everything the proxy sends before it closes the connection (EOF or reset)."""
    data = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
    except ConnectionResetError:
        return data
    except TimeoutError:
        raise CheckFailed(f"the proxy neither closed the connection nor stopped sending "
                          f"within the timeout; received {data[:200]!r}")


# --- the proxy --------------------------------------------------------------------------

STARTED = []  # every proxy a case started: main() stops what a failed case left running


class Setup:
    def __init__(self, proxy_binary, workdir, upstream_port=None, **faults):
        self.upstream = Upstream() if upstream_port is None else None
        port = upstream_port if upstream_port is not None else self.upstream.port
        self.stats_path = os.path.join(workdir, "stats.json")
        self.proc, self.port = start_proxy(proxy_binary, port, self.stats_path,
                                           os.path.join(workdir, "proxy.err"), **faults)
        STARTED.append(self.proc)

    def stop(self):
        """Stops the proxy with SIGTERM and returns its final counts."""
        code = stop(self.proc)
        if self.upstream:
            self.upstream.close()
        check(code == 0, f"chaos-proxy must exit 0 after SIGTERM, not {code}")
        with open(self.stats_path) as f:
            return json.load(f)


def expect_counts(stats, **expected):
    """Checks the named counts; every other per-burst fault count must be 0."""
    for name in ("dropped_request", "cut", "dropped_reply", "delayed_request",
                 "delayed_reply", "upstream_unavailable"):
        expected.setdefault(name, 0)
    for name, value in expected.items():
        check(stats.get(name) == value, f"stats {name} = {stats.get(name)}, expected {value}; "
                                        f"all: {stats}")
    faults = stats["forwarded"] + stats["dropped_request"] + stats["cut"] + \
        stats["dropped_reply"]
    check(stats["requests"] == faults,
          f"every request is counted in exactly one class: {stats}")


# --- cases ------------------------------------------------------------------------------

@case
def no_fault_passes_bytes(proxy, workdir):
    """Without faults, several requests on one keep-alive connection (some split in two
    segments, one reply of 300 KB) come back byte for byte."""
    s = Setup(proxy, workdir)
    bodies = [b"small", b"x" * 300_000, b"split", b"last"]
    with connect(s.port) as sock:
        for i, body in enumerate(bodies):
            send_request(sock, f"/r{i}", body, split=(i == 2))
            want = reply_bytes(f"/r{i}", body)
            got = receive_exactly(sock, len(want))
            check(got == want, f"reply {i}: {len(got)} bytes differ from the {len(want)} sent")
    check(s.upstream.wait_for(4, 4) == (4, 4), "the upstream answered the 4 requests")
    expect_counts(s.stop(), requests=4, forwarded=4, connections=1)


@case
def drop_request(proxy, workdir):
    """--drop-request 1: the server never sees the request; the client sees EOF or reset."""
    s = Setup(proxy, workdir, drop_request=1.0)
    with connect(s.port) as sock:
        send_request(sock, "/lost", b"body")
        check(receive_until_closed(sock) == b"", "the client must get no reply bytes")
    time.sleep(0.2)  # a wrongly forwarded request would be counted by now
    check(s.upstream.counts() == (0, 0), f"the upstream saw {s.upstream.counts()}")
    expect_counts(s.stop(), requests=1, forwarded=0, dropped_request=1)


@case
def cut(proxy, workdir):
    """--cut 1: the server gets the request, the client only EOF, never a reply byte."""
    s = Setup(proxy, workdir, cut=1.0, max_delay_ms=100)
    for i in range(3):
        with connect(s.port) as sock:
            send_request(sock, f"/cut{i}", b"body")
            check(receive_until_closed(sock) == b"", "the client must get no reply bytes")
    handled, _ = s.upstream.wait_for(3, 0)
    check(handled == 3, f"the upstream must see all 3 cut requests, saw {handled}")
    expect_counts(s.stop(), requests=3, forwarded=0, cut=3, connections=3)


@case
def drop_reply(proxy, workdir):
    """--drop-reply 1: the server answers (it has committed), the client sees EOF."""
    s = Setup(proxy, workdir, drop_reply=1.0)
    with connect(s.port) as sock:
        send_request(sock, "/answered", b"body", split=True)
        check(receive_until_closed(sock) == b"", "the client must get no reply bytes")
    check(s.upstream.wait_for(1, 1) == (1, 1), "the upstream must have written its reply")
    expect_counts(s.stop(), requests=1, forwarded=0, dropped_reply=1)


@case
def delay(proxy, workdir):
    """--delay 1: every reply still arrives byte for byte over keep-alive; each request
    is delayed in one direction."""
    s = Setup(proxy, workdir, delay=1.0, max_delay_ms=80, seed=11)
    with connect(s.port) as sock:
        for i in range(8):
            send_request(sock, f"/slow{i}", b"body", split=(i % 2 == 0))
            want = reply_bytes(f"/slow{i}", b"body")
            check(receive_exactly(sock, len(want)) == want, f"reply {i} must arrive intact")
    stats = s.stop()
    check(stats["delayed_request"] + stats["delayed_reply"] == 8,
          f"each of the 8 requests is delayed once: {stats}")
    expect_counts(stats, requests=8, forwarded=8, delayed_request=stats["delayed_request"],
                  delayed_reply=stats["delayed_reply"])


@case
def upstream_unavailable(proxy, workdir):
    """No server behind the proxy: the client's connection is closed and counted."""
    with socket.socket() as placeholder:
        placeholder.bind(("127.0.0.1", 0))
        dead_port = placeholder.getsockname()[1]  # bound, never listening: refuses
        s = Setup(proxy, workdir, upstream_port=dead_port)
        with connect(s.port) as sock:
            try:
                send_request(sock, "/nobody", b"body")
            except (BrokenPipeError, ConnectionResetError):
                pass
            check(receive_until_closed(sock) == b"", "the client must get no bytes")
        expect_counts(s.stop(), requests=0, forwarded=0, upstream_unavailable=1)


@case
def mixed_faults_are_counted(proxy, workdir):
    """Every class at 0.2: 150 requests, each on a new connection, all classes hit, every
    request counted once, and the replies that pass are intact."""
    s = Setup(proxy, workdir, drop_request=0.2, cut=0.2, drop_reply=0.2, delay=0.2,
              max_delay_ms=5, seed=20261122)
    intact = 0
    for i in range(150):
        with connect(s.port) as sock:
            send_request(sock, f"/m{i}", b"b")
            want = reply_bytes(f"/m{i}", b"b")
            got = receive_exactly_or_eof(sock, len(want))
            check(got in (b"", want), f"request {i}: a reply is whole or absent, got {got!r}")
            intact += got == want
    stats = s.stop()
    for name in ("dropped_request", "cut", "dropped_reply", "delayed_request",
                 "delayed_reply"):
        check(stats[name] > 0, f"{name} must be hit in 150 requests at 0.2: {stats}")
    check(stats["requests"] == 150, f"150 requests counted: {stats}")
    check(intact == stats["forwarded"], f"{intact} intact replies, "
          f"{stats['forwarded']} forwarded: {stats}")
    expect_counts(stats, **{k: stats[k] for k in stats})


def receive_exactly_or_eof(sock, size):
    try:
        return receive_exactly(sock, size)
    except ConnectionResetError:
        return b""


@case
def sigterm_writes_counts(proxy, workdir):
    """SIGTERM with a connection open and a delayed reply pending: exit 0, counts written."""
    s = Setup(proxy, workdir, delay=1.0, max_delay_ms=2000, seed=3)
    sock = connect(s.port)
    send_request(sock, "/pending", b"body")
    time.sleep(0.1)
    stats = s.stop()
    sock.close()
    expect_counts(stats, requests=1, forwarded=1, delayed_request=stats["delayed_request"],
                  delayed_reply=stats["delayed_reply"], connections=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proxy", required=True, help="path of the chaos-proxy binary")
    parser.add_argument("--case", required=True, choices=sorted(CASES))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="chaos-proxy-test-") as workdir:
        try:
            CASES[args.case](args.proxy, workdir)
        except CheckFailed as failure:
            print(f"FAILED {args.case}: {failure}")
            err = os.path.join(workdir, "proxy.err")
            if os.path.exists(err):
                print("chaos-proxy stderr:\n" + open(err).read()[-3000:])
            return 1
        finally:
            for proc in STARTED:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
    print(f"ok {args.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
