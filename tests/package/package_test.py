#!/usr/bin/env python3
"""The installed package works for a program outside this source tree (README "Embedding").

  package_test.py install --build DIR ...   cmake --install into a temporary prefix, then
      check what is there, build and run the CMake consumer (shared and static) and the
      pkg-config consumer (C, shared and static), SONAME, and the tools' --version.
  package_test.py deb --build DIR ...       cpack -G DEB, dpkg -x into a temporary root,
      check the package's fields and files, then build and run both consumers against the
      unpacked root (the package is relocatable).

Every check that fails is printed with what was expected; the exit status is 1 if any
failed. The temporary directory is removed at the end.
"""
import argparse
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CONSUMERS = os.path.join(HERE, "consumers")
HEADERS = ["error.h", "fiscal.h", "ledger.h", "ledger_c.h", "money.h", "shared_ledger.h", "types.h",
           "version.h"]
C_HEADERS = ["ledger_c.h", "version.h"]


class Failed(Exception):
    """A check failed; the message says what was expected and what was found."""


def run(command, env=None, cwd=None):
    """Runs a command; returns its stdout. A failure raises Failed with its output."""
    print("+ " + " ".join(shlex.quote(c) for c in command), flush=True)
    result = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise Failed(f"{command[0]} exited {result.returncode}:\n{result.stdout}")
    return result.stdout


def check(condition, message):
    if not condition:
        raise Failed(message)
    print("ok: " + message, flush=True)


def clean_env(**extra):
    """The environment of a consumer: nothing of the caller's library or package paths."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("LD_LIBRARY_PATH", "PKG_CONFIG_PATH", "CMAKE_PREFIX_PATH")}
    env.update(extra)
    return env


def files_under(root):
    found = set()
    for directory, _, names in os.walk(root):
        for name in names:
            found.add(os.path.relpath(os.path.join(directory, name), root))
    return found


def expected_files(args):
    lib, inc, bindir = args.libdir, args.includedir, args.bindir
    files = {f"{bindir}/ledgerctl", f"{bindir}/ledgerd", f"{lib}/libledger.a",
             f"{lib}/libledger.so", f"{lib}/libledger.so.{args.abi}",
             f"{lib}/libledger.so.{args.version}", f"{lib}/pkgconfig/ledger.pc",
             f"{lib}/cmake/ledger/ledgerConfig.cmake",
             f"{lib}/cmake/ledger/ledgerConfigVersion.cmake",
             f"{lib}/cmake/ledger/ledgerTargets.cmake"}
    return files | {f"{inc}/ledger/{h}" for h in HEADERS}


def check_files(root, args):
    """Exactly the package's files are under `root` (plus one ledgerTargets-<config>)."""
    found = files_under(root)
    pattern = re.escape(args.libdir) + r"/cmake/ledger/ledgerTargets-\w+\.cmake"
    per_config = {f for f in found if re.fullmatch(pattern, f)}
    check(len(per_config) == 1, f"one ledgerTargets-<config>.cmake under {root}: {per_config}")
    missing = sorted(expected_files(args) - found)
    extra = sorted(found - expected_files(args) - per_config)
    check(not missing and not extra,
          f"{root} holds exactly the package's files (missing {missing}, unexpected {extra})")
    lib = os.path.join(root, args.libdir)
    check(os.readlink(os.path.join(lib, "libledger.so")) == f"libledger.so.{args.abi}" and
          os.readlink(os.path.join(lib, f"libledger.so.{args.abi}")) ==
          f"libledger.so.{args.version}",
          f"libledger.so -> libledger.so.{args.abi} -> libledger.so.{args.version}")


def check_no_build_paths(root, args):
    """No installed text file names the source or build tree, or a test-only definition."""
    for directory in (args.includedir, os.path.join(args.libdir, "cmake"),
                      os.path.join(args.libdir, "pkgconfig")):
        for relative in sorted(files_under(os.path.join(root, directory))):
            path = os.path.join(root, directory, relative)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            leaks = [leak for leak in (args.source, args.build, "LEDGER_FAILPOINTS",
                                       "BUILD_INTERFACE") if leak in text]
            check(not leaks, f"{os.path.join(directory, relative)} names nothing of the "
                             f"build tree {leaks}")


def check_soname(lib, args):
    dynamic = run(["readelf", "-d", os.path.join(lib, f"libledger.so.{args.abi}")])
    check(f"Library soname: [libledger.so.{args.abi}]" in dynamic,
          f"the SONAME of libledger.so.{args.abi} is libledger.so.{args.abi} "
          f"(LEDGER_ABI_VERSION)")


