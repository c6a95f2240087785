#!/usr/bin/env python3
"""Rewrites real captures from testdata/ into the files PCAPdroid writes on a phone.

PCAPdroid (github.com/emanuele-f/PCAPdroid) marks every packet with the Android uid of the app
that sent or received it. docs/formats/pcapdroid.md describes its formats from its source; this
script writes them, byte for byte as PCAPdroid's `pcap_dump.c` does, around packets taken from the
real captures in testdata/ (the payloads are unchanged: the real SDKs and the loopback clients
built them). Nothing here comes from xmtrack's output.

    python3 testdata/pcapdroid/make_pcapdroid_captures.py          # writes the files beside it
    python3 testdata/pcapdroid/make_pcapdroid_captures.py --check  # and reads them with tshark

Written (see README.md beside this script):
  pcapdroid_v1.9.pcapng    pcapng as PCAPdroid 1.8.0-1.9.1 (releases) write it: uid map custom
                           blocks, "u-<uid>" EPB comments, no opt_endofopt
  pcapdroid_head.pcapng    the same as PCAPdroid's development head writes it (opt_endofopt, 2026-07)
  pcapdroid_trailer.pcap   pcap with "PCAPdroid extensions": bogus Ethernet header + trailer
  pcapdroid_trailer.keylog the TLS keys for the pcap (PCAPdroid exports them as a separate file)
  pcapdroid_connections.csv  PCAPdroid's Connections > Export CSV of the same traffic
  pcapdroid.expect.json    what was assigned: every flow's uid, package, label, and what its
                           payload names (from the source capture's own expectations)

Stdlib only. The output is deterministic: same inputs, same bytes.
"""
import argparse
import hashlib
import json
import os
import struct
import subprocess
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)
sys.path.insert(0, TESTDATA)

# --- PCAPdroid's constants (app/src/main/jni/core/pcap_dump.h) ---------------------------------
TRAILER_MAGIC = 0x01072021
PCAPDROID_PEN = 62652
PCAPNG_VERSION = 1
BLOCK_UID_MAP = 1
LINKTYPE_ETHERNET = 1
LINKTYPE_RAW = 101
SNAPLEN = 32768                      # VPN mode: VPN_BUFFER_SIZE (pcapdroid.h)
VPN_IP = bytes([10, 215, 173, 1])    # CaptureService.VPN_IP_ADDRESS
VPN_IP6 = bytes.fromhex("fd000002fd000001fd000001fd000001")  # VPN_IP6_ADDRESS
# PCAPdroid writes the phone's model, Android version and its own version here
# (Utils.getDeviceModel(), getOsVersion(), getAppVersionString()). No test reads them, and a
# committed capture's section header names no machine (integration.test_hygiene), so these
# files carry the neutral values of testdata/tools/neutral_shb.py instead.
SHB_HARDWARE = "unspecified"
SHB_OS = "unspecified"
SHB_APPL = "xmtrack testdata (host details removed by testdata/tools/neutral_shb.py)"
DSB_TLS_KEYLOG = 0x544c534b

BASE_TIME_US = 1741597200 * 1000000  # 2025-03-10T09:00:00Z: the simulated phone session starts
SOURCE_STEP_US = 4 * 1000000         # each source's traffic starts 4 s after the previous one's

# --- The plan: which app PCAPdroid attributes each source capture's traffic to ----------------
# uid -> (package, app label), as PCAPdroid's AppsResolver would answer. "" = the uid resolved to
# nothing (an app uninstalled before the capture stopped): PCAPdroid then writes empty names.
APPS = {
    10123: ("com.mi.globalbrowser.mini", "Mint Browser"),
    10145: ("com.android.chrome", "Chrome"),
    10188: ("com.miui.weather2", "Weather"),
    10234: ("com.xiaomi.smarthome", "Mi Home 米家 智能家居"),   # 19-byte cut falls inside 能
    1000: ("android", "Android"),                              # AppsResolver's virtual app
    -1: ("unknown", "Unknown"),                                # Utils.UID_UNKNOWN
    10321: ("", ""),                                           # a uid without a name
}

