"""What the real SDKs send (testdata/fidelity.pcap, built by fidelity_payloads.py as
each SDK's source builds it): the referrer and search of every JS event, the SDKs'
placeholders, Android's scaled location, OneTrack's uid_type, and the shapes that
must be shown as sent and never flagged. Expectations come from what each request
told the SDK to send (fidelity_payloads), not from the plugin."""
import re
import unittest

from tshark_env import TsharkEnv
import fidelity_payloads as F

CAPTURE = "fidelity.pcap"
PLACEHOLDERS = ["未取到值", "取值异常", "url的domain解析失败"]


class Fidelity(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.requests = F.requests()
        rows = cls.tshark.fields(CAPTURE, ["frame.number"], "http.request")
        cls.frames = [int(r["frame.number"][0]) for r in rows]
        assert len(cls.frames) == len(cls.requests), (cls.frames, len(cls.requests))

    def frame_of(self, variant):
        return self.frames[[r.expect["variant"] for r in self.requests].index(variant)]

    def got(self, frame, fields):
        rows = self.tshark.fields(CAPTURE, fields, "frame.number == %d" % frame)
        self.assertEqual(len(rows), 1)
        return rows[0]

    def with_events(self):
        return [(f, r) for f, r in zip(self.frames, self.requests) if "events" in r.expect]

    def test_every_event_as_told(self):
        fields = ["xmtrack.event_count", "xmtrack.url", "xmtrack.search_term", "xmtrack.pii"]
        for frame, req in self.with_events():
            events = req.expect["events"]
            with self.subTest(variant=req.expect["variant"]):
                got = self.got(frame, fields)
                self.assertEqual(got["xmtrack.event_count"], [str(len(events))])
                self.assertEqual(sorted(got.get("xmtrack.url", [])), sorted(u for e in events for u in e["urls"]))
                self.assertEqual(sorted(got.get("xmtrack.search_term", [])),
                                 sorted(s for e in events for s in e["searches"]))
                self.assertEqual(sorted(got.get("xmtrack.pii", [])), sorted(k for e in events for k in e["pii"]))

    def test_never_an_error(self):
        for frame, req in self.with_events():
            with self.subTest(variant=req.expect["variant"]):
                got = self.got(frame, ["xmtrack", "xmtrack.crc_valid", "_ws.expert.message"])
                self.assertIn("xmtrack", got)
                self.assertNotIn("0", got.get("xmtrack.crc_valid", []))
        self.assertEqual(self.tshark.count(CAPTURE, "xmtrack.decode_error || xmtrack.crc_bad"), 0)

    def test_placeholders_never_urls_or_searches(self):
        for text in PLACEHOLDERS:
            with self.subTest(placeholder=text):
                self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.search_term contains "%s"' % text), 0)
                self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.url contains "%s"' % text), 0)
                # ... but shown as sent
                self.assertGreater(self.tshark.count(CAPTURE, 'xmtrack.member contains "%s"' % text), 0)

    def test_profile_set_once_has_first_referrer_and_search(self):
        got = self.got(self.frame_of("js_profile_set_once"),
                       ["xmtrack.event", "xmtrack.event_type", "xmtrack.url", "xmtrack.search_term"])
        self.assertEqual(got["xmtrack.event_type"], ["profile_set_once"])
        self.assertEqual(got["xmtrack.event"], ["profile_set_once"])
        self.assertEqual(got["xmtrack.url"], [F.SO_REFERRER])
        self.assertEqual(got["xmtrack.search_term"], ["小米隐私"])

    def test_search_filter_across_modes(self):
        """The same search, from $latest_search_keyword and the referrer's q=, in the ajax
        POST and in batch_send: one search term per event."""
        self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.search_term == "how to hide from xiaomi"'), 2)
        self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.url == "%s"' % F.GOOGLE_REFERRER), 2)

    def test_js_114_without_times(self):
        got = self.got(self.frame_of("js_1.14_no_times"),
                       ["xmtrack.event", "xmtrack.time", "xmtrack.flush_time", "xmtrack.crc_valid", "xmtrack.member"])
        self.assertEqual(got["xmtrack.event"], ["$pageview"])
        self.assertNotIn("xmtrack.time", got)
        self.assertNotIn("xmtrack.flush_time", got)
        self.assertEqual(got["xmtrack.crc_valid"], [True])
        self.assertIn("lib.$lib_version=1.14.24", got["xmtrack.member"])

    def test_no_crc_is_no_verdict(self):
        for variant, gzip_code in (("js_batch_send_no_crc", None), ("node_gzip_no_crc", "1")):
            with self.subTest(variant=variant):
                got = self.got(self.frame_of(variant), ["xmtrack.crc", "xmtrack.crc_valid", "xmtrack.gzip_code"])
                self.assertNotIn("xmtrack.crc", got)
                self.assertNotIn("xmtrack.crc_valid", got)
                self.assertEqual(got.get("xmtrack.gzip_code"), None if gzip_code is None else [gzip_code])

    def test_node_track_id_beyond_32_bits(self):
        got = self.got(self.frame_of("node_gzip_no_crc"), ["xmtrack.member", "xmtrack.time"])
        self.assertIn("_track_id=%d" % F.NODE_TRACK_ID, got["xmtrack.member"])
        self.assertEqual(len(got["xmtrack.time"]), 1)

    def test_android_scaled_location(self):
        req = self.requests[[r.expect["variant"] for r in self.requests].index("android_gps")]
        got = self.got(self.frame_of("android_gps"), ["xmtrack.pii", "_ws.expert.message"])
        self.assertEqual(got["xmtrack.pii"], ["location"])
        found = [m for m in got["_ws.expert.message"] if m.startswith("Personal data (location)")]
        self.assertEqual(len(found), 1)
        self.assertIn(req.expect["location"], found[0])
        self.assertIn("%.6f,%.6f" % (F.LATITUDE, F.LONGITUDE), found[0])

    def test_onetrack_uid_by_uid_type(self):
        """Per event (a filter would match the frame): the session uid is no personal datum."""
        tree = self.tshark.verbose(CAPTURE, ["-Y", "frame.number == %d" % self.frame_of("onetrack_uid_type"),
                                             "-O", "xmtrack"])
        events = re.split(r"(?m)^    Event \d+: ", tree)[1:]
        self.assertEqual(len(events), len(F.OT_UID_RECORDS))
        for text, record, kinds in zip(events, F.OT_UID_RECORDS, F.OT_UID_PII):
            with self.subTest(uid_type=record["H"]["uid_type"]):
                shown = [line.split("Personal data: ")[1] for line in text.splitlines()
                         if line.strip().startswith("Personal data: ")]
                self.assertEqual(shown, kinds)
                if kinds:
                    self.assertIn("Personal data (%s): H.uid = %s" % (kinds[0], record["H"]["uid"]), text)

if __name__ == "__main__":
    unittest.main()
