'use strict';
// Records captures of the REAL Sensors SDKs over loopback while they send.
// Run through generate.sh (as root: dumpcap on lo). Usage:
//   node generate.js <node_modules dir> <out dir> [capture-name ...]
// See README.md for what each capture holds.
const fs = require('fs');
const os = require('os');
const path = require('path');
const http2 = require('http2');
const { spawn, execFileSync } = require('child_process');
const { Collector } = require('./collector');
const { startSite, sdkPath } = require('./site');

const NM = path.resolve(process.argv[2]);
const OUT = path.resolve(process.argv[3]);
const ONLY = process.argv.slice(4);
const puppeteer = require(path.join(NM, 'puppeteer-core'));
const JS_VERSION = require(path.join(NM, 'sa-sdk-javascript', 'package.json')).version;
const NODE_VERSION = require(path.join(NM, 'sa-sdk-node', 'package.json')).version;
const PPTR_VERSION = require(path.join(NM, 'puppeteer-core', 'package.json')).version;

const SITE_PORT = 18000; // not recorded
const SITE_HOST = 'shop.example.com';
const COLLECTOR_HOST = 'sa.example.com';
const PROJECT = 'xmtrack';
// The visitor searched SEARCH_TERM on Google and clicked through to the site.
const SEARCH_TERM = 'xmtrack test 小米';
const REFERRER = 'https://www.google.com/search?q=xmtrack+test+%E5%B0%8F%E7%B1%B3&hl=en';
// What the JS SDK puts in $latest_search_keyword / $first_search_keyword: the
// q value percent-decoded but with its '+' left as they are.
const SENT_KEYWORD = 'xmtrack+test+小米';
// What it puts in $latest_referrer / $first_referrer / $referrer: document.referrer
// passed through decodeURIComponent (so the UTF-8 escapes are gone, '+' stays).
const SENT_REFERRER = decodeURIComponent(REFERRER);
const SEARCH_WORD = 'xiaomi 14 ultra price';
const PRODUCT_URL = 'https://shop.example.com/product/42?ref=search';
const DISTINCT_ID = 'xmtrack-web-visitor-0001';
const LOGIN_ID = 'xmtrack_user_10086';
const REGISTER = { $model: 'Redmi Note 8', $carrier: 'China Mobile', android_id: '3f8a1c2b4d5e6f70' };
const REGISTER_PAGE = { $latitude: 39904200, $longitude: 116407400 }; // Beijing, degrees x 10^6
const PROFILE = { email: 'visitor@example.com', $city: 'Beijing' };
// An event with long properties (the article a visitor read, paragraph by
// paragraph, each under the SDK's max_string_length of 1024): sent as a GET
// beacon, its :path is about 30 KB, more than one HTTP/2 frame of the
// default 16 KiB, so the browser sends it in HEADERS and CONTINUATION frames.
const ARTICLE = Object.fromEntries(Array.from({ length: 20 }, (_, i) => {
  const n = String(i + 1).padStart(2, '0');
  const sentence = `Paragraph ${n} of the article the visitor read on the Xiaomi 14 Ultra camera, word by word. `;
  return [`paragraph_${n}`, sentence.repeat(Math.ceil(1000 / sentence.length)).slice(0, 1000)];
}));

// The Node SDK sends its caller's source file with every event (lib.$lib_detail).
// node_sdk.js therefore runs under this name (neutral_path.js), not where the
// repository lies on the recording machine.
const NODE_SDK_FILE = '/app/node_sdk.js';
// Strips the recording host's hardware, OS and application from each capture's
// pcapng section and interface headers.
const NEUTRAL_SHB = path.join(__dirname, '..', 'tools', 'neutral_shb.py');

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'xmtrack-realsdk-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function log(...a) { console.log('[realsdk]', ...a); }

