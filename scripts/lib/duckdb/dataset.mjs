// The query-ready dataset of an xmtrack-batch run, with DuckDB (@duckdb/node-api).
//
//   node dataset.mjs NPM_DIR build OUT               OUT/events/*.jsonl.gz -> OUT/dataset/*.parquet
//   node dataset.mjs NPM_DIR query OUT SQL [table|csv|json]
//
// Called by scripts/xmtrack-batch and scripts/xmtrack-query (scripts/lib/xmtrack_evidence.py
// installs the pinned package into NPM_DIR, outside the repository). Why DuckDB, and why from
// npm: docs/evidence.md.
//
// The rows are read as JSON objects and every key they hold becomes a column, so columns the
// plugin adds later (distinct_id, capture_app, ...) flow through without a change here; the
// columns queries rely on are always present (NULL where a plugin version did not write them).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const [npmDir, command, out, ...rest] = process.argv.slice(2);
if (!npmDir || !command || !out) {
  console.error('usage: dataset.mjs NPM_DIR build OUT | query OUT SQL [table|csv|json]');
  process.exit(2);
}
const require = createRequire(path.join(path.resolve(npmDir), 'package.json'));
const { DuckDBInstance } = require('@duckdb/node-api');

// Columns every dataset has, in this order; any other key of the rows follows, then event_json.
const KNOWN = [
  ['capture_file', 'VARCHAR'], ['capture_sha256', 'VARCHAR'], ['frame', 'BIGINT'],
  ['capture_time', 'TIMESTAMPTZ'], ['event_time', 'TIMESTAMPTZ'], ['client', 'VARCHAR'],
  ['server', 'VARCHAR'], ['host', 'VARCHAR'], ['sdk', 'VARCHAR'], ['app', 'VARCHAR'],
  ['capture_app', 'VARCHAR'], ['capture_uid', 'INTEGER'], ['event', 'VARCHAR'], ['url', 'VARCHAR'],
  ['search_term', 'VARCHAR'], ['pii', 'VARCHAR'], ['distinct_id', 'VARCHAR'], ['anonymous_id', 'VARCHAR'],
  ['key_id', 'VARCHAR'],
];
const KNOWN_TYPES = Object.fromEntries(KNOWN);

const sqlString = (s) => `'${String(s).replaceAll("'", "''")}'`;
const ident = (s) => `"${String(s).replaceAll('"', '""')}"`;

// A row value as its column type: '' means "not reported" and becomes NULL.
function projection(key, type) {
  const text = `NULLIF(json_extract_string(json, ${sqlString('$.' + ident(key))}), '')`;
  if (type === 'VARCHAR') return `${text} AS ${ident(key)}`;
  return `TRY_CAST(${text} AS ${type}) AS ${ident(key)}`;
}

async function connect() {
  const instance = await DuckDBInstance.create(':memory:');
  const con = await instance.connect();
  // Offline by design: never fetch an extension at run time (json and parquet are built in).
  await con.run('SET autoinstall_known_extensions = false');
  return con;
}

