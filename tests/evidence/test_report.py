"""scripts/xmtrack-report in Debian's headless Chromium (puppeteer-core, check_report.mjs).

The numbers the page shows are compared with numbers this test computes on its own from the
event rows (tshark's -z xmtrack,jsonl export, or a batch's events/*.jsonl.gz), and the event
count with the capture's expectations. The page must make no request at all.

XMTRACK_REPORT_SCREENSHOT=docs/report.png keeps the screenshot of the single-capture report.
"""
import json
import os
import shutil
import subprocess
import unittest

from evidence_env import (BATCH, REPORT, TESTDATA, TsharkEnv, copy_capture, expected_events, read_rows, readable,
                          run, scratch, tshark_command)

HERE = os.path.dirname(os.path.abspath(__file__))
NPM_DIR = os.environ.get("XMTRACK_EVIDENCE_TEST_NPM", "/var/tmp/xmtrack-evidence-test-npm")


def ensure_puppeteer():
    """puppeteer-core from the committed lock, into a cache folder outside the repository."""
    lock = os.path.join(HERE, "package-lock.json")
    installed = os.path.join(NPM_DIR, "package-lock.json")
    def same():
        with open(lock, "rb") as a, open(installed, "rb") as b:
            return a.read() == b.read()
    if os.path.isdir(os.path.join(NPM_DIR, "node_modules", "puppeteer-core")) and os.path.exists(installed) and same():
        return
    os.makedirs(NPM_DIR, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(HERE, name), os.path.join(NPM_DIR, name))
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                   cwd=NPM_DIR, check=True)


def split(v):
    return [x for x in (v or "").split("|") if x]


