"""Segment's real SDKs, decoded: testdata/vendors/segment_* (README there).

analytics-next in Chromium (one request per call, and batching over h2 and h2c) and analytics-node,
recorded while they sent what testdata/vendors/segment.js told them to. Expectations come from each
capture's .expect.json (what the collector received and decoded itself), never from the plugin: per
event its name, type, time, ids, the pages and searches it carries, its device and the personal-data
kinds; in one pass and in two (-2).
"""
import unittest
from datetime import datetime

from tshark_env import TsharkEnv
from vendor_captures import DecodedCaptures, PII_KINDS, expectations, http_strings, search_of

# Segment's e-commerce spec: the search a user typed is "query" of this event (docs/formats/segment.md).
SEARCH_EVENT = "Products Searched"


def epoch_ms(iso):
    """Epoch milliseconds of the ISO 8601 UTC time the SDK sent ("2026-12-07T03:34:02.170Z")."""
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000 + 0.5)


def expected_event(e):
    """What one received event (.expect.json received.events[]) must decode to."""
    page = e.get("page") or {}
    urls = {u for u in (page.get("url"), page.get("referrer")) if u} | set(http_strings(e.get("properties") or {}))
    searches = {s for s in map(search_of, urls) if s}
    name = e.get("event") or e.get("name") or e["type"]
    if name == SEARCH_EVENT:
        searches.add(e["properties"]["query"])
    kinds = {PII_KINDS[k] for k in e["pii"]}
    kinds |= {"url"} if urls else set()
    kinds |= {"search"} if searches else set()
    return {
        "name": name,
        "type": e["type"],
        "time": epoch_ms(e["timestamp"]),
        "distinct_id": e.get("user_id") or e["anonymous_id"],
        "anonymous_id": e.get("anonymous_id"),
        "urls": urls,
        "searches": searches,
        "kinds": kinds,
        "model": (e.get("device") or {}).get("model"),
        "os_version": (e.get("os") or {}).get("version"),
        "app": (e.get("app") or {}).get("namespace"),
    }


def one(values):
    assert len(values) <= 1, values
    return values[0] if values else None


class SegmentCaptures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.decoded = DecodedCaptures(cls.tshark)
        cls.captures = expectations("segment")
        assert len(cls.captures) >= 4, "the Segment captures of testdata/vendors are missing"

    def check_events(self, two_pass):
        for capture, expect in self.captures:
            rows = self.decoded.events(capture, expect["tshark_args"], two_pass)
            sent = expect["received"]["events"]
            with self.subTest(capture=capture, two_pass=two_pass):
                self.assertEqual(len(rows), len(sent))
            for i, (row, event) in enumerate(zip(rows, sent)):
                want = expected_event(event)
                with self.subTest(capture=capture, two_pass=two_pass, event=i, name=want["name"]):
                    self.assertEqual(row["xmtrack.event"], [want["name"]])
                    self.assertEqual(row["xmtrack.event_type"], [want["type"]])
                    self.assertEqual(row["xmtrack.time"], [want["time"]])
                    self.assertEqual(row["xmtrack.distinct_id"], [want["distinct_id"]])
                    self.assertEqual(one(row["xmtrack.anonymous_id"]), want["anonymous_id"])
                    self.assertEqual(set(row["xmtrack.url"]), want["urls"])
                    self.assertEqual(set(row["xmtrack.search_term"]), want["searches"])
                    shown = set(row["xmtrack.pii"])
                    self.assertLessEqual(want["kinds"], shown)
                    for kind in ("url", "search", "location", "ip", "gaid"):  # never where not sent
                        self.assertEqual(kind in shown, kind in want["kinds"], kind)
                    self.assertEqual(one(row["xmtrack.model"]), want["model"])
                    self.assertEqual(one(row["xmtrack.os_version"]), want["os_version"])
                    self.assertEqual(one(row["xmtrack.app"]), want["app"])

    def test_events_one_pass(self):
        self.check_events(two_pass=False)

    def test_events_two_passes(self):
        self.check_events(two_pass=True)

    def test_one_message_per_upload_and_no_preflight(self):
        """Each analytics request is one message of SDK segment holding its events; the CORS
        preflights (OPTIONS) and nothing else are claimed."""
        for capture, expect in self.captures:
            uploads = [r for r in expect["received"]["requests"] if r["analytics"]]
            with self.subTest(capture=capture):
                self.assertEqual(self.decoded.message_fields(capture, expect["tshark_args"], "xmtrack.sdk"),
                                 [["segment"]] * len(uploads))
                self.assertEqual(self.decoded.message_fields(capture, expect["tshark_args"], "xmtrack.event_count"),
                                 [[str(r["event_count"])] for r in uploads])

    def test_page_query_string_is_no_search(self):
        """context.page.search is the page's own query string: never a search term, still a member."""
        for capture, expect in self.captures:
            own = {r["expect_context_page"]["search"] for r in expect["told"].get("records", [])
                   if "expect_context_page" in r}
            if not own:
                continue
            with self.subTest(capture=capture):
                found = self.tshark.count("vendors/" + capture, 'xmtrack.member contains "context.page.search=?"',
                                          expect["tshark_args"])
                self.assertGreater(found, 0)
                for search in own:
                    self.assertEqual(self.tshark.count("vendors/" + capture, 'xmtrack.search_term == "%s"' % search,
                                                       expect["tshark_args"]), 0)


if __name__ == "__main__":
    unittest.main()
