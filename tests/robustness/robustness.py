#!/usr/bin/env python3
"""Whole-plugin robustness runs through the real tshark (README "Robustness").

    robustness.py build-asan --source DIR --build DIR
        the plugin built with gcc and -fsanitize=address,undefined (XMTRACK_SANITIZE=ON)
    robustness.py asan --plugin ASAN_SO [--mutants N]
        every capture shipped in testdata/ (recursively) and tests/robustness/regressions/, and N
        mutants of each, dissected with `tshark -nr F -V -2` and the ASan plugin
    robustness.py valgrind --plugin SO
        every capture once, `tshark -nr F -V -2` under valgrind --error-exitcode and
        --leak-check=full: a leak whose stack holds a frame of the plugin fails
    robustness.py two-pass --plugin SO
        one pass and two (-2) must decode the same frames with the same values
        (`-T json` of the xmtrack subtree, value for value) in every capture
    robustness.py valgrind-suppressions --out FILE
        writes valgrind.supp: libwireshark's and GLib's own leaks, from runs with no plugin

Captures, and the tshark arguments each needs (`-d` for h2c ports, its TLS key log), come from
tests/integration/captures.py, the one place that says so: a capture added anywhere under
testdata/ is run here with no change to this file.

tshark runs as tests/integration/tshark_env.py runs it: as uid 65534 when
started as root, with the plugin alone in a temporary personal plugin folder,
WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 and WIRESHARK_DEBUG_WMEM_OVERRIDE=simple
(wmem on plain malloc, so that ASan and valgrind see every packet-scope
buffer).  The ASan run preloads gcc's libasan and libubsan into the ordinary
tshark.

tshark's start-up (some 1 s under ASan, 8 s under valgrind) costs more than most captures, so
captures are read concatenated (mergecap -a), in batches: no two captures of a batch hold the
same TCP connection (concatenated, the second would look like a retransmission of the first)
or need conflicting arguments (a `-d tcp.port==N` of one on a port another uses), their key
logs are joined and keys embedded in a pcapng (Decryption Secrets Blocks, which 4.0's mergecap
cannot merge) go into that joined key log.  When a batch fails, each capture in it is run
alone, so that the failure names its capture.

Mutants are made with `editcap -E <p> --seed <s> [-o <offset>]` from fixed
seeds, so every run dissects the same files; captures editcap cannot rewrite
are mutated here the same way, packet bytes only, from the same seeds.

What fails a capture:
  - any AddressSanitizer or UBSan report, or a valgrind error;
  - under valgrind, a definitely, indirectly or possibly lost block whose allocation stack holds
    a frame of the plugin (valgrind.supp suppresses libwireshark's and GLib's own leaks; one of
    theirs that it misses is counted, not failed: it has no xmtrack frame);
  - a non-zero exit (an abort on a dissector bug included), or a time-out;
  - a GLib critical or warning on stderr (tshark_env.GLIB_PROBLEM);
  - in the xmtrack subtree of the -V output, bytes that are not UTF-8 (field
    values are UTF-8 by contract, and -T json/-T ek exports carry them as is);
  - for the unmutated captures only: "[Malformed Packet" in a frame that
    xmtrack decoded (an exception thrown while the plugin built its tree), and
    under valgrind a frame decoded in the capture alone but not in the concatenation.
A failing mutant is copied to <work>/failed/ with the command that shows it;
keep it as tests/robustness/regressions/<what-it-is>.pcap.

LeakSanitizer stays off in the ASan run (detect_leaks=0): its fast unwinder stops at GLib's
frames (no frame pointers), so a leak made through g_malloc shows no caller, its slow one
costs five times the run, and tshark unloads the plugin before the check, so the plugin's
frames could not be named anyway. valgrind (--keep-debuginfo=yes) names them.
"""
import argparse
import concurrent.futures
import json
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
import captures as shipped  # noqa: E402
from tshark_env import GLIB_PROBLEM  # noqa: E402

REGRESSIONS = os.path.join(HERE, "regressions")
SUPPRESSIONS = os.path.join(HERE, "valgrind.supp")

# (error probability, offset): offset 0 damages headers too; 66 skips Ethernet,
# IPv4 and a TCP header with timestamps, so the HTTP payload takes the hits.
MUTATIONS = [(0.02, 0), (0.02, 66), (0.05, 66), (0.01, 66), (0.1, 66), (0.005, 54), (0.03, 86), (0.2, 66)]
SEED_BASE = 5000

SANITIZER_REPORT = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined)"
                              r"BehaviorSanitizer|==\d+==ERROR")
