"""What the real PostHog SDKs send, decoded: testdata/vendors/posthog_*.pcapng (README there).

Each capture was recorded while posthog-js (1.449.2 and 1.60.0, in Chromium) or posthog-node sent
what testdata/vendors/generate.js told it to; its .expect.json holds what was told and what the
collector received and decoded itself (gzip, base64, LZ-string, JSON). The expectations here are
computed from that file, never from the plugin's output: per event, its name, time, ids, the web
addresses and searches the keys of docs/formats/posthog.md ("Fields") carry, and the personal-data
kinds the collector found, in one pass and in two (-2).
"""
import calendar
import glob
import json
import os
import re
import unittest
from urllib.parse import parse_qs, urlsplit

from tshark_env import TsharkEnv, TESTDATA

VENDORS = os.path.join(TESTDATA, "vendors")

# docs/formats/posthog.md, "Fields": the keys that feed xmtrack.url and xmtrack.search_term.
URL_KEYS = {"properties": ["$current_url", "$referrer", "$initial_referrer", "$initial_current_url",
                           "$session_entry_url", "$session_entry_referrer", "url", "$url"],
            "$set_once": ["$initial_current_url", "$initial_referrer"]}
SEARCH_KEYS = {"properties": ["ph_keyword", "$initial_ph_keyword", "$session_entry_ph_keyword", "search_term"],
               "$set_once": ["$initial_ph_keyword"]}
NO_REFERRER = "$direct"  # what posthog-js sends for a visit without one
# Search engines whose result URLs the captures carry, and their query parameter: the test's own
# reading of a referrer, independent of the plugin's engine table.
ENGINES = {"www.google.com": "q", "www.bing.com": "q", "duckduckgo.com": "q"}
# The collector's names of personal-data kinds, as xmtrack.pii names them.
PII_NAMES = {"advertising_id": "gaid"}
# Layers of the payload as the collector names them, as xmtrack.layers does.
LAYER_NAMES = {"gzip": "gzip", "base64": "base64", "lz64": "LZ-string"}
ISO = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?Z$")


def iso_ms(text):
    m = ISO.match(text)
    if not m:
        raise AssertionError(f"not an ISO 8601 UTC time: {text!r}")
    *ymdhms, frac = m.groups()
    ms = int(((frac or "") + "000")[:3])
    return calendar.timegm(tuple(int(x) for x in ymdhms) + (0, 0, 0)) * 1000 + ms