def expected_page(rows):
    """What the page must show, computed here from the rows (the report's own code is not used)."""
    def tally(values):
        out = {}
        for v in values:
            out[v] = out.get(v, 0) + 1
        return out
    apps_of = [[r["capture_app"]] if r.get("capture_app") else split(r.get("app")) for r in rows]
    return {
        "counts": {
            "events": len(rows),
            "apps": len({a for apps in apps_of for a in apps}),
            "sdks": len({r["sdk"] for r in rows if r.get("sdk")}),
            "hosts": len({r["host"] for r in rows if r.get("host")}),
            "pii": len({k for r in rows for k in split(r.get("pii"))}),
            "urls": len({u for r in rows for u in split(r.get("url"))}),
            "searches": len({s for r in rows for s in split(r.get("search_term"))}),
            "pii-rows": sum(len(split(r.get("pii"))) for r in rows),
            "urls-rows": sum(len(split(r.get("url"))) for r in rows),
            "searches-rows": sum(len(split(r.get("search_term"))) for r in rows),
        },
        "sdks": tally(r["sdk"] for r in rows if r.get("sdk")),
        "pii": tally(k for r in rows for k in split(r.get("pii"))),
        "dots": sum(max(1, len(a)) for a in apps_of),
    }


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        ensure_puppeteer()
        cls.tshark = TsharkEnv.shared()
        cls.cmd = tshark_command(cls.tshark)
        cls.work = scratch("xmtrack-report-test-")
        cls.version = run(["tshark", "--version"]).stdout.splitlines()[0]
        plugins = cls.tshark.run("-G", "plugins").stdout
        cls.xmtrack_version = next(l.split("\t")[1] for l in plugins.splitlines() if l.startswith("xmtrack"))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def look(self, report, screenshot=None):
        proc = run(["node", os.path.join(HERE, "check_report.mjs"), NPM_DIR, report] + ([screenshot] if screenshot else []))
        self.assertEqual(proc.returncode, 0, proc.stderr)
        return json.loads(proc.stdout)

    def assert_page_matches(self, seen, rows):
        want = expected_page(rows)
        self.assertEqual(seen["requests"], [], "the page fetched something")
        self.assertEqual(seen["errors"], [])
        for key, value in want["counts"].items():
            self.assertEqual(seen["counts"].get(key, 0), value, key)
        self.assertEqual(seen["lists"]["sdks"], want["sdks"])
        self.assertEqual(seen["lists"]["pii"], want["pii"])
        self.assertEqual(seen["dots"], want["dots"])
        self.assertEqual(sorted(set(seen["dot_events"])), list(range(len(rows))))
        self.assertEqual(seen["decoded"], len(rows))
        self.assertEqual(seen["decoded_open"], 0, "decoded events are shown on demand only")
        self.assertEqual(seen["evidence_links"], sum(want["counts"][k] for k in ("pii-rows", "urls-rows", "searches-rows")))
        self.assertEqual(seen["broken"], [])
        self.assertTrue(seen["link_opens_event"])
        self.assertEqual(set(seen["versions"]["tshark"]), {self.version})
        self.assertEqual(set(seen["versions"]["xmtrack"]), {self.xmtrack_version})

    def test_one_capture(self):
        capture = copy_capture("pcapdroid/pcapdroid_v1.9.pcapng", self.work)
        readable(self.work)
        report = os.path.join(self.work, "one.html")
        proc = run([REPORT, capture, "-o", report, "--tshark", self.cmd])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        # the export, read independently of the report
        rows = [json.loads(l) for l in self.tshark.run("-n", "-r", capture, "-q", "-z", "xmtrack,jsonl").stdout.splitlines()
                if l.startswith("{")]
        self.assertEqual(len(rows), expected_events("pcapdroid/pcapdroid_v1.9.pcapng"))
        seen = self.look(report, os.environ.get("XMTRACK_REPORT_SCREENSHOT"))
        self.assert_page_matches(seen, rows)
        with open(capture, "rb") as f:
            import hashlib
            sha = hashlib.sha256(f.read()).hexdigest()
        self.assertEqual(seen["inputs"], [["pcapdroid_v1.9.pcapng", str(os.path.getsize(capture)), sha, "ok", str(len(rows))]])

    def test_batch(self):
        inputs = os.path.join(self.work, "in")
        os.mkdir(inputs)
        for c in ("sensors_android.pcap", "miui_analytics.pcap", "realsdk/js_ajax_https1.pcapng"):
            copy_capture(c, inputs)
        with open(os.path.join(TESTDATA, "sensors_android.pcap"), "rb") as f:
            head = f.read(20)
        with open(os.path.join(inputs, "broken.pcap"), "wb") as f:
            f.write(head)  # cut inside the pcap file header
        readable(inputs)
        out = os.path.join(self.work, "run")
        proc = run([BATCH, inputs, "-o", out, "--tshark", self.cmd, "--no-dataset", "--no-bar"])
        self.assertEqual(proc.returncode, 1, proc.stderr)
        report = os.path.join(self.work, "batch.html")
        proc = run([REPORT, "--batch", out, "-o", report])
        self.assertEqual(proc.returncode, 1, "a failed input makes the report's exit status 1")
        rows = []
        with open(os.path.join(out, "captures.jsonl"), encoding="utf-8") as f:
            captures = [json.loads(l) for l in f]
        for c in captures:
            rows += read_rows(os.path.join(out, "events", f"{c['seq']}.jsonl.gz"))
        self.assertEqual(len(rows), sum(expected_events(c) for c in
                                        ("sensors_android.pcap", "miui_analytics.pcap", "realsdk/js_ajax_https1.pcapng")))
        seen = self.look(report)
        self.assert_page_matches(seen, rows)
        by_name = {row[0]: row for row in seen["inputs"]}
        self.assertEqual(set(by_name), {"sensors_android.pcap", "miui_analytics.pcap", "js_ajax_https1.pcapng", "broken.pcap"})
        self.assertTrue(by_name["broken.pcap"][3].startswith("failed: "))
        for c in captures:
            self.assertEqual(by_name[c["capture_file"]][2], c["sha256"])


if __name__ == "__main__":
    unittest.main()
