#!/usr/bin/env python3
"""Segment and Amplitude JSON bodies: xmtrack against tshark's own JSON dissector (issue 22, item 5).

    python3 bench/vendor_json.py OUT.pcap [--requests N]               write the capture
    python3 bench/vendor_json.py OUT.pcap --plugin SO --check          ... and check both tools on it
    python3 bench/vendor_json.py OUT.pcap --plugin SO --time [--reps 5]  ... and time them
    python3 bench/vendor_json.py OUT.pcap --plugin SO --callgrind      ... and count instructions

The capture holds N HTTP/1.1 POSTs (one TCP connection each, tests/robustness/make_pcap.py), their
bodies the real JSON uploads of testdata/vendors/'s HTTP/1.1 captures (analytics-next's events and
batches, analytics-node's batches, analytics-browser's and analytics-node's Amplitude payloads, the
gzipped one inflated as HTTP hands it over), in turn, each labelled application/json so that tshark's JSON
dissector reads it. Two tools read it, both tshark with the plugin installed (bench/run.py's
runner: uid 65534, a throw-away HOME):

  xmtrack   the plugin decodes every body, then hands it to the JSON dissector as always
  json      the same with `--disable-protocol xmtrack`: the JSON dissector alone

Works: `select` (a display filter for the frames whose events include "Order Completed" / "Purchase":
xmtrack.event there, json.value.string for the JSON dissector), `fields` (-T fields of every
frame's URLs, xmtrack.url against json.value.string: a visible tree) and `verbose` (-V).
--time runs the tools in turn (xmtrack, json, xmtrack, ...), each under /usr/bin/time, and prints
the median CPU (user+sys) and wall seconds and the median of the per-pair CPU ratios: a machine
shared with other work changes the wall time far more than the CPU time. --callgrind counts the
instructions of each tool and work under valgrind (which no other load disturbs), on the capture
and on a capture of one request, and gives the ratio of the differences: the cost per body, tshark's
start-up left out.
"""

import argparse
import functools
import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.append(os.path.join(ROOT, "tests", "robustness"))
sys.path.append(os.path.join(ROOT, "tests", "fuzz"))  # after bench/: its run.py is another
sys.dont_write_bytecode = True
import make_pcap  # noqa: E402
import make_seeds  # noqa: E402  (requests_of: the requests of a capture, as HTTP hands them over)
import run  # noqa: E402  (the Tshark runner of the benchmark)

SELECTED = ("Order Completed", "Purchase")
WORKS = {
    "select": {
        "xmtrack": ["-Y", " || ".join('xmtrack.event == "%s"' % e for e in SELECTED)],
        "json": ["-Y", " || ".join('json.value.string == "%s"' % e for e in SELECTED)],
    },
    "fields": {
        "xmtrack": ["-T", "fields", "-e", "frame.number", "-e", "xmtrack.url"],
        "json": ["-T", "fields", "-e", "frame.number", "-e", "json.value.string"],
    },
    "verbose": {"xmtrack": ["-V"], "json": ["-V"]},
}
DISABLED = ["--disable-protocol", "xmtrack"]


@functools.lru_cache(maxsize=None)
def json_bodies():
    """The real JSON uploads of Segment and Amplitude, from their HTTP/1.1 captures as HTTP hands them over
    (de-chunked, Content-Encoding undone); amplitude-js's form left out: it is no JSON."""
    testdata = os.path.join(ROOT, "testdata")
    bodies = []
    for vendor in ("segment", "amplitude"):
        for path in sorted(glob.glob(os.path.join(testdata, "vendors", vendor + "_*_http1.pcapng"))):
            capture = make_seeds.shipped.Capture(testdata, os.path.relpath(path, testdata))
            bodies += [r["body"] for r in make_seeds.requests_of(capture) if r["body"].lstrip()[:1] == b"{"]
    if not bodies:
        sys.exit("no Segment or Amplitude bodies in testdata/vendors/")
    return tuple(bodies)


