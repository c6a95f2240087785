'use strict';
// Shared machinery of the vendor captures: the TLS certificate, dumpcap, the
// browser, the h2c replay, the layer decoders the collector uses (form,
// percent, base64 in its spellings, gzip, lz-string, JSON), and the hygiene
// check that no path, user or host name of the recording machine is in a
// payload. Nothing here looks at xmtrack.
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');
const http2 = require('http2');
const { spawn, execFileSync } = require('child_process');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(100);
  }
  throw new Error('timed out waiting for ' + what);
}

// ---------------------------------------------------------------- TLS
// One self-signed EC P-256 certificate for every collector name.
function makeCert(dir, names) {
  const key = path.join(dir, 'key.pem');
  const cert = path.join(dir, 'cert.pem');
  const san = names.map((n) => `DNS:${n}`).concat(['IP:127.0.0.1']).join(',');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${names[0]}`,
    '-addext', `subjectAltName=${san}`], { stdio: 'ignore' });
  return { key: fs.readFileSync(key), cert: fs.readFileSync(cert) };
}

// ---------------------------------------------------------------- dumpcap
async function startDumpcap(port, file) {
  const p = spawn('dumpcap', ['-i', 'lo', '-f', `tcp port ${port}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('dumpcap did not start: ' + err)), 15000);
    p.stderr.on('data', (d) => {
      err += d;
      if (/Capturing on/.test(err)) { clearTimeout(t); resolve(); }
    });
    p.on('exit', (c) => reject(new Error(`dumpcap exited ${c}: ${err}`)));
  });
  await sleep(500);
  return {
    stop: async () => {
      await sleep(500);
      const done = new Promise((r) => p.on('exit', r));
      p.kill('SIGINT');
      await done;
    },
  };
}

// dumpcap writes the host's CPU, kernel and dumpcap build into the pcapng
// Section Header Block (and the kernel into each Interface Description
// Block). testdata/tools/neutral_shb.py (from the hygiene work) rewrites
// them in place; XMTRACK_NEUTRAL_SHB may point at another copy of it.
function neutralShbScript(repoRoot) {
  const cand = [process.env.XMTRACK_NEUTRAL_SHB, path.join(repoRoot, 'testdata', 'tools', 'neutral_shb.py')].filter(Boolean);
  return cand.find((f) => fs.existsSync(f));
}
function neutralizeShb(file, repoRoot) {
  const script = neutralShbScript(repoRoot);
  if (!script) {
    console.warn(`[vendors] WARNING: testdata/tools/neutral_shb.py not found: ${path.basename(file)} keeps dumpcap's host strings in its SHB/IDB`);
    return false;
  }
  execFileSync('python3', [script, file], { stdio: 'inherit' });
  execFileSync('python3', [script, '--check', file], { stdio: 'inherit' });
  return true;
}

// ---------------------------------------------------------------- browser
const BROWSER_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
async function launchBrowser(puppeteer, tmp, hosts, keylog) {
  const userDataDir = fs.mkdtempSync(path.join(tmp, 'chromium-profile-'));
  const rules = hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ') + ', EXCLUDE localhost';
  const args = BROWSER_FLAGS.concat([`--user-data-dir=${userDataDir}`, `--host-resolver-rules=${rules}`,
    '--ignore-certificate-errors']);
  const env = Object.assign({}, process.env);
  if (keylog) env.SSLKEYLOGFILE = keylog;
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args, env,
    ignoreDefaultArgs: ['--headless=new'] });
}

