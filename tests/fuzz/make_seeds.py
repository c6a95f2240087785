#!/usr/bin/env python3
"""Seed corpora for the xmtrack fuzz harnesses, from the test captures.

Every HTTP/1.x request of every capture in testdata/, at any depth, with its
own tshark arguments and key log (tests/integration/captures.py), is read back with tshark (PDML: the request line, Host,
Content-Type and the entity body as HTTP hands it to the plugin, de-chunked
and decompressed), then peeled here layer by layer, so that each harness gets
the input of its own layer:

  decode, format_*  selector bytes (fuzz_common.h) + the body, or + the GET query
  form, percent     the body or query as sent
  base64            each long form value, percent-decoded
  lzstring          limit byte + the LZ-string vectors of tests/unit/vectors/lzstring/
  inflate           selector byte + each gzip/zlib stream found, and raw deflate
  json              selector byte + each JSON document reached
  search            the URLs inside those documents
  epan              fuzz_epan.c's grammar: a head (format, transport, edge,
                    target, cut, variant) and the innermost plaintext of each
                    format as testdata/payloads.py makes it

plus a few hand-made inputs (limits: a decompression bomb, deep nesting).

    tests/fuzz/make_seeds.py                 # add the seeds to tests/fuzz/corpus/ (committed)
    tests/fuzz/make_seeds.py --out DIR       # write elsewhere (the test suite does)

tests/fuzz/corpus/ also holds what the long runs found, minimised with the seeds (run.py merge
NAME --minimise), so --clean is refused there.

Files are named by the SHA-1 of their content, as libFuzzer names its own, so
reruns are idempotent.  Needs tshark; python3 stdlib only.
"""
import argparse
import base64
import binascii
import glob
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
import captures as shipped  # noqa: E402

# Must match the tables of fuzz_common.h.
URIS = [None, "/sa?project=x", "/sa.gif?project=default&r=cn", "/debug?project=global_browser_mini&r=IN",
        "/track/v1", "/mistats/v2", "/track/v4", "/g/collect?v=2&tid=G-1&cid=1.2&measurement_id=G-1&api_secret=s"]
HOSTS = [None, "sa.api.intl.miui.com", "collector.example.net", "tracking.miui.com",
         "tracking.intl.miui.com:443", "data.mistat.xiaomi.com", "www.example.com", "sdkconfig.ad.xiaomi.com"]
CONTENT_TYPES = [None, "application/x-www-form-urlencoded", "application/json", "text/plain",
                 "application/octet-stream"]


# libFuzzer mutates inputs up to the longest seed: big documents slow every run.
MAX_JSON_SEED = 16 * 1024


def sel0(query, uri, host, dry_run=False):
    return bytes([(1 if query else 0) | (uri << 1) | (host << 4) | (0x80 if dry_run else 0)])


def sel1(content_type=0, headers=0, config=0, no_method=False):
    return bytes([content_type | (headers << 3) | (config << 5) | (0x80 if no_method else 0)])


def uri_index(uri):
    path = (uri or "").split("?")[0].lower()
    for i, u in enumerate(URIS):
        if u and path.endswith(u.split("?")[0]):
            return i
    for i, suffix in ((1, "/sa"), (2, "/sa.gif"), (3, "/debug"), (4, "/track/spock"), (5, "/mistats"),
                      (5, "/mistats/v3"), (6, "/track/v4/o"), (4, "/tracks")):
        if path.endswith(suffix):
            return i
    return 7 if uri else 0


def host_index(host):
    host = (host or "").lower()
    if host in HOSTS:
        return HOSTS.index(host)
    bare = host.split(":")[0]
    for i, h in enumerate(HOSTS):
        if h and h.split(":")[0] == bare:
            return i
    if bare.endswith(".miui.com"):
        return 3
    if "mistat" in bare:
        return 5
    return 2 if host else 0


def content_type_index(ct):
    ct = (ct or "").split(";")[0].strip().lower()
    return CONTENT_TYPES.index(ct) if ct in CONTENT_TYPES else 0


