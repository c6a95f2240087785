"""Writes every xmtrack field tshark decodes from every test capture, as values, to a JSON file.

    XMTRACK_PLUGIN=build/plugin/wireshark/xmtrack.so python3 tests/integration/decoded_dump.py OUT.json

scripts/matrix.sh runs it in each Wireshark version's root and compares the files: the decoded
output must be identical across versions. Values are compared, not tshark's way of printing
them (TsharkEnv.fields(): booleans and absolute times are typed), so what differs only in how
a tshark version prints a value does not count.
"""
import json
import sys

import captures as shipped
from tshark_env import TsharkEnv, TESTDATA

# Types that carry no value of their own (the protocol item, expert-only fields).
VALUELESS = {"FT_NONE", "FT_PROTOCOL"}


def main(out):
    tshark = TsharkEnv.shared()
    fields = sorted(name for name, ftype in tshark.field_types().items()
                    if name.startswith("xmtrack.") and ftype not in VALUELESS)
    decoded = {}
    for capture in shipped.shipped(TESTDATA):  # each with its own arguments (captures.py)
        decoded[capture.name] = tshark.fields(capture.name, ["frame.number"] + fields, "xmtrack",
                                              capture.tshark_args(tshark.captures))
    with open(out, "w", encoding="utf-8") as f:
        json.dump(decoded, f, ensure_ascii=False, indent=1, sort_keys=True)
    frames = sum(len(v) for v in decoded.values())
    print(f"{out}: {frames} frames with xmtrack in {len(decoded)} captures, {len(fields)} fields")


if __name__ == "__main__":
    main(sys.argv[1])
