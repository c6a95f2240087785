#!/usr/bin/env python3
"""Writes a small pcap of one HTTP/1.1 exchange over TCP port 8080, for
regression captures of findings (tests/robustness/regressions/).

    make_pcap.py OUT.pcap REQUEST_FILE...         the request bytes, as sent (a connection each)
    make_pcap.py OUT.pcap --body BODY_FILE [--uri /sa?project=x] [--host sa.api.intl.miui.com]
                 [--content-type application/x-www-form-urlencoded]

For each request, the three-way handshake, the request and a short response,
then the close, are written with
fixed addresses, and ports, sequence numbers and timestamps derived from the
output's file name, so the file is the same on every run.  python3 stdlib only.
"""
import argparse
import os
import struct
import zlib


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp_packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    ip_src = bytes(src)
    ip_dst = bytes(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = ip_src + ip_dst + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", checksum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0, ip_src, ip_dst)
    ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
    eth = b"\0" * 12 + b"\x08\x00"
    return eth + ip + tcp


def segments(request):
    """The TCP payloads a request is sent in: the bytes in pieces of at most
    60,000, or, for a list of byte strings, each one (split the same way)."""
    pieces = request if isinstance(request, (list, tuple)) else [request]
    return [p[i:i + 60000] for p in pieces for i in range(0, len(p), 60000)]


def connection(tag, request, response):
    """The packets of one TCP connection carrying one request (bytes, or a
    list of the pieces it is sent in): 3 + len(segments(request)) + 2."""
    c, s = (127, 0, 0, 1), (127, 0, 0, 1)
    cport, sport = 20000 + tag % 30000, 8080
    cseq, sseq = tag & 0xFFFFFF, (tag >> 8) & 0xFFFFFF
    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    packets = [
        tcp_packet(c, s, cport, sport, cseq, 0, SYN),
        tcp_packet(s, c, sport, cport, sseq, cseq + 1, SYN | ACK),
        tcp_packet(c, s, cport, sport, cseq + 1, sseq + 1, ACK),
    ]
    seq = cseq + 1
    for piece in segments(request):
        packets.append(tcp_packet(c, s, cport, sport, seq, sseq + 1, PSH | ACK, piece))
        seq += len(piece)
    packets.append(tcp_packet(s, c, sport, cport, sseq + 1, seq, PSH | ACK | FIN, response))
    packets.append(tcp_packet(c, s, cport, sport, seq, sseq + 2 + len(response), ACK | FIN))
    return packets


def write_pcap(path, requests, response=b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"):
    # Client ports and sequence numbers from the file name: captures merged
    # into one file (robustness.py valgrind) stay separate conversations.
    tag = zlib.crc32(os.path.basename(path).encode())
    packets = []
    for i, request in enumerate(requests):
        packets += connection(tag + 7919 * i, request, response)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for n, p in enumerate(packets):
            f.write(struct.pack("<IIII", 1700000000 + tag % 1000000, n * 1000, len(p), len(p)) + p)


def http_request(body, uri, host, content_type):
    head = "POST %s HTTP/1.1\r\nHost: %s\r\n" % (uri, host)
    if content_type:
        head += "Content-Type: %s\r\n" % content_type
    head += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)
    return head.encode("ascii") + body


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out")
    ap.add_argument("request", nargs="*", help="files with whole requests, one connection each")
    ap.add_argument("--body", help="a file with the body: a POST is built around it")
    ap.add_argument("--uri", default="/sa?project=x")
    ap.add_argument("--host", default="sa.api.intl.miui.com")
    ap.add_argument("--content-type", default="application/x-www-form-urlencoded")
    args = ap.parse_args()
    if bool(args.request) == bool(args.body):
        ap.error("give either REQUEST_FILE or --body")
    if args.request:
        requests = [open(r, "rb").read() for r in args.request]
    else:
        requests = [http_request(open(args.body, "rb").read(), args.uri, args.host, args.content_type)]
    write_pcap(args.out, requests)


if __name__ == "__main__":
    main()
