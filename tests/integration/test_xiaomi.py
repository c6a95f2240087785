"""Xiaomi's own SDKs as users meet them: one view over MIUI Analytics, the legacy
MIUI tracker, MiStat and OneTrack (testdata/payloads.py, "Xiaomi's own SDKs").

MiStat v2 is checked three ways: the plugin decrypts with libgcrypt, the capture
generator encrypted with its own AES, and here the openssl command line decrypts
what is on the wire under a key derived with Python's hashlib."""
import hashlib
import re
import subprocess
import unittest

from tshark_env import TsharkEnv
import fidelity_payloads as F
import payloads as P

NEW_FIELDS = {
    "xmtrack.param": "FT_STRING",
    "xmtrack.session_id": "FT_STRING",
    "xmtrack.enc.length": "FT_UINT32",
    "xmtrack.enc.key": "FT_STRING",
}

HEX_LINE = re.compile(r"^[0-9a-f]{4,}  ((?:[0-9a-f]{2} )*[0-9a-f]{2})")


def data_sources(hexdump):
    """The byte tabs of `tshark -x` output: {label: bytes}."""
    sources, label = {}, None
    for line in hexdump.splitlines():
        header = re.match(r"^(.*) \((\d+) bytes\):$", line)
        if header:
            label = header.group(1)
            sources[label] = b""
        elif label and HEX_LINE.match(line):
            sources[label] += bytes.fromhex(HEX_LINE.match(line).group(1))
        elif not line.strip():
            label = None
    return sources


def openssl_decrypt(key_text, ciphertext):
    """AES-128-ECB with PKCS#7 by the openssl command line: (exit status, plaintext)."""
    proc = subprocess.run(["openssl", "enc", "-d", "-aes-128-ecb", "-K", key_text.encode("ascii").hex()],
                          input=ciphertext, capture_output=True)
    return proc.returncode, proc.stdout


def independent_sign(form, salt):
    """docs/formats/mistat.md and onetrack.md, "Signature", with Python's MD5 over the form as Wireshark's own form
    dissector decodes it: every pair but sign, sorted by key, key+value, then the salt."""
    text = "".join(k + v for k, v in sorted(form.items()) if k != "sign") + salt
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def independent_key(app_id, app_key, device_id):
    """docs/formats/mistat.md, with Python's MD5, not the plugin's nor the generator's helper."""
    seed = "seed:%s-%s-%s" % (app_id, app_key, device_id)
    return hashlib.md5(seed.encode("utf-8")).hexdigest().upper()[:16]


