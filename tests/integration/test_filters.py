"""A display filter alone finds what the full decode shows.

With only `-Y` (no -V, no -T fields) tshark builds an invisible tree, and
xmtrack then extracts only the facts the filter references (and those they
derive from, like search terms from page URLs), passing over the rest of each
event.  That shortcut must never change an answer: for every event field, the
frames a filter on the field matches are exactly the frames where the full
decode (`-T fields`, which builds the whole tree) shows it.
"""
import unittest

from tshark_env import TsharkEnv

EVENT_FIELDS = [
    "xmtrack.event", "xmtrack.event_type", "xmtrack.time", "xmtrack.distinct_id", "xmtrack.model",
    "xmtrack.os_version", "xmtrack.app", "xmtrack.url", "xmtrack.search_term", "xmtrack.flush_time",
    "xmtrack.session_id", "xmtrack.enc.payload",
]

# One capture per format, and the privacy capture (URLs carrying searches).
CAPTURES = ["sensors_android.pcap", "sensors_js_get.pcap", "sensors_signup.pcap", "sensors_encrypted9.pcap",
            "miui_analytics.pcap", "mistat_v2.pcap", "onetrack.pcap", "privacy.pcap"]

# Only the frame number in the summary line: what `-Y` alone prints.
FRAME_COLUMN = ["-o", 'gui.column.format:"No.","%m"']


class FilterAloneAgreesWithFullDecode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()

    def shown(self, capture):
        """field -> {frame: sorted values} from the full decode."""
        rows = self.tshark.fields(capture, ["frame.number"] + EVENT_FIELDS)
        shown = {f: {} for f in EVENT_FIELDS}
        for row in rows:
            frame = int(row["frame.number"][0])
            for f in EVENT_FIELDS:
                if row.get(f):
                    shown[f][frame] = sorted(row[f])
        return shown

    def matched(self, capture, display_filter):
        out = self.tshark.run("-r", self.tshark.capture(capture), "-Y", display_filter, *FRAME_COLUMN).stdout
        return {int(line) for line in out.split()}

    def test_each_field_alone(self):
        seen_fields = set()
        for capture in CAPTURES:
            shown = self.shown(capture)
            for field in EVENT_FIELDS:
                with self.subTest(capture=capture, field=field):
                    self.assertEqual(self.matched(capture, field), set(shown[field]))
                    if shown[field]:
                        seen_fields.add(field)
        # The comparison means something only where fields were present.
        self.assertEqual(seen_fields, set(EVENT_FIELDS))

    def test_value_alone(self):
        """A value filter on one field: search terms read off URLs included."""
        shown = self.shown("privacy.pcap")
        for field in ("xmtrack.search_term", "xmtrack.url", "xmtrack.distinct_id"):
            self.assertTrue(shown[field], field)
            for frame, values in shown[field].items():
                with self.subTest(field=field, frame=frame):
                    value = values[0].replace("\\", "\\\\").replace('"', '\\"')
                    self.assertIn(frame, self.matched("privacy.pcap", f'{field} == "{value}"'))


if __name__ == "__main__":
    unittest.main()