VALGRIND_REPORT = re.compile(r"==\d+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|"
                             r"Syscall param|Mismatched free|Source and destination overlap|Process terminating)")
LEAK_KINDS = "definite,indirect,possible"
VALGRIND = ["valgrind", "-q", "--error-exitcode=99", "--num-callers=40", "--keep-debuginfo=yes",
            "--leak-check=full", "--show-leak-kinds=" + LEAK_KINDS, "--errors-for-leak-kinds=none"]


def log(msg):
    print(msg, flush=True)


def plugin_sources():
    """File names of the plugin's sources (all named xmt_*): a stack frame naming one of them is
    the plugin's. (plugin.c, its loader entry, has a name other plugins' sources share.)"""
    names = set()
    for dirpath, _, files in os.walk(os.path.join(REPO, "plugin")):
        names.update(f for f in files if f.startswith("xmt_") and f.endswith((".c", ".h")))
    return names


# ---- pcap and pcapng ------------------------------------------------------------------------

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


def records(path):
    """How many frames tshark numbers in a capture: its packets and, in a pcapng, its custom blocks
    (PCAPdroid writes its app table as such; Wireshark shows each as a frame of its own)."""
    count = sum(1 for _ in packets(path))
    data = open(path, "rb").read()
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        return count
    pos, e = 0, "<"
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(e + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            break
        count += btype in (0x00000BAD, 0x40000BAD)
        pos += blen
    return count


def ip_offset(link, pkt):
    """(ethertype-like version, offset of the IP header) of a packet, for the link types captures
    come in: Ethernet (dumpcap, tcpdump on lo), raw IP (PCAPdroid and other VPN-based capture
    apps), Linux cooked v1 and v2 (tcpdump -i any); (None, 0) for anything else."""
    if link == 1 and len(pkt) >= 14:
        return struct.unpack_from("!H", pkt, 12)[0], 14
    if link in (101, 228, 229, 12, 14) and pkt:
        return {4: 0x0800, 6: 0x86DD}.get(pkt[0] >> 4), 0
    if link == 113 and len(pkt) >= 16:
        return struct.unpack_from("!H", pkt, 14)[0], 16
    if link == 276 and len(pkt) >= 20:
        return struct.unpack_from("!H", pkt, 0)[0], 20
    return None, 0


def tcp_openings(path):
    """(ports, sequence number) of the TCP SYNs of a capture (IPv4 or IPv6)."""
    keys = set()
    for link, pkt in packets(path):
        ethertype, off = ip_offset(link, pkt)
        if ethertype == 0x0800 and len(pkt) >= off + 20 and pkt[off + 9] == 6:
            off += (pkt[off] & 0x0F) * 4
        elif ethertype == 0x86DD and len(pkt) >= off + 40 and pkt[off + 6] == 6:
            off += 40
        else:
            continue
        if len(pkt) >= off + 14 and pkt[off + 13] & 0x02:
            keys.add(struct.unpack_from("!HHI", pkt, off))
    return keys


TLS_KEY_LOG = 0x544C534B  # secrets type of a Decryption Secrets Block holding a TLS key log


def split_secrets(src, dst):
    """Copies a pcapng without its Decryption Secrets Blocks; returns the TLS key log text they
    held ('' for a pcap or a pcapng without any: then dst is a plain copy)."""
    data = open(src, "rb").read()
    if data[:4] != b"\x0a\x0d\x0d\x0a":
        shutil.copy(src, dst)
        return ""
    out, secrets, pos, e = bytearray(), [], 0, "<"
    while pos + 12 <= len(data):
        if data[pos:pos + 4] == b"\x0a\x0d\x0d\x0a":
            e = "<" if data[pos + 8:pos + 12] == b"\x4d\x3c\x2b\x1a" else ">"
        btype, blen = struct.unpack_from(e + "II", data, pos)
        if blen < 12 or pos + blen > len(data):
            raise ValueError("%s: pcapng block at %d runs past the file" % (src, pos))
        if btype == 0x0000000A:
            kind, length = struct.unpack_from(e + "II", data, pos + 8)
            if kind != TLS_KEY_LOG:
                raise ValueError("%s: secrets of type 0x%08x, only TLS key logs are handled" % (src, kind))
            secrets.append(data[pos + 16:pos + 16 + length].decode("ascii").rstrip("\n") + "\n")
        else:
            out += data[pos:pos + blen]
        pos += blen
    with open(dst, "wb") as f:
        f.write(out)
    return "".join(secrets)


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


# ---- captures, staged for the unprivileged tshark ------------------------------------------

class Staged:
    """One capture as tshark reads it here. `path` is the file as shipped (a readable copy),
    `bare` the same without embedded secrets (for mergecap), `keylog` the key log text it
    needs (its .keys file and its embedded secrets), `args` its other arguments."""

    def __init__(self, label, path, bare, args, keylog, original, how="original"):
        self.label, self.path, self.bare, self.args, self.keylog = label, path, bare, args, keylog
        self.original, self.how = original, how
        self.openings = tcp_openings(bare)
        self.ports = {p for sport, dport, _ in self.openings for p in (sport, dport)}
        self.frames = records(bare)
        self.size = os.path.getsize(bare)


def arg_pairs(args):
    """(flag, value) pairs of a capture's arguments; only -d and -o are understood (anything
    else makes the capture run alone: None)."""
    pairs, i = [], 0
    while i < len(args):
        if args[i] in ("-d", "-o") and i + 1 < len(args):
            pairs.append((args[i], args[i + 1]))
            i += 2
        else:
            return None
    return pairs


def compatible(a, b):
    """Two captures can share a batch: no TCP connection in both, and neither's arguments
    change how the other is read."""
    if a.openings & b.openings:
        return False
    pa, pb = arg_pairs(a.args), arg_pairs(b.args)
    if pa is None or pb is None:
        return False
    for mine, theirs, their_ports in ((pa, pb, b.ports), (pb, pa, a.ports)):
        for flag, value in mine:
            key = value.split("," if flag == "-d" else ":")[0]
            if any(f == flag and v.split("," if f == "-d" else ":")[0] == key and v != value for f, v in theirs):
                return False
            m = re.match(r"^(?:tcp|udp)\.port\s*==\s*(\d+)$", key) if flag == "-d" else None
            if flag == "-d" and (not m or (int(m.group(1)) in their_ports and (flag, value) not in theirs)):
                return False
    return True


def batches(items, count):
    """The items in about `count` batches of similar size (largest first, each into the lightest
    batch it is compatible with), more where they are not compatible."""
    bins = [[] for _ in range(max(1, count))]
    for item in sorted(items, key=lambda s: -s.size):
        fitting = [b for b in bins if all(compatible(item, other) for other in b)]
        if not fitting:
            fitting = [[]]
            bins.append(fitting[0])
        min(fitting, key=lambda b: sum(s.size for s in b)).append(item)
    return [b for b in bins if b]


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


KEY_FOUND_TREE = re.compile(rb"^\s*Vendor Telemetry: \S+ AES key found")


def carries_xmtrack(frame):
    """Whether a frame of -V text carries the xmtrack protocol, as `-Y xmtrack` finds it: a page
    that hands out a key shows a "Vendor Telemetry: ... key found" subtree but is not an upload and
    carries no protocol item (docs/fields.md, xmtrack.key_found)."""
    return any(not KEY_FOUND_TREE.match(t) for t in xmtrack_subtrees(frame))


def leak_records(stderr):
    """valgrind's leak records: (kind, the record's text) for each lost block it reports."""
    out = []
    for block in re.split(r"(?m)^==\d+== ?\n", stderr):
        m = re.search(r"are (definitely|indirectly|possibly) lost in loss record", block)
        if m:
            out.append((m.group(1), block.strip()))
    return out


def plugin_leaks(stderr, sources):
    """The leak records whose allocation stack holds a frame of the plugin (its source files),
    and how many other records there are (libwireshark's or GLib's own)."""
    mine, others = [], 0
    for kind, text in leak_records(stderr):
        frames_in = re.findall(r"(?:at|by) 0x[0-9A-Fa-f]+: .*?\((?:in )?([^():]+?)(?::\d+)?\)$", text, re.M)
        if any(os.path.basename(f) in sources or f.endswith("/xmtrack.so") for f in frames_in):
            mine.append(text)
        else:
            others += 1
    return mine, others


def judge(proc, stdout, stderr, original, sanitizer, sources=None):
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
    glib = GLIB_PROBLEM.search(stderr)
    if glib:
        problems.append("GLib critical or warning: %s" % glib.group(0).strip()[:200])
    if sanitizer == "valgrind" and sources is not None:
        mine, _ = plugin_leaks(stderr, sources)
        if mine:
            problems.append("%d leak record(s) with a frame of the plugin" % len(mine))
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


def xmtrack_values(packets_json):
    """{frame number: the xmtrack layer} of `tshark -T json -J "frame xmtrack" --no-duplicate-keys`."""
    out = {}
    for packet in packets_json:
        layers = packet["_source"]["layers"]
        out[int(layers["frame"]["frame.number"])] = layers.get("xmtrack")
    return out


def values_of(tree, key):
    """Every value of KEY anywhere in one frame's xmtrack values (nested subtrees and lists)."""
    found = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            if k == key:
                found.extend(v if isinstance(v, list) else [v])
            found.extend(values_of(v, key))
    elif isinstance(tree, list):
        for v in tree:
            found.extend(values_of(v, key))
    return found


FOUND_LATER = re.compile(r"found in frame (\d+)$")


def opened_by_later_page(n, one, two):
    """Frame N differs between the passes by design (docs/formats/sensors-encryption.md, "Keys
    after the uploads"): its upload is sealed under the key a page hands the SDK, and that page comes later in the capture. One pass cannot know the key
    yet and says so; two passes open it with the key "found in frame M", M > N. True only when both
    sides show exactly that: the one-pass frame says why it stayed sealed and points to tshark -2,
    and every key the two-pass frame used was found in a later frame."""
    sources = values_of(two, "xmtrack.key_source")
    later = [FOUND_LATER.search(str(s)) for s in sources]
    if not sources or not all(m and int(m.group(1)) > n for m in later):
        return False
    why = [str(m) for m in values_of(one, "_ws.expert.message")]
    return any("not opened" in m and "tshark -2" in m for m in why)


def compare_passes(one, two, limit=20, expected=None):
    """What differs between the xmtrack values of one pass and of two (both as xmtrack_values()
    gives them): frames found by one only, and each value that differs, by its path."""
    diffs = []
    for n in sorted(set(one) - set(two)):
        diffs.append("frame %d: decoded in one pass only" % n)
    for n in sorted(set(two) - set(one)):
        diffs.append("frame %d: decoded in two passes only" % n)

    def walk(a, b, path, n):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in sorted(set(a) | set(b)):
                if k not in b:
                    diffs.append("frame %d: %s/%s only in one pass: %.120r" % (n, path, k, a[k]))
                elif k not in a:
                    diffs.append("frame %d: %s/%s only in two passes: %.120r" % (n, path, k, b[k]))
                else:
                    walk(a[k], b[k], "%s/%s" % (path, k), n)
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(x, y, "%s[%d]" % (path, i), n)
        elif a != b:
            diffs.append("frame %d: %s: %.120r in one pass, %.120r in two" % (n, path, a, b))

    for n in sorted(set(one) & set(two)):
        if opened_by_later_page(n, one[n], two[n]):
            if expected is not None:
                expected.append(n)
            continue
        walk(one[n], two[n], "xmtrack", n)
    return diffs[:limit] + (["... %d more" % (len(diffs) - limit)] if len(diffs) > limit else [])


# ---- running tshark ------------------------------------------------------------------------

class Runner:
    def __init__(self, plugin, testdata, sanitizer, timeout):
        from tshark_env import TsharkEnv
        self.env = TsharkEnv(plugin)
        self.sanitizer = sanitizer
        self.timeout = timeout
        self.testdata = testdata
        self.sources = plugin_sources()
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

    def readable(self, path):
        os.chmod(path, 0o644)
        return path

    def place(self, label):
        dst = os.path.join(self.work, "staged", label)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        d = os.path.join(self.work, "staged")
        for dirpath, _, _ in os.walk(d):
            os.chmod(dirpath, 0o755)
        return dst

    def stage(self, capture, label):
        """A Staged copy of a shipped capture (captures.Capture) the unprivileged tshark can read."""
        dst = self.place(label)
        shutil.copy(capture.path, dst)
        bare = dst + ".bare" + os.path.splitext(dst)[1]
        keylog = split_secrets(dst, bare)
        if capture.keylog:
            keylog = open(capture.keylog).read().rstrip("\n") + "\n" + keylog
        return Staged(label, self.readable(dst), self.readable(bare), list(capture.args), keylog, True)

    def originals(self):
        """Every capture shipped in testdata/ and every regression capture, staged."""
        out = [self.stage(c, "testdata/" + c.name) for c in shipped.shipped(self.testdata)]
        out += [self.stage(c, "regressions/" + c.name) for c in shipped.shipped(REGRESSIONS)]
        return out

    def keylog_file(self, text, name):
        if not text.strip():
            return None
        path = os.path.join(self.work, name)
        with open(path, "w") as f:
            f.write(text)
        return self.readable(path)

    def args_of(self, items, name):
        """The tshark arguments of a batch: each distinct argument of its captures, and one key log."""
        args = []
        for s in items:
            for flag, value in arg_pairs(s.args) or []:
                if [flag, value] not in [args[i:i + 2] for i in range(0, len(args), 2)]:
                    args += [flag, value]
        keylog = self.keylog_file("".join(s.keylog for s in items if s.keylog), name + ".keys")
        if keylog:
            args += ["-o", "tls.keylog_file:" + keylog]
        return args

    def alone(self, staged):
        """(capture, arguments) of one capture read on its own (its key log in a file of its own:
        these runs go in parallel)."""
        return self.batch_file([staged], "alone-" + re.sub(r"[^\w.-]", "_", staged.label))

    def batch_file(self, items, name):
        """(capture, arguments) of a batch: the captures concatenated (mergecap -a), or the one
        capture as shipped with its own arguments. `name` names the files it writes."""
        if len(items) == 1:
            s = items[0]
            return s.path, self.args_of([s], name) if s.keylog else list(s.args)
        out = os.path.join(self.work, name + ".pcapng")
        proc = subprocess.run(["mergecap", "-a", "-F", "pcapng", "-w", out] + [s.bare for s in items],
                              capture_output=True, text=True)
        if proc.returncode:
            raise SystemExit("mergecap -a %s: %s" % (" ".join(s.label for s in items), proc.stderr))
        return self.readable(out), self.args_of(items, name)

    def tshark(self, capture, args, wrapper=(), env=None):
        """(CompletedProcess or None on time-out, stdout bytes, stderr text)."""
        cmd = list(wrapper) + ["tshark", "-n", "-r", capture] + list(args)
        try:
            proc = subprocess.run(cmd, capture_output=True, env=env or self.env.env, cwd=self.work,
                                  timeout=self.timeout, **self.user)
            return proc, proc.stdout, proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", (e.stderr or b"").decode("utf-8", "replace")

    def dissect(self, capture, args, original):
        """`tshark -V -2` under this runner's sanitizer: (problems, stdout, stderr, seconds)."""
        wrapper = []
        if self.sanitizer == "valgrind":
            wrapper = VALGRIND + (["--suppressions=" + SUPPRESSIONS] if os.path.exists(SUPPRESSIONS) else [])
        t0 = time.monotonic()
        proc, out, err = self.tshark(capture, ["-V", "-2"] + args, wrapper)
        problems = judge(proc, out, err, original, self.sanitizer, self.sources)
        return problems, out, err, time.monotonic() - t0

    def xmtrack_frames(self, capture, args):
        """Numbers of the frames xmtrack decodes in one pass, with the plain tshark."""
        proc, out, err = self.tshark(capture, ["-Y", "xmtrack", "-T", "fields", "-e", "frame.number"] + args)
        if proc is None or proc.returncode != 0:
            raise SystemExit("tshark -r %s %s failed:\n%s" % (capture, " ".join(args), err))
        return [int(n) for n in out.split()]

    def values(self, capture, args, two_pass):
        """xmtrack_values() of a capture, read in one pass or two."""
        cmd = ["-Y", "xmtrack", "-T", "json", "-J", "frame xmtrack", "--no-duplicate-keys"] + (["-2"] if two_pass else [])
        proc, out, err = self.tshark(capture, cmd + args)
        problems = judge(proc, b"", err, True, "plain")
        if problems:
            raise SystemExit("tshark -r %s %s: %s\n%s" % (capture, " ".join(cmd + args), "; ".join(problems), err))
        return xmtrack_values(json.loads(out or b"[]"))


def where(items, frame):
    """The capture of a batch a frame number falls in, and its number there."""
    for s in items:
        if frame <= s.frames:
            return s.label, frame
        frame -= s.frames
    return "?", frame


def name_frames(items, text):
    """'frame N' of a batch rewritten as 'frame N (capture, its frame M)'."""
    if len(items) == 1:
        return text
    return re.sub(r"frame (\d+)", lambda m: "frame %s (%s frame %d)" % ((m.group(1),) + where(items, int(m.group(1)))),
                  text)


def report(name, problems, how, stderr, seconds, lines=60):
    log("FAIL %s (%.1f s): %s\n     made by: %s" % (name, seconds, "; ".join(problems), how))
    shown = [l for l in stderr.splitlines() if l.strip()]
    if shown:
        log("     " + "\n     ".join(shown[:lines]))


def run_batches(runner, groups, jobs, keep_dir, prefix):
    """Dissects each batch under the runner's sanitizer; a failing batch is run again capture by
    capture to name the failing ones. Returns the number of failures."""
    jobs_list = []
    for i, items in enumerate(groups):
        capture, args = runner.batch_file(items, "%s-%d" % (prefix, i + 1))
        jobs_list.append((items, capture, args))

    def one(job):
        items, capture, args = job
        return job, runner.dissect(capture, args, items[0].original)

    failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, jobs_list))
    for (items, capture, args), (problems, _, stderr, secs) in results:
        name = "%s (%d capture(s): %s)" % (os.path.basename(capture), len(items),
                                          ", ".join(s.label for s in items[:4]) + (", ..." if len(items) > 4 else ""))
        if not problems:
            log("ok   %-70s %5.1f s" % (name, secs))
            continue
        if len(items) == 1:
            failed += 1
            report(name, problems, items[0].how, stderr, secs)
            keep(keep_dir, items[0])
            continue
        log("batch %s failed (%s): each of its captures alone" % (name, name_frames(items, "; ".join(problems))))
        alone = pool_map(jobs, lambda s: (s, runner.dissect(*runner.alone(s), s.original)), items)
        culprits = [(s, r) for s, r in alone if r[0]]
        for s, (p, _, err, t) in culprits:
            failed += 1
            report(s.label, p, s.how, err, t)
            keep(keep_dir, s)
        if not culprits:
            failed += 1
            report(name, problems, "the concatenation only: no capture fails alone", stderr, secs)
    return failed


