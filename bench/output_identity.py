#!/usr/bin/env python3
"""Prove that two builds of xmtrack print the same thing: `tshark -V` and `tshark -T json`.

    python3 bench/output_identity.py BEFORE.so AFTER.so [--extra CAPTURE ...] [--keep DIR]

Every capture under testdata/, at any depth, with its own arguments and key log
(tests/integration/captures.py), is read by tshark with each plugin, once with -V and once with -T json, and the
outputs are compared byte for byte. --extra adds captures (e.g. bench/out/rich_tiny.pcap).
Exit status 0 when every output is identical; otherwise the first lines of each diff are
printed. Runs tshark the way bench/run.py does (as uid 65534 when started as root, with a
throw-away HOME holding only the plugin).
"""

import argparse
import concurrent.futures
import difflib
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True
import run  # noqa: E402  (the Tshark runner of the benchmark)
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import captures as shipped  # noqa: E402  (every capture and the tshark arguments it needs)

MODES = {"V": ["-V"], "json": ["-T", "json"]}


def captures(extra):
    """[(path, extra tshark args, key log or None)]: every capture shipped in testdata/, with the
    arguments and key log tests/integration/captures.py gives it, then the extra ones."""
    out = [(c.path, c.args, c.keylog) for c in shipped.shipped(os.path.join(ROOT, "testdata"))]
    return out + [(p, [], None) for p in extra]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--extra", nargs="*", default=[], help="more captures to compare")
    ap.add_argument("--keep", help="keep the outputs in this folder")
    args = ap.parse_args()
    caps = captures(args.extra)
    with tempfile.TemporaryDirectory(prefix="xmtrack-identity-") as work:
        data = os.path.join(work, "captures")
        os.makedirs(data)
        local = []
        for i, (path, targs, keylog) in enumerate(caps):
            dst = os.path.join(data, "%03d_%s" % (i, os.path.basename(path)))
            shutil.copy(path, dst)
            if keylog:
                shutil.copy(keylog, dst + ".keys")
                targs = targs + ["-o", "tls.keylog_file:" + dst + ".keys"]
            local.append((path, dst, targs))
        tools = {}
        for name, so in (("before", args.before), ("after", args.after)):
            d = os.path.join(work, name)
            os.makedirs(d)
            tools[name] = run.Tshark(so, d)
        run.make_readable(work)
        jobs = {}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            for path, dst, targs in local:
                for mode, margs in MODES.items():
                    for name, ts in tools.items():
                        jobs[(path, mode, name)] = pool.submit(ts.output, "plugin", ["-r", dst] + targs + margs)
            outs = {k: f.result() for k, f in jobs.items()}
        different = 0
        for path, _, _ in local:
            for mode in MODES:
                a, b = outs[(path, mode, "before")], outs[(path, mode, "after")]
                rel = os.path.relpath(path, ROOT)
                if args.keep:
                    os.makedirs(args.keep, exist_ok=True)
                    for name, text in (("before", a), ("after", b)):
                        with open(os.path.join(args.keep, "%s.%s.%s" % (rel.replace("/", "_"), mode, name)), "w") as f:
                            f.write(text)
                if a == b:
                    continue
                different += 1
                diff = list(difflib.unified_diff(a.splitlines(), b.splitlines(), "before", "after", lineterm="", n=1))
                print("DIFFERENT: %s (%s)\n%s" % (rel, mode, "\n".join(diff[:40])))
        total = len(local) * len(MODES)
        print("output_identity: %d captures x %d modes: %d identical, %d different"
              % (len(local), len(MODES), total - different, different))
        return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main())
