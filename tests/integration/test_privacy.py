"""The privacy layer on testdata/privacy.pcap (see testdata/privacy_payloads.py):
personal data of each kind found and named, near misses left alone, the
user's watch list found in clear, hashed and encoded forms, and the reports
(statistics, per-event export, Export Objects)."""
import csv
import io
import json
import os
import unittest

from tshark_env import TsharkEnv, stats_tree_counts
import payloads
import privacy_payloads as PP

CAPTURE = "privacy.pcap"


class Privacy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.frames = cls.tshark.fields(CAPTURE, ["xmtrack.pii", "xmtrack.watch", "_ws.expert.message"],
                                       extra=PP.watch_uat_options())
        cls.every_kind, cls.near_misses, cls.hashed = cls.frames

    def test_every_kind_found_once(self):
        self.assertEqual(sorted(self.every_kind["xmtrack.pii"]), sorted(PP.ALL_KINDS))

    def test_expert_names_key_path_and_value(self):
        messages = self.every_kind["_ws.expert.message"]
        self.assertIn(f"Personal data (imei): properties.imei = {PP.IMEI}", messages)
        self.assertIn(f"Personal data (mac): properties.mac = {PP.MAC}", messages)
        self.assertIn(f"Personal data (location): latitude/longitude = {PP.LATITUDE},{PP.LONGITUDE}", messages)
        self.assertIn(f"Personal data (search): xmtrack.search_term = {PP.SEARCH}", messages)
        self.assertEqual(sum(m.startswith("Personal data (") for m in messages), len(PP.ALL_KINDS))

    def test_near_misses_not_flagged(self):
        self.assertNotIn("xmtrack.pii", self.near_misses)
        self.assertEqual(self.tshark.count(CAPTURE, "xmtrack.pii_leak"), 1)

    def test_watch_list_forms(self):
        found = dict(zip(self.hashed.get("xmtrack.watch", []), range(100)))
        for label, (_, form) in PP.WATCH.items():
            with self.subTest(label=label, form=form):
                if form is None:
                    self.assertNotIn(label, found)
                    continue
                self.assertIn(label, found)
                self.assertTrue(any(m.startswith(f'Watch-list entry "{label}" found ({form}) at properties.h')
                                    for m in self.hashed["_ws.expert.message"]))

    def test_watch_list_only_where_sent(self):
        self.assertNotIn("xmtrack.watch", self.every_kind)
        self.assertNotIn("xmtrack.watch", self.near_misses)
        self.assertEqual(self.tshark.count(CAPTURE, "xmtrack.watch"), 0)  # no list, no hits

    def test_expert_information_without_tree(self):
        # Analyze > Expert Information and `-z expert` dissect without a visible tree.
        out = self.tshark.run("-r", self.tshark.capture(CAPTURE), "-q", "-z", "expert").stdout
        self.assertRegex(out, r"Security\s+XMTRACK\s+Personal data \(imei\): properties.imei = " + PP.IMEI)

    def test_statistics_tree(self):
        out = self.tshark.run("-r", self.tshark.capture(CAPTURE), "-q", "-z", "xmtrack,tree",
                              *PP.watch_uat_options()).stdout
        rows = dict(stats_tree_counts(out))
        self.assertEqual(rows.get("sensors"), 3)
        self.assertEqual(rows.get("device_report"), 1)
        for kind in PP.ALL_KINDS:
            self.assertEqual(rows.get(kind), 1, kind)
        self.assertEqual(rows.get("Events with watch-list hits"), 1)

    def test_csv_one_row_per_event(self):
        out = self.tshark.run("-r", self.tshark.capture("sensors_android.pcap"), "-q", "-z", "xmtrack,csv").stdout
        rows = list(csv.DictReader(io.StringIO(out)))
        self.assertEqual([r["event"] for r in rows],
                         ["page_load_event_start", "search", "page_load_event_finish", "profile_set", "$AppStart"])
        first = rows[0]
        self.assertEqual(first["event_time"], "2020-05-01T00:00:00.123Z")
        self.assertEqual(first["host"], "sa.api.intl.miui.com")
        self.assertEqual(first["server"], "127.0.0.1:8080")
        self.assertEqual(first["search_term"], "how to hide from xiaomi")
        self.assertEqual(first["pii"], "android_id|url|search")
        self.assertEqual(json.loads(first["event_json"])["properties"]["$model"], "Redmi Note 8")

    def test_jsonl_one_object_per_event(self):
        out = self.tshark.run("-r", self.tshark.capture("sensors_segmented.pcap"), "-q", "-z", "xmtrack,jsonl").stdout
        rows = [json.loads(line) for line in out.splitlines()]
        self.assertEqual(len(rows), 50)
        self.assertEqual(rows[1]["event"], "search")
        self.assertEqual(rows[1]["event_json"]["event"], "search")
        self.assertEqual(rows[1]["sdk"], "sensors")

    def test_exports_of_a_pretty_printed_payload(self):
        """A payload whose JSON is indented across lines, with quotes, backslashes, newlines,
        commas, '|' and non-ASCII inside its strings: one CSV row (read by Python's csv module)
        and one JSONL line (each read by json.loads) per event, and event_json equal to the
        event as sent (issue 20, item 3: it was pasted as sent, 44 lines for 3 events)."""
        told = payloads.CAPTURES["exports_pretty.pcap"][0].expect["told"]
        capture = self.tshark.capture("exports_pretty.pcap")
        lines = self.tshark.run("-r", capture, "-q", "-z", "xmtrack,jsonl").stdout.splitlines()
        self.assertEqual(len(lines), len(told))
        rows = [json.loads(line) for line in lines]
        self.assertEqual([r["event_json"] for r in rows], told)
        self.assertEqual([r["url"] for r in rows], [e["properties"]["$url"] for e in told])
        out = self.tshark.run("-r", capture, "-q", "-z", "xmtrack,csv").stdout
        rows = list(csv.DictReader(io.StringIO(out, newline="")))
        self.assertEqual([json.loads(r["event_json"]) for r in rows], told)
        self.assertEqual([r["event"] for r in rows], [e["event"] for e in told])
        self.assertEqual(len(out.splitlines()), 1 + len(told), "a row is a line when no value holds a newline")

    def test_export_objects(self):
        out_dir = os.path.join(self.tshark.home, "exported")
        os.makedirs(out_dir)
        os.chmod(out_dir, 0o777)
        self.tshark.run("-r", self.tshark.capture(CAPTURE), "-q", "--export-objects", f"xmtrack,{out_dir}")
        names = sorted(os.listdir(out_dir), key=lambda n: int(n.split("-")[1]))  # by frame
        self.assertEqual(len(names), 3)
        with open(os.path.join(out_dir, names[0]), encoding="utf-8") as f:
            self.assertEqual(json.load(f)[0]["event"], "device_report")


if __name__ == "__main__":
    unittest.main()
