"""What the real Snowplow trackers send, decoded: testdata/vendors/snowplow_*.pcapng (README there).

Each capture was recorded while @snowplow/browser-tracker (in Chromium: GET /i, POST tp2 with
base64 or with JSON strings) or @snowplow/node-tracker sent what testdata/vendors/generate.js told it
to; its .expect.json holds what was told and what the collector received and decoded itself (the
query or JSON pairs, base64url contexts and self-describing events, JSON strings). The expectations
here are computed from that file, never from the plugin's output, with the mapping of
docs/formats/snowplow.md ("Fields"), in one pass and in two (-2).
"""
import datetime
import glob
import json
import os
import unittest
from urllib.parse import parse_qs, urlsplit

from tshark_env import TsharkEnv, TESTDATA

VENDORS = os.path.join(TESTDATA, "vendors")

# docs/formats/snowplow.md, "Fields".
SPELLED = {"pv": "page_view", "pp": "page_ping", "tr": "transaction", "ti": "transaction_item"}
EVENT_URL_KEYS = ["url", "$url", "targetUrl"]  # in a self-describing event's data
SITE_SEARCH = "iglu:com.snowplowanalytics.snowplow/site_search/"
# Search engines whose result URLs the captures carry, and their query parameter: the test's own
# reading of a referrer, independent of the plugin's engine table.
ENGINES = {"www.google.com": "q", "www.bing.com": "q", "duckduckgo.com": "q"}
PII_NAMES = {"advertising_id": "gaid"}  # the collector's names, as xmtrack.pii spells them


