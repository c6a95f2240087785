#!/usr/bin/env python3
"""Records testdata/privacy.pcap: three Sensors uploads over loopback HTTP
(every kind of personal data; near misses; watch-list identifiers hashed and
encoded), with the server, client and tcpdump of make_captures.py.

Run as root: python3 testdata/make_privacy_captures.py
"""
import os
import sys

import make_captures as M
import privacy_payloads

NAME = "privacy.pcap"


def main():
    if os.geteuid() != 0:
        sys.exit("run as root (tcpdump on lo)")
    server = M.start(M.Server(("127.0.0.1", M.HTTP_PORT)))
    try:
        M.record(NAME, privacy_payloads.requests(), None)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
