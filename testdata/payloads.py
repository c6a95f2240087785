"""Deterministic payload data for the xmtrack test captures.

Imported by ``make_captures.py`` (which sends these requests over loopback while
tcpdump records them) and by the integration tests (which need the expected values).
Everything here is pure data plus small encoding helpers: no randomness at import
time, no I/O, python3 stdlib only.

Layout:
  * encoding helpers: ``java_hash``, ``to_json``, ``gz``, ``b64``, ``pct``, ``form``
  * event data: ``MAIN_BATCH`` and the other batches / single events
  * ``CAPTURES``: for every capture file, the list of HTTP requests (``Req``) to send,
    with the transport and the exact bytes, and per request an ``expect`` dict of the
    facts the decoded request should yield.

Run ``python3 testdata/payloads.py`` to print a summary of every capture.
"""

import base64
import gzip
import hashlib
import json
import struct
import urllib.parse
import zlib

# ---------------------------------------------------------------------------------------------
# Encoding helpers

INT32 = 1 << 32


def java_hash(s):
    """Java ``String.hashCode()`` of ``s`` (over UTF-16 code units) as a signed int32."""
    b = s.encode("utf-16-le")
    h = 0
    for i in range(0, len(b), 2):
        h = (h * 31 + (b[i] | (b[i + 1] << 8))) % INT32
    return h - INT32 if h >= 0x80000000 else h


def to_int32(n):
    n %= INT32
    return n - INT32 if n >= 0x80000000 else n


def to_json(obj):
    """Compact JSON text, non-ASCII kept as is (Android org.json / JS JSON.stringify style)."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def gz(data):
    """Deterministic gzip: the bytes Python 3.11's gzip.compress(data, mtime=0) wrote when the
    captures were made (header 1f8b 0800 00000000 0203).  Built by hand because the header's OS
    byte depends on the Python version (3.12+ write 0xff), and these bytes feed the CRCs the
    tests expect."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    body = deflater.compress(data) + deflater.flush()
    trailer = struct.pack("<II", zlib.crc32(data) & 0xffffffff, len(data) & 0xffffffff)
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03" + body + trailer


def b64(data):
    """Standard base64 alphabet, '=' padding, no line breaks."""
    return base64.b64encode(data).decode("ascii")


def pct(v):
    """Percent-encode a form/query value like Android Uri.Builder / encodeURIComponent:
    '+' -> %2B, '/' -> %2F, '=' -> %3D, every other non-unreserved byte escaped."""
    return urllib.parse.quote(v, safe="")


def form(pairs):
    """pairs: list of (key, value-as-already-encoded-text). Joined with '&'."""
    return "&".join("%s=%s" % (k, v) for k, v in pairs)


def _prng_bytes(seed, n):
    """n fixed, random-looking bytes (SHA-256 in counter mode over ``seed``)."""
    out = b""
    i = 0
    while len(out) < n:
        out += hashlib.sha256(("%s/%d" % (seed, i)).encode()).digest()
        i += 1
    return out[:n]


# ---------------------------------------------------------------------------------------------
# Constants of the simulated device (Mint Browser 3.4.0 on a Redmi Note 8, SA Android SDK 3.2.10)

BASE_TIME = 1588291200123          # event i has time BASE_TIME + i*1000 (ms)
FLUSH_TIME = 1588291215000         # _flush_time of the batch
UUID = "3f1c9a2e-6b1d-4c7e-9d35-0a8e4b2f7c11"   # anonymous id = Mint "uuid" super property
MI_ACCOUNT_ID = "1234567890"       # numeric Mi account id (after login)
DEVICE_ID = "5a1b2c3d4e5f6a7b"     # Android ID ($device_id)
APP_ID = "com.mi.globalbrowser.mini"

MIUI_HOST = "sa.api.intl.miui.com"
ANDROID_PATH = "/sa?project=global_browser_mini&r=IN"
ANDROID_UA = "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 MIUI/V11.0.5.0.PCOMIXM)"
FORM_CT = "application/x-www-form-urlencoded"
BROWSER_UA = ("Mozilla/5.0 (Linux; U; Android 10; en-us; Redmi Note 8 Build/QKQ1.200114.002) "
              "AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/79.0.3945.147 "
              "Mobile Safari/537.36 XiaoMi/MintBrowser/3.4.0")

URL_DDG = "https://duckduckgo.com/?q=how+to+hide+from+xiaomi&t=h_"
URL_PRIVATE = "https://www.example.com/private/page?id=42"
SEARCH_WORD = "redmi note 8 root"
URL_BING = "https://www.bing.com/search?q=xiaomi+privacy"

ANDROID_LIB = {
    "$lib": "Android",
    "$lib_version": "3.2.10",
    "$app_version": "3.4.0",
    "$lib_method": "code",
    "$lib_detail": "miui.globalbrowser.common_business.g.i##a##SourceFile##1",
}


def android_props(extra=None):
    p = {
        "$lib": "Android",
        "$lib_version": "3.2.10",
        "$manufacturer": "Xiaomi",
        "$model": "Redmi Note 8",
        "$os": "Android",
        "$os_version": "10",
        "$app_version": "3.4.0",
        "$screen_width": 1080,
        "$screen_height": 2340,
        "$wifi": True,
        "$network_type": "WIFI",
        "$carrier": "中国移动",
        "$is_first_day": False,
        "$device_id": DEVICE_ID,
        "uuid": UUID,
        "internet_status": 1,
        "platform": "AndroidApp",
        "miui_version": "V11.0.5.0.PCOMIXM",
        "miui_region": "ES",
        "system_language": "es_ES",
    }
    p.update(extra or {})
    return p


def android_track(track_id, i, event, extra, distinct_id=UUID, flush=FLUSH_TIME):
    return {
        "_track_id": track_id,
        "time": BASE_TIME + i * 1000,
        "type": "track",
        "distinct_id": distinct_id,
        "lib": dict(ANDROID_LIB),
        "event": event,
        "properties": android_props(extra),
        "_flush_time": flush,
    }


def main_batch(flush=FLUSH_TIME):
    """The 5-record Mint Browser batch (4 track events + 1 profile_set)."""
    return [
        android_track(-1204373925, 0, "page_load_event_start", {"url": URL_DDG}, flush=flush),
        android_track(1530127784, 1, "search", {
            "used_searchengine": "google",
            "search_position": "homepage",
            "search_method": "input",
            "search_word": SEARCH_WORD,
        }, flush=flush),
        android_track(-873015246, 2, "page_load_event_finish", {"url": URL_PRIVATE}, flush=flush),
        {
            "_track_id": 402919345,
            "time": BASE_TIME + 3 * 1000,
            "type": "profile_set",
            "distinct_id": UUID,
            "lib": dict(ANDROID_LIB),
            "properties": {
                "default_search_engine": "google",
                "news_feed_enabled": True,
                "incognito_mode": False,
            },
            "_flush_time": flush,
        },
        android_track(-1996401378, 4, "$AppStart", {
            "$app_id": APP_ID,
            "$is_first_time": False,
            "$resume_from_background": False,
        }, flush=flush),
    ]


MAIN_BATCH = main_batch()
MAIN_NAMES = ["page_load_event_start", "search", "page_load_event_finish", "profile_set", "$AppStart"]
MAIN_TYPES = ["track", "track", "track", "profile_set", "track"]
# xmtrack.event: the event name, or the record type for records without "event"


def _token(seed, n):
    """n URL-safe base64 characters, fixed (like Google's ei=/ved= tokens)."""
    return base64.urlsafe_b64encode(_prng_bytes(seed, n)).decode("ascii")[:n]