def expectations():
    for path in sorted(glob.glob(os.path.join(VENDORS, "snowplow_*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            yield json.load(f)


def engine_term(url):
    parts = urlsplit(url)
    param = ENGINES.get(parts.hostname or "")
    values = parse_qs(parts.query).get(param) if param else None
    return values[0] if values else None


def vendor_name(schema):
    """iglu:com.acme/viewed_product/jsonschema/1-0-0 -> com.acme/viewed_product"""
    return "/".join(schema[len("iglu:"):].split("/")[:2])


class Expected:
    """What one received event must decode to."""

    def __init__(self, event):
        e = event["e"]
        if e == "ue":
            self.name = vendor_name(event["event_schema"])
        elif e == "se":
            self.name = event["se"]["se_ac"]
        else:
            self.name = SPELLED.get(e, e)
        self.time = int(event.get("ttm") or event["dtm"])
        self.distinct_id = event.get("uid") or event["duid"]
        self.anonymous_id = event["duid"]
        self.app = event["aid"]
        data = event.get("event_data") or {}
        self.urls = {event[k] for k in ("url", "refr") if event.get(k)} | \
                    {data[k] for k in EVENT_URL_KEYS if isinstance(data.get(k), str)}
        self.searches = {t for t in map(engine_term, self.urls) if t}
        if event.get("event_schema", "").startswith(SITE_SEARCH):
            self.searches.add(" ".join(data["terms"]))
        mobile = [x["data"] for x in event.get("entities", []) if "/mobile_context/" in x["schema"]]
        self.model = mobile[0].get("deviceModel") if mobile else None
        self.os_version = mobile[0].get("osVersion") if mobile else None
        kinds = {PII_NAMES.get(k, k) for k in event["pii"]}
        if self.urls:
            kinds.add("url")
        if self.searches:
            kinds.add("search")
        if event.get("uid"):
            kinds.add("account_id")  # the site's own user id
        self.kinds = kinds
        self.base64_layers = sum(1 for v in event.get("inner_layers", {}).values() if v.startswith("base64"))
        self.json_strings = sum(1 for k in ("ue_pr", "co") if k in event["param_keys"])


def split(text):
    return set(text.split("|")) if text else set()


class Snowplow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = list(expectations())
        assert len(cls.captures) >= 5, "the Snowplow captures of testdata/vendors are missing"
        cls.cache = {}

    def args(self, expect, two_pass):
        return list(expect["tshark_args"]) + (["-2"] if two_pass else [])

    def rows(self, expect, two_pass=False):
        key = (expect["capture"], two_pass)
        if key not in self.cache:
            out = self.tshark.run("-r", self.tshark.capture("vendors/" + expect["capture"]), "-q",
                                  "-z", "xmtrack,jsonl", *self.args(expect, two_pass)).stdout
            self.cache[key] = [json.loads(line) for line in out.splitlines()]
        return self.cache[key]

    def frames(self, expect, fields, two_pass=False):
        return self.tshark.fields("vendors/" + expect["capture"], fields, "xmtrack", self.args(expect, two_pass))

    def each(self):
        for expect in self.captures:
            for two_pass in (False, True):
                yield expect, two_pass

    def pairs(self, expect, two_pass):
        return zip(self.rows(expect, two_pass), (Expected(e) for e in expect["received"]["events"]))

    def test_every_event_decoded_in_order(self):
        for expect, two_pass in self.each():
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                rows = self.rows(expect, two_pass)
                self.assertEqual([r["event"] for r in rows], [Expected(e).name for e in expect["received"]["events"]])
                self.assertEqual({r["sdk"] for r in rows}, {"snowplow"})

    def test_time_app_urls_searches_and_personal_data(self):
        for expect, two_pass in self.each():
            for i, (row, want) in enumerate(self.pairs(expect, two_pass)):
                with self.subTest(capture=expect["capture"], two_pass=two_pass, event=i, name=want.name):
                    self.assertEqual(row["event_time"], _iso(want.time))
                    self.assertEqual(row["app"], want.app)
                    self.assertEqual(split(row["url"]), want.urls)
                    self.assertEqual(split(row["search_term"]), want.searches)
                    shown = split(row["pii"])
                    self.assertLessEqual(want.kinds, shown)
                    for kind in ("url", "search", "location", "account_id", "ip"):  # never where not sent
                        self.assertEqual(kind in shown, kind in want.kinds, kind)

    def test_ids_and_device_per_frame(self):
        """distinct_id (uid, else duid), anonymous_id (duid), model and OS of the mobile context, in
        event order, frame by frame (HTTP/2 may end several requests in one frame)."""
        fields = ["frame.number", "xmtrack.distinct_id", "xmtrack.anonymous_id", "xmtrack.model",
                  "xmtrack.os_version"]
        for expect, two_pass in self.each():
            want = {}
            for row, e in self.pairs(expect, two_pass):
                lists = want.setdefault(int(row["frame"]), {f: [] for f in fields[1:]})
                lists["xmtrack.distinct_id"].append(e.distinct_id)
                lists["xmtrack.anonymous_id"].append(e.anonymous_id)
                if e.model:
                    lists["xmtrack.model"].append(e.model)
                if e.os_version:
                    lists["xmtrack.os_version"].append(e.os_version)
            shown = {int(f["frame.number"][0]): {name: f.get(name, []) for name in fields[1:]}
                     for f in self.frames(expect, fields, two_pass)}
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                self.assertEqual(shown, want)

    def test_only_event_requests_are_claimed(self):
        """A GET is one event; a POST one message of its events; preflights are not claimed."""
        for expect, two_pass in self.each():
            requests = [r for r in expect["received"]["requests"] if r["analytics"]]
            frames = self.frames(expect, ["xmtrack.sdk", "xmtrack.event_count"], two_pass)
            counts = sorted(int(c) for f in frames for c in f.get("xmtrack.event_count", []))
            with self.subTest(capture=expect["capture"], two_pass=two_pass):
                self.assertEqual([s for f in frames for s in f.get("xmtrack.sdk", [])], ["snowplow"] * len(requests))
                self.assertEqual(counts, sorted(r["event_count"] for r in requests))

    def test_encoded_documents_are_layers(self):
        """Every base64 context or self-describing event, and every one sent as a JSON string, is a
        decoded layer of its own (a tab in Wireshark)."""
        for expect in self.captures:
            events = [Expected(e) for e in expect["received"]["events"]]
            shown = [layer for f in self.frames(expect, ["xmtrack.layers"])
                     for value in f.get("xmtrack.layers", []) for layer in value.split(", ")]
            with self.subTest(capture=expect["capture"]):
                self.assertEqual(shown.count("base64"), sum(e.base64_layers for e in events))
                self.assertEqual(shown.count("JSON string"), sum(e.json_strings for e in events))

    def test_schemas_shown_as_members(self):
        """Each self-describing JSON's iglu: schema is a member of its event."""
        for expect in self.captures:
            members = {m.split("=", 1)[1] for f in self.frames(expect, ["xmtrack.member"])
                       for m in f.get("xmtrack.member", []) if "schema=" in m}
            want = {x["schema"] for e in expect["received"]["events"] for x in e.get("entities", [])} | \
                   {e["event_schema"] for e in expect["received"]["events"] if "event_schema" in e}
            with self.subTest(capture=expect["capture"]):
                self.assertLessEqual(want, members)


def _iso(ms):
    """Epoch milliseconds as the jsonl export writes a time."""
    t = datetime.datetime.fromtimestamp(ms // 1000, tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


if __name__ == "__main__":
    unittest.main()