def write_capture(path, n):
    bodies = json_bodies()
    requests = [make_pcap.http_request(bodies[i % len(bodies)], "/v1/batch", "collector.example.net",
                                       "application/json") for i in range(n)]
    make_pcap.write_pcap(path, requests)
    selected = sum(1 for i in range(n) if any(e.encode() in bodies[i % len(bodies)] for e in SELECTED))
    print("%s: %d requests, %d distinct bodies (%d KiB in all), %d with a selected event"
          % (path, n, len(bodies), sum(len(bodies[i % len(bodies)]) for i in range(n)) // 1024, selected),
          file=sys.stderr)
    return selected


def argv(ts, tool, capture, work, wrapper=()):
    return ts.argv("plugin", (DISABLED if tool == "json" else []) + ["-r", capture] + WORKS[work][tool], wrapper)


def check(ts, capture, n, selected):
    """Both tools see every body, and select the same frames."""
    count = {}
    for tool, display_filter in (("xmtrack", "xmtrack"), ("json", "json")):
        out = ts.output("plugin", (DISABLED if tool == "json" else []) + ["-r", capture, "-Y", display_filter,
                                                                            "-T", "fields", "-e", "frame.number"])
        count[tool] = len(out.split())
        picked = ts.output("plugin", (DISABLED if tool == "json" else []) + ["-r", capture] + WORKS["select"][tool]
                           + ["-T", "fields", "-e", "frame.number"])
        count[tool + " selected"] = len(picked.split())
    print("check: %s" % count, file=sys.stderr)
    if count != {"xmtrack": n, "json": n, "xmtrack selected": selected, "json selected": selected}:
        sys.exit("check failed: expected %d bodies and %d selected for both tools" % (n, selected))


def timed(ts, tool, capture, work):
    with tempfile.NamedTemporaryFile("r") as usage:
        os.chmod(usage.name, 0o666)  # GNU time runs as tshark's unprivileged user and writes it
        cmd = argv(ts, tool, capture, work, ["/usr/bin/time", "-f", "%M %U %S", "-o", usage.name])
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        wall = time.perf_counter() - start
        rss, user, system = usage.read().split()[-3:]
        return {"cpu": float(user) + float(system), "wall": wall, "rss": int(rss)}


def time_works(ts, capture, reps):
    print("| work | xmtrack CPU s | json CPU s | CPU ratio (median of pairs) | xmtrack wall s | json wall s | load before |")
    print("|---|---|---|---|---|---|---|")
    for work in WORKS:
        runs = {"xmtrack": [], "json": []}
        ratios = []
        load = os.getloadavg()[0]
        timed(ts, "xmtrack", capture, work)  # warm the page cache and the plugin copy
        for _ in range(reps):
            a = timed(ts, "xmtrack", capture, work)
            b = timed(ts, "json", capture, work)
            runs["xmtrack"].append(a)
            runs["json"].append(b)
            ratios.append(a["cpu"] / b["cpu"])
        med = {t: {k: statistics.median(r[k] for r in runs[t]) for k in ("cpu", "wall")} for t in runs}
        print("| %s | %.2f | %.2f | %.3f (%.3f-%.3f) | %.2f | %.2f | %.1f |"
              % (work, med["xmtrack"]["cpu"], med["json"]["cpu"], statistics.median(ratios), min(ratios),
                 max(ratios), med["xmtrack"]["wall"], med["json"]["wall"], load), flush=True)


def instructions(ts, tool, capture, work):
    cmd = argv(ts, tool, capture, work, ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"])
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    m = re.search(r"Collected : (\d+)", p.stderr)
    if p.returncode or not m:
        sys.exit("callgrind %s %s failed: %s" % (tool, work, p.stderr[-2000:]))
    return int(m.group(1))


def count_works(ts, capture, one_request):
    print("| work | xmtrack instructions | json instructions | ratio | ratio per body (one-request start-up subtracted) |")
    print("|---|---|---|---|---|")
    for work in WORKS:
        n = {t: instructions(ts, t, capture, work) for t in ("xmtrack", "json")}
        n0 = {t: instructions(ts, t, one_request, work) for t in ("xmtrack", "json")}
        print("| %s | %s | %s | %.3f | %.3f |" % (work, "{:,}".format(n["xmtrack"]), "{:,}".format(n["json"]),
                                                n["xmtrack"] / n["json"],
                                                (n["xmtrack"] - n0["xmtrack"]) / (n["json"] - n0["json"])), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the capture to write (kept)")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--plugin", help="xmtrack.so, for --check and --time")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--time", action="store_true")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--callgrind", action="store_true")
    args = ap.parse_args()
    selected = write_capture(args.out, args.requests)
    if not (args.check or args.time or args.callgrind):
        return
    if not args.plugin:
        sys.exit("--check, --time and --callgrind need --plugin")
    with tempfile.TemporaryDirectory(prefix="xmtrack-vendor-json-") as work:
        capture = os.path.join(work, os.path.basename(args.out))
        subprocess.run(["cp", args.out, capture], check=True)
        ts = run.Tshark(args.plugin, work)
        run.make_readable(work)
        check(ts, capture, args.requests, selected)
        if args.time:
            time_works(ts, capture, args.reps)
        if args.callgrind:
            one = os.path.join(work, "one_request.pcap")
            write_capture(one, 1)
            run.make_readable(work)
            count_works(ts, capture, one)


if __name__ == "__main__":
    main()
