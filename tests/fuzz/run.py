#!/usr/bin/env python3
"""Builds and runs the xmtrack libFuzzer harnesses (docs/robustness.md).

    run.py build   [--source DIR] [--build DIR]          nested clang build of the harnesses
    run.py list    [--build DIR]                         the harnesses built
    run.py fuzz    NAME [--seconds N] [--jobs J] [--keep] [--seed S]
    run.py regress [--build DIR] [NAME...]               every input of regressions/<harness>/
    run.py merge   NAME [--build DIR] [--minimise]       fold a kept corpus into corpus/NAME (or
                                                         make corpus/NAME again, minimised)
    run.py campaign [--seconds N] [--only A,B] [--ledger FILE]
                                                         every harness in turn, corpus kept; one
                                                         row each (date, commit, wall, CPU, inputs,
                                                         coverage) appended to tests/fuzz/LEDGER.md

The test suite runs `build`, then `fuzz NAME --seconds 10` per harness (fixed
seed, fresh working corpus: repeatable), then `regress`.  For a long run:

    tests/fuzz/run.py fuzz decode --seconds 14400 --jobs 2 --keep

A finding is written to <build>/work/NAME/artifacts/; keep it as
tests/fuzz/regressions/NAME/<what-it-is> (fuzz.regressions then fails until
the bug is fixed).  --build defaults to build-test/fuzz-build, the one that
scripts/test.sh makes.
"""
import argparse
import glob
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
DEFAULT_BUILD = os.path.join(REPO, "build-test", "fuzz-build")
SEED = 20240505  # fixed: the same run every time
REPORT = re.compile(r"invariant broken|ERROR: |runtime error:|==ERROR|Timeout|out-of-memory")

SANITIZER_ENV = {
    "ASAN_OPTIONS": "abort_on_error=0:halt_on_error=1:detect_leaks=1:allocator_may_return_null=1:"
                    "symbolize=1:detect_stack_use_after_return=1",
    "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1:symbolize=1",
    "LSAN_OPTIONS": "suppressions=%s" % os.path.join(HERE, "lsan.supp"),
    "G_SLICE": "always-malloc",
    "G_DEBUG": "gc-friendly",
}


def log(msg):
    print(msg, flush=True)


def binary(build, name):
    return os.path.join(build, "tests", "fuzz", "fuzz_" + name)


def built_harnesses(build):
    found = glob.glob(os.path.join(build, "tests", "fuzz", "fuzz_*"))
    return sorted(os.path.basename(p)[len("fuzz_"):] for p in found if os.access(p, os.X_OK) and os.path.isfile(p))


def env(name=None):
    e = dict(os.environ)
    for k, v in SANITIZER_ENV.items():
        e.setdefault(k, v)
    if name in NO_LEAK_CHECK and "ASAN_OPTIONS" not in os.environ:
        # libFuzzer's -detect_leaks=0 stops only its per-input check; LeakSanitizer's report at
        # exit would still list what libwireshark and GLib keep of each renewed epan session.
        e["ASAN_OPTIONS"] = e["ASAN_OPTIONS"].replace("detect_leaks=1", "detect_leaks=0")
    return e


# ---- build ----------------------------------------------------------------------------------

def cmd_build(args):
    clang = shutil.which("clang") or shutil.which("clang-14")
    if not clang:
        sys.exit("clang not found: scripts/deps.sh --test installs clang and libclang-rt-dev")
    t0 = time.monotonic()
    configure = ["cmake", "-S", args.source, "-B", args.build,
                 "-DCMAKE_C_COMPILER=" + clang,
                 "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                 "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link",
                 "-DXMTRACK_SANITIZE=ON",
                 "-DXMTRACK_WERROR=OFF",
                 "-DXMTRACK_FUZZ_HARNESSES=ON",
                 "-DBUILD_TESTING=ON"]
    subprocess.run(configure, check=True, stdout=subprocess.DEVNULL)
    jobs = str(os.cpu_count() or 2)
    proc = subprocess.run(["cmake", "--build", args.build, "--target", "xmt_fuzzers", "-j", jobs])
    if proc.returncode != 0:
        sys.exit("building the harnesses failed (is libclang-rt-dev installed? scripts/deps.sh --test)")
    # Seeds from the captures as they are now, beside the committed corpus/.
    subprocess.run([sys.executable, "-B", os.path.join(HERE, "make_seeds.py"), "--clean",
                    "--out", os.path.join(args.build, "seeds")], check=True)
    log("built %s in %.1f s" % (", ".join(built_harnesses(args.build)), time.monotonic() - t0))