# ---- reading the captures -------------------------------------------------------------------

def requests_of(capture):
    """[(method, uri, host, content_type, headers{lower: value}, body bytes)] of the HTTP/1.x
    requests of a capture (captures.Capture: read with its own arguments and key log)."""
    # Plain tshark: as root WIRESHARK_PLUGIN_DIR is ignored, and an xmtrack installed
    # system-wide (scripts/setup.sh as root) is loaded, so it is also disabled by name.
    args = ["tshark", "-n", "-r", capture.path, "--disable-protocol", "xmtrack", "-Y", "http.request", "-T", "pdml"]
    args += capture.tshark_args()
    env = dict(os.environ, WIRESHARK_PLUGIN_DIR="/nonexistent")
    pdml = subprocess.run(args, capture_output=True, check=True, env=env).stdout
    out = []
    for packet in ET.fromstring(pdml).iter("packet"):
        for proto in packet.iter("proto"):
            if proto.get("name") != "http":
                continue
            req = {"method": None, "uri": None, "host": None, "ct": None, "headers": {}, "body": b""}
            for field in proto.iter("field"):
                name, show = field.get("name"), field.get("show")
                if name == "http.request.method":
                    req["method"] = show
                elif name == "http.request.uri":
                    req["uri"] = show
                elif name == "http.host":
                    req["host"] = show
                elif name == "http.content_type":
                    req["ct"] = show
                elif name == "http.request.line" and show and ":" in show:
                    k, v = show.split(":", 1)
                    req["headers"][k.strip().lower()] = v.strip()
                elif name == "http.file_data" and field.get("value"):
                    req["body"] = binascii.unhexlify(field.get("value"))
            if req["method"]:
                out.append(req)
    return out


# ---- peeling, as the plugin does ---------------------------------------------------------

def form_values(text):
    """Raw (still percent-encoded) values of a form or query."""
    values = []
    for part in text.split(b"&"):
        if b"=" in part:
            values.append(part.split(b"=", 1)[1])
    return values


def b64decode_any(text):
    t = text.strip().replace(b"\n", b"").replace(b"\r", b"").replace(b" ", b"+")
    t = t.replace(b"-", b"+").replace(b"_", b"/").rstrip(b"=")
    t += b"=" * (-len(t) % 4)
    try:
        return base64.b64decode(t, validate=True)
    except (binascii.Error, ValueError):
        return None


def inflate_any(data):
    for wbits in (47, -15):
        try:
            d = zlib.decompressobj(wbits)
            out = d.decompress(data, 32 << 20)
            if out:
                return out
        except zlib.error:
            pass
    return None


def looks_like_json(data):
    s = data.lstrip()
    return s[:1] in (b"[", b"{")


def urls_in(doc):
    found = []

    def walk(v):
        if isinstance(v, dict):
            for x in v.values():
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)
        elif isinstance(v, str) and re.match(r"https?://", v):
            found.append(v.encode("utf-8"))
    walk(doc)
    return found


class Corpus:
    def __init__(self, root):
        self.root = root
        self.count = {}

    def add(self, harness, data):
        d = os.path.join(self.root, harness)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            self.count[harness] = self.count.get(harness, 0) + 1


def peel_value(corpus, raw):
    """Feeds the layer harnesses with what one payload value peels into."""
    text = urllib.parse.unquote_to_bytes(raw)
    if len(text) >= 16 and not looks_like_json(text):
        corpus.add("base64", text)
        data = b64decode_any(text)
    else:
        data = text
    if not data:
        return
    if data[:2] == b"\x1f\x8b" or (len(data) > 1 and (data[0] & 0x0F) == 8 and ((data[0] << 8) | data[1]) % 31 == 0):
        corpus.add("inflate", b"\x0c" + data)   # as sniffed, the plugin's 16 MiB limit
        inflated = inflate_any(data)
        if inflated:
            corpus.add("inflate", b"\x0f" + zlib.compress(inflated)[2:-4])  # raw deflate
            data = inflated
    if looks_like_json(data) and len(data) <= MAX_JSON_SEED:
        # (testdata/limits.pcap holds JSON too large or too deep to be a seed)
        corpus.add("json", b"\x00" + data)
        corpus.add("json", b"\x02" + data)  # small limits
        try:
            for url in urls_in(json.loads(data)):
                corpus.add("search", url)
        except (ValueError, RecursionError):
            pass


