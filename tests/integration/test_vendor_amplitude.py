"""Amplitude's real SDKs, decoded: testdata/vendors/amplitude_* (README there).

analytics-browser in Chromium (JSON over HTTP/1.1, gzipped with Content-Encoding over h2 and h2c),
the legacy amplitude-js (its checksummed form, over HTTP/1.1 and h2) and analytics-node, recorded
while they sent what testdata/vendors/amplitude.js told them to. Expectations come from each
capture's .expect.json (what the collector received and decoded itself, the checksum it recomputed
included), never from the plugin: per event its name, time, ids, pages and searches, device and the
personal-data kinds; in one pass and in two (-2).
"""
import unittest

from tshark_env import TsharkEnv
from vendor_captures import DecodedCaptures, PII_KINDS, expectations, http_strings, search_of

# Explicit search properties the SDKs were told to send (testdata/vendors/persona.js: site search).
SEARCH_PROPERTIES = ("search_term",)


def expected_event(e):
    """What one received event (.expect.json received.events[]) must decode to."""
    decoded = e["decoded"]
    props = decoded.get("event_properties") or {}
    urls = set(e["urls"].values()) | set(e["user_property_urls"].values())
    # every page the event carries, nested user properties included ($set, $setOnce)
    urls |= set(http_strings(props)) | set(http_strings(decoded.get("user_properties") or {}))
    searches = {s for s in map(search_of, urls) if s} | {props[k] for k in SEARCH_PROPERTIES if props.get(k)}
    kinds = {PII_KINDS[k] for k in e["pii"]}
    kinds |= {"url"} if urls else set()
    kinds |= {"search"} if searches else set()
    device = e["device"]
    return {
        "name": e["event_type"],
        "time": decoded.get("time", decoded.get("timestamp")),
        "distinct_id": e.get("user_id") or e["device_id"],
        "anonymous_id": e["device_id"],
        "urls": urls,
        "searches": searches,
        "kinds": kinds,
        "model": device.get("device_model"),
        "os_version": device.get("os_version"),
    }


def one(values):
    assert len(values) <= 1, values
    return values[0] if values else None


class AmplitudeCaptures(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.decoded = DecodedCaptures(cls.tshark)
        cls.captures = expectations("amplitude")
        assert len(cls.captures) >= 6, "the Amplitude captures of testdata/vendors are missing"

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
                    self.assertEqual(row["xmtrack.time"], [want["time"]])
                    self.assertEqual(row["xmtrack.distinct_id"], [want["distinct_id"]])
                    self.assertEqual(row["xmtrack.anonymous_id"], [want["anonymous_id"]])
                    self.assertEqual(set(row["xmtrack.url"]), want["urls"])
                    self.assertEqual(set(row["xmtrack.search_term"]), want["searches"])
                    shown = set(row["xmtrack.pii"])
                    self.assertLessEqual(want["kinds"], shown)
                    for kind in ("url", "search", "location", "ip", "gaid"):  # never where not sent
                        self.assertEqual(kind in shown, kind in want["kinds"], kind)
                    self.assertEqual(one(row["xmtrack.model"]), want["model"])
                    self.assertEqual(one(row["xmtrack.os_version"]), want["os_version"])
                    self.assertEqual(row["xmtrack.app"], [])  # no key of these SDKs names the app

    def test_events_one_pass(self):
        self.check_events(two_pass=False)

    def test_events_two_passes(self):
        self.check_events(two_pass=True)

    def test_one_message_per_upload_and_no_preflight(self):
        for capture, expect in self.captures:
            uploads = [r for r in expect["received"]["requests"] if r["analytics"]]
            with self.subTest(capture=capture):
                self.assertEqual(self.decoded.message_fields(capture, expect["tshark_args"], "xmtrack.sdk"),
                                 [["amplitude"]] * len(uploads))
                self.assertEqual(self.decoded.message_fields(capture, expect["tshark_args"], "xmtrack.event_count"),
                                 [[str(r["event_count"])] for r in uploads])

    def test_legacy_checksum_verdict(self):
        """amplitude-js's checksum: xmtrack.sign_valid says what the collector's own recomputation said;
        the JSON API carries none, so no verdict."""
        for capture, expect in self.captures:
            uploads = [r for r in expect["received"]["requests"] if r["analytics"]]
            want = [[r["amplitude_legacy"]["checksum_valid"]] if "amplitude_legacy" in r else [] for r in uploads]
            for two_pass in (False, True):
                with self.subTest(capture=capture, two_pass=two_pass):
                    self.assertEqual(self.decoded.message_fields(capture, expect["tshark_args"], "xmtrack.sign_valid",
                                                                 two_pass), want)

    def test_remote_ip_placeholder_is_no_address(self):
        """analytics-browser sends ip "$remote" on every event: no ip finding unless an address was sent."""
        for capture, expect in self.captures:
            remote = [i for i, e in enumerate(expect["received"]["events"])
                      if e["decoded"].get("ip") == "$remote" and "ip" not in e["pii"]]
            if not remote:
                continue
            rows = self.decoded.events(capture, expect["tshark_args"])
            with self.subTest(capture=capture):
                for i in remote:
                    self.assertNotIn("ip", rows[i]["xmtrack.pii"])


if __name__ == "__main__":
    unittest.main()