def pool_map(jobs, fn, items):
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(fn, items))


def keep(keep_dir, staged):
    if keep_dir:
        os.makedirs(keep_dir, exist_ok=True)
        shutil.copy(staged.path, keep_dir)
        log("     kept as %s" % os.path.join(keep_dir, os.path.basename(staged.path)))


# ---- the commands --------------------------------------------------------------------------

def cmd_build_asan(args):
    t0 = time.monotonic()
    subprocess.run(["cmake", "-S", args.source, "-B", args.build, "-DCMAKE_BUILD_TYPE=RelWithDebInfo",
                    "-DXMTRACK_SANITIZE=ON", "-DBUILD_TESTING=OFF"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", args.build, "--target", "xmtrack", "-j", str(os.cpu_count() or 2)],
                   check=True)
    log("ASan/UBSan plugin built in %.1f s" % (time.monotonic() - t0))


def make_mutants(runner, staged, count):
    """Staged mutants of a staged capture (of its copy without embedded secrets, which editcap can
    rewrite; they keep its key log)."""
    outdir = os.path.join(runner.work, "mutants", os.path.dirname(staged.label))
    os.makedirs(outdir, exist_ok=True)
    for dirpath, _, _ in os.walk(os.path.join(runner.work, "mutants")):
        os.chmod(dirpath, 0o755)
    base, ext = os.path.splitext(os.path.basename(staged.label))
    out = []
    for i, (prob, offset) in enumerate(MUTATIONS[:count]):
        seed = SEED_BASE + i
        dst = os.path.join(outdir, "%s.m%d-p%g-o%d-s%d%s" % (base, i, prob, offset, seed, ext))
        cmd = ["editcap", "-E", str(prob), "--seed", str(seed), "-o", str(offset), "-F",
               "pcapng" if ext == ".pcapng" else "pcap", staged.bare, dst]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        how = "editcap -E %g --seed %d -o %d on %s%s" % (prob, seed, offset, staged.label,
                                                         " (its secrets as a key log)" if staged.keylog else "")
        if proc.returncode != 0:
            mutate_pcapng_here(staged.bare, dst, prob, seed, offset)
            how = "robustness.py's own mutator (editcap: %s), p=%g seed=%d offset=%d, on %s" % (
                proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "failed", prob, seed, offset,
                staged.label)
        runner.readable(dst)
        label = os.path.join(os.path.dirname(staged.label), os.path.basename(dst))
        mutant = Staged(label, dst, dst, staged.args, staged.keylog, False, how)
        # A "SYN" the mutation wrote (editcap writes runs of 0xAA) is no connection of the
        # capture's: batching on it would keep mutants of every capture apart for nothing.
        mutant.openings &= staged.openings
        out.append(mutant)
    return out


def cmd_asan(args):
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "asan", args.timeout)
    originals = runner.originals()
    mutants = [m for s in originals for m in make_mutants(runner, s, args.mutants)]
    groups = batches(originals, args.jobs) + batches(mutants, args.jobs * 2)
    log("%d captures and %d mutants under ASan/UBSan, in %d tshark runs" % (len(originals), len(mutants), len(groups)))
    failed = run_batches(runner, groups, args.jobs, args.keep_failed, "asan")
    log("asan: %.1f s" % (time.monotonic() - t0))
    log("%d captures and mutants, %d failed" % (len(originals) + len(mutants), failed))
    sys.exit(1 if failed else 0)


