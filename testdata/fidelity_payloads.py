"""Payloads of testdata/fidelity.pcap: what the real SDKs send, built as each SDK's
source builds it, with the expected fields worked out here from what the SDK was
told to send (never from the plugin's output).

Sources (npm packages sa-sdk-javascript 1.27.11 and sa-sdk-node 1.2.6; GitHub
sensorsdata/sa-sdk-android; decompiled MiStat and OneTrack, docs/formats/onetrack.md and mistat.md):
- JS: every event carries $latest_referrer, $latest_search_keyword (the referrer's
  query value after decodeURIComponent, so '+' stays '+'), $referrer; the first visit
  sends a profile_set_once with $first_referrer and $first_search_keyword; unknown
  values are placeholders such as "未取到值_直接打开" (dist/web/sensorsdata.js). The
  JS SDK posts to /sa.gif in every mode; batch_send has no crc. 1.14 events carry no
  time and no _flush_time.
- Node: data_list=<base64(gzip(JSON))>&gzip=1, no crc; _track_id up to 10999999998
  (src/Submitter.js, src/SensorsAnalytics.js).
- Android: setGPSLocation(lat, lng) sends (long)(lat * 10^6) as $latitude
  (SensorsDataAPI.java, SensorsDataGPSLocation.java).
- MiStat v2: sign = md5(sorted key+value + salt) over the values before
  URLEncoder (controller/j.java); OneTrack form requests alike with their salt (g/b.java).
- OneTrack: H.uid with H.uid_type (session_id in the plain variant; xiaomi,
  phone_number, ... from OneTrack.UserIdType).

Recorded by make_fidelity_captures.py; read by tests/integration/test_fidelity.py
and test_xiaomi.py.
"""
import hashlib
import urllib.parse

import payloads as P

JS_HOST = "sa.example.com"
JS_PATH = "/sa.gif?project=default"
CHROME_UA = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
             "HeadlessChrome/120.0.6099.224 Safari/537.36")
PAGE_URL = "http://127.0.0.1:8000/landing.html"
COOKIE_ID = "18c2f0a1b2c3d4-0e1f2a3b4c5d6e-26031e51-1fa400-18c2f0a1b2c3d5"
TIME = 1700000000000

GOOGLE_REFERRER = "https://www.google.com/search?q=how+to+hide+from+xiaomi&hl=en"
BING_REFERRER = "https://www.bing.com/search?q=redmi+note+8+root&form=QBLH"
SO_REFERRER = "https://www.so.com/s?ie=utf-8&q=%E5%B0%8F%E7%B1%B3%E9%9A%90%E7%A7%81"


def js_keyword(referrer):
    """What the JS SDK puts in $..._search_keyword: the engine's parameter through
    decodeURIComponent, which leaves '+' alone."""
    query = referrer.split("?", 1)[1]
    for pair in query.split("&"):
        key, _, value = pair.partition("=")
        if key in ("q", "wd", "word", "p", "query", "keyword", "kw"):
            return urllib.parse.unquote(value)
    raise ValueError(referrer)


def searched(keyword):
    """The search as typed: the keyword read as a query value ('+' is a space)."""
    return urllib.parse.unquote_plus(keyword)


def js_lib(version="1.27.11"):
    return {"$lib": "js", "$lib_method": "code", "$lib_version": version}


def js_props(extra):
    props = {"$timezone_offset": -60, "$screen_height": 720, "$screen_width": 1280,
             "$viewport_height": 720, "$viewport_width": 1280, "$lib": "js", "$lib_version": "1.27.11"}
    props.update(extra)
    return props


def js_event(track_id, event, props, version="1.27.11", with_times=True, type_="track"):
    ev = {"identities": {"$identity_cookie_id": COOKIE_ID}, "distinct_id": COOKIE_ID,
          "lib": js_lib(version), "properties": props, "anonymous_id": COOKIE_ID, "type": type_}
    if event is not None:
        ev["event"] = event
    if with_times:
        ev["time"] = TIME
    ev["_track_id"] = track_id
    if with_times:
        ev["_flush_time"] = TIME + 12
    return ev


def js_data_ext(event):
    """data=<encodeURIComponent(btoa(UTF-8 JSON))>&ext=<encodeURIComponent("crc=" + hash)>."""
    b64 = P.b64(P.to_json(event).encode("utf-8"))
    return "data=%s&ext=%s" % (P.pct(b64), P.pct("crc=%d" % P.java_hash(b64)))


