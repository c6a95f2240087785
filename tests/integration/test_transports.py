"""The same SDK traffic decodes alike over every transport (issue 12).

testdata/realsdk holds the real Sensors JS SDK in Chromium, per send mode, over
HTTP/1.1, HTTP/2 over TLS (keys embedded) and h2c.  Each capture is checked
against its own .expect.json (what the SDK was told to send and what the
collector received: ids, crc and times differ per run), then the HTTP/2
captures against the HTTP/1.1 one of the same mode; one pass and two passes
(-2) give the same fields.  Ordinary browsing stays unclaimed, and a MiStat
upload sent as a GET decodes like the POST.
"""
import json
import os
import unittest
from urllib.parse import parse_qs, urlsplit

from tshark_env import TsharkEnv

MODES = ["image", "ajax", "beacon", "batch"]
TRANSPORTS = ["http1", "h2", "h2c"]
FIELDS = ["xmtrack.sdk", "xmtrack.event", "xmtrack.event_type", "xmtrack.distinct_id", "xmtrack.url",
          "xmtrack.search_term", "xmtrack.crc_valid", "xmtrack.host", "xmtrack.event_count"]
ORDINARY = "ordinary/ordinary_browsing.pcapng"


def capture(mode, transport):
    return f"realsdk/js_{mode}_{transport}.pcapng"


def collect(frames):
    """Every value of each field over the whole capture: field -> list."""
    out = {f: [] for f in FIELDS}
    for frame in frames:
        for f in FIELDS:
            out[f] += frame.get(f, [])
    return out


class Transports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.cache = {}

    def expect(self, name):
        with open(self.tshark.capture(name) + ".expect.json", encoding="utf-8") as f:
            return json.load(f)

    def frames(self, name, two_pass=False):
        key = (name, two_pass)
        if key not in self.cache:
            extra = list(self.expect(name)["tshark_args"]) + (["-2"] if two_pass else [])
            self.cache[key] = self.tshark.fields(name, FIELDS, extra=extra)
        return self.cache[key]

    def normalised(self, name):
        """The capture's values with what differs per capture (page URL, collector port) named."""
        e = self.expect(name)
        values = collect(self.frames(name))
        page, collector = e["told"]["page_url"], e["collector"]
        values["xmtrack.url"] = ["<page>" if u == page else u for u in values["xmtrack.url"]]
        values["xmtrack.host"] = ["<collector>" if h == collector else h for h in values["xmtrack.host"]]
        values["xmtrack.distinct_id"] = sorted(values["xmtrack.distinct_id"])
        return {f: sorted(v, key=str) for f, v in values.items()}

    # ---- each capture against what the SDK was told to send ------------------------------

    def check_against_expectations(self, name):
        e = self.expect(name)
        told, received = e["told"], e["received"]
        got = collect(self.frames(name))
        self.assertEqual(set(got["xmtrack.sdk"]), {"sensors"})
        self.assertEqual(sorted(got["xmtrack.event"]),
                         sorted(r.get("event") or r["type"] for r in told["records"]))
        self.assertEqual(sorted(got["xmtrack.event_type"]), sorted(r["type"] for r in told["records"]))
        self.assertEqual(sorted(got["xmtrack.distinct_id"]), sorted(ev["distinct_id"] for ev in received["events"]))
        self.assertLessEqual(set(got["xmtrack.distinct_id"]), {told["distinct_id"], told["login_id"]})
        self.assertLessEqual({told["page_url"], told["custom_url"]}, set(got["xmtrack.url"]))
        self.assertLessEqual({told["search_word"], told["referrer_search_term"]}, set(got["xmtrack.search_term"]))
        with_crc = [r for r in received["requests"] if r["payload"].get("ext")]
        self.assertEqual(got["xmtrack.crc_valid"], [True] * len(with_crc))
        self.assertEqual(set(got["xmtrack.host"]), {r["authority"] for r in received["requests"]})
        self.assertEqual(len(got["xmtrack.sdk"]), len(received["requests"]), "one message per request")

    def test_each_capture_decodes_what_the_sdk_was_told(self):
        for mode in MODES:
            for transport in TRANSPORTS:
                with self.subTest(capture=capture(mode, transport)):
                    self.check_against_expectations(capture(mode, transport))

    # ---- HTTP/2 like HTTP/1.1 --------------------------------------------------------------

    def test_http2_decodes_like_http1(self):
        for mode in MODES:
            http1 = self.normalised(capture(mode, "http1"))
            for transport in ("h2", "h2c"):
                with self.subTest(mode=mode, transport=transport):
                    got = self.normalised(capture(mode, transport))
                    for field in FIELDS:
                        self.assertEqual(got[field], http1[field], field)

    def test_h2c_streams_interleave_and_stay_apart(self):
        """The replay sends every request on one connection, its body in two DATA frames
        each: seven messages end in one segment, each with its own stream's request."""
        for mode in ("ajax", "beacon", "batch"):
            with self.subTest(mode=mode):
                e = self.expect(capture(mode, "h2c"))
                got = collect(self.frames(capture(mode, "h2c")))
                self.assertEqual(len(got["xmtrack.sdk"]), len(e["replayed_stream_ids"]))
                self.assertEqual(got["xmtrack.crc_valid"],
                                 [True] * len([r for r in e["received"]["requests"] if r["payload"].get("ext")]))

    def test_two_passes_give_the_same_fields(self):
        for mode in MODES:
            for transport in TRANSPORTS:
                name = capture(mode, transport)
                with self.subTest(capture=name):
                    self.assertEqual(self.frames(name, two_pass=True), self.frames(name))

    # ---- what must stay unclaimed, and GETs of other formats -------------------------------

    def test_ordinary_browsing_stays_unclaimed(self):
        e = self.expect(ORDINARY)
        args = list(e.get("tshark_args", ["-d", "tcp.port==%d,http2" % e["h2c_port"]]))
        requests = self.tshark.count(ORDINARY, "http.request or http2.headers.method", extra=args)
        self.assertEqual(requests, 2 * (len(e["gets"]) + len(e["posts"])), "tshark sees every request")
        for two_pass in ([], ["-2"]):
            self.assertEqual(self.tshark.count(ORDINARY, "xmtrack", extra=args + two_pass), 0)

    def test_mistat_get_decodes_like_the_post(self):
        fields = ["http.request.method", "xmtrack.sdk", "xmtrack.event", "xmtrack.event_count",
                  "xmtrack.decrypted", "xmtrack.distinct_id", "xmtrack.app", "xmtrack.url",
                  "xmtrack.search_term", "xmtrack.host", "xmtrack.param"]
        post, get = self.tshark.fields("mistat_get.pcap", fields)
        self.assertEqual(post.pop("http.request.method"), ["POST"])
        self.assertEqual(get.pop("http.request.method"), ["GET"])
        self.assertEqual(get, post)
        self.assertEqual(get["xmtrack.sdk"], ["mistat"])
        self.assertEqual(get["xmtrack.decrypted"], [True])