def add_request(corpus, req):
    method, uri = req["method"], req["uri"] or ""
    ui, hi = uri_index(uri), host_index(req["host"])
    headers = 0
    if req["headers"].get("gzip") == "1" or any(k.startswith("ot_") for k in req["headers"]):
        headers = 1
    elif req["headers"].get("gzip") == "0":
        headers = 2
    dry = req["headers"].get("dry-run", "").lower() == "true"
    if req["body"]:
        body = req["body"]
        head = sel0(False, ui, hi, dry) + sel1(content_type_index(req["ct"]), headers)
        corpus.add("decode", head + body)
        corpus.add("form", body)
        corpus.add("percent", body)
        for raw in form_values(body):
            if len(raw) >= 16:
                peel_value(corpus, raw)
        if looks_like_json(body) or body[:2] == b"\x1f\x8b":
            peel_value(corpus, body)
    if method == "GET" and "?" in uri:
        query = uri.split("?", 1)[1].encode("utf-8")
        corpus.add("decode", sel0(True, ui, hi, dry) + sel1(0, headers))
        corpus.add("decode", sel0(True, ui, hi, dry) + sel1(0, headers) + query)
        corpus.add("form", query)
        corpus.add("percent", query)
        for raw in form_values(query):
            if len(raw) >= 16:
                peel_value(corpus, raw)


def add_handmade(corpus):
    """Inputs that reach the limits, which no capture holds."""
    def pct(b):
        return urllib.parse.quote(b, safe="").encode("ascii")

    # A decompression bomb: 17 MiB of spaces inside a JSON array, over the 16 MiB limit.
    bomb = gzip.compress(b"[" + b" " * (17 << 20) + b"]", compresslevel=9, mtime=0)
    corpus.add("inflate", b"\x0c" + bomb)
    corpus.add("decode", sel0(False, 1, 1) + sel1(1) + b"crc=1&gzip=1&data_list=" + pct(base64.b64encode(bomb)))
    # Nesting far deeper than the 64 levels the parser allows.
    deep = b"[" * 5000 + b"]" * 5000
    corpus.add("json", b"\x00" + deep)
    corpus.add("decode", sel0(False, 1, 1) + sel1(1) + b"gzip=0&data_list=" + pct(base64.b64encode(deep)))
    # Many events, many members.
    many = json.dumps([{"event": "e%d" % i, "properties": {"k%d" % j: j for j in range(20)}} for i in range(50)],
                      separators=(",", ":")).encode()
    corpus.add("json", b"\x02" + many)
    # Escapes, surrogates, \u0000, numbers at the int64 edge.
    corpus.add("json", b'\x00{"event":"\\ud83d\\ude00\\u0000\\ud800x","time":999999999999999999,'
                       b'"properties":{"$url":"https://www.google.com/search?q=%F0%9F%98%80+x&hl=en",'
                       b'"k\\u00e9y":-0.5e-3,"a":[true,false,null,[],{}]}}')
    corpus.add("search", b"https://www.baidu.com/s?ie=utf-8&wd=%E5%B0%8F%E7%B1%B3")
    corpus.add("search", b"https://duckduckgo.com/?q=how+to+hide+from+xiaomi&t=h_")
    corpus.add("percent", b"%41%4g%%2B%+%")
    corpus.add("base64", b"eyJhIjox\r\nfQ==")
    corpus.add("base64", b"W3siZXZlbnQiOiJ4In1d")