def cmd_list(args):
    for name in built_harnesses(args.build):
        print(name)


# ---- fuzz -----------------------------------------------------------------------------------

def seed_dirs(build, name):
    """Committed seeds, seeds from the current captures; format harnesses share decode's."""
    names = [name] + (["decode"] if name.startswith("format_") else [])
    dirs = []
    for n in names:
        for root in (os.path.join(HERE, "corpus"), os.path.join(build, "seeds")):
            d = os.path.join(root, n)
            if os.path.isdir(d) and os.listdir(d):
                dirs.append(d)
    return dirs


def dictionary(name):
    for n in (name, "decode" if name.startswith("format_") or name == "epan" else None):
        if n and os.path.exists(os.path.join(HERE, "dict", n + ".dict")):
            return os.path.join(HERE, "dict", n + ".dict")
    return None


# Harnesses whose process holds a heap LeakSanitizer cannot scan after every
# input: fuzz_epan keeps libwireshark's 600 MB of dissector state, and a leak
# check per input (libFuzzer runs one whenever an input mallocs more than it
# frees, which epan's caches always do) cuts it from 90 inputs a second to 4.
# The plugin's own leaks are the other harnesses' and valgrind's to find.
NO_LEAK_CHECK = {"epan"}


# libFuzzer's per-input timeout (-timeout) counts wall time (an ITIMER_REAL alarm), so a fuzzer
# starved of CPU (ctest -j2 beside other work, a shared machine) calls an ordinary input a hang
# and fails the run: the long runs' spurious "timeouts" and "slow units" (README "Robustness")
# came from that. The slowest legitimate inputs known take 2.6-3.3 s of CPU under ASan/UBSan
# (fuzz_decode's gzip bombs, 16 MiB inflated); starved to a fifth of a core or less they take
# 15 s and more of wall time. Hence 30 s, ten times the slowest known: a real hang runs for ever
# and is still caught, 30 s later. -report_slow_units takes the same value: past it libFuzzer
# writes a slow-unit-* artifact, which counts as a finding here.
TIMEOUT = 30
REGRESSION_TIMEOUT = 60  # one input per process: fuzz_epan's start-up (epan_init) is in it


# fuzz_epan's process holds libwireshark (600 MB) and what 4.0 keeps of every
# epan session it renews (fuzz_epan.c, SESSION_INPUTS): a larger RSS limit.
RSS_LIMIT_MB = {"epan": 4096}


def libfuzzer_options(name, seconds=None, timeout=TIMEOUT):
    rss = RSS_LIMIT_MB.get(name, 2048)
    opts = ["-timeout=%d" % timeout, "-report_slow_units=%d" % timeout, "-rss_limit_mb=%d" % rss,
            "-malloc_limit_mb=2048", "-print_final_stats=1"]
    if name in NO_LEAK_CHECK:
        opts.append("-detect_leaks=0")
    if seconds is not None:
        opts.append("-max_total_time=%d" % seconds)
    d = dictionary(name)
    if d:
        opts.append("-dict=" + d)
    return opts