# (source capture, uid, why). Every TCP connection of a source goes to its uid.
SOURCES = [
    ("sensors_android.pcap", 10123, "the browser's own Sensors upload: payload and capture agree"),
    ("realsdk/js_beacon_http1.pcapng", 10145, "the real JS SDK in a web page: the payload names no app"),
    ("miui_analytics.pcap", 1000, "a system service uploading on behalf of apps: they disagree"),
    ("sensors_tls_dsb.pcapng", 10123, "HTTPS: keys in a DSB (pcapng) or the .keylog (pcap)"),
    ("sensors_signup.pcap", 10188, "an app sending events that name another app: they disagree"),
    ("onetrack.pcap", 10234, "a label longer than the trailer's 19 bytes"),
    ("realsdk/js_ajax_https1.pcapng", 10145, "the real JS SDK over HTTPS"),
    ("miui_tracker.pcap", 10321, "a uid PCAPdroid could not name"),
    ("mistat_v2.pcap", -1, "traffic PCAPdroid could not attribute (uid -1)"),
    ("sensors_ipv6.pcap", 10123, "IPv6: the trailer's bogus Ethernet header says 0x86dd"),
]


# --- Reading the source captures ---------------------------------------------------------------

def read_capture(path):
    """(packets, secrets): packets as (timestamp in us, linktype, bytes); secrets as TLS key log
    text from pcapng Decryption Secrets Blocks. Classic pcap and little-endian pcapng only (all
    of testdata/ is)."""
    data = open(path, "rb").read()
    magic = struct.unpack_from("<I", data)[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        nano = magic == 0xa1b23c4d
        linktype = struct.unpack_from("<I", data, 20)[0]
        packets, off = [], 24
        while off + 16 <= len(data):
            sec, frac, incl, _orig = struct.unpack_from("<IIII", data, off)
            us = sec * 1000000 + (frac // 1000 if nano else frac)
            packets.append((us, linktype, data[off + 16:off + 16 + incl]))
            off += 16 + incl
        return packets, []
    if magic != 0x0A0D0D0A:
        raise ValueError(f"{path}: not a capture this script reads")
    packets, secrets, links, off = [], [], [], 0
    while off + 12 <= len(data):
        btype, blen = struct.unpack_from("<II", data, off)
        body = data[off + 8:off + blen - 4]
        if btype == 0x0A0D0D0A:
            links = []
        elif btype == 1:
            links.append((struct.unpack_from("<H", body)[0], ticks_per_second(body[8:])))
        elif btype == 6:
            ifid, hi, lo, caplen, _orig = struct.unpack_from("<IIIII", body)
            linktype, ticks = links[ifid]
            packets.append((((hi << 32) | lo) * 1000000 // ticks, linktype, body[20:20 + caplen]))
        elif btype == 10:
            stype, slen = struct.unpack_from("<II", body)
            if stype == DSB_TLS_KEYLOG:
                secrets.append(body[8:8 + slen])
        off += blen
    return packets, secrets


def ticks_per_second(options):
    """An IDB's if_tsresol (option 9): 10^-n or 2^-n seconds; microseconds when absent."""
    off = 0
    while off + 4 <= len(options):
        code, length = struct.unpack_from("<HH", options, off)
        if code == 0:
            break
        if code == 9:
            res = options[off + 4]
            return 2 ** (res & 0x7f) if res & 0x80 else 10 ** res
        off += 4 + length + pad4(length)
    return 1000000


def ip_packet(linktype, frame):
    """The IP packet inside a frame, trimmed to its own length; None for anything else."""
    if linktype == LINKTYPE_ETHERNET:
        if struct.unpack_from("!H", frame, 12)[0] not in (0x0800, 0x86dd):
            return None
        frame = frame[14:]
    elif linktype != LINKTYPE_RAW:
        raise ValueError(f"link type {linktype} not handled")
    version = frame[0] >> 4
    if version == 4:
        return frame[:struct.unpack_from("!H", frame, 2)[0]]
    if version == 6:
        return frame[:40 + struct.unpack_from("!H", frame, 4)[0]]
    return None


def endpoints(ip):
    """((src address, src port), (dst address, dst port), tcp flags) of a TCP packet."""
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 0x0f) * 4
        src, dst, tcp = ip[12:16], ip[16:20], ip[ihl:]
    else:
        src, dst, tcp = ip[8:24], ip[24:40], ip[40:]
    sport, dport = struct.unpack_from("!HH", tcp)
    return (src, sport), (dst, dport), tcp[13]


# --- Rewriting addresses as PCAPdroid's VPN shows them -----------------------------------------

def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def readdress(ip, src, dst):
    """The packet with new addresses, its IPv4 header and TCP checksums recomputed."""
    ip = bytearray(ip)
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 0x0f) * 4
        ip[12:16], ip[16:20] = src, dst
        ip[10:12] = b"\0\0"
        ip[10:12] = struct.pack("!H", checksum(bytes(ip[:ihl])))
        seg_off = ihl
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(ip) - ihl)
    else:
        ip[8:24], ip[24:40] = src, dst
        seg_off = 40
        pseudo = src + dst + struct.pack("!I3xB", len(ip) - 40, 6)
    ip[seg_off + 16:seg_off + 18] = b"\0\0"
    ip[seg_off + 16:seg_off + 18] = struct.pack("!H", checksum(pseudo + bytes(ip[seg_off:])))
    return bytes(ip)


def server_address(index, v6):
    """One documentation address per source (RFC 5737 / RFC 3849), so no two flows collide."""
    if v6:
        return bytes.fromhex("20010db8000000000000000000000000")[:15] + bytes([index + 1])
    return bytes([203, 0, 113, index + 1])


# --- The plan applied: packets, flows, expectations ---------------------------------------------

def source_expectation(name):
    """What the source capture's payloads name (its own expectations, never xmtrack's output):
    (apps named by the payload, number of events decoded from it)."""
    if name.startswith("realsdk/"):
        expect = json.load(open(os.path.join(TESTDATA, name + ".expect.json"), encoding="utf-8"))
        records = expect["told"]["records"]
        return [], len(records)
    import payloads
    key = "sensors_tls.pcap" if name == "sensors_tls_dsb.pcapng" else name
    reqs = payloads.CAPTURES[key]
    apps = sorted({r.expect["app"] for r in reqs if r.expect.get("app")})
    return apps, sum(r.expect.get("event_count") or 0 for r in reqs)


def build_plan():
    """Every packet as (time, uid, ip bytes) in capture order, the key log, and one record per
    flow for the expectations."""
    packets, keylog, flows = [], b"", []
    for index, (name, uid, why) in enumerate(SOURCES):
        raw, secrets = read_capture(os.path.join(TESTDATA, name))
        keylog += b"".join(s if s.endswith(b"\n") else s + b"\n" for s in secrets)
        start = raw[0][0]
        clients = {}
        for us, linktype, frame in raw:
            ip = ip_packet(linktype, frame)
            if ip is None:
                continue
            (src, sport), (dst, dport), flags = endpoints(ip)
            conn = frozenset([(src, sport), (dst, dport)])
            if conn not in clients:
                # the side that sent the SYN (or, without one, the first packet) is the phone
                clients[conn] = (dst, dport) if flags & 0x12 == 0x12 else (src, sport)
            client = clients[conn]
            v6 = ip[0] >> 4 == 6
            phone, server = (VPN_IP6 if v6 else VPN_IP), server_address(index, v6)
            outbound = (src, sport) == client
            new = readdress(ip, phone if outbound else server, server if outbound else phone)
            packets.append((BASE_TIME_US + index * SOURCE_STEP_US + (us - start), index, uid, new))
        package, label = APPS[uid]
        for conn, (caddr, cport) in sorted(clients.items(), key=lambda kv: kv[1][1]):
            (_saddr, sport), = [ep for ep in conn if ep != (caddr, cport)]
            v6 = len(caddr) == 16
            flows.append({
                "source": name, "uid": uid, "package": package, "app_name": label,
                "client": fmt_endpoint(VPN_IP6 if v6 else VPN_IP, cport),
                "server": fmt_endpoint(server_address(index, v6), sport),
            })
    packets.sort(key=lambda p: (p[0], p[1]))  # stable: by time, then source order
    return packets, keylog, flows


def fmt_endpoint(addr, port):
    if len(addr) == 4:
        return "%s:%d" % (".".join(map(str, addr)), port)
    import ipaddress
    return "[%s]:%d" % (ipaddress.IPv6Address(addr), port)


# --- pcapng, as pcap_dump.c writes it -----------------------------------------------------------

def pad4(n):
    return (-n) & 3


def option(code, value):
    return struct.pack("<HH", code, len(value)) + value + b"\0" * pad4(len(value))


def block(btype, body):
    total = 12 + len(body)
    return struct.pack("<II", btype, total) + body + struct.pack("<I", total)


def pcapng_preamble(endofopt):
    """get_pcapng_preamble(): SHB with hardware, OS and application options; IDB LINKTYPE_RAW."""
    opts = (option(2, SHB_HARDWARE.encode()) + option(3, SHB_OS.encode()) + option(4, SHB_APPL.encode()))
    if endofopt:
        opts += b"\0\0\0\0"
    shb = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + opts)
    idb = block(1, struct.pack("<HHI", LINKTYPE_RAW, 0, SNAPLEN))
    return shb + idb


