"""The app PCAPdroid attributed each packet to: xmtrack.capture_app, capture_uid, the verdict on
the payload's app, the statistics tree and the exports (plugin/wireshark/xmt_capture_app.c).

The captures are testdata/pcapdroid/ (README there): the pcapng as PCAPdroid's releases and its
head write it (a comment u-<uid> per packet, a uid-map custom block per uid) and the pcap with
its trailer, made by make_pcapdroid_captures.py around the project's real test traffic. Every
expectation comes from what that generator assigned (pcapdroid.expect.json: the uid of every
frame, each uid's package and label, the trailer's 19-byte label, the connections CSV, which
sources' payloads name another app) or from bytes this test changes itself; never from the
plugin's output.
"""
import csv
import io
import json
import os
import re
import subprocess
import sys
import unittest

from tshark_env import REPO, TESTDATA, TsharkEnv, stats_tree_counts

FOLDER = "pcapdroid"
EXPECT = os.path.join(TESTDATA, FOLDER, "pcapdroid.expect.json")
PCAPNGS = ["pcapdroid_v1.9.pcapng", "pcapdroid_head.pcapng"]
PCAP = "pcapdroid_trailer.pcap"
APPS_FROM_CSV = os.path.join(REPO, "scripts", "xmtrack-apps-from-csv")

FIELDS = ["frame.number", "xmtrack.capture_uid", "xmtrack.capture_app", "xmtrack.capture_app_label",
          "xmtrack.capture_app_differs", "xmtrack.sdk"]
OLD_COLUMNS = ["frame", "capture_time", "event_time", "client", "server", "host", "sdk", "app", "event",
               "url", "search_term", "pii", "event_json"]
NEW_COLUMNS = ["capture_app", "capture_uid", "distinct_id", "anonymous_id"]


def load_expect():
    with open(EXPECT, encoding="utf-8") as f:
        return json.load(f)


class Expected:
    """What the generator assigned, per uid."""

    def __init__(self, expect):
        self.expect = expect
        self.apps = {int(uid): names for uid, names in expect["apps"].items()}
        self.sources = expect["sources"]
        self.events = {}
        self.trailer_label, self.disagree, self.payload_names_app = {}, {}, {}
        for s in self.sources:
            uid = s["uid"]
            self.events[uid] = self.events.get(uid, 0) + s["events"]
            self.trailer_label.setdefault(uid, set()).add(s["trailer_appname"])
            self.disagree.setdefault(uid, set()).add(s["disagree"])
            self.payload_names_app.setdefault(uid, set()).add(bool(s["payload_apps"]))
        for uid in self.events:  # one value per uid, or the per-uid expectations below mean nothing
            assert len(self.trailer_label[uid]) == 1 and len(self.disagree[uid]) == 1, uid

    def pcapng_app(self, uid):
        """The pcapng's own table: the package, else the label, else no name."""
        names = self.apps[uid]
        return names["package"] or names["app_name"] or None

    def pcapng_label(self, uid):
        return self.apps[uid]["app_name"] or None

    def trailer_app(self, uid):
        """A trailer holds the label cut to 19 bytes, no package."""
        return next(iter(self.trailer_label[uid])) or None

    def verdict(self, uid, package):
        """True: the payload names another app; False: the same; None: no verdict (the capture
        names no package, uid -1, or the payload names no app)."""
        if not package or uid == -1:
            return None
        if next(iter(self.disagree[uid])):
            return True
        return False if any(self.payload_names_app[uid]) else None

    def name_in_stats(self, app, uid):
        return app if app else f"(uid {uid})"


def readable(path):
    os.chmod(path, 0o644)
    return path


class CaptureAppTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.expect = load_expect()
        cls.x = Expected(cls.expect)
        cls.keylog = ["-o", "tls.keylog_file:" + cls.tshark.capture(f"{FOLDER}/pcapdroid_trailer.keylog")]
        cls.csv = cls.tshark.capture(f"{FOLDER}/pcapdroid_connections.csv")

    # ---- helpers -----------------------------------------------------------------------------

    def frames(self, capture, extra=(), display_filter="xmtrack"):
        """frame number -> its fields, for the frames with an xmtrack message."""
        rows = self.tshark.fields(capture, FIELDS, display_filter, extra)
        return {int(r["frame.number"][0]): r for r in rows}

    def uid_of_frame(self, capture):
        uids = self.expect["pcap_frame_uids"] if capture.endswith(".pcap") else self.expect["pcapng_frame_uids"]
        return lambda frame: uids[frame - 1]

    def table_options(self):
        """-o uat:xmtrack_apps:... made from the connections CSV by the project's script."""
        out = subprocess.run([sys.executable, APPS_FROM_CSV, "--tshark-options", self.csv], capture_output=True,
                             text=True, check=True).stdout
        return out.splitlines()

    def assert_frames(self, capture, app_of, label_of, extra=()):
        """Every frame with a message: the generator's uid, app and label; and every uid seen."""
        uid_of = self.uid_of_frame(capture)
        frames = self.frames(f"{FOLDER}/{capture}", extra)
        self.assertGreaterEqual(len(frames), 27, "fewer messages than the 27 HTTP requests")
        seen = set()
        for frame, row in frames.items():
            uid = uid_of(frame)
            with self.subTest(capture=capture, frame=frame, uid=uid):
                self.assertIsNotNone(uid, "a message on a custom-block frame")
                # one value per message of the frame, each the frame's mark
                messages = len(row["xmtrack.sdk"])
                self.assertEqual(row.get("xmtrack.capture_uid"), [str(uid)] * messages)
                app, label = app_of(uid), label_of(uid)
                self.assertEqual(row.get("xmtrack.capture_app"), [app] * messages if app else None)
                self.assertEqual(row.get("xmtrack.capture_app_label"), [label] * messages if label else None)
                seen.add(uid)
        self.assertEqual(seen, set(self.x.events), "a source's uid never seen")
        return frames

    def assert_verdicts(self, capture, frames, package_of):
        """xmtrack.capture_app_differs where the generator made the payload's app differ."""
        uid_of = self.uid_of_frame(capture)
        by_uid = {}
        for frame, row in frames.items():
            uid = uid_of(frame)
            values = row.get("xmtrack.capture_app_differs", [])
            by_uid.setdefault(uid, set()).update(values)
            expected = self.x.verdict(uid, package_of(uid))
            with self.subTest(capture=capture, frame=frame, uid=uid):
                self.assertEqual(set(values), set() if expected is None else ({expected} if values else set()))
        for uid in self.x.events:
            expected = self.x.verdict(uid, package_of(uid))
            with self.subTest(capture=capture, uid=uid):
                self.assertEqual(by_uid.get(uid, set()), set() if expected is None else {expected})
        return {f for f, row in frames.items() if True in row.get("xmtrack.capture_app_differs", [])}

    def matched(self, capture, display_filter, extra=()):
        out = self.tshark.run("-r", self.tshark.capture(capture), "-Y", display_filter, *extra, "-T", "fields",
                              "-e", "frame.number").stdout
        return {int(n) for n in out.split()}

    def stats_section(self, capture, title, extra=()):
        out = self.tshark.run("-r", self.tshark.capture(capture), "-q", "-z", "xmtrack,tree", *extra).stdout
        lines = out.splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith(title))
        section = [lines[start]]
        for line in lines[start + 1:]:
            if not line.startswith(" "):
                break
            section.append(line)
        rows = stats_tree_counts("\n".join(section))
        return rows[0][1], dict(rows[1:])

    def rows(self, capture, kind, extra=()):
        out = self.tshark.run("-r", self.tshark.capture(capture), "-q", "-z", f"xmtrack,{kind}", *extra).stdout
        if kind == "csv":
            reader = csv.reader(io.StringIO(out, newline=""))
            header = next(reader)
            return header, [dict(zip(header, r)) for r in reader]
        rows = [json.loads(line) for line in out.splitlines()]
        return (list(rows[0]) if rows else []), rows

    def mutated(self, name, source, replace):
        """A copy of a generator's file with bytes replaced (each `old` must be there)."""
        with open(self.tshark.capture(f"{FOLDER}/{source}"), "rb") as f:
            data = f.read()
        for old, new in replace:
            self.assertIn(old, data)
            self.assertEqual(len(old), len(new))
            data = data.replace(old, new)
        path = os.path.join(self.tshark.home, name)
        with open(path, "wb") as f:
            f.write(data)
        return readable(path)

    # ---- pcapng: comments and the capture's own table ------------------------------------------

    def test_pcapng_frames_carry_their_uid_and_app(self):
        for capture in PCAPNGS:
            frames = self.assert_frames(capture, self.x.pcapng_app, self.x.pcapng_label)
            self.assert_verdicts(capture, frames, lambda uid: self.x.apps[uid]["package"])

    def test_pcapng_custom_block_frames_get_nothing(self):
        uids = self.expect["pcapng_frame_uids"]
        blocks = {i + 1 for i, uid in enumerate(uids) if uid is None}
        self.assertEqual(len(blocks), len(self.x.apps))
        for capture in PCAPNGS:
            with self.subTest(capture=capture):
                marked = self.matched(f"{FOLDER}/{capture}", "xmtrack.capture_uid || xmtrack.capture_mark_bad")
                self.assertFalse(marked & blocks)
                self.assertEqual(self.matched(f"{FOLDER}/{capture}", "frame.cb_pen == 62652"), blocks)

    def test_every_pass_agrees(self):
        """The uid table is read on the first pass and used on every pass (tshark -2)."""
        capture = PCAPNGS[0]
        one = self.frames(f"{FOLDER}/{capture}")
        two = self.frames(f"{FOLDER}/{capture}", extra=["-2"])
        self.assertEqual(two, one)

    def test_filters_alone_find_the_same_frames(self):
        """A display filter alone (no tree shown) decodes the apps the verdict needs."""
        capture = f"{FOLDER}/{PCAPNGS[0]}"
        differing = self.assert_verdicts(PCAPNGS[0], self.frames(capture), lambda uid: self.x.apps[uid]["package"])
        disagreeing_uids = {uid for uid in self.x.events if self.x.verdict(uid, self.x.apps[uid]["package"])}
        self.assertEqual({self.uid_of_frame(PCAPNGS[0])(f) for f in differing}, disagreeing_uids)
        self.assertEqual(self.matched(capture, "xmtrack.app_mismatch"), differing)
        self.assertEqual(self.matched(capture, "xmtrack.capture_app_differs == 1"), differing)
        uid_of = self.uid_of_frame(PCAPNGS[0])
        with_messages = set(self.frames(capture))
        self.assertEqual(self.matched(capture, 'xmtrack.capture_app == "android"'),
                         {f for f in with_messages if uid_of(f) == 1000})
        self.assertEqual(self.matched(capture, "xmtrack.capture_uid == -1"),
                         {f for f in with_messages if uid_of(f) == -1})

    def test_mismatch_expert_names_both_apps(self):
        experts = self.tshark.expert(f"{FOLDER}/{PCAPNGS[1]}")
        uid_of = self.uid_of_frame(PCAPNGS[1])
        for s in self.x.sources:
            if not s["disagree"]:
                continue
            frames = [f for f in experts if uid_of(f) == s["uid"]]
            self.assertTrue(frames, s["source"])
            texts = [m for f in frames for m in experts[f] if "PCAPdroid attributed" in m]
            for app in s["payload_apps"]:
                with self.subTest(source=s["source"], app=app):
                    self.assertIn(f"The payload names app {app}; PCAPdroid attributed the packet to "
                                  f"{s['package']} (uid {s['uid']})", texts)

    # ---- pcap: the trailer, and the table from the connections CSV -----------------------------

    def test_pcap_trailer_frames_carry_their_uid_and_label(self):
        frames = self.assert_frames(PCAP, self.x.trailer_app, self.x.trailer_app, extra=self.keylog)
        # The trailer names no package: no verdict is possible.
        self.assert_verdicts(PCAP, frames, lambda uid: "")

    def test_pcap_label_cut_inside_a_character(self):
        """Mi Home's label is cut at 19 bytes inside a character: the rest becomes U+FFFD."""
        cut = [s for s in self.x.sources if len(s["app_name"].encode("utf-8")) > 19]
        self.assertTrue(cut)
        for s in cut:
            raw = bytes.fromhex(s["trailer_appname_hex"]).rstrip(b"\0")
            self.assertEqual(self.x.trailer_app(s["uid"]), raw.decode("utf-8", "replace"))

    def test_pcap_with_the_apps_table_from_the_csv(self):
        """With xmtrack_apps made from the connections CSV: packages, and the verdict."""
        options = self.table_options()
        package = lambda uid: self.x.apps[uid]["package"]
        frames = self.assert_frames(PCAP, lambda uid: package(uid) or self.x.trailer_app(uid),
                                    self.x.trailer_app, extra=self.keylog + options)
        self.assert_verdicts(PCAP, frames, package)

    def test_apps_table_as_a_file(self):
        """The script's default output is the UAT file Wireshark reads from its profile."""
        table = subprocess.run([sys.executable, APPS_FROM_CSV, self.csv], capture_output=True, text=True,
                               check=True).stdout
        folder = os.path.join(self.tshark.home, ".config", "wireshark")
        os.makedirs(folder, exist_ok=True)
        os.chmod(os.path.join(self.tshark.home, ".config"), 0o755)
        os.chmod(folder, 0o755)
        path = os.path.join(folder, "xmtrack_apps")
        try:
            with open(path, "w", encoding="utf-8") as f:
                f.write(table)
            readable(path)
            frames = self.frames(f"{FOLDER}/{PCAP}", self.keylog)
            uid_of = self.uid_of_frame(PCAP)
            for frame, row in frames.items():
                uid = uid_of(frame)
                expected = self.x.apps[uid]["package"] or self.x.trailer_app(uid)
                with self.subTest(frame=frame):
                    self.assertEqual(set(row.get("xmtrack.capture_app", [None])), {expected})
        finally:
            os.remove(path)

    def test_table_of_another_phone_is_not_used(self):
        """A table row whose label is not the trailer's (uids are per phone) is refused; in a
        pcapng the capture's own table comes first."""
        other = ["-o", 'uat:xmtrack_apps:"10123","com.example.other","Other App"']
        uid_of = self.uid_of_frame(PCAP)
        frames = self.frames(f"{FOLDER}/{PCAP}", self.keylog + other)
        experts = self.tshark.expert(f"{FOLDER}/{PCAP}", self.keylog + other)
        mint = [f for f in frames if uid_of(f) == 10123]
        self.assertTrue(mint)
        for frame in mint:
            with self.subTest(frame=frame):
                self.assertEqual(set(frames[frame]["xmtrack.capture_app"]), {"Mint Browser"})
                self.assertTrue(any("xmtrack_apps names uid 10123" in m for m in experts[frame]))
        frames = self.frames(f"{FOLDER}/{PCAPNGS[0]}", other)
        uid_of = self.uid_of_frame(PCAPNGS[0])
        for frame in (f for f in frames if uid_of(f) == 10123):
            self.assertEqual(set(frames[frame]["xmtrack.capture_app"]), {"com.mi.globalbrowser.mini"})

    def test_table_names_a_uid_the_capture_left_unnamed(self):
        """uid 10321 has empty names in the pcapng's table: xmtrack_apps names it, and the
        payload's apps (com.android.browser, com.miui.notes) then differ from it."""
        named = ["-o", 'uat:xmtrack_apps:"10321","com.example.unnamed","Unnamed"']
        s = next(s for s in self.x.sources if s["uid"] == 10321)
        self.assertEqual((s["package"], s["app_name"]), ("", ""))
        uid_of = self.uid_of_frame(PCAPNGS[0])
        frames = {f: r for f, r in self.frames(f"{FOLDER}/{PCAPNGS[0]}", named).items() if uid_of(f) == 10321}
        self.assertTrue(frames)
        for frame, row in frames.items():
            with self.subTest(frame=frame):
                self.assertEqual(set(row["xmtrack.capture_app"]), {"com.example.unnamed"})
                self.assertEqual(set(row["xmtrack.capture_app_differs"]), {True})

    # ---- the statistics tree and the exports ------------------------------------------------

    def expected_stats(self, app_of):
        counts = {}
        for uid, n in self.x.events.items():
            name = self.x.name_in_stats(app_of(uid), uid)
            counts[name] = counts.get(name, 0) + n
        return sum(self.x.events.values()), counts

    def test_statistics_tree(self):
        cases = [(f"{FOLDER}/{c}", (), self.x.pcapng_app) for c in PCAPNGS]
        cases.append((f"{FOLDER}/{PCAP}", tuple(self.keylog), self.x.trailer_app))
        for capture, extra, app_of in cases:
            with self.subTest(capture=capture):
                self.assertEqual(self.stats_section(capture, "Events by capturing app", extra),
                                 self.expected_stats(app_of))

    def assert_rows(self, capture, kind, app_of, extra=()):
        header, rows = self.rows(capture, kind, extra)
        self.assertEqual(header, OLD_COLUMNS + NEW_COLUMNS)
        uid_of = self.uid_of_frame(capture)
        per_uid = {}
        for row in rows:
            uid = uid_of(int(row["frame"]))
            with self.subTest(capture=capture, kind=kind, frame=row["frame"]):
                self.assertEqual(row["capture_uid"], str(uid))
                self.assertEqual(row["capture_app"], app_of(uid) or "")
            per_uid[uid] = per_uid.get(uid, 0) + 1
        self.assertEqual(per_uid, self.x.events)

    def test_exports(self):
        for kind in ("csv", "jsonl"):
            for capture in PCAPNGS:
                self.assert_rows(f"{FOLDER}/{capture}", kind, self.x.pcapng_app)
            self.assert_rows(f"{FOLDER}/{PCAP}", kind, self.x.trailer_app, self.keylog)

    def test_exports_identity_columns(self):
        """distinct_id and anonymous_id, from what the payloads were told to carry."""
        import fidelity_payloads
        import payloads
        header, rows = self.rows("sensors_android.pcap", "csv")
        self.assertEqual([r["distinct_id"] for r in rows], [r["distinct_id"] for r in payloads.MAIN_BATCH])
        header, rows = self.rows("fidelity.pcap", "jsonl")
        anonymous = [r["anonymous_id"] for r in rows]
        self.assertIn(fidelity_payloads.COOKIE_ID, anonymous)
        self.assertEqual(set(anonymous), {fidelity_payloads.COOKIE_ID, ""})

    # ---- captures without marks, and marks that cannot be read -------------------------------

    def test_capture_without_marks(self):
        for capture in ("sensors_android.pcap", "realsdk/js_beacon_http1.pcapng", "sensors_tls_dsb.pcapng"):
            with self.subTest(capture=capture):
                self.assertGreater(self.tshark.count(capture, "xmtrack"), 0)
                self.assertEqual(self.tshark.count(capture, "xmtrack.capture_uid || xmtrack.capture_app || "
                                                   "xmtrack.capture_app_label || xmtrack.capture_app_differs || "
                                                   "xmtrack.capture_mark_bad"), 0)
                header, rows = self.rows(capture, "jsonl")
                self.assertTrue(rows)
                self.assertEqual({(r["capture_app"], r["capture_uid"]) for r in rows}, {("", "")})
                total, counts = self.stats_section(capture, "Events by capturing app")
                self.assertEqual(counts, {"(not recorded)": len(rows)})

    def weather(self):
        return next(s for s in self.x.sources if s["uid"] == 10188)

    def test_comment_that_is_no_uid(self):
        path = self.mutated("bad_comment.pcapng", PCAPNGS[0], [(b"u-10188", b"u-1o188")])
        self.assert_unattributed_path(path, "pcapng", 10188, r'PCAPdroid comment "u-1o188": not "u-" and a uid')

    def assert_unattributed_path(self, path, kind, uid, reason, extra=()):
        uids = self.expect["pcap_frame_uids" if kind == "pcap" else "pcapng_frame_uids"]
        frames = self.tshark.fields(path, FIELDS, "xmtrack", extra)
        frames = {int(r["frame.number"][0]): r for r in frames}
        experts = self.tshark.expert(path, extra)
        hit = [f for f in frames if uids[f - 1] == uid]
        self.assertTrue(hit)
        for frame in frames:
            with self.subTest(frame=frame):
                if frame in hit:
                    self.assertNotIn("xmtrack.capture_uid", frames[frame])
                    self.assertTrue(any(re.search(reason, m) for m in experts[frame]), experts[frame])
                else:
                    self.assertEqual(frames[frame]["xmtrack.capture_uid"],
                                     [str(uids[frame - 1])] * len(frames[frame]["xmtrack.sdk"]))

    def test_trailer_with_a_wrong_crc(self):
        w = self.weather()
        label = bytes.fromhex(w["trailer_appname_hex"])
        trailer = b"\x01\x07\x20\x21" + (w["uid"]).to_bytes(4, "big") + label
        path = self.mutated("bad_crc.pcap", PCAP, [(trailer, trailer[:8] + b"X" + trailer[9:])])
        self.assert_unattributed_path(path, "pcap", w["uid"], r"PCAPdroid trailer: its CRC-32 .* does not match",
                                      self.keylog)

    def uid_map_block(self, uid):
        """The start of the uid map of `uid` (docs/formats/pcapdroid.md 1.2), little-endian."""
        return (62652).to_bytes(4, "little") + b"\x01\x00\x01\x00" + uid.to_bytes(4, "little", signed=True)

    def assert_block_refused(self, name, replace, reason):
        uid = self.weather()["uid"]
        path = self.mutated(name, PCAPNGS[0], replace)
        uids = self.expect["pcapng_frame_uids"]
        block = next(i for i, u in enumerate(uids) if u == uid)  # the frame before the uid's first: its block
        self.assertIsNone(uids[block - 1])
        out = self.tshark.run("-r", path, "-Y", "xmtrack.capture_mark_bad", "-T", "fields", "-e", "frame.number",
                              "-e", "_ws.expert.message").stdout
        self.assertEqual([line.split("\t")[0] for line in out.splitlines()], [str(block)])
        self.assertRegex(out, reason)
        # The packets keep their uid, without names.
        frames = self.tshark.fields(path, FIELDS, "xmtrack")
        hit = [r for r in frames if uids[int(r["frame.number"][0]) - 1] == uid]
        self.assertTrue(hit)
        for row in hit:
            self.assertEqual(set(row["xmtrack.capture_uid"]), {str(uid)})
            self.assertNotIn("xmtrack.capture_app", row)
            self.assertNotIn("xmtrack.capture_app_differs", row)

    def test_uid_map_of_an_unknown_version(self):
        start = self.uid_map_block(self.weather()["uid"])
        self.assert_block_refused("bad_version.pcapng", [(start, start[:4] + b"\x02" + start[5:])],
                                  r"PCAPdroid uid map \(custom block, PEN 62652\): version 2 is not known")

    def test_uid_map_names_past_its_end(self):
        start = self.uid_map_block(self.weather()["uid"])
        package = self.weather()["package"].encode()
        lengths = bytes([len(package)])
        self.assert_block_refused("bad_lengths.pcapng", [(start + lengths, start + b"\xc8")],
                                  r"the names of uid 10188 \(200 and \d+ bytes\) run past the block's end")


if __name__ == "__main__":
    unittest.main()