def expectations():
    for path in sorted(glob.glob(os.path.join(VENDORS, "posthog_*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            yield json.load(f)


def values_of(decoded, keys):
    out = set()
    for section, names in keys.items():
        obj = decoded.get(section) or {}
        for name in names:
            value = obj.get(name)
            if isinstance(value, str) and value and value != NO_REFERRER:
                out.add(value)
    return out


def engine_term(url):
    parts = urlsplit(url)
    param = ENGINES.get(parts.hostname or "")
    values = parse_qs(parts.query).get(param) if param else None
    return values[0] if values else None


class Expected:
    """What one received event must decode to."""

    def __init__(self, event):
        d = event["decoded"]
        props = d.get("properties") or {}
        self.name = d["event"]
        # The top-level ISO time; posthog-js 1.60 batches carry "offset" instead, and $time (seconds).
        self.time = iso_ms(d["timestamp"]) if "timestamp" in d else round(props["$time"] * 1000)
        self.distinct_id = d.get("distinct_id") or props.get("distinct_id")
        self.anonymous_id = props.get("$device_id")
        self.urls = values_of(d, URL_KEYS)
        self.searches = values_of(d, SEARCH_KEYS) | {t for t in map(engine_term, self.urls) if t}
        kinds = {PII_NAMES.get(k, k) for k in event["pii"]}
        if self.urls:
            kinds.add("url")
        if self.searches:
            kinds.add("search")
        # The spec's account id: the identify event, or a distinct_id that is no longer the device's.
        self.account = self.name == "$identify" or (self.anonymous_id is not None and
                                                   self.distinct_id != self.anonymous_id)
        if self.account:
            kinds.add("account_id")
        self.kinds = kinds


def split(text):
    return set(text.split("|")) if text else set()


class PostHog(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = list(expectations())
        assert len(cls.captures) >= 7, "the PostHog captures of testdata/vendors are missing"
        cls.cache = {}

    def args(self, expect, two_pass):
        return list(expect["tshark_args"]) + (["-2"] if two_pass else [])

    def rows(self, expect, two_pass=False):
        """One row per decoded event (-z xmtrack,jsonl), in wire order."""
        key = ("rows", expect["capture"], two_pass)
        if key not in self.cache:
            out = self.tshark.run("-r", self.tshark.capture("vendors/" + expect["capture"]), "-q",
                                  "-z", "xmtrack,jsonl", *self.args(expect, two_pass)).stdout
            self.cache[key] = [json.loads(line) for line in out.splitlines()]
        return self.cache[key]

    def frames(self, expect, fields, two_pass=False, display_filter="xmtrack"):
        return self.tshark.fields("vendors/" + expect["capture"], fields, display_filter,
                                  self.args(expect, two_pass))

    def each(self):
        for expect in self.captures:
            for two_pass in (False, True):
                yield expect, two_pass

    def test_every_event_decoded_in_order(self):
        for expect, two_pass in self.each():
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                rows = self.rows(expect, two_pass)
                self.assertEqual([r["event"] for r in rows], [e["decoded"]["event"] for e in expect["received"]["events"]])
                self.assertEqual({r["sdk"] for r in rows}, {"posthog"})

    def test_event_times(self):
        for expect, two_pass in self.each():
            for i, (row, event) in enumerate(zip(self.rows(expect, two_pass), expect["received"]["events"])):
                with self.subTest(capture=expect["capture"], two_pass=two_pass, event=i):
                    self.assertEqual(iso_ms(row["event_time"]), Expected(event).time)

    def test_urls_searches_and_personal_data_per_event(self):
        for expect, two_pass in self.each():
            for i, (row, event) in enumerate(zip(self.rows(expect, two_pass), expect["received"]["events"])):
                want = Expected(event)
                with self.subTest(capture=expect["capture"], two_pass=two_pass, event=i, name=want.name):
                    self.assertEqual(split(row["url"]), want.urls)
                    self.assertEqual(split(row["search_term"]), want.searches)
                    shown = split(row["pii"])
                    self.assertLessEqual(want.kinds, shown)
                    for kind in ("url", "search", "location", "account_id", "ip"):  # never where not sent
                        self.assertEqual(kind in shown, kind in want.kinds, kind)

    def test_ids_per_frame(self):
        """distinct_id and anonymous_id, in event order, frame by frame (HTTP/2 may end several
        requests in one frame)."""
        fields = ["frame.number", "xmtrack.distinct_id", "xmtrack.anonymous_id"]
        for expect, two_pass in self.each():
            want = {}
            for row, event in zip(self.rows(expect, two_pass), expect["received"]["events"]):
                e = Expected(event)
                ids = want.setdefault(int(row["frame"]), ([], []))
                ids[0].append(e.distinct_id)
                if e.anonymous_id:
                    ids[1].append(e.anonymous_id)
            shown = {int(f["frame.number"][0]): (f.get("xmtrack.distinct_id", []), f.get("xmtrack.anonymous_id", []))
                     for f in self.frames(expect, fields, two_pass)}
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                self.assertEqual(shown, want)

    def test_only_event_uploads_are_claimed(self):
        """Every analytics request is one message of its events; the SDK's configuration requests
        (/array/.../config.js, /flags/, /decide/, preflights) are not claimed."""
        for expect, two_pass in self.each():
            requests = expect["received"]["requests"]
            frames = self.frames(expect, ["xmtrack.sdk", "xmtrack.event_count"], two_pass)
            sdks = [s for f in frames for s in f.get("xmtrack.sdk", [])]
            counts = sorted(int(c) for f in frames for c in f.get("xmtrack.event_count", []))
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                self.assertEqual(sdks, ["posthog"] * sum(r["analytics"] for r in requests))
                self.assertEqual(counts, sorted(r["event_count"] for r in requests if r["analytics"]))

    def test_payload_layers(self):
        """gzip (without Content-Encoding), base64 and LZ-string are each shown as a layer."""
        for expect in self.captures:
            want = []
            for r in expect["received"]["requests"]:
                if not r["analytics"]:
                    continue
                layers = [LAYER_NAMES[x] for x in r["layers"] if x in LAYER_NAMES]
                if r.get("content_encoding") == "gzip":
                    layers.remove("gzip")  # HTTP inflated it before the plugin
                want.append(layers)
            frames = self.frames(expect, ["xmtrack.layers"])
            shown = [[x for x in v.split(", ") if x in LAYER_NAMES.values()]
                     for f in frames for v in f.get("xmtrack.layers", [""])]
            with self.subTest(capture=expect["capture"]):
                self.assertEqual(sorted(shown), sorted(want))

    def test_filter_on_fields(self):
        """Display filters find the events by the fields the SDK filled (the filter-only path)."""
        for expect in self.captures:
            events = [Expected(e) for e in expect["received"]["events"]]
            told = expect["told"]
            with self.subTest(capture=expect["capture"]):
                n = self.tshark.count("vendors/" + expect["capture"], 'xmtrack.event == "$identify"',
                                      expect["tshark_args"])
                self.assertEqual(n > 0, any(e.name == "$identify" for e in events))
                n = self.tshark.count("vendors/" + expect["capture"],
                                      'xmtrack.distinct_id == "%s"' % told["user_id"], expect["tshark_args"])
                self.assertEqual(n > 0, any(e.distinct_id == told["user_id"] for e in events))


if __name__ == "__main__":
    unittest.main()