def check_headers(prefix, args):
    """Each installed header compiles alone with only the prefix's include directory."""
    include = os.path.join(prefix, args.includedir)
    for header in HEADERS:
        compile_alone(args.cxx, ["-std=c++20", "-x", "c++"], include, header)
    for header in C_HEADERS:
        compile_alone(args.cc, ["-std=c99", "-pedantic", "-x", "c"], include, header)


def compile_alone(compiler, flags, include, header):
    with tempfile.NamedTemporaryFile("w", suffix=".src") as source:
        # A declaration of its own: version.h alone is empty C, which -pedantic refuses.
        source.write(f"#include <ledger/{header}>\ntypedef int header_compiles_alone;\n")
        source.flush()
        run([compiler, *flags, "-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-I", include,
             source.name])
    print(f"ok: ledger/{header} compiles alone ({' '.join(flags)})", flush=True)


def resolved_library(binary, env):
    """The file the dynamic loader maps for libledger.so.N in `binary`, or None."""
    for line in run(["ldd", binary], env=env).splitlines():
        match = re.match(r"\s*libledger\.so\.\d+ => (\S+)", line)
        if match:
            return os.path.realpath(match.group(1))
    return None


def run_consumer(binary, work, env):
    ledger_file = os.path.join(work, os.path.basename(binary) + ".ledger")
    output = run([binary, ledger_file], env=env)
    print(output, end="", flush=True)
    check("consumer: all checks passed" in output, f"{os.path.basename(binary)} passed")


def cmake_consumer(prefix, work, args):
    """find_package(ledger CONFIG) with CMAKE_PREFIX_PATH=prefix: both targets, both run."""
    build = os.path.join(work, "cmake_consumer")
    flags = args.flags
    run([args.cmake, "-S", os.path.join(CONSUMERS, "cmake_consumer"), "-B", build,
         "-G", args.generator, f"-DCMAKE_PREFIX_PATH={prefix}",
         f"-DCMAKE_CXX_COMPILER={args.cxx}", f"-DCMAKE_CXX_FLAGS={flags}",
         f"-DCMAKE_EXE_LINKER_FLAGS={flags}"], env=clean_env())
    run([args.cmake, "--build", build, "-j2"], env=clean_env())
    shared = os.path.join(build, "consumer_shared")
    static = os.path.join(build, "consumer_static")
    installed = os.path.realpath(os.path.join(prefix, args.libdir,
                                              f"libledger.so.{args.version}"))
    found = resolved_library(shared, clean_env())
    check(found == installed, f"consumer_shared loads {installed} (found {found})")
    check(resolved_library(static, clean_env()) is None,
          "consumer_static (ledger::ledger_static) does not load libledger.so")
    run_consumer(shared, work, clean_env())
    run_consumer(static, work, clean_env())


def pkgconfig(prefix, args, *options):
    env = clean_env(PKG_CONFIG_PATH=os.path.join(prefix, args.libdir, "pkgconfig"))
    return shlex.split(run(["pkg-config", *options, "ledger"], env=env))


def pkgconfig_consumer(prefix, work, args):
    """cc -std=c99 consumer.c $(pkg-config --cflags --libs ledger), and --static."""
    lib = os.path.join(prefix, args.libdir)
    source = os.path.join(CONSUMERS, "pkgconfig_consumer", "consumer.c")
    flags = shlex.split(args.flags)
    version = run(["pkg-config", "--modversion", "ledger"],
                  env=clean_env(PKG_CONFIG_PATH=os.path.join(lib, "pkgconfig"))).strip()
    check(version == args.version, f"pkg-config --modversion ledger is {args.version}")
    shared = os.path.join(work, "c_consumer_shared")
    run([args.cc, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", *flags, source,
         "-o", shared, *pkgconfig(prefix, args, "--cflags", "--libs")])
    env = clean_env(LD_LIBRARY_PATH=lib)
    installed = os.path.realpath(os.path.join(lib, f"libledger.so.{args.version}"))
    found = resolved_library(shared, env)
    check(found == installed, f"the C consumer loads {installed} (found {found})")
    run_consumer(shared, work, env)

    # The same program linked with libledger.a: Libs.private and Requires.private of
    # ledger.pc must name everything the engine needs.
    libs = pkgconfig(prefix, args, "--static", "--libs")
    check("-lledger" in libs, f"pkg-config --static --libs ledger names -lledger: {libs}")
    libs = ["-l:libledger.a" if item == "-lledger" else item for item in libs]
    static = os.path.join(work, "c_consumer_static")
    run([args.cc, "-std=c99", "-Wall", "-Wextra", "-pedantic", "-Werror", *flags, source,
         "-o", static, *pkgconfig(prefix, args, "--cflags"), *libs])
    check("libledger" not in run(["readelf", "-d", static]),
          "the C consumer linked with libledger.a needs no libledger.so")
    run_consumer(static, work, clean_env())