def fuzz_command(build, name, seconds, seed, keep, jobs=1, timeout=TIMEOUT):
    """The libFuzzer command line of one run, its working folder made ready, and the findings
    already in its artifact folder (a continued run keeps them)."""
    exe = binary(build, name)
    if not os.path.exists(exe):
        sys.exit("%s not built (run.py build; after adding a format, re-run cmake)" % exe)
    work = os.path.join(build, "work", name)
    corpus = os.path.join(work, "corpus")
    artifacts = os.path.join(work, "artifacts") + os.sep
    if not keep and os.path.isdir(corpus):
        shutil.rmtree(corpus)
    os.makedirs(corpus, exist_ok=True)
    os.makedirs(artifacts, exist_ok=True)
    if not keep:  # a continued run keeps the earlier runs' findings for whoever looks into them
        for old in glob.glob(artifacts + "*"):
            os.remove(old)
    cmd = [exe, "-seed=%d" % seed, "-artifact_prefix=" + artifacts] + libfuzzer_options(name, seconds, timeout)
    if jobs > 1:
        cmd += ["-jobs=%d" % jobs, "-workers=%d" % jobs]
    return cmd + [corpus] + seed_dirs(build, name), work, artifacts, set(glob.glob(artifacts + "*"))


def cmd_fuzz(args):
    cmd, work, artifacts, earlier = fuzz_command(args.build, args.name, args.seconds, args.seed, args.keep, args.jobs,
                                                 args.timeout)
    log("$ " + " ".join(cmd))
    t0 = time.monotonic()
    rc = subprocess.run(cmd, env=env(args.name), cwd=work).returncode
    found = sorted(set(glob.glob(artifacts + "*")) - earlier)
    log("fuzz_%s: exit %d after %.1f s, %d finding(s)" % (args.name, rc, time.monotonic() - t0, len(found)))
    if rc != 0 or found:
        for f in found:
            log("  finding: %s (%d bytes)" % (f, os.path.getsize(f)))
        log("Keep each as tests/fuzz/regressions/%s/<short-name> and report it; "
            "reproduce with: %s <file>" % (args.name, binary(args.build, args.name)))
        sys.exit(1)


# ---- campaign: the long runs ----------------------------------------------------------------

def final_stats(text):
    """What libFuzzer's -print_final_stats and its last status line say."""
    def grab(pattern, default="?"):
        found = re.findall(pattern, text)
        return found[-1] if found else default
    return {"inputs": grab(r"stat::number_of_executed_units:\s*(\d+)"),
            "rss_mb": grab(r"stat::peak_rss_mb:\s*(\d+)"),
            "cov": grab(r"cov: (\d+) ft: \d+"), "ft": grab(r"cov: \d+ ft: (\d+)")}


LEDGER = os.path.join(HERE, "LEDGER.md")  # committed: the long runs' record outlives the build folder


def source_commit():
    """The commit the harnesses and the plugin were built from, '+' when the tree differs from it."""
    def git(*args):
        return subprocess.run(["git", "-C", REPO] + list(args), capture_output=True, text=True)
    head = git("rev-parse", "--short", "HEAD")
    if head.returncode:
        return "?"
    dirty = git("status", "--porcelain", "--", "plugin", "tests/fuzz", "CMakeLists.txt", "cmake").stdout.strip()
    return head.stdout.strip() + ("+" if dirty else "")


def campaign_row(name, rc, wall, cpu, stats, found, date=None, commit=None):
    inputs = "{:,}".format(int(stats["inputs"])) if stats["inputs"].isdigit() else "?"
    verdict = "none" if rc == 0 and not found else "exit %d, %d finding(s): %s" % (
        rc, len(found), ", ".join(os.path.basename(f) for f in found))
    return "| %s | `%s` | `fuzz_%s` | %.1f | %.1f | %s | cov %s, ft %s | %s MB | %s |" % (
        date or time.strftime("%Y-%m-%d"), commit or source_commit(), name, wall / 60, cpu / 60, inputs,
        stats["cov"], stats["ft"], stats["rss_mb"], verdict)


