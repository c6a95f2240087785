#!/usr/bin/env python3
"""The batch against one tshark: N small captures through scripts/xmtrack-batch (one tshark per
capture under GNU parallel) and the same packets merged (mergecap) through one tshark.

    python3 bench/batch.py [--captures 1000] [--plugin SO] [--jobs N] [--out DIR]

The captures are real test traffic: each is one of the HTTP captures of testdata/ (the loopback
clients' and the real SDKs'), its packets readdressed (client 10.a.b.2, server 198.18.a.b, the
benchmarking range) and shifted in time, so every capture and every connection of the merged
file is distinct. The events each capture must give come from its source's expectations; the
script checks that the batch and the single run both give exactly that many.

Measured (as in bench/run.py, tshark runs as uid 65534 with a throw-away HOME holding only the
plugin when we are root): wall time, CPU time (user + system of the whole process tree, from GNU
time), the largest process's peak RSS (GNU time -v), and the peak of the summed RSS of all
processes of the run (sampled every 0.1 s from /proc). The machine's load average before and
after goes into the report: this machine is shared, and timings move with it.
"""
import argparse
import datetime
import json
import os
import shlex
import shutil
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
TESTDATA = os.path.join(REPO, "testdata")
sys.path.insert(0, TESTDATA)
sys.path.insert(0, os.path.join(TESTDATA, "pcapdroid"))
import make_pcapdroid_captures as pcapdroid  # noqa: E402  (its pcap reader and readdressing)

BATCH = os.path.join(REPO, "scripts", "xmtrack-batch")
QUERY = os.path.join(REPO, "scripts", "xmtrack-query")
# HTTP in clear, so every capture decodes without keys; with the events each must give.
POOL = ["sensors_android.pcap", "sensors_js_get.pcap", "sensors_js_post.pcap", "sensors_js_batch.pcap",
        "sensors_python.pcap", "sensors_gzip0.pcap", "sensors_signup.pcap", "sensors_chunked.pcap",
        "miui_analytics.pcap", "miui_tracker.pcap", "mistat_v2.pcap", "onetrack.pcap",
        "realsdk/js_beacon_http1.pcapng", "realsdk/js_ajax_http1.pcapng", "realsdk/js_batch_http1.pcapng",
        "realsdk/js_image_http1.pcapng", "realsdk/node_gzip_http1.pcapng", "realsdk/node_plain_http1.pcapng"]
BASE_US = 1741600000 * 1000000


def expected_events(name):
    if name.startswith("realsdk/"):
        with open(os.path.join(TESTDATA, name + ".expect.json"), encoding="utf-8") as f:
            return len(json.load(f)["told"]["records"])
    import payloads
    return sum(r.expect.get("event_count") or 0 for r in payloads.CAPTURES[name])


