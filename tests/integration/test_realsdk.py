"""What the real SDKs send, decoded: testdata/realsdk/ (README there).

Each capture was recorded while the real Sensors JavaScript SDK (in Chromium) or Node SDK sent
what testdata/realsdk/generate.js told it to, and its .expect.json holds what was told and what
the collector received (the generator refuses to write a capture where the two disagree). The
expectations here are computed from that file, never from the plugin's output: per event, the
web addresses and searches the SDK reported (referrers and their search keywords included, on
every JS event), the location set through the SDK, and the personal-data kinds they make.
"""
import glob
import json
import os
import unittest
from urllib.parse import parse_qs, unquote_plus, urlsplit

from tshark_env import TsharkEnv, TESTDATA

REALSDK = os.path.join(TESTDATA, "realsdk")
# The transports the plugin decodes; every capture of these is checked.
TRANSPORTS = ("http1", "https1", "h2", "h2c")

# Search engines whose result URLs the captures carry, and their query parameter: the test's own
# reading of a referrer, independent of the plugin's engine table.
ENGINES = {"www.google.com": "q", "www.bing.com": "q"}


def expectations():
    """(capture, expect-file contents) of every real-SDK capture of a decoded transport."""
    for path in sorted(glob.glob(os.path.join(REALSDK, "*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            expect = json.load(f)
        if expect["transport"] in TRANSPORTS:
            yield expect["capture"], expect


def searches_of(event):
    """The searches an event carries: typed (search_word), as keywords (percent and '+'
    encoded by the SDK), and in search-engine result URLs."""
    terms = set()
    for key, value in event["search_keywords"].items():
        terms.add(value if key == "search_word" else unquote_plus(value))
    for url in event["urls"].values():
        parts = urlsplit(url)
        param = ENGINES.get(parts.hostname or "")
        if param and param in parse_qs(parts.query):
            terms.add(parse_qs(parts.query)[param][0])
    return terms


def kinds_of(event):
    """Personal-data kinds the event must be reported with."""
    kinds = set()
    if event["urls"]:
        kinds.add("url")
    if searches_of(event):
        kinds.add("search")
    if {"$latitude", "$longitude"} <= set(event["location"]):
        kinds.add("location")
    if event["device"].get("android_id"):
        kinds.add("android_id")
    profile = event.get("profile") or {}
    if any("@" in str(v) for v in profile.values()):
        kinds.add("email")
    if "$phone" in profile:
        kinds.add("phone")
    return kinds


def split(text):
    return set(text.split("|")) if text else set()


class RealSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = list(expectations())
        assert cls.captures, "no real-SDK captures found"

    def events(self, capture, expect):
        """One row per decoded event (-z xmtrack,jsonl), in wire order."""
        out = self.tshark.run("-r", self.tshark.capture("realsdk/" + capture), "-q", "-z", "xmtrack,jsonl",
                              *expect["tshark_args"]).stdout
        return [json.loads(line) for line in out.splitlines()]

    def test_every_event_decoded_in_order(self):
        for capture, expect in self.captures:
            with self.subTest(capture=capture):
                sent = [e.get("event") or e["type"] for e in expect["received"]["events"]]
                self.assertEqual([r["event"] for r in self.events(capture, expect)], sent)

    def test_urls_searches_and_personal_data_per_event(self):
        for capture, expect in self.captures:
            rows = self.events(capture, expect)
            for i, (row, event) in enumerate(zip(rows, expect["received"]["events"])):
                with self.subTest(capture=capture, event=i, name=row["event"]):
                    self.assertEqual(split(row["url"]), set(event["urls"].values()))
                    self.assertEqual(split(row["search_term"]), searches_of(event))
                    shown = split(row["pii"])
                    self.assertLessEqual(kinds_of(event), shown)
                    for kind in ("url", "search", "location"):  # never reported where not sent
                        self.assertEqual(kind in shown, kind in kinds_of(event), kind)

    def test_js_referrer_search_on_every_event(self):
        """The visit came from a search engine: every JS event but the profile update carries
        the referrer and the search typed there."""
        for capture, expect in self.captures:
            if not capture.startswith("js_"):
                continue
            told = expect["told"]
            frames = self.tshark.fields("realsdk/" + capture, ["xmtrack.event", "xmtrack.url", "xmtrack.search_term"],
                                        extra=expect["tshark_args"])
            for frame in frames:
                with self.subTest(capture=capture, events=frame["xmtrack.event"]):
                    if frame["xmtrack.event"] == ["profile_set"]:
                        continue
                    self.assertIn(told["referrer_as_sent"], frame["xmtrack.url"])
                    self.assertIn(told["referrer_search_term"], frame["xmtrack.search_term"])

    def test_location_set_through_the_sdk(self):
        """A display filter on the location finds exactly the frames that carry an event whose
        location was set (several requests may end in one frame over HTTP/2)."""
        for capture, expect in self.captures:
            events = expect["received"]["events"]
            if not any(e["location"] for e in events):
                continue
            with self.subTest(capture=capture):
                rows = self.events(capture, expect)
                located = {int(row["frame"]) for row, e in zip(rows, events) if e["location"]}
                shown = self.tshark.fields("realsdk/" + capture, ["frame.number"], 'xmtrack.pii == "location"',
                                           expect["tshark_args"])
                self.assertEqual({int(f["frame.number"][0]) for f in shown}, located)

if __name__ == "__main__":
    unittest.main()