// ---------------------------------------------------------------- TLS
function makeCert() {
  const key = path.join(TMP, 'key.pem');
  const cert = path.join(TMP, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${COLLECTOR_HOST}`,
    '-addext', `subjectAltName=DNS:${COLLECTOR_HOST},IP:127.0.0.1`], { stdio: 'ignore' });
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
  await sleep(500); // the BPF filter is in place once dumpcap says so; a margin anyway
  return {
    stop: async () => {
      await sleep(500);
      const done = new Promise((r) => p.on('exit', r));
      p.kill('SIGINT');
      await done;
    },
  };
}

// ---------------------------------------------------------------- browser
async function launchBrowser(keylog) {
  const userDataDir = fs.mkdtempSync(path.join(TMP, 'chromium-profile-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${userDataDir}`,
    // Real names for the site and the collector, resolved to loopback inside Chromium only.
    `--host-resolver-rules=MAP ${SITE_HOST} 127.0.0.1, MAP ${COLLECTOR_HOST} 127.0.0.1, EXCLUDE localhost`,
    '--ignore-certificate-errors'];
  const env = Object.assign({}, process.env);
  if (keylog) env.SSLKEYLOGFILE = keylog;
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args, env,
    ignoreDefaultArgs: ['--headless=new'] });
}

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(100);
  }
  throw new Error('timed out waiting for ' + what);
}

