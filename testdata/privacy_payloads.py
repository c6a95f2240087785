"""Payloads of testdata/privacy.pcap: personal data of every kind, near misses
that must not be flagged, and watch-list identifiers in hashed and encoded forms.

Recorded by make_privacy_captures.py with the same loopback server and tcpdump
as the other captures; read by tests/integration/test_privacy.py.
"""
import base64
import hashlib

import payloads as P

# --- request 1: one event carrying every kind of personal data -------------------------------
IMEI = "490154203237518"          # passes Luhn
ANDROID_ID = "9774d56d682e549c"
OAID = "a8f3c2d1e0b94f7a"
GAID = "38400000-8cf0-11bd-b23e-10b96e40000d"
MAC = "3c:bd:3e:12:34:56"
IMSI = "214071234567890"
SERIAL = "8d6e2f1a9c"
EMAIL = "alice.doe@example.org"
PHONE = "+34600111222"
LATITUDE, LONGITUDE = 40.4168, -3.7038
URL_SEARCH = "https://www.google.com/search?q=abortion+clinic+near+me"
SEARCH = "abortion clinic near me"
ACCOUNT = "2882303761"

ALL_KINDS = ["imei", "android_id", "oaid", "gaid", "mac", "imsi", "serial", "email", "phone",
             "location", "url", "search", "account_id"]

EVERY_KIND = P.android_track(11111, 0, "device_report", {
    "imei": IMEI, "android_id": ANDROID_ID, "oaid": OAID, "gaid": GAID, "mac": MAC, "imsi": IMSI,
    "serial": SERIAL, "email": EMAIL, "phone": PHONE, "$latitude": LATITUDE, "$longitude": LONGITUDE,
    "$url": URL_SEARCH, "login_id": ACCOUNT,
})
# The Android preset properties carry $device_id (an Android ID): drop them here so the
# event holds exactly the values above.
EVERY_KIND["properties"] = {k: v for k, v in EVERY_KIND["properties"].items()
                            if not k.startswith("$") or k in ("$latitude", "$longitude", "$url")}

# --- request 2: near misses that are not personal data ----------------------------------------
NEAR_MISSES = {
    "imei": "490154203237519",            # 15 digits, Luhn fails
    "checksum": "9774d56d682e549c",       # 16 hex digits, not under an id-like key
    "counter": "123456789012345",         # 15 digits, Luhn fails, no hint
    "mac": "02:00:00:00:00:00",           # Android's placeholder for "no MAC"
    "gaid": "00000000-0000-0000-0000-000000000000",  # limited ad tracking
    "note": "call me maybe",
}
NEAR_MISS_EVENT = P.android_track(22222, 1, "settings_changed", NEAR_MISSES)
NEAR_MISS_EVENT["properties"] = dict(NEAR_MISSES)

# --- request 3: watch-list identifiers, each in one form --------------------------------------
WATCH = {
    # label: (identifier as the user knows it, form it is sent in)
    "my IMEI": ("355402081234563", "MD5"),
    "my phone": ("+34911222333", "SHA-1"),
    "my e-mail": ("bob@example.net", "SHA-256"),
    "my Android ID": ("0f1e2d3c4b5a6978", "base64"),
    "my serial": ("R58M12ABCDE", "clear"),
    "never sent": ("this-value-is-not-in-the-capture", None),
}


def _sent_form(value, form):
    data = value.encode()
    if form == "MD5":
        return hashlib.md5(data).hexdigest()
    if form == "SHA-1":
        return hashlib.sha1(data).hexdigest().upper()   # upper-case hex on purpose
    if form == "SHA-256":
        return hashlib.sha256(data).hexdigest()
    if form == "base64":
        return base64.b64encode(data).decode()
    return "device " + value + " ok"                    # clear, inside a longer string


HASHED_EVENT = P.android_track(33333, 2, "sync", {
    "h%d" % i: _sent_form(value, form)
    for i, (value, form) in enumerate(WATCH.values()) if form
})
HASHED_EVENT["properties"] = {k: v for k, v in HASHED_EVENT["properties"].items() if k.startswith("h")}


def watch_uat_options():
    """tshark -o arguments that load the watch list."""
    args = []
    for label, (value, _) in WATCH.items():
        args += ["-o", 'uat:xmtrack_watchlist:"%s","%s"' % (label, value)]
    return args


def requests():
    return [P.android_req(body=P.android_body(P.gzip1_value([event])), expect={"sdk": "sensors"})
            for event in (EVERY_KIND, NEAR_MISS_EVENT, HASHED_EVENT)]
