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
    """Deterministic gzip (mtime 0): header 1f8b 0800 00000000 02ff."""
    return gzip.compress(data, mtime=0)


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


def summary():
    for name, reqs in CAPTURES.items():
        print("== %s" % name)
        for r in reqs:
            print("  %s %s [%s] body=%d" % (r.method, r.target[:70], r.transport, len(r.body)))
            for k, v in r.expect.items():
                print("     %s: %r" % (k, v))


if __name__ == "__main__":
    summary()