def js_headers(content_type=P.FORM_CT):
    h = [("Host", JS_HOST), ("Connection", "close"), ("User-Agent", CHROME_UA)]
    if content_type:
        h.insert(0, ("Content-Type", content_type))
    return h


def event_expect(urls=(), searches=(), pii=()):
    return {"urls": list(urls), "searches": list(searches), "pii": sorted(pii)}


# --- the JS SDK -------------------------------------------------------------------------------

def _pageview_from_google():
    kw = js_keyword(GOOGLE_REFERRER)
    assert kw == "how+to+hide+from+xiaomi"
    ev = js_event(345678901, "$pageview", js_props({
        "$latest_traffic_source_type": "自然搜索流量", "$latest_search_keyword": kw,
        "$latest_referrer": GOOGLE_REFERRER, "$referrer": GOOGLE_REFERRER, "$referrer_host": "www.google.com",
        "$url": PAGE_URL, "$url_path": "/landing.html", "$title": "Landing", "$is_first_day": True,
        "$is_first_time": True}))
    # $referrer and $latest_referrer are one page; its q= and the keyword one search
    return ev, event_expect([PAGE_URL, GOOGLE_REFERRER], [searched(kw)], ["url", "search"])


def _profile_set_once():
    kw = js_keyword(SO_REFERRER)
    assert kw == "小米隐私"
    ev = js_event(456789012, None, {
        "$first_visit_time": "2023-11-14 22:13:20.000", "$first_referrer": SO_REFERRER,
        "$first_referrer_host": "www.so.com", "$first_browser_language": "en-us",
        "$first_browser_charset": "UTF-8", "$first_search_keyword": kw,
        "$first_traffic_source_type": "自然搜索流量"}, type_="profile_set_once")
    return ev, event_expect([SO_REFERRER], [searched(kw)], ["url", "search"])


def _bing_click():
    kw = js_keyword(BING_REFERRER)
    ev = js_event(567890123, "$WebClick", js_props({
        "$latest_traffic_source_type": "自然搜索流量", "$latest_search_keyword": kw,
        "$latest_referrer": BING_REFERRER, "$url": PAGE_URL, "$element_content": "Buy"}))
    return ev, event_expect([PAGE_URL, BING_REFERRER], [searched(kw)], ["url", "search"])


def _direct_open():
    """No referrer: the SDK's placeholders, which are no search and no URL."""
    ev = js_event(678901234, "$pageview", js_props({
        "$latest_traffic_source_type": "直接流量", "$latest_search_keyword": "未取到值_直接打开",
        "$latest_referrer": "", "$referrer": "", "$url": PAGE_URL}))
    return ev, event_expect([PAGE_URL], [], ["url"])


def _domain_unparsed():
    ev = js_event(789012345, "buy", js_props({
        "$latest_traffic_source_type": "url的domain解析失败", "$latest_search_keyword": "url的domain解析失败",
        "$latest_referrer": "url的domain解析失败", "$url": PAGE_URL, "price": 12}))
    return ev, event_expect([PAGE_URL], [], ["url"])


def _js_114():
    """JS SDK 1.14: no time, no _flush_time; a referrer it could not read."""
    ev = js_event(890123456, "$pageview", js_props({
        "$lib_version": "1.14.24", "$latest_referrer": "取值异常", "$latest_search_keyword": "未取到值",
        "$url": PAGE_URL}), version="1.14.24", with_times=False)
    assert "time" not in ev and "_flush_time" not in ev
    return ev, event_expect([PAGE_URL], [], ["url"])


def _batch_send():
    events = [_pageview_from_google(), _bing_click()]
    records = [e for e, _ in events]
    value = P.b64(P.to_json(records).encode("utf-8"))       # btoa(UTF-8 JSON array), no gzip
    return "data_list=%s" % P.pct(value), [x for _, x in events]


# --- the Node SDK -----------------------------------------------------------------------------

NODE_TRACK_ID = 10999999998            # parseInt(random * (9999999999 - 999999999 + 1) + 999999999)
assert NODE_TRACK_ID >= 1 << 32


def _node_batch():
    lib = {"$lib": "Node", "$lib_version": "1.2.6", "$lib_method": "code"}
    records = [{"_track_id": NODE_TRACK_ID, "type": "track", "event": "checkout", "time": TIME,
                "distinct_id": "user-42", "properties": {"$lib": "Node", "$lib_version": "1.2.6", "price": 12},
                "lib": lib}]
    value = P.b64(P.gz(P.to_json(records).encode("utf-8")))
    return "data_list=%s&gzip=1" % P.pct(value), [event_expect()]


