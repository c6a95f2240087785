#!/usr/bin/env python3
"""Writes tests/robustness/regressions/*.pcap: one small capture per finding
of the robustness runs (docs/robustness.md), each the smallest request that
shows it.  robustness.py dissects them with the originals (ASan, valgrind,
two-pass).  Rerun after changing make_pcap.py; add a case for a new finding.
The crash classes of issue 11 (CRASH_CLASSES) also carry what each request
must give (tests/integration/test_crash_classes.py), and are written as
inputs of the decode fuzz harness (tests/fuzz/regressions/decode/).

    tests/robustness/make_regressions.py
"""
import base64
import collections
import gzip
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(HERE)), "testdata"))
from make_pcap import http_request, write_pcap  # noqa: E402
import payloads  # noqa: E402  (MiStat's key and cipher, Java's hashCode)


def sensors_post(doc):
    """A Sensors Java-style upload (gzip=0: base64 of the JSON, percent-encoded)."""
    body = b"gzip=0&data_list=" + urllib.parse.quote(base64.b64encode(doc), safe="").encode()
    return http_request(body, "/sa?project=x", "sa.api.intl.miui.com", "application/x-www-form-urlencoded")


def sensors_beacon(doc):
    """A Sensors JS image beacon: the event in the GET query."""
    data = base64.b64encode(doc).decode()
    return ("GET /sa.gif?project=default&data=%s&ext=crc%%3D1 HTTP/1.1\r\nHost: sa.api.intl.miui.com\r\n\r\n"
            % data).encode()


def form_post(body, uri="/sa?project=x", host="sa.api.intl.miui.com"):
    return http_request(body.encode() if isinstance(body, str) else body, uri, host,
                        "application/x-www-form-urlencoded")


def b64q(data):
    """base64, percent-encoded as a form value."""
    return urllib.parse.quote(base64.b64encode(data), safe="")


def sensors_gzip1(doc):
    """An Android upload (gzip=1) with the crc the SDK computes over the value text."""
    text = base64.b64encode(gzip.compress(doc, mtime=0)).decode()
    return form_post("crc=%d&gzip=1&data_list=%s" % (payloads.java_hash(text), urllib.parse.quote(text, safe="")))


MISTAT_ID = ("2882303761517", "5861751715517", "d41d8cd98f00b204")  # app_id, app_key, device_id


def mistat_v2(stat_value):
    app_id, app_key, device_id = MISTAT_ID
    return form_post("app_id=%s&app_key=%s&device_id=%s&stat_value=%s" % (app_id, app_key, device_id, stat_value),
                     "/mistats/v2", "data.mistat.xiaomi.com")


# One request of a crash class (issue 11): what it is, the decode error it
# must give (layer: value: reason, a prefix of the expert message), and the
# fields of what it still decodes, as the request states them.
Case = collections.namedtuple("Case", "label request error shown")

ZEROS = 300000  # non-object elements of an event array: each one a decode error before the cap
MEMBERS = 4096  # leaves of each of 250 events (the most listed per event): a million tree items

