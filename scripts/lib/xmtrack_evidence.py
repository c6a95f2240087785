"""Shared by scripts/xmtrack-batch, xmtrack-query and xmtrack-report: hashes, the DuckDB
dataset (through Node and the pinned @duckdb/node-api), the example queries, and reading a run.
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
DUCKDB_PACKAGE = os.path.join(HERE, "duckdb")
DATASET_SCRIPT = os.path.join(DUCKDB_PACKAGE, "dataset.mjs")


class DatasetError(Exception):
    pass


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def npm_dir():
    """Where the pinned npm packages live: outside the repository."""
    return os.environ.get("XMTRACK_DUCKDB_NPM", "/var/tmp/xmtrack-duckdb-npm")


def ensure_duckdb():
    """Installs @duckdb/node-api from the committed lock file (npm ci --ignore-scripts) into
    npm_dir() when it is missing or the lock changed; returns that folder."""
    target = npm_dir()
    lock = os.path.join(DUCKDB_PACKAGE, "package-lock.json")
    installed_lock = os.path.join(target, "package-lock.json")
    have = os.path.isdir(os.path.join(target, "node_modules", "@duckdb", "node-api"))
    same = os.path.exists(installed_lock) and read_bytes(lock) == read_bytes(installed_lock)
    if have and same:
        return target
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise DatasetError(f"{tool} is missing (Debian: apt install nodejs npm)")
    os.makedirs(target, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copy(os.path.join(DUCKDB_PACKAGE, name), os.path.join(target, name))
    proc = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
                          cwd=target, capture_output=True, text=True)
    if proc.returncode != 0:
        raise DatasetError(f"npm ci in {target} failed: {proc.stderr.strip()[-500:]}")
    return target


def run_dataset(*args):
    proc = subprocess.run(["node", DATASET_SCRIPT, ensure_duckdb(), *args], capture_output=True, text=True)
    if proc.returncode != 0:
        raise DatasetError(proc.stderr.strip() or f"dataset.mjs exited with {proc.returncode}")
    return proc.stdout


def build_dataset(out):
    """OUT/events/*.jsonl.gz -> OUT/dataset/events.parquet (+ captures.parquet); a summary."""
    summary = json.loads(run_dataset("build", out))
    return (f"{summary['events']} events -> {summary['parquet'][0]}"
            + (f" (further columns: {', '.join(summary['extra_columns'])})" if summary["extra_columns"] else ""))


def query(out, sql, fmt="table"):
    return run_dataset("query", out, sql, fmt)


# The documented example queries (docs/evidence.md). Each works whether or not the plugin that
# wrote the rows already had the capture_app/capture_uid columns (they are NULL then).
EXAMPLES = {
    "per_app": (
        "Events per app: the app the capturing tool saw (PCAPdroid) and the app the payload names",
        """SELECT coalesce(capture_app, '(not recorded)') AS capture_app,
                  coalesce(app, '(not named)') AS payload_app,
                  count(*) AS events, count(DISTINCT sdk) AS sdks, count(DISTINCT host) AS hosts,
                  count(DISTINCT capture_file) AS captures
             FROM events GROUP BY ALL ORDER BY events DESC, capture_app, payload_app"""),
    "per_sdk": (
        "Events per SDK: hosts, captures, event names",
        """SELECT sdk, count(*) AS events, count(DISTINCT event) AS event_names,
                  count(DISTINCT host) AS hosts, count(DISTINCT capture_file) AS captures,
                  min(capture_time) AS first_seen, max(capture_time) AS last_seen
             FROM events GROUP BY sdk ORDER BY events DESC, sdk"""),
    "pii": (
        "Personal data by kind: events, apps, SDKs, hosts that received it",
        """SELECT kind, count(*) AS events, count(DISTINCT coalesce(capture_app, app)) AS apps,
                  string_agg(DISTINCT sdk, ', ' ORDER BY sdk) AS sdks,
                  string_agg(DISTINCT host, ', ' ORDER BY host) AS hosts
             FROM (SELECT unnest(string_split(pii, '|')) AS kind, * FROM events WHERE pii IS NOT NULL)
            GROUP BY kind ORDER BY events DESC, kind"""),
    "searches": (
        "Every search term, with its evidence (capture, frame, SHA-256)",
        """SELECT term, event_time, capture_time, coalesce(capture_app, app) AS app, sdk, host,
                  capture_file, frame, capture_sha256
             FROM (SELECT unnest(string_split(search_term, '|')) AS term, * FROM events
                    WHERE search_term IS NOT NULL)
            ORDER BY capture_time, capture_file, frame"""),
    "urls_per_host": (
        "Reported web addresses per site, and the collectors that received them",
        """SELECT regexp_extract(u, '^[A-Za-z][A-Za-z0-9+.-]*://([^/:?#]+)', 1) AS site,
                  count(DISTINCT u) AS urls, count(*) AS events,
                  string_agg(DISTINCT host, ', ' ORDER BY host) AS collectors
             FROM (SELECT unnest(string_split(url, '|')) AS u, host FROM events WHERE url IS NOT NULL)
            GROUP BY site ORDER BY events DESC, site"""),
    "failures": (
        "Captures that failed, and why",
        """SELECT capture_file, reason, rows FROM captures WHERE status <> 'ok' ORDER BY capture_file"""),
}


def read_rows(path):
    """The rows of one events/<n>.jsonl.gz."""
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def read_events(out):
    """Every event row of a run (OUT/events/*.jsonl.gz), in capture order."""
    events_dir = os.path.join(out, "events")
    names = sorted(os.listdir(events_dir), key=lambda n: (len(n), n)) if os.path.isdir(events_dir) else []
    for name in names:
        if name.endswith(".jsonl.gz"):
            with gzip.open(os.path.join(events_dir, name), "rt", encoding="utf-8") as f:
                for line in f:
                    if line.strip():
                        yield json.loads(line)
