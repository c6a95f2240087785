"""No capture shipped under testdata/ names the machine that recorded it (issue 20, item 5).

Every capture anywhere under testdata/ (testdata/capture_index.py finds them, with their key
logs and tshark arguments; a new folder needs no change here) is decoded with the real plugin,
as `-T json` and as `-V`, and fails on what looks like the recording machine:
- an absolute path under /home, /root, /work, /tmp, /var/tmp or /Users, a Windows drive path
  (C:\\...), or a file:// URL (SDKs send their caller's source file: the Node SDK's
  lib.$lib_detail did);
- this machine's host name, or the name of one of its users (the generators run here, as root
  or through sudo: $SUDO_USER, $USER, $LOGNAME and every login account in /etc/passwd), as a
  whole word; XMTRACK_HYGIENE_NAMES (comma-separated) adds names of other recording machines;
- in a pcapng, a Section Header Block or Interface Description Block naming the hardware, OS or
  application of the recording host (anything but testdata/tools/neutral_shb.py's neutral
  values), and the same paths and names in those blocks' strings and in name-resolution blocks.
"""
import getpass
import json
import os
import pwd
import re
import shutil
import socket
import struct
import sys
import tempfile
import unittest
import zlib

from tshark_env import TsharkEnv, TESTDATA

sys.path.insert(0, os.path.join(TESTDATA, "tools"))
import capture_index  # noqa: E402  (testdata/, on sys.path through tshark_env)
import neutral_shb  # noqa: E402

MACHINE_ROOTS = ("home", "root", "work", "tmp", "var/tmp", "Users")
# '+' and '/' count as letters around a match, so that base64 text, which holds any short
# string by chance, does not match inside (it is checked decoded: the plugin peels base64).
MACHINE_PATH = re.compile(
    # An absolute path at one of these roots, not the tail of a URL path (".com/work/...").
    r"(?<![\w.~%/+-])/(?:" + "|".join(re.escape(p) for p in MACHINE_ROOTS) + r")(?![\w.+-])"
    # The same, percent-encoded (a path carried in a query string).
    r"|(?i:%2F)(?:" + "|".join(p.replace("/", "(?i:%2F)") for p in MACHINE_ROOTS) + r")(?i:%2F)"
    # A Windows drive path: C:\ or C:/ (not the "s:/" of "https://").
    r"|(?<![A-Za-z])[A-Za-z]:(?:\\|/(?!/))"
    r"|(?i:file):/")

# Login accounts: Debian gives people uids from 1000 (adduser's FIRST_UID) to 59999.
FIRST_UID, LAST_UID = 1000, 59999


def machine_names():
    """Names of this machine and its users that must not appear in a capture."""
    names = {socket.gethostname(), socket.gethostname().split(".")[0]}
    for var in ("SUDO_USER", "USER", "LOGNAME"):
        names.add(os.environ.get(var, ""))
    try:
        names.add(getpass.getuser())
    except (KeyError, OSError):
        pass
    names |= {p.pw_name for p in pwd.getpwall() if FIRST_UID <= p.pw_uid <= LAST_UID}
    names |= set(os.environ.get("XMTRACK_HYGIENE_NAMES", "").split(","))
    # root is covered by the /root path; as a word it is ordinary text ("root" of a tree).
    return sorted(n.strip() for n in names if n.strip() and n.strip() not in ("root", "localhost"))


def name_pattern(names):
    if not names:
        return None
    # A whole word, also as a URL's host ("//name"), not inside base64 (see MACHINE_PATH), and
    # within text: a short name ("vm") also turns up in binary bodies shown as text (a gzip body
    # labelled text/plain), where its neighbours are not printable ASCII.
    return re.compile(r"(?:(?<=//)|(?<![A-Za-z0-9_+/-]))(?:" + "|".join(re.escape(n) for n in names)
                      + r")(?![A-Za-z0-9_+/-])", re.IGNORECASE)


# Binary shown as text: bytes outside printable ASCII, or the escapes tshark writes for them.
BINARY_NEAR = re.compile(r"[^\t\n\r\x20-\x7e]|\\[vbfae0]|\\x[0-9a-fA-F]{2}|\\u00[01][0-9a-fA-F]")


def in_binary(text, m):
    """The match sits among bytes that are no text (a gzip body labelled text/plain shown as
    lines): a short name such as "vm" turns up there by chance."""
    return BINARY_NEAR.search(text, max(0, m.start() - 16), m.end() + 16) is not None


def findings_in(text, where, names_re):
    """'<where>: <what>: ...context...' for every machine path or name in text."""
    found = []
    for kind, pattern in (("path", MACHINE_PATH), ("machine name", names_re)):
        if pattern is None:
            continue
        for m in pattern.finditer(text):
            if kind == "machine name" and in_binary(text, m):
                continue
            context = text[max(0, m.start() - 40):m.end() + 60].replace("\n", " ")
            found.append(f"{where}: {kind} {m.group(0)!r} in ...{context}...")
    return found


