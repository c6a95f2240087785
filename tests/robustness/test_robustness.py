"""The robustness runs' own logic, on inputs made to fail: the two-pass comparer, the leak
judge, the GLib-critical detector, the batching and the capture list (no tshark needed).

    python3 -m unittest -v test_robustness      (ctest: robustness.selftest)
"""
import copy
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import robustness as R  # noqa: E402
import captures  # noqa: E402  (tests/integration, on the path through robustness)
from tshark_env import GLIB_PROBLEM  # noqa: E402

TESTDATA = os.path.join(REPO, "testdata")


def packet(layers_xmtrack, number):
    layers = {"frame": {"frame.number": str(number)}}
    if layers_xmtrack is not None:
        layers["xmtrack"] = layers_xmtrack
    return {"_source": {"layers": layers}}


EVENT = {"xmtrack.sdk": "sensors", "xmtrack.event_count": "2",
         "Event 1: search": {"xmtrack.event": "search", "xmtrack.search_term": ["a", "b"]}}


class TwoPassComparer(unittest.TestCase):
    def values(self, *frames):
        return R.xmtrack_values([packet(x, n) for n, x in frames])

    def test_same_values_pass(self):
        one = self.values((4, EVENT), (7, EVENT))
        self.assertEqual(R.compare_passes(one, copy.deepcopy(one)), [])

    def test_a_changed_value_fails_and_is_named(self):
        two = copy.deepcopy(EVENT)
        two["Event 1: search"]["xmtrack.search_term"][1] = "c"
        diffs = R.compare_passes(self.values((4, EVENT)), self.values((4, two)))
        self.assertEqual(len(diffs), 1)
        self.assertIn("frame 4", diffs[0])
        self.assertIn("xmtrack.search_term", diffs[0])
        self.assertIn("'b' in one pass, 'c' in two", diffs[0])

    def test_a_field_missing_in_one_pass_fails(self):
        two = dict(EVENT)
        del two["xmtrack.event_count"]
        diffs = R.compare_passes(self.values((4, EVENT)), self.values((4, two)))
        self.assertEqual(diffs, ["frame 4: xmtrack/xmtrack.event_count only in one pass: '2'"])

    def test_a_frame_decoded_in_one_pass_only_fails(self):
        diffs = R.compare_passes(self.values((4, EVENT), (9, EVENT)), self.values((4, EVENT)))
        self.assertEqual(diffs, ["frame 9: decoded in one pass only"])

    def test_repeated_values_count(self):
        two = copy.deepcopy(EVENT)
        two["Event 1: search"]["xmtrack.search_term"].append("b")
        self.assertTrue(R.compare_passes(self.values((4, EVENT)), self.values((4, two))))

    SEALED = {"Record 1: encrypted record": {
        "_ws.expert": {"_ws.expert.message": "Enciphered payload, not opened: AES-CBC under the key the site's page "
                                             "hands the SDK (key_id 3): no key for it in the key table, nor found in "
                                             "the capture so far (a page found later opens it with tshark -2 and in "
                                             "the GUI)"}}}

    def opened(self, frame):
        opened = copy.deepcopy(EVENT)
        opened["xmtrack.key_source"] = "found in frame %d" % frame
        return opened

    def test_an_upload_opened_by_a_later_page_is_the_one_allowed_difference(self):
        later = []
        diffs = R.compare_passes(self.values((4, self.SEALED)), self.values((4, self.opened(50))), expected=later)
        self.assertEqual((diffs, later), ([], [4]))

    def test_a_key_found_earlier_must_open_the_upload_in_one_pass_too(self):
        diffs = R.compare_passes(self.values((4, self.SEALED)), self.values((4, self.opened(2))))
        self.assertTrue(diffs)

    def test_an_upload_sealed_for_another_reason_is_a_difference(self):
        other = copy.deepcopy(self.SEALED)
        other["Record 1: encrypted record"]["_ws.expert"]["_ws.expert.message"] = "Enciphered payload, not opened: bad"
        self.assertTrue(R.compare_passes(self.values((4, other)), self.values((4, self.opened(50)))))


class CarriesXmtrack(unittest.TestCase):
    def test_a_page_with_a_key_found_is_not_an_upload(self):
        page = b"Frame 50: 900 bytes\n    Vendor Telemetry: Sensors AES key found, key_id 24 (AES-128)\n        Key ID found: 24\n"
        self.assertFalse(R.carries_xmtrack(page))

    def test_an_upload_carries_xmtrack(self):
        upload = b"Frame 14: 900 bytes\nVendor Telemetry: Sensors, 1 event\n    Event 1: search\n"
        self.assertTrue(R.carries_xmtrack(upload))