def add_lzstring(corpus):
    """The LZ-string vectors that lz-string's own compressor made (tests/unit/vectors/lzstring/), valid and
    damaged, behind fuzz_lzstring.c's limit byte (3: 16 MiB; the bomb also under 64 KiB)."""
    folder = os.path.join(REPO, "tests", "unit", "vectors", "lzstring")
    for path in sorted(glob.glob(os.path.join(folder, "*.lz64")) + glob.glob(os.path.join(folder, "*.uri"))):
        with open(path, "rb") as f:
            text = f.read()
        corpus.add("lzstring", b"\x03" + text)
        if os.path.basename(path) == "bomb.lz64":
            corpus.add("lzstring", b"\x02" + text)


# ---- the epan harness ------------------------------------------------------------------------

# fuzz_epan.c's FORMATS with plaintexts here (epan_plaintexts(), in this order; PostHog's and Snowplow's
# come from their captures: add_vendor()), and the innermost plaintext of each.
EPAN_FORMATS = ["sensors android", "sensors gzip=0 (Java)", "sensors JS GET beacon", "sensors JS POST",
                "sensors JS batch_send",
                "sensors python", "sensors encrypted", "miui analytics", "miui analytics gzip", "miui tracker",
                "mistat v2", "mistat v3", "onetrack v4", "onetrack v4/o", "onetrack key_get",
                "mixpanel browser batch", "mixpanel browser json", "mixpanel node GET",
                "ga4 gtag query", "ga4 gtag lines", "ga4 measurement protocol", "sensors web AES"]
E_NONE, E_EMPTY, E_DUPLICATE, E_LAYER_RAW, E_B64_SMALL, E_GZIP, E_JSON_LEAF, E_CIPHER, E_TRANSPORT = 0, 1, 3, 10, 13, 14, 15, 17, 18


def epan_plaintexts(testdata):
    sys.path.insert(0, testdata)
    import payloads as p  # noqa: E402  (testdata/payloads.py: the generators of every capture)
    j = p.to_json
    return [
        [j(p.MAIN_BATCH), j(p.SIGNUP_BATCH)], [j(p.JAVA_BATCH)], [j(p.JS_PAGEVIEW)], [j(p.JS_CLICK)], [j(p.JS_BATCH)],
        [j(p.PYTHON_EVENT)], [p.ENC9_JSON, p.ENC13_JSON], [p.android_json(p.MIUI_BATCH)],
        [p.android_json(p.MIUI_SPOCK_BATCH)], [p.android_json(e) for e in p.TRACKER_EVENTS],
        [p.MISTAT_PLAINTEXT, p.VECTOR4["plaintext"]], [p._prng_bytes("xmtrack-mistat-v3", 300)], [p.OT_BODY],
        [j(p.OT_RECORDS)], [p._prng_bytes("xmtrack-onetrack-rsa", 128)],
        [j([MIXPANEL["browser"], MIXPANEL["people"]]), j([MIXPANEL["android"]])],
        [j([MIXPANEL["people_once"], MIXPANEL["group"]])], [j(MIXPANEL["node"])],
    ] + ga4_plaintexts(testdata) + [[j(p.JS_PAGEVIEW)]]


def ga4_hits(testdata):
    """The real GA4 hits the vendor captures replay (testdata/vendors/ga4_hits.json, each with its source)."""
    with open(os.path.join(testdata, "vendors", "ga4_hits.json"), encoding="utf-8") as f:
        return json.load(f)


def ga4_plaintexts(testdata):
    """fuzz_epan.c's GA4 rows: a page address (dl=, the payload of a one-event query), body lines, and
    Measurement Protocol JSON."""
    hits = ga4_hits(testdata)
    pages = [urllib.parse.parse_qs(h["path"].split("?", 1)[1]).get("dl", [""])[0] for h in hits["gcollect"]]
    return [[u for u in pages if u], [h["body"] for h in hits["gcollect"] if h["body"]],
            [json.dumps(h["body"], separators=(",", ":")) for h in hits["mp"]]]


