#!/usr/bin/env python3
"""The ABI guard: libledger.so and ledger_c.h still offer every function and enum value of
the checked-in list (tests/abi/ledger_c_abi.txt), unchanged.

  abi_guard_test.py --list LIST --library LIBLEDGER_SO --include DIR --cc CC [--nm NM]
                    [--doctor HOW]

Fails (exit 1, saying which and what to do) when
  - a listed function is not exported by the library (nm -D), or the library exports a
    ledger_* function the list does not have (an addition must be recorded deliberately),
    or exports a listed function at another symbol version than the list's version_node
    (a program linked against ledger_open@LEDGER_1 would no longer load);
  - a listed function's signature in the header differs from the list, or the header
    declares a function the list does not have: checked by the C compiler, which must
    accept `RET (*const check)(PARAMS) = name;` for each listed prototype;
  - an enum constant is missing or has another value: `_Static_assert(NAME == value)`, or
    the header defines one the list does not have;
  - LEDGER_ABI_VERSION differs from the list's abi_version.
With --doctor the guard checks a doctored copy of the list and passes only if it refuses
it: value (an enum value changed), signature (ledger_transfer's amount made int32_t),
removed (a function the library no longer has), unrecorded (ledger_free left out),
unrecorded-enum (LEDGER_CLASS_MALFORMED left out), node (another symbol version).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile


def read_list(path):
    functions, enums, abi_version, node = {}, {}, None, None
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            kind, _, rest = line.partition(" ")
            if kind == "function":
                match = re.search(r"\b(ledger_\w+)\s*\(", rest)
                if not match:
                    sys.exit(f"{path}:{number}: no ledger_* function name in '{line}'")
                functions[match.group(1)] = rest
            elif kind == "enum":
                name, value = rest.split()
                enums[name] = int(value)
            elif kind == "abi_version":
                abi_version = int(rest)
            elif kind == "version_node":
                node = rest.strip()
            else:
                sys.exit(f"{path}:{number}: unknown line '{line}'")
    return functions, enums, abi_version, node


def exported_functions(nm, library):
    """name -> symbol version node ("" when unversioned) of each exported ledger_* function."""
    out = subprocess.run([nm, "-D", "--defined-only", library], check=True,
                         capture_output=True, text=True).stdout
    names = {}
    for line in out.splitlines():
        parts = line.split()
        # "0000000000012345 T ledger_open" or with a version suffix "ledger_open@@LEDGER_1"
        if len(parts) == 3 and parts[1] in ("T", "W"):
            name, _, node = parts[2].partition("@")
            if name.startswith("ledger_"):
                names[name] = node.lstrip("@")
    return names


def header_functions(header):
    text = open(header, encoding="utf-8").read()
    return set(re.findall(r"LEDGER_C_API\s+[^;]*?\b(ledger_\w+)\s*\(", text, re.S))


def header_enum_constants(header):
    """Every enumerator of ledger_c.h's enums (comments removed first)."""
    text = open(header, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", re.sub(r"/\*.*?\*/", " ", text, flags=re.S))
    names = set()
    for body in re.findall(r"\benum\s+\w+\s*\{([^}]*)\}", text):
        names.update(re.findall(r"^\s*([A-Z][A-Z0-9_]*)\s*(?:=|$)", body.replace(",", "\n"),
                                re.M))
    return names


def compile_checks(cc, include_dir, functions, enums, abi_version):
    """The compiler's verdict on every signature and value; returns its error lines."""
    lines = ["#include \"ledger/ledger_c.h\"", ""]
    for name, prototype in functions.items():
        pointer = prototype.replace(f"{name}(", f"(*const check_{name})(", 1)
        lines.append(f"{pointer} = {name};")
    lines.append("")
    for name, value in enums.items():
        lines.append(f"_Static_assert({name} == {value}, \"{name} changed: it must stay {value}\");")
    lines.append(f"_Static_assert(LEDGER_ABI_VERSION == {abi_version}, "
                 f"\"LEDGER_ABI_VERSION is not {abi_version}\");")
    lines.append("int main(void) { return 0; }")
    with tempfile.TemporaryDirectory(prefix="ledger-abi-") as tmp:
        source = os.path.join(tmp, "abi_check.c")
        with open(source, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        result = subprocess.run(
            [cc, "-std=c11", "-Wall", "-Wextra", "-pedantic", "-Werror",
             "-Wno-unused-const-variable", "-fsyntax-only", "-I", include_dir, source],
            capture_output=True, text=True)
    return [] if result.returncode == 0 else [l for l in result.stderr.splitlines()
                                               if "error" in l]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", required=True)
    parser.add_argument("--library", required=True)
    parser.add_argument("--include", required=True)
    parser.add_argument("--cc", required=True)
    parser.add_argument("--nm", default="nm", help="the nm CMake found (CMAKE_NM)")
    parser.add_argument("--doctor", choices=["value", "signature", "removed", "unrecorded",
                                             "unrecorded-enum", "node"])
    args = parser.parse_args()

    functions, enums, abi_version, node = read_list(args.list)
    if args.doctor == "value":
        enums["LEDGER_OUTCOME_INSUFFICIENT_FUNDS"] += 100
    elif args.doctor == "signature":
        functions["ledger_transfer"] = functions["ledger_transfer"].replace(
            "int64_t amount_minor", "int32_t amount_minor")
    elif args.doctor == "removed":
        functions["ledger_gone"] = "int ledger_gone(ledger_handle* ledger)"
    elif args.doctor == "unrecorded":
        del functions["ledger_free"]
    elif args.doctor == "unrecorded-enum":
        del enums["LEDGER_CLASS_MALFORMED"]
    elif args.doctor == "node":
        node = "LEDGER_2"
    problems = []
    if abi_version is None or node is None or not functions or not enums:
        problems.append(f"{args.list} lists no abi_version, version_node, functions or enum "
                        "values")

    exported = exported_functions(args.nm, args.library)
    for name in sorted(set(functions) & set(exported)):
        if exported[name] != node:
            problems.append(f"{args.library} exports {name} at symbol version "
                            f"'{exported[name]}', not {node}: programs linked against "
                            f"{name}@{node} would no longer load; keep cmake/ledger.map's node")
    for name in sorted(set(functions) - set(exported)):
        problems.append(f"{name} is in the ABI list but {args.library} does not export it: "
                        "a function of ABI 1 must never disappear")
    for name in sorted(set(exported) - set(functions)):
        problems.append(f"{args.library} exports {name}, which the ABI list does not have: "
                        f"add its prototype to {args.list} (new functions are recorded "
                        "deliberately)")
    header = os.path.join(args.include, "ledger", "ledger_c.h")
    for name in sorted(header_functions(header) - set(functions)):
        problems.append(f"ledger_c.h declares {name}, which the ABI list does not have: add its "
                        f"prototype to {args.list}")
    for name in sorted(header_enum_constants(header) - set(enums)):
        problems.append(f"ledger_c.h defines {name}, which the ABI list does not have: add "
                        f"`enum {name} VALUE` to {args.list} (its value is fixed for ever once "
                        "released)")
    for error in compile_checks(args.cc, args.include, functions, enums, abi_version or 0):
        problems.append(f"the header does not match the ABI list: {error}")

    for problem in problems:
        print(f"ABI guard: {problem}")
    print(f"ABI guard: {len(functions)} functions, {len(enums)} enum values, "
          f"ABI {abi_version}: {'FAILED' if problems else 'unchanged'}")
    failed = bool(problems)
    if args.doctor:
        print(f"ABI guard refused the doctored list ({args.doctor}), as it must" if failed else
              f"ABI guard accepted a doctored list ({args.doctor}): the guard is broken")
        return 0 if failed else 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