# --- the Android SDK: setGPSLocation ------------------------------------------------------------

LATITUDE, LONGITUDE = 39.908692, 116.397477
SCALED_LAT, SCALED_LON = int(LATITUDE * 10 ** 6), int(LONGITUDE * 10 ** 6)   # Java (long) truncates too


def _android_gps():
    def record(i, event, props):
        return {"_track_id": 1000 + i, "time": TIME + i * 1000, "type": "track", "distinct_id": P.UUID,
                "lib": {"$lib": "Android", "$lib_version": "6.7.4", "$lib_method": "code"},
                "event": event, "properties": dict({"$lib": "Android", "$os": "Android"}, **props),
                "_flush_time": TIME + 5000}
    records = [
        record(0, "$AppStart", {"$latitude": SCALED_LAT, "$longitude": SCALED_LON,
                                "$geo_coordinate_system": "WGS84"}),
        record(1, "$AppEnd", {"$latitude": SCALED_LAT}),              # a lone latitude
        record(2, "$AppViewScreen", {"$latitude": 0, "$longitude": 0}),  # no fix
        record(3, "$AppClick", {"$latitude": 95000000, "$longitude": 10000000}),  # out of range
    ]
    value = P.gzip1_value(records)
    body = P.android_body(value).decode("ascii")
    return body, [event_expect(pii=["location"]), event_expect(), event_expect(), event_expect()]


# --- MiStat v2 and OneTrack signatures ------------------------------------------------------------

def url_encoder(value):
    """java.net.URLEncoder.encode(value, "UTF-8"): space as '+', '*' kept."""
    return urllib.parse.quote_plus(value, safe="*")


def xiaomi_sign(pairs, salt):
    """md5 of the sorted key+value pairs and the salt, with hashlib (not the plugin's code)."""
    text = "".join(k + v for k, v in sorted(pairs.items())) + salt
    return hashlib.md5(text.encode("utf-8")).hexdigest()


MISTAT_SALT = "mistats_sdkconfig_jafej!@#)(*e@!#"
ONETRACK_SALT = "miui_sdkconfig_jafej!@#)(*e@!#"
MISTAT_PLAINTEXT = P.android_json([{"endTS": TIME + 6000, "startTS": TIME, "content": [
    {"category": "mistat_session", "values": [{"start": TIME, "end": TIME + 6000, "env": "WIFI"}]}]}])
# A HashMap's order, not the sorted one: only the signed text is sorted.
MISTAT_ORDER = ["device_id", "channel", "policy", "app_key", "interval", "version", "stat_value",
                "mistatv", "size", "bc", "app_id", "sign"]


def mistat_fields():
    fields = {"app_id": P.MISTAT_APP_ID, "app_key": P.MISTAT_APP_KEY, "device_id": P.MISTAT_DEVICE_ID,
              "channel": "mi store", "policy": "0", "interval": "90000", "version": "3.4.0",
              "mistatv": "3", "size": "1", "bc": "V14.0.4.0.TKQMIXM/stable"}
    fields["stat_value"] = P.mistat_stat_value(MISTAT_PLAINTEXT, P.MISTAT_APP_ID, P.MISTAT_APP_KEY,
                                               P.MISTAT_DEVICE_ID)
    return fields


def mistat_query(fields, sign):
    values = dict(fields, sign=sign)
    return "&".join("%s=%s" % (k, url_encoder(values[k])) for k in MISTAT_ORDER)


def mistat_headers():
    return [("Content-Type", P.FORM_CT), ("Host", P.MISTAT_HOST), ("Connection", "close"),
            ("User-Agent", P.ANDROID_UA), ("Accept-Encoding", "gzip")]


def _mistat_requests():
    fields = mistat_fields()
    sign = xiaomi_sign(fields, MISTAT_SALT)
    good = mistat_query(fields, sign)
    assert "channel=mi+store" in good and "%2F" in good       # URLEncoder's space and slash
    changed = good.replace("channel=mi+store", "channel=mi+shop")   # altered after signing
    return [
        P.Req("POST", "/mistats/v2", mistat_headers(), good.encode("ascii"),
              expect={"sdk": "mistat", "sign_valid": True, "variant": "mistat_post"}),
        P.Req("POST", "/mistats/v2", mistat_headers(), changed.encode("ascii"),
              expect={"sdk": "mistat", "sign_valid": False, "variant": "mistat_changed"}),
        P.Req("GET", "/mistats/v2?" + good, [("Host", P.MISTAT_HOST), ("Connection", "close"),
                                             ("User-Agent", P.ANDROID_UA)],
              expect={"sdk": "mistat", "sign_valid": True, "variant": "mistat_get"}),
    ]