CRASH_CLASSES = {
    # An empty span (an empty value, layer or plaintext) gave an item with no
    # tvb, and proto_tree_add_expert_format() asserted.
    "empty-span": [
        Case("sensors: empty data_list", form_post("crc=0&gzip=1&data_list="),
             "payload: data_list: empty value", {"xmtrack.sdk": "sensors", "xmtrack.gzip_code": "1", "xmtrack.crc": "0"}),
        Case("sensors: data_list without '='", form_post("crc=0&gzip=1&data_list"),
             "payload: data_list: empty value", {"xmtrack.sdk": "sensors", "xmtrack.gzip_code": "1"}),
        Case("sensors: first of two data_list empty",
             form_post("gzip=0&data_list=&data_list=" + b64q(b'[{"event":"second"}]')),
             "payload: data_list: empty value", {"xmtrack.sdk": "sensors", "xmtrack.gzip_code": "0"}),
        Case("sensors: GET beacon with an empty data",
             b"GET /sa.gif?project=default&data=&ext=crc%3D1 HTTP/1.1\r\nHost: sa.api.intl.miui.com\r\n\r\n",
             "payload: data: empty value", {"xmtrack.sdk": "sensors", "xmtrack.project": "default"}),
        Case("sensors: base64 of nothing (padding only)", form_post("gzip=0&data_list=%3D%3D"),
             "base64: data_list: not valid base64: empty", {"xmtrack.sdk": "sensors", "xmtrack.gzip_code": "0"}),
        Case("sensors: gzip of nothing", form_post("gzip=1&data_list=" + b64q(gzip.compress(b"", mtime=0))),
             "gzip: data_list: no data", {"xmtrack.sdk": "sensors", "xmtrack.layers": "percent-encoding, base64"}),
        Case("miui_analytics: empty value", form_post("value=&ts=1588291215000&nonce=7&sign=00", "/track/v1",
                                                      "tracking.intl.miui.com"),
             "payload: value: empty value", {"xmtrack.sdk": "miui_analytics", "xmtrack.param": "nonce=7"}),
        Case("miui_analytics: root array cut short (base64 of '[')",
             form_post("value=W3&ts=1588291215000&nonce=7&sign=00", "/track/v1", "tracking.intl.miui.com"),
             'JSON: value: expected an object with "H" and "B"',
             {"xmtrack.sdk": "miui_analytics", "xmtrack.layers": "base64, JSON"}),
        Case("miui_tracker: empty value", form_post("t=miui-track_danfa_com.example.app&value=&s=00", "/tracks",
                                                    "tracking.miui.com"),
             "payload: value: empty value", {"xmtrack.sdk": "miui_tracker", "xmtrack.app": "com.example.app"}),
        Case("mistat v2: empty stat_value", mistat_v2(""),
             "payload: stat_value: empty value", {"xmtrack.sdk": "mistat", "xmtrack.app": MISTAT_ID[0]}),
        Case("mistat v2: stat_value deciphers to an empty plaintext", mistat_v2(payloads.mistat_stat_value("", *MISTAT_ID)),
             "AES: stat_value: the plaintext is empty",
             {"xmtrack.sdk": "mistat", "xmtrack.decrypted": "1",
              "xmtrack.enc.key": payloads.mistat_key(*MISTAT_ID), "xmtrack.enc.length": "16"}),
    ],
    # An opaque record with an empty ciphertext: its subtree had no tvb.
    "empty-ciphertext": [
        Case("onetrack: key_get with an empty secretKey", form_post("secretKey=&sign=00", "/track/key_get",
                                                                   "tracking.intl.miui.com"),
             "payload: secretKey: empty value", {"xmtrack.sdk": "onetrack", "xmtrack.param": "sign=00"}),
        Case("mistat v3: empty p", form_post("ai=2882303761517&sv=3.0.16&pv=3.0&p=", "/mistats/v3",
                                             "data.mistat.xiaomi.com"),
             "payload: p: empty value", {"xmtrack.sdk": "mistat", "xmtrack.app": "2882303761517"}),
    ],
    # Every element of an event array that is not an object gave an error
    # item of its own: 300,000 zeros passed Wireshark's million tree items.
    "unbounded-errors": [
        Case("sensors: an event, then %d zeros" % ZEROS,
             sensors_gzip1(b'[{"event":"first"}' + b",0" * ZEROS + b"]"),
             "limit: 9936 more decode errors in this message are not shown",
             {"xmtrack.sdk": "sensors", "xmtrack.event": "first", "xmtrack.event_count": "1"}),
        Case("sensors: 250 events of %d members" % MEMBERS,
             sensors_gzip1(b"[" + b",".join([b'{"event":"many","properties":{"a":[%s]}}'
                                               % b",".join([b"0"] * (MEMBERS - 1))] * 250) + b"]"),
             "limit: xmtrack shows at most 250000 tree items of events in one packet",
             {"xmtrack.sdk": "sensors", "xmtrack.event": "many", "xmtrack.event_count": "250"}),
    ],
}

CASES = {
    # The JSON error at the very end of a truncated document got the span
    # (end, 1), one byte past its layer: the expert item threw, the rest of
    # the tree was lost and the packet showed as malformed HTTP.
    "json-error-span-past-end": [sensors_post(b'[{"event":"x"},{')],
    # A member key with bytes that are not UTF-8 went into xmtrack.member as is.
    "member-key-invalid-utf8": [sensors_post(b'[{"event":"x","properties":{"k\xff\xfe":"v"}}]')],
    # A GBK-encoded Baidu search decoded into xmtrack.search_term as is.
    "search-term-gbk": [sensors_post(
        b'[{"event":"x","properties":{"$url":"https://www.baidu.com/s?ie=gbk&wd=%C4%E3%BA%C3"}}]')],
    # A record named by its type: the name pointed into the facts array that
    # adding the name had just moved (use after free under ASan).
    "type-only-record": [sensors_post(b'[{"type":"track_signup"}]')],
    # Two GET beacons in one file: with tshark -2 only the first was decoded.
    "get-beacons-two-pass": [
        sensors_beacon(b'{"event":"$pageview","type":"track","properties":{"$url":"https://www.bing.com/search?q=first"}}'),
        sensors_beacon(b'{"event":"$pageview","type":"track","properties":{"$url":"https://www.bing.com/search?q=second"}}'),
    ],
}
# Six uploads pipelined in one TCP segment, each inflating (1 KB of gzip) to some 250,000
# JSON leaves: the tree budget was per message, so the packet passed Wireshark's million
# items (issue 20, item 2).  One connection, every request in one segment.
PIPELINED_UPLOADS = 6
PIPELINED_EVENTS = 61  # of MEMBERS leaves each: about 250,000 per upload


