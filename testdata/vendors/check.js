'use strict';
// Checks each capture with plain tshark (no xmtrack, no key file): every
// request the collector received must be visible, decrypted where TLS, with
// its method and path, and nothing else may be in the capture.
//   node check.js <dir> [vendor | capture-name ...]
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const DIR = path.resolve(process.argv[2]);
const ONLY = process.argv.slice(3);

function tshark(file, filter, fields, extra) {
  const args = [...(extra || []), '-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

let failed = 0;
let checked = 0;
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.pcapng.expect.json')).sort();
for (const ef of files) {
  const exp = JSON.parse(fs.readFileSync(path.join(DIR, ef), 'utf8'));
  const name = exp.capture.replace(/\.pcapng$/, '');
  // generate.js re-records the h2 source of an h2c replay: a request for the
  // replay checks its source too.
  const selected = !ONLY.length || ONLY.includes(name) || ONLY.includes(exp.vendor)
    || ONLY.includes(name.replace(/_h2$/, '_h2c'));
  if (!selected) continue;
  checked++;
  const file = path.join(DIR, exp.capture);
  const want = exp.received.requests.filter((r) => r.method !== 'OPTIONS');
  let got;
  if (exp.transport === 'h2' || exp.transport === 'h2c') {
    // Paired in order, not per frame: a header block split into HEADERS and
    // CONTINUATION frames may put :method and :path in different packets.
    const methods = [];
    const paths = [];
    for (const [m, p] of tshark(file, 'http2.headers.method || http2.headers.path', ['http2.headers.method', 'http2.headers.path'], exp.tshark_args)) {
      if (m) methods.push(...m.split('|'));
      if (p) paths.push(...p.split('|'));
    }
    got = methods.map((method, i) => ({ method, path: paths[i] })).filter((g) => g.method !== 'OPTIONS');
  } else {
    got = tshark(file, 'http.request && http.request.method != "OPTIONS"', ['http.request.method', 'http.request.uri'], exp.tshark_args)
      .map(([method, p]) => ({ method, path: p }));
  }
  const problems = [];
  if (got.length !== want.length) problems.push(`${got.length} requests seen by tshark, ${want.length} received by the collector`);
  const unmatched = got.slice();
  for (const w of want) {
    const prefix = w.path.replace(/\.\.\.$/, '');
    const i = unmatched.findIndex((g) => g.method === w.method && g.path && g.path.startsWith(prefix) && g.path.length === w.path_length);
    if (i < 0) problems.push(`not visible: ${w.method} ${prefix.slice(0, 60)}`);
    else unmatched.splice(i, 1);
  }
  const status = problems.length ? 'FAIL' : 'ok';
  if (problems.length) failed++;
  console.log(`${status.padEnd(4)} ${exp.capture.padEnd(34)} ${exp.transport.padEnd(6)} ${String(got.length).padStart(2)} requests visible` +
    (problems.length ? '\n     ' + problems.join('\n     ') : ''));
}
if (!checked) { console.log('no captures'); process.exit(1); }
console.log(`${checked - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