def uid_map_block(uid):
    """dump_pcapng_uid_mapping(): a Custom Block (0x00000BAD, copyable) with PEN 62652."""
    package, label = (s.encode("utf-8")[:63] for s in APPS[uid])  # 64-byte buffers in PCAPdroid
    body = struct.pack("<IHBBiBB", PCAPDROID_PEN, PCAPNG_VERSION, BLOCK_UID_MAP, 0, uid, len(package), len(label))
    body += package + label
    body += b"\0" * pad4(12 + len(body))
    return block(0x00000BAD, body)


def dsb_block(keylog):
    return block(10, struct.pack("<II", DSB_TLS_KEYLOG, len(keylog)) + keylog + b"\0" * pad4(len(keylog)))


def epb_block(us, ip, uid, endofopt):
    """dump_packet_pcapng() in VPN mode: interface 0, comment "u-<uid>" (printf %d)."""
    comment = b"u-%d" % uid
    body = struct.pack("<IIIII", 0, us >> 32, us & 0xffffffff, len(ip), len(ip)) + ip + b"\0" * pad4(len(ip))
    body += option(1, comment)
    if endofopt:
        body += b"\0\0\0\0"
    return block(6, body)


def write_pcapng(path, packets, keylogs, endofopt):
    out = [pcapng_preamble(endofopt)]
    mapped = set()
    for us, source, uid, ip in packets:
        if source in keylogs:
            # PCAPdroid exports the key log buffer ahead of the packets of the same second
            out.append(dsb_block(keylogs.pop(source)))
        if uid not in mapped:
            out.append(uid_map_block(uid))
            mapped.add(uid)
        out.append(epb_block(us, ip, uid, endofopt))
    open(path, "wb").write(b"".join(out))