def cmd_campaign(args):
    """Every harness in turn for --seconds of wall time each, with the working corpus kept
    (so a campaign continues the last one). CPU time is measured too: on a loaded machine a
    half-hour of wall time is less of fuzzing, and the ledger says how much."""
    names = args.only.split(",") if args.only else built_harnesses(args.build)
    ledger = args.ledger or LEDGER
    if not os.path.exists(ledger):
        with open(ledger, "w") as f:
            f.write("| date | commit | harness | wall min | CPU min | inputs run | coverage at the end | peak RSS "
                    "| findings |\n|---|---|---|---:|---:|---:|---|---:|---|\n")
    commit = source_commit()
    failed = []
    for name in names:
        cmd, work, artifacts, earlier = fuzz_command(args.build, name, args.seconds, args.seed, True,
                                                     timeout=args.timeout)
        log("campaign: fuzz_%s for %d s" % (name, args.seconds))
        run_log = os.path.join(work, "campaign.log")  # every run of the campaign, appended
        with open(run_log, "a") as out:
            out.write("\n==== %s: %s\n" % (time.strftime("%Y-%m-%d %H:%M:%S"), " ".join(cmd)))
            start = out.tell()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.monotonic()
        with open(run_log, "a") as out:
            rc = subprocess.run(cmd, env=env(name), cwd=work, stdout=out, stderr=subprocess.STDOUT).returncode
        wall = time.monotonic() - t0
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        with open(run_log, "rb") as f:
            f.seek(start)  # this run's output only
            stats = final_stats(f.read().decode(errors="replace"))
        found = sorted(set(glob.glob(artifacts + "*")) - earlier)
        row = campaign_row(name, rc, wall, cpu, stats, found, commit=commit)
        with open(ledger, "a") as f:
            f.write(row + "\n")
        log(row)
        if rc != 0 or found:
            failed.append(name)
    log("ledger: %s (commit it)" % ledger)
    if failed:
        sys.exit("findings in: %s (see <build>/work/NAME/artifacts/ and campaign.log)" % ", ".join(failed))


def cmd_merge(args):
    """Folds a kept working corpus into the committed one, tests/fuzz/corpus/NAME. With
    --minimise the committed corpus is made again from scratch: the smallest set of its inputs,
    the kept ones and the seeds of the current captures that covers all they cover (libFuzzer's
    -merge=1 into an empty folder). A format_* harness also reads corpus/decode/: only what adds
    to that is kept in corpus/format_*."""
    exe = binary(args.build, args.name)
    kept = os.path.join(args.build, "work", args.name, "corpus")
    target = os.path.join(HERE, "corpus", args.name)
    os.makedirs(target, exist_ok=True)
    if not args.minimise:
        subprocess.run([exe, "-merge=1", target, kept], env=env(args.name), check=True)
        return
    base = [d for d in seed_dirs(args.build, args.name) if os.path.basename(d) != args.name]  # decode's, for format_*
    base = [d for d in base if os.path.dirname(d) == os.path.join(HERE, "corpus")]
    fresh = tempfile.mkdtemp(prefix="xmtrack-merge-")
    try:
        for d in base:  # what the harness reads anyway: kept out of its own folder
            for f in os.listdir(d):
                shutil.copy(os.path.join(d, f), fresh)
        before = set(os.listdir(fresh))
        sources = [target, kept, os.path.join(args.build, "seeds", args.name)]
        sources = [d for d in sources if os.path.isdir(d) and os.listdir(d)]
        artifacts = os.path.join(args.build, "work", args.name, "artifacts") + os.sep
        os.makedirs(artifacts, exist_ok=True)
        subprocess.run([exe, "-merge=1", "-timeout=%d" % TIMEOUT, "-artifact_prefix=" + artifacts, fresh] + sources,
                       env=env(args.name), check=True)
        chosen = sorted(set(os.listdir(fresh)) - before)
        had = len(os.listdir(target))
        shutil.rmtree(target)
        os.makedirs(target)
        for f in chosen:
            shutil.copy(os.path.join(fresh, f), target)
        log("corpus/%s: %d inputs before, %d after minimising with %s" % (
            args.name, had, len(chosen), ", ".join(os.path.relpath(d, REPO) for d in sources)))
    finally:
        shutil.rmtree(fresh)


