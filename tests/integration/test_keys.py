"""Keys of the Sensors web SDK's encryption plugins: testdata/encrypted/ (README there).

Each capture was recorded while the real SDK 1.27.11 in Chromium sent what
testdata/encrypted/generate.js told it to, through its AES, SM or general plugin; its
.expect.json holds the keys the page set, what the page told the SDK to send and what the
collector decrypted with the server's keys. The expectations here come from that file, never
from the plugin's output:
  - with the key table (-o 'uat:xmtrack_keys:...', the keys of the .expect.json), every AES
    upload opens to the events, URLs, searches and personal data the collector decrypted;
  - with no table, the captures that hold the page open from the key found in it: in one pass
    the uploads after the page, with tshark -2 every upload (aes_upload_first_http1's three
    uploads before the page stay closed in one pass, with a note saying why);
  - a wrong key gives the AES layer's error, never a crash;
  - the SM and general plugins' uploads show their public-key wrapping, encrypted and not
    decrypted, with the reason;
  - -z xmtrack,keys lists the keys the pages hand out, with the frame of each page.
"""
import base64
import glob
import json
import os
import re
import subprocess
import tempfile
import unittest
from urllib.parse import parse_qs, unquote_plus, urlsplit

from tshark_env import TsharkEnv, TESTDATA

ENCRYPTED = os.path.join(TESTDATA, "encrypted")
# Search engines whose result URLs the captures carry, and their query parameter: the test's own
# reading of a referrer, independent of the plugin's engine table.
ENGINES = {"www.google.com": "q"}