// ---------------------------------------------------------------- h2c replay
// Chromium speaks no h2c: replay, with Node's http2 client, exactly the
// requests the browser sent over h2+TLS (method, :path, headers, body as the
// collector received them), all at once on one connection, each body in two
// DATA frames, so the streams interleave.
async function replayH2c(port, authorityHost, entries) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  await new Promise((r, j) => { session.once('connect', r); session.once('error', j); });
  const skip = new Set([':method', ':path', ':authority', ':scheme', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);
  const streams = entries.filter((e) => e.method !== 'OPTIONS').map((e) => {
    const h = { ':method': e.method, ':path': e.path, ':authority': `${e.authority_host || authorityHost}:${port}`, ':scheme': 'http' };
    for (const [k, v] of Object.entries(e.headers)) if (!skip.has(k)) h[k] = v;
    const body = Buffer.from(e.body_base64, 'base64');
    const s = session.request(h, { endStream: body.length === 0 });
    s.on('response', () => {});
    s.resume();
    const done = new Promise((r) => s.on('close', r));
    return { s, body, done };
  });
  for (const x of streams) if (x.body.length) x.s.write(x.body.subarray(0, x.body.length >> 1));
  await sleep(50);
  for (const x of streams) if (x.body.length) x.s.end(x.body.subarray(x.body.length >> 1));
  await Promise.all(streams.map((x) => x.done));
  const ids = streams.map((x) => x.s.id);
  await new Promise((r) => session.close(r));
  return ids;
}

// ---------------------------------------------------------------- layers
// application/x-www-form-urlencoded (and query strings): '+' is a space.
function parseForm(text) {
  const out = [];
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out.push([percentDecode(k, true), percentDecode(v, true)]);
  }
  return out;
}
function percentDecode(s, plusIsSpace) {
  const t = plusIsSpace ? s.replace(/\+/g, ' ') : s;
  try { return decodeURIComponent(t); } catch (e) { return t; }
}
// Standard or URL-safe base64, padded or not.
function base64Decode(s) {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) throw new Error('not base64: ' + s.slice(0, 40));
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}
function base64Spelling(s) {
  const urlSafe = /[-_]/.test(s) ? true : (/[+/]/.test(s) ? false : null);
  return { url_safe: urlSafe, padded: /=$/.test(s) };
}
const isGzip = (buf) => buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
function gunzip(buf) { return zlib.gunzipSync(buf); }
function splitUrl(p) {
  const q = p.indexOf('?');
  return { pathname: q < 0 ? p : p.slice(0, q), query: q < 0 ? '' : p.slice(q + 1) };
}
const get = (pairs, k) => { const p = pairs.find((x) => x[0] === k); return p ? p[1] : undefined; };

// ---------------------------------------------------------------- hygiene
// Strings of the recording machine that must not be in any payload: the
// repository's, the generator's, the npm cache's and the temp folder's paths,
// the home folder, the user (unless it is root: then /root) and the host name.
function machineStrings(extraPaths) {
  const paths = new Set(extraPaths.filter(Boolean).map((p) => path.resolve(p)));
  paths.add(os.homedir());
  paths.add(process.cwd());
  const user = os.userInfo().username;
  return {
    paths: [...paths].filter((p) => p.length > 4 && p !== '/root' ? true : p === '/root'),
    user: user === 'root' ? null : user,
    host: os.hostname(),
  };
}
// Returns the machine strings found in `text` (a decoded payload, header or path).
function findMachineStrings(text, ms) {
  const hits = [];
  for (const p of ms.paths) if (text.includes(p)) hits.push(p);
  const word = (w) => new RegExp(`(^|[^A-Za-z0-9])${w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9])`);
  if (ms.user && word(ms.user).test(text)) hits.push('user ' + ms.user);
  if (ms.host && word(ms.host).test(text)) hits.push('host ' + ms.host);
  if (/\/(work|home|root|tmp|var\/tmp)\//.test(text)) hits.push('a machine path ' + text.match(/\/(work|home|root|tmp|var\/tmp)\/[^"\s]*/)[0]);
  return hits;
}

module.exports = {
  sleep, waitFor, makeCert, startDumpcap, neutralizeShb, launchBrowser, replayH2c, BROWSER_FLAGS,
  parseForm, percentDecode, base64Decode, base64Spelling, isGzip, gunzip, splitUrl, get,
  machineStrings, findMachineStrings,
};