def cmd_valgrind(args):
    """valgrind costs some 8 s of tshark start-up per run, so the captures are read
    concatenated, in one batch per job. The frames xmtrack decodes in each batch are checked
    against those it decodes in each capture alone, so that no capture is lost to another."""
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "valgrind", args.timeout)
    originals = runner.originals()
    groups = batches(originals, args.jobs)
    jobs = []
    for i, items in enumerate(groups):
        capture, targs = runner.batch_file(items, "valgrind-%d" % (i + 1))
        alone = pool_map(args.jobs, lambda s: runner.xmtrack_frames(*runner.alone(s)), items)
        expected, offset = {}, 0
        for s, numbers in zip(items, alone):
            for n in numbers:
                expected[offset + n] = s.label
            offset += s.frames
        jobs.append((items, capture, targs, expected))
        log("%s: %d capture(s), %d frames decoded by xmtrack" % (os.path.basename(capture), len(items), len(expected)))
    failed = 0
    others = 0
    for (items, capture, targs, expected), (problems, stdout, stderr, secs) in zip(
            jobs, pool_map(args.jobs, lambda j: runner.dissect(j[1], j[2], True), jobs)):
        decoded = {int(re.match(rb"Frame (\d+):", f).group(1)) for f in frames(stdout) if carries_xmtrack(f)}
        lost = sorted(set(expected) - decoded)
        extra = sorted(decoded - set(expected))
        if lost or extra:
            problems.append("xmtrack decoded %d frames of the concatenation (two passes), %d of the captures "
                            "alone (one pass); lost: %s; extra: %s (a frame decoded alone but not here: state kept "
                            "for the second pass, see robustness.two_pass)" % (
                                len(decoded), len(expected),
                                ", ".join("frame %d (%s)" % (n, expected[n]) for n in lost) or "none",
                                ", ".join(name_frames(items, "frame %d" % n) for n in extra) or "none"))
        mine, theirs = plugin_leaks(stderr, runner.sources)
        others += theirs
        name = os.path.basename(capture)
        if problems:
            failed += 1
            shown = "\n".join(mine) if mine else stderr
            report("%s under valgrind" % name, [name_frames(items, p) for p in problems],
                   "mergecap -a " + " ".join(s.label for s in items), shown, secs, 200)
        else:
            log("ok   %s under valgrind, %d xmtrack frames, no leak of the plugin (%.1f s)" % (name, len(decoded), secs))
    if others:
        log("note: %d leak record(s) without a frame of the plugin (libwireshark's or GLib's own; %s does not "
            "suppress them on this version: `robustness.py valgrind-suppressions` remakes it)" % (
                others, os.path.relpath(SUPPRESSIONS, REPO)))
    log("valgrind: %.1f s" % (time.monotonic() - t0))
    log("%d passed, %d failed" % (len(jobs) - failed, failed))
    sys.exit(1 if failed else 0)


