"""End-to-end cases of ledgerctl's documentation: --help on every command, and the README
section's shell blocks run as written. Imported by cli_test.py, which runs them."""

import os
import re
import subprocess

from common import case
from harness import Result, check, scaled_timeout

COMMAND_PATHS = [[], ["init"], ["account"], ["account", "create"], ["account", "list"],
                 ["account", "show"], ["key"], ["key", "issue"], ["key", "show"],
                 ["key", "list"], ["key", "purge"], ["transfer"], ["journal"], ["verify"],
                 ["backup"], ["stats"], ["upgrade"], ["pending"], ["pending", "reserve"],
                 ["pending", "post"], ["pending", "void"], ["pending", "list"],
                 ["pending", "expire"], ["reverse"], ["batch"]]


@case
def help_everywhere(ctl):
    """--help (and -h) on every command and group exits 0 and shows usage and an example,
    without a ledger."""
    for path in COMMAND_PATHS:
        for flag in ("--help", "-h"):
            result = ctl.run(*path, flag, use_db=False).expect(0)
            usage = " ".join(["Usage: ledgerctl"] + path)
            check(usage in result.stdout and "Example:" in result.stdout
                  and "ledgerctl " in result.stdout.split("Example:")[1],
                  "help shows the usage and an example", result)
            check(result.stderr == "", "help prints nothing on stderr", result)
    main_help = ctl.run("--help", use_db=False).expect(0).stdout
    listed = [line.split()[0] for line in main_help.splitlines() if line.startswith("  ")
              and line.split() and line.split()[0].isdigit()]
    check(listed == list("012345"), f"--help lists the exit codes 0-5, got {listed}")


VERSION_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "include",
                         "ledger", "version.h")


def header_version():
    """LEDGER_VERSION_STRING and LEDGER_ABI_VERSION as include/ledger/version.h defines them."""
    with open(VERSION_H) as handle:
        text = handle.read()
    version = re.search(r'#define LEDGER_VERSION_STRING "([^"]+)"', text).group(1)
    abi = re.search(r"#define LEDGER_ABI_VERSION (\d+)", text).group(1)
    return version, abi


@case
def version_flag(ctl):
    """--version, local and with --remote (no server is asked), prints the library's version,
    C ABI and file format and exits 0 without a ledger; `stats` shows the file's format."""
    version, abi = header_version()
    expected = re.compile(rf"^ledgerctl {re.escape(version)} \(C ABI {abi}, file format "
                          r"([1-9][0-9]*)\)\n$")
    local = ctl.run("--version", use_db=False).expect(0)
    match = expected.match(local.stdout)
    check(match is not None, f"--version prints 'ledgerctl {version} (C ABI {abi}, ...)'", local)
    remote = ctl.run("--remote", "http://127.0.0.1:9", "--version", use_db=False).expect(0)
    check(remote.stdout == local.stdout, "--remote --version prints the same line", remote)
    ctl.run("init").expect(0)
    stats = ctl.run("stats", "--json").expect(0).json()
    check(match is not None and stats["file_format_version"] == int(match.group(1)) ==
          stats["schema_version"], "stats shows the file format version --version names", local)
    text = ctl.run("stats").expect(0).stdout
    check(match is not None and f"file format version:   {match.group(1)}" in text,
          "stats' text names the file format version", local)


# --- the README's worked session --------------------------------------------------------

README = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "README.md")
SECTION_HEADING = "\n## ledgerctl\n"


def readme_script():
    """Every ```sh block of README.md's ledgerctl section, in order, as one script."""
    with open(README) as handle:
        text = handle.read()
    begin = text.index(SECTION_HEADING)
    end = text.find("\n## ", begin + len(SECTION_HEADING))
    text = text[begin:] if end < 0 else text[begin:end]
    blocks = []
    start = text.find("```sh\n")
    while start >= 0:
        start += len("```sh\n")
        end = text.index("```", start)
        blocks.append(text[start:end])
        start = text.find("```sh\n", end)
    return "".join(blocks)


def ledgerctl_on_path(ctl):
    """A directory holding `ledgerctl`: the real binary, or with the exit0 mutant a
    wrapper that hides its exit codes."""
    bin_dir = os.path.join(ctl.workdir, "bin")
    os.mkdir(bin_dir)
    target = os.path.join(bin_dir, "ledgerctl")
    if ctl.mutant == "exit0":
        with open(target, "w") as handle:
            handle.write(f'#!/bin/sh\n"{ctl.binary}" "$@"\nexit 0\n')
        os.chmod(target, 0o755)
    else:
        os.symlink(ctl.binary, target)
    return bin_dir


@case
def readme_session(ctl):
    """The shell blocks of the README section (the worked session, then the POS example)
    run as written, under bash -euo pipefail, and print what their comments say."""
    env = {"PATH": ledgerctl_on_path(ctl) + os.pathsep + os.environ.get("PATH", ""),
           "TMPDIR": ctl.workdir}
    env = {**{k: v for k, v in os.environ.items() if k != "LEDGER_DB"}, **env}
    proc = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_script()],
                          capture_output=True, text=True, cwd=ctl.workdir, env=env,
                          timeout=scaled_timeout(120))
    result = Result(["<README session>"], proc.returncode, proc.stdout, proc.stderr)
    result.expect(0)
    for expected in ("created ledger shop.db", "exit 3", "exit 1", "exit 2",
                     "customer:42  EUR         37.66", "verify ok", "0 violations",
                     '"posted_minor":1500,"principal":"till:7","released_minor":500,',
                     '"reversed_minor":234',
                     '{"line":2,"outcome":"insufficient_funds"', "balance:         24.00",
                     "ok: 3 accounts, 6 journal rows, 8 keys, 8 outcomes, 3 events, 0 closings checked",
                     "created ledger pos.db", "available:       400.00",
                     '"released_minor":3860,',
                     '"outcome":"linked_batch_failed"', "safe       EUR        420.00",
                     "ok: 8 accounts, 11 journal rows, 15 keys, 15 outcomes, 8 events, 0 closings checked"):
        check(expected in proc.stdout, f"the session prints {expected!r}", result)
    check(proc.stdout.count("exit 1") == 5, "five stored rejections in the session", result)
