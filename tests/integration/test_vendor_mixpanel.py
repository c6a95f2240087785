"""What Mixpanel's real SDKs send, decoded: testdata/vendors/mixpanel_* (README there).

Each capture was recorded while mixpanel-browser (in Chromium, over HTTP/1.1, HTTP/2 with TLS
and h2c) or the mixpanel Node SDK sent what testdata/vendors/mixpanel.js told it to; its
.expect.json holds what was told and what the collector received and decoded itself. The
expectations here are computed from that file, never from the plugin's output: per event its name
(a profile update's is its operation), the web addresses among its properties (the keys
docs/formats/mixpanel.md maps to xmtrack.url), the searches (mp_keyword, the site search, and the
query of search-engine addresses, read here with the test's own engine table), the personal-data
kinds the collector found, and per capture the ids, times, query flags and layers. Every check
runs in one pass and in two (-2).
"""
import concurrent.futures
import glob
import json
import os
import unittest
from urllib.parse import parse_qs, parse_qsl, urlsplit

from tshark_env import TsharkEnv, TESTDATA

VENDORS = os.path.join(TESTDATA, "vendors")
PASSES = {"one pass": [], "two passes": ["-2"]}

# Search engines whose result addresses the captures carry, and their query parameter.
ENGINES = {"www.google.com": "q", "www.bing.com": "q", "duckduckgo.com": "q"}
# The property keys docs/formats/mixpanel.md ("Fields") maps to xmtrack.url.
URL_KEYS = {"$current_url", "$referrer", "$initial_referrer", "url", "$url"}
# The collector's names of personal-data kinds, as xmtrack.pii names them.
KINDS = {"email": "email", "phone": "phone", "ip": "ip", "location": "location", "advertising_id": "gaid"}
# Kinds reported exactly where the collector found them (an account id is also inferred from a
# distinct id the app set, which the expectations do not name).
EXACT_KINDS = {"url", "search", "location", "ip", "email", "phone", "gaid"}
# The collector's names of layers, as xmtrack.layers names them.
LAYERS = {"base64": "base64", "json": "JSON"}


def expectations():
    """(capture, expect-file contents) of every Mixpanel capture."""
    for path in sorted(glob.glob(os.path.join(VENDORS, "mixpanel_*.pcapng.expect.json"))):
        with open(path, encoding="utf-8") as f:
            expect = json.load(f)
        yield expect["capture"], expect


def name_of(event):
    """A track event's name, or a profile update's operation."""
    return event["event"] if event["event"] is not None else event["operation"][0]


def urls_of(event):
    if "urls" in event:
        return set(event["urls"].values())
    return {v for k, v in event.get("properties", {}).items() if k in URL_KEYS and isinstance(v, str)}


def searches_of(event):
    terms = {v for k, v in event.get("search", {}).items() if k != "$search_engine"}
    for url in urls_of(event):
        parts = urlsplit(url)
        param = ENGINES.get(parts.hostname or "")
        if param and param in parse_qs(parts.query):
            terms.add(parse_qs(parts.query)[param][0])
    return terms


def kinds_of(event):
    """Personal-data kinds the event must be reported with."""
    kinds = {KINDS[k] for k in event["pii"]}
    if urls_of(event):
        kinds.add("url")
    if searches_of(event):
        kinds.add("search")
    if event.get("user_id"):
        kinds.add("account_id")  # $user_id: the app's own id of the user
    return kinds


def split(text):
    return set(text.split("|")) if text else set()


def flags_of(request):
    """The request URI's parameters but the payload, as name=value."""
    path = request["path"]
    query = urlsplit(path).query
    if request["path_length"] > len(path):  # cut: only what comes before data= is whole
        query = query.split("data=")[0]
    return [f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True) if k != "data"]


