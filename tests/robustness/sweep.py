#!/usr/bin/env python3
"""The variant sweep: every parameter of every format set to every edge value,
through the real tshark and the plugin built under ASan/UBSan (docs/robustness.md).

    sweep.py run --plugin ASAN_SO [--jobs 2] [--only N,M-O] [--keep-failed DIR]
    sweep.py list [--format NAME]                 the variants, numbered
    sweep.py write OUT.pcap [--only N,M-O]        a capture of (some of) them

Each format is rebuilt from the generators of testdata/payloads.py (the same
plaintexts, keys and encodings as the test captures), then varied one thing
at a time:

  - every parameter (URI query, form field, vendor header): empty, missing,
    duplicated (first empty; second different), the name without '=', bad
    percent escapes, one byte, 64 KiB, raw bytes (invalid UTF-8, NUL, '&');
  - every layer of the payload (the plaintext, gzip, base64, hex of AES,
    percent-encoding): empty, cut in half, one byte changed; base64 of 0-3
    bytes; gzip empty, header only, bad CRC, bad length, cut, zlib or raw
    deflate instead, trailing garbage, two members;
  - every leaf of the JSON plaintext set to each value of another type
    (object, array, number, string, null, 1e999, an int past 64 bits), and
    every object and array replaced by a scalar or the other container;
  - MiStat's ciphertext: odd hex, not hex, not whole blocks, upper case, the
    wrong key, an empty plaintext;
  - the Sensors web AES plugin's wrapping (its key in the key table, -o
    uat:xmtrack_keys): a short IV, the IV alone, not whole blocks, bad
    padding, the wrong key, a payload of 256 KiB; no key_id, a key_id of no
    key, a key_id as a string, bad base64;
  - the transport: chunked, Content-Encoding gzip (also empty and damaged),
    no Content-Type, three TCP segments, a one-byte first segment, the header
    block and the body apart, two requests pipelined on one connection.

Every variant is its own TCP connection (make_pcap.py), named in a manifest
by its frames.  The captures (cut in chunks, dissected in parallel) are read
with `tshark -V -2` and `tshark -2 -Y xmtrack -T fields -e ...`, with
WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 and the sanitizer runtimes preloaded, as
robustness.py runs tshark.  What fails: a sanitizer report, a non-zero exit
or a dissector bug (the chunk is then cut down to the variants that
fail alone: each located by the frame a flushed single pass dies in, confirmed
alone, taken out, the rest run again; bisection for what that cannot place),
bytes that are not UTF-8 in an xmtrack subtree, and a format
whose unvaried request xmtrack does not decode (the sweep would prove
nothing).  A failure is reported as "variant N: format / field / edge".
"""
import argparse
import base64
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import time
import urllib.parse
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(REPO, "testdata"))
import make_pcap  # noqa: E402
import payloads as P  # noqa: E402

Variant = collections.namedtuple("Variant", "format field edge pieces")


def log(msg):
    print(msg, flush=True)


# ---- the formats, as payloads.py builds them -------------------------------------------------

class Format:
    """One SDK request: its parameters ("q" URI query, "f" form, "h" header; value None is the
    payload), the payload's plaintext and layers (innermost first), and how the body is made."""

    def __init__(self, name, method, path, host, ctype, params, plaintext, layers, crc=False,
                 json_style=P.to_json, body=None):
        self.name, self.method, self.path, self.host, self.ctype = name, method, path, host, ctype
        self.params, self.plaintext, self.layers, self.crc = params, plaintext, layers, crc
        self.json_style = json_style
        self.body = body  # a raw body (no form): the payload is the body


def mistat_key(device_id=P.MISTAT_DEVICE_ID):
    return P.mistat_key(P.MISTAT_APP_ID, P.MISTAT_APP_KEY, device_id).encode("ascii")