def cmd_two_pass(args):
    """One pass and two (tshark -2, as a GUI re-dissection) must decode the same frames with
    the same values: the plugin keeps per-frame state for the second pass. Every xmtrack value
    of `-T json` is compared, the captures read concatenated, one batch per job."""
    t0 = time.monotonic()
    runner = Runner(args.plugin, args.testdata, "plain", args.timeout)
    originals = runner.originals()
    groups = batches(originals, args.jobs)
    files = [runner.batch_file(items, "two-pass-%d" % (i + 1)) for i, items in enumerate(groups)]
    runs = pool_map(args.jobs, lambda job: runner.values(job[0][0], job[0][1], job[1]),
                    [(f, two) for f in files for two in (False, True)])
    failed = 0
    for i, items in enumerate(groups):
        one, two = runs[2 * i], runs[2 * i + 1]
        later = []
        diffs = compare_passes(one, two, expected=later)
        if later:
            log("     %s: %d frame(s) sealed in one pass and opened in two by a key found later, as "
                "docs/formats/sensors-encryption.md says: %s" % (os.path.basename(files[i][0]), len(later),
                                            name_frames(items, ", ".join("frame %d" % n for n in later))))
        if diffs:
            failed += 1
            log("FAIL %s: one pass and two differ:\n     %s" % (
                os.path.basename(files[i][0]), "\n     ".join(name_frames(items, d) for d in diffs)))
        else:
            log("ok   %s: %d capture(s), %d xmtrack frames, the same values in one pass and two" % (
                os.path.basename(files[i][0]), len(items), len(one)))
    log("two-pass: %.1f s" % (time.monotonic() - t0))
    log("%d captures in %d batches, %d batch(es) failed" % (len(originals), len(groups), failed))
    sys.exit(1 if failed else 0)


