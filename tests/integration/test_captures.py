"""Every request of every capture in testdata/ decodes to what its generator put in.

The expected facts come from testdata/payloads.py, the same data the capture
generator sent over loopback: a capture and its expectations cannot drift.
"""
import unittest

from tshark_env import TsharkEnv
import payloads

FIELDS = [
    "xmtrack.sdk", "xmtrack.project", "xmtrack.region", "xmtrack.gzip_code", "xmtrack.crc",
    "xmtrack.crc_valid", "xmtrack.encrypted", "xmtrack.event_count", "xmtrack.event",
    "xmtrack.event_type", "xmtrack.url", "xmtrack.search_term", "xmtrack.model",
    "xmtrack.os_version", "xmtrack.app", "xmtrack.distinct_id", "xmtrack.instant",
    "xmtrack.dry_run", "xmtrack.enc.ekey", "xmtrack.enc.pkv", "xmtrack.enc.payload",
    "_ws.expert.message",
    # Xiaomi's own SDKs
    "xmtrack.decrypted", "xmtrack.time", "xmtrack.flush_time", "xmtrack.param", "xmtrack.session_id",
    "xmtrack.enc.length", "xmtrack.enc.key", "xmtrack.layers",
]

TLS = ["-o", "tls.keylog_file:sensors_tls.keys"]


def flag(value):
    """A boolean as TsharkEnv.fields() returns one."""
    return bool(value)


def utc_text(ms):
    """An absolute time as TsharkEnv.fields() returns one: epoch milliseconds."""
    return ms


class CaptureExpectations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()

    def check_capture(self, name):
        requests = [r for r in payloads.CAPTURES[name] if r.expect.get("sdk")]
        frames = self.tshark.fields(name, FIELDS, extra=TLS if "tls" in name else ())
        self.assertEqual(len(frames), len(requests), f"{name}: messages recognised")
        for i, (req, got) in enumerate(zip(requests, frames)):
            with self.subTest(capture=name, request=i, variant=req.expect.get("variant")):
                self.check_message(req.expect, got)

    def check_message(self, e, got):
        one = lambda f: (got.get(f) or [None])[0]  # noqa: E731
        self.assertEqual(one("xmtrack.sdk"), e["sdk"])
        self.assertEqual(one("xmtrack.project"), e.get("project"))
        self.assertEqual(one("xmtrack.region"), e.get("region"))
        gzip = e.get("gzip_code")
        self.assertEqual(one("xmtrack.gzip_code"), None if gzip is None else str(gzip))
        crc = e.get("crc")
        self.assertEqual(one("xmtrack.crc"), None if crc is None else str(crc))
        self.assertEqual(one("xmtrack.crc_valid"), None if crc is None else flag(e["crc_valid"]))
        if "instant" in e:
            self.assertEqual(one("xmtrack.instant"), flag(e["instant"]))
        if "dry_run" in e:
            self.assertEqual(one("xmtrack.dry_run"), flag(e["dry_run"]))
        self.check_transport(e, got)
        if "decode_error" in e:
            self.check_malformed(e, got)
            return
        self.assertEqual(one("xmtrack.encrypted"), flag(e.get("encrypted", False)))
        self.assertEqual(one("xmtrack.event_count"), str(e["event_count"]))
        self.assertEqual(got.get("xmtrack.event", []), e["events"])
        if "event_types" in e:
            self.assertEqual(got.get("xmtrack.event_type", []), e["event_types"])
        self.assertNotIn("xmtrack.decode_error", " ".join(got.get("_ws.expert.message", [])))
        self.check_event_facts(e, got)
        if e.get("encrypted"):
            self.check_encrypted(e, got)

    def check_transport(self, e, got):
        """What Xiaomi's SDKs send in the clear, and what the plugin derives from it."""
        one = lambda f: (got.get(f) or [None])[0]  # noqa: E731
        if "decrypted" in e:
            self.assertEqual(one("xmtrack.decrypted"), flag(e["decrypted"]))
        if "derived_key" in e:
            self.assertEqual(got.get("xmtrack.enc.key"), [e["derived_key"]])
        if "cipher_len" in e:
            self.assertEqual(got.get("xmtrack.enc.length"), [str(e["cipher_len"])])
        for param in e.get("params", []):
            self.assertIn(param, got.get("xmtrack.param", []))
        if "session_ids" in e:
            self.assertEqual(set(got.get("xmtrack.session_id", [])), set(e["session_ids"]))
        if "sent_time" in e:
            self.assertIn(utc_text(e["sent_time"]), got.get("xmtrack.flush_time", []))
        if "layers" in e:
            self.assertEqual(one("xmtrack.layers"), e["layers"])

    def check_event_facts(self, e, got):
        if "urls" in e:
            self.assertEqual(sorted(set(got.get("xmtrack.url", []))), sorted(set(e["urls"])))
        searches = e.get("search_words", []) + e.get("url_queries", [])
        if searches:
            self.assertEqual(sorted(set(got.get("xmtrack.search_term", []))), sorted(set(searches)))
        for key in ("model", "os_version", "app"):
            if key in e:
                self.assertIn(e[key], got.get(f"xmtrack.{key}", []), key)
        if "distinct_id" in e:
            self.assertEqual(set(got.get("xmtrack.distinct_id", [])), {e["distinct_id"]})
        if "times" in e:
            self.assertEqual(got.get("xmtrack.time", []), [utc_text(ms) for ms in e["times"]])
        if e.get("model_on_every_event"):
            # a batch header's facts land on each of its events
            self.assertEqual(got.get("xmtrack.model", []), [e["model"]] * e["event_count"])
            self.assertEqual(got.get("xmtrack.app", []), [e["app"]] * e["event_count"])
        if "app_count" in e:
            self.assertEqual(got.get("xmtrack.app", []), [e["app"]] * e["app_count"])

    def check_encrypted(self, e, got):
        if "ekey" in e:
            self.assertEqual(got.get("xmtrack.enc.ekey"), [e["ekey"]])
        if "pkv" in e:
            self.assertEqual(got.get("xmtrack.enc.pkv"), [str(e["pkv"])])
        if "payload_count" in e:
            self.assertEqual(len(got.get("xmtrack.enc.payload", [])), e["payload_count"])
        self.check_encrypted_note(e, got)

    def check_encrypted_note(self, e, got):
        """The expert note of a payload the plugin cannot read: there unless decrypted."""
        noted = any("Enciphered payload" in m for m in got.get("_ws.expert.message", []))
        self.assertEqual(noted, e.get("encrypted_payload", True))

    def check_malformed(self, e, got):
        messages = got.get("_ws.expert.message", [])
        layer = e["decode_error"].split(":")[0]  # "gzip: truncated stream" -> "gzip"
        self.assertTrue(any(m.startswith(layer + ": ") for m in messages),
                        f"expected a {layer} error in {messages}")
        self.assertEqual(got.get("xmtrack.event", []), e.get("events_before_error", []))
        if "encrypted" in e:
            self.assertEqual((got.get("xmtrack.encrypted") or [None])[0], flag(e["encrypted"]))
        if "encrypted_payload" in e:
            self.check_encrypted_note(e, got)


def _add_test(name):
    test_name = "test_" + name.replace(".", "_")
    setattr(CaptureExpectations, test_name, lambda self: self.check_capture(name))


for _name in payloads.CAPTURES:
    _add_test(_name)


if __name__ == "__main__":
    unittest.main()