async function build(con) {
  const eventsDir = path.join(out, 'events');
  const files = fs.existsSync(eventsDir)
    ? fs.readdirSync(eventsDir).filter((f) => f.endsWith('.jsonl.gz')).sort().map((f) => path.join(eventsDir, f))
    : [];
  const datasetDir = path.join(out, 'dataset');
  fs.mkdirSync(datasetDir, { recursive: true });
  if (files.length) {
    await con.run(`CREATE TEMP TABLE raw AS SELECT json FROM read_ndjson_objects([${files.map(sqlString).join(', ')}])`);
  } else {
    await con.run('CREATE TEMP TABLE raw (json JSON)');
  }
  const keys = (await con.runAndReadAll('SELECT DISTINCT unnest(json_keys(json)) AS k FROM raw ORDER BY k'))
    .getRowObjectsJson().map((r) => r.k);
  const extra = keys.filter((k) => !(k in KNOWN_TYPES) && k !== 'event_json' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k));
  const columns = [
    ...KNOWN.map(([k, t]) => (keys.includes(k) ? projection(k, t) : `CAST(NULL AS ${t}) AS ${ident(k)}`)),
    ...extra.map((k) => projection(k, 'VARCHAR')),
    "CASE WHEN json_type(json, '$.event_json') = 'OBJECT' THEN json_extract(json, '$.event_json') END AS event_json",
  ];
  const eventsParquet = path.join(datasetDir, 'events.parquet');
  await con.run(`COPY (SELECT ${columns.join(', ')} FROM raw ORDER BY capture_file, frame)
                 TO ${sqlString(eventsParquet)} (FORMAT parquet, COMPRESSION zstd)`);
  // The captures: xmtrack-batch's captures.jsonl, else the workers' status files (a Slurm run)
  const capturesJsonl = path.join(out, 'captures.jsonl');
  const statusDir = path.join(out, 'status');
  const capturesParquet = path.join(datasetDir, 'captures.parquet');
  let source = null;
  if (fs.existsSync(capturesJsonl) && fs.statSync(capturesJsonl).size > 0) {
    source = `read_json(${sqlString(capturesJsonl)}, format = 'newline_delimited', union_by_name = true)`;
  } else if (fs.existsSync(statusDir) && fs.readdirSync(statusDir).some((f) => f.endsWith('.json'))) {
    source = `read_json(${sqlString(path.join(statusDir, '*.json'))}, union_by_name = true)`;
  }
  if (source) {
    await con.run(`COPY (SELECT * FROM ${source} ORDER BY TRY_CAST(seq AS INTEGER))
                   TO ${sqlString(capturesParquet)} (FORMAT parquet)`);
  }
  const count = (await con.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM ${sqlString(eventsParquet)}`))
    .getRowObjectsJson()[0].n;
  console.log(JSON.stringify({ events: count, event_files: files.length, extra_columns: extra,
                               parquet: [eventsParquet, capturesParquet] }));
}

async function views(con) {
  const dir = path.join(out, 'dataset');
  const events = path.join(dir, 'events.parquet');
  if (!fs.existsSync(events)) throw new Error(`${events} is missing: run scripts/xmtrack-batch (or xmtrack-query --build)`);
  await con.run(`CREATE VIEW events AS SELECT * FROM read_parquet(${sqlString(events)})`);
  const captures = path.join(dir, 'captures.parquet');
  if (fs.existsSync(captures)) await con.run(`CREATE VIEW captures AS SELECT * FROM read_parquet(${sqlString(captures)})`);
}

function cell(v) {
  if (v === null || v === undefined) return '';
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

// Terminal columns of a text: East Asian wide characters take two (enough for aligned tables).
function width(s) {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0);
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3)
      || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60)
      || (c >= 0xffe0 && c <= 0xffe6) || c >= 0x20000 ? 2 : 1;
  }
  return w;
}

function print(reader, format) {
  const names = reader.columnNames();
  const rows = reader.getRowsJson().map((r) => r.map(cell));
  if (format === 'json') {
    // DuckDB's JSON form writes 64-bit integers as strings; numbers where they are exact
    const big = names.map((_, i) => ['BIGINT', 'UBIGINT', 'HUGEINT', 'UHUGEINT'].includes(String(reader.columnType(i))));
    for (const r of reader.getRowsJson()) {
      const obj = {};
      names.forEach((n, i) => {
        const v = r[i];
        obj[n] = big[i] && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
      });
      console.log(JSON.stringify(obj));
    }
  } else if (format === 'csv') {
    const q = (s) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
    console.log(names.map(q).join(','));
    for (const r of rows) console.log(r.map(q).join(','));
  } else {
    const shown = rows.map((r) => r.map((c) => (c.length > 70 ? c.slice(0, 69) + '…' : c)));
    const widths = names.map((n, i) => Math.max(width(n), ...shown.map((r) => width(r[i]))));
    const line = (r) => r.map((c, i) => c + ' '.repeat(widths[i] - width(c))).join('  ').trimEnd();
    console.log(line(names));
    console.log(line(widths.map((w) => '-'.repeat(w))));
    for (const r of shown) console.log(line(r));
    console.log(`(${rows.length} row${rows.length === 1 ? '' : 's'})`);
  }
}

const con = await connect();
try {
  if (command === 'build') {
    await build(con);
  } else if (command === 'query') {
    const [sql, format = 'table'] = rest;
    await views(con);
    print(await con.runAndReadAll(sql), format);
  } else {
    throw new Error(`unknown command ${command}`);
  }
} catch (e) {
  console.error(`xmtrack dataset: ${e.message}`);
  process.exit(1);
}