def expectations():
    """(capture, expect-file contents) of every capture of testdata/encrypted."""
    for path in sorted(glob.glob(os.path.join(ENCRYPTED, "*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            expect = json.load(f)
        yield expect["capture"], expect


def is_aes(expect):
    return bool(expect["keys"])


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
    if "phone" in profile or "$phone" in profile:
        kinds.add("phone")
    return kinds


def split(text):
    return set(text.split("|")) if text else set()


def table_args(expect):
    """The key table of the capture, from its expectations."""
    args = []
    for key in expect["keys"]:
        args += ["-o", "uat:xmtrack_keys:" + key["uat"]]
    return args


def frame_of(expect, event):
    return expect["received"]["requests"][event["request"]]["frame"]


def upload_frames(expect):
    return [r["frame"] for r in expect["received"]["requests"]]


def wrong_key(key):
    """Another key of the same length: the capture's key with every byte changed."""
    raw = base64.b64decode(key["key_base64"])
    return base64.b64encode(bytes(b ^ 0x5A for b in raw)).decode()


class Keys(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = dict(expectations())
        assert len(cls.captures) >= 9, "testdata/encrypted is missing captures"

    def capture(self, name):
        return self.tshark.capture("encrypted/" + name)

    def rows(self, name, extra=()):
        """One row per decoded event (-z xmtrack,jsonl), in wire order."""
        out = self.tshark.run("-r", self.capture(name), "-q", "-z", "xmtrack,jsonl", *extra).stdout
        return [json.loads(line) for line in out.splitlines()]

    def frames(self, name, fields, extra=(), display_filter="xmtrack"):
        rows = self.tshark.fields("encrypted/" + name, ["frame.number", *fields], display_filter, extra)
        return {int(r["frame.number"][0]): r for r in rows}

    def assert_events_opened(self, name, expect, extra, frames):
        """The events of the uploads in `frames` are those the collector decrypted, with their
        URLs, searches and personal data; no other upload gave one."""
        told = [e for e in expect["received"]["events"] if frame_of(expect, e) in frames]
        rows = self.rows(name, extra)
        self.assertEqual([(int(r["frame"]), r["event"]) for r in rows],
                         [(frame_of(expect, e), e.get("event") or e["type"]) for e in told])
        for row, event in zip(rows, told):
            with self.subTest(capture=name, frame=row["frame"], event=row["event"]):
                self.assertEqual(split(row["url"]), set(event["urls"].values()))
                self.assertEqual(split(row["search_term"]), searches_of(event))
                shown = split(row["pii"])
                self.assertLessEqual(kinds_of(event), shown)
                for kind in ("url", "search", "location"):  # never reported where not sent
                    self.assertEqual(kind in shown, kind in kinds_of(event), kind)

    def assert_uploads(self, name, expect, extra, opened, source):
        """Every upload is recognised and encrypted; those in `opened` are decrypted by the
        capture's key (named by its id and `source`), the others are not."""
        shown = self.frames(name, ["xmtrack.encrypted", "xmtrack.decrypted", "xmtrack.key_id",
                                   "xmtrack.key_source", "_ws.expert.message"], extra)
        self.assertEqual(sorted(shown), upload_frames(expect))
        key_id = expect["keys"][0]["key_id"]
        for frame, row in shown.items():
            with self.subTest(capture=name, frame=frame):
                self.assertEqual(row["xmtrack.encrypted"], [True])
                self.assertEqual(row["xmtrack.key_id"], [key_id])
                if frame in opened:
                    self.assertEqual(row["xmtrack.decrypted"], [True])
                    self.assertEqual(row["xmtrack.key_source"], [source])
                else:
                    self.assertEqual(row["xmtrack.decrypted"], [False])
                    self.assertNotIn("xmtrack.key_source", row)

    # ---- the key table ------------------------------------------------------------------

    def test_table_opens_every_aes_upload(self):
        for name, expect in self.captures.items():
            if not is_aes(expect):
                continue
            with self.subTest(capture=name):
                frames = set(upload_frames(expect))
                self.assert_uploads(name, expect, table_args(expect), frames, "key table")
                self.assert_events_opened(name, expect, table_args(expect), frames)

    def test_table_key_in_hex(self):
        name = "aes_ajax_http1.pcapng"
        expect = self.captures[name]
        key = expect["keys"][0]
        extra = ["-o", 'uat:xmtrack_keys:"sensors","%s","%s"' % (key["key_id"], key["key_hex"])]
        self.assert_events_opened(name, expect, extra, set(upload_frames(expect)))

    def test_wrong_key_is_an_aes_error(self):
        """A wrong key in the table: each upload says so at its AES layer.  Where the page is in
        the capture, the key found there is tried next (two keys under one id, as two sites
        would have) and opens the uploads after the page."""
        for name, expect in self.captures.items():
            if not is_aes(expect):
                continue
            key = expect["keys"][0]
            extra = ["-o", 'uat:xmtrack_keys:"sensors","%s","%s"' % (key["key_id"], wrong_key(key))]
            page = expect["key_config"]["frame"] if expect["page_in_capture"] else None
            opened = {f for f in upload_frames(expect) if page and f > page}
            with self.subTest(capture=name):
                self.assert_uploads(name, expect, extra, opened, "found in frame %s" % page)
                self.assert_events_opened(name, expect, extra, opened)
                for frame, row in self.frames(name, ["_ws.expert.message"], extra).items():
                    messages = row["_ws.expert.message"]
                    aes = [m for m in messages if m.startswith("AES: payload: key_id %s (key table)" % key["key_id"])]
                    self.assertEqual(len(aes), 1, messages)
                    self.assertTrue("(bad padding)" in aes[0] or "not JSON" in aes[0], aes[0])
                    closed = [m for m in messages if m.startswith("Enciphered payload, not opened")]
                    self.assertEqual(len(closed), 0 if frame in opened else 1, messages)
                self.assertEqual(self.tshark.count("encrypted/" + name, "xmtrack.decode_error", extra),
                                 len(upload_frames(expect)))

    def test_bad_table_rows_are_refused_with_the_reason(self):
        bad = {
            '"sensor","7","Beth4Y1Naqu4ynrEqvx9wQ=="': "takes no keys",
            '"sensors","","Beth4Y1Naqu4ynrEqvx9wQ=="': "key id",
            '"sensors","7","AAAAAAAAAAAAAAAAAAAA"': "15 bytes",
            '"sensors","7","not*base64"': "neither hex",
        }
        for record, reason in bad.items():
            with self.subTest(record=record):
                proc = self.tshark.run("-o", "uat:xmtrack_keys:" + record, "-r", self.capture("aes_image_http1.pcapng"),
                                       "-c", "1", check=False)
                self.assertNotEqual(proc.returncode, 0)
                self.assertIn(reason, proc.stderr)

    # ---- keys found in the capture ------------------------------------------------------

    def test_found_key_opens_uploads_after_the_page_in_one_pass(self):
        for name, expect in self.captures.items():
            if not expect["page_in_capture"]:
                continue
            page = expect["key_config"]["frame"]
            after = {f for f in upload_frames(expect) if f > page}
            with self.subTest(capture=name):
                self.assertEqual(len(after), len(upload_frames(expect)) - expect["key_config"]["uploads_before_config"])
                self.assert_uploads(name, expect, [], after, "found in frame %d" % page)
                self.assert_events_opened(name, expect, [], after)

    def test_found_key_opens_every_upload_in_two_passes(self):
        for name, expect in self.captures.items():
            if not expect["page_in_capture"]:
                continue
            page = expect["key_config"]["frame"]
            with self.subTest(capture=name):
                frames = set(upload_frames(expect))
                self.assert_uploads(name, expect, ["-2"], frames, "found in frame %d" % page)
                self.assert_events_opened(name, expect, ["-2"], frames)

    def test_uploads_before_the_page_say_why_in_one_pass(self):
        name = "aes_upload_first_http1.pcapng"
        expect = self.captures[name]
        page = expect["key_config"]["frame"]
        before = [f for f in upload_frames(expect) if f < page]
        self.assertEqual(len(before), expect["key_config"]["uploads_before_config"])
        self.assertGreater(len(before), 0)
        shown = self.frames(name, ["_ws.expert.message"])
        key_id = expect["keys"][0]["key_id"]
        for frame in before:
            with self.subTest(frame=frame):
                notes = [m for m in shown[frame]["_ws.expert.message"] if m.startswith("Enciphered payload, not opened")]
                self.assertEqual(len(notes), 1, shown[frame])
                self.assertIn("key_id %s" % key_id, notes[0])
                self.assertIn("no key for it", notes[0])
                self.assertIn("tshark -2", notes[0])
        self.assertEqual(self.tshark.count("encrypted/" + name, "xmtrack.encrypted_payload"), len(before))
        self.assertEqual(self.tshark.count("encrypted/" + name, "xmtrack.encrypted_payload", ["-2"]), 0)

    def test_page_frame_has_the_key_found_note(self):
        for name, expect in self.captures.items():
            found = self.frames(name, ["xmtrack.found.sdk", "xmtrack.found.key_id", "xmtrack.found.key",
                                       "_ws.expert.message"], display_filter="xmtrack.key_found")
            with self.subTest(capture=name):
                if not expect["page_in_capture"]:
                    self.assertEqual(found, {})
                    continue
                page = expect["key_config"]["frame"]
                key = expect["keys"][0]
                self.assertEqual(list(found), [page])
                row = found[page]
                self.assertEqual(row["xmtrack.found.sdk"], [key["sdk"]])
                self.assertEqual(row["xmtrack.found.key_id"], [key["key_id"]])
                self.assertEqual([base64.b64decode(k) for k in row["xmtrack.found.key"]],
                                 [base64.b64decode(key["key_base64"])])
                self.assertTrue(any("found in frame %d" % page in m for m in row["_ws.expert.message"]))
                # the page is no upload: the protocol itself is not on its frame
                self.assertEqual(self.tshark.count("encrypted/" + name, "xmtrack && frame.number == %d" % page), 0)

    def xmtrack_trees(self, name, extra=()):
        """xmtrack's part of each frame's -V tree: its protocol tree and the key-found items,
        by frame (HTTP's own tree differs between passes: a second pass links responses)."""
        out = self.tshark.run("-r", self.capture(name), "-V", "-Y", "xmtrack || xmtrack.key_found", *extra).stdout
        trees, frame, keep = {}, None, False
        for line in out.splitlines():
            m = re.match(r"^Frame (\d+):", line)
            if m:
                frame = int(m.group(1))
                trees[frame] = []
            if line and not line.startswith(" "):
                keep = line.startswith("Vendor Telemetry")
            if keep:
                trees[frame].append(line)
        return trees

    def test_one_pass_and_two_passes_build_the_same_trees_after_the_page(self):
        """Uploads after the page: the first pass and a later one (tshark -2's second, as every
        dissection of the GUI after the first) show the same tree."""
        for name, expect in self.captures.items():
            if not expect["page_in_capture"] or expect["key_config"]["uploads_before_config"]:
                continue
            with self.subTest(capture=name):
                one, two = self.xmtrack_trees(name), self.xmtrack_trees(name, ["-2"])
                self.assertEqual(sorted(one), sorted(upload_frames(expect) + [expect["key_config"]["frame"]]))
                self.assertTrue(any("Key source: found in frame" in line for tree in one.values() for line in tree))
                self.assertEqual(one, two)

    def test_z_keys_lists_the_keys_the_pages_hand_out(self):
        for name, expect in self.captures.items():
            for extra in ([], ["-2"]):
                out = self.tshark.run("-r", self.capture(name), "-q", "-z", "xmtrack,keys", *extra).stdout
                with self.subTest(capture=name, passes=extra):
                    listed = [line.split("\t") for line in out.splitlines() if line.count("\t") == 4
                              and not line.startswith("sdk\t")]
                    if not expect["page_in_capture"]:
                        self.assertEqual(listed, [])
                        self.assertIn("keys found in the capture: 0", out)
                        continue
                    host = urlsplit(expect["page_url"]).netloc
                    self.assertEqual([(s, i, base64.b64decode(k), int(f), h) for s, i, k, f, h in listed],
                                     [(k["sdk"], k["key_id"], base64.b64decode(k["key_base64"]),
                                       expect["key_config"]["frame"], host) for k in expect["keys"]])
                    for key in expect["keys"]:
                        self.assertIn("-o 'uat:xmtrack_keys:%s'" % key["uat"], out.splitlines())

    def test_listed_keys_open_a_capture_without_the_page(self):
        """What -z xmtrack,keys prints is what the key table takes: the option listed for a
        capture opens its uploads once the page is cut out of it (editcap keeps the frames after
        the page: the uploads' connections open after it)."""
        name = "aes_page_script_http1.pcapng"
        expect = self.captures[name]
        out = self.tshark.run("-r", self.capture(name), "-q", "-z", "xmtrack,keys").stdout
        options = [line for line in out.splitlines() if line.startswith("-o 'uat:xmtrack_keys:")]
        self.assertEqual(len(options), 1)
        record = options[0][len("-o '"):-1]
        folder = tempfile.mkdtemp(dir=self.tshark.home)
        os.chmod(folder, 0o755)
        cut = os.path.join(folder, "without_page.pcapng")
        page = expect["key_config"]["frame"]
        subprocess.run(["editcap", "-r", self.capture(name), cut, "%d-%d" % (page + 1, 1 << 30)], check=True,
                       capture_output=True)
        os.chmod(cut, 0o644)
        without = self.tshark.run("-r", cut, "-q", "-z", "xmtrack,keys", "-z", "xmtrack,jsonl").stdout
        self.assertIn("keys found in the capture: 0", without)
        self.assertNotIn('"event":"search"', without)
        rows = self.tshark.run("-r", cut, "-q", "-z", "xmtrack,jsonl", "-o", record).stdout.splitlines()
        self.assertEqual([json.loads(r)["event"] for r in rows],
                         [e.get("event") or e["type"] for e in expect["received"]["events"]])

    # ---- the public-key wrappings -------------------------------------------------------

    def test_public_key_wraps_are_shown_as_sent(self):
        reasons = {"sm": ("SM2 public key", "the web SDK's SM plugin"),
                   "general": ("the site's own cipher", "the web SDK's general plugin")}
        for name, expect in self.captures.items():
            if is_aes(expect):
                continue
            scheme = expect["received"]["requests"][0]["scheme"]
            pkv = expect["public_key_wrap"]["pkv"]
            with self.subTest(capture=name, scheme=scheme):
                self.assertEqual(self.rows(name), [])
                shown = self.frames(name, ["xmtrack.encrypted", "xmtrack.decrypted", "xmtrack.event_count",
                                           "xmtrack.enc.pkv", "xmtrack.enc.ekey", "xmtrack.enc.payload",
                                           "xmtrack.key_id", "_ws.expert.message"])
                self.assertEqual(sorted(shown), upload_frames(expect))
                for frame, row in shown.items():
                    self.assertEqual(row["xmtrack.encrypted"], [True])
                    self.assertEqual(row["xmtrack.decrypted"], [False])
                    self.assertEqual(row["xmtrack.event_count"], ["0"])
                    self.assertEqual(row["xmtrack.enc.pkv"], [str(pkv)])
                    self.assertEqual(row["xmtrack.key_id"], [str(pkv)])
                    self.assertEqual(len(row["xmtrack.enc.ekey"]), 1)
                    self.assertGreaterEqual(len(row["xmtrack.enc.payload"]), 1)
                    notes = [m for m in row["_ws.expert.message"] if m.startswith("Enciphered payload, not opened")]
                    self.assertEqual(len(notes), 1, row["_ws.expert.message"])
                    for words in reasons[scheme] + ("public-key wrap", "only the server's private key opens it"):
                        self.assertIn(words, notes[0])
                # ekey is the same on every upload of a page load (the README, measured)
                self.assertEqual(len({tuple(r["xmtrack.enc.ekey"]) for r in shown.values()}),
                                 1 if scheme == "sm" else len(shown))


if __name__ == "__main__":
    unittest.main()
