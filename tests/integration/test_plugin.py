"""The plugin as users meet it: the field contract, filters, expert items,
decoded data sources, preferences, the built-in trees it must keep, and the
same tree on one pass and two."""
import os
import unittest

from tshark_env import TsharkEnv

# docs/fields.md, less the privacy fields that come with the privacy layer.
CONTRACT = {
    "xmtrack.sdk": "FT_STRING",
    "xmtrack.project": "FT_STRING",
    "xmtrack.gzip_code": "FT_UINT32",
    "xmtrack.crc": "FT_INT32",
    "xmtrack.crc_valid": "FT_BOOLEAN",
    "xmtrack.sign_valid": "FT_BOOLEAN",
    "xmtrack.encrypted": "FT_BOOLEAN",
    "xmtrack.decrypted": "FT_BOOLEAN",
    "xmtrack.event_count": "FT_UINT32",
    "xmtrack.event": "FT_STRING",
    "xmtrack.event_type": "FT_STRING",
    "xmtrack.time": "FT_ABSOLUTE_TIME",
    "xmtrack.distinct_id": "FT_STRING",
    "xmtrack.model": "FT_STRING",
    "xmtrack.os_version": "FT_STRING",
    "xmtrack.app": "FT_STRING",
    "xmtrack.url": "FT_STRING",
    "xmtrack.search_term": "FT_STRING",
    "xmtrack.member": "FT_STRING",
}
# expert name -> (a capture that raises it, its severity/group as -V prints them)
CONTRACT_EXPERT = {
    "xmtrack.crc_bad": ("sensors_crc_bad.pcap", "Warning/Checksum"),
    "xmtrack.sign_bad": ("fidelity.pcap", "Warning/Checksum"),
    "xmtrack.decode_error": ("malformed.pcap", "Error/Malformed"),
    "xmtrack.encrypted_payload": ("sensors_encrypted9.pcap", "Note/Security"),
}


class Plugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()

    def test_contract_fields_and_types(self):
        rows = [line.split("\t") for line in self.tshark.run("-G", "fields").stdout.splitlines()]
        registered = {r[2]: r[3] for r in rows if r[0] == "F" and r[2].startswith("xmtrack.")}
        for name, ftype in CONTRACT.items():
            with self.subTest(field=name):
                self.assertEqual(registered.get(name), ftype)

    def test_contract_expert_items(self):
        # tshark 4.0 has no "-G expert": read each item off a capture that raises it.
        for name, (capture, kind) in CONTRACT_EXPERT.items():
            with self.subTest(expert=name):
                tree = self.tshark.verbose(capture, ["-Y", name])
                self.assertIn(f"[Expert Info ({kind}):", tree)
                self.assertIn(f"[Severity level: {kind.split('/')[0]}]", tree)

    def test_hooks_registered(self):
        self.assertIn("http\txmtrack\tT", self.tshark.run("-G", "heuristic-decodes").stdout)

    def test_readme_filters(self):
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'xmtrack.url contains "duckduckgo"'), 1)
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'xmtrack.search_term == "redmi note 8 root"'), 1)
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'xmtrack.member == "properties.$model=Redmi Note 8"'), 1)
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'xmtrack.crc_bad'), 0)
        self.assertEqual(self.tshark.count("sensors_crc_bad.pcap", 'xmtrack.crc_bad'), 1)
        self.assertEqual(self.tshark.count("malformed.pcap", 'xmtrack.decode_error'), 5)
        self.assertEqual(self.tshark.count("sensors_encrypted9.pcap", 'xmtrack.encrypted_payload'), 1)
        self.assertEqual(self.tshark.count("sensors_js_get.pcap", 'xmtrack.crc < 0 && xmtrack.crc_valid'), 1)

    def test_event_time_is_utc_epoch_ms(self):
        times = self.tshark.fields("sensors_android.pcap", ["xmtrack.time"])[0]["xmtrack.time"]
        self.assertEqual(times[0], 1588291200123)  # 2020-05-01T00:00:00.123Z, as the capture was told
        self.assertEqual(len(times), 5)

    def test_tree_groups_event_members(self):
        tree = self.tshark.verbose("sensors_android.pcap", ["-O", "xmtrack", "-Y", "xmtrack"])
        self.assertIn("Vendor Telemetry, sensors, 5 events", tree)
        self.assertIn("    Event 1: page_load_event_start\n        Event: page_load_event_start\n", tree)
        self.assertIn("        properties\n            Member: properties.$lib = Android\n", tree)
        self.assertIn("            Member: properties.$model = Redmi Note 8\n", tree)
        self.assertIn("        lib\n            Member: lib.$lib = Android\n", tree)
        self.assertIn("[Layers: percent-encoding, base64, gzip, JSON]", tree)

    def test_decoded_layers_are_data_sources(self):
        out = self.tshark.run("-r", self.tshark.capture("sensors_android.pcap"), "-Y", "xmtrack", "-x").stdout
        for label in ("data_list (percent-decoded)", "data_list (base64-decoded)", "data_list (gzip-inflated)"):
            self.assertIn(label, out)
        self.assertIn("1f 8b 08", out)  # the gzip header, in the base64-decoded tab

    def test_builtin_trees_are_kept(self):
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'xmtrack && urlencoded-form.key == "data_list"'), 1)
        self.assertEqual(self.tshark.count("sensors_js_post.pcap", 'xmtrack && data-text-lines'), 1)
        self.assertEqual(self.tshark.count("negatives.pcap", 'urlencoded-form.key == "password"'), 1)
        self.assertEqual(self.tshark.count("negatives.pcap", 'json.key == "items"'), 1)

    def test_negatives_unclaimed(self):
        self.assertEqual(self.tshark.count("negatives.pcap", "xmtrack"), 0)
        self.assertEqual(self.tshark.count("negatives.pcap", "http.request"), 8)

    def test_disabled_protocol_keeps_form_tree(self):
        extra = ["--disable-protocol", "xmtrack"]
        self.assertEqual(self.tshark.count("sensors_android.pcap", "xmtrack", extra), 0)
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'urlencoded-form.key == "data_list"', extra), 1)

    def test_pref_decode_bodies_off(self):
        extra = ["-o", "xmtrack.decode_bodies:FALSE"]
        self.assertEqual(self.tshark.count("sensors_android.pcap", "xmtrack", extra), 0)
        self.assertEqual(self.tshark.count("sensors_js_get.pcap", "xmtrack", extra), 0)
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'urlencoded-form.key == "data_list"', extra), 1)

    def test_pref_json_tree(self):
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'json.value.string == "search"'), 0)
        extra = ["-o", "xmtrack.show_json_tree:TRUE"]
        self.assertEqual(self.tshark.count("sensors_android.pcap", 'json.value.string == "search"', extra), 1)

    def test_pref_max_events(self):
        extra = ["-o", "xmtrack.max_events:2"]
        got = self.tshark.fields("sensors_android.pcap", ["xmtrack.event_count", "_ws.expert.message"], extra=extra)[0]
        self.assertEqual(got["xmtrack.event_count"], ["2"])
        self.assertTrue(any(m.startswith("limit: more than 2 events") for m in got["_ws.expert.message"]))

    def test_one_pass_equals_two_passes(self):
        for name in sorted(os.listdir(self.tshark.captures)):
            if not name.endswith((".pcap", ".pcapng")):
                continue
            with self.subTest(capture=name):
                args = ["-r", self.tshark.capture(name), "-o", "tls.keylog_file:sensors_tls.keys",
                        "-Y", "xmtrack", "-V", "-O", "xmtrack"]
                one = self.tshark.run(*args).stdout
                two = self.tshark.run("-2", *args).stdout
                self.assertEqual(one, two)


    def test_each_format_can_be_turned_off(self):
        """One preference per row of the format table, decode_<name>, all on: off, that
        format's uploads are left to the built-in dissectors, and the others still decode."""
        self.assertEqual(self.tshark.count("sensors_android.pcap", "xmtrack", extra=["-o", "xmtrack.decode_sensors:FALSE"]), 0)
        self.assertEqual(self.tshark.count("onetrack.pcap", "xmtrack", extra=["-o", "xmtrack.decode_sensors:FALSE"]),
                         self.tshark.count("onetrack.pcap", "xmtrack"))
        self.assertEqual(self.tshark.count("onetrack.pcap", "xmtrack", extra=["-o", "xmtrack.decode_onetrack:FALSE"]), 0)
        self.assertEqual(self.tshark.count("sensors_android.pcap", "xmtrack", extra=["-o", "xmtrack.decode_onetrack:FALSE"]), 1)


if __name__ == "__main__":
    unittest.main()