def add_ga4(corpus, testdata):
    """The GA4 hits as the decode and format harnesses see them: a one-event query; body lines and
    Measurement Protocol JSON behind fuzz_common.h's URI 7, whose query is a hit's and an MP request's."""
    hits = ga4_hits(testdata)
    for h in hits["gcollect"]:
        query = h["path"].split("?", 1)[1].encode("utf-8")
        for harness in ("decode", "format_ga4"):
            corpus.add(harness, sel0(True, 7, 2) + sel1(0) + query)
            corpus.add(harness, sel0(True, 7, 2) + sel1(0, 0, 2) + query)  # small limits
            if h["body"]:
                corpus.add(harness, sel0(False, 7, 2) + sel1(3) + h["body"].encode("utf-8"))
    for h in hits["mp"]:
        body = json.dumps(h["body"], separators=(",", ":")).encode("utf-8")
        for harness in ("decode", "format_ga4"):
            corpus.add(harness, sel0(False, 7, 2) + sel1(2) + body)
            corpus.add(harness, sel0(False, 7, 2) + sel1(2, 0, 1) + body)  # statistics: the privacy scan


def add_epan(corpus, testdata):
    """Heads of fuzz_epan.c's grammar over each format's plaintexts: the request as the SDK sends it over a
    few transports, and one edge of each family; libFuzzer moves between them by flipping head bytes."""
    heads = [
        (0x00, E_NONE, 0, 0, 0),         # Content-Length, one segment
        (0x11, E_NONE, 0, 0x48, 0),      # chunked, two segments
        (0x62, E_NONE, 0, 0x84, 0),      # Content-Encoding: gzip, three segments, first pass without a tree
        (0x84, E_EMPTY, 2, 0x30, 0),     # no Content-Type, a parameter empty, statistics on
        (0x00, E_DUPLICATE, 1, 0, 1),
        (0x00, E_JSON_LEAF, 3, 0, 4),
        (0x00, E_LAYER_RAW, 1, 0, 0),
        (0x01, E_GZIP, 1, 0x20, 2),
        (0x00, E_B64_SMALL, 2, 0, 3),
        (0x00, E_CIPHER, 0, 0, 4),
        (0x00, E_TRANSPORT, 0, 0, 7),    # pipelined twice
    ]
    # The same over HTTP/2 (byte 0 plus the number of formats): DATA frames split, a padded DATA frame
    # past its end, the header block and the body in segments of their own, a second stream.
    h2_heads = heads[:3] + [(0x00, E_TRANSPORT, 0, 0, 3), (0x01, E_TRANSPORT, 0, 0x30, 8),
                            (0x00, E_TRANSPORT, 0, 0, 7)]
    extra = b"\x00" + b"eyJldmVudCI6IngifQ=="  # EXTRA: what an edge puts in
    # Rows are found by name: formats append rows of their own (fuzz_epan.c's table is the order).
    rows = epan_rows()
    for name, docs in zip(EPAN_FORMATS, epan_plaintexts(testdata)):
        index = rows.index(name)
        for n, doc in enumerate(docs):
            doc = doc.encode("utf-8") if isinstance(doc, str) else doc
            doc = doc.replace(b"\x00", b"\x01")  # the grammar ends DOC at the first NUL
            for transport, edge, target, cut, variant in (heads if n == 0 else heads[:2]):
                corpus.add("epan", bytes([index, transport, edge, target, cut, variant]) + doc + extra)
            for transport, edge, target, cut, variant in (h2_heads if n == 0 else h2_heads[:1]):
                h2_index = 0x80 | index  # bit 7: over HTTP/2
                corpus.add("epan", bytes([h2_index, transport, edge, target, cut, variant]) + doc + extra)
    # The web AES row: each key_id it may name (variant bits 3-7: in the table, nowhere, as a string, a wrong
    # key first, only in the page), and each damage of its wrapping (E_CIPHER, variant bits 0-2).
    doc = epan_plaintexts(testdata)[EPAN_FORMATS.index("sensors web AES")][0].encode("utf-8")
    aes = rows.index("sensors web AES")  # its row in fuzz_epan.c (byte 0), not its place in EPAN_FORMATS
    for key_id in range(5):
        for index in (aes, 0x80 | aes):
            corpus.add("epan", bytes([index, 0x80, E_NONE, 0, 0, key_id * 8]) + doc + extra)
    for damage in range(8):
        corpus.add("epan", bytes([aes, 0, E_CIPHER, 0, 0x80, damage]) + doc + extra)


