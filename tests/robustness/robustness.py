#!/usr/bin/env python3
"""Whole-plugin robustness runs through the real tshark (docs/robustness.md).

    robustness.py build-asan --source DIR --build DIR
        the plugin built with gcc and -fsanitize=address,undefined (XMTRACK_SANITIZE=ON)
    robustness.py asan --plugin ASAN_SO [--mutants N]
        every capture of testdata/ and tests/robustness/regressions/, and N mutants of each,
        dissected with `tshark -nr F -V -2` and the ASan plugin
    robustness.py valgrind --plugin SO
        every capture once, `tshark -nr F -V -2` under valgrind --error-exitcode; the
        captures are concatenated (mergecap -a) so that valgrind starts tshark once or twice
    robustness.py two-pass --plugin SO
        one pass and two (-2) must decode the same frames of every capture

tshark runs as tests/integration/tshark_env.py runs it: as uid 65534 when
started as root, with the plugin alone in a temporary personal plugin folder,
WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 and WIRESHARK_DEBUG_WMEM_OVERRIDE=simple
(wmem on plain malloc, so that ASan and valgrind see every packet-scope
buffer).  The ASan run preloads gcc's libasan and libubsan into the ordinary
tshark.

Mutants are made with `editcap -E <p> --seed <s> [-o <offset>]` from fixed
seeds, so every run dissects the same files; captures editcap cannot rewrite
(4.0 refuses pcapng files with decryption secrets) are mutated here the same
way, packet bytes only, from the same seeds.

What fails a file:
  - any AddressSanitizer, LeakSanitizer or UBSan report, or a valgrind error;
  - a non-zero exit (an abort on a dissector bug included), or a time-out;
  - in the xmtrack subtree of the -V output, bytes that are not UTF-8 (field
    values are UTF-8 by contract, and -T json/-T ek exports carry them as is);
  - for the unmutated captures only: "[Malformed Packet" in a frame that
    xmtrack decoded (an exception thrown while the plugin built its tree), and
    under valgrind a frame decoded in the capture alone but not in the concatenation.
A failing mutant is copied to <work>/failed/ with the command that shows it;
keep it as tests/robustness/regressions/<what-it-is>.pcap.
"""
import argparse
import concurrent.futures
import glob
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))

# (error probability, offset): offset 0 damages headers too; 66 skips Ethernet,
# IPv4 and a TCP header with timestamps, so the HTTP payload takes the hits.
MUTATIONS = [(0.02, 0), (0.02, 66), (0.05, 66), (0.01, 66), (0.1, 66), (0.005, 54), (0.03, 86), (0.2, 66)]
SEED_BASE = 5000

SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined)"
                              r"BehaviorSanitizer|==\d+==ERROR")
VALGRIND_REPORT = re.compile(r"==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
                             r"Syscall param|Mismatched free|Source and destination overlap|Process terminating)")


def log(msg):
    print(msg, flush=True)


# ---- captures and mutants -------------------------------------------------------------------

def originals(testdata):
    files = sorted(glob.glob(os.path.join(testdata, "*.pcap")) + glob.glob(os.path.join(testdata, "*.pcapng")))
    files += sorted(glob.glob(os.path.join(HERE, "regressions", "*.pcap*")))
    return files


def keylog_for(capture, search_dirs):
    """The TLS key log of a capture: <stem>.keys beside it (sensors_tls.keys)."""
    stem = os.path.splitext(os.path.basename(capture))[0]
    for d in search_dirs:
        k = os.path.join(d, stem + ".keys")
        if os.path.exists(k):
            return k
    return None


def packets(path):
    """(link type, bytes) of every packet of a pcap or pcapng file."""
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
        link = struct.unpack_from(e + "I", data, 20)[0]
        pos = 24
        while pos + 16 <= len(data):
            caplen = struct.unpack_from(e + "I", data, pos + 8)[0]
            yield link, data[pos + 16:pos + 16 + caplen]
            pos += 16 + caplen
        return
    pos, e, links = 0, "<", []
    while pos + 12 <= len(data):
        btype = struct.unpack_from(e + "I", data, pos)[0]
        if btype == 0x0A0D0D0A:
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack_from(e + "I", data, pos + 4)[0]
        if blen < 12 or pos + blen > len(data):
            return
        if btype == 1:
            links.append(struct.unpack_from(e + "H", data, pos + 8)[0])
        elif btype == 6:
            iface, _, _, caplen = struct.unpack_from(e + "IIII", data, pos + 8)
            yield (links[iface] if iface < len(links) else 1), data[pos + 28:pos + 28 + caplen]
        pos += blen