def tool_version(tool, args):
    """`tool --version` prints "<tool> <version> (C ABI <abi>, file format N)" and exits 0."""
    result = subprocess.run([tool, "--version"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, check=False)
    name = os.path.basename(tool)
    expected = re.compile(rf"^{re.escape(name)} {re.escape(args.version)} "
                          rf"\(C ABI {args.abi}, file format [1-9][0-9]*\)$")
    check(result.returncode == 0 and expected.match(result.stdout.strip()) is not None,
          f"{name} --version exits 0 and prints '{name} {args.version} (C ABI {args.abi}, "
          f"file format N)' (exit {result.returncode}: {result.stdout.strip()})")


def test_install(work, args):
    prefix = os.path.join(work, "prefix")
    run([args.cmake, "--install", args.build, "--prefix", prefix])
    check_files(prefix, args)
    check_no_build_paths(prefix, args)
    check_soname(os.path.join(prefix, args.libdir), args)
    check_headers(prefix, args)
    cmake_consumer(prefix, work, args)
    pkgconfig_consumer(prefix, work, args)
    for tool in ("ledgerctl", "ledgerd"):
        tool_version(os.path.join(prefix, args.bindir, tool), args)


def check_deb_fields(deb, args):
    def field(name):
        return run(["dpkg-deb", "--field", deb, name]).strip()

    arch = run(["dpkg", "--print-architecture"]).strip()
    check(os.path.basename(deb) == f"libledger-dev_{args.version}_{arch}.deb",
          f"cpack made libledger-dev_{args.version}_{arch}.deb ({os.path.basename(deb)})")
    check(field("Package") == "libledger-dev" and field("Version") == args.version,
          f"Package libledger-dev, Version {args.version}")
    check(field("Maintainer") != "" and field("Description") != "",
          "the package has a Maintainer and a Description")
    depends = field("Depends")
    for package in ("libsqlite3-dev", "libsqlitecpp-dev", "libicu-dev", "libssl-dev"):
        check(package in depends, f"Depends names {package}: {depends}")
    if shutil.which("dpkg-shlibdeps"):
        check(re.search(r"\blibc6 \(>=", depends) is not None,
              f"Depends has the run-time libraries from dpkg-shlibdeps (libc6): {depends}")
    control = os.path.join(os.path.dirname(deb), "control")
    run(["dpkg-deb", "--control", deb, control])
    with open(os.path.join(control, "shlibs"), encoding="utf-8") as f:
        shlibs = f.read()
    check(f"libledger {args.abi} libledger-dev (>= {args.version})" in shlibs,
          f"the shlibs file maps libledger.so.{args.abi} to this package: {shlibs.strip()}")


def test_deb(work, args):
    packages = os.path.join(work, "packages")
    # A test build may be packed for this test only (cmake/cpack_project_config.cmake).
    env = dict(os.environ, LEDGER_PACKAGE_TEST_BUILD="1")
    print("note: cpack first builds the target preinstall, i.e. everything: a build that "
          "is not complete is built here, and may not finish within the test's time",
          flush=True)
    run([args.cpack, "-G", "DEB", "-B", packages, "--config",
         os.path.join(args.build, "CPackConfig.cmake")], env=env)
    debs = glob.glob(os.path.join(packages, "*.deb"))
    check(len(debs) == 1, f"cpack made one .deb in {packages}: {debs}")
    check_deb_fields(debs[0], args)
    root = os.path.join(work, "root")
    run(["dpkg", "-x", debs[0], root])
    check_files(os.path.join(root, "usr"), args)
    check_no_build_paths(os.path.join(root, "usr"), args)
    check_soname(os.path.join(root, "usr", args.libdir), args)
    # Unpacked anywhere, the package is complete: both consumers build against it there.
    cmake_consumer(os.path.join(root, "usr"), work, args)
    pkgconfig_consumer(os.path.join(root, "usr"), work, args)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["install", "deb"])
    for option in ("build", "source", "version", "abi", "cmake", "cpack", "generator", "cc",
                   "cxx", "libdir", "includedir", "bindir"):
        parser.add_argument("--" + option, required=True)
    parser.add_argument("--flags", default="",
                        help="compiler and linker flags of the consumers (sanitizers)")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix=f"ledger-package-{args.mode}-")
    try:
        (test_install if args.mode == "install" else test_deb)(work, args)
    except Failed as failure:
        print(f"FAILED: {failure}", file=sys.stderr, flush=True)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"package {args.mode}: all checks passed", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
