"""Writes every xmtrack field tshark decodes from every test capture, as values, to a JSON file.

    XMTRACK_PLUGIN=build/plugin/wireshark/xmtrack.so python3 tests/integration/decoded_dump.py OUT.json

scripts/matrix.sh runs it in each Wireshark version's root and compares the files: the decoded
output must be identical across versions. Values are compared, not tshark's way of printing
them (TsharkEnv.fields(): booleans and absolute times are typed), so what differs only in how
a tshark version prints a value does not count.
"""
import glob
import json
import os
import sys

from tshark_env import TsharkEnv, TESTDATA

# Types that carry no value of their own (the protocol item, expert-only fields).
VALUELESS = {"FT_NONE", "FT_PROTOCOL"}


def captures():
    """(path relative to testdata, extra tshark arguments) of every test capture."""
    for path in sorted(glob.glob(os.path.join(TESTDATA, "*.pcap")) + glob.glob(os.path.join(TESTDATA, "*.pcapng"))):
        yield os.path.basename(path), []
    for path in sorted(glob.glob(os.path.join(TESTDATA, "realsdk", "*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            expect = json.load(f)
        yield "realsdk/" + expect["capture"], expect["tshark_args"]


def main(out):
    tshark = TsharkEnv.shared()
    fields = sorted(name for name, ftype in tshark.field_types().items()
                    if name.startswith("xmtrack.") and ftype not in VALUELESS)
    extra_options = ["-o", "tls.keylog_file:sensors_tls.keys"]  # the one capture with a separate key log
    decoded = {}
    for capture, args in captures():
        decoded[capture] = tshark.fields(capture, ["frame.number"] + fields, "xmtrack", extra_options + args)
    with open(out, "w", encoding="utf-8") as f:
        json.dump(decoded, f, ensure_ascii=False, indent=1, sort_keys=True)
    frames = sum(len(v) for v in decoded.values())
    print(f"{out}: {frames} frames with xmtrack in {len(decoded)} captures, {len(fields)} fields")


if __name__ == "__main__":
    main(sys.argv[1])