def pipelined(requests):
    """Requests sent back to back on one connection, in one TCP segment (keep-alive but the last)."""
    keep_alive = [r.replace(b"Connection: close\r\n", b"") for r in requests[:-1]]
    return b"".join(keep_alive + requests[-1:])


def heavy_upload(n):
    event = b'{"event":"heavy%d","properties":{"a":[%s]}}' % (n, b",".join([b"0"] * (MEMBERS - 1)))
    return sensors_gzip1(b"[" + b",".join([event] * PIPELINED_EVENTS) + b"]")


CASES["pipelined-budget"] = [pipelined([heavy_upload(n) for n in range(PIPELINED_UPLOADS)])]

# A MIUI Analytics batch whose device header "H" comes after its records: every record shows
# the header's members, which lie past it.  Wireshark 4.6 stops a dissection after 50,000 tree
# items of one data source that do not move forward: the first record's header members moved
# the mark to the body's end, and the 1,100th record's members hit the limit ("Dissector bug,
# ... start_idle_count < 50000").  Now shared items past a record are shown at its end.
SHARED_AFTER_RECORDS = 3000
SHARED_AFTER_MEMBERS = 40


def miui_header_after_records():
    records = ",".join('{"H":{"key":"k%d"},"B":{"a":%d}}' % (i, i) for i in range(SHARED_AFTER_RECORDS))
    header = ",".join('"h%d":%d' % (i, i) for i in range(SHARED_AFTER_MEMBERS))
    doc = ('{"B":[%s],"H":{%s}}' % (records, header)).encode()
    value = urllib.parse.quote(base64.b64encode(doc).decode(), safe="")
    return form_post("value=%s&ts=1&nonce=2&sign=3" % value, "/track/v1", "tracking.intl.miui.com")


CASES["shared-header-after-records"] = [miui_header_after_records()]

# An expert message longer than a label (240 bytes) with a long value of
# multi-byte characters: Wireshark 4.0 cut it at a byte, inside a character,
# and the xmtrack subtree held invalid UTF-8 (found by fuzz_epan).  Three
# lengths of the URL before them, so that the cut falls inside a character
# whatever the prefix.
CASES["expert-message-cut-inside-utf8"] = [
    sensors_post(('[{"event":"x","properties":{"$url":"https://www.example.com/?%s%s"}}]'
                  % ("a" * n, "\u4e2d" * 90)).encode()) for n in range(3)]
CASES.update({name: [case.request for case in cases] for name, cases in CRASH_CLASSES.items()})


# The fuzz_decode harness's selector (tests/fuzz/fuzz_common.h): request URI
# paths and Host by their index in fuzz_uris and fuzz_hosts; other paths are
# left out (index 0), which every crash case is recognised without.
FUZZ_URIS = {"/sa": 1, "/sa.gif": 2, "/track/v1": 4, "/mistats/v2": 5, "/track/v4": 6}
FUZZ_HOST_SENSORS = 1
FUZZ_FORM = 1  # fuzz_content_types[1]


def fuzz_decode_input(request):
    """The request as an input of tests/fuzz/fuzz_decode.c: two selector bytes, then the body or query."""
    head, _, body = request.partition(b"\r\n\r\n")
    method, uri = head.split(b" ")[:2]
    path, _, query = uri.decode().partition("?")
    uri_index = FUZZ_URIS.get(path, 0)
    if method == b"GET":
        return bytes([1 | uri_index << 1 | FUZZ_HOST_SENSORS << 4, 0]) + query.encode()
    return bytes([uri_index << 1 | FUZZ_HOST_SENSORS << 4, FUZZ_FORM]) + body


def write_fuzz_regressions():
    """Each crash case as a regression input of the decode harness: the core's
    side of the class (spans in their layer, errors capped), run by fuzz.regressions."""
    out = os.path.join(os.path.dirname(HERE), "fuzz", "regressions", "decode")
    os.makedirs(out, exist_ok=True)
    n = 0
    for name, cases in CRASH_CLASSES.items():
        for case in cases:
            slug = "".join(c if c.isalnum() else "-" for c in case.label.lower()).strip("-")
            while "--" in slug:
                slug = slug.replace("--", "-")
            with open(os.path.join(out, "%s-%s" % (name, slug)), "wb") as f:
                f.write(fuzz_decode_input(case.request))
            n += 1
    print("wrote %d inputs to %s" % (n, out))


def main():
    out = os.path.join(HERE, "regressions")
    os.makedirs(out, exist_ok=True)
    for name, requests in CASES.items():
        write_pcap(os.path.join(out, name + ".pcap"), requests)
    print("wrote %d captures to %s" % (len(CASES), out))
    write_fuzz_regressions()


if __name__ == "__main__":
    main()