# ---- the vendor SDKs of testdata/vendors/ ------------------------------------------------------

def epan_rows():
    """The names of fuzz_epan.c's FORMATS in order: a row's index is its inputs' byte 0, read from the
    table itself so that rows other formats append keep these seeds pointing at their own rows."""
    with open(os.path.join(HERE, "fuzz_epan.c"), encoding="utf-8") as f:
        text = f.read()
    table = text[text.index("static const format FORMATS[] = {"):]
    return re.findall(r'^    \{ "([^"]+)",', table[:table.index("\n};")], re.M)


def vendor_expectations(testdata, vendor):
    for path in sorted(glob.glob(os.path.join(testdata, "vendors", vendor + "_*.pcapng.expect.json"))):
        with open(path, encoding="utf-8") as f:
            yield path[:-len(".expect.json")], json.load(f)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def add_vendor(corpus, testdata, vendor, docs):
    """A vendor's real requests (its HTTP/1.1 captures; tshark reads h2 and h2c ones as http2) for its
    format harness, as fuzz_decode lays them out, and fuzz_epan.c's rows of the vendor over their own
    plaintext and those docs(row name) makes of what the collector received."""
    for capture, expect in vendor_expectations(testdata, vendor):
        if expect["transport"] != "http1":
            continue
        for req in requests_of(shipped.Capture(testdata, os.path.relpath(capture, testdata))):
            method, uri = req["method"], req["uri"] or ""
            head = sel0(False, 0, 2) + sel1(content_type_index(req["ct"]))
            if req["body"] and len(req["body"]) <= MAX_JSON_SEED:
                corpus.add("format_" + vendor, head + req["body"])
            if method == "GET" and "?" in uri:
                corpus.add("format_" + vendor, sel0(True, 0, 2) + sel1(0) + uri.split("?", 1)[1].encode("utf-8"))
    for index, name in enumerate(epan_rows()):
        if not name.startswith(vendor):
            continue
        own = [b""] + [d.replace(b"\x00", b"\x01") for d in docs(name)]
        for doc in own:
            for transport, edge, target, cut, variant in ((0x00, 0, 0, 0, 0), (0x11, 0, 0, 0x48, 0),
                                                          (0x00, 15, 3, 0, 4), (0x00, 10, 1, 0, 0)):
                corpus.add("epan", bytes([index, transport, edge, target, cut, variant]) + doc + b"\x00x")
            corpus.add("epan", bytes([0x80 | index, 0, 0, 0, 0, 0]) + doc + b"\x00x")


def add_posthog(corpus, testdata):
    """PostHog: real events of each capture, in the envelope posthog-js and posthog-node send and as
    posthog-js 1.60's bare array."""
    envelopes, arrays = [], []
    for _, expect in vendor_expectations(testdata, "posthog"):
        events = [e["decoded"] for e in expect["received"]["events"][:2]]
        key = expect["told"].get("api_key", "phc_x")
        envelopes.append(compact({"api_key": key, "batch": events, "sent_at": "2026-12-07T03:34:45.000Z"}))
        arrays.append(compact(events))
    add_vendor(corpus, testdata, "posthog", lambda row: arrays[:2] if row == "posthog lz64" else envelopes[:2])


def add_snowplow(corpus, testdata):
    """Snowplow: the self-describing events of each capture (the GET row's ue_px), and payload_data
    documents of its events with their contexts and events as JSON strings (the POST rows)."""
    ues, posts = [], []
    for _, expect in vendor_expectations(testdata, "snowplow"):
        events = []
        for e in expect["received"]["events"][:3]:
            pairs = {k: e[k] for k in e["param_keys"] if isinstance(e.get(k), str)}
            pairs.update(e.get("se", {}))
            if "unstruct_event" in e:
                pairs["ue_pr"] = compact(e["unstruct_event"]).decode("utf-8")
                ues.append(compact(e["unstruct_event"]))
            if "entities" in e:
                pairs["co"] = compact({"schema": e["contexts_envelope_schema"], "data": e["entities"]}).decode("utf-8")
            events.append(pairs)
        posts.append(compact({"schema": "iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
                              "data": events}))
    add_vendor(corpus, testdata, "snowplow", lambda row: ues[:2] if row == "snowplow GET" else posts[:2])