def formats():
    sensors_event = P.MAIN_BATCH[1]           # a track event with a search
    profile = P.MAIN_BATCH[3]                 # a record without "event"
    q_android = [("q", "project", "global_browser_mini"), ("q", "r", "IN")]
    return [
        Format("sensors android", "POST", "/sa", P.MIUI_HOST, P.FORM_CT,
               q_android + [("f", "crc", "CRC"), ("f", "gzip", "1"), ("f", "data_list", None), ("h", "Dry-Run", "true")],
               [sensors_event, profile], ["gzip", "b64", "pct"], crc=True),
        Format("sensors gzip=0", "POST", "/sa", "collector.example.net", P.FORM_CT,
               [("q", "project", "production"), ("f", "gzip", "0"), ("f", "data_list", None)],
               P.JAVA_BATCH[:1], ["b64", "pct"]),
        Format("sensors JS GET beacon", "GET", "/sa.gif", P.MIUI_HOST, None,
               [("q", "project", "default"), ("q", "data", None), ("q", "ext", P.pct("crc=1"))],
               P.JS_PAGEVIEW, ["b64", "pct"]),
        Format("sensors JS POST", "POST", "/sa", P.MIUI_HOST, "text/plain;charset=UTF-8",
               [("q", "project", "default"), ("f", "data", None), ("f", "ext", P.pct("crc=1"))],
               P.JS_CLICK, ["b64", "pct"]),
        Format("sensors JS batch_send", "POST", "/sa", P.MIUI_HOST, P.FORM_CT,
               [("q", "project", "default"), ("f", "data_list", None)], P.JS_BATCH[1:], ["b64", "pct"]),
        Format("sensors python", "POST", "/sa", "collector.example.net", P.FORM_CT,
               [("q", "project", "default"), ("f", "data", None), ("f", "gzip", "1")],
               P.PYTHON_EVENT, ["gzip", "b64", "pct"]),
        Format("sensors encrypted", "POST", "/sa", P.MIUI_HOST, P.FORM_CT,
               q_android + [("f", "crc", "CRC"), ("f", "gzip", "9"), ("f", "data_list", None)],
               json.loads(P.ENC9_JSON), ["pct"], crc=True),
        Format("miui analytics", "POST", "/track/v1", P.TRACKING_HOST, P.FORM_CT,
               [("f", "value", None), ("f", "ts", str(P.FLUSH_TIME)), ("f", "nonce", "a3f91c"),
                ("f", "sign", P.md5_hex("x")), ("h", "gzip", "0")],
               P.MIUI_BATCH, ["b64url", "pct"], json_style=P.android_json),
        Format("miui analytics gzip", "POST", "/track/spock", P.TRACKING_INTL_HOST, P.FORM_CT,
               [("f", "value", None), ("f", "ts", str(P.FLUSH_TIME)), ("f", "nonce", "5be204"),
                ("f", "sign", P.md5_hex("y")), ("h", "gzip", "1")],
               P.MIUI_SPOCK_BATCH, ["gzip", "b64url", "pct"], json_style=P.android_json),
        Format("miui tracker", "POST", "/tracks", P.TRACKING_HOST, P.FORM_CT + "; charset=UTF-8",
               [("f", "t", "miui-track_danfa_com.android.browser"), ("f", "value", None), ("f", "s", "0123456789abcdef")],
               P.TRACKER_EVENTS[0], ["b64", "pct"], json_style=P.android_json),
        Format("mistat v2", "POST", "/mistats/v2", P.MISTAT_HOST, P.FORM_CT,
               [("f", k, v) for k, v in sorted(P.mistat_fields("", P.MISTAT_DEVICE_ID).items()) if k != "stat_value"]
               [:8] + [("f", "stat_value", None), ("f", "version", "3.4.0"), ("f", "sign", P.md5_hex("z"))],
               P.MISTAT_CONTENT, ["aeshex"], json_style=P.android_json),
        Format("mistat v3", "POST", "/mistats/v3", P.MISTAT_HOST, P.FORM_CT,
               [("f", "ai", P.MISTAT_APP_ID), ("f", "sv", "3.0.16"), ("f", "pv", "3.0"), ("f", "p", None)],
               P._prng_bytes("xmtrack-mistat-v3", 300), ["gzip", "pad2", "b64", "pct"]),
        Format("onetrack v4", "POST", "/track/v4", P.TRACKING_INTL_HOST, "application/octet-stream",
               [("h", k, v) for k, v in P.ot_v4_headers() if k.startswith("OT_")], P.OT_BODY, [], body=True),
        Format("onetrack v4/o", "POST", "/track/v4/o", P.TRACKING_HOST, "application/json", [],
               P.OT_RECORDS, [], body=True),
        Format("onetrack key_get", "POST", "/track/key_get", P.TRACKING_INTL_HOST, P.FORM_CT,
               [("f", "secretKey", None), ("f", "sign", P.md5_hex("k"))],
               P._prng_bytes("xmtrack-onetrack-rsa", 128), ["b64", "pct"]),
        Format("sensors web AES", "POST", "/sa.gif", "sa.example.com", P.FORM_CT,
               [("q", "project", "xmtrack"), ("f", "data", None), ("f", "ext", P.pct("crc=1")), ("f", "gzip", "9")],
               P.JS_PAGEVIEW, ["aescbc", "b64", "aeswrap", "pct"]),
        *posthog_formats(),
        *snowplow_formats(),
        *mixpanel_formats(),
        *ga4_formats(),
        *segment_formats(),
        *amplitude_formats(),
    ]


def posthog_formats():
    """PostHog (docs/formats/posthog.md): gzip without Content-Encoding, the base64 and LZ-string forms,
    posthog-node's JSON; one browser event with ids, URLs, a search and personal data."""
    event = {"uuid": "01a24e91-6fa5-79d4-ba33-b87ee21eee20", "event": "$pageview",
             "properties": {"$current_url": "http://shop.example.com/p.html", "$lib": "web", "$time": 1796614483.902,
                            "distinct_id": "user-4711", "$device_id": "01a24e91-6f94-7971-bc7b-c125e2b07bca",
                            "ph_keyword": "earbuds", "$referrer": "https://www.google.com/search?q=earbuds",
                            "token": "phc_k", "$ip": "203.0.113.42"},
             "$set": {"email": "jane.doe@example.com"}, "timestamp": "2026-12-07T03:34:43.877Z"}
    batch = {"api_key": "phc_k", "batch": [event], "sent_at": "2026-12-07T03:34:45.000Z"}
    return [
        Format("posthog gzip", "POST", "/e/", "ph.example.com", "text/plain", [], batch, ["gzip"], body=True),
        Format("posthog base64", "POST", "/e/", "ph.example.com", P.FORM_CT,
               [("q", "compression", "base64"), ("f", "data", None)], batch, ["b64", "pct"]),
        Format("posthog lz64", "POST", "/e/", "ph.example.com", P.FORM_CT,
               [("q", "ip", "1"), ("q", "_", "1796614513509"), ("q", "ver", "1.60.0"), ("f", "data", None),
                ("f", "compression", "lz64")], [event], ["lz64", "pct"]),
        Format("posthog node", "POST", "/batch/", "127.0.0.1", "application/json", [], batch, [], body=True),
    ]


def snowplow_formats():
    """Snowplow (docs/formats/snowplow.md): a GET whose ue_px is the payload (base64url), and the POST
    tp2 body with the self-describing event and the contexts as JSON strings and as base64url."""
    ue = {"schema": "iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0",
          "data": {"schema": "iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0",
                   "data": {"terms": ["bluetooth", "speaker"], "filters": {}}}}
    cx = {"schema": "iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0",
          "data": [{"schema": "iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-2",
                    "data": {"osVersion": "14", "deviceModel": "Pixel 8",
                             "androidIdfa": "38400000-8cf0-11bd-b23e-10b96e40000d"}}]}

    def b64url(obj):
        return base64.urlsafe_b64encode(P.to_json(obj).encode("utf-8")).rstrip(b"=").decode("ascii")
    pairs = {"e": "ue", "url": "http://shop.example.com/", "refr": "https://duckduckgo.com/?q=noise+cancelling",
             "eid": "6bc9ea75-4f6e-4bc7-82fe-6c0498c0902a", "tv": "js-4.10.1", "aid": "shop", "uid": "user-4711",
             "duid": "a925e9bc-b63f-419f-9c1b-737a34cbb4c5", "dtm": "1796614519131", "stm": "1796614519132"}
    payload = "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4"
    query = [("q", k, urllib.parse.quote(v, safe="")) for k, v in pairs.items()]
    return [
        Format("snowplow GET", "GET", "/i", "sp.example.com", None,
               query + [("q", "ue_px", None), ("q", "cx", b64url(cx))], ue, ["b64url"]),
        Format("snowplow POST", "POST", "/com.snowplowanalytics.snowplow/tp2", "sp.example.com",
               "application/json; charset=UTF-8", [],
               {"schema": payload, "data": [dict(pairs, ue_pr=P.to_json(ue), co=P.to_json(cx))]}, [], body=True),
        Format("snowplow POST base64", "POST", "/com.snowplowanalytics.snowplow/tp2", "127.0.0.1",
               "application/json", [],
               {"schema": payload, "data": [dict(pairs, ip="203.0.113.42", ue_px=b64url(ue), cx=b64url(cx))]},
               [], body=True),
    ]