def cmd_valgrind_suppressions(args):
    """valgrind.supp: the leaks of runs over the same batches with NO plugin loaded (an empty
    personal plugin folder), as valgrind writes suppressions for them (--gen-suppressions=all),
    each kept once. None can name a frame of the plugin."""
    runner = Runner(args.plugin, args.testdata, "valgrind", args.timeout)
    empty_home = os.path.join(runner.env.home, "no-plugin-home")
    os.makedirs(empty_home)
    os.chmod(empty_home, 0o755)
    env = dict(runner.env.env, HOME=empty_home)
    groups = batches(runner.originals(), args.jobs)
    files = [runner.batch_file(items, "supp-%d" % (i + 1)) for i, items in enumerate(groups)]
    gen = VALGRIND + ["--gen-suppressions=all", "--num-callers=%d" % args.depth, "--errors-for-leak-kinds=" + LEAK_KINDS]

    def run(job):
        proc, out, err = runner.tshark(job[0], ["-V", "-2"] + job[1], gen, env=env)
        if b"Vendor Telemetry" in out:
            raise SystemExit("the plugin was loaded in the run meant to have none")
        return err
    found = {}
    for err in pool_map(args.jobs, run, files):
        for block in re.findall(r"(?ms)^\{\n.*?^\}", err):
            # obj:/usr/lib/x86_64-linux-gnu/libwireshark.so.16.0.17 -> obj:*/libwireshark.so*:
            # the same library whatever its version and folder
            body = "\n".join(re.sub(r"obj:.*/(lib[^/]*?\.so)[.0-9]*$", r"obj:*/\1*", line)
                             for line in block.splitlines()[2:-1])
            if "Memcheck:Leak" in body:
                found.setdefault(body, None)
    version = subprocess.run(["tshark", "--version"], capture_output=True, text=True).stdout.splitlines()[0].rstrip(".")
    with open(args.out, "w") as f:
        f.write(SUPPRESSIONS_HEADER % {"version": version, "depth": args.depth, "count": len(found)})
        for i, body in enumerate(sorted(found)):
            f.write("{\n   libwireshark-or-glib-own-%d\n%s\n}\n" % (i + 1, body))
        f.write(GLIB_BY_DESIGN)
    log("%s: %d suppressions" % (args.out, len(found)))


