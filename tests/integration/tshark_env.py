"""Runs the real tshark with the real xmtrack plugin, the way users load it.

tshark ignores personal plugin folders when started as root (CI runs as
root), so the plugin goes into a temporary HOME's personal plugin folder and
tshark runs as an unprivileged user (uid 65534) with that HOME.  Every test
module calls `TsharkEnv.shared()`, which proves first that the plugin loaded:
a plugin that failed to load must never look like "no match".
"""
import atexit
import calendar
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
TESTDATA = os.environ.get("XMTRACK_TESTDATA", os.path.join(REPO, "testdata"))
sys.path.insert(0, TESTDATA)

NOBODY = 65534

# A GLib critical (any domain: GLib's own checks such as g_return_if_fail, or g_critical) or a
# warning that names the plugin, as tshark prints them on stderr. 4.0-4.6 print
# " ** (tshark:PID) TIME [Domain CRITICAL] -- message"; GLib's own handler prints
# "(tshark:PID): Domain-CRITICAL **: message". Either fails the run that printed it.
GLIB_PROBLEM = re.compile(r"(?m)^.*(?:\[[^\]\n]* CRITICAL\]|\bCRITICAL \*\*).*$"
                          r"|^.*(?:\[[^\]\n]* WARNING\]|\bWARNING \*\*).*(?:xmtrack|\bxmt_\w+\.[ch]\b).*$")


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
        self._field_types = None
        # G_DEBUG=fatal-criticals: a GLib critical stops tshark there (exit by SIGTRAP), so that
        # no test passes past one; run() also fails on one printed (GLIB_PROBLEM).
        self.env = dict(os.environ, HOME=self.home, WIRESHARK_PLUGIN_DIR=self.no_global_plugins,
                        WIRESHARK_ABORT_ON_DISSECTOR_BUG="1", LC_ALL="C.UTF-8",
                        G_DEBUG=",".join(filter(None, [os.environ.get("G_DEBUG"), "fatal-criticals"])))

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
        """tshark with these arguments; returns the CompletedProcess (text). A GLib critical, or a
        warning of the plugin, on stderr fails it even with check=False."""
        proc = subprocess.run(["tshark", *args], capture_output=True, text=True, env=self.env,
                              cwd=self.captures, preexec_fn=self._preexec, timeout=300)
        glib = GLIB_PROBLEM.search(proc.stderr)
        if glib:
            raise AssertionError(f"tshark {' '.join(args)} printed a GLib critical or warning: {glib.group(0).strip()}"
                                 f"\n{proc.stderr}")
        if check and proc.returncode != 0:
            raise AssertionError(f"tshark {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
        return proc

    def assert_plugin_loaded(self):
        out = self.run("-G", "plugins").stdout
        loaded = [line.split("\t") for line in out.splitlines() if line.startswith("xmtrack.so")]
        if not loaded or loaded[0][-1] != self.plugin_path:
            raise AssertionError(f"{self.plugin_path} is not among tshark's plugins:\n{out}")
        # Its kind: 4.2 and later read it from plugin_describe(), and list "unknown" without it.
        if loaded[0][2].strip() != "dissector":
            raise AssertionError(f"xmtrack.so is listed as a {loaded[0][2].strip()!r} plugin, not a dissector:\n{out}")
        # Name, short name, filter name; 4.4 and later add further columns.
        protocols = [line.split("\t")[:3] for line in self.run("-G", "protocols").stdout.splitlines()]
        if ["Vendor Telemetry", "XMTRACK", "xmtrack"] not in protocols:
            raise AssertionError("protocol xmtrack is not registered")

    def capture(self, name):
        return os.path.join(self.captures, name)

    def field_types(self):
        """Field abbreviation -> FT_ type, from tshark -G fields (read once)."""
        if self._field_types is None:
            rows = (line.split("\t") for line in self.run("-G", "fields").stdout.splitlines())
            self._field_types = {r[2]: r[3] for r in rows if len(r) > 3 and r[0] == "F"}
        return self._field_types

    def fields(self, capture, fields, display_filter="xmtrack", extra=()):
        """One dict per matching frame: field -> list of values (tshark -T json -e).

        Values are compared, not tshark's way of printing them: booleans become Python bools
        (4.0 prints 1/0, 4.2+ True/False) and absolute times epoch milliseconds (4.6 prints
        ISO 8601); every other value stays the text tshark printed."""
        args = ["-r", self.capture(capture), "-T", "json", "-Y", display_filter, *extra]
        for f in fields:
            args += ["-e", f]
        out = self.run(*args).stdout
        types = self.field_types()
        return [{name: [typed_value(types.get(name), v) for v in values]
                 for name, values in packet["_source"]["layers"].items()}
                for packet in json.loads(out or "[]")]

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


_MONTHS = {name: i for i, name in enumerate(
    ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1)}
# "May  1, 2020 00:00:00.123000000 UTC" (4.0-4.4) or "2020-05-01T00:00:00.123000000Z" (4.6)
_CLASSIC_TIME = re.compile(r"^(\w{3}) +(\d+), (\d{4}) (\d\d):(\d\d):(\d\d)\.(\d{9}) UTC$")
_ISO_TIME = re.compile(r"^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{9})Z$")


def epoch_ms(text):
    """Epoch milliseconds of an FT_ABSOLUTE_TIME in UTC as any supported tshark prints it."""
    m = _CLASSIC_TIME.match(text)
    if m:
        mon, day, year, hh, mm, ss, frac = m.groups()
        parts = (int(year), _MONTHS[mon], int(day), int(hh), int(mm), int(ss))
    else:
        m = _ISO_TIME.match(text)
        if not m:
            raise AssertionError(f"not a UTC time as tshark prints one: {text!r}")
        *ymdhms, frac = m.groups()
        parts = tuple(int(x) for x in ymdhms)
    return calendar.timegm(parts + (0, 0, 0)) * 1000 + int(frac) // 1000000


def typed_value(ftype, text):
    if ftype == "FT_BOOLEAN":
        if text not in ("1", "0", "True", "False"):
            raise AssertionError(f"not a boolean as tshark prints one: {text!r}")
        return text in ("1", "True")
    if ftype == "FT_ABSOLUTE_TIME":
        return epoch_ms(text)
    return text


_STATS_ROW = re.compile(r"^\s*(\S.*?)\s{2,}(\d+)(?:\s|$)")


def stats_tree_counts(out):
    """(label, count) of each row of a -z stats tree, however wide tshark makes its columns."""
    rows = []
    for line in out.splitlines():
        m = _STATS_ROW.match(line)
        if m and not line.startswith(("=", "-", "Topic")):
            rows.append((m.group(1), int(m.group(2))))
    return rows
