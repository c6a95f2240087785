#!/usr/bin/env python3
"""Records testdata/limits.pcap (payloads in limits_payloads.py) over loopback
HTTP with the server, client and tcpdump of make_captures.py.  Run as root."""
import os
import sys

import make_captures as M
import limits_payloads

NAME = "limits.pcap"


def main():
    if os.geteuid() != 0:
        sys.exit("run as root (tcpdump on lo)")
    server = M.start(M.Server(("127.0.0.1", M.HTTP_PORT)))
    try:
        M.record(NAME, limits_payloads.requests(), None)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
