#!/usr/bin/env python3
"""Benchmark xmtrack against plain tshark and the Lua baseline (bench/lua_baseline.lua).

    python3 bench/run.py                  # full run (about 20 minutes on 2 cores)
    python3 bench/run.py --quick          # 200 POSTs, 1 repetition: does the script work?
    python3 bench/run.py --no-growth      # the 1x captures only: every target but growth
    options: --reps N  --growth-reps N  --out DIR  --plugin SO  --markdown FILE  --no-callgrind
             --profile (keep callgrind files of the plugin on PROFILED, print its top functions)

Captures come from bench/gen_captures.py and are written first if missing. Three tools read
the same captures with the same kind of work:
  plain   tshark with no plugin
  plugin  tshark with xmtrack.so
  lua     tshark with -X lua_script:bench/lua_baseline.lua
Works: `select` (a display filter that picks the Sensors uploads or the "search" events: the
filter-only path), `fields` (the same selection printed with -T fields -e frame.number, which
makes tshark build a visible tree: the batch user's path) and `export` (-T fields over every
frame). Two upload shapes: `heavy` (5 events of a few properties) and `rich` (5 events of
about 20 properties, issue 14). Runs are interleaved round-robin and the tool order
rotates every repetition, so slow phases of a shared machine hit every tool alike; medians are
reported. Every run is wrapped in /usr/bin/time for the peak RSS and the CPU time (user+sys),
which other load on the machine disturbs less than the wall time. Instruction counts under
callgrind (which no load disturbs) come from pairs of small captures: the difference between
1,000 and 200 exchanges leaves out start-up.

Before timing, the answers are checked on `tiny`: the plugin and the Lua baseline must find
exactly the frames the generator put a "search" event in, and plain tshark every upload.
The exit status is non-zero if any check or tshark run fails or the plugin is not loaded.

tshark ignores personal plugin folders when run as root, so as root every tshark runs as
uid/gid 65534 (setpriv) with a throw-away HOME: one holding only the plugin, one empty; and
every tool gets an empty global plugin folder (WIRESHARK_PLUGIN_DIR), so that an xmtrack
installed system-wide loads into none of them: plain tshark is checked to have no xmtrack
protocol, and the plugin tool to have loaded the plugin under test, from its path.
The results are printed as markdown on stdout (progress goes to stderr).
"""

import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import gen_captures  # noqa: E402

TOOLS = ("plain", "plugin", "lua")
WORKS = {
    "select": {
        "plain": ["-Y", 'urlencoded-form.key == "data_list"'],
        "plugin": ["-Y", 'xmtrack.event == "search"'],
        "lua": ["-Y", 'json.value.string == "search"'],
    },
    "fields": {
        "plain": ["-Y", 'urlencoded-form.key == "data_list"', "-T", "fields", "-e", "frame.number"],
        "plugin": ["-Y", 'xmtrack.event == "search"', "-T", "fields", "-e", "frame.number"],
        "lua": ["-Y", 'json.value.string == "search"', "-T", "fields", "-e", "frame.number"],
    },
    "export": {
        "plain": ["-T", "fields", "-e", "frame.number", "-e", "urlencoded-form.value"],
        "plugin": ["-T", "fields", "-e", "frame.number", "-e", "xmtrack.event", "-e", "xmtrack.url"],
        "lua": ["-T", "fields", "-e", "frame.number", "-e", "json.value.string"],
    },
}