def generate(n, folder):
    """n captures (LINKTYPE_RAW pcap) and the events they must give in total."""
    os.makedirs(folder, exist_ok=True)
    sources = {name: pcapdroid.read_capture(os.path.join(TESTDATA, name))[0] for name in POOL}
    total = 0
    for i in range(n):
        name = POOL[i % len(POOL)]
        packets = sources[name]
        client, server = bytes([10, (i >> 8) & 255, i & 255, 2]), bytes([198, 18 + (i >> 16), (i >> 8) & 255, i & 255])
        start = packets[0][0]
        out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, pcapdroid.LINKTYPE_RAW)]
        first_src = None
        for us, linktype, frame in packets:
            ip = pcapdroid.ip_packet(linktype, frame)
            if ip is None:
                continue
            (src, sport), (dst, dport), flags = pcapdroid.endpoints(ip)
            if ip[0] >> 4 != 4:
                raise SystemExit(f"{name}: IPv6 is not in the pool")
            first_src = first_src or ((dst, dport) if flags & 0x12 == 0x12 else (src, sport))
            outbound = (src, sport)[0] == first_src[0]
            ip = pcapdroid.readdress(ip, client if outbound else server, server if outbound else client)
            t = BASE_US + i * 10_000_000 + (us - start)
            out.append(struct.pack("<IIII", t // 1000000, t % 1000000, len(ip), len(ip)) + ip)
        with open(os.path.join(folder, "c%05d_%s.pcap" % (i, os.path.basename(name).split(".")[0])), "wb") as f:
            f.write(b"".join(out))
        total += expected_events(name)
    return total


class TreeRss(threading.Thread):
    """Peak of the summed RSS (kB) of a process and all its descendants, sampled from /proc."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stop = pid, 0, threading.Event()

    def tree_rss(self):
        parent, rss = {}, {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/status") as f:
                    fields = dict(line.split(":", 1) for line in f if ":" in line)
                parent[int(entry)] = int(fields["PPid"])
                rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0])
            except (OSError, KeyError, ValueError):
                continue
        total = 0
        for pid in rss:
            p = pid
            while p and p != self.pid:
                p = parent.get(p, 0)
            if p == self.pid:
                total += rss[pid]
        return total

    def run(self):
        while not self.stop.wait(0.1):
            self.peak = max(self.peak, self.tree_rss())


def timed(cmd, stdout=subprocess.DEVNULL, cwd=None):
    """Wall s, CPU s (user+sys of the tree), largest process peak RSS MB, summed peak RSS MB."""
    with open(os.devnull, "w") as devnull:
        time_out = os.path.join(os.environ.get("TMPDIR", "/tmp"), "xmtrack-bench-time-%d" % os.getpid())
        started = time.time()
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", time_out] + cmd, stdout=stdout, stderr=devnull, cwd=cwd)
        sampler = TreeRss(proc.pid)
        sampler.start()
        proc.wait()
        wall = time.time() - started
        sampler.stop.set()
        sampler.join()
    with open(time_out) as f:
        t = dict(line.strip().rsplit(": ", 1) for line in f if ": " in line)
    os.remove(time_out)
    cpu = float(t["User time (seconds)"]) + float(t["System time (seconds)"])
    return {"exit": proc.returncode, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
            "max_process_rss_mb": round(int(t["Maximum resident set size (kbytes)"]) / 1024, 1),
            "tree_peak_rss_mb": round(sampler.peak / 1024, 1)}


def tshark_command(plugin, work):
    home = os.path.join(work, "home")
    minor = ".".join(subprocess.run(["tshark", "--version"], capture_output=True, text=True)
                     .stdout.split()[2].split(".")[:2])
    plugin_dir = os.path.join(home, ".local/lib/wireshark/plugins", minor, "epan")
    os.makedirs(plugin_dir, exist_ok=True)
    shutil.copy(plugin, os.path.join(plugin_dir, "xmtrack.so"))
    cmd = ["env", f"HOME={home}", f"WIRESHARK_PLUGIN_DIR={os.path.join(work, 'no-global-plugins')}", "tshark"]
    os.makedirs(os.path.join(work, "no-global-plugins"), exist_ok=True)
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    return cmd


def readable(path):
    os.chmod(path, 0o755)
    for root, dirs, files in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--captures", type=int, default=1000)
    ap.add_argument("--plugin", default=os.path.join(REPO, "build", "plugin", "wireshark", "xmtrack.so"))
    ap.add_argument("--jobs", type=int, default=os.cpu_count())
    ap.add_argument("--out", default=os.path.join(HERE, "out", "batch"))
    args = ap.parse_args()
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    caps = os.path.join(out, "captures")
    expected = generate(args.captures, caps)
    merged = os.path.join(out, "merged.pcap")
    files = sorted(os.path.join(caps, f) for f in os.listdir(caps))
    subprocess.run(["mergecap", "-F", "pcap", "-w", merged] + files, check=True)
    readable(out)
    tshark = tshark_command(args.plugin, out)
    plugins = subprocess.run(tshark + ["-G", "plugins"], capture_output=True, text=True).stdout
    if "xmtrack" not in plugins:
        raise SystemExit("the plugin is not loaded")
    size = sum(os.path.getsize(f) for f in files)
    report = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "commit": subprocess.run(["git", "-C", REPO, "rev-parse", "--short", "HEAD"], capture_output=True,
                                       text=True).stdout.strip(),
              "tshark": subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0],
              "cores": os.cpu_count(), "captures": len(files), "bytes": size,
              "packets": int(subprocess.run(["capinfos", "-c", "-M", "-T", merged], capture_output=True,
                                            text=True).stdout.splitlines()[-1].split("\t")[1]),
              "expected_events": expected, "load_before": loadavg()}
    print(f"{len(files)} captures, {size / 1e6:.1f} MB, {expected} events expected; load {report['load_before']}",
          file=sys.stderr)

    with open(os.path.join(out, "single.jsonl"), "w") as f:
        report["single"] = timed(tshark + ["-n", "-r", merged, "-q", "-z", "xmtrack,jsonl"], stdout=f)
    with open(os.path.join(out, "single.jsonl")) as f:
        report["single"]["events"] = sum(1 for line in f if line.startswith("{"))
    print("single:", report["single"], file=sys.stderr)

    run_dir = os.path.join(out, "run")
    report["batch"] = timed([BATCH, caps, "-o", run_dir, "--no-bar", "--no-dataset", "--jobs", str(args.jobs),
                             "--tshark", " ".join(shlex.quote(c) for c in tshark)])
    with open(os.path.join(run_dir, "manifest.json")) as f:
        manifest = json.load(f)
    report["batch"].update(events=manifest["rows"], failed=manifest["failed"], jobs=args.jobs)
    with open(os.path.join(run_dir, "captures.jsonl")) as f:
        seconds = sorted(json.loads(line)["seconds"] for line in f)
    report["batch"]["per_capture_s_median"] = seconds[len(seconds) // 2]
    print("batch:", report["batch"], file=sys.stderr)

    report["dataset"] = timed([QUERY, run_dir, "--build"])
    print("dataset:", report["dataset"], file=sys.stderr)
    report["load_after"] = loadavg()
    ok = report["single"]["events"] == expected == report["batch"]["events"] and not manifest["failed"]
    report["events_match_expectations"] = ok
    with open(os.path.join(out, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    print(json.dumps(report, indent=1))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
