#!/usr/bin/env python3
"""The ABI guard: libledger.so.1 and include/ledger/ledger_c.h still offer every C function,
signature and enum value recorded in tests/abi/ledger_c_abi.txt, and nothing the list lacks.

usage: abi_guard_test.py --list LIST --library LIB --include DIR --cc CC [--nm NM]
                         [--self-test]

Within ABI version 1 a function is never removed and never changes its signature, and an
enum value never changes (ledger_c.h, "Rules of the ABI"). The list is the record of that
promise, so this test fails when:
  - a listed symbol is no longer exported by the library (nm -D --defined-only), or is
    exported at another symbol version than the list's version_node;
  - the library exports a ledger_* C symbol, or the header declares a function or an enum
    constant, that the list lacks (additions are recorded deliberately: the message gives
    the line to add);
  - a listed enum value or LEDGER_ABI_VERSION differs, or a listed function's signature
    differs: a generated C11 file of _Static_asserts, compiled with the build's C compiler
    against the header, must compile.
Exit 0 when all hold, 1 naming each violation. --self-test runs the guard on doctored copies
of the list (a missing symbol, a wrong value, ...) and passes only if each one is caught.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

LIST_HELP = "tests/abi/ledger_c_abi.txt"


class Abi:
    """The parsed list: symbols with their signatures, constants with their values."""

    def __init__(self):
        self.version_node = None
        self.symbols = {}    # name -> "RET (PARAMS)"
        self.constants = {}  # name -> int (enum constants and LEDGER_ABI_VERSION)


def parse_list(path):
    abi = Abi()
    problems = []
    with open(path, encoding="utf-8") as handle:
        for number, raw in enumerate(handle, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(None, 2)
            where = f"{path}:{number}"
            if words[0] == "version_node" and len(words) == 2:
                abi.version_node = words[1]
            elif words[0] == "symbol" and len(words) == 3 and "(" in words[2]:
                if words[1] in abi.symbols:
                    problems.append(f"{where}: symbol {words[1]} is listed twice")
                abi.symbols[words[1]] = words[2]
            elif words[0] in ("enum", "define") and len(words) == 3 and \
                    re.fullmatch(r"-?[0-9]+", words[2]):
                if words[1] in abi.constants:
                    problems.append(f"{where}: {words[1]} is listed twice")
                abi.constants[words[1]] = int(words[2])
            else:
                problems.append(f"{where}: not `symbol NAME RET (PARAMS)`, `enum NAME VALUE`, "
                                f"`define NAME VALUE` or `version_node NODE`: {line!r}")
    if abi.version_node is None:
        problems.append(f"{path}: no `version_node NODE` line (the version script's node, "
                        "e.g. LEDGER_1)")
    return abi, problems


# --- what the header declares ------------------------------------------------------------

def without_comments(text):
    return re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", " ", text, flags=re.DOTALL))


def signature_of(return_type, params):
    """"int (const char*, unsigned)" from a declaration's return type and parameters: each
    parameter loses its name."""
    types = []
    for param in params.split(","):
        param = " ".join(param.split())
        if param != "void":
            param = re.sub(r"\s*\b[A-Za-z_]\w*$", "", param)
        types.append(param.replace(" *", "*"))
    return f"{' '.join(return_type.split()).replace(' *', '*')} ({', '.join(types)})"


def header_declarations(include_dir):
    """The functions ledger_c.h declares (name -> signature) and the enum constants it and
    version.h define (name -> value, None when not a plain number)."""
    with open(os.path.join(include_dir, "ledger", "ledger_c.h"), encoding="utf-8") as handle:
        header = without_comments(handle.read())
    functions = {m.group(2): signature_of(m.group(1), m.group(3)) for m in re.finditer(
        r"LEDGER_C_API\s+([^;(]*?)\b(ledger_\w+)\s*\(([^)]*)\)\s*;", header)}
    constants = {}
    for body in re.findall(r"\benum\s+\w+\s*\{([^}]*)\}", header):
        for item in body.split(","):
            match = re.fullmatch(r"\s*([A-Z][A-Z0-9_]*)\s*(?:=\s*(-?[0-9]+))?\s*", item)
            if match:
                constants[match.group(1)] = int(match.group(2)) if match.group(2) else None
    with open(os.path.join(include_dir, "ledger", "version.h"), encoding="utf-8") as handle:
        abi = re.search(r"^#define LEDGER_ABI_VERSION ([0-9]+)", handle.read(), re.MULTILINE)
    constants["LEDGER_ABI_VERSION"] = int(abi.group(1)) if abi else None
    return functions, constants


def suggested_constant_line(name, value):
    kind = "define" if name == "LEDGER_ABI_VERSION" else "enum"
    return f"{kind} {name} {value if value is not None else 'VALUE'}"


def check_header(abi, include_dir):
    functions, constants = header_declarations(include_dir)
    problems = []
    for name, signature in sorted(functions.items()):
        if name not in abi.symbols:
            problems.append(f"ledger_c.h declares {name}, which {LIST_HELP} lacks: a new "
                            f"function is part of the ABI for ever; record it by adding "
                            f"`symbol {name} {signature}`")
    for name in sorted(set(abi.symbols) - set(functions)):
        problems.append(f"{name} is listed in {LIST_HELP} but ledger_c.h no longer declares "
                        "it: a function is never removed within an ABI version; restore its "
                        "declaration")
    for name, value in sorted(constants.items()):
        if name not in abi.constants:
            problems.append(f"ledger_c.h defines {name}, which {LIST_HELP} lacks: its value is "
                            f"fixed for ever once released; record it by adding "
                            f"`{suggested_constant_line(name, value)}`")
    return problems


# --- what the library exports -------------------------------------------------------------

def exported_symbols(nm, library):
    """name -> symbol version node of every defined dynamic symbol of `library`."""
    proc = subprocess.run([nm, "-D", "--defined-only", library], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"`{nm} -D --defined-only {library}` failed ({proc.returncode}): "
                         f"{proc.stderr.strip()}; build the library first (cmake --build "
                         "build --target ledger-shared)")
    symbols = {}
    for line in proc.stdout.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        name, _, node = fields[-1].partition("@")
        symbols[name] = node.lstrip("@")
    return symbols


def check_library(abi, nm, library, include_dir):
    exported = exported_symbols(nm, library)
    problems = []
    lib = os.path.basename(library)
    for name in sorted(abi.symbols):
        if name not in exported:
            problems.append(f"{name} is listed in {LIST_HELP} but {lib} no longer exports it: "
                            "programs linked against this ABI would fail to load; restore the "
                            "function (or check cmake/ledger.map)")
        elif exported[name] != abi.version_node:
            problems.append(f"{lib} exports {name} at symbol version {exported[name] or 'none'}"
                            f", not {abi.version_node}: programs linked against {name}@"
                            f"{abi.version_node} would fail to load; keep cmake/ledger.map's "
                            "node")
    functions, _ = header_declarations(include_dir)
    for name in sorted(exported):
        if name.startswith("ledger_") and name not in abi.symbols:
            signature = functions.get(name, "RET (PARAMS)")
            problems.append(f"{lib} exports {name}, which {LIST_HELP} lacks: every exported C "
                            f"symbol is part of the ABI for ever; declare it in ledger_c.h and "
                            f"record it by adding `symbol {name} {signature}`, or keep it out "
                            "of the export list")
    return problems


# --- values and signatures, checked by the C compiler -------------------------------------

def assertions(abi):
    """(what, C11 line) for every constant and signature of the list."""
    lines = []
    for name, value in sorted(abi.constants.items()):
        lines.append((f"{name} == {value}",
                      f'_Static_assert({name} == {value}, "{name} must be {value}");'))
    for name, signature in sorted(abi.symbols.items()):
        ret, _, params = signature.partition("(")
        pointer = f"{ret.strip()} (*)({params}"
        lines.append((f"{name} has the signature {signature}",
                      f"_Static_assert(_Generic(&{name}, {pointer}: 1, default: 0), "
                      f'"{name} must be {signature}");'))
    return lines


def compiles(cc, include_dir, lines, workdir, name):
    source = os.path.join(workdir, name)
    with open(source, "w", encoding="utf-8") as handle:
        handle.write('#include "ledger/ledger_c.h"\n' + "\n".join(lines) + "\n")
    proc = subprocess.run([cc, "-std=c11", "-pedantic-errors", "-fsyntax-only",
                           f"-I{include_dir}", source], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    return proc.returncode == 0, proc.stdout


def check_compiled(abi, cc, include_dir):
    checks = assertions(abi)
    with tempfile.TemporaryDirectory(prefix="abi-guard-") as workdir:
        ok, output = compiles(cc, include_dir, [line for _, line in checks], workdir, "abi.c")
    if ok:
        return []
    # GCC and Clang both report FILE:LINE:COLUMN: error; line 1 is the #include, so the
    # assertion on line n is checks[n - 2].
    lines = {int(m.group(1)) for m in re.finditer(r"abi\.c:([0-9]+):[0-9]+: error", output)}
    failed = [checks[n - 2][0] for n in sorted(lines) if 2 <= n < len(checks) + 2]
    if not failed:
        return [f"the generated C11 file does not compile with {cc} (the header itself?):\n"
                f"{output}"]
    return [f"ledger_c.h no longer satisfies `{what}` (recorded in {LIST_HELP}): enum values "
            "and signatures are fixed for ever within an ABI version; restore it" for what
            in failed]


def run_guard(args):
    abi, problems = parse_list(args.list)
    if not problems:
        problems += check_header(abi, args.include)
        problems += check_library(abi, args.nm, args.library, args.include)
        problems += check_compiled(abi, args.cc, args.include)
    for problem in problems:
        print(f"ABI: {problem}")
    if problems:
        return 1
    print(f"ABI ok: {len(abi.symbols)} functions and {len(abi.constants)} values of "
          f"{os.path.basename(args.list)} match {os.path.basename(args.library)} and ledger_c.h")
    return 0


# --- proof that the guard can fail --------------------------------------------------------

def doctorings(text):
    """(what, doctored list text, a word the guard's report must contain)."""
    def replace(pattern, new):
        changed = re.sub(pattern, new, text, count=1, flags=re.MULTILINE)
        assert changed != text, f"the list has no line matching {pattern!r}"
        return changed
    return [
        ("a listed symbol the library does not export", text + "symbol ledger_gone int (void)\n",
         "ledger_gone is listed"),
        ("an exported and declared function missing from the list",
         replace(r"^symbol ledger_void .*\n", ""), "exports ledger_void"),
        ("a wrong enum value", replace(r"^enum LEDGER_OUTCOME_INSUFFICIENT_FUNDS 4$",
                                       "enum LEDGER_OUTCOME_INSUFFICIENT_FUNDS 5"),
         "LEDGER_OUTCOME_INSUFFICIENT_FUNDS == 5"),
        ("an enum constant missing from the list", replace(r"^enum LEDGER_CLASS_MALFORMED 3\n",
                                                           ""), "defines LEDGER_CLASS_MALFORMED"),
        ("a wrong ABI version", replace(r"^define LEDGER_ABI_VERSION 1$",
                                        "define LEDGER_ABI_VERSION 2"), "LEDGER_ABI_VERSION == 2"),
        ("a changed signature", replace(r"^symbol ledger_abi_version int \(void\)$",
                                        "symbol ledger_abi_version long (void)"),
         "ledger_abi_version has the signature long (void)"),
        ("another symbol version node", replace(r"^version_node .*$", "version_node LEDGER_2"),
         "not LEDGER_2"),
    ]


def self_test(args):
    with open(args.list, encoding="utf-8") as handle:
        text = handle.read()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="abi-guard-self-") as workdir:
        for what, doctored, expected in doctorings(text):
            path = os.path.join(workdir, "doctored_abi.txt")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(doctored)
            proc = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--list", path, "--library",
                 args.library, "--include", args.include, "--cc", args.cc, "--nm", args.nm],
                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            caught = proc.returncode == 1 and expected in proc.stdout
            print(f"{'caught' if caught else 'MISSED'}: {what}")
            if not caught:
                failures += 1
                print(f"  expected exit 1 and {expected!r}; got exit {proc.returncode}:\n"
                      f"{proc.stdout}")
    if failures:
        print(f"the ABI guard missed {failures} doctored list(s): it would let an ABI break "
              "through; fix abi_guard_test.py")
        return 1
    print("the ABI guard caught every doctored list")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", required=True, help=LIST_HELP)
    parser.add_argument("--library", required=True, help="libledger.so.1")
    parser.add_argument("--include", required=True, help="the directory holding ledger/")
    parser.add_argument("--cc", required=True, help="the C compiler CMake uses")
    parser.add_argument("--nm", default="nm")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    return self_test(args) if args.self_test else run_guard(args)


if __name__ == "__main__":
    sys.exit(main())