# --- pcap with PCAPdroid's trailer, as dump_packet_pcap() writes it -----------------------------

def trailer_appname(uid):
    """get_appname_by_uid() into char[20]: strncpy of 19 bytes of the label, NUL-padded.
    The cut is by bytes, so it may split a UTF-8 character."""
    return APPS[uid][1].encode("utf-8")[:19].ljust(20, b"\0")


def trailer_frame(ip, uid):
    eth = b"\0" * 12 + struct.pack("!H", 0x0800 if ip[0] >> 4 == 4 else 0x86DD)
    frame = eth + ip + b"\0" * pad4(14 + len(ip))
    frame += struct.pack("!Ii", TRAILER_MAGIC, uid) + trailer_appname(uid)
    return frame + struct.pack("<I", zlib.crc32(frame))  # crc32.c is the zlib CRC; host order (LE)


def write_pcap(path, packets):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET)]
    for us, _source, uid, ip in packets:
        frame = trailer_frame(ip, uid)
        out.append(struct.pack("<IIII", us // 1000000, us % 1000000, len(frame), len(frame)) + frame)
    open(path, "wb").write(b"".join(out))


# --- PCAPdroid's Connections CSV (ConnectionsAdapter.dumpConnectionsCsv) -----------------------

def write_connections_csv(path, packets, flows):
    header = "IPProto,SrcIP,SrcPort,DstIp,DstPort,UID,App,PackageName,Proto,Status,Info,BytesSent,BytesRcvd,PktsSent,PktsRcvd,FirstSeen,LastSeen"
    stats = {}
    for us, _source, _uid, ip in packets:
        (src, sport), (dst, dport), _ = endpoints(ip)
        outbound = src in (VPN_IP, VPN_IP6)
        key = fmt_endpoint(*(src, sport) if outbound else (dst, dport))
        s = stats.setdefault(key, [0, 0, 0, 0, us, us])
        s[0 if outbound else 1] += len(ip)
        s[2 if outbound else 3] += 1
        s[5] = us
    rows = [header]
    for f in flows:
        s = stats[f["client"]]
        cip, cport = f["client"].rsplit(":", 1)
        sip, sport = f["server"].rsplit(":", 1)
        rows.append(",".join(str(v) for v in [
            6, cip.strip("[]"), cport, sip.strip("[]"), sport, f["uid"], f["app_name"], f["package"],
            "HTTPS" if sport == "443" or f["source"].endswith("https1.pcapng") else "HTTP", "Closed", "",
            s[0], s[1], s[2], s[3], iso_ms(s[4]), iso_ms(s[5])]))
    open(path, "w", encoding="utf-8").write("\n".join(rows) + "\n")


def iso_ms(us):
    import datetime
    t = datetime.datetime.fromtimestamp(us / 1e6, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03d" % (t.microsecond // 1000) + "Z"


# --- expectations -------------------------------------------------------------------------------

def expectations(packets, flows, files):
    by_source = {}
    for f in flows:
        by_source.setdefault(f["source"], []).append(f)
    sources = []
    for name, uid, why in SOURCES:
        payload_apps, events = source_expectation(name)
        package, label = APPS[uid]
        trailer = trailer_appname(uid)
        sources.append({
            "source": name, "why": why, "uid": uid, "package": package, "app_name": label,
            "trailer_appname_hex": trailer.hex(),
            "trailer_appname": trailer.rstrip(b"\0").decode("utf-8", "replace"),
            "payload_apps": payload_apps, "events": events,
            # The payload names an app and it is not the package PCAPdroid names. No verdict
            # where PCAPdroid names no package: an empty name, or uid -1 (not attributed).
            "disagree": bool(package and uid != -1 and payload_apps and any(a != package for a in payload_apps)),
            "flows": [{"client": f["client"], "server": f["server"]} for f in by_source[name]],
        })
    pcap_frames, pcapng_frames, mapped = [], [], set()
    for _us, _source, uid, _ip in packets:
        if uid not in mapped:
            mapped.add(uid)
            pcapng_frames.append(None)  # the uid map custom block: a frame of its own in Wireshark
        pcapng_frames.append(uid)
        pcap_frames.append(uid)
    return {
        "generated_by": "testdata/pcapdroid/make_pcapdroid_captures.py (do not edit by hand)",
        "pcapdroid_source": "github.com/emanuele-f/PCAPdroid, app/src/main/jni/core/pcap_dump.c "
                            "(release v1.9.1 fc9fe0c5, head c7350494); docs/formats/pcapdroid.md",
        "files": files,
        "apps": {str(uid): {"package": p, "app_name": n} for uid, (p, n) in APPS.items()},
        "sources": sources,
        "packets": len(packets),
        "pcap_frame_uids": pcap_frames,
        "pcapng_frame_uids": pcapng_frames,
        "note": "pcap_frame_uids[i] is the uid in the trailer of frame i+1 of the pcap. "
                "pcapng_frame_uids[i] is the uid in the comment of frame i+1 of either pcapng; "
                "null where that frame is PCAPdroid's uid map custom block, which Wireshark 4.0, "
                "4.4 and 4.6 show as a frame of its own (docs/formats/pcapdroid.md)",
    }


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE, help="output folder (default: beside this script)")
    ap.add_argument("--check", action="store_true", help="read every file with plain tshark afterwards")
    args = ap.parse_args()
    packets, keylog, flows = build_plan()
    keylogs = {}
    for index, (name, _uid, _why) in enumerate(SOURCES):
        raw, secrets = read_capture(os.path.join(TESTDATA, name))
        if secrets:
            keylogs[index] = b"".join(s if s.endswith(b"\n") else s + b"\n" for s in secrets)
    os.makedirs(args.out, exist_ok=True)
    names = {"pcapng_release": "pcapdroid_v1.9.pcapng", "pcapng_head": "pcapdroid_head.pcapng",
             "pcap_trailer": "pcapdroid_trailer.pcap", "keylog": "pcapdroid_trailer.keylog",
             "connections_csv": "pcapdroid_connections.csv"}
    path = {k: os.path.join(args.out, v) for k, v in names.items()}
    write_pcapng(path["pcapng_release"], packets, dict(keylogs), endofopt=False)
    write_pcapng(path["pcapng_head"], packets, dict(keylogs), endofopt=True)
    write_pcap(path["pcap_trailer"], packets)
    open(path["keylog"], "wb").write(keylog)
    write_connections_csv(path["connections_csv"], packets, flows)
    files = {k: {"name": names[k], "sha256": sha256(path[k])} for k in names}
    expect = expectations(packets, flows, files)
    with open(os.path.join(args.out, "pcapdroid.expect.json"), "w", encoding="utf-8") as f:
        json.dump(expect, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(f"{len(packets)} packets from {len(SOURCES)} captures -> {args.out}")
    if args.check:
        return check(path)
    return 0


def check(path):
    """Plain tshark (no plugin) opens every file and still decodes the HTTP requests."""
    counts = {}
    for key in ("pcapng_release", "pcapng_head", "pcap_trailer"):
        extra = ["-o", "tls.keylog_file:" + path["keylog"]] if key == "pcap_trailer" else []
        out = subprocess.run(["tshark", "-n", "-r", path[key], *extra, "-Y", "http.request",
                              "-T", "fields", "-e", "http.request.method"],
                             capture_output=True, text=True, check=True).stdout
        counts[key] = len(out.split())
        print(f"{key}: {counts[key]} HTTP requests")
    if len(set(counts.values())) != 1 or not counts["pcap_trailer"]:
        print("the three files do not decode the same requests", file=sys.stderr)
        return 1
    # Wireshark's own view of the marks agrees with the expectations, frame by frame
    with open(os.path.join(os.path.dirname(path["pcap_trailer"]), "pcapdroid.expect.json"), encoding="utf-8") as f:
        expect = json.load(f)
    for key in ("pcapng_release", "pcapng_head"):
        out = subprocess.run(["tshark", "-n", "-r", path[key], "-T", "fields", "-e", "frame.comment",
                              "-e", "frame.cb_pen"], capture_output=True, text=True, check=True).stdout
        seen = [int(c[2:]) if c else (None if pen == str(PCAPDROID_PEN) else "?")
                for c, pen in (line.split("\t") for line in out.splitlines())]
        if seen != expect["pcapng_frame_uids"]:
            print(f"{key}: frame comments differ from pcapng_frame_uids", file=sys.stderr)
            return 1
    out = subprocess.run(["tshark", "-n", "-r", path["pcap_trailer"], "-T", "fields", "-e", "eth.trailer"],
                         capture_output=True, text=True, check=True).stdout
    seen = [struct.unpack("!i", bytes.fromhex(t.replace(":", ""))[-24:-20])[0] for t in out.splitlines()]
    if seen != expect["pcap_frame_uids"]:
        print("pcap: trailer uids differ from pcap_frame_uids", file=sys.stderr)
        return 1
    print("frame marks as Wireshark shows them = the expectations")
    return 0


if __name__ == "__main__":
    sys.exit(main())
