"""Hard limits on hostile input (testdata/limits.pcap, see testdata/limits_payloads.py):
each payload gets defined behaviour, the decoded part is shown, what is cut is an
xmtrack.decode_error naming the layer and the limit, and peak memory stays
bounded by the inflation preference."""
import os
import subprocess
import unittest

from tshark_env import TsharkEnv
import limits_payloads as LP

CAPTURE = "limits.pcap"
MIB = 1024 * 1024


class Limits(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        rows = cls.tshark.fields(CAPTURE, ["xmtrack.event_count", "_ws.expert.message"])
        cls.rows = dict(zip([label for label, _, _ in LP.CASES], rows))

    def test_every_case_recognised(self):
        self.assertEqual(len(self.rows), len(LP.CASES))

    def test_each_case_says_what_was_cut(self):
        for label, _, expected in LP.CASES:
            with self.subTest(case=label):
                messages = self.rows[label].get("_ws.expert.message", [])
                errors = [m for m in messages if m.startswith(("limit:", "JSON:", "payload:", "gzip:"))]
                if expected is None:
                    self.assertEqual(errors, [])
                else:
                    self.assertTrue(any(m.startswith(expected) for m in errors), errors)

    def test_decoded_part_is_kept(self):
        self.assertEqual(self.rows["million_events"]["xmtrack.event_count"], ["10000"])
        self.assertEqual(self.rows["long_string"]["xmtrack.event_count"], ["1"])
        self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.event == "odd\\\\u0000name"'), 1)
        self.assertEqual(self.tshark.count(CAPTURE, 'xmtrack.member contains "properties.x="'), 1)

    def test_json_read_no_further_than_the_events_shown(self):
        """A million events, 10,000 shown: the JSON is read up to the 10,001st event (which says
        there were more), not to its end: the root array, and 10,001 objects of one member each
        (issue 20: it was read to 2,000,000 values)."""
        rows = self.tshark.fields(CAPTURE, ["_ws.expert.message"], extra=["-o", "xmtrack.show_json_tree:TRUE"])
        million = dict(zip([label for label, _, _ in LP.CASES], rows))["million_events"]
        self.assertIn("limit: the JSON tree of the payload is not shown: it was read only in part "
                      f"({1 + 2 * (10000 + 1)} values), so its size is not known", million["_ws.expert.message"])

    def peak_rss(self, *args, plugin=True):
        """Peak resident memory (bytes) of one tshark -V run over the capture."""
        env = dict(self.tshark.env)
        if not plugin:
            env["HOME"] = self.tshark.no_global_plugins  # an empty HOME: no personal plugins
        with open(os.devnull, "wb") as null:
            proc = subprocess.Popen(["tshark", "-r", self.tshark.capture(CAPTURE), "-V", *args],
                                    stdout=null, stderr=null, env=env, cwd=self.tshark.captures,
                                    preexec_fn=self.tshark._preexec)
            _, status, usage = os.wait4(proc.pid, 0)  # wait4: the rusage of this child alone
            proc.returncode = os.waitstatus_to_exitcode(status)
        self.assertEqual(proc.returncode, 0)
        return usage.ru_maxrss * 1024

    def test_peak_memory_bounded_by_the_inflation_limit(self):
        plain = self.peak_rss(plugin=False)
        for cap_mib in (4, 16):
            with self.subTest(max_inflate_mib=cap_mib):
                extra = self.peak_rss("-o", f"xmtrack.max_inflate_mib:{cap_mib}") - plain
                # the inflated bytes, the JSON nodes over them and the tree: a few times the cap
                self.assertLess(extra, (8 * cap_mib + 16) * MIB, f"{extra / MIB:.0f} MiB over plain tshark")


if __name__ == "__main__":
    unittest.main()