def tcp_openings(path):
    """(ports, sequence number) of the TCP SYNs of a capture (Ethernet, IPv4 or IPv6)."""
    keys = set()
    for link, pkt in packets(path):
        if link != 1 or len(pkt) < 14:
            continue
        ethertype, off = struct.unpack_from("!H", pkt, 12)[0], 14
        if ethertype == 0x0800 and len(pkt) >= off + 20 and pkt[off + 9] == 6:
            off += (pkt[off] & 0x0F) * 4
        elif ethertype == 0x86DD and len(pkt) >= off + 40 and pkt[off + 6] == 6:
            off += 40
        else:
            continue
        if len(pkt) >= off + 14 and pkt[off + 13] & 0x02:
            keys.add(struct.unpack_from("!HHI", pkt, off))
    return keys


def groups_without_shared_connections(captures):
    """Captures in as few groups as possible such that no two in a group hold the
    same TCP connection (same ports and initial sequence number): concatenated,
    the second would look like a retransmission of the first."""
    groups = []
    for capture in captures:
        keys = tcp_openings(capture)
        for group in groups:
            if not (group["keys"] & keys):
                group["files"].append(capture)
                group["keys"] |= keys
                break
        else:
            groups.append({"files": [capture], "keys": set(keys)})
    return [g["files"] for g in groups]