# (capture, works, tools, which repetition count applies). The 1x captures get every work and
# tool; the 2x/4x ones only what the growth table needs, to keep a full run near 20 minutes:
# Lua only on heavy (it only differs from plain where there are uploads).
FULL_PLAN = [
    ("heavy", ("select", "fields", "export"), TOOLS, "reps"),
    ("rich", ("select", "fields", "export"), TOOLS, "reps"),
    ("free", ("select", "export"), TOOLS, "reps"),
    ("mix", ("select", "export"), TOOLS, "reps"),
    ("bodies", ("select", "export"), ("plain", "plugin"), "reps"),
    ("empty", ("select",), TOOLS, "growth_reps"),
    ("heavy2", ("select",), TOOLS, "growth_reps"),
    ("heavy4", ("select",), TOOLS, "growth_reps"),
    ("free2", ("select",), ("plain", "plugin"), "growth_reps"),
    ("free4", ("select",), ("plain", "plugin"), "growth_reps"),
    ("mix2", ("select",), ("plain", "plugin"), "growth_reps"),
    ("mix4", ("select",), ("plain", "plugin"), "growth_reps"),
]
QUICK_PLAN = [("tiny", ("select", "fields", "export"), TOOLS, "reps"),
              ("rich_tiny", ("select", "fields"), TOOLS, "reps")]
GROWTH_FAMILIES = ("heavy", "free", "mix")
# (small capture, tiny capture, tools): instructions per exchange = difference / (1000 - 200)
CALLGRIND_PAIRS = [("small", "tiny", TOOLS), ("rich_small", "rich_tiny", TOOLS),
                   ("free_small", "free_tiny", ("plain", "plugin")),
                   ("bodies_small", "bodies_tiny", ("plain", "plugin"))]
CALLGRIND_OF = {"heavy": "small", "rich": "rich_small", "free": "free_small",   # stands for it in the targets
                "bodies": "bodies_small"}
PROFILED = ("small", "rich_small", "free_small", "bodies_small")   # --profile keeps the plugin's files of these
CALLGRIND_JOBS = 2      # counts do not depend on load, so use both cores
CHECK_CAPTURES = ("tiny", "rich_tiny")


class Failure(Exception):
    pass


