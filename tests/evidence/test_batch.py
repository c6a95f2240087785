"""scripts/xmtrack-batch and xmtrack-query: many captures, locally and on "another host".

The good captures' event counts come from their generators' expectations; the batch's rows are
compared with those counts, with the files' own SHA-256, and between a local and a multi-host
run. The second host is an sshd this test starts on 127.0.0.1 (local_sshd.py).
"""
import gzip
import hashlib
import json
import os
import shutil
import unittest

from evidence_env import (BATCH, QUERY, ROW_COLUMNS, TsharkEnv, copy_capture, expected_events, read_rows,
                          readable, run, scratch, tshark_command, TESTDATA)
from local_sshd import LocalSshd

KEYLOG = os.path.join(TESTDATA, "pcapdroid", "pcapdroid_trailer.keylog")


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def make_inputs():
    """Four good captures (one in a subfolder), a truncated one and one that is no capture."""
    folder = scratch("xmtrack-batch-in-")
    good = {
        "sensors_android.pcap": copy_capture("sensors_android.pcap", folder),
        "pcapdroid_v1.9.pcapng": copy_capture("pcapdroid/pcapdroid_v1.9.pcapng", folder),
        "pcapdroid_trailer.pcap": copy_capture("pcapdroid/pcapdroid_trailer.pcap", folder),
    }
    os.mkdir(os.path.join(folder, "phone2"))
    good["phone2/js_beacon_http1.pcapng"] = copy_capture("realsdk/js_beacon_http1.pcapng",
                                                         os.path.join(folder, "phone2"))
    expected = {
        "sensors_android.pcap": expected_events("sensors_android.pcap"),
        "pcapdroid_v1.9.pcapng": expected_events("pcapdroid/pcapdroid_v1.9.pcapng"),
        "pcapdroid_trailer.pcap": expected_events("pcapdroid/pcapdroid_trailer.pcap"),  # HTTPS via --keylog
        "phone2/js_beacon_http1.pcapng": expected_events("realsdk/js_beacon_http1.pcapng"),
    }
    data = open(good["pcapdroid_trailer.pcap"], "rb").read()
    with open(os.path.join(folder, "truncated.pcap"), "wb") as f:
        f.write(data[:len(data) * 3 // 5])   # ends inside a packet record
    with open(os.path.join(folder, "not_a_capture.pcap"), "w") as f:
        f.write("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n")
    readable(folder)
    return folder, good, expected


class BatchTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tshark = TsharkEnv.shared()   # proves the plugin under test loads
        cls.cmd = tshark_command(cls.tshark)
        cls.inputs, cls.good, cls.expected = make_inputs()
        cls.out = os.path.join(scratch("xmtrack-batch-out-"), "run")
        cls.proc = run([BATCH, cls.inputs, "-o", cls.out, "--jobs", "2", "--keylog", KEYLOG, "--tshark", cls.cmd])

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.inputs, ignore_errors=True)
        shutil.rmtree(os.path.dirname(cls.out), ignore_errors=True)

    def statuses(self, out):
        with open(os.path.join(out, "captures.jsonl"), encoding="utf-8") as f:
            return {s["capture_file"]: s for s in map(json.loads, f)}

    def rows_by_capture(self, out):
        rows = {}
        for s in self.statuses(out).values():
            rows[s["capture_file"]] = read_rows(os.path.join(out, "events", f"{s['seq']}.jsonl.gz"))
        return rows

    def test_failures_named_with_reason_and_exit_status(self):
        self.assertEqual(self.proc.returncode, 1, self.proc.stderr)
        with open(os.path.join(self.out, "failures.tsv"), encoding="utf-8") as f:
            failures = dict(line.rstrip("\n").split("\t", 1) for line in f)
        self.assertEqual(set(failures), {"truncated.pcap", "not_a_capture.pcap"})
        self.assertIn("cut short", failures["truncated.pcap"])
        self.assertIn("isn't a capture file", failures["not_a_capture.pcap"])
        for name in failures:
            self.assertIn(f"FAILED {name}:", self.proc.stderr)

    def test_every_good_capture_gives_its_events(self):
        statuses, rows = self.statuses(self.out), self.rows_by_capture(self.out)
        self.assertEqual(len(statuses), 6)
        for name, path in self.good.items():
            with self.subTest(capture=name):
                self.assertEqual(statuses[name]["status"], "ok", statuses[name])
                self.assertEqual(len(rows[name]), self.expected[name])
                self.assertEqual(statuses[name]["rows"], self.expected[name])
                self.assertEqual(statuses[name]["sha256"], sha256(path))
                for row in rows[name]:
                    self.assertEqual(row["capture_file"], name)
                    self.assertEqual(row["capture_sha256"], sha256(path))
                    self.assertLessEqual(set(ROW_COLUMNS), set(row))
                    self.assertGreater(int(row["frame"]), 0)

    def test_truncated_capture_keeps_the_rows_before_the_cut(self):
        rows = self.rows_by_capture(self.out)
        trailer = rows["pcapdroid_trailer.pcap"]
        kept = rows["truncated.pcap"]
        self.assertGreater(len(kept), 0)
        self.assertLess(len(kept), len(trailer))
        strip = lambda r: {k: v for k, v in r.items() if not k.startswith("capture_")}  # noqa: E731
        self.assertEqual([strip(r) for r in kept], [strip(r) for r in trailer[:len(kept)]])

    def test_manifest_names_versions_and_counts(self):
        with open(os.path.join(self.out, "manifest.json"), encoding="utf-8") as f:
            manifest = json.load(f)
        version = run(["tshark", "--version"]).stdout.splitlines()[0]
        self.assertEqual([h["tshark"] for h in manifest["hosts"]], [version])
        self.assertTrue(manifest["hosts"][0]["xmtrack"])
        self.assertEqual((manifest["captures"], manifest["ok"], manifest["failed"]), (6, 4, 2))
        self.assertEqual(manifest["keylog_sha256"], sha256(KEYLOG))
        self.assertEqual(manifest["rows"], sum(len(r) for r in self.rows_by_capture(self.out).values()))

    def test_dataset_counts_equal_the_rows(self):
        rows = self.rows_by_capture(self.out)
        proc = run([QUERY, self.out, "SELECT capture_file, count(*) AS n FROM events GROUP BY ALL", "--format", "json"])
        self.assertEqual(proc.returncode, 0, proc.stderr)
        counted = {r["capture_file"]: r["n"] for r in map(json.loads, proc.stdout.splitlines())}
        self.assertEqual(counted, {k: len(v) for k, v in rows.items() if v})
        proc = run([QUERY, self.out, "failures", "--format", "json"])
        self.assertEqual({r["capture_file"] for r in map(json.loads, proc.stdout.splitlines())},
                         {"truncated.pcap", "not_a_capture.pcap"})
        for example in ("per_app", "per_sdk", "pii", "searches", "urls_per_host"):
            proc = run([QUERY, self.out, example, "--format", "json"])
            self.assertEqual(proc.returncode, 0, f"{example}: {proc.stderr}")
            self.assertTrue(proc.stdout.strip(), example)
        per_sdk = [json.loads(l) for l in run([QUERY, self.out, "per_sdk", "--format", "json"]).stdout.splitlines()]
        self.assertEqual(sum(r["events"] for r in per_sdk), sum(len(r) for r in rows.values()))

    def test_multi_host_jobs_run_remotely_and_lose_nothing(self):
        sshd = LocalSshd()
        try:
            out = os.path.join(os.path.dirname(self.out), "multi")
            proc = run([BATCH, self.inputs, "-o", out, "--keylog", KEYLOG, "--tshark", self.cmd,
                        "--sshlogin", "1/:", "--sshlogin", f"2/{sshd.ssh_command()} {sshd.login()}"])
            self.assertEqual(proc.returncode, 1, proc.stderr)
            with open(os.path.join(out, "joblog.tsv"), encoding="utf-8") as f:
                hosts = [line.split("\t")[1] for line in f.readlines()[1:]]
            remote = [h for h in hosts if sshd.login() in h]
            self.assertTrue(remote, hosts)
            statuses = self.statuses(out)
            remote_done = [s for s in statuses.values() if s.get("transferred")]
            self.assertTrue(remote_done, statuses)
            for s in remote_done:
                self.assertIn(sshd.login(), s["sshlogin"])
            self.assertEqual(self.rows_by_capture(out), self.rows_by_capture(self.out))
            self.assertEqual({k: v["status"] for k, v in statuses.items()},
                             {k: v["status"] for k, v in self.statuses(self.out).items()})
            left = [os.path.join(r, f) for r, _d, fs in os.walk(sshd.home) for f in fs]
            self.assertEqual(left, [], "files left on the remote host")
        finally:
            sshd.stop()


class DatasetColumnsTest(unittest.TestCase):
    """Rows of different plugin versions in one dataset: absent columns are NULL, new ones kept."""

    def test_missing_and_new_columns(self):
        out = scratch("xmtrack-dataset-")
        try:
            base = {"capture_file": "a.pcapng", "capture_sha256": "0" * 64, "frame": "4",
                    "capture_time": "2025-03-10T09:00:00.000Z", "event_time": "", "client": "10.0.0.1:1",
                    "server": "10.0.0.2:80", "host": "h.example", "sdk": "sensors", "app": "", "event": "e",
                    "url": "", "search_term": "", "pii": "email|imei", "event_json": {"event": "e"}}
            newer = dict(base, frame="9", capture_app="com.example.app", capture_uid="10123",
                         distinct_id="u1", something_new="x")
            os.makedirs(os.path.join(out, "events"))
            with gzip.open(os.path.join(out, "events", "1.jsonl.gz"), "wt", encoding="utf-8") as f:
                f.write(json.dumps(base) + "\n" + json.dumps(newer) + "\n")
            proc = run([QUERY, out, "--build"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            proc = run([QUERY, out, "SELECT frame, capture_app, capture_uid, typeof(capture_uid) AS t, distinct_id, "
                                    "something_new, anonymous_id, event_time, event_json->>'event' AS ev "
                                    "FROM events ORDER BY frame", "--format", "json"])
            self.assertEqual(proc.returncode, 0, proc.stderr)
            rows = [json.loads(l) for l in proc.stdout.splitlines()]
            self.assertEqual([(r["frame"], r["capture_app"], r["capture_uid"], r["something_new"]) for r in rows],
                             [(4, None, None, None), (9, "com.example.app", 10123, "x")])
            self.assertEqual(rows[0]["t"], "INTEGER")
            self.assertEqual({r["anonymous_id"] for r in rows} | {r["event_time"] for r in rows}, {None})
            self.assertEqual({r["ev"] for r in rows}, {"e"})
            pii = [json.loads(l) for l in run([QUERY, out, "pii", "--format", "json"]).stdout.splitlines()]
            self.assertEqual({(r["kind"], r["events"]) for r in pii}, {("email", 2), ("imei", 2)})
        finally:
            shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
