"""Runs the real tshark with the real xmtrack plugin, the way users load it.

tshark ignores personal plugin folders when started as root (CI runs as
root), so the plugin goes into a temporary HOME's personal plugin folder and
tshark runs as an unprivileged user (uid 65534) with that HOME.  Every test
module calls `TsharkEnv.shared()`, which proves first that the plugin loaded:
a plugin that failed to load must never look like "no match".
"""
import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TESTDATA = os.environ.get("XMTRACK_TESTDATA", os.path.join(REPO, "testdata"))
sys.path.insert(0, TESTDATA)

NOBODY = 65534


def _tshark_version():
    out = subprocess.run(["tshark", "--version"], capture_output=True, text=True, check=True).stdout
    # "TShark (Wireshark) 4.0.17 (...)"
    version = out.split()[2]
    major, minor = version.split(".")[:2]
    return f"{major}.{minor}"


class TsharkEnv:
    _shared = None

    def __init__(self, plugin):
        self.home = tempfile.mkdtemp(prefix="xmtrack-test-")
        atexit.register(shutil.rmtree, self.home, True)
        # An empty global plugin folder: an older xmtrack installed system-wide
        # must not shadow the one under test.
        self.no_global_plugins = os.path.join(self.home, "no-global-plugins")
        os.makedirs(self.no_global_plugins)
        plugin_dir = os.path.join(self.home, ".local/lib/wireshark/plugins", _tshark_version(), "epan")
        os.makedirs(plugin_dir)
        shutil.copy(plugin, os.path.join(plugin_dir, "xmtrack.so"))
        self.captures = os.path.join(self.home, "testdata")
        shutil.copytree(TESTDATA, self.captures, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        for root, dirs, files in os.walk(self.home):
            for name in dirs + files:
                os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
        os.chmod(self.home, 0o755)
        self.plugin_path = os.path.join(plugin_dir, "xmtrack.so")
        self.env = dict(os.environ, HOME=self.home, WIRESHARK_PLUGIN_DIR=self.no_global_plugins,
                        WIRESHARK_ABORT_ON_DISSECTOR_BUG="1", LC_ALL="C.UTF-8")

    @classmethod
    def shared(cls):
        """One environment per test process, checked once."""
        if cls._shared is None:
            plugin = os.environ.get("XMTRACK_PLUGIN")
            if not plugin or not os.path.exists(plugin):
                raise RuntimeError("XMTRACK_PLUGIN must name the built xmtrack.so")
            env = cls(plugin)
            env.assert_plugin_loaded()
            cls._shared = env
        return cls._shared

    def _preexec(self):
        if os.geteuid() == 0:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)

    def run(self, *args, check=True):
        """tshark with these arguments; returns the CompletedProcess (text)."""
        proc = subprocess.run(["tshark", *args], capture_output=True, text=True, env=self.env,
                              cwd=self.captures, preexec_fn=self._preexec, timeout=300)
        if check and proc.returncode != 0:
            raise AssertionError(f"tshark {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def assert_plugin_loaded(self):
        out = self.run("-G", "plugins").stdout
        loaded = [line.split("\t") for line in out.splitlines() if line.startswith("xmtrack.so")]
        if not loaded or loaded[0][-1] != self.plugin_path:
            raise AssertionError(f"{self.plugin_path} is not among tshark's plugins:\n{out}")
        if "\tXMTRACK\txmtrack\n" not in self.run("-G", "protocols").stdout:
            raise AssertionError("protocol xmtrack is not registered")

    def capture(self, name):
        return os.path.join(self.captures, name)

    def fields(self, capture, fields, display_filter="xmtrack", extra=()):
        """One dict per matching frame: field -> list of values (tshark -T json -e)."""
        args = ["-r", self.capture(capture), "-T", "json", "-Y", display_filter, *extra]
        for f in fields:
            args += ["-e", f]
        out = self.run(*args).stdout
        return [packet["_source"]["layers"] for packet in json.loads(out or "[]")]

    def count(self, capture, display_filter, extra=()):
        out = self.run("-r", self.capture(capture), "-Y", display_filter, "-T", "fields",
                       "-e", "frame.number", *extra).stdout
        return len(out.split())

    def verbose(self, capture, extra=()):
        return self.run("-r", self.capture(capture), "-V", *extra).stdout

    def expert(self, capture, extra=()):
        """Expert messages of xmtrack frames, per frame: [(name?, message), ...]."""
        rows = self.fields(capture, ["frame.number", "_ws.expert.message"], "xmtrack", extra)
        return {int(r["frame.number"][0]): r.get("_ws.expert.message", []) for r in rows}
