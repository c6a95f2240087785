#!/usr/bin/env python3
"""Regenerate the xmtrack test captures by recording real loopback traffic.

    sudo python3 testdata/make_captures.py            # all captures
    sudo python3 testdata/make_captures.py NAME...    # only these (e.g. sensors_tls.pcap)
    options: --no-check  skip the tshark verification at the end

Needs root (tcpdump on the loopback interface, and a listener on port 443), tcpdump,
tshark and editcap (for the TLS capture with embedded secrets), the openssl CLI (for the
throw-away TLS certificate) and python3 stdlib only. Traffic goes to 127.0.0.1 / ::1 only.

For each capture file in payloads.CAPTURES:
  1. start ``tcpdump -i lo -U -w <file> 'tcp port 8080'`` (or 443), wait for "listening on";
  2. send every request of the capture from a raw-socket client, one TCP connection per
     request, to the local server (127.0.0.1:8080, [::1]:8080 or TLS on 127.0.0.1:443);
  3. sleep 0.5 s, SIGINT tcpdump, wait for it.
The server reads the whole body (Content-Length or chunked), checks it against what the
client meant to send, and answers ``200 OK`` / ``application/json`` / ``{"code":0}``.
"""

import os
import select
import shutil
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True      # no __pycache__ in testdata/
import payloads  # noqa: E402

HTTP_PORT = 8080
TLS_PORT = 443
KEYLOG = os.path.join(HERE, "sensors_tls.keys")
TLS_PCAP = "sensors_tls.pcap"
TLS_DSB = "sensors_tls_dsb.pcapng"
RESPONSE_BODY = b'{"code":0}'

# ---------------------------------------------------------------------------------------------
# Server


class Received:
    def __init__(self):
        self.lock = threading.Lock()
        self.items = []
        self.errors = []

    def add(self, item):
        with self.lock:
            self.items.append(item)

    def error(self, msg):
        with self.lock:
            self.errors.append(msg)

    def take(self):
        with self.lock:
            items, errors = self.items, self.errors
            self.items, self.errors = [], []
            return items, errors


RECEIVED = Received()