def json_strings(node):
    """Every key and string value of tshark's -T json output (duplicate keys kept)."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, tuple):  # (key, value) pairs of an object
                yield item[0]
                yield from json_strings(item[1])
            else:
                yield from json_strings(item)


def pcapng_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return zlib.decompress(data, 31) if data[:2] == capture_index.GZIP_MAGIC else data


def has_embedded_keys(data):
    return any(btype == 0x0000000A for _, btype, _ in neutral_shb.blocks(data))


class Hygiene(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = capture_index.captures(TESTDATA)
        cls.names = machine_names()
        cls.names_re = name_pattern(cls.names)

    def test_every_capture_is_found(self):
        """The index sees every capture file by its contents, in every folder."""
        names = {c.name for c in self.captures}
        for folder, _, files in os.walk(TESTDATA):
            for f in files:
                if f.endswith((".pcap", ".pcapng", ".pcap.gz", ".pcapng.gz")):
                    self.assertIn(os.path.relpath(os.path.join(folder, f), TESTDATA).replace(os.sep, "/"), names)
        self.assertTrue(any("/" in n for n in names), "no capture found in a subfolder")

    def test_decoded_captures_name_no_machine(self):
        """-T json and -V of every capture, with its keys and arguments, hold no path or name of
        a recording machine."""
        for cap in self.captures:
            with self.subTest(capture=cap.name):
                args = ["-r", self.tshark.capture(cap.name), *cap.tshark_args(base=self.tshark.captures)]
                layers = json.loads(self.tshark.run(*args, "-T", "json").stdout,
                                    object_pairs_hook=lambda pairs: pairs)
                verbose = self.tshark.run(*args, "-V").stdout
                decrypts = cap.keylog or (cap.kind == "pcapng" and has_embedded_keys(pcapng_bytes(cap.path)))
                if decrypts:  # the keys worked: the check read the plaintext, not only TLS records
                    self.assertRegex(verbose, r"(?m)^Hypertext Transfer Protocol|^HyperText Transfer Protocol 2",
                                     "TLS did not decrypt, so its payload went unchecked")
                found = []
                for text in sorted(set(json_strings(layers))):
                    found += findings_in(text, "-T json", self.names_re)
                found += findings_in(verbose, "-V", self.names_re)
                if found:
                    self.fail("\n".join(found[:20]))

    def test_pcapng_blocks_name_no_host(self):
        """Section and interface headers carry neutral values only, and no block string a
        machine path or name."""
        for cap in self.captures:
            if cap.kind != "pcapng":
                continue
            with self.subTest(capture=cap.name):
                data = pcapng_bytes(cap.path)
                found = neutral_shb.host_details(data)
                for where, text in neutral_shb.readable_strings(data):
                    found += findings_in(text, where, self.names_re)
                if found:
                    self.fail("\n".join(found))


def synthetic_pcapng(order, section_length_known):
    """A pcapng as a real NIC capture writes one: SHB naming the host, IDB naming the NIC
    (name, description, MAC, IPv4, OS, hardware), one Ethernet frame, a TLS key-log DSB, and a
    second section; in the given byte order."""
    def block(btype, body):
        return struct.pack(order + "II", btype, 12 + len(body)) + body + struct.pack(order + "I", 12 + len(body))

    def opts(*pairs):
        return neutral_shb.encode_options(order, [(c, v) for c, v in pairs])

    frame = bytes(12) + b"\x08\x00" + bytes(46)
    idb = block(1, struct.pack(order + "HHI", 1, 0, 65535) + opts(
        (2, b"enp3s0"), (3, b"Intel Corporation I211 Gigabit"), (6, b"\x00\x1b\x21\x0a\x0b\x0c"),
        (4, b"\xc0\xa8\x01\x02\xff\xff\xff\x00"), (11, b"\x00tcp port 443"), (12, b"Linux 6.1.0-18-amd64"),
        (15, b"Intel I211")))
    epb = block(6, struct.pack(order + "IIIII", 0, 0, 1000, len(frame), len(frame)) + frame
                + opts((1, b"a packet comment")))
    keys = b"CLIENT_RANDOM " + b"00" * 32 + b" " + b"11" * 48 + b"\n"
    dsb = block(0x0A, struct.pack(order + "II", 0x544C534B, len(keys)) + keys + bytes(-len(keys) % 4))
    body = idb + dsb + epb

    def shb(length):
        return block(neutral_shb.SHB, struct.pack(order + "IHHq", neutral_shb.BYTE_ORDER_MAGIC, 1, 0, length) + opts(
            (1, b"a section comment"), (2, b"Intel(R) Core(TM) i7-8650U"), (3, b"Linux 6.1.0-18-amd64"),
            (4, b"Dumpcap (Wireshark) 4.0.17 (Git v4.0.17 packaged as 4.0.17-0+deb12u3)")))
    length = len(body) if section_length_known else -1
    return shb(length) + body + shb(length) + body


def without_nic(node):
    """tshark -T json output without the interface's name and description."""
    if isinstance(node, dict):
        return {k: without_nic(v) for k, v in node.items()
                if k not in ("frame.interface_name", "frame.interface_description")}
    if isinstance(node, list):
        return [without_nic(v) for v in node]
    return node


