"""The crash classes of issue 11 (tests/robustness/make_regressions.py, CRASH_CLASSES):
an empty span in every format, an opaque record with an empty ciphertext, and
unbounded error and member items.  Each once aborted tshark (a NULL tvb) or
passed Wireshark's tree item limit; now each request gives an
xmtrack.decode_error naming the layer and the reason, and keeps what it could
decode.  The expectations are in CRASH_CLASSES, written from what each request
holds, next to the request itself."""
import os
import shutil
import subprocess
import sys
import unittest

from tshark_env import REPO, TsharkEnv, typed_value

ROBUSTNESS = os.path.join(REPO, "tests", "robustness")
sys.path.insert(0, ROBUSTNESS)
import make_regressions as MR  # noqa: E402

AGGREGATOR = "\x1f"  # between occurrences of a field: expert messages hold commas
# The per-message tree budget binds only where the tree is built with every member: -V. With
# -T fields, tshark 4.4 and later build only the fields asked for, so no member is made there.
TREE_BUDGET = "limit: xmtrack shows at most"


class CrashClasses(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        # Under a tree tshark (uid 65534) can read; too many items aborts, as a dissector bug does.
        cls.dir = os.path.join(cls.tshark.home, "regressions")
        os.makedirs(cls.dir, exist_ok=True)
        os.chmod(cls.dir, 0o755)
        for name in list(MR.CRASH_CLASSES) + ["pipelined-budget", "shared-header-after-records"]:
            path = os.path.join(cls.dir, name + ".pcap")
            shutil.copy(os.path.join(ROBUSTNESS, "regressions", name + ".pcap"), path)
            os.chmod(path, 0o644)
        cls.env = dict(cls.tshark.env, WIRESHARK_ABORT_ON_TOO_MANY_ITEMS="1")

    def tshark_run(self, name, *args):
        proc = subprocess.run(["tshark", "-r", os.path.join(self.dir, name + ".pcap"), *args],
                              capture_output=True, text=True, env=self.env, cwd=self.dir,
                              preexec_fn=self.tshark._preexec, timeout=300)
        self.assertEqual(proc.returncode, 0, f"tshark {' '.join(args)} on {name}:\n{proc.stderr[-2000:]}")
        return proc

    def rows(self, name, fields):
        """One dict per xmtrack frame: field -> list of values."""
        args = ["-Y", "xmtrack", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGGREGATOR]
        for f in fields:
            args += ["-e", f]
        out = self.tshark_run(name, *args).stdout
        return [{f: v.split(AGGREGATOR) if v else [] for f, v in zip(fields, line.split("\t"))}
                for line in out.splitlines()]

    def same_value(self, field, expected, shown):
        """Values compared as values (booleans print 1/0 on 4.0, True/False later)."""
        ftype = self.tshark.field_types().get(field)
        self.assertIn(typed_value(ftype, expected), [typed_value(ftype, v) for v in shown], field)

    def test_verbose_two_pass(self):
        for name, cases in MR.CRASH_CLASSES.items():
            with self.subTest(capture=name):
                out = self.tshark_run(name, "-V", "-2").stdout
                self.assertNotIn("Dissector bug", out)
                self.assertNotIn("Malformed Packet", out)
                self.assertEqual(out.count("\nVendor Telemetry, "), len(cases), "an xmtrack tree per request")

    def test_each_request_names_layer_and_reason_and_keeps_the_rest(self):
        for name, cases in MR.CRASH_CLASSES.items():
            fields = sorted({f for case in cases for f in case.shown}) + ["_ws.expert.message"]
            rows = self.rows(name, fields)
            self.assertEqual(len(rows), len(cases), f"{name}: every request recognised")
            verbose = None
            for case, row in zip(cases, rows):
                with self.subTest(case=case.label):
                    if case.error.startswith(TREE_BUDGET):
                        verbose = verbose or self.tshark_run(name, "-V").stdout
                        self.assertIn(case.error, verbose)
                    else:
                        errors = row["_ws.expert.message"]
                        self.assertTrue(any(m.startswith(case.error) for m in errors), errors[:8])
                    for field, value in case.shown.items():
                        self.same_value(field, value, row[field])

    def test_json_tree_preference_within_the_budget(self):
        """With xmtrack.show_json_tree on, the built-in JSON dissector would add an item per value
        of these documents (300,000 values and more, from 1 KB of gzip): past the message's item
        budget it is not called, and an item says so."""
        out = self.tshark_run("unbounded-errors", "-V", "-o", "xmtrack.show_json_tree:TRUE").stdout
        self.assertNotIn("Dissector bug", out)
        messages = self.tshark_run("unbounded-errors", "-o", "xmtrack.show_json_tree:TRUE", "-Y", "xmtrack",
                                   "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=" + AGGREGATOR,
                                   "-e", "_ws.expert.message").stdout.splitlines()
        self.assertEqual(len(messages), len(MR.CRASH_CLASSES["unbounded-errors"]))
        for row in messages:
            self.assertEqual(sum(m.startswith("limit: the JSON tree of the payload is not shown")
                                 for m in row.split(AGGREGATOR)), 1, row[:300])

    def test_pipelined_uploads_share_one_packet_budget(self):
        """Six uploads in one TCP segment, each some 250,000 leaves: xmtrack's items in the packet
        stay within its share of gui.max_tree_items for all of them together (a third in all, a
        quarter for events), also when that limit is set below 4,000 (the budget was per message
        and at least 1,000 items): no dissector bug, with WIRESHARK_ABORT_ON_TOO_MANY_ITEMS or without."""
        # 600: the least this packet needs without xmtrack (at 300 the built-in form dissector itself
        # passes the limit, xmtrack disabled or not).
        for limit in (None, 2000, 600):
            opts = ["-o", f"gui.max_tree_items:{limit}"] if limit else []
            with self.subTest(max_tree_items=limit):
                # with WIRESHARK_ABORT_ON_TOO_MANY_ITEMS (self.env) and without it
                out = self.tshark_run("pipelined-budget", "-V", *opts).stdout
                plain = subprocess.run(["tshark", "-r", os.path.join(self.dir, "pipelined-budget.pcap"), "-V", *opts],
                                       capture_output=True, text=True, env=self.tshark.env, cwd=self.dir,
                                       preexec_fn=self.tshark._preexec, timeout=300)
                for text in (out, plain.stdout):
                    self.assertNotIn("Dissector bug", text)
                    self.assertNotIn("would put more than", text)
                trees = out.count("\nVendor Telemetry, ")
                if limit == 600:  # a third of it is xmtrack's: the first uploads' trees, then none
                    self.assertGreaterEqual(trees, 1)
                else:
                    self.assertEqual(trees, MR.PIPELINED_UPLOADS, "a tree per upload")
                limits = [line for line in out.splitlines() if TREE_BUDGET in line]
                self.assertTrue(limits, "the budget says what it left out")
                self.assertTrue(all(f"at most {(limit or 1000000) // 4} tree items of events" in line for line in limits))
                members = sum(1 for line in out.splitlines() if line.lstrip().startswith("Member: "))
                self.assertLessEqual(members, (limit or 1000000) // 4)
        rows = self.rows("pipelined-budget", ["xmtrack.event_count", "xmtrack.event"])
        self.assertEqual(len(rows), 1, "one frame")
        self.assertEqual(rows[0]["xmtrack.event_count"], [str(MR.PIPELINED_EVENTS)] * MR.PIPELINED_UPLOADS)
        # The first upload's events fill the events' share (members count too where tshark builds
        # the whole tree for -T fields, as 4.0 does): the later ones keep their own fields.
        self.assertIn("heavy0", rows[0]["xmtrack.event"])

    def test_header_after_its_records_keeps_the_tree_moving_forward(self):
        """A MIUI Analytics batch with its device header after 3,000 records: every record shows
        the header's members, with no dissector bug (Wireshark 4.6 stops a dissection after 50,000
        items of one data source that do not move forward; on 4.0 and 4.4 the same tree)."""
        name = "shared-header-after-records"
        out = self.tshark_run(name, "-V").stdout
        self.assertNotIn("Dissector bug", out)
        self.assertIn("\nVendor Telemetry, miui_analytics", out)
        rows = self.rows(name, ["xmtrack.event_count", "xmtrack.event", "xmtrack.member"])
        self.assertEqual(len(rows), 1, "one frame")
        self.assertEqual(rows[0]["xmtrack.event_count"], [str(MR.SHARED_AFTER_RECORDS)])
        self.assertEqual(rows[0]["xmtrack.event"], ["k%d" % i for i in range(MR.SHARED_AFTER_RECORDS)])
        last = "H.h%d=%d" % (MR.SHARED_AFTER_MEMBERS - 1, MR.SHARED_AFTER_MEMBERS - 1)
        self.assertEqual(rows[0]["xmtrack.member"].count(last), MR.SHARED_AFTER_RECORDS, "the header in every record")

    def test_errors_are_capped(self):
        """At most XMT_MAX_ERRORS (64) decode errors, then one that counts the rest."""
        rows = self.rows("unbounded-errors", ["_ws.expert.message"])
        for case, row in zip(MR.CRASH_CLASSES["unbounded-errors"], rows):
            with self.subTest(case=case.label):
                errors = [m for m in row["_ws.expert.message"] if m.startswith(("JSON:", "limit:"))]
                self.assertLessEqual(len(errors), 64 + 2)


if __name__ == "__main__":
    unittest.main()