def read_request(f):
    """Read one HTTP/1.1 request from a binary file object.
    Returns (request_line, [(name, value)], body, framing) with body de-chunked."""
    line = f.readline(65537)
    if not line:
        raise EOFError("connection closed before request line")
    request_line = line.rstrip(b"\r\n").decode("latin-1")
    headers = []
    while True:
        h = f.readline(65537)
        if not h:
            raise EOFError("connection closed in headers")
        if h in (b"\r\n", b"\n"):
            break
        name, _, value = h.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    hmap = {k.lower(): v for k, v in headers}
    if "chunked" in hmap.get("transfer-encoding", "").lower():
        body, nchunks = b"", 0
        while True:
            size_line = f.readline(1024)
            if not size_line:
                raise EOFError("connection closed in chunk size")
            size = int(size_line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:          # trailer section, ends with an empty line
                    t = f.readline(65537)
                    if t in (b"\r\n", b"\n", b""):
                        break
                break
            data = f.read(size)
            if len(data) != size:
                raise EOFError("short chunk")
            body += data
            nchunks += 1
            if f.read(2) != b"\r\n":
                raise ValueError("chunk not followed by CRLF")
        framing = "chunked(%d)" % nchunks
    else:
        n = int(hmap.get("content-length", "0"))
        body = f.read(n)
        if len(body) != n:
            raise EOFError("short body: %d of %d" % (len(body), n))
        framing = "content-length"
    return request_line, headers, body, framing


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        sock = self.request
        try:
            if self.server.tls_ctx is not None:
                sock = self.server.tls_ctx.wrap_socket(sock, server_side=True)
            f = sock.makefile("rb")
            try:
                item = read_request(f)
            finally:
                f.close()
            RECEIVED.add(item)
            resp = (b"HTTP/1.1 200 OK\r\n"
                    b"Content-Type: application/json\r\n"
                    b"Content-Length: %d\r\n"
                    b"Connection: close\r\n\r\n" % len(RESPONSE_BODY)) + RESPONSE_BODY
            sock.sendall(resp)
            if isinstance(sock, ssl.SSLSocket):
                sock = sock.unwrap()      # close_notify both ways, then plain TCP close
        except Exception as e:  # recorded and reported by the main thread
            RECEIVED.error("%s: %r" % (self.client_address, e))
        finally:
            try:
                sock.close()
            except OSError:
                pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True

    def __init__(self, addr, tls_ctx=None):
        self.tls_ctx = tls_ctx
        super().__init__(addr, Handler)


class Server6(Server):
    address_family = socket.AF_INET6


def start(server):
    t = threading.Thread(target=server.serve_forever, daemon=True)
    t.start()
    return server


def make_cert(tmpdir):
    cert = os.path.join(tmpdir, "cert.pem")
    key = os.path.join(tmpdir, "key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "30",
         "-subj", "/CN=%s" % payloads.MIUI_HOST,
         "-addext", "subjectAltName=DNS:%s" % payloads.MIUI_HOST],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return cert, key


# ---------------------------------------------------------------------------------------------
# Client

def client_tls_context(cafile):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.maximum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_verify_locations(cafile)
    ctx.set_alpn_protocols(["http/1.1"])
    ctx.keylog_filename = KEYLOG
    return ctx


def send(req, tls_client_ctx=None):
    """Send one request on a new connection, read the response to EOF, return it."""
    if req.transport == "tcp6":
        fam, addr = socket.AF_INET6, ("::1", HTTP_PORT)
    elif req.transport == "tls":
        fam, addr = socket.AF_INET, ("127.0.0.1", TLS_PORT)
    else:
        fam, addr = socket.AF_INET, ("127.0.0.1", HTTP_PORT)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(10)
    s.connect(addr)
    if req.transport == "tls":
        s = tls_client_ctx.wrap_socket(s, server_hostname=payloads.MIUI_HOST)
    pieces = req.wire_pieces()
    for i, p in enumerate(pieces):
        s.sendall(p)
        if len(pieces) > 1 and i + 1 < len(pieces):
            time.sleep(0.02)
    resp = b""
    while True:
        try:
            d = s.recv(65536)
        except ssl.SSLEOFError:
            break
        if not d:
            break
        resp += d
    if isinstance(s, ssl.SSLSocket):
        try:
            s = s.unwrap()                # answer the server's close_notify
        except (ssl.SSLError, OSError):
            pass
    s.close()
    return resp, len(pieces)


# ---------------------------------------------------------------------------------------------
# Recording

def wait_listening(proc, timeout=10):
    deadline = time.time() + timeout
    buf = b""
    fd = proc.stderr.fileno()
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            d = os.read(fd, 4096)
            if not d:
                break
            buf += d
            if b"listening on" in buf:
                return buf
    raise RuntimeError("tcpdump did not start: %r" % buf)


def record(name, reqs, tls_client_ctx):
    port = TLS_PORT if any(r.transport == "tls" for r in reqs) else HTTP_PORT
    path = os.path.join(HERE, name)
    head = b""
    proc = subprocess.Popen(["tcpdump", "-i", "lo", "-U", "--immediate-mode", "-Z", "root", "-w", path,
                             "tcp port %d" % port],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        head = wait_listening(proc)
        RECEIVED.take()
        for req in reqs:
            resp, npieces = send(req, tls_client_ctx)
            if not resp.startswith(b"HTTP/1.1 200 OK") or not resp.endswith(RESPONSE_BODY):
                raise RuntimeError("%s: bad response %r" % (name, resp[:200]))
        time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=10)
    got, errors = RECEIVED.take()
    if errors:
        raise RuntimeError("%s: server errors: %s" % (name, errors))
    if len(got) != len(reqs):
        raise RuntimeError("%s: server got %d requests, sent %d" % (name, len(got), len(reqs)))
    # one request per connection, sent one after the other: server order == client order
    for req, (line, headers, body, framing) in zip(reqs, got):
        want_line = "%s %s HTTP/1.1" % (req.method, req.target)
        if line != want_line or body != req.wire_body():
            raise RuntimeError("%s: server received something else than sent" % name)
    stats = [ln for ln in (head + err).decode().splitlines() if "packets captured" in ln]
    print("%-34s %d request(s), %6d bytes  [tcpdump: %s]" % (
        name, len(reqs), os.path.getsize(path), stats[0] if stats else "?"))


# ---------------------------------------------------------------------------------------------
# Verification with plain tshark

def tshark(args):
    return subprocess.run(["tshark"] + args, check=True, capture_output=True,
                          text=True).stdout


def check(names):
    print("\nChecking with tshark:")
    ok = True
    for name in names:
        path = os.path.join(HERE, name)
        reqs = payloads.CAPTURES[name]
        opts = ["-o", "tls.keylog_file:" + KEYLOG] if name == TLS_PCAP else []
        out = tshark(["-r", path] + opts + ["-Y", "http.request", "-T", "fields",
                                           "-E", "separator=|", "-e", "frame.number",
                                           "-e", "http.request.method", "-e", "http.request.uri",
                                           "-e", "urlencoded-form.key"])
        rows = [r.split("|") for r in out.strip().splitlines() if r]
        seen = [(r[1], r[2]) for r in rows]
        want = [(q.method, q.target) for q in reqs]
        good = seen == want
        ok &= good
        keys = ";".join(r[3] for r in rows)
        print("  %-34s %s  %d HTTP request(s)  form keys: %s" % (
            name, "OK  " if good else "FAIL", len(rows), keys[:90]))
    # the segmented request: how many frames did the reassembled request take?
    if "sensors_segmented.pcap" in names:
        out = tshark(["-r", os.path.join(HERE, "sensors_segmented.pcap"), "-Y", "http.request",
                      "-T", "fields", "-e", "tcp.segment.count", "-e", "frame.number",
                      "-e", "http.content_length"])
        nseg, frame, clen = out.strip().split("\t")
        print("  sensors_segmented.pcap: the request (Content-Length %s) is reassembled in frame %s "
              "from %s TCP segments" % (clen, frame, nseg))
    if TLS_DSB in os.listdir(HERE) and TLS_PCAP in names:
        out = tshark(["-r", os.path.join(HERE, TLS_DSB), "-Y", "http.request", "-T", "fields",
                      "-e", "http.request.uri"])
        good = out.strip() == payloads.CAPTURES[TLS_PCAP][0].target
        ok &= good
        print("  %-34s %s  (keys embedded, no -o tls.keylog_file)" % (TLS_DSB, "OK  " if good else "FAIL"))
    return ok


def main(argv):
    do_check = "--no-check" not in argv
    names = [a for a in argv if not a.startswith("--")]
    for n in names:
        if n not in payloads.CAPTURES:
            sys.exit("unknown capture %r; known: %s" % (n, ", ".join(payloads.CAPTURES)))
    names = names or list(payloads.CAPTURES)
    if os.geteuid() != 0:
        sys.exit("run as root (tcpdump on lo and a listener on port 443)")
    for tool in ("tcpdump", "tshark", "editcap", "openssl"):
        if not shutil.which(tool):
            sys.exit("%s not found" % tool)

    tmpdir = tempfile.mkdtemp(prefix="xmtrack-cert-")
    servers = []
    try:
        cert, key = make_cert(tmpdir)
        sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sctx.minimum_version = ssl.TLSVersion.TLSv1_3
        sctx.maximum_version = ssl.TLSVersion.TLSv1_3
        sctx.load_cert_chain(cert, key)
        sctx.set_alpn_protocols(["http/1.1"])
        sctx.num_tickets = 0          # keep the capture small: no session tickets
        servers.append(start(Server(("127.0.0.1", HTTP_PORT))))
        servers.append(start(Server6(("::1", HTTP_PORT))))
        servers.append(start(Server(("127.0.0.1", TLS_PORT), tls_ctx=sctx)))

        cctx = None
        if TLS_PCAP in names:
            if os.path.exists(KEYLOG):
                os.unlink(KEYLOG)     # the key log is appended to; start empty
            cctx = client_tls_context(cert)

        for name in names:
            record(name, payloads.CAPTURES[name], cctx)

        if TLS_PCAP in names:
            dsb = os.path.join(HERE, TLS_DSB)
            subprocess.run(["editcap", "-F", "pcapng", "--inject-secrets", "tls," + KEYLOG,
                            os.path.join(HERE, TLS_PCAP), dsb], check=True)
            # editcap names its build (and a dumpcap capture the host) in the section header.
            subprocess.run([sys.executable, os.path.join(HERE, "tools", "neutral_shb.py"), dsb], check=True)
            print("%-34s keys embedded from %s" % (TLS_DSB, os.path.basename(KEYLOG)))
    finally:
        for s in servers:
            s.shutdown()
            s.server_close()
        shutil.rmtree(tmpdir, ignore_errors=True)

    if do_check and not check(names):
        sys.exit("tshark check failed")


if __name__ == "__main__":
    main(sys.argv[1:])