# Mixpanel (docs/formats/mixpanel.md): what mixpanel-browser and the Node SDK write, trimmed.
MIXPANEL_EVENT = {"event": "Search", "properties": {
    "time": 1796614423.099, "distinct_id": "$device:3aefe970-290c-4cf6-99f8-28ab9735173f",
    "$device_id": "3aefe970-290c-4cf6-99f8-28ab9735173f", "$referrer": "https://www.google.com/search?q=earbuds",
    "mp_keyword": "earbuds", "$initial_referrer": "$direct", "ip": "203.0.113.42",
    "product": "x>>>",  # its base64 holds '+', which Node's batches send unescaped
    "token": "t"}}
MIXPANEL_UPDATES = [{"$set_once": {"$initial_referrer": "https://www.bing.com/search?q=shoes"}, "$token": "t",
                     "$distinct_id": "user-4711", "$time": 1796614423003},
                    {"$token": "t", "$group_key": "company", "$group_id": "42", "$set": {"$email": "jane.doe@example.com"}}]


def mixpanel_formats():
    browser_query = [("q", "verbose", "1"), ("q", "ip", "1"), ("q", "_", "1796614434384")]
    node_query = [("q", "ip", "0"), ("q", "verbose", "0")]
    return [
        Format("mixpanel browser base64", "POST", "/track/", "mp.example.com", P.FORM_CT,
               browser_query + [("f", "data", None)], [MIXPANEL_EVENT], ["b64", "pct"]),
        Format("mixpanel browser json", "POST", "/engage/", "api-js.mixpanel.com", P.FORM_CT,
               browser_query + [("f", "data", None)], MIXPANEL_UPDATES, ["pct"]),
        Format("mixpanel node GET", "GET", "/track", "127.0.0.1:18106", None,
               node_query + [("q", "data", None)], MIXPANEL_EVENT, ["b64", "pct"]),
        # track_batch: the base64 is not percent-encoded, its '+' sent as is.
        Format("mixpanel node batch", "POST", "/track", "127.0.0.1:18106", P.FORM_CT,
               node_query + [("f", "data", None)], [MIXPANEL_EVENT, MIXPANEL_EVENT], ["b64"]),
    ]


def ga4_formats():
    """GA4 from the real hits the vendor captures replay (testdata/vendors/ga4_hits.json): one event in
    the query of a POST without a body (its page address the payload), the query shared by one event
    per body line, and the Measurement Protocol's JSON."""
    with open(os.path.join(REPO, "testdata", "vendors", "ga4_hits.json"), encoding="utf-8") as f:
        hits = json.load(f)
    one, lines = hits["gcollect"][0], hits["gcollect"][2]

    def query_params(path, payload=None):
        pairs = [p.split("=", 1) for p in path.split("?", 1)[1].split("&")]
        return [("q", k, None if k == payload else v) for k, v in pairs]

    page = urllib.parse.unquote(dict(p.split("=", 1) for p in one["path"].split("?", 1)[1].split("&"))["dl"])
    mp = hits["mp"][0]
    return [
        Format("ga4 gtag query", "POST", "/g/collect", "region1.google-analytics.com", None,
               query_params(one["path"], "dl"), page.encode("utf-8"), ["pct"]),
        Format("ga4 gtag lines", "POST", "/g/collect", "ga.example.com", "text/plain;charset=UTF-8",
               query_params(lines["path"]), lines["body"].encode("utf-8"), [], body=True),
        Format("ga4 measurement protocol", "POST", mp["path"].split("?")[0], "www.google-analytics.com",
               mp["content_type"], query_params(mp["path"]), mp["body"], [], body=True),
    ]


def vendor_event(capture, index):
    """A real SDK's event as its collector decoded it (testdata/vendors/README.md)."""
    with open(os.path.join(REPO, "testdata", "vendors", capture + ".pcapng.expect.json"), encoding="utf-8") as f:
        return json.load(f)["received"]["events"][index]["decoded"]


def segment_formats():
    """Segment (docs/formats/segment.md) from what the real SDKs sent: analytics-next's identify, one
    event as text/plain; analytics-node's batch."""
    node = vendor_event("segment_node_http1", 0)
    return [
        Format("segment browser event", "POST", "/v1/i", "api.segment.io", "text/plain", [],
               vendor_event("segment_js_http1", 3), [], body=True),
        Format("segment node batch", "POST", "/v1/batch", "api.segment.io", "application/json", [],
               {"batch": [node], "writeKey": "xmtrackSegmentWriteKey0002", "sentAt": node["timestamp"]}, [],
               body=True),
    ]


def amplitude_formats():
    """Amplitude (docs/formats/amplitude.md) from what the real SDKs sent: analytics-browser's JSON (two
    events: a page view, the identify with the e-mail); amplitude-js's checksummed form."""
    return [
        Format("amplitude json", "POST", "/2/httpapi", "api2.amplitude.com", "application/json", [],
               {"api_key": "xmtrack0amplitude0api0key000001",
                "events": [vendor_event("amplitude_js_http1", 1), vendor_event("amplitude_js_http1", 4)],
                "options": {}, "client_upload_time": "2026-12-07T03:34:21.677Z"}, [], body=True),
        Format("amplitude legacy form", "POST", "/", "api.amplitude.com", P.FORM_CT + "; charset=UTF-8",
               [("f", "checksum", P.md5_hex("a")), ("f", "client", "xmtrack0amplitude0api0key000001"),
                ("f", "e", None), ("f", "upload_time", "1796614473968"), ("f", "v", "2")],
               [vendor_event("amplitude_legacy_js_http1", 6)], ["pct"]),
    ]