def segmented_batch():
    """50 records: the 5 MAIN_BATCH kinds repeated 10 times (round r = 0..9).
    Round 0 has exactly the MAIN_BATCH values except _track_id; round r > 0 replaces the
    page_load_event_start url by a Google search URL (q=xiaomi+question+r plus ei=/ved=
    tokens), the search_word by "search term r" and the page_load_event_finish url by
    .../private/page?id=<42+r>&session=<hex>. _track_id comes from a fixed LCG,
    time = BASE_TIME + i*1000."""
    out = []
    seed = 20200501
    for r in range(10):
        for k, rec in enumerate(main_batch()):
            i = r * 5 + k
            seed = (seed * 1103515245 + 12345) % INT32
            rec = json.loads(to_json(rec))   # deep copy
            rec["_track_id"] = to_int32(seed)
            rec["time"] = BASE_TIME + i * 1000
            props = rec["properties"]
            if r:
                if k == 0:
                    props["url"] = ("https://www.google.com/search?q=xiaomi+question+%d&ei=%s&ved=0ahUKEw%s"
                                    % (r, _token("ei%d" % r, 22), _token("ved%d" % r, 33)))
                elif k == 1:
                    props["search_word"] = "search term %d" % r
                elif k == 2:
                    props["url"] = ("https://www.example.com/private/page?id=%d&session=%s"
                                    % (42 + r, _prng_bytes("session%d" % r, 16).hex()))
            out.append(rec)
    return out


SEGMENTED_BATCH = segmented_batch()

# --- iOS batch with a login (track_signup) --------------------------------------------------

IOS_LIB = {
    "$lib": "iOS",
    "$lib_version": "2.1.3",
    "$app_version": "3.4.0",
    "$lib_method": "code",
    "$lib_detail": "",
}


def ios_props(extra=None):
    p = {
        "$lib": "iOS",
        "$lib_version": "2.1.3",
        "$manufacturer": "Apple",
        "$model": "iPhone12,1",
        "$os": "iOS",
        "$os_version": "13.4.1",
        "$app_version": "3.4.0",
        "$screen_width": 414,
        "$screen_height": 896,
        "$wifi": True,
        "$network_type": "WIFI",
        "$carrier": "中国移动",
        "$is_first_day": False,
        "$device_id": "6F9619FF-8B86-D011-B42D-00C04FC964FF",
        "uuid": UUID,
        "platform": "iOSApp",
        "system_language": "es_ES",
    }
    p.update(extra or {})
    return p


SIGNUP_BATCH = [
    {
        "_track_id": 1840312459,
        "time": BASE_TIME,
        "type": "track_signup",
        "distinct_id": MI_ACCOUNT_ID,
        "original_id": UUID,
        "lib": dict(IOS_LIB),
        "event": "$SignUp",
        "properties": ios_props(),
        "_flush_time": FLUSH_TIME,
    },
    {
        "_track_id": -512388214,
        "time": BASE_TIME + 1000,
        "type": "track",
        "distinct_id": MI_ACCOUNT_ID,
        "lib": dict(IOS_LIB),
        "event": "$AppStart",
        "properties": ios_props({"$app_id": "com.xiaomi.mintbrowser", "$is_first_time": False,
                                 "$resume_from_background": True}),
        "_flush_time": FLUSH_TIME,
    },
    {
        "_track_id": 739120566,
        "time": BASE_TIME + 2000,
        "type": "track",
        "distinct_id": MI_ACCOUNT_ID,
        "lib": dict(IOS_LIB),
        "event": "search",
        "properties": ios_props({"used_searchengine": "bing", "search_position": "address_bar",
                                 "search_method": "input", "search_word": "mi account delete"}),
        "_flush_time": FLUSH_TIME,
    },
]

# --- Java server SDK batch (gzip=0) ------------------------------------------------------------

JAVA_LIB = {
    "$lib": "Java",
    "$lib_version": "3.1.16",
    "$lib_method": "code",
    "$lib_detail": "com.example.shop.OrderService##submit##OrderService.java##88",
}
JAVA_BATCH = [
    {
        "_track_id": 123456001,
        "time": BASE_TIME,
        "type": "track",
        "distinct_id": "user-42",
        "lib": dict(JAVA_LIB),
        "event": "ViewProduct",
        "properties": {"$lib": "Java", "$lib_version": "3.1.16", "$is_login_id": True,
                       "product_id": 12345, "product_name": "苹果", "product_price": 14},
    },
    {
        "_track_id": 123456002,
        "time": BASE_TIME + 1000,
        "type": "track",
        "distinct_id": "user-42",
        "lib": dict(JAVA_LIB),
        "event": "BuyProduct",
        "properties": {"$lib": "Java", "$lib_version": "3.1.16", "$is_login_id": True,
                       "product_id": 12345, "order_amount": 28, "$url": "https://shop.example.com/order/9001"},
    },
]

# Values an export must carry through intact: quotes, a backslash, a newline and a tab inside
# strings, commas, '|' (the exports' own separator of several values), non-ASCII text.
EXPORTS_BATCH = [
    {"type": "track", "event": "ViewProduct", "time": BASE_TIME, "distinct_id": "user-42",
     "properties": {"$url": "https://shop.example.com/p/1?name=a,b|c",
                    "note": "said \"hello\",\nthen left\tquickly", "pattern": "\\d+\\.\\d+",
                    "product_name": "苹果 🍎"}},
    {"type": "track", "event": "Search", "time": BASE_TIME + 1000, "distinct_id": "user-42",
     "properties": {"$url": "https://www.bing.com/search?q=pretty+printed+json",
                    "nested": {"list": [1, 2.5, True, None, {"k": "v"}], "empty": {}, "none": []}}},
    {"type": "track", "event": "Checkout", "time": BASE_TIME + 2000, "distinct_id": "user-42",
     "properties": {"$url": "https://shop.example.com/cart", "lines": "first line\r\nsecond line"}},
]

# --- Python SDK single message (data=<b64(gzip(object))>&gzip=1) ------------------------------

PYTHON_EVENT = {
    "type": "track",
    "event": "PaySuccess",
    "time": BASE_TIME,
    "distinct_id": "user-42",
    "properties": {"$lib": "python", "$lib_version": "1.10.3", "$lib_method": "code",
                   "$is_login_id": True, "order_id": "A1001", "amount": 99.5},
    "lib": {"$lib": "python", "$lib_version": "1.10.3", "$lib_method": "code",
            "$lib_detail": "##pay##app.py##12"},
    "_track_id": 998877665,
}

# --- JavaScript SDK ------------------------------------------------------------------------

JS_DISTINCT_ID = "1718a2b3c4d-0e5f6a7b8c9d0e-12345678-1fa400-1718a2b3c4e5f"
JS_LIB = {"$lib": "js", "$lib_method": "code", "$lib_version": "1.15.16"}


def js_props(extra=None):
    p = {
        "$timezone_offset": -120,
        "$screen_height": 2340,
        "$screen_width": 1080,
        "$viewport_height": 720,
        "$viewport_width": 393,
        "$lib": "js",
        "$lib_version": "1.15.16",
        "$latest_traffic_source_type": "直接流量",
        "$latest_search_keyword": "未取到值_直接打开",
        "$latest_referrer": "",
    }
    p.update(extra or {})
    return p


def js_event(track_id, i, event, extra, flush=FLUSH_TIME):
    return {
        "distinct_id": JS_DISTINCT_ID,
        "lib": dict(JS_LIB),
        "properties": js_props(extra),
        "type": "track",
        "event": event,
        "time": BASE_TIME + i * 1000,
        "_track_id": track_id,
        "_flush_time": flush,
    }


PAGEVIEW_PROPS = {"$url": URL_BING, "$url_path": "/search", "$title": "xiaomi privacy - Search",
                  "$referrer": "", "$referrer_host": "", "$is_first_day": False,
                  "$is_first_time": False}


def _js_pageview_negative_crc():
    """The JS beacon event, with _track_id stepped from 412345678 until the crc is negative."""
    tid = 412345678
    while True:
        ev = js_event(tid, 0, "$pageview", PAGEVIEW_PROPS)
        text = b64(to_json(ev).encode("utf-8"))
        if java_hash(text) < 0:
            return ev
        tid += 1


JS_PAGEVIEW = _js_pageview_negative_crc()

JS_CLICK = js_event(738190245, 1, "$WebClick", {
    "$url": URL_BING, "$url_path": "/search", "$title": "xiaomi privacy - Search",
    "$element_type": "a", "$element_content": "Privacy Policy",
    "$element_target_url": "https://privacy.mi.com/all/en_US/",
})