# ---- Mixpanel (docs/formats/mixpanel.md) ----------------------------------------------------

# What each SDK writes (trimmed), for fuzz.format_mixpanel and fuzz_epan's Mixpanel rows.
MIXPANEL = {
    "browser": {"event": "$mp_web_page_view", "properties": {
        "$os": "Linux", "$referrer": "https://www.google.com/search?q=wireless+earbuds&hl=en",
        "$current_url": "http://shop.example.com/a.html", "mp_lib": "web", "time": 1796614423.003,
        "distinct_id": "$device:3aefe970-290c-4cf6-99f8-28ab9735173f",
        "$device_id": "3aefe970-290c-4cf6-99f8-28ab9735173f", "mp_keyword": "wireless earbuds",
        "$initial_referrer": "$direct", "token": "xmtrack0mixpanel0token0000000001"}},
    "node": {"event": "Purchase", "properties": {
        "distinct_id": "user-4711", "ip": "203.0.113.42", "url": "https://shop.example.com/product/42?color=black",
        "advertising_id": "38400000-8cf0-11bd-b23e-10b96e40000d", "$model": "Pixel 8", "$os_version": "14",
        "token": "t", "mp_lib": "node"}},
    "android": {"event": "App Open", "properties": {"time": 1796614423003, "distinct_id": "d1", "$model": "Pixel 8",
                                                     "$latitude": 48.8584, "$longitude": 2.2945, "token": "t"},
                "$mp_metadata": {"$mp_event_id": "e1"}},
    "people": {"$set": {"$email": "jane.doe@example.com", "$phone": "+1-202-555-0143"}, "$token": "t",
               "$distinct_id": "user-4711", "$device_id": "3aefe970", "$ip": "203.0.113.42"},
    "people_once": {"$set_once": {"$initial_referrer": "https://www.bing.com/search?q=running+shoes"}, "$token": "t",
                    "$distinct_id": "user-4711", "$time": 1796614423003},
    "group": {"$token": "t", "$group_key": "company", "$group_id": "42", "$union": {"tags": ["a"]}},
}


def add_mixpanel(corpus, testdata):
    """fuzz.format_mixpanel: every shape the SDKs send, and the real SDKs' HTTP/1.1 requests."""
    def j(obj, **kw):
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, **kw).encode("utf-8")

    def pct(b):
        return urllib.parse.quote(b, safe="").encode("ascii")

    body, query = sel0(False, 7, 2) + sel1(1), sel0(True, 7, 2) + sel1(0)
    m = MIXPANEL
    batch = [m["browser"], m["node"], m["android"], m["people"], m["people_once"], m["group"]]
    corpus.add("format_mixpanel", body + b"data=" + pct(base64.b64encode(j(m["browser"]))))          # B
    corpus.add("format_mixpanel", body + b"data=" + pct(j(batch)))                                   # A, C
    corpus.add("format_mixpanel", body + b"data=" + urllib.parse.quote_plus(json.dumps(m["people"])).encode())  # '+'
    corpus.add("format_mixpanel", body + b"data=" + base64.b64encode(j(batch)))                      # G: not escaped
    corpus.add("format_mixpanel", body + b"data=" + pct(base64.b64encode(j([m["android"]] * 3))) + b"&verbose=1")  # H
    corpus.add("format_mixpanel", query + b"ip=0&verbose=0&data=" + pct(base64.b64encode(j(m["node"]))))  # F
    corpus.add("format_mixpanel", query + b"ip=1&_=1796614423005&img=1&data=" + pct(base64.b64encode(j(m["group"]))))
    long_name = {"event": "x" * 600, "properties": {"token": "t"}}
    corpus.add("format_mixpanel", query + b"ip=1&data=" + pct(base64.b64encode(j(long_name))))
    corpus.add("format_mixpanel", query + b"ip=1&data=" + pct(j({"properties": {"time": "1e999"}, "event": "y"})))
    for capture in sorted(glob.glob(os.path.join(testdata, "vendors", "mixpanel_*_http1.pcapng"))):
        for req in requests_of(shipped.Capture(testdata, os.path.relpath(capture, testdata))):
            if req["body"]:
                corpus.add("format_mixpanel", body + req["body"])
            if req["method"] == "GET" and "?" in (req["uri"] or ""):
                corpus.add("format_mixpanel", query + req["uri"].split("?", 1)[1].encode("utf-8"))


