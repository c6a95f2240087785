"""Payloads of testdata/limits.pcap: input built to exhaust a decoder (issue 5).
Each request is a recognisable Sensors upload whose payload hits a hard limit or
an edge of the JSON layer; tests/integration/test_limits.py checks that each
gets defined behaviour: the decoded part shown, the rest an xmtrack.decode_error
naming the layer and the limit, and a bounded peak memory."""
import payloads as P

MIB = 1024 * 1024


def _value(json_bytes):
    return P.b64(P.gz(json_bytes))


# label -> (JSON bytes of data_list, what the plugin must say)
CASES = [
    # 64 MiB of zeros gzip to ~64 KiB: inflation stops at the 16 MiB default
    ("gzip_bomb", b"\x00" * (64 * MIB), "limit: data_list: inflated size exceeds the limit"),
    # 5,000 nested arrays: parsing stops at the depth limit (64)
    ("deep_json", b"[" * 5000 + b"]" * 5000, "limit: data_list: stopped reading JSON"),
    # a million tiny events: 10,000 decoded (the default), the rest reported
    ("million_events", b"[" + b",".join([b'{"event":"e"}'] * 1000000) + b"]",
     "limit: more than 10000 events in one message"),
    # a 4 MiB string and odd strings: decoded, nothing to report
    ("long_string", P.to_json([{"event": "big", "type": "track", "properties": {"blob": "A" * (4 * MIB)}}]).encode(),
     None),
    ("nul_and_bad_utf8", b'[{"event":"odd\\u0000name","type":"track","properties":{"x":"\xff\xfe\xc3"}}]', None),
    ("huge_time_and_duplicates",
     b'[{"event":"dup","event":"dup2","type":"track","time":99999999999999999999999,"time":1588291200123}]', None),
]


def requests():
    return [P.android_req(body=P.android_body(_value(payload)), expect={"sdk": "sensors"})
            for _, payload, _ in CASES]
