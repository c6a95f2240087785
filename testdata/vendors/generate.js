'use strict';
// Records captures of the REAL vendor SDKs (and real GA4 hits) over loopback
// while they send. Run through generate.sh (as root: dumpcap on lo). Usage:
//   node generate.js <node_modules dir> <out dir> [vendor | capture-name ...]
// Each vendor module (mixpanel.js, segment.js, ...) lists its scenarios, the
// page script, the Node SDK driver, the collector's answers, and its
// server-side decoder and check. See README.md for what each capture holds.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { Collector } = require('./collector');
const { Site } = require('./site');
const L = require('./lib');
const { SITE_HOST, SITE_PORT, pageUrl } = require('./persona');

const NM = path.resolve(process.argv[2]);
const OUT = path.resolve(process.argv[3]);
const ONLY = process.argv.slice(4);
const REPO = path.resolve(__dirname, '..', '..');
const puppeteer = require(path.join(NM, 'puppeteer-core'));
const version = (pkg) => require(path.join(NM, pkg, 'package.json')).version;
const PPTR_VERSION = version('puppeteer-core');

const VENDOR_NAMES = ['mixpanel', 'segment', 'amplitude', 'posthog', 'snowplow', 'ga4'];
const VENDORS = VENDOR_NAMES.filter((v) => fs.existsSync(path.join(__dirname, `${v}.js`)))
  .map((v) => require(`./${v}`));

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'xmtrack-vendors-'));
// The Node SDK drivers run from a neutral folder (SDKs embed caller paths).
const NEUTRAL = path.join(TMP, 'app');
const MACHINE = L.machineStrings([REPO, __dirname, OUT, NM, TMP, path.dirname(NM)]);
function log(...a) { console.log('[vendors]', ...a); }

const TRANSPORT_DESC = {
  http1: 'HTTP/1.1 in clear',
  https1: 'HTTPS/1.1 (TLS 1.3, ALPN http/1.1), keys embedded',
  h2: 'HTTP/2 over TLS 1.3 (ALPN h2), keys embedded',
  h2c: 'HTTP/2 in clear, prior knowledge (Node http2 client replaying the browser\'s h2 requests, interleaved)',
};

// ---------------------------------------------------------------- drivers
async function driveBrowser(vendor, sc, collector, keylog, site, tls) {
  const url = pageUrl(sc.name);
  const ctx = { sc, pageUrl: url, collectorOrigin: `${sc.scheme}://${sc.host}:${sc.port}`, collector };
  site.pages[`/${sc.name}.html`] = vendor.pageHtml(sc, ctx);
  const hosts = [SITE_HOST].concat(vendor.hosts);
  const browser = await L.launchBrowser(puppeteer, TMP, hosts, keylog);
  let told;
  try {
    const page = await browser.newPage();
    page.on('pageerror', (e) => log(`${sc.name}: page error: ${e.message}`));
    page.on('requestfailed', (r) => log(`${sc.name}: request failed: ${r.url().slice(0, 100)} ${r.failure() && r.failure().errorText}`));
    if (process.env.XMT_DEBUG) page.on('console', (m) => log(`${sc.name}: console: ${m.text().slice(0, 300)}`));
    // Arrive from a search engine's result page. 'unsafe-url' keeps the full
    // https referrer on this http page (the default policy would strip it).
    await page.goto(url, { referer: sc.search.url, referrerPolicy: 'unsafe-url', waitUntil: 'load' });
    const docReferrer = await page.evaluate(() => document.referrer);
    if (docReferrer !== sc.search.url) throw new Error(`document.referrer is ${docReferrer}`);
    await page.waitForFunction('window.__xmtReady === true', { timeout: 15000 });
    told = await vendor.driveBrowser(page, sc, ctx);
    await L.waitFor(() => vendor.complete(sc, collector.log, told), sc.wait_ms || 20000,
      `${sc.name}: everything at the collector (have ${collector.log.length} requests)`);
    await L.sleep(500);
    await page.close();
  } finally {
    await browser.close();
  }
  return told;
}

