"""What the vendor tests share: the real-SDK captures of testdata/vendors/ and the events tshark decodes.

testdata/vendors/README.md says how each capture was recorded and what its .expect.json holds: what the
SDK was told and what the collector received and decoded itself. The tests compute their expectations from
that file, never from the plugin's output; this module only reads both sides.
"""
import glob
import json
import os
from urllib.parse import parse_qs, urlsplit

from tshark_env import TESTDATA, typed_value

VENDORS = os.path.join(TESTDATA, "vendors")

# Search engines whose result URLs the captures carry (testdata/vendors/README.md, persona.js) and their
# query parameter: the tests' own reading of a referrer, independent of the plugin's engine table.
ENGINES = {"www.google.com": "q", "www.bing.com": "q", "duckduckgo.com": "q"}

# The collector's names of personal-data kinds, as xmtrack.pii calls them (FIELDS.md).
PII_KINDS = {"email": "email", "phone": "phone", "ip": "ip", "location": "location", "advertising_id": "gaid"}

# Per event: the event fields compared, as -T json shows them inside "Event N: name".
EVENT_FIELDS = ("xmtrack.event", "xmtrack.event_type", "xmtrack.time", "xmtrack.distinct_id",
                "xmtrack.anonymous_id", "xmtrack.url", "xmtrack.search_term", "xmtrack.pii", "xmtrack.model",
                "xmtrack.os_version", "xmtrack.app")


def expectations(vendor):
    """(capture, expect-file contents) of every capture of the vendor."""
    found = []
    for path in sorted(glob.glob(os.path.join(VENDORS, vendor + "_*.expect.json"))):
        with open(path, encoding="utf-8") as f:
            expect = json.load(f)
        found.append((expect["capture"], expect))
    return found


def search_of(url):
    """The search typed at a known engine, read from its result URL, or None."""
    parts = urlsplit(url)
    param = ENGINES.get(parts.hostname or "")
    values = parse_qs(parts.query).get(param) if param else None
    return values[0] if values else None


def http_strings(value):
    """Every http(s) string inside a decoded JSON value."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in http_strings(v)]
    if isinstance(value, list):
        return [u for v in value for u in http_strings(v)]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return [value]
    return []


def _pairs(pairs):
    """A JSON object with every key's values as a list: tshark's -T json repeats a field's name."""
    out = {}
    for key, value in pairs:
        out.setdefault(key, []).append(value)
    return out


def _values(node, key):
    return node.get(key, [])


class DecodedCaptures:
    """Runs tshark (one pass, or two with -2) over a capture and reads its xmtrack messages and events."""

    def __init__(self, tshark):
        self.tshark = tshark
        self.types = tshark.field_types()

    def messages(self, capture, tshark_args, two_pass=False):
        """[(frame, message dict)] of every xmtrack message, in frame order."""
        args = ["-r", self.tshark.capture("vendors/" + capture), "-T", "json", "-Y", "xmtrack", *tshark_args]
        if two_pass:
            args.append("-2")
        packets = json.loads(self.tshark.run(*args).stdout or "[]", object_pairs_hook=_pairs)
        found = []
        for packet in packets:
            layers = packet["_source"][0]["layers"][0]
            frame = int(layers["frame"][0]["frame.number"][0])
            for message in _values(layers, "xmtrack"):
                found.append((frame, message))
        return found

    def events(self, capture, tshark_args, two_pass=False):
        """One dict per decoded event, in wire order: field -> list of typed values, and "frame"."""
        out = []
        for frame, message in self.messages(capture, tshark_args, two_pass):
            for key in message:
                if not key.startswith("Event "):
                    continue
                for event in _values(message, key):
                    row = {f: [typed_value(self.types.get(f), v) for v in _values(event, f)] for f in EVENT_FIELDS}
                    row["frame"] = frame
                    out.append(row)
        return out

    def message_fields(self, capture, tshark_args, field, two_pass=False):
        """The values of a message-level field, one list per message."""
        return [[typed_value(self.types.get(field), v) for v in _values(m, field)]
                for _, m in self.messages(capture, tshark_args, two_pass)]