# ---- Segment (docs/formats/segment.md) ------------------------------------------------------

def add_segment(corpus, testdata):
    """Segment: the events each capture's collector received, one alone as analytics-next sends it (the
    browser event row) and in the batch envelope analytics-node and the HTTP API send (the batch row)."""
    singles, batches = [], []
    for _, expect in vendor_expectations(testdata, "segment"):
        events = [e["decoded"] for e in expect["received"]["events"][:2]]
        singles.append(compact(events[0]))
        batches.append(compact({"batch": events, "writeKey": "xmtrackSegmentWriteKey0002",
                                "sentAt": events[0].get("timestamp", "2026-12-07T03:34:15.000Z")}))
    add_vendor(corpus, testdata, "segment", lambda row: batches[:2] if row == "segment node batch" else singles[:2])


# ---- Amplitude (docs/formats/amplitude.md) --------------------------------------------------

def add_amplitude(corpus, testdata):
    """Amplitude: the events each capture's collector received, in the HTTP API v2's envelope (the JSON
    row) and as amplitude-js's e= array (the legacy form row, whose checksum the harness leaves wrong)."""
    envelopes, arrays = [], []
    for _, expect in vendor_expectations(testdata, "amplitude"):
        events = [e["decoded"] for e in expect["received"]["events"][:2]]
        envelopes.append(compact({"api_key": "xmtrack0amplitude0api0key000001", "events": events, "options": {},
                                  "client_upload_time": "2026-12-07T03:34:21.677Z"}))
        arrays.append(compact(events))
    add_vendor(corpus, testdata, "amplitude",
               lambda row: arrays[:2] if row == "amplitude legacy form" else envelopes[:2])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"), help="corpus root (default: tests/fuzz/corpus)")
    ap.add_argument("--testdata", default=os.path.join(REPO, "testdata"))
    ap.add_argument("--clean", action="store_true", help="empty each harness folder first")
    args = ap.parse_args()
    corpus = Corpus(args.out)
    if args.clean and os.path.abspath(args.out) == os.path.join(HERE, "corpus"):
        sys.exit("--clean would delete what the long runs found in tests/fuzz/corpus/: "
                 "use --out DIR, or tests/fuzz/run.py merge NAME --minimise")
    if args.clean and os.path.isdir(args.out):
        shutil.rmtree(args.out)
    captures = shipped.shipped(args.testdata)  # every capture, at any depth (tests/integration/captures.py)
    if not captures:
        sys.exit("no captures in %s" % args.testdata)
    for capture in captures:
        for req in requests_of(capture):
            add_request(corpus, req)
    add_handmade(corpus)
    add_ga4(corpus, args.testdata)
    add_lzstring(corpus)
    add_epan(corpus, args.testdata)
    add_posthog(corpus, args.testdata)
    add_snowplow(corpus, args.testdata)
    add_mixpanel(corpus, args.testdata)
    add_segment(corpus, args.testdata)
    add_amplitude(corpus, args.testdata)
    print("seeds written to %s: %s" % (args.out, ", ".join("%s %d" % kv for kv in sorted(corpus.count.items()))))


if __name__ == "__main__":
    main()
