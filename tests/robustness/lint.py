#!/usr/bin/env python3
"""Static analysis of the plugin's sources (docs/robustness.md).

    lint.py configure --build DIR     a configure-only build with compile_commands.json
    lint.py cppcheck  --build DIR     cppcheck, warnings/performance/portability
    lint.py clang-tidy --build DIR    clang-tidy, bugprone-* and clang-analyzer-*

Both read the compile database that CMake writes (CMAKE_EXPORT_COMPILE_COMMANDS),
so they see the real include paths and definitions, and check every .c file of
plugin/ in it.  Any finding fails.  A finding that is wrong is suppressed where
it stands, with the reason (`// cppcheck-suppress <id>` or `// NOLINT(<check>)`),
or, for the cases listed below and in cppcheck.supp, here.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# clang-tidy: every bugprone and analyzer check but these.
TIDY_CHECKS = ",".join([
    "-*",
    "bugprone-*",
    "clang-analyzer-*",
    # Style rather than bugs: adjacent parameters of the same type are everywhere in C.
    "-bugprone-easily-swappable-parameters",
    # Wireshark's dissector API returns guint lengths as int, by design.
    "-bugprone-narrowing-conversions",
    # Flags every `n * 2` of a 32-bit count that is then widened to gsize, and
    # constants such as 16u * 1024u * 1024u: noise at the sizes the plugin allows.
    "-bugprone-implicit-widening-of-multiplication-result",
    # memcpy/snprintf are not deprecated in C11 code that bounds them.
    "-clang-analyzer-security.insecureAPI.DeprecatedOrUnsafeBufferHandling",
])


def log(msg):
    print(msg, flush=True)


def plugin_sources(build):
    db = os.path.join(build, "compile_commands.json")
    if not os.path.exists(db):
        sys.exit("%s missing: run lint.py configure first" % db)
    plugin = os.path.join(REPO, "plugin") + os.sep
    files = sorted({e["file"] for e in json.load(open(db)) if os.path.abspath(e["file"]).startswith(plugin)})
    if not files:
        sys.exit("no plugin/ sources in %s" % db)
    return files


def cmd_configure(args):
    clang = shutil.which("clang") or shutil.which("clang-14")
    cmd = ["cmake", "-S", REPO, "-B", args.build, "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON", "-DBUILD_TESTING=OFF",
           "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    if clang:  # clang-tidy reads the flags: clang's own are the safe ones
        cmd.append("-DCMAKE_C_COMPILER=" + clang)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    log("compile database: %s (%d plugin sources)" % (os.path.join(args.build, "compile_commands.json"),
                                                      len(plugin_sources(args.build))))


def cmd_cppcheck(args):
    t0 = time.monotonic()
    files = plugin_sources(args.build)
    filtered = os.path.join(args.build, "compile_commands.plugin.json")
    db = json.load(open(os.path.join(args.build, "compile_commands.json")))
    json.dump([e for e in db if e["file"] in files], open(filtered, "w"))
    cmd = ["cppcheck", "--project=" + filtered, "--enable=warning,performance,portability",
           "--error-exitcode=1", "--inline-suppr", "--quiet", "-j", str(os.cpu_count() or 2),
           "--library=gtk", "--library=" + os.path.join(HERE, "cppcheck.cfg"),
           "--suppressions-list=" + os.path.join(HERE, "cppcheck.supp"),
           "--suppress=missingIncludeSystem", "--template={file}:{line}:{column}: {severity}: {message} [{id}]"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    findings = [l for l in proc.stderr.splitlines() if ": " in l and "[" in l]
    for l in proc.stderr.splitlines():
        log(l)
    log("cppcheck: %d file(s), %d finding(s), %.1f s" % (len(files), len(findings), time.monotonic() - t0))
    sys.exit(0 if proc.returncode == 0 and not findings else 1)


def cmd_clang_tidy(args):
    t0 = time.monotonic()
    files = plugin_sources(args.build)
    tidy = shutil.which("clang-tidy") or shutil.which("clang-tidy-14")
    if not tidy:
        sys.exit("clang-tidy not found (scripts/deps.sh --test installs it)")
    jobs = os.cpu_count() or 2
    findings = 0
    # One process per file, `jobs` at a time (run-clang-tidy does the same).
    pending = list(files)
    running = []
    outputs = {}
    while pending or running:
        while pending and len(running) < jobs:
            f = pending.pop(0)
            p = subprocess.Popen([tidy, "-p", args.build, "--quiet", "--checks=" + TIDY_CHECKS,
                                  "--warnings-as-errors=*", f],
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            running.append((f, p))
        f, p = running.pop(0)
        out, _ = p.communicate()
        outputs[f] = (p.returncode, out)
    failed = []
    for f in files:
        rc, out = outputs[f]
        lines = [l for l in out.splitlines() if l.strip() and "warnings generated" not in l
                 and not l.startswith("Suppressed ") and not l.startswith("Use -header-filter")]
        n = sum(1 for l in lines if ": warning: " in l or ": error: " in l)
        findings += n
        if rc != 0 or n:
            failed.append(os.path.relpath(f, REPO))
            log("\n".join(lines))
    log("clang-tidy: %d file(s), %d finding(s) in %s, %.1f s" % (
        len(files), findings, ", ".join(failed) or "none", time.monotonic() - t0))
    sys.exit(1 if failed else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, fn in (("configure", cmd_configure), ("cppcheck", cmd_cppcheck), ("clang-tidy", cmd_clang_tidy)):
        p = sub.add_parser(name)
        p.add_argument("--build", required=True)
        p.set_defaults(fn=fn)
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.fn(args)


if __name__ == "__main__":
    main()