# The web AES plugin (docs/formats/sensors-encryption.md): key_id 7's key, given to tshark as the
# key table; the IV's bytes below 0x80 as the plugin makes them.
AES_KEY = base64.b64decode("Beth4Y1Naqu4ynrEqvx9wQ==")
AES_IV = bytes((i * 7 + 1) & 0x7f for i in range(16))
KEY_TABLE = ["-o", 'uat:xmtrack_keys:"sensors","7","Beth4Y1Naqu4ynrEqvx9wQ=="']


def aes128_cbc(key, data, pad=True):
    """IV || AES-128-CBC(key, data), PKCS#7-padded unless pad is False (payloads.py's AES block)."""
    if pad:
        data += bytes([16 - len(data) % 16]) * (16 - len(data) % 16)
    keys, prev, out = P._round_keys(key), AES_IV, [AES_IV]
    for i in range(0, len(data), 16):
        prev = P._encrypt_block(bytes(a ^ b for a, b in zip(data[i:i + 16], prev)), keys)
        out.append(prev)
    return b"".join(out)


def aes_wrap(payload, key_id=b"7"):
    """The plugin's {"key_id","key_hash","nc","payload"}; key_id None leaves it out."""
    head = b'{"key_id":' + key_id + b"," if key_id is not None else b"{"
    return head + b'"key_hash":"a9b132e3fa9f85c54ffb766c13df927230cb5f6be666047e6de928c80c9e8740","nc":1,' \
                  b'"payload":"' + payload + b'"}'


def rewrap(data, key_id):
    return aes_wrap(json.loads(data)["payload"].encode("ascii"), key_id)


# ---- building one request ----------------------------------------------------------------------

def gzip_bytes(data):
    return P.gz(data)


LZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def lz64(data):
    """LZString.compressToBase64 written with literals only, as tests/fuzz/fuzz_epan.c's lz64_of():
    each UTF-16 unit (bytes that are not UTF-8 as Latin-1) an 8- or 16-bit literal, the code widths
    growing as lz-string's decoder grows its dictionary (two entries a literal after the first)."""
    try:
        utf16 = data.decode("utf-8").encode("utf-16-le")
        units = [utf16[i] | utf16[i + 1] << 8 for i in range(0, len(utf16), 2)]
    except UnicodeDecodeError:
        units = list(data)
    bits = []

    def put(value, n):
        bits.extend((value >> i) & 1 for i in range(n))

    def literal(unit, width):
        put(0 if unit < 256 else 1, width)
        put(unit, 8 if unit < 256 else 16)
    if not units:
        put(2, 2)
    else:
        width, enlarge_in = 3, 4
        literal(units[0], 2)
        for unit in units[1:]:
            literal(unit, width)
            for _ in range(2):
                enlarge_in -= 1
                if enlarge_in == 0:
                    enlarge_in, width = 1 << width, width + 1
        put(2, width)
    bits += [0] * (-len(bits) % 6)
    text = "".join(LZ_ALPHABET[int("".join(map(str, bits[i:i + 6])), 2)] for i in range(0, len(bits), 6))
    return (text + "=" * (-len(text) % 4)).encode("ascii")


def apply_layer(layer, data, key=None):
    if layer == "gzip":
        return gzip_bytes(data)
    if layer == "pad2":
        return data + b"\0\0"
    if layer == "b64":
        return base64.b64encode(data)
    if layer == "b64url":
        return base64.urlsafe_b64encode(data)
    if layer == "pct":
        return urllib.parse.quote(data, safe="").encode("ascii")
    if layer == "lz64":
        return lz64(data)
    if layer == "aeshex":
        return P.aes128_ecb_encrypt(key or mistat_key(), data).hex().encode("ascii")
    if layer == "aescbc":
        return aes128_cbc(key or AES_KEY, data)
    if layer == "aeswrap":
        return aes_wrap(data)
    raise ValueError(layer)


class Edit:
    """What one variant changes: a parameter, a layer's output, the plaintext, the transport."""

    def __init__(self, field, edge, param=None, layer=None, layer_fn=None, plaintext=None, transport=None,
                 key=None, plain_fn=None):
        self.field, self.edge = field, edge
        self.param, self.layer, self.layer_fn = param, layer, layer_fn
        self.plaintext, self.transport, self.key, self.plain_fn = plaintext, transport, key, plain_fn


def plaintext_bytes(fmt, obj):
    if isinstance(obj, bytes):
        return obj
    return fmt.json_style(obj).encode("utf-8")


