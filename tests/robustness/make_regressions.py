#!/usr/bin/env python3
"""Writes tests/robustness/regressions/*.pcap: one small capture per finding
of the robustness runs (README "Robustness"), each the smallest request that
shows it.  robustness.py dissects them with the originals (ASan, valgrind,
two-pass).  Rerun after changing make_pcap.py; add a case for a new finding.

    tests/robustness/make_regressions.py
"""
import base64
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_pcap import http_request, write_pcap  # noqa: E402


def sensors_post(doc):
    """A Sensors Java-style upload (gzip=0: base64 of the JSON, percent-encoded)."""
    body = b"gzip=0&data_list=" + urllib.parse.quote(base64.b64encode(doc), safe="").encode()
    return http_request(body, "/sa?project=x", "sa.api.intl.miui.com", "application/x-www-form-urlencoded")


def sensors_beacon(doc):
    """A Sensors JS image beacon: the event in the GET query."""
    data = base64.b64encode(doc).decode()
    return ("GET /sa.gif?project=default&data=%s&ext=crc%%3D1 HTTP/1.1\r\nHost: sa.api.intl.miui.com\r\n\r\n"
            % data).encode()


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


def main():
    out = os.path.join(HERE, "regressions")
    os.makedirs(out, exist_ok=True)
    for name, requests in CASES.items():
        write_pcap(os.path.join(out, name + ".pcap"), requests)
    print("wrote %d captures to %s" % (len(CASES), out))


if __name__ == "__main__":
    main()