def log(*args):
    print(*args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Running tshark


def tshark_minor_version():
    """"4.0", "4.4", ...: the personal plugin folder is per minor version."""
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    return ".".join(out.split()[2].split(".")[:2])  # "TShark (Wireshark) 4.4.19 ..."


class Tshark:
    """Builds tshark command lines for the three tools under identical conditions."""

    def __init__(self, plugin_so, workdir):
        self.plugin_home = os.path.join(workdir, "home-plugin")
        self.empty_home = os.path.join(workdir, "home-empty")
        # Wireshark's global plugin folder replaced by an empty one for every tool: an xmtrack
        # installed system-wide (scripts/setup.sh as root does so) must not load into plain
        # tshark, nor shadow the plugin under test.
        self.no_global_plugins = os.path.join(workdir, "no-global-plugins")
        plugin_dir = os.path.join(self.plugin_home, ".local/lib/wireshark/plugins", tshark_minor_version(), "epan")
        os.makedirs(plugin_dir)
        os.makedirs(self.empty_home)
        os.makedirs(self.no_global_plugins)
        self.plugin_path = os.path.join(plugin_dir, "xmtrack.so")
        shutil.copy(plugin_so, self.plugin_path)
        # a copy the unprivileged user can surely read, wherever the checkout lives
        self.lua = os.path.join(workdir, "lua_baseline.lua")
        shutil.copy(os.path.join(HERE, "lua_baseline.lua"), self.lua)
        make_readable(workdir)
        self.prefix = []
        if os.geteuid() == 0:
            self.prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]

    def argv(self, tool, args, wrapper=()):
        home = self.plugin_home if tool == "plugin" else self.empty_home
        lua = ["-X", "lua_script:" + self.lua] if tool == "lua" else []
        env = ["env", "-i", "HOME=" + home, "PATH=/usr/bin:/bin", "LANG=C.UTF-8",
               "WIRESHARK_PLUGIN_DIR=" + self.no_global_plugins]
        return self.prefix + env + list(wrapper) + ["tshark"] + lua + list(args)

    def output(self, tool, args):
        """stdout of one tshark run; Failure if it fails."""
        p = subprocess.run(self.argv(tool, args), capture_output=True, text=True)
        if p.returncode:
            raise Failure("tshark (%s) %s failed: %s" % (tool, " ".join(args), p.stderr.strip()))
        return p.stdout

    def timed(self, tool, capture, work):
        """{wall, cpu seconds, rss KiB} of one run, output to /dev/null."""
        args = ["-r", capture] + WORKS[work][tool]
        with tempfile.NamedTemporaryFile("r") as usage:
            cmd = ["/usr/bin/time", "-f", "%M %U %S", "-o", usage.name] + self.argv(tool, args)
            start = time.perf_counter()
            p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            wall = time.perf_counter() - start
            if p.returncode:
                raise Failure("%s %s on %s failed: %s" % (tool, work, capture, p.stderr.strip()))
            rss, user, system = usage.read().split()[-3:]
            return {"wall": wall, "cpu": float(user) + float(system), "rss": int(rss)}

    def instructions(self, tool, capture, work, out_file="/dev/null"):
        """Instructions executed (callgrind's "Collected" total) for one run."""
        args = ["-r", capture] + WORKS[work][tool]
        wrapper = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file]
        p = subprocess.run(self.argv(tool, args, wrapper), stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
        m = re.search(r"Collected : (\d+)", p.stderr)
        if p.returncode or not m:
            raise Failure("callgrind %s %s on %s failed: %s" % (tool, work, capture, p.stderr[-2000:]))
        return int(m.group(1))


def make_readable(path):
    """a+rX on path and everything below it, so the unprivileged tshark can read it."""
    for dirpath, _, filenames in os.walk(path):
        os.chmod(dirpath, os.stat(dirpath).st_mode | 0o555)
        for name in filenames:
            full = os.path.join(dirpath, name)
            os.chmod(full, os.stat(full).st_mode | 0o444)


# ---------------------------------------------------------------------------------------------
# Checks before timing


def check_setup(ts, pcap_of, meta):
    """The plugin loads only where it should, and all three tools give the right answers."""
    loaded = [line.split("\t")[-1] for line in ts.output("plugin", ["-G", "plugins"]).splitlines()
              if line.startswith("xmtrack")]
    if loaded != [ts.plugin_path]:
        raise Failure("the plugin under test is not the one loaded: tshark -G plugins lists %s, not %s"
                      % (loaded or "no xmtrack", ts.plugin_path))
    # (the Lua tool's tshark is plain tshark with a script: -G must come first, so no -X)
    if "xmtrack" in ts.output("plain", ["-G", "plugins"]) or \
            any(line.split("\t")[2:3] == ["xmtrack"] for line in ts.output("plain", ["-G", "protocols"]).splitlines()):
        raise Failure("xmtrack is loaded without the plugin HOME: plain tshark is not plain")
    got_all, want_all = {}, {}
    for capture in CHECK_CAPTURES:
        m = meta[capture]
        want = {"plugin": m["search_frames"], "lua": m["search_frames"], "plain": m["sensors_posts"]}
        got = {}
        for tool in TOOLS:
            got[tool] = len(ts.output(tool, ["-r", pcap_of(capture)] + WORKS["fields"][tool]).split())
        log("check on %s: matching frames %s, expected %s" % (capture, got, want))
        if got != want:
            raise Failure("wrong answers on %s: got %s, expected %s" % (capture, got, want))
        got_all[capture], want_all[capture] = got, want
    return got_all, want_all


# ---------------------------------------------------------------------------------------------
# Measuring


def run_timings(ts, plan, reps, pcap_of):
    """Round-robin over the plan; returns {(capture, work, tool): [timed() result, ...]}."""
    results = {}
    rounds = max(reps.values())
    for rep in range(rounds):
        for capture, works, tools, rep_key in plan:
            if rep >= reps[rep_key]:
                continue
            for work in works:
                order = tools[rep % len(tools):] + tools[:rep % len(tools)]
                for tool in order:
                    results.setdefault((capture, work, tool), []).append(
                        ts.timed(tool, pcap_of(capture), work))
        log("repetition %d/%d done" % (rep + 1, rounds))
    return results


def run_callgrind(ts, pcap_of, profile_dir, pairs=CALLGRIND_PAIRS, works=tuple(WORKS)):
    """{(capture, work, tool): instructions}; with profile_dir, keep the plugin's profiles
    of the PROFILED captures there."""
    jobs = {}
    for pair in pairs:
        for capture in pair[:2]:
            for work in works:
                for tool in pair[2]:
                    out = "/dev/null"
                    if profile_dir and tool == "plugin" and capture in PROFILED:
                        out = os.path.join(profile_dir, "callgrind.plugin.%s.%s.out" % (capture, work))
                    jobs[(capture, work, tool)] = (tool, pcap_of(capture), work, out)
    with concurrent.futures.ThreadPoolExecutor(CALLGRIND_JOBS) as pool:
        futures = {key: pool.submit(ts.instructions, *job) for key, job in jobs.items()}
        counts = {key: f.result() for key, f in futures.items()}
    for key, n in counts.items():
        log("callgrind %s %s %s: %d" % (key + (n,)))
    return counts


def summarise(samples):
    walls = [s["wall"] for s in samples]
    return {"median": statistics.median(walls), "min": min(walls), "max": max(walls),
            "cpu": statistics.median(s["cpu"] for s in samples),
            "rss": statistics.median(s["rss"] for s in samples), "n": len(samples)}


# ---------------------------------------------------------------------------------------------
# Report


def machine_info(plugin_so):
    cpu = "unknown"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    version = subprocess.run(["tshark", "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    with open(plugin_so, "rb") as f:
        plugin_sha = hashlib.sha256(f.read()).hexdigest()[:16]
    return {"nproc": os.cpu_count(), "cpu": cpu, "tshark": version, "commit": commit,
            "plugin_sha": plugin_sha}


def load_average():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def timing_table(stats, captures):
    rows = ["| capture | work | tool | wall s (median) | min–max | × plain | CPU s (median) | × plain "
            "| Lua ÷ plugin wall / CPU | peak RSS MB | RSS × plain |",
            "|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|"]
    for capture in captures:
        for work in WORKS:
            plain = stats.get((capture, work, "plain"))
            if not plain:
                continue
            for tool in TOOLS:
                s = stats.get((capture, work, tool))
                if not s:
                    continue
                lua = stats.get((capture, work, "lua"))
                vs_lua = ""
                if tool == "plugin" and lua:
                    vs_lua = "%.2f / %.2f" % (lua["median"] / s["median"], lua["cpu"] / s["cpu"])
                rows.append("| %s | %s | %s | %.3f | %.3f–%.3f | %.3f | %.3f | %.3f | %s | %.1f | %.3f |" % (
                    capture, work, tool, s["median"], s["min"], s["max"], s["median"] / plain["median"],
                    s["cpu"], s["cpu"] / plain["cpu"], vs_lua, s["rss"] / 1024, s["rss"] / plain["rss"]))
    return rows


def growth_table(stats, meta):
    """CPU µs per packet at 1x, 2x, 4x with start-up (the `empty` capture) subtracted, how
    much it grows from 1x to 4x (CPU and wall), and each tool's CPU ratio to plain per size."""
    rows = ["| family | tool | packets 1× / 2× / 4× | CPU µs/packet 1× | 2× | 4× | 4× ÷ 1× CPU "
            "| 4× ÷ 1× wall | CPU × plain 1× / 2× / 4× |",
            "|---|---|---|---:|---:|---:|---:|---:|---|"]
    for family in GROWTH_FAMILIES:
        names = (family, family + "2", family + "4")
        for tool in TOOLS:
            keys = [(n, "select", tool) for n in names + ("empty",)]
            if not all(k in stats for k in keys):
                continue
            per = {m: [(stats[k][m] - stats[keys[3]][m]) / meta[k[0]]["packets"] * 1e6 for k in keys[:3]]
                   for m in ("cpu", "median")}
            vs_plain = [stats[k]["cpu"] / stats[(k[0], "select", "plain")]["cpu"] for k in keys[:3]]
            rows.append("| %s | %s | %s | %.2f | %.2f | %.2f | %.3f | %.3f | %s |" % (
                family, tool, " / ".join("%d" % meta[n]["packets"] for n in names), *per["cpu"],
                per["cpu"][2] / per["cpu"][0], per["median"][2] / per["median"][0],
                " / ".join("%.3f" % r for r in vs_plain)))
    return rows


def callgrind_table(counts, meta):
    """Rows, and {(capture, work, tool): instructions per exchange ÷ plain's}."""
    rows = ["| captures | work | tool | Ir, whole run on the larger | Ir per exchange (difference) | × plain |",
            "|---|---|---|---:|---:|---:|"]
    ratios = {}
    for big, little, tools in CALLGRIND_PAIRS:
        if big not in meta or little not in meta:
            continue  # a family left out (--families)
        exchanges = meta[big]["exchanges"] - meta[little]["exchanges"]
        for work in WORKS:
            if not all((c, work, t) in counts for c in (big, little) for t in tools):
                continue
            per = {t: (counts[(big, work, t)] - counts[(little, work, t)]) / exchanges for t in tools}
            for tool in tools:
                ratios[(big, work, tool)] = per[tool] / per["plain"]
                rows.append("| %s − %s | %s | %s | %s | %s | %.3f |" % (
                    big, little, work, tool, f"{counts[(big, work, tool)]:,}", f"{per[tool]:,.0f}",
                    ratios[(big, work, tool)]))
    return rows, ratios


def targets_table(stats, cg_ratios):
    """The issue's targets (a)-(e) on every measure available: wall time, CPU time and
    instructions (or peak RSS), with a verdict per measure: instructions are exact, CPU time
    resists other load, wall time is what a user sees but the least repeatable here."""
    def ratios(capture, work, tool, base="plain"):
        a, b = stats[(capture, work, tool)], stats[(capture, work, base)]
        out = {"wall": a["median"] / b["median"], "CPU": a["cpu"] / b["cpu"]}
        cg = CALLGRIND_OF.get(capture)
        if (cg, work, tool) in cg_ratios and (cg, work, base) in cg_ratios:
            out["instructions"] = cg_ratios[(cg, work, tool)] / cg_ratios[(cg, work, base)]
        return out

    worst_rss = max(stats[k]["rss"] / stats[(k[0], k[1], "plain")]["rss"] for k in stats
                    if k[2] == "plugin" and k[0] != "empty")
    checks = [
        ("(a) plugin select ÷ plain select, heavy", ratios("heavy", "select", "plugin"), "≤", 1.2),
        ("(#14) plugin select ÷ plain select, rich", ratios("rich", "select", "plugin"), "≤", 1.2),
        ("(#14) plugin fields ÷ plain fields, heavy", ratios("heavy", "fields", "plugin"), "≤", 2.5),
        ("(#14) plugin fields ÷ plain fields, rich", ratios("rich", "fields", "plugin"), "≤", 2.5),
        ("(#14) Lua ÷ plugin, fields, heavy", ratios("heavy", "fields", "lua", "plugin"), "≥", 3.5),
        ("(#14) Lua ÷ plugin, fields, rich", ratios("rich", "fields", "lua", "plugin"), "≥", 3.5),
        ("(b) Lua ÷ plugin, select, heavy", ratios("heavy", "select", "lua", "plugin"), "≥", 3.0),
        ("(b) Lua ÷ plugin, export, heavy", ratios("heavy", "export", "lua", "plugin"), "≥", 3.0),
        ("(c) plugin ÷ plain peak RSS, worst capture and work", {"RSS": worst_rss}, "≤", 1.15),
        ("(d) plugin ÷ plain on free, select", ratios("free", "select", "plugin"), "≤", 1.03),
        ("(d) plugin ÷ plain on free, export", ratios("free", "export", "plugin"), "≤", 1.03),
        ("(d) plugin ÷ plain on bodies (POSTs only), select", ratios("bodies", "select", "plugin"), "≤", 1.03),
        ("(d) plugin ÷ plain on bodies (POSTs only), export", ratios("bodies", "export", "plugin"), "≤", 1.03),
    ]
    # (e) linear: the plugin's cost relative to plain must not grow with the capture size
    for family in GROWTH_FAMILIES:
        if (family + "4", "select", "plugin") in stats:
            at1, at4 = ratios(family, "select", "plugin"), ratios(family + "4", "select", "plugin")
            checks.append(("(e) (plugin ÷ plain at 4×) ÷ (at 1×), %s" % family,
                           {m: at4[m] / at1[m] for m in ("wall", "CPU")}, "≤", 1.10))
    rows = ["| target | measured | limit | met? |", "|---|---|---|---|"]
    for name, values, sense, limit in checks:
        met = {m: v <= limit if sense == "≤" else v >= limit for m, v in values.items()}
        cells = " · ".join("%s %.3f" % kv for kv in values.items())
        if all(met.values()):
            verdict = "yes"
        elif not any(met.values()):
            verdict = "**no**"
        else:
            verdict = "on %s only" % ", ".join(m for m, ok in met.items() if ok)
        rows.append("| %s | %s | %s %.2f | %s |" % (name, cells, sense, limit, verdict))
    return rows


def report(info, args, meta, stats, growth_rows, cg_rows, target_rows, check, loads):
    got, want = check
    lines = ["## Run", "",
             "- checkout `%s`; plugin `%s` (sha256 %s…)" % (info["commit"], args.plugin, info["plugin_sha"]),
             "- %s, %d cores, %s" % (info["cpu"], info["nproc"], info["tshark"]),
             "- repetitions: %d on 1× captures, %d on the growth captures; load average before %s, after %s"
             % (args.reps, args.growth_reps, loads[0], loads[1]),
             "- checks: frames matched %s (expected %s)" % (got, want), "",
             "## Captures", "",
             "| capture | packets | exchanges | Sensors POSTs | frames with a search event | MB |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, m in meta.items():
        lines.append("| %s | %d | %d | %d | %d | %.1f |" % (
            name, m["packets"], m["exchanges"], m["sensors_posts"], m["search_frames"], m["bytes"] / 1e6))
    captures = [c for c, _, _, _ in (QUICK_PLAN if args.quick else FULL_PLAN)]
    if stats:
        lines += ["", "## Wall time and peak memory", ""] + timing_table(stats, captures)
    if growth_rows:
        lines += ["", "## Growth with size (select work, start-up subtracted)", ""] + growth_rows
    if cg_rows:
        lines += ["", "## Instructions (callgrind)", ""] + cg_rows
    if target_rows:
        lines += ["", "## Targets", ""] + target_rows
    return "\n".join(lines) + "\n"


def print_profile(profile_dir):
    """Top functions of xmtrack.so in the kept callgrind profiles (inclusive cost)."""
    for name in sorted(os.listdir(profile_dir)):
        if not name.startswith("callgrind.plugin."):
            continue
        # cwd "/": run inside the source tree, callgrind_annotate drops the object name
        # from lines whose source file it can see, and they would escape the filter below
        p = subprocess.run(["callgrind_annotate", "--auto=no", "--inclusive=yes", "--threshold=100",
                            os.path.abspath(os.path.join(profile_dir, name))],
                           capture_output=True, text=True, cwd="/")
        ours = [re.sub(r" \[.*\]$", "", line) for line in p.stdout.splitlines() if "xmtrack.so]" in line]
        log("\n%s: top xmtrack.so functions (inclusive Ir)\n%s" % (name, "\n".join(ours[:30])))


# ---------------------------------------------------------------------------------------------


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="tiny capture, 1 repetition, no callgrind")
    ap.add_argument("--reps", type=int, default=5, help="repetitions on 1x captures (default 5)")
    ap.add_argument("--growth-reps", type=int, default=3, help="repetitions on 2x/4x captures (default 3)")
    ap.add_argument("--out", default=gen_captures.DEFAULT_OUT, help="capture directory (default bench/out)")
    ap.add_argument("--plugin", default=os.path.join(ROOT, "build/plugin/wireshark/xmtrack.so"))
    ap.add_argument("--markdown", help="also write the markdown report to this file")
    ap.add_argument("--no-callgrind", action="store_true")
    ap.add_argument("--no-growth", action="store_true",
                    help="time the 1x captures only (every target but linear growth; about half the time)")
    ap.add_argument("--callgrind-only", action="store_true",
                    help="no timed runs: the checks and the instruction counts only")
    ap.add_argument("--families", default="heavy,rich,free,bodies",
                    help="callgrind pairs to run: heavy (small-tiny), rich, free, bodies (default: all)")
    ap.add_argument("--works", default=",".join(WORKS), help="works under callgrind (default: all)")
    ap.add_argument("--profile", action="store_true",
                    help="keep the plugin's callgrind files in OUT and print its top functions")
    args = ap.parse_args()
    if args.quick:
        args.reps = args.growth_reps = 1
        args.no_callgrind = True
    return args


def cg_pairs(args):
    family = {"small": "heavy", "rich_small": "rich", "free_small": "free", "bodies_small": "bodies"}
    return [p for p in CALLGRIND_PAIRS if family[p[0]] in args.families.split(",")]


def measure(args, plan, meta):
    """Check the set-up, then time every run of the plan and (unless disabled) count
    instructions. Returns (check result, {key: summary}, {key: instructions} or None)."""
    pcap_of = lambda name: os.path.join(args.out, name + ".pcap")  # noqa: E731
    with tempfile.TemporaryDirectory(prefix="xmtrack-bench-") as workdir:
        ts = Tshark(args.plugin, workdir)
        check = check_setup(ts, pcap_of, meta)
        samples = {} if args.callgrind_only else run_timings(
            ts, plan, {"reps": args.reps, "growth_reps": args.growth_reps}, pcap_of)
        stats = {k: summarise(v) for k, v in samples.items()}
        if args.no_callgrind:
            return check, stats, None
        profile_dir = None
        if args.profile:
            profile_dir = tempfile.mkdtemp(dir=workdir)
            os.chmod(profile_dir, 0o777)     # callgrind runs as the unprivileged user
        counts = run_callgrind(ts, pcap_of, profile_dir, cg_pairs(args), tuple(args.works.split(",")))
        if profile_dir:
            for name in os.listdir(profile_dir):
                shutil.copy(os.path.join(profile_dir, name), args.out)
            print_profile(args.out)
        return check, stats, counts


def main():
    args = parse_args()
    if not os.path.exists(args.plugin):
        raise Failure("%s not found: build it first (cmake -S . -B build && cmake --build build)" % args.plugin)
    plan = QUICK_PLAN if args.quick else FULL_PLAN
    if args.no_growth:
        plan = [entry for entry in plan if entry[3] == "reps"]
    names = ({c for c, _, _, _ in plan} if not args.callgrind_only else set()) | set(CHECK_CAPTURES)
    if not args.no_callgrind:
        names |= {c for pair in cg_pairs(args) for c in pair[:2]}
    order = [n for n in gen_captures.CAPTURES if n in names]
    meta = gen_captures.ensure(args.out, order)
    make_readable(args.out)
    info = machine_info(args.plugin)
    loads = [load_average()]
    check, stats, counts = measure(args, plan, meta)
    loads.append(load_average())
    growth_rows = [] if args.quick or args.callgrind_only else growth_table(stats, meta)
    cg_rows, cg_ratios = callgrind_table(counts, meta) if counts else ([], {})
    target_rows = [] if args.quick or args.callgrind_only else targets_table(stats, cg_ratios)
    text = report(info, args, meta, stats, growth_rows, cg_rows, target_rows, check, loads)
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)


if __name__ == "__main__":
    try:
        main()
    except Failure as e:
        log("run.py: FAILED: %s" % e)
        sys.exit(1)