// What the script tells the JS SDK to send, in order. Events the SDK adds by
// itself are listed with by_sdk: true.
function jsTold(pageUrl, sc) {
  const told = [
    { type: 'profile_set_once', by_sdk: true, expect: { $first_referrer: SENT_REFERRER, $first_search_keyword: SENT_KEYWORD } },
    { type: 'track', event: '$pageview', by_sdk: true, call: "sensors.quick('autoTrack')",
      expect: Object.assign({ $url: pageUrl, $latest_referrer: SENT_REFERRER, $latest_search_keyword: SENT_KEYWORD,
        $referrer: SENT_REFERRER }, REGISTER, REGISTER_PAGE) },
    { type: 'track', event: 'search', call: `sensors.track('search', {search_word: ${JSON.stringify(SEARCH_WORD)}})`,
      properties: { search_word: SEARCH_WORD },
      expect: Object.assign({ search_word: SEARCH_WORD, $url: pageUrl, $latest_referrer: SENT_REFERRER,
        $latest_search_keyword: SENT_KEYWORD }, REGISTER, REGISTER_PAGE) },
    { type: 'track', event: 'view_product', call: 'sensors.track(view_product, {$url, product_id})',
      properties: { $url: PRODUCT_URL, product_id: '42' },
      expect: Object.assign({ $url: PRODUCT_URL, product_id: '42', $latest_referrer: SENT_REFERRER,
        $latest_search_keyword: SENT_KEYWORD }, REGISTER, REGISTER_PAGE) },
    { type: 'track', event: 'store_locator', call: 'sensors.track(store_locator, {$latitude, $longitude}) (Shanghai, x10^6)',
      properties: { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001' },
      expect: { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001', $latest_referrer: SENT_REFERRER } },
    { type: 'profile_set', call: 'sensors.setProfile(PROFILE)', properties: PROFILE, expect: PROFILE },
  ];
  if (sc.long_event) {
    told.push({ type: 'track', event: 'read_article', call: 'sensors.track(read_article, ARTICLE) (20 properties of 1000 characters)',
      properties: ARTICLE, expect: Object.assign({ $url: pageUrl, $latest_referrer: SENT_REFERRER }, ARTICLE, REGISTER, REGISTER_PAGE) });
  }
  told.push({ type: 'track_signup', event: '$SignUp', call: `sensors.login(${JSON.stringify(LOGIN_ID)})`,
    expect: { $url: pageUrl }, distinct_id: LOGIN_ID, original_id: DISTINCT_ID });
  return told;
}

async function driveBrowser(sc, collector, keylog, pages) {
  const pagePath = `/${sc.name}.html`;
  const pageUrl = `http://${SITE_HOST}:${SITE_PORT}${pagePath}`;
  pages[pagePath] = {
    title: `xmtrack ${sc.name}`,
    server_url: `${sc.scheme}://${COLLECTOR_HOST}:${sc.port}/sa.gif?project=${PROJECT}`,
    send_type: sc.send_type,
    batch_send: sc.batch_send || false,
    distinct_id: DISTINCT_ID,
    register: REGISTER,
    register_page: REGISTER_PAGE,
  };
  const told = jsTold(pageUrl, sc);
  const browser = await launchBrowser(keylog);
  try {
    const page = await browser.newPage();
    // Arrive from a Google result page, as a visitor who searched SEARCH_TERM.
    // 'unsafe-url' keeps the full https referrer on this http page (the
    // default policy would strip it to nothing on the https->http step).
    await page.goto(pageUrl, { referer: REFERRER, referrerPolicy: 'unsafe-url', waitUntil: 'load' });
    const docReferrer = await page.evaluate(() => document.referrer);
    if (docReferrer !== REFERRER) throw new Error(`document.referrer is ${docReferrer}`);
    await page.waitForFunction('window.__xmtReady === true');
    await sleep(300);
    await page.evaluate((w) => window.sensors.track('search', { search_word: w }), SEARCH_WORD);
    await sleep(200);
    await page.evaluate((u) => window.sensors.track('view_product', { $url: u, product_id: '42' }), PRODUCT_URL);
    await sleep(200);
    await page.evaluate(() => window.sensors.track('store_locator', { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001' }));
    await sleep(200);
    await page.evaluate((p) => window.sensors.setProfile(p), PROFILE);
    await sleep(200);
    if (sc.long_event) {
      await page.evaluate((a) => window.sensors.track('read_article', a), ARTICLE);
      await sleep(200);
    }
    await page.evaluate((id) => window.sensors.login(id), LOGIN_ID);
    await waitFor(() => collector.records().length >= told.length, sc.batch_send ? 30000 : 15000,
      `${told.length} records at the collector (have ${collector.records().length})`);
    await sleep(500);
    await page.close();
  } finally {
    await browser.close();
  }
  return { pageUrl, told };
}

// ---------------------------------------------------------------- h2c replay
// Chromium speaks no h2c, so the h2c captures replay, with Node's http2 client,
// exactly the requests the browser sent over h2+TLS in the same send mode
// (method, :path, headers, body as the collector received them). All requests
// go on one connection at once, bodies in two DATA frames each, so the
// streams interleave.
// With long_headers, each request also carries a 20 KB cookie ahead of the
// browser's headers, as a site with many cookies sends: Node puts the
// header block in HEADERS and CONTINUATION frames, and content-type lands in
// the CONTINUATION.
const LONG_COOKIE = Array.from({ length: 40 }, (_, i) => `pref_${String(i).padStart(2, '0')}=${'v'.repeat(480)}`).join('; ');
async function replayH2c(port, source, longHeaders) {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  await new Promise((r, j) => { session.once('connect', r); session.once('error', j); });
  const skip = new Set([':method', ':path', ':authority', ':scheme', 'connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'host']);
  const reqs = source.filter((e) => e.method !== 'OPTIONS');
  const streams = reqs.map((e) => {
    const h = { ':method': e.method, ':path': e.path, ':authority': `${COLLECTOR_HOST}:${port}`, ':scheme': 'http' };
    if (longHeaders) h.cookie = LONG_COOKIE;
    for (const [k, v] of Object.entries(e.headers)) if (!skip.has(k) && !(longHeaders && k === 'cookie')) h[k] = v;
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

// ---------------------------------------------------------------- node SDK
async function driveNode(sc, collector) {
  const child = spawn(process.execPath, [path.join(__dirname, 'neutral_path.js'), NODE_SDK_FILE,
    path.join(__dirname, 'node_sdk.js'), NM, String(sc.port), sc.gzip ? '1' : '0', String(sc.count)],
  { stdio: ['ignore', 'pipe', 'inherit'], cwd: '/' });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  await waitFor(() => out.includes('\n'), 20000, 'node_sdk.js told list');
  const info = JSON.parse(out.split('\n')[0]);
  await waitFor(() => collector.records().length >= info.told.length, 20000, 'node SDK records');
  await sleep(300);
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await exited;
  return info;
}

// ---------------------------------------------------------------- checks
function checkJs(told, received, sc) {
  const problems = [];
  const recs = received.map((x) => x.record);
  for (const t of told) {
    const r = recs.find((x) => x.type === t.type && (t.event === undefined || x.event === t.event));
    if (!r) { problems.push(`no ${t.type} ${t.event || ''} received`); continue; }
    for (const [k, v] of Object.entries(t.expect || {})) {
      if (JSON.stringify(r.properties[k]) !== JSON.stringify(v)) {
        problems.push(`${t.type} ${t.event || ''}: properties.${k} = ${JSON.stringify(r.properties[k])}, told ${JSON.stringify(v)}`);
      }
    }
    const did = t.distinct_id || DISTINCT_ID;
    if (r.distinct_id !== did) problems.push(`${t.event || t.type}: distinct_id ${r.distinct_id}, expected ${did}`);
  }
  if (problems.length) throw new Error(`${sc.name}: the collector did not get what the SDK was told:\n  ` + problems.join('\n  '));
}

function checkNode(info, received, sc) {
  const recs = received.map((x) => x.record);
  const problems = [];
  info.told.forEach((t, i) => {
    const r = recs[i];
    if (!r || r.type !== t.type || (t.event && r.event !== t.event) || r.distinct_id !== t.distinct_id) {
      problems.push(`record ${i}: ${JSON.stringify(r && [r.type, r.event, r.distinct_id])} vs told ${JSON.stringify([t.type, t.event, t.distinct_id])}`);
      return;
    }
    for (const [k, v] of Object.entries(t.properties)) {
      if (JSON.stringify(r.properties[k]) !== JSON.stringify(v)) problems.push(`record ${i}: properties.${k} = ${JSON.stringify(r.properties[k])}, told ${JSON.stringify(v)}`);
    }
    const detail = r.lib && r.lib.$lib_detail;
    if (!detail || !detail.split('##').includes(NODE_SDK_FILE)) problems.push(`record ${i}: lib.$lib_detail ${detail} does not name ${NODE_SDK_FILE}`);
  });
  if (problems.length) throw new Error(`${sc.name}: ` + problems.join('\n  '));
}

// Nothing the collector received may name this machine: its host and user
// names, the home folder, or where the repository, the npm packages and the
// temporary files lie (SDKs send caller paths, pages could embed file:// URLs).
function machineDetails() {
  const words = new Set([os.hostname(), os.hostname().split('.')[0], os.userInfo().username,
    process.env.SUDO_USER, process.env.USER, process.env.LOGNAME].filter((n) => n && n !== 'root'));
  const paths = new Set([__dirname, OUT, NM, TMP, os.tmpdir() + '/', os.homedir() !== '/' && os.homedir(),
    path.dirname(path.dirname(__dirname))].filter(Boolean));
  return { words: [...words], paths: [...paths] };
}
// A name counts as a whole word; '+' and '/' count as letters, so that base64
// text (which holds any short name by chance) does not, except after '//' (a URL's host).
function checkNoMachineDetails(log, sc) {
  const { words, paths } = machineDetails();
  // The decoded payloads, with the request line and headers (the raw body is base64 of the same).
  const text = JSON.stringify(log.map((e) => [e.path, e.headers, e.decoded]));
  const problems = paths.filter((p) => text.includes(p)).map((p) => `the path ${p}`);
  for (const w of words) {
    const name = w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(?:(?<=//)|(?<![A-Za-z0-9_+/-]))${name}(?![A-Za-z0-9_+/-])`, 'i').test(text)) problems.push(`the name ${w}`);
  }
  if (/file:\//i.test(text)) problems.push('a file:// URL');
  if (problems.length) throw new Error(`${sc.name}: what the collector received names the recording machine: ${problems.join(', ')}`);
}

// ---------------------------------------------------------------- expectations
function summarizeRequests(logEntries) {
  return logEntries.map((e) => {
    const d = e.decoded || {};
    const p = d.payload;
    return {
      method: e.method,
      path: e.path.length > 120 ? e.path.slice(0, 120) + '...' : e.path,
      path_length: e.path.length,
      authority: e.authority,
      http_version: e.http_version,
      stream_id: e.stream_id,
      content_type: e.headers['content-type'],
      content_encoding: e.headers['content-encoding'],
      user_agent: e.headers['user-agent'],
      referer: e.headers.referer,
      body_length: e.body_length,
      form_keys: d.form_keys,
      query_keys: d.query ? Object.keys(d.query) : undefined,
      payload: p && {
        param: p.param, where: p.where, ext: p.ext, crc: p.crc, gzip: p.gzip_param,
        is_array: p.is_array, record_count: p.records.length,
      },
    };
  });
}

function eventView(rec) {
  const pr = rec.properties || {};
  const pick = (ks) => Object.fromEntries(ks.filter((k) => k in pr).map((k) => [k, pr[k]]));
  return {
    type: rec.type,
    event: rec.event,
    distinct_id: rec.distinct_id,
    original_id: rec.original_id,
    has_time: 'time' in rec,
    has_flush_time: '_flush_time' in rec,
    track_id: rec._track_id,
    urls: pick(['$url', '$referrer', '$latest_referrer', '$first_referrer']),
    search_keywords: pick(['$latest_search_keyword', '$first_search_keyword', 'search_word']),
    location: pick(['$latitude', '$longitude']),
    device: pick(['$model', '$carrier', 'android_id', '$os', '$browser', '$screen_width', '$screen_height']),
    profile: rec.type && rec.type.startsWith('profile') ? pr : undefined,
    lib_detail: rec.lib && rec.lib.$lib_detail,
  };
}

function writeExpect(file, obj) {
  fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}

// ---------------------------------------------------------------- scenarios
const MODES = [
  { mode: 'image', send_type: 'image' },
  { mode: 'ajax', send_type: 'ajax' },
  { mode: 'beacon', send_type: 'beacon' },
  { mode: 'batch', send_type: 'image', batch_send: true },
];
const TRANSPORTS = [
  { transport: 'http1', kind: 'http1', scheme: 'http', base: 18080, desc: 'HTTP/1.1 in clear' },
  { transport: 'https1', kind: 'https1', scheme: 'https', base: 18440, desc: 'HTTPS/1.1 (TLS 1.3, ALPN http/1.1), keys embedded' },
  { transport: 'h2', kind: 'h2', scheme: 'https', base: 18450, desc: 'HTTP/2 over TLS 1.3 (ALPN h2), keys embedded' },
];
const SCENARIOS = [];
for (const t of TRANSPORTS) {
  MODES.forEach((m, i) => SCENARIOS.push(Object.assign({ name: `js_${m.mode}_${t.transport}`, sdk: 'js', port: t.base + 1 + i }, t, m)));
}
MODES.forEach((m, i) => SCENARIOS.push(Object.assign({ name: `js_${m.mode}_h2c`, sdk: 'h2c-replay', transport: 'h2c', kind: 'h2c',
  scheme: 'http', port: 18461 + i, replay_of: `js_${m.mode}_h2`, desc: 'HTTP/2 in clear (prior knowledge), Node http2 client replaying the browser\'s h2 requests' }, m)));
// The long GET beacon over HTTP/2 only: Node's HTTP/1.1 servers refuse a
// request line over 16 KB (431), as many servers do.
const LONG = { mode: 'long_image', send_type: 'image', long_event: true };
SCENARIOS.push(Object.assign({ name: 'js_long_image_h2', sdk: 'js', port: 18455 }, TRANSPORTS[2], LONG));
SCENARIOS.push(Object.assign({ name: 'js_long_image_h2c', sdk: 'h2c-replay', transport: 'h2c', kind: 'h2c', scheme: 'http',
  port: 18465, replay_of: 'js_long_image_h2', desc: 'HTTP/2 in clear (prior knowledge), Node http2 client replaying the browser\'s h2 requests' }, LONG));
SCENARIOS.push({ name: 'js_long_ajax_h2c', sdk: 'h2c-replay', transport: 'h2c', kind: 'h2c', scheme: 'http', port: 18466,
  replay_of: 'js_ajax_h2', mode: 'ajax', send_type: 'ajax', long_headers: true,
  desc: 'HTTP/2 in clear (prior knowledge), Node http2 client replaying the browser\'s h2 requests with a 20 KB cookie before their headers' });
SCENARIOS.push({ name: 'node_plain_http1', sdk: 'node', transport: 'http1', kind: 'http1', port: 18091, gzip: false, count: 1,
  desc: 'HTTP/1.1 in clear, sa-sdk-node submitTo({gzip: false}), one record per request' });
SCENARIOS.push({ name: 'node_gzip_http1', sdk: 'node', transport: 'http1', kind: 'http1', port: 18092, gzip: true, count: 3,
  desc: 'HTTP/1.1 in clear, sa-sdk-node submitTo({gzip: true}) batching 3 records per request' });

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const tls = makeCert();
  const pages = {};
  const site = await startSite(SITE_PORT, sdkPath(NM), pages);
  const h2Logs = {};
  // An h2c replay needs its h2 source from the same run.
  const want = new Set(ONLY.length ? ONLY : SCENARIOS.map((s) => s.name));
  for (const s of SCENARIOS) if (want.has(s.name) && s.replay_of) want.add(s.replay_of);
  for (const n of ONLY) if (!SCENARIOS.find((s) => s.name === n)) throw new Error('no capture named ' + n);
  const todo = SCENARIOS.filter((s) => want.has(s.name));
  const started = Date.now();
  for (const sc of todo) {
    const t0 = Date.now();
    const raw = path.join(TMP, `${sc.name}.raw.pcapng`);
    const keylog = path.join(TMP, `${sc.name}.keys`);
    const final = path.join(OUT, `${sc.name}.pcapng`);
    const collector = new Collector();
    await collector.listen(sc.kind, sc.port, tls);
    const cap = await startDumpcap(sc.port, raw);
    let told;
    let extra = {};
    try {
      if (sc.sdk === 'js') {
        const r = await driveBrowser(sc, collector, sc.scheme === 'https' ? keylog : null, pages);
        told = r.told;
        extra.page_url = r.pageUrl;
        checkJs(told, collector.records(), sc);
        if (sc.kind === 'h2') h2Logs[sc.mode] = { log: collector.log, told, page_url: r.pageUrl };
      } else if (sc.sdk === 'h2c-replay') {
        const src = h2Logs[sc.mode];
        const ids = await replayH2c(sc.port, src.log, sc.long_headers);
        await waitFor(() => collector.log.length >= ids.length, 10000, 'h2c replay at the collector');
        told = src.told;
        extra.page_url = src.page_url;
        extra.replayed_stream_ids = ids;
        checkJs(told, collector.records(), sc);
      } else {
        const info = await driveNode(sc, collector);
        told = info.told;
        extra.submit_url = info.url;
        extra.super_properties = info.super_properties;
        checkNode(info, collector.records(), sc);
      }
    } finally {
      await collector.closeAll();
      await cap.stop();
    }
    checkNoMachineDetails(collector.log, sc);
    if (sc.scheme === 'https') {
      if (!fs.existsSync(keylog) || fs.statSync(keylog).size === 0) throw new Error(`${sc.name}: Chromium wrote no TLS keys`);
      execFileSync('editcap', ['--inject-secrets', `tls,${keylog}`, raw, final]);
    } else {
      fs.copyFileSync(raw, final);
    }
    execFileSync('python3', [NEUTRAL_SHB, final], { stdio: 'ignore' });
    fs.chmodSync(final, 0o644);
    const records = collector.records();
    writeExpect(`${final}.expect.json`, {
      capture: path.basename(final),
      generated_by: 'testdata/realsdk/generate.sh (do not edit by hand)',
      sdk: sc.sdk === 'node' ? `sa-sdk-node ${NODE_VERSION}` : `sa-sdk-javascript ${JS_VERSION} in Chromium (puppeteer-core ${PPTR_VERSION})`
        + (sc.sdk === 'h2c-replay' ? `, requests replayed over h2c by Node ${process.version} http2 from ${sc.replay_of}` : ''),
      transport: sc.transport,
      transport_description: sc.desc,
      tcp_port: sc.port,
      tls_keys_embedded: sc.scheme === 'https',
      // tshark 4.0 finds HTTP/1.1 and TLS (then h2 by ALPN) on any port by
      // heuristics, but not h2c with prior knowledge: the server's SETTINGS
      // frame comes first, so the port must be decoded as http2.
      tshark_args: sc.kind === 'h2c' ? ['-d', `tcp.port==${sc.port},http2`] : [],
      send_type: sc.send_type,
      batch_send: sc.batch_send || undefined,
      collector: sc.sdk === 'node' ? `127.0.0.1:${sc.port}` : `${COLLECTOR_HOST}:${sc.port}`,
      told: sc.sdk === 'node' ? {
        submit_url: extra.submit_url,
        caller_file: NODE_SDK_FILE,
        gzip: sc.gzip,
        batch_count: sc.count,
        super_properties: extra.super_properties,
        records: told,
      } : {
        page_url: extra.page_url,
        referrer: REFERRER,
        referrer_as_sent: SENT_REFERRER,
        referrer_search_term: SEARCH_TERM,
        referrer_search_keyword_as_sent: SENT_KEYWORD,
        distinct_id: DISTINCT_ID,
        login_id: LOGIN_ID,
        register: REGISTER,
        register_page: REGISTER_PAGE,
        search_word: SEARCH_WORD,
        custom_url: PRODUCT_URL,
        profile: PROFILE,
        records: told,
      },
      replayed_stream_ids: extra.replayed_stream_ids,
      received: {
        request_count: collector.log.length,
        requests: summarizeRequests(collector.log),
        record_count: records.length,
        events: records.map((x) => Object.assign({ request: x.request }, eventView(x.record))),
      },
    });
    const size = fs.statSync(final).size;
    log(`${sc.name}: ${collector.log.length} requests, ${records.length} records, ${size} bytes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    if (size > 1024 * 1024) throw new Error(`${final} is over 1 MB`);
  }
  site.close();
  fs.rmSync(TMP, { recursive: true, force: true });
  log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main().catch((e) => {
  console.error(e);
  fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(1);
});
