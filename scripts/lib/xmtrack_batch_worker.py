#!/usr/bin/env python3
"""One capture through tshark + xmtrack: the unit of work of scripts/xmtrack-batch.

    xmtrack_batch_worker.py CAPTURE --seq N --name NAME [--keylog FILE] [--tshark-arg ARG]...

Runs `tshark -n -r CAPTURE -q -z xmtrack,jsonl`, adds the batch's columns to every row
(`capture_file`, `capture_sha256`) and writes, relative to the current folder:

    events/<N>.jsonl.gz   the rows (every row tshark printed, even when the capture then failed)
    status/<N>.json       name, size, SHA-256, ok or failed and why, rows, seconds, where it ran

Exit status 0 when the capture was read to its end, 1 when it failed (not a capture, truncated,
a tshark error), so GNU parallel's job log says which. A failure is also printed on stderr.

GNU parallel runs this on the local machine (with the capture's own path) or, under --sshlogin,
on a remote one after copying the capture there: parallel transfers "/./<absolute path>" into
the remote job's folder, so a remote job reads the copy at the relative path. Standard library
only: a remote host needs python3 and tshark with the plugin, nothing else. Also usable alone,
e.g. one Slurm array task per capture (docs/evidence.md).
"""
import argparse
import gzip
import hashlib
import json
import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time

# tshark's own lines that say nothing about the capture
NOISE = ("Running as user \"root\"",)


def capture_path(given):
    """The capture to read: a remote job reads parallel's copy, relative to its folder."""
    login = os.environ.get("PARALLEL_SSHLOGIN", ":")
    if login not in ("", ":") and given.startswith("/./"):
        return given[3:], True
    return (given[2:] if given.startswith("/./") else given), False


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def failure_reason(returncode, stderr_text):
    """The reason tshark gave, in its own words (its last meaningful lines)."""
    lines = [l.strip() for l in stderr_text.splitlines() if l.strip() and not l.startswith(NOISE)]
    text = " ".join(lines[-3:])
    if returncode != 0:
        return text or f"tshark exited with status {returncode}"
    # tshark reads what it can of a damaged file and may still exit 0: its message says so
    for marker in ("cut short", "appears to be damaged", "isn't a capture file", "corrupt"):
        if marker in text:
            return text
    return None


def run(args):
    path, transferred = capture_path(args.capture)
    status = {
        "seq": args.seq, "capture_file": args.name, "path": args.capture if not transferred else None,
        "sshlogin": os.environ.get("PARALLEL_SSHLOGIN", ":"), "host": socket.gethostname(),
        "transferred": transferred,
    }
    started = time.time()
    os.makedirs("events", exist_ok=True)
    os.makedirs("status", exist_ok=True)
    rows = 0
    events_path = os.path.join("events", f"{args.seq}.jsonl.gz")
    try:
        status["size"] = os.path.getsize(path)
        status["sha256"] = sha256_of(path)
    except OSError as e:
        status.update(status="failed", reason=f"cannot read the file: {e.strerror}")
        with gzip.open(events_path, "wb"):
            pass
        return finish(status, started, rows)

    if status["size"] == 0:
        status.update(status="failed", reason="an empty file (0 bytes), not a capture")
        with gzip.open(events_path, "wb"):
            pass
        return finish(status, started, rows)

    prefix = ('{"capture_file":%s,"capture_sha256":"%s",'
              % (json.dumps(args.name, ensure_ascii=False), status["sha256"])).encode("utf-8")
    cmd = shlex.split(args.tshark) + ["-n", "-r", path, "-q", "-z", "xmtrack,jsonl"]
    if args.keylog:
        cmd += ["-o", "tls.keylog_file:" + args.keylog]
    cmd += args.tshark_arg
    bad_rows = 0
    with tempfile.TemporaryFile() as err, gzip.open(events_path + ".part", "wb", compresslevel=6) as out:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err)
        for line in proc.stdout:
            line = line.rstrip(b"\r\n")
            if not line.startswith(b"{"):
                continue
            try:
                json.loads(line)
            except ValueError:
                bad_rows += 1  # never a broken row in the dataset
                continue
            out.write(prefix + line[1:] + b"\n")
            rows += 1
        returncode = proc.wait()
        err.seek(0)
        stderr_text = err.read().decode("utf-8", "replace")
    os.replace(events_path + ".part", events_path)
    status["tshark_exit"] = returncode
    reason = failure_reason(returncode, stderr_text)
    if bad_rows:
        reason = (reason + "; " if reason else "") + f"{bad_rows} rows were not JSON and were left out"
    status.update(status="failed" if reason else "ok", reason=reason)
    return finish(status, started, rows)


def finish(status, started, rows):
    status["rows"] = rows
    status["seconds"] = round(time.time() - started, 3)
    with open(os.path.join("status", f"{status['seq']}.json"), "w", encoding="utf-8") as f:
        json.dump(status, f, ensure_ascii=False)
    if status["status"] != "ok":
        print(f"xmtrack-batch: FAILED {status['capture_file']}: {status['reason']}", file=sys.stderr)
        return 1
    return 0


def main():
    ap = argparse.ArgumentParser(description="one capture through tshark + xmtrack (scripts/xmtrack-batch)")
    ap.add_argument("capture")
    ap.add_argument("--seq", required=True, help="the capture's number in the run (names the output files)")
    ap.add_argument("--name", required=True, help="the capture's name in the rows")
    ap.add_argument("--keylog", help="TLS key log for tshark (-o tls.keylog_file:)")
    ap.add_argument("--tshark", default=os.environ.get("XMTRACK_TSHARK", "tshark"),
                    help="the tshark command line (split like a shell would), default tshark")
    ap.add_argument("--tshark-arg", action="append", default=[], help="one more tshark argument (repeatable)")
    return run(ap.parse_args())


if __name__ == "__main__":
    sys.exit(main())