def build(fmt, edit=None):
    """The request's pieces (bytes sent in one TCP segment each)."""
    edit = edit or Edit("-", "as sent")
    plain = edit.plaintext if edit.plaintext is not None else plaintext_bytes(fmt, fmt.plaintext)
    if edit.plain_fn:
        plain = edit.plain_fn(plain)
    data = plain
    if edit.layer == 0:
        data = edit.layer_fn(data)
    before_pct = data
    for i, layer in enumerate(fmt.layers, 1):
        if layer == "pct":
            before_pct = data
        data = apply_layer(layer, data, edit.key)
        if edit.layer == i:
            data = edit.layer_fn(data)
    params = []
    for where, name, value in fmt.params:
        if value is None:
            value = data
        elif name == "crc" and value == "CRC":
            value = str(P.java_hash(before_pct.decode("latin-1"))).encode()
        else:
            value = value.encode("utf-8")
        params.append([where, name, value, True])   # True: name=value, False: the name alone
    if edit.param is not None:
        params = edit.param(params)
    query = [p for p in params if p[0] == "q"]
    form = [p for p in params if p[0] == "f"]
    headers = [p for p in params if p[0] == "h"]

    def join(ps):
        return b"&".join(p[1].encode() + (b"=" + p[2] if p[3] else b"") for p in ps)

    body = data if fmt.body else join(form)
    t = edit.transport or {}
    target = fmt.path.encode() + (b"?" + join(query) if query else b"")
    head = [b"%s %s HTTP/1.1" % (fmt.method.encode(), target), b"Host: " + fmt.host.encode()]
    ctype = t.get("ctype", fmt.ctype)
    if ctype and fmt.method == "POST":
        head.append(b"Content-Type: " + ctype.encode())
    for _, name, value, eq in headers:
        value = value.replace(b"\r", b"").replace(b"\n", b"")
        head.append(name.encode() + (b": " + value if eq else b""))
    head.append(b"User-Agent: " + P.ANDROID_UA.encode())
    if fmt.method == "POST":
        if t.get("coding"):
            head.append(b"Content-Encoding: " + t["coding"].encode())
            body = t.get("encode", gzip_bytes)(body)
        if t.get("chunked"):
            head.append(b"Transfer-Encoding: chunked")
            n = max(1, len(body) // 3)
            chunks = [body[i:i + n] for i in range(0, len(body), n)]
            body = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks) + b"0\r\n\r\n"
        else:
            head.append(b"Content-Length: %d" % len(body))
    head.append(b"Connection: close")
    request = b"\r\n".join(head) + b"\r\n\r\n" + (body if fmt.method == "POST" else b"")
    if t.get("pipelined"):
        request += request
    cuts = t.get("cuts")
    if cuts == "head":
        cuts = [request.index(b"\r\n\r\n") + 4]
    elif cuts == "thirds":
        cuts = [len(request) // 3, 2 * len(request) // 3]
    elif cuts == "one":
        cuts = [1]
    if not cuts:
        return [request]
    bounds = [0] + [c for c in cuts if 0 < c < len(request)] + [len(request)]
    return [request[a:b] for a, b in zip(bounds, bounds[1:]) if b > a]


# ---- the edge values ---------------------------------------------------------------------------

BAD_ESCAPES = [b"%G1", b"%", b"%4", b"%zz", b"%u0041"]
RAW_VALUES = [(b"\xff\xfe\xc3", "invalid UTF-8"), (b"a\0b", "NUL"), (b"&=&", "'&=&'"),
              (b"\xe4\xb8\xad\xe6\x96\x87", "UTF-8 text")]


def param_edits(fmt):
    out = []
    for i, (where, name, value) in enumerate(fmt.params):
        field = "%s %s" % ({"q": "query", "f": "form", "h": "header"}[where], name)

        def at(fn, i=i):
            def edit(ps):
                ps = [list(p) for p in ps]
                return fn(ps, i) or ps
            return edit

        def set_value(v):
            return at(lambda ps, i: ps[i].__setitem__(2, v))

        def set_fn(fn):
            return at(lambda ps, i: ps[i].__setitem__(2, fn(ps[i][2])))

        out += [
            Edit(field, "empty", param=set_value(b"")),
            Edit(field, "missing", param=at(lambda ps, i: ps.pop(i) and None)),
            Edit(field, "duplicated, the first empty", param=at(lambda ps, i: ps.insert(i, [ps[i][0], ps[i][1], b"", True]))),
            Edit(field, "duplicated, the second different",
                 param=at(lambda ps, i: ps.insert(i + 1, [ps[i][0], ps[i][1], b"eyJldmVudCI6IngifQ%3D%3D", True]))),
            Edit(field, "name without '='", param=at(lambda ps, i: ps[i].__setitem__(3, False))),
            Edit(field, "one byte", param=set_fn(lambda v: v[:1])),
            Edit(field, "64 KiB", param=set_fn(lambda v: (v or b"A") * (65536 // max(1, len(v or b"A")) + 1))),
        ]
        for esc in BAD_ESCAPES:
            out.append(Edit(field, "bad escape %s in the middle" % esc.decode(),
                            param=set_fn(lambda v, esc=esc: v[:len(v) // 2] + esc + v[len(v) // 2:])))
        out.append(Edit(field, "bad escape '%' at the end", param=set_fn(lambda v: v + b"%")))
        for raw, label in RAW_VALUES:
            out.append(Edit(field, "raw %s" % label, param=set_value(raw)))
    return out


LAYER_NAMES = {"gzip": "gzip", "pad2": "gzip padding", "b64": "base64", "b64url": "base64 (URL-safe)",
                "pct": "percent-encoding", "aeshex": "AES hex", "lz64": "LZ-string", "aescbc": "AES-CBC",
                "aeswrap": "AES record"}


def flip(data):
    if not data:
        return data
    i = len(data) * 2 // 3
    return data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]


def gzip_edges(data):
    z = gzip_bytes(data)
    return [
        ("gzip of nothing", gzip_bytes(b"")),
        ("header only", z[:10]),
        ("bad CRC", z[:-8] + bytes([z[-8] ^ 0x55]) + z[-7:]),
        ("bad length", z[:-4] + bytes([z[-4] ^ 1]) + z[-3:]),
        ("cut in half", z[:len(z) // 2]),
        ("zlib instead", zlib.compress(data)),
        ("raw deflate instead", zlib.compress(data)[2:-4]),
        ("trailing garbage", z + b"garbage"),
        ("two members", gzip_bytes(data[:len(data) // 2]) + gzip_bytes(data[len(data) // 2:])),
        ("bad magic", b"\x1e" + z[1:]),
    ]


def layer_edits(fmt):
    out = []
    names = ["plaintext"] + [LAYER_NAMES[l] for l in fmt.layers]
    for i, name in enumerate(names):
        out += [
            Edit("layer " + name, "empty", layer=i, layer_fn=lambda d: b""),
            Edit("layer " + name, "cut in half", layer=i, layer_fn=lambda d: d[:len(d) // 2]),
            Edit("layer " + name, "one byte changed", layer=i, layer_fn=flip),
        ]
    for i, layer in enumerate(fmt.layers):
        if layer in ("b64", "b64url"):
            # The base64 layer's input replaced: base64 of 0-3 bytes.
            for n in range(4):
                raw = b"[{\x00"[:n]
                out.append(Edit("layer " + LAYER_NAMES[layer], "base64 of %d byte(s)" % n, layer=i + 1,
                                layer_fn=lambda d, raw=raw, layer=layer: apply_layer(layer, raw)))
        if layer == "gzip":
            # Replaces the gzip layer's output, so the layers inside it are read from the plaintext.
            for label, _ in gzip_edges(b"x"):
                out.append(Edit("layer gzip", label, layer=i + 1,
                                layer_fn=lambda d, label=label: dict(gzip_edges(zlib.decompress(d, 31)))[label]))
        if layer == "aeshex":
            out += [
                Edit("layer AES hex", "odd length", layer=i + 1, layer_fn=lambda d: d[:-1]),
                Edit("layer AES hex", "not hex", layer=i + 1, layer_fn=lambda d: d[:10] + b"zz" + d[12:]),
                Edit("layer AES hex", "not whole blocks", layer=i + 1, layer_fn=lambda d: d[:-2]),
                Edit("layer AES hex", "upper case", layer=i + 1, layer_fn=lambda d: d.upper()),
                Edit("layer AES hex", "one extra byte", layer=i + 1, layer_fn=lambda d: d + b"00"),
                Edit("layer AES hex", "the wrong key (bad padding)", key=mistat_key(P.MISTAT_WRONG_DEVICE_ID)),
                Edit("layer AES hex", "an empty plaintext", plaintext=b""),
                Edit("layer AES hex", "one block of zeros", layer=i + 1, layer_fn=lambda d: b"00" * 16),
            ]
        if layer == "aescbc":
            plain = plaintext_bytes(fmt, fmt.plaintext)
            out += [
                Edit("layer AES-CBC", "a short IV", layer=i + 1, layer_fn=lambda d: d[:10]),
                Edit("layer AES-CBC", "the IV alone", layer=i + 1, layer_fn=lambda d: d[:16]),
                Edit("layer AES-CBC", "not whole blocks", layer=i + 1, layer_fn=lambda d: d[:-3]),
                Edit("layer AES-CBC", "bad padding", layer=i + 1,
                     layer_fn=lambda d, p=plain: aes128_cbc(AES_KEY, p + b"\0" * (16 - len(p) % 16), pad=False)),
                Edit("layer AES-CBC", "the wrong key (bad padding)", key=b"\x5a" * 16),
                Edit("layer AES-CBC", "a payload of 256 KiB", plain_fn=lambda p: p + b" " * (256 * 1024)),
            ]
        if layer == "aeswrap":
            out += [
                Edit("layer AES record", "no key_id", layer=i + 1, layer_fn=lambda d: rewrap(d, None)),
                Edit("layer AES record", "a key_id of no key", layer=i + 1, layer_fn=lambda d: rewrap(d, b"99")),
                Edit("layer AES record", "key_id as a string", layer=i + 1, layer_fn=lambda d: rewrap(d, b'"7"')),
                Edit("layer AES record", "bad base64", layer=i + 1,
                     layer_fn=lambda d: d.replace(b'"payload":"', b'"payload":"*', 1)),
            ]
    return out


# Values of another type for a JSON leaf (RAW: written into the text as is).
WRONG = {
    "string": [("a number", 123), ("an object", {"a": 1}), ("an array", ["x"]), ("null", None)],
    "number": [("a string", "12x"), ("an object", {}), ("1e999", "RAW:1e999"),
               ("an int past 64 bits", "RAW:18446744073709551616"), ("null", None)],
    "other": [("a string", "x"), ("a number", 0), ("an array", [])],
}


def leaves(obj, path=""):
    """(path, value) of every leaf and container of a JSON value."""
    if isinstance(obj, dict):
        yield path or "$", obj
        for k, v in obj.items():
            yield from leaves(v, "%s.%s" % (path, k) if path else k)
    elif isinstance(obj, list):
        yield path or "$", obj
        for i, v in enumerate(obj):
            yield from leaves(v, "%s[%d]" % (path, i))
    else:
        yield path, obj


def replaced(obj, target, value):
    """A copy of obj with the node `target` (an identity) replaced."""
    if obj is target:
        return value
    if isinstance(obj, dict):
        return {k: replaced(v, target, value) for k, v in obj.items()}
    if isinstance(obj, list):
        return [replaced(v, target, value) for v in obj]
    return obj


def json_edits(fmt):
    if isinstance(fmt.plaintext, bytes):
        return []
    out = []
    for path, node in leaves(fmt.plaintext):
        if isinstance(node, (dict, list)):
            choices = [("a string", "x"), ("null", None), ("an array" if isinstance(node, dict) else "an object",
                                                         [] if isinstance(node, dict) else {})]
            field = "JSON %s (%s)" % (path, "object" if isinstance(node, dict) else "array")
        else:
            kind = "string" if isinstance(node, str) else "number" if isinstance(node, (int, float)) and \
                not isinstance(node, bool) else "other"
            choices = WRONG[kind]
            field = "JSON %s" % path
        for label, value in choices:
            if isinstance(node, (dict, list)) and path == "$" and label == "a string":
                label, value = "a string", "x"
            sentinel = None
            if isinstance(value, str) and value.startswith("RAW:"):
                sentinel = value
            box = [node]  # identity of this node, for the closure

            def plain(_, value=value, sentinel=sentinel, box=box):
                obj = replaced(fmt.plaintext, box[0], value)
                text = fmt.json_style(obj)
                if sentinel:
                    text = text.replace(json.dumps(sentinel), sentinel[4:])
                return text.encode("utf-8")
            out.append(Edit(field, "set to " + label, plain_fn=plain))
    return out


def transport_edits(fmt):
    out = [
        Edit("transport", "three TCP segments", transport={"cuts": "thirds"}),
        Edit("transport", "a one-byte first segment", transport={"cuts": "one"}),
        Edit("transport", "the header block and the body apart", transport={"cuts": "head"}),
        Edit("transport", "pipelined twice on one connection", transport={"pipelined": True}),
    ]
    if fmt.method == "POST":
        out += [
            Edit("transport", "chunked", transport={"chunked": True}),
            Edit("transport", "chunked, in three segments", transport={"chunked": True, "cuts": "thirds"}),
            Edit("transport", "Content-Encoding: gzip", transport={"coding": "gzip"}),
            Edit("transport", "Content-Encoding: gzip, chunked", transport={"coding": "gzip", "chunked": True}),
            Edit("transport", "Content-Encoding: gzip of nothing",
                 transport={"coding": "gzip", "encode": lambda b: gzip_bytes(b"")}),
            Edit("transport", "Content-Encoding: gzip, damaged",
                 transport={"coding": "gzip", "encode": lambda b: flip(gzip_bytes(b))}),
            Edit("transport", "Content-Encoding: deflate over gzip bytes", transport={"coding": "deflate"}),
            Edit("transport", "no Content-Type", transport={"ctype": None}),
            Edit("transport", "Content-Type text/plain", transport={"ctype": "text/plain"}),
            Edit("transport", "Content-Type application/json", transport={"ctype": "application/json"}),
        ]
    return out


def variants():
    out = []
    for fmt in formats():
        out.append(Variant(fmt.name, "-", "as sent", build(fmt)))
        for edit in param_edits(fmt) + layer_edits(fmt) + json_edits(fmt) + transport_edits(fmt):
            out.append(Variant(fmt.name, edit.field, edit.edge, build(fmt, edit)))
    return out


# ---- captures and the manifest -------------------------------------------------------------

def write_capture(path, chosen):
    """chosen: [(number, Variant)]; returns {first frame: number} of the connections written."""
    make_pcap.write_pcap(path, [v.pieces for _, v in chosen])
    starts, frame = {}, 1
    for number, v in chosen:
        starts[frame] = number
        frame += 3 + len(make_pcap.segments(v.pieces)) + 2
    return starts


def variant_of_frame(starts, frame):
    best = None
    for first, number in starts.items():
        if first <= frame and (best is None or first > best[0]):
            best = (first, number)
    return best[1] if best else None


def describe(number, v):
    return "variant %d: %s / %s / %s" % (number, v.format, v.field, v.edge)


# ---- running tshark --------------------------------------------------------------------------

FIELDS = ["frame.number", "xmtrack.sdk", "xmtrack.event", "xmtrack.error", "xmtrack.layers", "xmtrack.param",
          "xmtrack.url", "xmtrack.member"]


class Sweep:
    def __init__(self, plugin, timeout, keep):
        import robustness
        self.robustness = robustness
        self.runner = robustness.Runner(plugin, os.path.join(REPO, "testdata"), "asan", timeout)
        self.timeout = timeout
        self.keep = keep
        self.count = 0

    def tshark(self, capture, args):
        cmd = ["tshark", "-n", "-r", capture] + KEY_TABLE + args
        r = self.runner
        try:
            proc = subprocess.run(cmd, capture_output=True, env=r.env.env, cwd=r.work, timeout=self.timeout, **r.user)
            return proc, proc.stdout, proc.stderr.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            return None, e.stdout or b"", (e.stderr or b"").decode("utf-8", "replace")

    def check(self, chosen, tag):
        """Both tshark runs over a capture of `chosen`: (problems of the whole run, per-frame problems,
        frames xmtrack decoded)."""
        self.count += 1
        path = os.path.join(self.runner.work, "sweep-%s.pcap" % tag)
        starts = write_capture(path, chosen)
        os.chmod(path, 0o644)
        whole, framed, decoded = [], [], set()
        proc, out, err = self.tshark(path, ["-V", "-2"])
        for p in self.robustness.judge(proc, out, err, False, "asan"):
            (framed if p.startswith("frame ") else whole).append(("-V -2", p, err))
        fields = []
        for f in FIELDS:
            fields += ["-e", f]
        proc, out, err = self.tshark(path, ["-2", "-Y", "xmtrack", "-T", "fields", "-E", "occurrence=f"] + fields)
        for p in self.robustness.judge(proc, b"", err, False, "asan"):
            whole.append(("-Y xmtrack -T fields", p, err))
        try:
            out.decode("utf-8")
        except UnicodeDecodeError as e:
            whole.append(("-T fields", "output not UTF-8 at byte %d" % e.start, ""))
        for line in out.decode("utf-8", "replace").splitlines():
            cols = line.split("\t")
            if cols and cols[0].isdigit() and len(cols) > 1 and cols[1]:
                decoded.add(variant_of_frame(starts, int(cols[0])))
        framed = [(variant_of_frame(starts, int(re.match(r"frame (\d+)", p).group(1))), how, p)
                  for how, p, _ in framed]
        return path, whole, framed, decoded

    def alone(self, item, tag):
        """The problems of one variant's capture on its own."""
        path, whole, framed, _ = self.check([item], tag)
        return path, whole + [(how, p, "") for _, how, p in framed]

    def locate(self, chosen, tag):
        """The variant tshark dies in: a single pass flushed after each frame (-l -V) prints
        every frame before the one it aborts in."""
        path = os.path.join(self.runner.work, "sweep-%s.pcap" % tag)
        starts = write_capture(path, chosen)
        os.chmod(path, 0o644)
        self.count += 1
        proc, out, err = self.tshark(path, ["-l", "-V"])
        if proc is not None and proc.returncode == 0 and not self.robustness.SANITIZER_REPORT.search(err):
            return None
        printed = [int(m.group(1)) for m in re.finditer(rb"(?m)^Frame (\d+): ", out)]
        # The last frame printed may be cut short by the abort: it is a suspect too.
        suspects = []
        for frame in ([printed[-1] + 1, printed[-1]] if printed else [1]):
            number = variant_of_frame(starts, frame)
            if number is not None and number not in suspects:
                suspects.append(number)
        return suspects

    def isolate(self, chosen, tag, budget, deadline):
        """The variants of `chosen` that fail alone: each located by where tshark dies and
        confirmed alone, then taken out and the rest run again; bisection when that fails
        (a failure of the second pass or of the -T fields run)."""
        found = []
        rest = list(chosen)
        while rest and budget[0] > 0 and time.monotonic() < deadline:
            suspects = self.locate(rest, tag)
            if suspects is None:     # the single pass passes: bisect what is left on the full runs
                break
            confirmed = False
            for number in suspects:
                item = next(i for i in rest if i[0] == number)
                path, problems = self.alone(item, "%s-%d" % (tag, number))
                if problems:
                    found.append((item, path, problems))
                    budget[0] -= 1
                    confirmed = True
                rest = [i for i in rest if i[0] != number]
            if not confirmed:
                break
        if rest and budget[0] > 0 and time.monotonic() < deadline:
            found += self.bisect(rest, tag + "b", budget, deadline)
        return found

    def bisect(self, chosen, tag, budget, deadline):
        if budget[0] <= 0 or time.monotonic() >= deadline:
            return []
        path, whole, _, _ = self.check(chosen, tag)
        if not whole:
            return []
        if len(chosen) == 1:
            budget[0] -= 1
            return [(chosen[0], path, whole)]
        half = len(chosen) // 2
        return self.bisect(chosen[:half], tag + "a", budget, deadline) + \
            self.bisect(chosen[half:], tag + "b", budget, deadline)


def cmd_run(args):
    t0 = time.monotonic()
    all_variants = list(enumerate(variants(), 1))
    if args.only:
        all_variants = [(n, v) for n, v in all_variants if in_ranges(n, args.only)]
    by_format = collections.Counter(v.format for _, v in all_variants)
    log("%d variants of %d formats: %s" % (len(all_variants), len(by_format),
                                           ", ".join("%s %d" % kv for kv in by_format.items())))
    sweep = Sweep(args.plugin, args.timeout, args.keep_failed)
    size = max(1, (len(all_variants) + args.chunks - 1) // args.chunks)
    chunks = [all_variants[i:i + size] for i in range(0, len(all_variants), size)]
    failures, decoded, crashed = [], set(), set()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda ic: (ic[1],) + sweep.check(ic[1], "chunk%d" % ic[0]), enumerate(chunks, 1)))
    deadline = time.monotonic() + args.isolate_seconds
    for chosen, path, whole, framed, got in results:
        decoded |= got
        for number, how, problem in framed:
            failures.append((number, "tshark %s: %s" % (how, problem), ""))
        if whole:
            first, last = chosen[0][0], chosen[-1][0]
            crashed |= {n for n, _ in chosen}
            log("variants %d-%d together: %s; isolating" % (first, last, "; ".join(p for _, p, _ in whole)))
            budget = [args.max_isolated]
            isolated = sweep.isolate(chosen, "%d-%d" % (first, last), budget, deadline)
            for (number, v), vpath, problems in isolated:
                for how, p, err in problems:
                    failures.append((number, "tshark %s: %s" % (how, p), err))
                if args.keep_failed:
                    os.makedirs(args.keep_failed, exist_ok=True)
                    kept = os.path.join(args.keep_failed, "variant-%d.pcap" % number)
                    write_capture(kept, [(number, v)])
                    log("  kept %s (%s)" % (kept, describe(number, v)))
            if not isolated:
                failures.append((first, "variants %d-%d fail together, none isolated alone (in the time left: "
                                 "sweep.py run --only %d-%d): %s" % (first, last, first, last,
                                                                     "; ".join(p for _, p, _ in whole)), whole[0][2]))
    names = dict(all_variants)
    for number, v in all_variants:
        if v.edge == "as sent" and number not in decoded and number not in crashed:
            failures.append((number, "xmtrack did not decode the unvaried request", ""))
    by_variant = collections.OrderedDict()
    for number, problem, err in sorted(failures, key=lambda f: f[0]):
        by_variant.setdefault(number, []).append((problem, err))
    for number, found in by_variant.items():
        log("FAIL %s\n     %s" % (describe(number, names[number]), "\n     ".join(p for p, _ in found)))
        report = [l for l in found[0][1].splitlines() if l.strip()]
        start = next((i for i, l in enumerate(report) if "ERROR" in l or "assertion" in l or "Dissector bug" in l), 0)
        if report:
            log("     " + "\n     ".join(report[start:start + 30]))
    log("sweep: %d variants in %d tshark runs, %d decoded by xmtrack, %.1f s" % (
        len(all_variants), sweep.count * 2, len(decoded), time.monotonic() - t0))
    log("%d variant(s) failed" % len({f[0] for f in failures}))
    sys.exit(1 if failures else 0)


def in_ranges(number, ranges):
    """ranges: "5,10-20"."""
    for part in ranges.split(","):
        a, _, b = part.partition("-")
        if int(a) <= number <= int(b or a):
            return True
    return False


def cmd_list(args):
    for number, v in enumerate(variants(), 1):
        if not args.format or v.format == args.format:
            print("%5d  %-22s %-40s %s  (%d bytes)" % (number, v.format, v.field, v.edge, sum(map(len, v.pieces))))


def cmd_write(args):
    all_variants = list(enumerate(variants(), 1))
    if args.only:
        all_variants = [(n, v) for n, v in all_variants if in_ranges(n, args.only)]
    starts = write_capture(args.out, all_variants)
    for first, number in sorted(starts.items()):
        print("frame %6d: %s" % (first, describe(number, dict(all_variants)[number])))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("run")
    p.add_argument("--plugin", required=True, help="the xmtrack.so built under ASan/UBSan")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--chunks", type=int, default=8, help="captures the variants are cut into")
    p.add_argument("--timeout", type=int, default=300)
    p.add_argument("--only", help="variant numbers: 5,10-20")
    p.add_argument("--max-isolated", type=int, default=5, help="failing variants isolated per chunk")
    p.add_argument("--isolate-seconds", type=int, default=300, help="time spent isolating failures")
    p.add_argument("--keep-failed", help="write each failing variant's capture here")
    p.set_defaults(fn=cmd_run)
    p = sub.add_parser("list")
    p.add_argument("--format")
    p.set_defaults(fn=cmd_list)
    p = sub.add_parser("write")
    p.add_argument("out")
    p.add_argument("--only")
    p.set_defaults(fn=cmd_write)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
