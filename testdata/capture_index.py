"""Every capture shipped under a folder (testdata/ and all its subfolders), with the tshark
arguments it needs to decode in full.

    import capture_index
    for cap in capture_index.captures(TESTDATA):
        tshark -r <cap.path> <cap.tshark_args()>

One place for this knowledge, so that every reader of "all the captures" (the integration
suite's hygiene check, the robustness runs, the decoded-value dumps) finds the same files with
the same arguments, and a new folder (testdata/vendors/...) is covered with no code change:

- a capture is any file whose first bytes are a pcap or pcapng header (gzip-compressed too,
  as tshark reads those), whatever its name or folder;
- its TLS key log, if it has a separate one, is `<stem>.keys` beside it
  (sensors_tls.pcap -> sensors_tls.keys); pcapng files may instead embed the keys (a DSB),
  which needs no argument;
- its own tshark arguments (e.g. `-d tcp.port==N,http2` for h2c with prior knowledge) are the
  `tshark_args` list of `<capture>.expect.json` beside it, when that file has one.

Standard library only.
"""
import collections
import gzip
import json
import os

# First four bytes of a classic pcap (both byte orders, micro- and nanosecond) and of a pcapng
# Section Header Block.
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"


def capture_kind(path):
    """'pcap', 'pcapng' or None, from the file's first bytes (looking inside gzip)."""
    try:
        with open(path, "rb") as f:
            head = f.read(4)
            if head[:2] == GZIP_MAGIC:
                f.seek(0)
                with gzip.GzipFile(fileobj=f) as g:
                    head = g.read(4)
    except (OSError, EOFError):
        return None
    if head in PCAP_MAGICS:
        return "pcap"
    if head == PCAPNG_MAGIC:
        return "pcapng"
    return None


class Capture(collections.namedtuple("Capture", "path name root kind keylog expect_args")):
    """path: absolute; name: relative to root, the folder searched (with '/'); kind: pcap or
    pcapng; keylog: absolute path of its separate TLS key log or None; expect_args: the
    arguments of its .expect.json (a tuple, maybe empty)."""

    def tshark_args(self, base=None):
        """The arguments to read this capture with: key log first, then its own.

        base: where the folder searched sits when tshark runs (tests copy testdata/ elsewhere);
        the key log path is rewritten onto it.  Default: where it was found."""
        args = []
        if self.keylog:
            keylog = self.keylog
            if base is not None:
                keylog = os.path.join(base, os.path.relpath(self.keylog, self.root))
            args += ["-o", "tls.keylog_file:" + keylog]
        return args + list(self.expect_args)


def keylog_of(path):
    """<stem>.keys beside the capture, or None."""
    stem = path
    for suffix in (".gz", ".pcapng", ".pcap", ".cap"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    keys = stem + ".keys"
    return keys if os.path.isfile(keys) else None


def expect_args_of(path):
    """The tshark_args list of <capture>.expect.json beside it, or ()."""
    expect = path + ".expect.json"
    if not os.path.isfile(expect):
        return ()
    with open(expect, encoding="utf-8") as f:
        args = json.load(f).get("tshark_args") or []
    if not all(isinstance(a, str) for a in args):
        raise ValueError(f"{expect}: tshark_args must be a list of strings")
    return tuple(args)


def captures(root):
    """Every capture under root, recursively, sorted by name."""
    root = os.path.abspath(root)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d not in ("__pycache__", "node_modules"))
        for name in sorted(files):
            path = os.path.join(folder, name)
            kind = capture_kind(path)
            if kind:
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                found.append(Capture(path, rel, root, kind, keylog_of(path), expect_args_of(path)))
    return sorted(found, key=lambda c: c.name)


if __name__ == "__main__":
    import sys

    for cap in captures(sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))):
        print(cap.name, cap.kind, " ".join(cap.tshark_args(base=".")))