class NeutralShb(unittest.TestCase):
    """testdata/tools/neutral_shb.py keeps a pcapng valid and its packets and secrets intact."""

    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()

    def read_back(self, data):
        folder = tempfile.mkdtemp(prefix="xmtrack-hygiene-")
        self.addCleanup(shutil.rmtree, folder, True)
        os.chmod(folder, 0o755)
        path = os.path.join(folder, "x.pcapng")
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        return json.loads(self.tshark.run("-r", path, "-T", "json", "--disable-protocol", "xmtrack").stdout)

    def test_every_byte_order_and_section_length(self):
        for order in "<>":
            for known in (True, False):
                with self.subTest(order=order, section_length_known=known):
                    data = synthetic_pcapng(order, known)
                    self.assertGreater(len(neutral_shb.host_details(data)), 6)
                    new = neutral_shb.neutralise(data)
                    self.assertEqual(neutral_shb.host_details(new), [])
                    self.assertEqual(neutral_shb.neutralise(new), new, "not idempotent")
                    old_blocks, new_blocks = list(neutral_shb.blocks(data)), list(neutral_shb.blocks(new))
                    self.assertEqual([b[1] for b in old_blocks], [b[1] for b in new_blocks])
                    for (_, btype, a), (_, _, b) in zip(old_blocks, new_blocks):
                        if btype not in (neutral_shb.SHB, neutral_shb.IDB):
                            self.assertEqual(a, b, f"block type {btype:#x} changed")
                    strings = dict(neutral_shb.readable_strings(new))
                    self.assertEqual(strings["SHB option 1"], "a section comment")
                    self.assertEqual(strings["IDB 0 option 2"], "if0")
                    self.assertNotIn("IDB 0 option 3", strings)
                    # The section length still spans the section: each SHB's offset plus it lands on the next.
                    shb_offsets = [i for i in range(0, len(new), 4) if new[i:i + 4] == bytes.fromhex("0a0d0d0a")]
                    shb_len = struct.unpack_from(order + "I", new, 4)[0]
                    section = struct.unpack_from(order + "q", new, 16)[0]
                    self.assertEqual(section, shb_offsets[1] - shb_len if known else -1)
                    old_packets, new_packets = self.read_back(data), self.read_back(new)
                    self.assertEqual(len(new_packets), 2)
                    # What tshark tells of the NIC differs; nothing else.
                    self.assertEqual(without_nic(new_packets), without_nic(old_packets))


class Detectors(unittest.TestCase):
    """The check's own detectors find what they must, and leave ordinary traffic alone."""

    def test_machine_paths(self):
        for text in ["undefined##track##/work/wt-realsdk/testdata/realsdk/node_sdk.js##22,6",
                     "at Object.<anonymous> (/home/alice/app.js:3:1)", "/root/x", "cwd=/tmp/build",
                     "/var/tmp/xmtrack-npm", "/Users/bob/Desktop", r"C:\Users\bob\app.js", "C:/work/x",
                     "file:///C:/x.html", "FILE://host/share", "p=%2Fhome%2Fbob%2Fa", "p=%2fvar%2ftmp%2fx"]:
            with self.subTest(text=text):
                self.assertNotEqual(findings_in(text, "t", None), [])

    def test_ordinary_text(self):
        for text in ["https://shop.example.com/work/item?ref=home", "https://www.google.com/search?q=x",
                     "GET /sa.gif?project=xmtrack&data=eyJ", "time 12:30:01", "/homepage", "/tmpl/x",
                     "undefined##track##/app/node_sdk.js##22,6", "text/plain;charset=UTF-8", "http2.header"]:
            with self.subTest(text=text):
                self.assertEqual(findings_in(text, "t", name_pattern(["vm", "alice"])), [])

    def test_machine_names_whole_words(self):
        names = name_pattern(["vm", "alice"])
        self.assertNotEqual(findings_in("Host: vm", "t", names), [])
        self.assertNotEqual(findings_in("user=Alice&x=1", "t", names), [])
        self.assertNotEqual(findings_in("http://vm:8080/x", "t", names), [])
        self.assertEqual(findings_in("vmware alice-smith malice", "t", names), [])
        self.assertEqual(findings_in("data=eyJ4Ijoi+vm/Alice+/tmp/x+/home+AB==", "t", names), [])
        self.assertEqual(findings_in("\u00e6\ufffd\u00b1vM]\u00de\u008c", "t", names), [], "binary shown as text")
        self.assertEqual(findings_in("#\\x0b\\vm(\\x1f", "t", names), [], "binary as tshark escapes it")
        self.assertNotEqual(findings_in("host=vm\n", "t", names), [])


if __name__ == "__main__":
    unittest.main()