JS_BATCH = [
    js_event(501234567, 0, "$pageview", {"$url": "https://www.mi.com/global/", "$url_path": "/global/",
                                         "$title": "Xiaomi Global", "$referrer": URL_BING,
                                         "$referrer_host": "www.bing.com", "$is_first_day": False,
                                         "$is_first_time": False}),
    js_event(501234568, 1, "$WebClick", {"$url": "https://www.mi.com/global/", "$element_type": "a",
                                         "$element_content": "Redmi Note 8",
                                         "$element_target_url": "https://www.mi.com/global/redmi-note-8/"}),
    js_event(501234569, 2, "$WebStay", {"$url": "https://www.mi.com/global/redmi-note-8/",
                                        "$viewport_position": 1200, "event_duration": 12.5}),
]

# --- Encrypted Android batches (gzip=9 / gzip=13) -------------------------------------------

EKEY = b64(_prng_bytes("xmtrack-ekey", 128))          # stands for RSA(aesKey), 128 bytes
ENC_PAYLOAD_1 = b64(_prng_bytes("xmtrack-payload-1", 16 + 400))   # IV[16] + AES-CBC blocks
ENC_PAYLOAD_2 = b64(_prng_bytes("xmtrack-payload-2", 16 + 352))
ENC_PAYLOAD_13 = b64(_prng_bytes("xmtrack-payload-13", 16 + 1024))

ENC9_JSON = to_json([{"ekey": EKEY, "pkv": 3, "payloads": [ENC_PAYLOAD_1, ENC_PAYLOAD_2],
                      "flush_time": FLUSH_TIME}])
ENC13_JSON = to_json([{"ekey": EKEY, "pkv": 4, "payloads": ENC_PAYLOAD_13, "flush_time": FLUSH_TIME}])

# ---------------------------------------------------------------------------------------------
# Request model


class Req:
    """One HTTP/1.1 request as sent by the capture client.

    transport: 'tcp4' (127.0.0.1:8080), 'tcp6' ([::1]:8080) or 'tls' (127.0.0.1:443)
    headers:   list of (name, value) in wire order, WITHOUT Content-Length / Transfer-Encoding
               (the client adds those)
    body:      the HTTP message body as the application sees it (the form text), bytes
    content_encoding: None or 'gzip' (the body is gzip-compressed again on the wire)
    chunks:    None, or a list of chunk sizes (sum = wire body length) for Transfer-Encoding: chunked
    piece:     None, or send the whole request in pieces of this many bytes (TCP_NODELAY + sleep)
    expect:    facts the decoded request should give (see README.md)
    """

    def __init__(self, method, target, headers, body=b"", transport="tcp4",
                 content_encoding=None, chunks=None, piece=None, expect=None):
        self.method = method
        self.target = target
        self.headers = list(headers)
        self.body = body
        self.transport = transport
        self.content_encoding = content_encoding
        self.chunks = chunks
        self.piece = piece
        self.expect = expect or {}

    def wire_body(self):
        body = self.body
        if self.content_encoding == "gzip":
            body = gz(body)
        return body

    def to_bytes(self):
        body = self.wire_body()
        lines = ["%s %s HTTP/1.1" % (self.method, self.target)]
        hdrs = list(self.headers)
        if self.content_encoding:
            hdrs.append(("Content-Encoding", self.content_encoding))
        if self.chunks:
            hdrs.append(("Transfer-Encoding", "chunked"))
        elif body or self.method == "POST":
            hdrs.append(("Content-Length", str(len(body))))
        for k, v in hdrs:
            lines.append("%s: %s" % (k, v))
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
        if not self.chunks:
            return head + body
        assert sum(self.chunks) == len(body), (sum(self.chunks), len(body))
        out, pos = head, 0
        for n in self.chunks:
            out += b"%x\r\n" % n + body[pos:pos + n] + b"\r\n"
            pos += n
        return out + b"0\r\n\r\n"

    def wire_pieces(self):
        """The request bytes split the way the client sends them (one send() per piece):
        chunked -> header block, then one piece per chunk, then the last-chunk; piece=N ->
        N-byte slices of the whole request; otherwise one piece."""
        data = self.to_bytes()
        if self.piece:
            return [data[i:i + self.piece] for i in range(0, len(data), self.piece)]
        if self.chunks:
            head_len = data.index(b"\r\n\r\n") + 4
            pieces, pos = [data[:head_len]], head_len
            for n in self.chunks:
                size = len(b"%x\r\n" % n) + n + 2
                pieces.append(data[pos:pos + size])
                pos += size
            pieces.append(data[pos:])
            assert b"".join(pieces) == data
            return pieces
        return [data]


def android_headers(host=MIUI_HOST, content_type=FORM_CT, ua=ANDROID_UA, extra=()):
    """OkHttp (HttpURLConnection) header order: Content-Type, Host, Connection, Accept-Encoding,
    User-Agent; Content-Length is appended by Req."""
    h = []
    if content_type:
        h.append(("Content-Type", content_type))
    h += [("Host", host), ("Connection", "close"), ("Accept-Encoding", "gzip"), ("User-Agent", ua)]
    h += list(extra)
    return h


def gzip1_value(records):
    """base64(gzip(JSON array)) text, i.e. the data_list value before percent-encoding."""
    return b64(gz(to_json(records).encode("utf-8")))


def android_body(value_text, crc=None, order=("crc", "gzip", "data_list"), gzip_code="1",
                 instant=False, encoded_value=None):
    """Build the form body. value_text is the data_list value as the SDK hashes it;
    encoded_value (default pct(value_text)) is what goes on the wire."""
    if crc is None:
        crc = java_hash(value_text)
    vals = {"crc": str(crc), "gzip": gzip_code,
            "data_list": encoded_value if encoded_value is not None else pct(value_text)}
    pairs = [(k, vals[k]) for k in order]
    if instant:
        pairs.append(("instant_event", "true"))
    return form(pairs).encode("ascii")


def names_of(records):
    return [r.get("event", r.get("type")) for r in records]


def _sensors_expect(records, crc, crc_valid, gzip_code, project, **kw):
    e = {
        "sdk": "sensors",
        "project": project,
        "gzip_code": gzip_code,
        "crc": crc,
        "crc_valid": crc_valid,
        "event_count": len(records),
        "events": names_of(records),
        "event_types": [r["type"] for r in records],
    }
    e.update(kw)
    return e


MAIN_VALUE = gzip1_value(MAIN_BATCH)
MAIN_CRC = java_hash(MAIN_VALUE)

MAIN_FACTS = {
    "urls": [URL_DDG, URL_PRIVATE],
    "search_words": [SEARCH_WORD],
    "url_queries": ["how to hide from xiaomi"],
    "model": "Redmi Note 8",
    "os_version": "10",
    "app": APP_ID,
    "distinct_id": UUID,
}


def android_req(body=None, transport="tcp4", expect=None, **kw):
    if body is None:
        body = android_body(MAIN_VALUE)
    if expect is None:
        expect = _sensors_expect(MAIN_BATCH, MAIN_CRC, True, 1, "global_browser_mini",
                                 region="IN", **MAIN_FACTS)
    return Req("POST", ANDROID_PATH, android_headers(), body, transport=transport,
               expect=expect, **kw)


# --- base64 spelling variants -----------------------------------------------------------------

def _variant_batch():
    """MAIN_BATCH with _flush_time stepped from FLUSH_TIME until the base64 text has
    '+' and '/' and ends in '=' padding (so every spelling variant really differs)."""
    ft = FLUSH_TIME
    while True:
        recs = main_batch(flush=ft)
        v = gzip1_value(recs)
        if "+" in v and "/" in v and v.endswith("=") and len(v) > 76:
            return recs, ft
        ft += 1


VARIANT_BATCH, VARIANT_FLUSH_TIME = _variant_batch()
VARIANT_STD = gzip1_value(VARIANT_BATCH)
VARIANT_URLSAFE = VARIANT_STD.replace("+", "-").replace("/", "_")
VARIANT_NOPAD = VARIANT_STD.rstrip("=")
VARIANT_WRAPPED = "\r\n".join(VARIANT_STD[i:i + 76] for i in range(0, len(VARIANT_STD), 76))


