"""Every capture shipped in testdata/, and the tshark arguments each one needs: the one place
that says so. The robustness runs (ASan/UBSan, valgrind, two passes), the cross-version dump
(decoded_dump.py), the fuzz seeds (tests/fuzz/make_seeds.py) and bench/output_identity.py all
read the captures through `shipped()`, so a capture added anywhere under testdata/ (a new
testdata/vendors/ folder included) reaches every one of them with no code change.

A capture is any *.pcap or *.pcapng file under testdata/, at any depth. What it needs in order
to be read comes from files beside it, never from a list kept here:

  <capture>.expect.json  "tshark_args": the arguments it needs, e.g. `-d tcp.port==N,http2` for
                         h2c on a port tshark does not know (testdata/realsdk/README.md);
  <stem>.keys            its TLS key log, passed as `-o tls.keylog_file:<path>`.

Keys embedded in a pcapng (a Decryption Secrets Block) need nothing.
"""
import glob
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TESTDATA = os.environ.get("XMTRACK_TESTDATA", os.path.join(REPO, "testdata"))
EXTENSIONS = (".pcap", ".pcapng")


class Capture:
    """One capture: `name` is its path relative to its root (testdata/), with '/'."""

    def __init__(self, root, name):
        self.root = root
        self.name = name
        self.path = os.path.join(root, name)
        stem = os.path.splitext(self.path)[0]
        self.keylog = stem + ".keys" if os.path.exists(stem + ".keys") else None
        self.args = []
        expect = self.path + ".expect.json"
        if os.path.exists(expect):
            with open(expect, encoding="utf-8") as f:
                self.args = list(json.load(f).get("tshark_args", []))
            if not all(isinstance(a, str) for a in self.args):
                raise ValueError("%s: tshark_args must be a list of strings" % expect)

    def keylog_name(self):
        """The key log's path relative to the root, or None."""
        return os.path.relpath(self.keylog, self.root).replace(os.sep, "/") if self.keylog else None

    def tshark_args(self, root=None):
        """The arguments that read this capture as intended. With `root`, the key log is named
        inside that copy of the root (TsharkEnv copies testdata/ into its own HOME)."""
        out = list(self.args)
        if self.keylog:
            out += ["-o", "tls.keylog_file:" + os.path.join(root or self.root, self.keylog_name())]
        return out

    def __repr__(self):
        return "Capture(%r)" % self.name


def shipped(root=None):
    """Every capture under `root` (default: testdata/), in a stable order (by relative path)."""
    root = os.path.abspath(root or TESTDATA)
    found = []
    for ext in EXTENSIONS:
        found += glob.glob(os.path.join(root, "**", "*" + ext), recursive=True)
    names = sorted(os.path.relpath(p, root).replace(os.sep, "/") for p in found)
    return [Capture(root, n) for n in names]


def by_name(name, root=None):
    for c in shipped(root):
        if c.name == name:
            return c
    raise KeyError(name)


if __name__ == "__main__":
    for c in shipped():
        print("%-45s %s" % (c.name, " ".join(c.tshark_args()) or "-"))