def mutate_pcapng_here(src, dst, prob, seed, offset):
    """editcap -E for what editcap cannot rewrite: packet bytes of enhanced and
    simple packet blocks replaced or bit-flipped, from a seeded generator."""
    rnd = random.Random(seed)
    data = bytearray(open(src, "rb").read())
    pos = 0
    endian = "<"
    while pos + 12 <= len(data):
        btype, blen = struct.unpack_from(endian + "II", data, pos)
        if btype == 0x0A0D0D0A:
            endian = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
            btype, blen = struct.unpack_from(endian + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            break
        if btype in (6, 3):
            start = pos + (28 if btype == 6 else 12)
            caplen = struct.unpack_from(endian + "I", data, pos + 20)[0] if btype == 6 else blen - 16
            for i in range(start + offset, min(start + caplen, pos + blen - 4)):
                if rnd.random() < prob:
                    if rnd.random() < 0.5:
                        data[i] = rnd.randrange(256)
                    else:
                        data[i] ^= 1 << rnd.randrange(8)
        pos += blen
    with open(dst, "wb") as f:
        f.write(data)


def make_mutants(capture, outdir, count):
    base = os.path.splitext(os.path.basename(capture))[0]
    ext = os.path.splitext(capture)[1]
    out = []
    for i, (prob, offset) in enumerate(MUTATIONS[:count]):
        seed = SEED_BASE + i
        dst = os.path.join(outdir, "%s.m%d-p%g-o%d-s%d%s" % (base, i, prob, offset, seed, ext))
        cmd = ["editcap", "-E", str(prob), "--seed", str(seed), "-o", str(offset), "-F",
               "pcapng" if ext == ".pcapng" else "pcap", capture, dst]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        how = " ".join(cmd)
        if proc.returncode != 0:
            mutate_pcapng_here(capture, dst, prob, seed, offset)
            how = "robustness.py's own mutator (editcap: %s), p=%g seed=%d offset=%d" % (
                proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed", prob, seed, offset)
        out.append((dst, how))
    return out


# ---- judging tshark's output -----------------------------------------------------------------

def frames(text):
    """Splits `tshark -V` output into frames (bytes)."""
    chunks = re.split(rb"(?m)^(?=Frame \d+: )", text)
    return [c for c in chunks if c.startswith(b"Frame ")]


def xmtrack_subtrees(frame):
    """The lines of each xmtrack subtree of a frame (the item and what is indented under it)."""
    lines = frame.split(b"\n")
    out, i = [], 0
    while i < len(lines):
        m = re.match(rb"^(\s*)Vendor Telemetry", lines[i])
        if not m:
            i += 1
            continue
        indent = len(m.group(1))
        j = i + 1
        while j < len(lines) and (len(lines[j]) - len(lines[j].lstrip()) > indent or not lines[j].strip()):
            j += 1
        out.append(b"\n".join(lines[i:j]))
        i = j
    return out


def judge(proc, stdout, stderr, original, sanitizer):
    """Problems in one tshark run, as short strings."""
    problems = []
    report = SANITIZER_REPORT if sanitizer == "asan" else VALGRIND_REPORT
    if report.search(stderr):
        problems.append("%s report" % sanitizer)
    if proc is None:
        problems.append("time-out")
    elif proc.returncode != 0:
        problems.append("exit %d" % proc.returncode)
    if re.search(r"Dissector bug|Couldn't load plugin", stderr) or b"[Dissector bug" in stdout:
        problems.append("dissector bug or plugin not loaded")
    for n, frame in enumerate(frames(stdout), 1):
        for tree in xmtrack_subtrees(frame):
            try:
                tree.decode("utf-8")
            except UnicodeDecodeError as e:
                line = tree[:e.start].count(b"\n")
                problems.append("frame %d: xmtrack subtree not UTF-8 at line %d: %r" % (
                    n, line + 1, tree.split(b"\n")[line].strip()[:120]))
        if original and b"Vendor Telemetry" in frame and b"[Malformed Packet" in frame:
            problems.append("frame %d: malformed packet in a frame xmtrack decoded" % n)
    return problems


class Runner:
    def __init__(self, plugin, testdata, sanitizer, timeout):
        from tshark_env import TsharkEnv
        self.env = TsharkEnv(plugin)
        self.sanitizer = sanitizer
        self.timeout = timeout
        e = self.env.env
        e["WIRESHARK_DEBUG_WMEM_OVERRIDE"] = "simple"
        e["G_SLICE"] = "always-malloc"
        # No extcap helpers: `tshark -G plugins` would start them, and
        # androiddump deadlocks at exit with libasan preloaded.
        no_extcap = os.path.join(self.env.home, "no-extcap")
        os.makedirs(no_extcap)
        os.chmod(no_extcap, 0o755)
        e["WIRESHARK_EXTCAP_DIR"] = no_extcap
        if sanitizer == "asan":
            libs = [subprocess.run(["gcc", "-print-file-name=" + lib], capture_output=True, text=True,
                                   check=True).stdout.strip() for lib in ("libasan.so", "libubsan.so")]
            for lib in libs:
                if not os.path.isabs(lib):
                    raise SystemExit("gcc has no %s (libgcc-12-dev / gcc provides it)" % lib)
            e["LD_PRELOAD"] = " ".join(libs)
            e["ASAN_OPTIONS"] = "detect_leaks=0:halt_on_error=1:abort_on_error=0:exitcode=86:" \
                                "detect_odr_violation=0:print_summary=1"
            e["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
        # tshark_env drops to uid 65534 with preexec_fn, which is not safe
        # with the threads used here: subprocess's own arguments do the same.
        self.user = dict(user=65534, group=65534, extra_groups=[]) if os.geteuid() == 0 else {}
        self.env.assert_plugin_loaded()
        self.work = os.path.join(self.env.home, "work")
        os.makedirs(self.work)
        os.chmod(self.work, 0o755)
        self.key_dirs = [testdata, os.path.join(HERE, "regressions")]

    def stage(self, path):
        """A copy nobody can read, in the temporary HOME."""
        dst = os.path.join(self.work, os.path.basename(path))
        if os.path.abspath(path) != dst:
            shutil.copy(path, dst)
        os.chmod(dst, 0o644)
        return dst

    def dissect(self, capture, keys, original, how, want_stdout=False):
        args = ["-n", "-r", capture, "-V", "-2"]
        if keys:
            args += ["-o", "tls.keylog_file:" + keys]
        cmd = ["tshark"] + args
        if self.sanitizer == "valgrind":
            cmd = ["valgrind", "-q", "--error-exitcode=99", "--leak-check=no", "--num-callers=30"] + cmd
        t0 = time.monotonic()
        try:
            proc = subprocess.run(cmd, capture_output=True, env=self.env.env, cwd=self.work,
                                  timeout=self.timeout, **self.user)
            stdout, stderr = proc.stdout, proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            proc, stdout, stderr = None, e.stdout or b"", (e.stderr or b"").decode("utf-8", "replace")
        problems = judge(proc, stdout, stderr, original, self.sanitizer)
        if want_stdout:
            return capture, how, problems, stderr, time.monotonic() - t0, stdout
        return capture, how, problems, stderr, time.monotonic() - t0


def run_all(runner, jobs, keep_dir):
    failed, done = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(runner.dissect, *job) for job in runner.jobs]
        for fut in futures:
            capture, how, problems, stderr, secs = fut.result()
            done += 1
            name = os.path.basename(capture)
            if not problems:
                log("ok   %-60s %5.1f s" % (name, secs))
                continue
            failed.append(name)
            log("FAIL %s (%.1f s): %s\n     made by: %s" % (name, secs, "; ".join(problems), how))
            report = [l for l in stderr.splitlines() if l.strip()]
            if report:
                log("     " + "\n     ".join(report[:60]))
            if keep_dir:
                os.makedirs(keep_dir, exist_ok=True)
                shutil.copy(capture, keep_dir)
                log("     kept as %s" % os.path.join(keep_dir, name))
    log("%d passed, %d failed" % (done - len(failed), len(failed)))
    return not failed


def cmd_build_asan(args):
    t0 = time.monotonic()
    subprocess.run(["cmake", "-S", args.source, "-B", args.build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    "-DXMTRACK_SANITIZE=ON", "-DBUILD_TESTING=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", args.build, "--target", "xmtrack", "-j", str(os.cpu_count() or 2)],
                   check=True)
    log("ASan/UBSan plugin built in %.1f s" % (time.monotonic() - t0))


def cmd_asan(args):
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "asan", args.timeout)
    runner.jobs = []
    mutants_dir = os.path.join(runner.work, "mutants")
    os.makedirs(mutants_dir)
    for capture in originals(args.testdata):
        keys = keylog_for(capture, runner.key_dirs)
        staged_keys = runner.stage(keys) if keys else None
        runner.jobs.append((runner.stage(capture), staged_keys, True, "original"))
        for mutant, how in make_mutants(capture, mutants_dir, args.mutants):
            os.chmod(mutant, 0o644)
            runner.jobs.append((mutant, staged_keys, False, how))
    os.chmod(mutants_dir, 0o755)
    log("%d captures and mutants under ASan/UBSan" % len(runner.jobs))
    ok = run_all(runner, args.jobs, args.keep_failed)
    log("asan: %.1f s" % (time.monotonic() - t0))
    sys.exit(0 if ok else 1)


def merge(captures, out):
    """All captures one after another in one file (mergecap -a); FALSE when mergecap refuses."""
    if subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", out] + captures, capture_output=True).returncode:
        return False
    os.chmod(out, 0o644)
    return True


def xmtrack_frames(runner, capture, keys, two_pass=True):
    """Numbers of the frames xmtrack decodes in a capture, with the plain tshark."""
    args = ["-n", "-r", capture, "-Y", "xmtrack", "-T", "fields", "-e", "frame.number"]
    if two_pass:
        args.append("-2")
    if keys:
        args += ["-o", "tls.keylog_file:" + keys]
    proc = subprocess.run(["tshark"] + args, capture_output=True, text=True, env=runner.env.env, cwd=runner.work,
                          timeout=runner.timeout, **runner.user)
    if proc.returncode != 0:
        raise SystemExit("tshark %s failed:\n%s" % (" ".join(args), proc.stderr))
    return [int(n) for n in proc.stdout.split()]


def concatenated_keylog(runner, keylogs, name):
    if not keylogs:
        return None
    path = os.path.join(runner.work, name)
    with open(path, "w") as out:
        for k in keylogs:
            out.write(open(k).read().rstrip("\n") + "\n")
    os.chmod(path, 0o644)
    return path


def cmd_valgrind(args):
    """valgrind costs some 8 s of tshark start-up per run, so a run per capture
    would take minutes: the captures are concatenated (mergecap -a) and read in
    one run, in as few runs as keep two copies of one TCP connection apart.
    The frames xmtrack decodes in the concatenation are checked against those
    it decodes in each capture alone, so that no capture is lost to another."""
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "valgrind", args.timeout)
    staged, keys_of = [], {}
    for capture in originals(args.testdata):
        path = runner.stage(capture)
        keys = keylog_for(capture, runner.key_dirs)
        keys_of[path] = runner.stage(keys) if keys else None
        staged.append(path)
    runner.jobs = []
    layout = {}
    batches = []
    for i, group in enumerate(groups_without_shared_connections(staged)):
        merged = os.path.join(runner.work, "all-captures-%d.pcapng" % (i + 1))
        if len(group) > 1 and merge(group, merged):
            batches.append((merged, group))
        else:  # one capture, or mergecap refused (4.0 cannot write pcapng with secrets): each alone
            batches += [(c, [c]) for c in group]
    for i, (target, group) in enumerate(batches):
        keylog = concatenated_keylog(runner, sorted({keys_of[c] for c in group if keys_of[c]}), "all-%d.keys" % (i + 1))
        expected, offset = {}, 0
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            counts = list(pool.map(lambda c: xmtrack_frames(runner, c, keys_of[c], False), group))
        for c, numbers in zip(group, counts):
            for n in numbers:
                expected[offset + n] = os.path.basename(c)
            offset += sum(1 for _ in packets(c))
        layout[target] = expected
        how = "mergecap -a " + " ".join(os.path.basename(c) for c in group) if len(group) > 1 else "original"
        runner.jobs.append((target, keylog, True, how))
        log("%s: %d capture(s), %d frames decoded by xmtrack" % (os.path.basename(target), len(group), len(expected)))
    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for capture, how, problems, stderr, secs, stdout in pool.map(
                lambda job: runner.dissect(*job, want_stdout=True), runner.jobs):
            expected = layout[capture]
            decoded = {int(re.match(rb"Frame (\d+):", f).group(1)) for f in frames(stdout) if b"Vendor Telemetry" in f}
            lost = sorted(set(expected) - decoded)
            extra = sorted(decoded - set(expected))
            if lost or extra:
                problems.append("xmtrack decoded %d frames of the concatenation (two passes), %d of the captures "
                                "alone (one pass); lost: %s; extra: %s (a frame decoded alone but not here: state kept "
                                "for the second pass, see robustness.two_pass)" % (len(decoded), len(expected),
                                               ", ".join("frame %d (%s)" % (n, expected[n]) for n in lost) or "none",
                                               ", ".join(str(n) for n in extra) or "none"))
            name = os.path.basename(capture)
            if problems:
                failed += 1
                log("FAIL %s under valgrind (%.1f s): %s\n     made by: %s" % (name, secs, "; ".join(problems), how))
                report = [l for l in stderr.splitlines() if l.strip()]
                if report:
                    log("     " + "\n     ".join(report[:200]))
            else:
                log("ok   %s under valgrind, %d xmtrack frames (%.1f s)" % (name, len(decoded), secs))
    log("valgrind: %.1f s" % (time.monotonic() - t0))
    log("%d passed, %d failed" % (len(runner.jobs) - failed, failed))
    sys.exit(1 if failed else 0)