SUPPRESSIONS_HEADER = """\
# valgrind suppressions: the leaks of libwireshark and GLib themselves, so that
# robustness.valgrind (--leak-check=full) shows the plugin's. Made by
#   tests/robustness/robustness.py valgrind-suppressions --plugin SO --out tests/robustness/valgrind.supp
# which reads every capture of testdata/ and tests/robustness/regressions/ the way
# robustness.valgrind does (concatenated, tshark -V -2), under valgrind
# --gen-suppressions=all --num-callers=%(depth)d, with NO plugin loaded (an empty personal
# plugin folder), and keeps each suppression once. No frame of the plugin can be in them,
# and each matches only the top %(depth)d frames of a stack: a leak whose allocation has a
# frame of the plugin among those is never suppressed, and robustness.valgrind fails on it.
# Made with %(version)s (libraries named without their version); where
# another version leaks elsewhere, those leaks are counted ("without a frame of the plugin"),
# never failed.
# %(count)d suppressions follow.
"""


# Written by hand, and kept by every remake: GLib's own allocations that the plugin's calls cause
# and that GLib never frees by design, so they carry a frame of the plugin below GLib's.
GLIB_BY_DESIGN = """\
# By hand: the key GLib allocates for a static GPrivate on its first use (the plugin's
# per-thread libdeflate decompressor, xmt_inflate.c) is never freed: GLib offers no way to
# free a GPrivate. The frames between malloc and g_private_get are GLib's own.
{
   glib-gprivate-key-is-never-freed
   Memcheck:Leak
   match-leak-kinds: definite
   fun:malloc
   ...
   fun:g_private_get
}
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("build-asan")
    p.add_argument("--source", default=REPO)
    p.add_argument("--build", required=True)
    p.set_defaults(fn=cmd_build_asan)
    for name, fn in (("asan", cmd_asan), ("valgrind", cmd_valgrind), ("two-pass", cmd_two_pass),
                     ("valgrind-suppressions", cmd_valgrind_suppressions)):
        p = sub.add_parser(name)
        p.add_argument("--plugin", required=True)
        p.add_argument("--testdata", default=shipped.TESTDATA)
        p.add_argument("--jobs", type=int, default=2)
        p.add_argument("--timeout", type=int, default=600)
        p.set_defaults(fn=fn)
        if name == "asan":
            p.add_argument("--mutants", type=int, default=4, help="mutants per capture (at most %d)" % len(MUTATIONS))
            p.add_argument("--keep-failed", help="copy failing mutants here")
        if name == "valgrind-suppressions":
            p.add_argument("--out", default=SUPPRESSIONS)
            p.add_argument("--depth", type=int, default=12, help="frames per suppression")
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