# ---- regressions --------------------------------------------------------------------------

def regression_inputs(names=None):
    root = os.path.join(HERE, "regressions")
    out = []
    for d in sorted(glob.glob(os.path.join(root, "*"))):
        name = os.path.basename(d)
        if not os.path.isdir(d) or (names and name not in names):
            continue
        for f in sorted(glob.glob(os.path.join(d, "*"))):
            if os.path.isfile(f) and not os.path.basename(f).startswith(("README", ".")):
                out.append((name, f))
    return out


def cmd_regress(args):
    inputs = regression_inputs(args.names)
    failed = []
    t0 = time.monotonic()
    built = set(args.built.split(",")) if args.built else None
    for name, f in inputs:
        exe = binary(args.build, name)
        rel = os.path.relpath(f, REPO)
        if built is not None and name not in built:
            # fuzz_epan is built only where CMake found Wireshark (harnesses.cmake)
            log("skip %s: fuzz_%s is not built for this Wireshark version" % (rel, name))
            continue
        if not os.path.exists(exe):
            failed.append(rel)
            log("FAIL %s: no harness fuzz_%s" % (rel, name))
            continue
        opts = ["-timeout=%d" % REGRESSION_TIMEOUT, "-rss_limit_mb=2048", "-malloc_limit_mb=2048"]
        if name in NO_LEAK_CHECK:
            opts.append("-detect_leaks=0")
        proc = subprocess.run([exe] + opts + [f], env=env(name),
                              capture_output=True, text=True, errors="replace")
        if proc.returncode != 0:
            failed.append(rel)
            lines = proc.stderr.splitlines()
            start = next((i for i, l in enumerate(lines) if REPORT.search(l)), max(0, len(lines) - 30))
            log("FAIL %s (exit %d):\n    %s\n" % (rel, proc.returncode, "\n    ".join(lines[start:start + 30])))
        else:
            log("ok   %s" % rel)
    log("%d regression input(s) in %.1f s" % (len(inputs), time.monotonic() - t0))
    log("%d passed, %d failed" % (len(inputs) - len(failed), len(failed)))
    if failed:
        sys.exit(1)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("build")
    p.add_argument("--source", default=REPO)
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.set_defaults(fn=cmd_build)
    p = sub.add_parser("list")
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("fuzz")
    p.add_argument("name")
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.add_argument("--seconds", type=int, default=10)
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--keep", action="store_true", help="keep and extend the working corpus of earlier runs")
    p.add_argument("--timeout", type=int, default=TIMEOUT,
                   help="wall seconds per input before libFuzzer calls it a hang (default %d)" % TIMEOUT)
    p.set_defaults(fn=cmd_fuzz)
    p = sub.add_parser("campaign")
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.add_argument("--seconds", type=int, default=1800, help="wall time per harness (default 1800)")
    p.add_argument("--only", help="comma-separated harnesses (default: every one built)")
    p.add_argument("--ledger", help="markdown table to append to (default tests/fuzz/LEDGER.md, committed)")
    p.add_argument("--timeout", type=int, default=TIMEOUT,
                   help="wall seconds per input before libFuzzer calls it a hang (default %d)" % TIMEOUT)
    p.add_argument("--seed", type=int, default=SEED)
    p.set_defaults(fn=cmd_campaign)
    p = sub.add_parser("merge")
    p.add_argument("name")
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.add_argument("--minimise", action="store_true",
                   help="make corpus/NAME again: the smallest set of it, the kept corpus and the seeds covering all")
    p.set_defaults(fn=cmd_merge)
    p = sub.add_parser("regress")
    p.add_argument("names", nargs="*")
    p.add_argument("--build", default=DEFAULT_BUILD)
    p.add_argument("--built", help="comma-separated harnesses this build makes; inputs of others are skipped")
    p.set_defaults(fn=cmd_regress)
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    args.fn(args)


if __name__ == "__main__":
    main()