def _onetrack_key_get_bad():
    secret = P.OT_SECRET_KEY
    other = xiaomi_sign({"secretKey": secret[::-1]}, ONETRACK_SALT)   # the sign of another key
    body = "secretKey=%s&sign=%s" % (url_encoder(secret), other)
    return P.Req("POST", "/track/key_get",
                 [("Content-Type", P.FORM_CT), ("Host", P.TRACKING_INTL_HOST), ("Connection", "close"),
                  ("User-Agent", P.ANDROID_UA)], body.encode("ascii"),
                 expect={"sdk": "onetrack", "sign_valid": False, "variant": "key_get_bad_sign"})


# --- OneTrack: uid and uid_type ---------------------------------------------------------------------

OT_UID_RECORDS = [
    {"H": {"event": "mimo_session_start", "app_id": P.OT_APP_ID, "instance_id": P.OT_INSTANCE_ID,
           "instance_id_type": "uuid", "uid": "sess-7f3a", "uid_type": "session_id", "e_ts": TIME},
     "B": {"client": "cli 0.3.1"}},
    {"H": {"event": "login", "app_id": P.OT_APP_ID, "uid": "2882303761", "uid_type": "xiaomi", "e_ts": TIME + 1}, "B": {}},
    {"H": {"event": "bind_phone", "app_id": P.OT_APP_ID, "uid": "13800138000", "uid_type": "phone_number",
           "e_ts": TIME + 2}, "B": {}},
]
OT_UID_PII = [[], ["account_id"], ["phone"]]


def requests():
    pageview, pageview_x = _pageview_from_google()
    once, once_x = _profile_set_once()
    direct, direct_x = _direct_open()
    unparsed, unparsed_x = _domain_unparsed()
    old, old_x = _js_114()
    batch_body, batch_x = _batch_send()
    node_body, node_x = _node_batch()
    gps_body, gps_x = _android_gps()

    def js_post(body, events, variant):
        return P.Req("POST", JS_PATH, js_headers(), body.encode("ascii"),
                     expect={"sdk": "sensors", "events": events, "variant": variant})

    def js_get(query, events, variant):
        return P.Req("GET", JS_PATH + "&" + query, js_headers(None),
                     expect={"sdk": "sensors", "events": events, "variant": variant})

    reqs = [
        js_post(js_data_ext(pageview), [pageview_x], "js_pageview_from_google"),
        js_post(js_data_ext(once), [once_x], "js_profile_set_once"),
        js_get(js_data_ext(direct), [direct_x], "js_direct_open"),
        js_post(js_data_ext(unparsed), [unparsed_x], "js_domain_unparsed"),
        js_get(js_data_ext(old), [old_x], "js_1.14_no_times"),
        js_post(batch_body, batch_x, "js_batch_send_no_crc"),
        P.Req("POST", "/sa?project=default",
              [("User-Agent", "SensorsAnalytics Node SDK"), ("Content-Type", P.FORM_CT),
               ("Host", "127.0.0.1:8106"), ("Connection", "close")],
              node_body.encode("ascii"),
              expect={"sdk": "sensors", "events": node_x, "track_id": NODE_TRACK_ID, "variant": "node_gzip_no_crc"}),
        P.Req("POST", P.ANDROID_PATH, P.android_headers(), gps_body.encode("ascii"),
              expect={"sdk": "sensors", "events": gps_x, "variant": "android_gps",
                      "location": "%d,%d" % (SCALED_LAT, SCALED_LON)}),
        *_mistat_requests(),
        _onetrack_key_get_bad(),
        P.Req("POST", "/track/v4/o",
              [("content-type", "application/json"), ("Host", P.TRACKING_HOST), ("Connection", "close"),
               ("User-Agent", "mimo-cli/0.3.1 node/20.11.1")],
              P.to_json(OT_UID_RECORDS).encode("utf-8"),
              expect={"sdk": "onetrack", "events": [event_expect(pii=p) for p in OT_UID_PII],
                      "variant": "onetrack_uid_type"}),
    ]
    return reqs


if __name__ == "__main__":
    for r in requests():
        print(r.method, r.target[:80], r.expect.get("variant"))