class VendorMixpanel(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()
        cls.captures = list(expectations())
        assert cls.captures, "no Mixpanel captures found"
        cls.cache = {}

    def rows(self, capture, expect, passes):
        """One row per decoded event (-z xmtrack,jsonl), in wire order."""
        key = ("rows", capture, passes)
        if key not in self.cache:
            out = self.tshark.run("-r", self.tshark.capture("vendors/" + capture), "-q", "-z", "xmtrack,jsonl",
                                  *expect["tshark_args"], *PASSES[passes]).stdout
            self.cache[key] = [json.loads(line) for line in out.splitlines()]
        return self.cache[key]

    def values(self, capture, expect, passes, fields):
        """Every value of each field over the whole capture."""
        key = ("values", capture, passes, tuple(fields))
        if key not in self.cache:
            frames = self.tshark.fields("vendors/" + capture, fields, extra=[*expect["tshark_args"], *PASSES[passes]])
            self.cache[key] = {f: [v for frame in frames for v in frame.get(f, [])] for f in fields}
        return self.cache[key]

    def each(self):
        for capture, expect in self.captures:
            for passes in PASSES:
                yield capture, expect, passes

    def test_every_event_decoded_in_order(self):
        for capture, expect, passes in self.each():
            with self.subTest(capture=capture, passes=passes):
                rows = self.rows(capture, expect, passes)
                self.assertEqual([r["event"] for r in rows], [name_of(e) for e in expect["received"]["events"]])
                self.assertEqual({r["sdk"] for r in rows}, {"mixpanel"})

    def test_urls_searches_and_personal_data_per_event(self):
        for capture, expect, passes in self.each():
            rows = self.rows(capture, expect, passes)
            for i, (row, event) in enumerate(zip(rows, expect["received"]["events"])):
                with self.subTest(capture=capture, passes=passes, event=i, name=row["event"]):
                    self.assertEqual(split(row["url"]), urls_of(event))
                    self.assertEqual(split(row["search_term"]), searches_of(event))
                    shown = split(row["pii"])
                    self.assertLessEqual(kinds_of(event), shown)
                    # Never reported where not sent: the query's ip=0/ip=1 flag is no address.
                    for kind in EXACT_KINDS:
                        self.assertEqual(kind in shown, kind in kinds_of(event), kind)

    def test_ids_and_times(self):
        fields = ["xmtrack.distinct_id", "xmtrack.anonymous_id", "xmtrack.time"]
        for capture, expect, passes in self.each():
            events = expect["received"]["events"]
            with self.subTest(capture=capture, passes=passes):
                got = self.values(capture, expect, passes, fields)
                self.assertEqual(sorted(got["xmtrack.distinct_id"]), sorted(e["distinct_id"] for e in events))
                self.assertEqual(sorted(got["xmtrack.anonymous_id"]),
                                 sorted(e["device_id"] for e in events if "device_id" in e))
                # Seconds with a fraction on the wire, milliseconds in the field.
                self.assertEqual(sorted(got["xmtrack.time"]), sorted(round(e["time"] * 1000) for e in events if "time" in e))

    def test_messages_flags_and_layers(self):
        fields = ["xmtrack.event_count", "xmtrack.param", "xmtrack.layers", "xmtrack.payload_param"]
        for capture, expect, passes in self.each():
            requests = [r for r in expect["received"]["requests"] if r["analytics"]]
            with self.subTest(capture=capture, passes=passes):
                got = self.values(capture, expect, passes, fields)
                self.assertEqual(sorted(int(n) for n in got["xmtrack.event_count"]),
                                 sorted(r["event_count"] for r in requests))
                self.assertEqual(got["xmtrack.payload_param"], ["data"] * len(requests))
                self.assertEqual(sorted(got["xmtrack.param"]), sorted(f for r in requests for f in flags_of(r)))
                # The collector undoes percent-encoding whether or not the value has an escape; the
                # plugin shows a layer only where one changed the bytes (not in Node's raw base64).
                decoded = [", ".join(l for l in layers.split(", ") if l != "percent-encoding") for layers in got["xmtrack.layers"]]
                self.assertEqual(sorted(decoded), sorted(", ".join(LAYERS[l] for l in r["layers"] if l in ("base64", "json"))
                                                         for r in requests))

    def test_display_filters_alone(self):
        """A display filter alone (no tree: only the facts it names are extracted) finds the
        frames of the events that carry the value, by name, address, search and kind."""
        for capture, expect in self.captures:
            rows = self.rows(capture, expect, "one pass")
            wanted = {}
            for row, event in zip(rows, expect["received"]["events"]):
                frame = int(row["frame"])
                wanted.setdefault(f'xmtrack.event == "{name_of(event)}"', set()).add(frame)
                wanted.setdefault(f'xmtrack.distinct_id == "{event["distinct_id"]}"', set()).add(frame)
                for url in urls_of(event):
                    wanted.setdefault(f'xmtrack.url == "{url}"', set()).add(frame)
                for term in searches_of(event):
                    wanted.setdefault(f'xmtrack.search_term == "{term}"', set()).add(frame)
                for kind in kinds_of(event) & EXACT_KINDS:
                    wanted.setdefault(f'xmtrack.pii == "{kind}"', set()).add(frame)

            def matched(display_filter):
                out = self.tshark.run("-r", self.tshark.capture("vendors/" + capture), "-Y", display_filter,
                                      "-T", "fields", "-e", "frame.number", *expect["tshark_args"]).stdout
                return {int(n) for n in out.split()}
            filters = sorted(wanted)
            with concurrent.futures.ThreadPoolExecutor(2) as pool:
                for display_filter, got in zip(filters, pool.map(matched, filters)):
                    with self.subTest(capture=capture, filter=display_filter):
                        self.assertEqual(got, wanted[display_filter])


if __name__ == "__main__":
    unittest.main()