class Xiaomi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()

    def form_fields(self, capture, frame):
        """The form of one request, as Wireshark's own form dissector reads it."""
        got = self.tshark.fields(capture, ["urlencoded-form.key", "urlencoded-form.value"],
                                 "frame.number == %d" % frame)[0]
        return dict(zip(got["urlencoded-form.key"], got["urlencoded-form.value"]))

    def request_frames(self, capture):
        rows = self.tshark.fields(capture, ["frame.number"], "http.request")
        return [int(r["frame.number"][0]) for r in rows]

    def hexdump(self, capture, frame):
        return self.tshark.run("-r", self.tshark.capture(capture), "-Y", "frame.number == %d" % frame,
                               "-x").stdout

    # ---- the field contract ----------------------------------------------------------------

    def test_new_fields_registered(self):
        rows = [line.split("\t") for line in self.tshark.run("-G", "fields").stdout.splitlines()]
        registered = {r[2]: r[3] for r in rows if r[0] == "F" and r[2].startswith("xmtrack.")}
        for name, ftype in NEW_FIELDS.items():
            with self.subTest(field=name):
                self.assertEqual(registered.get(name), ftype)

    # ---- MiStat v2: decrypted, and checked against openssl ---------------------------------

    def test_payload_generator_agrees_with_openssl(self):
        key = P.mistat_key(P.MISTAT_APP_ID, P.MISTAT_APP_KEY, P.MISTAT_DEVICE_ID)
        proc = subprocess.run(["openssl", "enc", "-aes-128-ecb", "-K", key.encode("ascii").hex()],
                              input=P.MISTAT_PLAINTEXT.encode("utf-8"), capture_output=True, check=True)
        self.assertEqual(proc.stdout, P.aes128_ecb_encrypt(key.encode("ascii"), P.MISTAT_PLAINTEXT.encode("utf-8")))

    def test_mistat_plaintext_equals_openssl_decryption(self):
        frames = self.request_frames("mistat_v2.pcap")
        self.assertEqual(len(frames), len(P.CAPTURES["mistat_v2.pcap"]))
        for frame, req in zip(frames, P.CAPTURES["mistat_v2.pcap"]):
            with self.subTest(frame=frame):
                form = self.form_fields("mistat_v2.pcap", frame)
                key = independent_key(form["app_id"], form["app_key"], form["device_id"])
                status, plaintext = openssl_decrypt(key, bytes.fromhex(form["stat_value"]))
                self.assertEqual(status, 0)
                self.assertEqual(plaintext.decode("utf-8"), req.expect["plaintext"])
                shown = data_sources(self.hexdump("mistat_v2.pcap", frame))
                self.assertEqual(shown.get("stat_value (AES-decrypted)"), plaintext)
                got = self.tshark.fields("mistat_v2.pcap", ["xmtrack.enc.key"], "frame.number == %d" % frame)[0]
                self.assertEqual(got["xmtrack.enc.key"], [key])

    def test_mistat_published_vector(self):
        """docs/formats/mistat.md, "Test vector", sent as published, decodes to its session."""
        frame = self.request_frames("mistat_v2.pcap")[1]
        self.assertEqual(self.form_fields("mistat_v2.pcap", frame)["stat_value"], P.VECTOR4["stat_value"])
        got = self.tshark.fields("mistat_v2.pcap", ["xmtrack.enc.key", "xmtrack.event"],
                                 "frame.number == %d" % frame)[0]
        self.assertEqual(got["xmtrack.enc.key"], [P.VECTOR4["key"]])
        self.assertEqual(got["xmtrack.event"], ["mistat_session"])

    def test_mistat_wrong_device_id_fails_cleanly(self):
        frame = self.request_frames("xiaomi_malformed.pcap")[1]
        form = self.form_fields("xiaomi_malformed.pcap", frame)
        status, _ = openssl_decrypt(independent_key(form["app_id"], form["app_key"], form["device_id"]),
                                    bytes.fromhex(form["stat_value"]))
        self.assertNotEqual(status, 0, "openssl must reject the padding too")
        got = self.tshark.fields("xiaomi_malformed.pcap", ["xmtrack.decrypted", "xmtrack.event_count",
                                                           "_ws.expert.message"], "frame.number == %d" % frame)[0]
        self.assertEqual(got["xmtrack.decrypted"], [False])
        self.assertEqual(got["xmtrack.event_count"], ["0"])
        self.assertTrue(any(m.startswith("AES: stat_value: bad PKCS#7 padding") for m in got["_ws.expert.message"]))
        self.assertNotIn("stat_value (AES-decrypted)", data_sources(self.hexdump("xiaomi_malformed.pcap", frame)))

    # ---- signatures: MiStat v2 and OneTrack form requests -------------------------------------

    def sign_valid(self, capture, frame):
        got = self.tshark.fields(capture, ["xmtrack.sign_valid", "_ws.expert.message"],
                                 "frame.number == %d" % frame)
        return (got[0].get("xmtrack.sign_valid"), got[0].get("_ws.expert.message", [])) if got else (None, [])

    def assert_sign(self, capture, frame, salt, expected):
        form = self.form_fields(capture, frame)
        self.assertEqual(independent_sign(form, salt) == form["sign"], expected, "the vector itself")
        valid, experts = self.sign_valid(capture, frame)
        self.assertEqual(valid, [expected])
        self.assertEqual("Signature does not match the request" in experts, not expected)

    def test_mistat_signatures_verify(self):
        for frame in self.request_frames("mistat_v2.pcap"):
            with self.subTest(capture="mistat_v2.pcap", frame=frame):
                self.assert_sign("mistat_v2.pcap", frame, F.MISTAT_SALT, True)
        frames = self.request_frames("fidelity.pcap")
        variants = [r.expect["variant"] for r in F.requests()]
        for variant in ("mistat_post", "mistat_changed"):
            frame = frames[variants.index(variant)]
            expected = F.requests()[variants.index(variant)].expect["sign_valid"]
            with self.subTest(variant=variant):
                self.assert_sign("fidelity.pcap", frame, F.MISTAT_SALT, expected)
        self.assertEqual(self.tshark.count("fidelity.pcap", "xmtrack.sign_bad && xmtrack.sdk == \"mistat\""), 1)

    def test_mistat_changed_request_still_decrypts(self):
        """The signature covers the form, the key only app_id, app_key and device_id."""
        frames = self.request_frames("fidelity.pcap")
        variants = [r.expect["variant"] for r in F.requests()]
        got = self.tshark.fields("fidelity.pcap", ["xmtrack.decrypted", "xmtrack.event"],
                                 "frame.number == %d" % frames[variants.index("mistat_changed")])[0]
        self.assertEqual(got["xmtrack.decrypted"], [True])
        self.assertEqual(got["xmtrack.event"], ["mistat_session"])

    def test_mistat_get_signature(self):
        frames = self.request_frames("fidelity.pcap")
        variants = [r.expect["variant"] for r in F.requests()]
        frame = frames[variants.index("mistat_get")]
        valid, _ = self.sign_valid("fidelity.pcap", frame)
        self.assertIsNotNone(valid, "the MiStat GET of fidelity.pcap (frame %d) is not recognised: "
                                    "no xmtrack.sign_valid" % frame)
        self.assertEqual(valid, [True])

    def test_onetrack_key_get_signatures(self):
        key_get = self.request_frames("onetrack.pcap")[0]
        self.assert_sign("onetrack.pcap", key_get, F.ONETRACK_SALT, True)
        frames = self.request_frames("fidelity.pcap")
        variants = [r.expect["variant"] for r in F.requests()]
        self.assert_sign("fidelity.pcap", frames[variants.index("key_get_bad_sign")], F.ONETRACK_SALT, False)

    def test_no_signature_no_verdict(self):
        """Formats whose signature formula is not known from source get no xmtrack.sign_valid."""
        for capture in ("miui_analytics.pcap", "miui_tracker.pcap", "mistat_v3.pcap", "sensors_android.pcap"):
            with self.subTest(capture=capture):
                self.assertEqual(self.tshark.count(capture, "xmtrack.sign_valid"), 0)

    # ---- one view over every collector ------------------------------------------------------

    def test_same_page_found_whichever_collector_carried_it(self):
        url_filter = 'xmtrack.url contains "duckduckgo"'
        for capture in ("sensors_android.pcap", "miui_analytics.pcap", "mistat_v2.pcap"):
            with self.subTest(capture=capture):
                self.assertEqual(self.tshark.count(capture, url_filter), 1)
        search_filter = 'xmtrack.search_term == "how to hide from xiaomi"'
        for capture in ("sensors_android.pcap", "miui_analytics.pcap", "mistat_v2.pcap"):
            with self.subTest(capture=capture, search=True):
                self.assertEqual(self.tshark.count(capture, search_filter), 1)

    def test_same_device_found_whichever_collector_carried_it(self):
        model_filter = 'xmtrack.model == "Redmi Note 8"'
        for capture, frames in (("sensors_android.pcap", 1), ("miui_analytics.pcap", 2),
                                ("miui_tracker.pcap", 2), ("onetrack.pcap", 1)):
            with self.subTest(capture=capture):
                self.assertEqual(self.tshark.count(capture, model_filter), frames)
        self.assertEqual(self.tshark.count("onetrack.pcap", 'xmtrack.app == "com.xiaomi.smarthome"'), 2)

    def test_device_header_on_every_event(self):
        """MIUI Analytics: the batch's H is a member of each record's event."""
        imei = "H.imei=" + P.XIAOMI_IMEI
        got = self.tshark.fields("miui_analytics.pcap", ["xmtrack.member"], "frame.number == 4")[0]
        self.assertEqual(got["xmtrack.member"].count(imei), len(P.MIUI_BATCH["B"]))
        self.assertEqual(self.tshark.count("miui_analytics.pcap", 'xmtrack.member == "H.sender=com.miui.securitycenter"'), 1)
        tree = self.tshark.verbose("miui_analytics.pcap", ["-Y", "frame.number == 4", "-O", "xmtrack"])
        self.assertIn("    Event 2: app_launch\n        Event: app_launch\n", tree)
        self.assertIn("            Member: H.model = Redmi Note 8\n", tree)
        self.assertIn("            Member: H.key = app_launch\n", tree)

    def test_miui_analytics_layers_are_data_sources(self):
        frame = self.request_frames("miui_analytics.pcap")[1]   # /track/spock, gzip: 1
        labels = data_sources(self.hexdump("miui_analytics.pcap", frame))
        self.assertIn("value (base64-decoded)", labels)
        self.assertEqual(labels["value (base64-decoded)"][:3], b"\x1f\x8b\x08")
        self.assertTrue(labels["value (gzip-inflated)"].startswith(b'{"H":{"model":"Redmi Note 8"'))

    # ---- OneTrack's binary bodies ------------------------------------------------------------

    def test_onetrack_body_keeps_builtin_data_tree(self):
        """application/octet-stream is the "data" dissector's on 4.0: xmtrack hands on to it."""
        self.assertEqual(self.tshark.count("onetrack.pcap", "xmtrack && data.len == %d" % len(P.OT_BODY)), 1)
        for capture in ("onetrack.pcap", "xiaomi_malformed.pcap", "negatives.pcap"):
            with self.subTest(capture=capture):
                self.assertEqual(self.tshark.count(capture, "http.subdissector_failed"), 0)
        self.assertEqual(self.tshark.count("negatives.pcap", 'http.content_type == "application/octet-stream" && data'), 1)

    def test_negatives_end_in_expert_information(self):
        experts = self.tshark.expert("xiaomi_malformed.pcap")
        self.assertEqual(len(experts), 3)
        layers = [[m.split(":")[0] for m in msgs if m.startswith(("base64:", "AES:"))] for msgs in experts.values()]
        self.assertEqual(layers, [["base64"], ["AES"], ["AES"]])
        self.assertEqual(self.tshark.count("xiaomi_malformed.pcap", "xmtrack.decode_error"), 3)


if __name__ == "__main__":
    unittest.main()
