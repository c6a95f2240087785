#!/usr/bin/env python3
"""Records testdata/fidelity.pcap: the shapes the real SDKs send (fidelity_payloads.py)
over loopback HTTP, with the server, client and tcpdump of make_captures.py.

Port 8088 (one of tshark's default HTTP ports), not 8080: the other generators may be
recording on 8080 at the same time on a shared machine.

Run as root: python3 testdata/make_fidelity_captures.py
"""
import os
import sys

sys.dont_write_bytecode = True
import make_captures as M  # noqa: E402
import fidelity_payloads  # noqa: E402

NAME = "fidelity.pcap"
PORT = 8088


def main():
    if os.geteuid() != 0:
        sys.exit("run as root (tcpdump on lo)")
    M.HTTP_PORT = PORT            # read by M.send() and M.record() at call time
    server = M.start(M.Server(("127.0.0.1", PORT)))
    try:
        M.record(NAME, fidelity_payloads.requests(), None)
    finally:
        server.shutdown()
        server.server_close()


if __name__ == "__main__":
    main()
