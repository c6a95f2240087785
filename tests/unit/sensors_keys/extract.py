#!/usr/bin/env python3
"""Copies the real response bodies that carry (or only mention) the Sensors AES
plugin's key out of testdata/encrypted/*.pcapng, for test_sensors_keys.c.

    python3 tests/unit/sensors_keys/extract.py     # rewrites the bodies and manifest.tsv

Bodies come from `tshark --export-objects http` (de-chunked and decompressed,
as the glue will see them); each config body's SHA-256 must equal the one the
generator recorded when it served it.  manifest.tsv holds, per body, what the
page TOLD the SDK (from the .expect.json): key id, key (base64), khash, and the
byte offsets of the object literal and of k's value; "-" where the body must
give no key.  Standard library and tshark only."""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
CAPTURES = os.path.join(REPO, "testdata", "encrypted")


def export(capture, tmp):
    out = os.path.join(tmp, os.path.basename(capture))
    os.makedirs(out)
    subprocess.run(["tshark", "-r", capture, "-q", "--export-objects", "http," + out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return out


rows = []
with tempfile.TemporaryDirectory() as tmp:
    for expect_file in sorted(glob.glob(os.path.join(CAPTURES, "*.expect.json"))):
        exp = json.load(open(expect_file))
        kc = exp.get("key_config")
        if not kc:
            continue
        name = exp["capture"].replace(".pcapng", "")
        objects = export(os.path.join(CAPTURES, exp["capture"]), tmp)
        src = os.path.join(objects, os.path.basename(kc["served_path"]))
        body = open(src, "rb").read()
        if hashlib.sha256(body).hexdigest() != kc["body_sha256"]:
            sys.exit(f"{name}: exported {kc['served_path']} differs from what was served")
        dest = f"{name}__{os.path.basename(kc['served_path'])}"
        shutil.copyfile(src, os.path.join(HERE, dest))
        key = exp["keys"][0]
        rows.append([dest, key["key_id"], key["key_base64"], key["khash"], str(kc["object_offset"]),
                     str(kc["k_value_offset"])])
        if name == "aes_page_script_http1":
            # The plugin's own code names k, kid and khash but holds no key.
            plugin = os.path.join(objects, "index.js")
            dest = f"{name}__plugin_aes-encryption_index.js"
            shutil.copyfile(plugin, os.path.join(HERE, dest))
            rows.append([dest, "-", "-", "-", "-", "-"])

with open(os.path.join(HERE, "manifest.tsv"), "w") as f:
    f.write("# body\tkey_id\tkey_base64\tkhash\tobject_offset\tk_offset  (written by extract.py)\n")
    for r in rows:
        f.write("\t".join(r) + "\n")
print(f"{len(rows)} bodies", file=sys.stderr)

# The uploads of the captures with a known key, as the glue hands them to the
# core (a GET's query without '?', a POST's body), with the key the page gave
# and what the collector decrypted from that very request (type, event,
# distinct_id): test_sensors_keys.c decrypts them end to end.
uploads = []
for cap in ("aes_image_http1", "aes_ajax_http1", "aes_beacon_http1", "aes_upload_first_http1"):
    exp = json.load(open(os.path.join(CAPTURES, cap + ".pcapng.expect.json")))
    out = subprocess.run(["tshark", "-r", os.path.join(CAPTURES, exp["capture"]), "-Y",
                          'http.request && http.request.uri contains "/sa.gif"', "-T", "fields", "-E", "separator=\t",
                          "-e", "frame.number", "-e", "http.request.uri", "-e", "http.file_data"],
                         check=True, capture_output=True, text=True).stdout
    by_frame = {int(line.split("\t")[0]): line.split("\t") for line in out.splitlines() if line}
    key = exp["keys"][0]
    for i, req in enumerate(exp["received"]["requests"]):
        frame, uri, body = by_frame[req["frame"]]
        ev = [e for e in exp["received"]["events"] if e["request"] == i][0]
        kind, data = ("query", uri.split("?", 1)[1]) if req["method"] == "GET" else ("body", body)
        uploads.append([cap, str(frame), kind, uri.split("?")[0], key["key_id"], key["key_base64"],
                        ev["type"], ev.get("event") or "-", ev["distinct_id"], data])
with open(os.path.join(HERE, "uploads.tsv"), "w") as f:
    f.write("# capture\tframe\tinput\tpath\tkey_id\tkey_base64\ttype\tevent\tdistinct_id\tinput bytes  (written by extract.py)\n")
    for r in uploads:
        f.write("\t".join(r) + "\n")
print(f"{len(uploads)} uploads", file=sys.stderr)