class SplitHeaderBlocks(unittest.TestCase):
    """testdata/h2split: a request whose header block goes out as HEADERS and CONTINUATION in
    different TCP segments (a relay sends each frame in its own segment), with an empty-valued
    header in HEADERS and content-type in CONTINUATION (issue 20, item 1: the kept request lost
    the headers after an empty value and was read past its end)."""

    CAPTURE = "h2split/empty_header_continuation_h2c.pcapng"
    FIELDS = ["xmtrack.event", "xmtrack.distinct_id", "xmtrack.url", "xmtrack.search_term",
              "xmtrack.dry_run", "xmtrack.crc_valid", "xmtrack.event_count"]

    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        with open(cls.tshark.capture(cls.CAPTURE) + ".expect.json", encoding="utf-8") as f:
            cls.e = json.load(f)

    def test_decodes_in_one_and_two_passes(self):
        events = self.e["told"]["events"]
        for two_pass in ([], ["-2"]):
            with self.subTest(two_pass=bool(two_pass)):
                frames = self.tshark.fields(self.CAPTURE, self.FIELDS,
                                            extra=self.e["tshark_args"] + two_pass)
                self.assertEqual(len(frames), 1, "one message")
                got = frames[0]
                self.assertEqual(got["xmtrack.event"], [ev["event"] for ev in events])
                self.assertEqual(got["xmtrack.event_count"], [str(len(events))])
                self.assertEqual(set(got["xmtrack.distinct_id"]), {ev["distinct_id"] for ev in events})
                # dry-run comes after the empty-valued header in HEADERS: it must survive the keep
                self.assertEqual(got["xmtrack.dry_run"], [self.e["told"]["headers"]["dry-run"] == "true"])
                self.assertEqual(got["xmtrack.crc_valid"], [True])
                urls = [ev["properties"][k] for ev in events for k in ("$url", "$referrer")
                        if k in ev["properties"]]
                self.assertEqual(sorted(got["xmtrack.url"]), sorted(urls))
                typed = [ev["properties"]["search_word"] for ev in events if "search_word" in ev["properties"]]
                from_referrer = [parse_qs(urlsplit(ev["properties"]["$referrer"]).query)["q"][0]
                                 for ev in events if "$referrer" in ev["properties"]]
                self.assertEqual(sorted(got["xmtrack.search_term"]), sorted(typed + from_referrer))


if __name__ == "__main__":
    unittest.main()