LEAK = """==7240== 2,656 (96 direct, 2,560 indirect) bytes in 1 blocks are definitely lost in loss record 310 of 316
==7240==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==7240==    by 0xC581658: g_malloc (in /usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6)
==7240==    by 0x11DAA076: key_table (%s:274)
==7240==    by 0x6B6B927: ??? (in /usr/lib/x86_64-linux-gnu/libwireshark.so.16.0.17)
==7240== 
"""
EPAN_LEAK = """==7240== 8 bytes in 1 blocks are indirectly lost in loss record 19 of 309
==7240==    at 0x48417B4: malloc (in /usr/libexec/valgrind/vgpreload_memcheck-amd64-linux.so)
==7240==    by 0xC5CF7E2: g_bytes_new (in /usr/lib/x86_64-linux-gnu/libglib-2.0.so.0.7400.6)
==7240==    by 0x6B6CA59: ??? (in /usr/lib/x86_64-linux-gnu/libwireshark.so.16.0.17)
==7240== 
"""


class LeakJudge(unittest.TestCase):
    def test_a_leak_with_a_frame_of_the_plugin_fails(self):
        mine, others = R.plugin_leaks(LEAK % "xmt_pii.c" + EPAN_LEAK, R.plugin_sources())
        self.assertEqual((len(mine), others), (1, 1))
        self.assertIn("key_table", mine[0])
        problems = R.judge(None, b"", LEAK % "xmt_pii.c", True, "valgrind", R.plugin_sources())
        self.assertIn("1 leak record(s) with a frame of the plugin", problems)

    def test_a_frame_in_the_plugin_object_counts_without_debug_information(self):
        text = LEAK.replace("key_table (%s:274)", "??? (in /tmp/h/.local/lib/wireshark/plugins/4.0/epan/xmtrack.so)")
        self.assertEqual(len(R.plugin_leaks(text, R.plugin_sources())[0]), 1)

    def test_libwiresharks_own_leak_is_counted_not_failed(self):
        mine, others = R.plugin_leaks(EPAN_LEAK + LEAK % "packet.c", R.plugin_sources())
        self.assertEqual((mine, others), ([], 2))

    def test_the_suppressions_name_no_frame_of_the_plugin_but_glibs_gprivate(self):
        with open(R.SUPPRESSIONS) as f:
            frames_in = [l.strip() for l in f if l.startswith("   ") and ":" in l
                         and not l.strip().startswith(("Memcheck:", "match-leak-kinds:"))]
        self.assertTrue(frames_in)
        for frame in frames_in:
            self.assertRegex(frame, r"^(fun|obj):")
            self.assertNotRegex(frame, r"xmt|xmtrack", "a suppression must not name the plugin")


class GlibProblems(unittest.TestCase):
    def test_criticals_fail(self):
        for line in (" ** (tshark:5479) 03:38:19.426373 [(none) CRITICAL] -- planted critical: body",
                     "(tshark:12): GLib-CRITICAL **: 12:00:00.000: g_hash_table_lookup: assertion failed",
                     " ** (tshark:1) 03:38:19.4 [Epan CRITICAL] -- ./epan/proto.c:12 -- something"):
            self.assertTrue(GLIB_PROBLEM.search("before\n" + line + "\nafter"), line)

    def test_warnings_of_the_plugin_fail_others_do_not(self):
        self.assertTrue(GLIB_PROBLEM.search(" ** (tshark:1) 03:38:19.4 [Main WARNING] -- xmtrack: no stream"))
        self.assertTrue(GLIB_PROBLEM.search("(tshark:1): WARNING **: xmt_tree.c:12: odd"))
        self.assertFalse(GLIB_PROBLEM.search(" ** (tshark:1) 03:38:19.4 [Main WARNING] -- ./epan/x.c: other"))
        self.assertFalse(GLIB_PROBLEM.search('Running as user "root" and group "root". This could be dangerous.'))


def staged(label, openings=(), args=(), size=1):
    s = R.Staged.__new__(R.Staged)
    s.label, s.args, s.openings, s.size, s.keylog = label, list(args), set(openings), size, ""
    s.ports = {p for a, b, _ in s.openings for p in (a, b)}
    return s


class Batching(unittest.TestCase):
    def test_one_connection_in_two_captures_is_never_in_one_batch(self):
        a, b, c = staged("a", [(1000, 80, 7)]), staged("b", [(1000, 80, 7)]), staged("c", [(2000, 80, 9)])
        for batch in R.batches([a, b, c], 1):
            self.assertFalse({"a", "b"} <= {s.label for s in batch})

    def test_decode_as_on_a_port_another_capture_uses_keeps_them_apart(self):
        h2c = staged("h2c", [(5000, 18461, 1)], ["-d", "tcp.port==18461,http2"])
        http1 = staged("http1", [(6000, 18461, 2)])
        other = staged("other", [(7000, 8080, 3)])
        self.assertFalse(R.compatible(h2c, http1))
        self.assertTrue(R.compatible(h2c, other))
        self.assertTrue(R.compatible(h2c, staged("h2c too", [(5001, 18461, 4)], ["-d", "tcp.port==18461,http2"])))
        self.assertFalse(R.compatible(staged("x", args=["-o", "http.x:1"]), staged("y", args=["-o", "http.x:2"])))
        self.assertFalse(R.compatible(staged("x", args=["--unknown"]), other))

    def test_every_capture_lands_in_exactly_one_batch(self):
        items = [staged("c%d" % i, [(1000 + i % 3, 80, i % 3)], size=i) for i in range(10)]
        placed = [s.label for b in R.batches(items, 2) for s in b]
        self.assertEqual(sorted(placed), sorted(s.label for s in items))