async function driveNode(vendor, sc, collector, keylog) {
  fs.mkdirSync(NEUTRAL, { recursive: true });
  const script = path.join(NEUTRAL, `${vendor.name}_node.js`);
  fs.copyFileSync(path.join(__dirname, `${vendor.name}_node.js`), script);
  fs.copyFileSync(path.join(__dirname, 'persona.js'), path.join(NEUTRAL, 'persona.js'));
  const cfg = Object.assign({ nm: NM, port: sc.port, scheme: sc.scheme, host: sc.host }, sc.node || {});
  const env = Object.assign({}, process.env);
  const args = [];
  if (keylog) {
    args.push(`--tls-keylog=${keylog}`);
    env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
  }
  const child = spawn(process.execPath, args.concat(['./' + path.basename(script), JSON.stringify(cfg)]),
    { cwd: NEUTRAL, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  const exited = new Promise((r) => child.on('exit', r));
  await L.waitFor(() => out.includes('\n'), 30000, `${sc.name}: the driver's told line`);
  const told = JSON.parse(out.split('\n')[0]);
  await L.waitFor(() => vendor.complete(sc, collector.log, told), 30000,
    `${sc.name}: everything at the collector (have ${collector.log.length} requests)`);
  await L.sleep(300);
  child.kill('SIGTERM');
  await exited;
  return told;
}

// ---------------------------------------------------------------- expectations
function requestView(e, d) {
  return {
    n: e.n,
    method: e.method,
    path: e.path.length > 160 ? e.path.slice(0, 160) + '...' : e.path,
    path_length: e.path.length,
    authority: e.authority,
    http_version: e.http_version,
    stream_id: e.stream_id,
    content_type: e.headers['content-type'],
    content_encoding: e.headers['content-encoding'],
    user_agent: e.headers['user-agent'],
    referer: e.headers.referer,
    authorization: e.headers.authorization,
    body_length: e.body_length,
    analytics: d.analytics !== false,
    layers: d.layers,
    query_keys: d.query_keys,
    form_keys: d.form_keys,
    event_count: d.events ? d.events.length : 0,
    notes: d.notes,
    envelope_keys: d.envelope_keys,
    amplitude_legacy: d.legacy,
  };
}

function hygiene(sc, entries, decoded, finalFile) {
  const hits = [];
  entries.forEach((e, i) => {
    const texts = [e.path, JSON.stringify(e.headers), Buffer.from(e.body_base64, 'base64').toString('latin1'),
      JSON.stringify(decoded[i].events || []), decoded[i].text || ''];
    for (const t of texts) for (const h of L.findMachineStrings(t, MACHINE)) hits.push(`request ${e.n}: ${h}`);
  });
  // The capture's own bytes too (clear-text captures; the SHB after neutralising).
  const raw = fs.readFileSync(finalFile).toString('latin1');
  for (const p of MACHINE.paths) if (raw.includes(p)) hits.push(`capture bytes: ${p}`);
  if (hits.length) throw new Error(`${sc.name}: machine strings in the payloads:\n  ` + [...new Set(hits)].join('\n  '));
  return {
    checked: 'every request\'s path, headers, raw and decoded body, and the capture\'s bytes, for the recording machine\'s paths (repository, generator, npm cache, temp, home), its user name (unless root) and host name',
    found: [],
  };
}

// ---------------------------------------------------------------- main
function allScenarios() {
  const out = [];
  for (const v of VENDORS) for (const sc of v.scenarios) out.push(Object.assign({ vendor: v.name }, sc));
  return out;
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const SCENARIOS = allScenarios();
  const want = new Set();
  for (const n of ONLY) {
    const byVendor = SCENARIOS.filter((s) => s.vendor === n);
    if (byVendor.length) byVendor.forEach((s) => want.add(s.name));
    else if (SCENARIOS.find((s) => s.name === n)) want.add(n);
    else throw new Error('no vendor or capture named ' + n);
  }
  if (!ONLY.length) SCENARIOS.forEach((s) => want.add(s.name));
  for (const s of SCENARIOS) if (want.has(s.name) && s.replay_of) want.add(s.replay_of);
  const todo = SCENARIOS.filter((s) => want.has(s.name));
  const names = [...new Set(VENDORS.flatMap((v) => v.hosts))];
  const tls = L.makeCert(TMP, names);
  const site = new Site();
  for (const v of VENDORS) if (v.setupSite) v.setupSite(site, NM);
  await site.start(SITE_PORT);
  const sources = {}; // h2 logs kept for their h2c replays
  const started = Date.now();
  for (const sc of todo) {
    const vendor = VENDORS.find((v) => v.name === sc.vendor);
    sc.scheme = sc.kind === 'https1' || sc.kind === 'h2' ? 'https' : 'http';
    const t0 = Date.now();
    const raw = path.join(TMP, `${sc.name}.raw.pcapng`);
    const keylog = path.join(TMP, `${sc.name}.keys`);
    const final = path.join(OUT, `${sc.name}.pcapng`);
    const collector = new Collector(vendor.respond ? vendor.respond(sc) : null);
    await collector.listen(sc.kind, sc.port, tls);
    const cap = await L.startDumpcap(sc.port, raw);
    let told;
    let replayedIds;
    try {
      if (sc.sdk === 'browser') {
        told = await driveBrowser(vendor, sc, collector, sc.scheme === 'https' ? keylog : null, site, tls);
        sources[sc.name] = { log: collector.log, told };
      } else if (sc.sdk === 'node') {
        told = await driveNode(vendor, sc, collector, sc.scheme === 'https' ? keylog : null);
      } else if (sc.sdk === 'h2c-replay') {
        const src = sources[sc.replay_of];
        replayedIds = await L.replayH2c(sc.port, sc.host, src.log);
        await L.waitFor(() => collector.log.length >= replayedIds.length, 10000, 'h2c replay at the collector');
        told = src.told;
      } else if (sc.sdk === 'replay') {
        told = await vendor.replay(sc, { puppeteer, tmp: TMP, collector, keylog: sc.scheme === 'https' ? keylog : null });
        await L.waitFor(() => vendor.complete(sc, collector.log, told), 20000, `${sc.name}: replayed hits at the collector`);
      } else {
        throw new Error('unknown sdk kind ' + sc.sdk);
      }
    } finally {
      await collector.closeAll();
      await cap.stop();
    }
    if (sc.scheme === 'https') {
      if (!fs.existsSync(keylog) || fs.statSync(keylog).size === 0) throw new Error(`${sc.name}: no TLS keys were logged`);
      execFileSync('editcap', ['--inject-secrets', `tls,${keylog}`, raw, final]);
    } else {
      fs.copyFileSync(raw, final);
    }
    fs.chmodSync(final, 0o644);
    const neutral = L.neutralizeShb(final, REPO);
    const decoded = collector.log.map((e) => vendor.decode(e));
    if (process.env.XMT_DEBUG) for (const e of collector.log) log(e.method, e.path.slice(0, 120), e.headers['content-type'] || '', e.headers['content-encoding'] || '', e.body_length);
    const problems = vendor.check(sc, told, collector.log, decoded);
    if (problems.length) throw new Error(`${sc.name}: the collector did not get what the SDK was told:\n  ` + problems.join('\n  '));
    const hyg = hygiene(sc, collector.log, decoded, final);
    const events = [];
    decoded.forEach((d, i) => (d.events || []).forEach((ev) => events.push(Object.assign({ request: collector.log[i].n }, ev))));
    const expect = {
      capture: path.basename(final),
      generated_by: 'testdata/vendors/generate.sh (do not edit by hand)',
      vendor: vendor.name,
      sdk: vendor.sdkLabel(sc, version) + (sc.sdk === 'browser' ? ` in Chromium (puppeteer-core ${PPTR_VERSION})` : '')
        + (sc.sdk === 'h2c-replay' ? `, the requests of ${sc.replay_of} replayed over h2c by Node ${process.version} http2` : ''),
      transport: sc.kind,
      transport_description: TRANSPORT_DESC[sc.kind],
      tcp_port: sc.port,
      tls_keys_embedded: sc.scheme === 'https',
      // tshark 4.0 finds HTTP/1.1 and TLS (then h2 by ALPN) on any port by
      // heuristics, but not h2c with prior knowledge (the server's SETTINGS
      // frame comes first): that port must be decoded as http2.
      tshark_args: sc.kind === 'h2c' ? ['-d', `tcp.port==${sc.port},http2`] : [],
      collector: `${sc.host}:${sc.port}`,
      shb_neutralised: neutral,
      scenario: sc.describe,
      told,
      replayed_stream_ids: replayedIds,
      received: {
        request_count: collector.log.length,
        requests: collector.log.map((e, i) => requestView(e, decoded[i])),
        event_count: events.length,
        events,
      },
      hygiene: hyg,
    };
    fs.writeFileSync(`${final}.expect.json`, JSON.stringify(expect, null, 2) + '\n');
    const size = fs.statSync(final).size;
    log(`${sc.name}: ${collector.log.length} requests, ${events.length} events, ${size} bytes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
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
