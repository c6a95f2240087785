"""What the evidence tests share: the real tshark with the plugin under test (through
tests/integration/tshark_env.py, which proves it is loaded), a tshark command line the batch
can run on any "host", captures in a scratch folder, and the expectations of the test captures.
"""
import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from tshark_env import TsharkEnv, TESTDATA  # noqa: E402

BATCH = os.path.join(REPO, "scripts", "xmtrack-batch")
QUERY = os.path.join(REPO, "scripts", "xmtrack-query")
REPORT = os.path.join(REPO, "scripts", "xmtrack-report")
ROW_COLUMNS = ["frame", "capture_time", "event_time", "client", "server", "host", "sdk", "app", "event",
               "url", "search_term", "pii", "event_json"]


def tshark_command(env):
    """tshark as the integration tests run it (unprivileged when we are root, the plugin under
    test in a temporary HOME), as one command line for `xmtrack-batch --tshark`."""
    keep = {k: env.env[k] for k in ("HOME", "WIRESHARK_PLUGIN_DIR", "WIRESHARK_ABORT_ON_DISSECTOR_BUG", "LC_ALL")}
    cmd = ["env"] + [f"{k}={v}" for k, v in keep.items()] + ["tshark"]
    if os.geteuid() == 0:
        cmd = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + cmd
    return " ".join(shlex.quote(c) for c in cmd)


def scratch(prefix):
    """A folder the unprivileged tshark can read."""
    path = tempfile.mkdtemp(prefix=prefix)
    os.chmod(path, 0o755)
    return path


def readable(path):
    for root, dirs, files in os.walk(path):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
        for f in files:
            os.chmod(os.path.join(root, f), 0o644)


def pcapdroid_expect():
    with open(os.path.join(TESTDATA, "pcapdroid", "pcapdroid.expect.json"), encoding="utf-8") as f:
        return json.load(f)


def expected_events(capture):
    """Events a test capture carries, from its generator's expectations (never the plugin's)."""
    if capture.startswith("pcapdroid/"):
        return sum(s["events"] for s in pcapdroid_expect()["sources"])
    if capture.startswith("realsdk/"):
        with open(os.path.join(TESTDATA, capture + ".expect.json"), encoding="utf-8") as f:
            return len(json.load(f)["told"]["records"])
    import payloads
    return sum(r.expect.get("event_count") or 0 for r in payloads.CAPTURES[capture])


def read_rows(path):
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)


def copy_capture(src_rel, dst_dir, name=None):
    dst = os.path.join(dst_dir, name or os.path.basename(src_rel))
    shutil.copy(os.path.join(TESTDATA, src_rel), dst)
    return dst


__all__ = ["TsharkEnv", "TESTDATA", "BATCH", "QUERY", "REPORT", "ROW_COLUMNS", "tshark_command", "scratch",
           "readable", "pcapdroid_expect", "expected_events", "read_rows", "run", "copy_capture"]