def _pct_keep_plus(v):
    return urllib.parse.quote(v, safe="+")


# --- malformed ------------------------------------------------------------------------------

def _malformed():
    reqs = []
    # (a) bad percent-escape: "%G1" inserted in the middle of the (otherwise valid) wire value.
    enc = pct(MAIN_VALUE)
    mid = len(enc) // 2
    while enc[mid - 2:mid + 1].count("%"):      # do not split an existing escape
        mid += 1
    enc_a = enc[:mid] + "%G1" + enc[mid:]
    # crc over the value with valid escapes decoded and the invalid "%G1" kept literally
    text_a = urllib.parse.unquote(enc[:mid]) + "%G1" + urllib.parse.unquote(enc[mid:])
    crc_a = java_hash(text_a)
    reqs.append(("bad_percent", android_body(text_a, crc=crc_a, encoded_value=enc_a), crc_a,
                 "percent-encoding: invalid escape %G1"))
    # (b) '*' inserted in the middle of the base64 text (sent as %2A)
    m = len(MAIN_VALUE) // 2
    text_b = MAIN_VALUE[:m] + "*" + MAIN_VALUE[m:]
    crc_b = java_hash(text_b)
    reqs.append(("bad_base64", android_body(text_b), crc_b, "base64: invalid character '*'"))
    # (c) base64 of a gzip stream cut in the middle
    gzbytes = gz(to_json(MAIN_BATCH).encode("utf-8"))
    text_c = b64(gzbytes[:len(gzbytes) // 2])
    crc_c = java_hash(text_c)
    reqs.append(("truncated_gzip", android_body(text_c), crc_c, "gzip: truncated stream"))
    # (d) gzip of invalid JSON
    text_d = b64(gz(b'[{"event":"x",}'))
    crc_d = java_hash(text_d)
    reqs.append(("invalid_json", android_body(text_d), crc_d, "JSON: syntax error"))
    # (e) two good events then a broken third one
    good = MAIN_BATCH[:2]
    json_e = ("[" + to_json(good[0]) + "," + to_json(good[1]) + ","
              '{"_track_id":3,"type":"track","event":"broken_third","properties":{"url":}]')
    text_e = b64(gz(json_e.encode("utf-8")))
    crc_e = java_hash(text_e)
    reqs.append(("partial_json", android_body(text_e), crc_e,
                 "JSON: syntax error in the 3rd array element"))
    return reqs, json_e


MALFORMED, MALFORMED_E_JSON = _malformed()

# --- negatives -------------------------------------------------------------------------------


def _png(w=8, h=8):
    """A small deterministic RGB gradient PNG."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 32 % 256, y * 32 % 256, 128)) for x in range(w))
                    for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 9)) + chunk(b"IEND", b""))


PNG = _png()
BACKUP_BLOB = gz(b"backup of notes.txt\nline 1: buy milk\nline 2: call bob\n" * 8)

WEB_HOST = "www.example.com"
WEB_UA = "Mozilla/5.0 (X11; Linux x86_64; rv:102.0) Gecko/20100101 Firefox/102.0"


def web_headers(content_type=None, host=WEB_HOST):
    h = [("Host", host), ("User-Agent", WEB_UA), ("Accept", "*/*")]
    if content_type:
        h.append(("Content-Type", content_type))
    h.append(("Connection", "close"))
    return h


# ---------------------------------------------------------------------------------------------
# The captures

def _build():
    C = {}
    proj_a = "global_browser_mini"

    C["sensors_android.pcap"] = [android_req()]

    # 2. no Content-Type, other parameter order, non-Xiaomi host, instant_event
    C["sensors_no_content_type.pcap"] = [Req(
        "POST", "/sa?project=default",
        android_headers(host="collector.example.net", content_type=None),
        android_body(MAIN_VALUE, order=("gzip", "data_list", "crc"), instant=True),
        expect=_sensors_expect(MAIN_BATCH, MAIN_CRC, True, 1, "default", instant=True,
                               **MAIN_FACTS))]

    # 3. chunked
    body = android_body(MAIN_VALUE)
    n = len(body)
    C["sensors_chunked.pcap"] = [android_req(body=body, chunks=[200, 300, 400, n - 900])]

    # 4. Content-Encoding: gzip over the whole form body
    C["sensors_content_encoding.pcap"] = [android_req(content_encoding="gzip")]

    # 5. 50 events, ~300-byte TCP segments
    seg_value = gzip1_value(SEGMENTED_BATCH)
    seg_crc = java_hash(seg_value)
    C["sensors_segmented.pcap"] = [android_req(
        body=android_body(seg_value), piece=300,
        expect=_sensors_expect(SEGMENTED_BATCH, seg_crc, True, 1, proj_a, region="IN",
                               urls=[SEGMENTED_BATCH[i]["properties"]["url"]
                                     for i in range(50) if "url" in SEGMENTED_BATCH[i]["properties"]],
                               search_words=[SEGMENTED_BATCH[i]["properties"]["search_word"]
                                             for i in range(1, 50, 5)],
                               url_queries=["how to hide from xiaomi"] +
                               ["xiaomi question %d" % r for r in range(1, 10)],
                               model="Redmi Note 8", os_version="10", app=APP_ID,
                               distinct_id=UUID))]

    # 6. IPv6, 7. TLS
    C["sensors_ipv6.pcap"] = [android_req(transport="tcp6")]
    C["sensors_tls.pcap"] = [android_req(transport="tls")]

    # 8. Java SDK gzip=0
    v = b64(to_json(JAVA_BATCH).encode("utf-8"))
    C["sensors_gzip0.pcap"] = [Req(
        "POST", "/sa?project=production",
        [("Content-Type", FORM_CT), ("Host", "collector.example.net"),
         ("Connection", "close"), ("User-Agent", "SensorsAnalytics Java SDK 3.1.16"),
         ("Accept-Encoding", "gzip,deflate")],
        form([("gzip", "0"), ("data_list", pct(v))]).encode("ascii"),
        expect=_sensors_expect(JAVA_BATCH, None, None, 0, "production",
                               urls=["https://shop.example.com/order/9001"],
                               distinct_id="user-42"))]

    # 8b. exports: the Java batch's shape, its JSON pretty-printed (a server SDK or proxy that
    # indents its JSON): the -z xmtrack,csv|jsonl rows must stay one line and one record each,
    # whatever the payload's layout (issue 20, item 3)
    v = b64(json.dumps(EXPORTS_BATCH, ensure_ascii=False, indent=2).encode("utf-8"))
    C["exports_pretty.pcap"] = [Req(
        "POST", "/sa?project=production",
        [("Content-Type", FORM_CT), ("Host", "collector.example.net"),
         ("Connection", "close"), ("User-Agent", "SensorsAnalytics Java SDK 3.1.16")],
        form([("gzip", "0"), ("data_list", pct(v))]).encode("ascii"),
        expect=_sensors_expect(EXPORTS_BATCH, None, None, 0, "production",
                               urls=[e["properties"]["$url"] for e in EXPORTS_BATCH],
                               told=EXPORTS_BATCH))]

    # 9. JS image beacon GET with negative crc
    v = b64(to_json(JS_PAGEVIEW).encode("utf-8"))
    crc = java_hash(v)
    assert crc < 0
    C["sensors_js_get.pcap"] = [Req(
        "GET", "/sa.gif?project=default&data=%s&ext=%s" % (pct(v), pct("crc=%d" % crc)),
        [("Host", MIUI_HOST), ("Connection", "close"), ("User-Agent", BROWSER_UA),
         ("Accept", "image/webp,image/apng,image/*,*/*;q=0.8"),
         ("Referer", URL_BING), ("Accept-Encoding", "gzip, deflate"),
         ("Accept-Language", "es-ES,es;q=0.9")],
        expect=_sensors_expect([JS_PAGEVIEW], crc, True, None, "default",
                               urls=[URL_BING], url_queries=["xiaomi privacy"],
                               distinct_id=JS_DISTINCT_ID))]

    # 10. JS ajax + beacon POST
    v = b64(to_json(JS_CLICK).encode("utf-8"))
    crc = java_hash(v)
    js_body = form([("data", pct(v)), ("ext", pct("crc=%d" % crc))]).encode("ascii")
    exp = _sensors_expect([JS_CLICK], crc, True, None, "default", urls=[URL_BING],
                          url_queries=["xiaomi privacy"], distinct_id=JS_DISTINCT_ID)

    def js_post_headers(ct):
        return [("Host", MIUI_HOST), ("Connection", "close"), ("User-Agent", BROWSER_UA),
                ("Content-Type", ct), ("Accept", "*/*"), ("Origin", "https://www.bing.com"),
                ("Referer", URL_BING), ("Accept-Language", "es-ES,es;q=0.9")]
    C["sensors_js_post.pcap"] = [
        Req("POST", "/sa?project=default", js_post_headers(FORM_CT), js_body, expect=exp),
        Req("POST", "/sa?project=default", js_post_headers("text/plain;charset=UTF-8"), js_body,
            expect=exp),
    ]

    # 11. JS batch_send
    v = b64(to_json(JS_BATCH).encode("utf-8"))
    C["sensors_js_batch.pcap"] = [Req(
        "POST", "/sa?project=default", js_post_headers(FORM_CT),
        form([("data_list", pct(v))]).encode("ascii"),
        expect=_sensors_expect(JS_BATCH, None, None, None, "default",
                               # $referrer is a page the user came from: a URL too
                               urls=["https://www.mi.com/global/",
                                     "https://www.bing.com/search?q=xiaomi+privacy",
                                     "https://www.mi.com/global/",
                                     "https://www.mi.com/global/redmi-note-8/"],
                               url_queries=["xiaomi privacy"],
                               distinct_id=JS_DISTINCT_ID))]

    # 12. Python SDK single message
    v = b64(gz(to_json(PYTHON_EVENT).encode("utf-8")))
    C["sensors_python.pcap"] = [Req(
        "POST", "/sa?project=default",
        [("Accept-Encoding", "identity"), ("Content-Type", FORM_CT),
         ("Host", "collector.example.net"), ("User-Agent", "SensorsAnalytics Python SDK"),
         ("Connection", "close")],
        form([("data", pct(v)), ("gzip", "1")]).encode("ascii"),
        expect=_sensors_expect([PYTHON_EVENT], None, None, 1, "default", distinct_id="user-42"))]

    # 13./14. encrypted
    C["sensors_encrypted9.pcap"] = [android_req(
        body=android_body(ENC9_JSON, gzip_code="9"),
        expect={"sdk": "sensors", "project": proj_a, "region": "IN", "gzip_code": 9,
                "crc": java_hash(ENC9_JSON), "crc_valid": True, "encrypted": True,
                "event_count": 0, "events": [], "enc_records": 1, "pkv": 3, "payload_count": 2,
                "flush_time": FLUSH_TIME, "ekey": EKEY})]
    C["sensors_encrypted13.pcap"] = [android_req(
        body=android_body(ENC13_JSON, gzip_code="13"),
        expect={"sdk": "sensors", "project": proj_a, "region": "IN", "gzip_code": 13,
                "crc": java_hash(ENC13_JSON), "crc_valid": True, "encrypted": True,
                "event_count": 0, "events": [], "enc_records": 1, "pkv": 4, "payload_count": 1,
                "flush_time": FLUSH_TIME, "ekey": EKEY})]

    # 15. base64 spellings of the same gzip bytes
    reqs = []
    for label, text, enc in [
        ("urlsafe", VARIANT_URLSAFE, pct(VARIANT_URLSAFE)),
        ("nopad", VARIANT_NOPAD, pct(VARIANT_NOPAD)),
        ("wrapped76_crlf", VARIANT_WRAPPED, pct(VARIANT_WRAPPED)),
        ("raw_plus", VARIANT_STD, _pct_keep_plus(VARIANT_STD)),
    ]:
        crc = java_hash(text)
        reqs.append(android_req(
            body=android_body(text, encoded_value=enc),
            expect=_sensors_expect(VARIANT_BATCH, crc, True, 1, proj_a, region="IN",
                                   variant=label, **MAIN_FACTS)))
    C["sensors_base64_variants.pcap"] = reqs

    # 16. wrong crc
    bad = to_int32(MAIN_CRC + 1)
    C["sensors_crc_bad.pcap"] = [android_req(
        body=android_body(MAIN_VALUE, crc=bad),
        expect=_sensors_expect(MAIN_BATCH, bad, False, 1, proj_a, region="IN", **MAIN_FACTS))]

    # 17. iOS, signup, Dry-Run, /debug
    v = gzip1_value(SIGNUP_BATCH)
    crc = java_hash(v)
    C["sensors_signup.pcap"] = [Req(
        "POST", "/debug?project=global_browser_mini&r=IN",
        [("Host", MIUI_HOST), ("Content-Type", FORM_CT), ("Dry-Run", "true"),
         ("Accept", "*/*"), ("User-Agent", "SensorsAnalytics iOS SDK"),
         ("Accept-Language", "es-ES;q=1"), ("Accept-Encoding", "gzip, deflate"),
         ("Connection", "close")],
        android_body(v, instant=True),
        expect=_sensors_expect(SIGNUP_BATCH, crc, True, 1, proj_a, region="IN", dry_run=True,
                               instant=True, search_words=["mi account delete"],
                               model="iPhone12,1", os_version="13.4.1",
                               app="com.xiaomi.mintbrowser", distinct_id=MI_ACCOUNT_ID,
                               original_id=UUID))]

    # 18. malformed
    reqs = []
    for label, body, crc, err in MALFORMED:
        e = {"sdk": "sensors", "project": proj_a, "region": "IN", "gzip_code": 1, "crc": crc,
             "crc_valid": True, "decode_error": err, "variant": label}
        if label == "partial_json":
            e.update(events_before_error=names_of(MAIN_BATCH[:2]))
        reqs.append(android_req(body=body, expect=e))
    C["malformed.pcap"] = reqs

    # 19. negatives
    neg = {"sdk": None}
    C["negatives.pcap"] = [
        Req("POST", "/login", web_headers(FORM_CT),
            b"username=alice&password=hunter2&remember=1", expect=dict(neg, what="login form")),
        Req("POST", "/upload", web_headers(FORM_CT),
            ("name=photo.png&image=" + pct(b64(PNG))).encode("ascii"),
            expect=dict(neg, what="base64 PNG upload form")),
        Req("POST", "/backup", web_headers(None), BACKUP_BLOB,
            expect=dict(neg, what="gzip blob, no Content-Type")),
        Req("POST", "/backup", web_headers("application/octet-stream"), BACKUP_BLOB,
            expect=dict(neg, what="gzip blob, application/octet-stream")),
        Req("POST", "/api/items", web_headers("application/json"), b'{"items":[1,2,3]}',
            expect=dict(neg, what="JSON API")),
        Req("POST", "/form", web_headers(FORM_CT), b"data=hello&gzip=yes",
            expect=dict(neg, what="form data=hello&gzip=yes")),
        Req("GET", "/search?q=test&data=abc", web_headers(None),
            expect=dict(neg, what="GET with data= query")),
        Req("POST", "/notes", web_headers("text/plain"), b"hello world",
            expect=dict(neg, what="text/plain body")),
    ]
    return C


CAPTURES = _build()


# =============================================================================================
# Xiaomi's own SDKs (docs/formats/): MIUI Analytics, the legacy MIUI tracker, MiStat,
# OneTrack.  Same simulated device as above (Redmi Note 8, MIUI V11.0.5.0.PCOMIXM, Android 10).

def android_json(obj):
    """JSON as Android's org.json writes it: compact, and '/' escaped as '\\/'."""
    return to_json(obj).replace("/", "\\/")


def b64url(data):
    """Android Base64 NO_WRAP|URL_SAFE (flags 10): '-' and '_', '=' padding kept."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def md5_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def luhn_complete(digits14):
    """The 15-digit IMEI whose last digit is the Luhn check digit of digits14."""
    total = 0
    for i, ch in enumerate(reversed(digits14)):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return digits14 + str((10 - total % 10) % 10)


# --- AES-128-ECB/PKCS#7 for the MiStat v2 payloads -------------------------------------------
# Written here so that the generator needs the standard library only; the integration tests
# check its output against the openssl command line (and docs/formats/mistat.md, "Test vector"), and the
# plugin decrypts with libgcrypt: three independent implementations.

def _rotl8(x, n):
    return ((x << n) | (x >> (8 - n))) & 0xff


def _make_sbox():
    """The AES S-box, computed (FIPS-197 §5.1.1: inverse in GF(2^8), then the affine map)."""
    sbox, p, q = [0x63] * 256, 1, 1
    while True:
        p = p ^ ((p << 1) & 0xff) ^ (0x1b if p & 0x80 else 0)      # p *= 3
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xff
        if q & 0x80:
            q ^= 0x09                                              # q /= 3
        sbox[p] = q ^ _rotl8(q, 1) ^ _rotl8(q, 2) ^ _rotl8(q, 3) ^ _rotl8(q, 4) ^ 0x63
        if p == 1:
            return sbox


_SBOX = _make_sbox()


def _xtime(b):
    return ((b << 1) ^ 0x1b) & 0xff if b & 0x80 else b << 1


def _round_keys(key):
    words = [list(key[i:i + 4]) for i in range(0, 16, 4)]
    rcon = 1
    for i in range(4, 44):
        w = list(words[i - 1])
        if i % 4 == 0:
            w = [_SBOX[b] for b in w[1:] + w[:1]]
            w[0] ^= rcon
            rcon = _xtime(rcon)
        words.append([a ^ b for a, b in zip(words[i - 4], w)])
    return [sum(words[r * 4:r * 4 + 4], []) for r in range(11)]


def _encrypt_block(block, keys):
    s = [b ^ k for b, k in zip(block, keys[0])]
    for r in range(1, 11):
        s = [_SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]          # ShiftRows, column-major state
        if r < 10:
            mixed = []
            for c in range(4):
                a = s[4 * c:4 * c + 4]
                t = a[0] ^ a[1] ^ a[2] ^ a[3]
                mixed += [a[i] ^ t ^ _xtime(a[i] ^ a[(i + 1) % 4]) for i in range(4)]
            s = mixed
        s = [b ^ k for b, k in zip(s, keys[r])]
    return bytes(s)


def aes128_ecb_encrypt(key, data):
    """AES-128-ECB with PKCS#7 padding (Java "AES/ECB/PKCS5Padding")."""
    keys = _round_keys(key)
    pad = 16 - len(data) % 16
    data += bytes([pad]) * pad
    return b"".join(_encrypt_block(data[i:i + 16], keys) for i in range(0, len(data), 16))


def mistat_key(app_id, app_key, device_id):
    """MiStat v2: the first 16 characters of upper-hex MD5("seed:<app_id>-<app_key>-<device_id>")."""
    return md5_hex("seed:%s-%s-%s" % (app_id, app_key, device_id)).upper()[:16]


def mistat_stat_value(plaintext, app_id, app_key, device_id):
    """lower-hex(AES-128-ECB-PKCS#7(plaintext UTF-8)) under the key of the form's own fields."""
    key = mistat_key(app_id, app_key, device_id).encode("ascii")
    return aes128_ecb_encrypt(key, plaintext.encode("utf-8")).hex()


MISTAT_SIGN_SALT = "mistats_sdkconfig_jafej!@#)(*e@!#"


def mistat_form(fields):
    """The v2 form: fields in TreeMap (sorted) order, then sign = md5(sorted key+value + salt)."""
    keys = sorted(fields)
    sign = md5_hex("".join(k + fields[k] for k in keys) + MISTAT_SIGN_SALT)
    return form([(k, pct(fields[k])) for k in keys] + [("sign", sign)]).encode("ascii")


# --- the device, as Xiaomi's services describe it ---------------------------------------------

XIAOMI_IMEI = luhn_complete("86890104123456")
XIAOMI_MAC = "3c:bd:3e:4a:5b:6c"
MIUI_VERSION = "V11.0.5.0.PCOMIXM"
TRACKING_HOST = "tracking.miui.com"
TRACKING_INTL_HOST = "tracking.intl.miui.com"
MISTAT_HOST = "data.mistat.xiaomi.com"
MIUI_SID = "7d3f2a10-5c4b-4e8a-9f61-2b0c8d9e7a55"


def miui_device_header(sender):
    return {"model": "Redmi Note 8", "android": "10", "miui": MIUI_VERSION, "bn": "stable",
            "product": "ginkgo_global", "device": "ginkgo", "cv": "2.9.8", "lang": "es_ES",
            "region": "ES", "mi": "0", "sender": sender, "userid": MI_ACCOUNT_ID, "n": "WIFI",
            "mac": XIAOMI_MAC, "imei": XIAOMI_IMEI, "st": FLUSH_TIME}


def miui_record(i, key, body, pk="com.android.browser"):
    return {"H": {"sid": MIUI_SID, "pk": pk, "key": key, "eventTime": BASE_TIME + i * 1000,
                  "sn": i + 1, "retryCnt": 0}, "B": body}


MIUI_BATCH = {"H": miui_device_header("com.miui.securitycenter"), "B": [
    miui_record(0, "browser_page_view", {"url": URL_DDG, "title": "How to hide from Xiaomi? — DuckDuckGo"}),
    miui_record(1, "app_launch", {"package": "org.telegram.messenger", "duration": 12}, pk="com.miui.home"),
    miui_record(2, "browser_search", {"search_word": SEARCH_WORD, "engine": "google"}),
]}
MIUI_SPOCK_BATCH = {"H": miui_device_header("com.miui.systemAdSolution"), "B": [
    miui_record(0, "ad_click", {"ad_id": "1.23.0.9", "landing": URL_PRIVATE}, pk="com.miui.systemAdSolution"),
]}


def miui_value(batch, gzipped):
    raw = android_json(batch).encode("utf-8")
    return b64url(gz(raw) if gzipped else raw)


def miui_analytics_req(path, host, batch, gzipped, nonce, value=None, expect=None):
    value = miui_value(batch, gzipped) if value is None else value
    sign = md5_hex("nonce=%s&ts=%d&value=%s" % (nonce, FLUSH_TIME, value))
    body = form([("value", pct(value)), ("ts", str(FLUSH_TIME)), ("nonce", nonce), ("sign", sign)])
    headers = [("Content-Type", FORM_CT), ("gzip", "1" if gzipped else "0"), ("Host", host),
               ("Connection", "close"), ("Accept-Encoding", "gzip"), ("User-Agent", ANDROID_UA)]
    return Req("POST", path, headers, body.encode("ascii"), expect=expect)


def _miui_expect(batch, **kw):
    records = batch["B"]
    e = {"sdk": "miui_analytics", "event_count": len(records),
         "events": [r["H"]["key"] for r in records],
         "times": [r["H"]["eventTime"] for r in records],
         "model": "Redmi Note 8", "os_version": MIUI_VERSION, "app": batch["H"]["sender"],
         "distinct_id": MI_ACCOUNT_ID, "session_ids": [MIUI_SID], "sent_time": FLUSH_TIME,
         "model_on_every_event": True}
    e.update(kw)
    return e


# --- the legacy tracker ------------------------------------------------------------------------

TRACKER_DEFAULTS = {"imei": XIAOMI_IMEI, "model": "Redmi Note 8", "rom_version": MIUI_VERSION,
                    "app_version": "9.2.3"}
TRACKER_EVENTS = [
    dict(TRACKER_DEFAULTS, _event_id_="open_url", _event_type_=2, _event_track_time_=BASE_TIME,
         _app_package_="com.android.browser", _event_value_=1, url=URL_BING, source="address_bar"),
    dict(TRACKER_DEFAULTS, _event_id_="_pageview_event_", _event_type_=3,
         _event_track_time_=BASE_TIME + 1000, _app_package_="com.miui.notes"),
]


def tracker_req(event):
    value = b64(android_json(event).encode("utf-8"))         # Base64 NO_WRAP, standard alphabet
    t = "miui-track_danfa_" + event["_app_package_"]
    pairs = [("t", t), ("value", value)]
    signature = md5_hex("".join(k + v for k, v in pairs) + "miui_analytics_salt")[:16]
    body = form([(k, pct(v)) for k, v in pairs] + [("s", signature)])
    headers = [("Content-Type", FORM_CT + "; charset=UTF-8"), ("Host", TRACKING_HOST),
               ("Connection", "close"), ("User-Agent", "Apache-HttpClient/UNAVAILABLE (java 1.4)")]
    urls = [v for v in event.values() if isinstance(v, str) and v.startswith("http")]
    expect = {"sdk": "miui_tracker", "event_count": 1, "events": [event["_event_id_"]],
              "event_types": [str(event["_event_type_"])], "times": [event["_event_track_time_"]],
              "app": event["_app_package_"], "app_count": 1, "model": "Redmi Note 8",
              "os_version": MIUI_VERSION, "urls": urls,
              "params": ["t=" + t, "s=" + signature]}
    if URL_BING in urls:
        expect["url_queries"] = ["xiaomi privacy"]
    return Req("POST", "/tracks", headers, body.encode("ascii"), expect=expect)


# --- MiStat v2 ---------------------------------------------------------------------------------

MISTAT_APP_ID = "2882303761517123456"
MISTAT_APP_KEY = "5831712345678"
MISTAT_DEVICE_ID = "8f4c2a1b3d5e6f70"
MISTAT_WRONG_DEVICE_ID = "8f4c2a1b3d5e6f71"   # one digit off; openssl confirms bad padding

MISTAT_CONTENT = [{"endTS": BASE_TIME + 6000, "startTS": BASE_TIME, "content": [
    {"category": "mistat_session", "values": [{"start": BASE_TIME, "end": BASE_TIME + 6000, "env": "WIFI"}]},
    {"category": "mistat_pv", "values": ["1,2"], "source": [""], "index": "MainActivity,BrowserActivity"},
    {"category": "mistat_pt", "values": [{"key": "MainActivity", "value": "1200"},
                                         {"key": "BrowserActivity", "value": "5300"}]},
    {"category": "browser", "values": [
        {"key": "page_load_event_start", "type": "event", "value": "1", "params": {"url": URL_DDG}},
        {"key": "search", "type": "event", "value": "1",
         "params": {"search_word": SEARCH_WORD, "used_searchengine": "google"}},
        {"key": "launch_count", "type": "count", "value": 3}]},
]}]
MISTAT_PLAINTEXT = android_json(MISTAT_CONTENT)
MISTAT_EVENTS = ["mistat_session", "mistat_pv", "MainActivity", "BrowserActivity",
                 "page_load_event_start", "search", "launch_count"]


def mistat_fields(plaintext, device_id_sent, device_id_key=None, size="7"):
    fields = {"app_id": MISTAT_APP_ID, "app_key": MISTAT_APP_KEY, "device_id": device_id_sent,
              "channel": "xiaomi", "policy": "0", "interval": "90000", "version": "3.4.0",
              "mistatv": "3", "size": size}
    fields["stat_value"] = mistat_stat_value(plaintext, MISTAT_APP_ID, MISTAT_APP_KEY,
                                             device_id_key or device_id_sent)
    return fields


def mistat_req(fields, expect):
    headers = [("Content-Type", FORM_CT), ("Host", MISTAT_HOST), ("Connection", "close"),
               ("User-Agent", ANDROID_UA), ("Accept-Encoding", "gzip")]
    return Req("POST", "/mistats/v2", headers, mistat_form(fields), expect=expect)


def mistat_get_req(fields, expect):
    """The same v2 upload sent as a GET, its pairs in the query (a shape seen on a real phone)."""
    headers = [("Host", MISTAT_HOST), ("Connection", "close"), ("User-Agent", ANDROID_UA),
               ("Accept-Encoding", "gzip")]
    return Req("GET", "/mistats/v2?" + mistat_form(fields).decode("ascii"), headers, expect=expect)


# docs/formats/mistat.md, "Test vector": inputs, key, plaintext and the expected stat_value, as published.
VECTOR4 = {"app_id": "2882303761517000000", "app_key": "5681700000000", "device_id": "a1b2c3d4e5f60718",
           "key": "6DC7E19697C72582",
           "plaintext": '[{"endTS":1588291200000,"startTS":1588291100000,"content":[{"category":'
                        '"mistat_session","values":[{"start":1588291100000,"end":1588291200000,'
                        '"env":"WIFI"}]}]}]',
           "stat_value": "55f5475935af29486e16c5aefe10ced3aa4511a71ac0f589f7264a99b77a6735add5ddeaef7f0c"
                         "cb2d869eceaf1925005342a75799d996f78600d00b7a12544cc50fe312483e2a246f6948975650"
                         "98c3913d6bc16ed363b3bb277068b537000c6214142dedb807ddb7beae1e1f50217c84c599f3922e"
                         "37fa88362b163f06b16ccffe8766a81e01c243baade957bc422b477813563daf3c9620f78abc31b"
                         "43676"}
assert mistat_key(VECTOR4["app_id"], VECTOR4["app_key"], VECTOR4["device_id"]) == VECTOR4["key"]
assert mistat_stat_value(VECTOR4["plaintext"], VECTOR4["app_id"], VECTOR4["app_key"],
                         VECTOR4["device_id"]) == VECTOR4["stat_value"]

# --- OneTrack ------------------------------------------------------------------------------------

OT_SID = "c2f7a1d4-08be-4c53-a7f6-3e9d1b20c4aa"
OT_SENDER = "com.xiaomi.smarthome"
OT_BODY = _prng_bytes("xmtrack-onetrack-v4", 16 * 30)        # stands for AES(gzip(JSON)), 480 bytes
OT_ODD_BODY = _prng_bytes("xmtrack-onetrack-odd", 1001)     # not a whole number of AES blocks
OT_SECRET_KEY = b64(_prng_bytes("xmtrack-onetrack-rsa", 128))  # stands for RSA(client AES key)
OT_INSTANCE_ID = "0b5e7c3a-94d2-4f18-8a6b-c1d2e3f40516"
OT_APP_ID = "31000000893"
OT_RECORDS = [
    {"H": {"event": "mimo_session_start", "app_id": OT_APP_ID, "instance_id": OT_INSTANCE_ID,
           "instance_id_type": "uuid", "uid": "sess-41c9", "uid_type": "session_id", "e_ts": BASE_TIME},
     "B": {"model_name": "mimo-7b", "client": "cli 0.3.1"}},
    {"H": {"event": "onetrack_pa", "imei": XIAOMI_IMEI, "model": "Redmi Note 8", "os_ver": "10",
           "miui": MIUI_VERSION, "pkg": OT_SENDER, "app_id": "2882303761517200001",
           "instance_id": OT_INSTANCE_ID, "sid": OT_SID, "e_ts": BASE_TIME + 1000, "net": "WIFI"},
     "B": {"class": "DeviceListActivity", "duration": 4200, "link": URL_BING}},
]


def ot_v4_headers(host=TRACKING_INTL_HOST):
    return [("Content-Type", "application/octet-stream"), ("OT_SID", OT_SID), ("OT_ts", str(FLUSH_TIME)),
            ("OT_net", "WIFI"), ("OT_sender", OT_SENDER), ("OT_protocol", "3.0"), ("Host", host),
            ("Connection", "close"), ("Accept-Encoding", "gzip"), ("User-Agent", ANDROID_UA)]


OT_PARAMS = ["OT_SID=" + OT_SID, "OT_ts=%d" % FLUSH_TIME, "OT_net=WIFI", "OT_sender=" + OT_SENDER,
             "OT_protocol=3.0"]


def _build_xiaomi():
    C = {}
    # 1. MIUI Analytics: /track/v1 (gzip: 0, Android-escaped JSON) and /track/spock (gzip: 1)
    value_v1 = miui_value(MIUI_BATCH, False)
    assert "-" in value_v1 or "_" in value_v1, "the URL-safe alphabet must show"
    C["miui_analytics.pcap"] = [
        miui_analytics_req("/track/v1", TRACKING_HOST, MIUI_BATCH, False, "a3f91c",
                           expect=_miui_expect(MIUI_BATCH, urls=[URL_DDG], search_words=[SEARCH_WORD],
                                               url_queries=["how to hide from xiaomi"],
                                               params=["nonce=a3f91c", "ts=%d" % FLUSH_TIME, "gzip=0"],
                                               layers="percent-encoding, base64, JSON")),
        miui_analytics_req("/track/spock", TRACKING_INTL_HOST, MIUI_SPOCK_BATCH, True, "5be204",
                           expect=_miui_expect(MIUI_SPOCK_BATCH, urls=[URL_PRIVATE],
                                               params=["nonce=5be204", "gzip=1"],
                                               layers="percent-encoding, base64, gzip, JSON")),
    ]

    # 2. the legacy tracker: a tracked event with a page address, and a page view
    C["miui_tracker.pcap"] = [tracker_req(ev) for ev in TRACKER_EVENTS]

    # 3. MiStat v2: our own payload, and docs/formats/mistat.md's test vector as published
    fields = mistat_fields(MISTAT_PLAINTEXT, MISTAT_DEVICE_ID)
    mistat_facts = {"sdk": "mistat", "encrypted": True, "decrypted": True, "encrypted_payload": False,
                    "app": MISTAT_APP_ID, "distinct_id": MISTAT_DEVICE_ID}
    v4_fields = {"app_id": VECTOR4["app_id"], "app_key": VECTOR4["app_key"],
                 "device_id": VECTOR4["device_id"], "channel": "default", "policy": "0",
                 "interval": "90000", "mistatv": "3", "size": "1", "stat_value": VECTOR4["stat_value"]}
    mistat_v2_expect = dict(mistat_facts, event_count=len(MISTAT_EVENTS), events=MISTAT_EVENTS,
                            times=[BASE_TIME], urls=[URL_DDG], search_words=[SEARCH_WORD],
                            url_queries=["how to hide from xiaomi"],
                            derived_key=mistat_key(MISTAT_APP_ID, MISTAT_APP_KEY, MISTAT_DEVICE_ID),
                            cipher_len=len(fields["stat_value"]) // 2,
                            params=["app_key=" + MISTAT_APP_KEY, "channel=xiaomi", "size=7"],
                            plaintext=MISTAT_PLAINTEXT, layers="decryption, JSON")
    C["mistat_v2.pcap"] = [
        mistat_req(fields, mistat_v2_expect),
        mistat_req(v4_fields, dict(mistat_facts, app=VECTOR4["app_id"], distinct_id=VECTOR4["device_id"],
                                   event_count=1, events=["mistat_session"], times=[1588291100000],
                                   derived_key=VECTOR4["key"], cipher_len=len(VECTOR4["stat_value"]) // 2,
                                   plaintext=VECTOR4["plaintext"], layers="decryption, JSON")),
    ]
    # 3b. the first upload again, POST then GET with the same pairs in the query: decoded alike
    C["mistat_get.pcap"] = [mistat_req(fields, mistat_v2_expect), mistat_get_req(fields, mistat_v2_expect)]

    # 4. MiStat v3: everything but p in the clear
    p_value = b64(gz(_prng_bytes("xmtrack-mistat-v3", 300)) + b"\x00" * 2)
    v3_pairs = [("ai", MISTAT_APP_ID), ("sv", "3.0.16"), ("pv", "3.0"), ("p", p_value)]
    C["mistat_v3.pcap"] = [Req(
        "POST", "/mistats/v3",
        [("Content-Type", FORM_CT), ("Host", MISTAT_HOST), ("Connection", "close"), ("User-Agent", ANDROID_UA)],
        form([(k, pct(v)) for k, v in v3_pairs]).encode("ascii"),
        expect={"sdk": "mistat", "encrypted": True, "encrypted_payload": True, "event_count": 0, "events": [],
                "app": MISTAT_APP_ID, "params": ["ai=" + MISTAT_APP_ID, "sv=3.0.16", "pv=3.0"],
                "payload_count": 1})]

    # 5. OneTrack: key exchange, enciphered upload, plain JSON upload
    C["onetrack.pcap"] = [
        Req("POST", "/track/key_get",
            [("Content-Type", FORM_CT), ("Host", TRACKING_INTL_HOST), ("Connection", "close"),
             ("User-Agent", ANDROID_UA)],
            form([("secretKey", pct(OT_SECRET_KEY)),
                  ("sign", md5_hex("secretKey" + OT_SECRET_KEY + "miui_sdkconfig_jafej!@#)(*e@!#"))]
                 ).encode("ascii"),
            expect={"sdk": "onetrack", "encrypted": True, "encrypted_payload": True, "event_count": 0,
                    "events": [], "ekey": OT_SECRET_KEY, "variant": "key_get"}),
        Req("POST", "/track/v4", ot_v4_headers(), OT_BODY,
            expect={"sdk": "onetrack", "encrypted": True, "encrypted_payload": True, "event_count": 0,
                    "events": [], "app": OT_SENDER, "session_ids": [OT_SID], "cipher_len": len(OT_BODY),
                    "params": OT_PARAMS, "sent_time": FLUSH_TIME, "variant": "v4"}),
        Req("POST", "/track/v4/o",
            [("content-type", "application/json"), ("Host", TRACKING_HOST), ("Connection", "close"),
             ("User-Agent", "mimo-cli/0.3.1 node/20.11.1")],
            to_json(OT_RECORDS).encode("utf-8"),
            expect={"sdk": "onetrack", "event_count": 2, "events": ["mimo_session_start", "onetrack_pa"],
                    "times": [BASE_TIME, BASE_TIME + 1000], "model": "Redmi Note 8", "os_version": "10",
                    "app": OT_SENDER, "session_ids": [OT_SID], "urls": [URL_BING],
                    "url_queries": ["xiaomi privacy"], "variant": "v4/o"}),
    ]

    # 6. what must fail cleanly: value not base64, MiStat under a wrong device_id, odd OneTrack body
    bad = miui_analytics_req("/track/v1", TRACKING_HOST, MIUI_BATCH, False, "0c0ffe",
                             value="eyJI*not+base64!",
                             expect={"sdk": "miui_analytics", "decode_error": "base64: value: not valid base64",
                                     "variant": "value_not_base64"})
    wrong = mistat_req(mistat_fields(MISTAT_PLAINTEXT, MISTAT_WRONG_DEVICE_ID, device_id_key=MISTAT_DEVICE_ID),
                       {"sdk": "mistat", "decode_error": "AES: stat_value: bad PKCS#7 padding",
                        "encrypted": True, "decrypted": False, "encrypted_payload": True,
                        "derived_key": mistat_key(MISTAT_APP_ID, MISTAT_APP_KEY, MISTAT_WRONG_DEVICE_ID),
                        "variant": "mistat_wrong_device_id"})
    odd = Req("POST", "/track/v4", ot_v4_headers(), OT_ODD_BODY,
              expect={"sdk": "onetrack", "decode_error": "AES: body of 1001 bytes is not a whole number",
                      "encrypted": True, "encrypted_payload": True, "cipher_len": 1001,
                      "variant": "onetrack_odd_length"})
    C["xiaomi_malformed.pcap"] = [bad, wrong, odd]
    return C


CAPTURES.update(_build_xiaomi())


def summary():
    for name, reqs in CAPTURES.items():
        print("== %s" % name)
        for r in reqs:
            print("  %s %s [%s] body=%d" % (r.method, r.target[:70], r.transport, len(r.body)))
            for k, v in r.expect.items():
                print("     %s: %r" % (k, v))


if __name__ == "__main__":
    summary()