def cmd_two_pass(args):
    """One pass and two (tshark -2, as a GUI re-dissection) must find the same
    analytics: the plugin keeps per-frame state for the second pass."""
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "plain", args.timeout)
    failed, n = 0, 0

    def both(capture):
        path = runner.stage(capture)
        keys = keylog_for(capture, runner.key_dirs)
        keys = runner.stage(keys) if keys else None
        return capture, xmtrack_frames(runner, path, keys, False), xmtrack_frames(runner, path, keys, True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        for capture, one, two in pool.map(both, originals(args.testdata)):
            n += 1
            if one != two:
                failed += 1
                log("FAIL %s: xmtrack decodes frames %s in one pass, %s in two (-2)" % (
                    os.path.basename(capture), one, two))
            else:
                log("ok   %s: %d frames" % (os.path.basename(capture), len(one)))
    log("two-pass: %.1f s" % (time.monotonic() - t0))
    log("%d passed, %d failed" % (n - failed, failed))
    sys.exit(1 if failed else 0)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("build-asan")
    p.add_argument("--source", default=REPO)
    p.add_argument("--build", required=True)
    p.set_defaults(fn=cmd_build_asan)
    for name, fn in (("asan", cmd_asan), ("valgrind", cmd_valgrind), ("two-pass", cmd_two_pass)):
        p = sub.add_parser(name)
        p.add_argument("--plugin", required=True)
        p.add_argument("--testdata", default=os.environ.get("XMTRACK_TESTDATA", os.path.join(REPO, "testdata")))
        p.add_argument("--jobs", type=int, default=2)
        p.add_argument("--timeout", type=int, default=300)
        p.set_defaults(fn=fn)
        if name == "asan":
            p.add_argument("--mutants", type=int, default=4, help="mutants per capture (at most %d)" % len(MUTATIONS))
            p.add_argument("--keep-failed", help="copy failing mutants here")
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
