#!/usr/bin/env python3
"""ledgerd over TLS (--tls-cert/--tls-key) and its command-line exits.

Goal: with a certificate the server speaks https only and says so on its first line; a
client trusting that certificate moves money, a plain-http client gets nothing; bad TLS
files, a bad command line and a missing ledger exit 1, 2 and 5.
Method: a self-signed certificate for 127.0.0.1 made now with the openssl CLI.
"""

import http.client
import os
import ssl
import subprocess
import sys

from ledgerd_harness import (Server, check, read_line_within, run_cases, scaled_timeout,
                             store_ledger, transfer_body)


def make_certificate(workdir):
    cert, key = os.path.join(workdir, "cert.pem"), os.path.join(workdir, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                    "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   timeout=scaled_timeout(60))
    return cert, key


def https(ledgerctl, ledgerd, workdir):
    ledger = store_ledger(ledgerctl, workdir)
    cert, key = make_certificate(workdir)
    with Server(ledgerd, ledger.db, "--tls-cert", cert, "--tls-key", key,
                ca_file=cert) as server:
        check(server.url.startswith("https://127.0.0.1:"), f"first line said {server.url}")
        t7 = ledger.tokens["till7"]
        sale = transfer_body("customer:1", "till:7", "9.99")
        first = server.request("POST", "/v1/transfers", t7, key="tls-1", body=sale).expect(201)
        again = server.request("POST", "/v1/transfers", t7, key="tls-1", body=sale).expect(201)
        check(again.body == first.body and again.header("Idempotent-Replayed") == "true",
              again.describe())
        plain = http.client.HTTPConnection("127.0.0.1", server.port,
                                           timeout=scaled_timeout(10))
        try:
            plain.request("GET", "/healthz")
            status = plain.getresponse().status
        except (http.client.HTTPException, OSError):
            status = None
        check(status is None, f"plain http on the TLS port got status {status}")
        untrusting = http.client.HTTPSConnection(
            "127.0.0.1", server.port, context=ssl.create_default_context(),
            timeout=scaled_timeout(10))
        try:
            untrusting.request("GET", "/healthz")
            untrusting.getresponse()
            check(False, "a client that does not trust the certificate connected")
        except ssl.SSLError:
            pass
        check(server.stop() == 0, "ledgerd did not exit 0 after SIGTERM")


def exit_codes(ledgerctl, ledgerd, workdir):
    ledger = store_ledger(ledgerctl, workdir)

    def run(*args):
        proc = subprocess.run([ledgerd] + [str(a) for a in args], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=scaled_timeout(30))
        return proc.returncode, proc.stderr

    missing = os.path.join(workdir, "missing.pem")
    for args, expected in (
            ([], 2),
            (["--db", ledger.db], 2),
            (["--db", ledger.db, "--listen", "127.0.0.1"], 2),
            (["--db", ledger.db, "--listen", "127.0.0.1:99999"], 2),
            (["--db", ledger.db, "--listen", "127.0.0.1:0", "--threads", "0"], 2),
            (["--db", ledger.db, "--listen", "127.0.0.1:0", "--tls-cert", missing], 2),
            (["--db", ledger.db, "--listen", "127.0.0.1:0", "--durability", "fast"], 2),
            (["--db", os.path.join(workdir, "nope.db"), "--listen", "127.0.0.1:0"], 5),
            (["--db", ledger.db, "--listen", "127.0.0.1:0", "--tls-cert", missing,
              "--tls-key", missing], 1)):
        code, stderr = run(*args)
        check(code == expected, f"ledgerd {' '.join(args)} exited {code}, not {expected}:\n"
                                f"{stderr}")
    not_a_ledger = os.path.join(workdir, "text.db")
    with open(not_a_ledger, "w") as handle:
        handle.write("not a database\n" * 100)
    code, stderr = run("--db", not_a_ledger, "--listen", "127.0.0.1:0")
    check(code == 5, f"a text file as --db exited {code}:\n{stderr}")
    # Two servers cannot listen on one port: the second exits 1.
    with Server(ledgerd, ledger.db) as server:
        code, stderr = run("--db", ledger.db, "--listen", f"127.0.0.1:{server.port}")
        check(code == 1 and "listen" in stderr, f"a taken port exited {code}:\n{stderr}")


CASES = {"https": https, "exit_codes": exit_codes}

if __name__ == "__main__":
    sys.exit(run_cases(CASES, sys.argv[1:]))