class Openings(unittest.TestCase):
    SYN = struct.pack("!HHIIBBHHH", 40000, 443, 12345, 0, 0x50, 0x02, 65535, 0, 0)

    def ipv4(self):
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, 0, 0, 64, 6, 0, bytes(4), bytes(4)) + self.SYN

    def test_a_syn_is_found_whatever_the_link_type(self):
        for link, pkt in ((1, bytes(12) + b"\x08\x00" + self.ipv4()), (101, self.ipv4()), (228, self.ipv4()),
                          (113, bytes(14) + b"\x08\x00" + self.ipv4()), (276, b"\x08\x00" + bytes(18) + self.ipv4())):
            with self.subTest(link=link):
                path = os.path.join(tempfile.mkdtemp(), "c.pcap")
                self.addCleanup(shutil.rmtree, os.path.dirname(path))
                with open(path, "wb") as f:
                    f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link))
                    f.write(struct.pack("<IIII", 0, 0, len(pkt), len(pkt)) + pkt)
                self.assertEqual(R.tcp_openings(path), {(40000, 443, 12345)})


class Captures(unittest.TestCase):
    def test_every_shipped_capture_is_found_with_its_arguments(self):
        found = {c.name: c for c in captures.shipped(TESTDATA)}
        self.assertIn("sensors_android.pcap", found)
        self.assertIn("ordinary/ordinary_browsing.pcapng", found)
        h2c = [n for n in found if n.startswith("realsdk/") and n.endswith("_h2c.pcapng")]
        self.assertTrue(h2c)
        for n in h2c:
            self.assertEqual(found[n].args[0], "-d", n)
        self.assertEqual(found["sensors_tls.pcap"].keylog_name(), "sensors_tls.keys")
        self.assertEqual(found["sensors_tls.pcap"].tshark_args("/copy")[-1], "tls.keylog_file:/copy/sensors_tls.keys")

    def test_a_capture_in_a_new_folder_is_picked_up(self):
        root = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, root)
        os.makedirs(os.path.join(root, "vendors", "acme"))
        shutil.copy(os.path.join(TESTDATA, "sensors_android.pcap"), os.path.join(root, "vendors", "acme", "a.pcap"))
        with open(os.path.join(root, "vendors", "acme", "a.pcap.expect.json"), "w") as f:
            json.dump({"tshark_args": ["-d", "tcp.port==9999,http2"]}, f)
        self.assertEqual([(c.name, c.args) for c in captures.shipped(root)],
                         [("vendors/acme/a.pcap", ["-d", "tcp.port==9999,http2"])])

    def test_embedded_keys_come_out_as_a_key_log(self):
        work = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, work)
        bare = os.path.join(work, "bare.pcapng")
        keys = R.split_secrets(os.path.join(TESTDATA, "sensors_tls_dsb.pcapng"), bare)
        self.assertEqual(keys.split(), open(os.path.join(TESTDATA, "sensors_tls.keys")).read().split())
        data = open(bare, "rb").read()
        pos, types = 0, []
        while pos < len(data):
            btype, blen = struct.unpack_from("<II", data, pos)
            types.append(btype)
            pos += blen
        self.assertNotIn(0x0A, types)
        self.assertIn(6, types)
        self.assertEqual(R.split_secrets(os.path.join(TESTDATA, "sensors_android.pcap"), bare), "")


class FuzzLedger(unittest.TestCase):
    """run.py campaign appends to the committed ledger, not to a build folder."""

    def setUp(self):
        sys.path.insert(0, os.path.join(REPO, "tests", "fuzz"))
        import run
        self.run = run

    def test_the_ledger_is_committed(self):
        rel = os.path.relpath(self.run.LEDGER, REPO)
        tracked = subprocess.run(["git", "-C", REPO, "ls-files", "--error-unmatch", rel], capture_output=True)
        self.assertEqual(tracked.returncode, 0, "%s is not tracked by git" % rel)

    def test_a_campaign_row_fits_the_ledgers_last_table(self):
        row = self.run.campaign_row("search", 0, 120, 60, {"inputs": "1000", "cov": "9", "ft": "10", "rss_mb": "5"},
                                    [], date="2026-12-07", commit="abc1234")
        self.assertEqual(row, "| 2026-12-07 | `abc1234` | `fuzz_search` | 2.0 | 1.0 | 1,000 | cov 9, ft 10 | 5 MB | none |")
        with open(self.run.LEDGER) as f:
            headers = [l for l in f if l.startswith("| date |")]
        self.assertTrue(headers)
        self.assertEqual(headers[-1].count("|"), row.count("|"))


if __name__ == "__main__":
    unittest.main()
