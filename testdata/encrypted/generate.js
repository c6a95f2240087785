'use strict';
// Records captures of the REAL Sensors JS SDK with its encryption plugins
// (aes-encryption, sm-encryption, general-encryption of sa-sdk-javascript)
// in Debian's Chromium, over loopback, while it sends. The collector knows the
// keys a Sensors server (or the site's own server) would know and decrypts what
// it received; the expectations are what the page told the SDK and what the
// collector decrypted, never xmtrack's output.
// Run through generate.sh (as root: dumpcap on lo). Usage:
//   node generate.js <node_modules dir> <out dir> [capture-name ...]
// See README.md for what each capture holds.
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn, execFileSync } = require('child_process');
// The realsdk collector answers and logs uploads; it is imported, not changed.
const { Collector } = require('../realsdk/collector');
const { startServer, sdkFiles } = require('./site');
const { ServerKeys, decodeUpload } = require('./decrypt');

const NM = path.resolve(process.argv[2]);
const OUT = path.resolve(process.argv[3]);
const ONLY = process.argv.slice(4);
const puppeteer = require(path.join(NM, 'puppeteer-core'));
const esbuild = require(path.join(NM, 'esbuild'));
const smCrypto = require(path.join(NM, 'sm-crypto'));
const version = (p) => require(path.join(NM, p, 'package.json')).version;
const JS_VERSION = version('sa-sdk-javascript');

const SITE_PORT = 18100; // the site of the captures that do not hold the page: not recorded
const SITE_HOST = 'shop.example.com';
const COLLECTOR_HOST = 'sa.example.com';
const PROJECT = 'xmtrack';
const SEARCH_TERM = 'xmtrack test 小米';
const REFERRER = 'https://www.google.com/search?q=xmtrack+test+%E5%B0%8F%E7%B1%B3&hl=en';
const SENT_KEYWORD = 'xmtrack+test+小米'; // what the SDK puts in $latest/$first_search_keyword
const SENT_REFERRER = decodeURIComponent(REFERRER);
const SEARCH_WORD = 'xiaomi 14 ultra price';
const PRODUCT_URL = 'https://shop.example.com/product/42?ref=search';
const DISTINCT_ID = 'xmtrack-web-visitor-0002';
const LOGIN_ID = 'xmtrack_user_10010';
const REGISTER = { $model: 'Redmi Note 8', $carrier: 'China Mobile', android_id: '3f8a1c2b4d5e6f70' };
const REGISTER_PAGE = { $latitude: 39904200, $longitude: 116407400 };
const PROFILE = { email: 'visitor@example.com', phone: '+8613800138000', $city: 'Beijing' };

const TMP = fs.mkdtempSync(path.join(os.tmpdir(), 'xmtrack-encrypted-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
function log(...a) { console.log('[encrypted]', ...a); }

// ---------------------------------------------------------------- keys
// Fixed, so the expectations and the key table can name them. What the Sensors
// server's generate_web_symmetric_key.sh makes for k/khash is not public: k is
// a base64 AES key (the plugin base64-decodes it), khash an opaque string it
// sends as key_hash; here khash is the hex SHA-256 of the key bytes.
function aesKey(kid, len) {
  const key = crypto.createHash('sha512').update(`xmtrack sensors web AES test key ${kid}`).digest().subarray(0, len);
  return { kid, key, k: key.toString('base64'), khash: crypto.createHash('sha256').update(key).digest('hex') };
}

// ---------------------------------------------------------------- scenarios
// site 'apart': the site on SITE_PORT (not recorded), only uploads in the
// capture; 'same': page, scripts and uploads on the captured port.
// style: how the page writes the plugin's configuration.
const SCENARIOS = [
  { name: 'aes_image_http1', plugin: 'aes', send_type: 'image', port: 18501, kid: 7, keylen: 16, site: 'apart', style: 'file' },
  { name: 'aes_ajax_http1', plugin: 'aes', send_type: 'ajax', port: 18502, kid: 8, keylen: 32, site: 'apart', style: 'file' },
  { name: 'aes_beacon_http1', plugin: 'aes', send_type: 'beacon', port: 18503, kid: 9, keylen: 24, site: 'apart', style: 'file' },
  { name: 'sm_ajax_http1', plugin: 'sm', send_type: 'ajax', port: 18504, pkv: 3, site: 'apart', style: 'file' },
  { name: 'general_ajax_http1', plugin: 'general', send_type: 'ajax', port: 18505, pkv: 5, site: 'apart', style: 'file' },
  { name: 'aes_page_script_http1', plugin: 'aes', send_type: 'ajax', port: 18511, kid: 21, keylen: 16, site: 'same', style: 'file' },
  { name: 'aes_page_inline_http1', plugin: 'aes', send_type: 'image', port: 18512, kid: 22, keylen: 16, site: 'same', style: 'inline' },
  { name: 'aes_page_bundle_http1', plugin: 'aes', send_type: 'ajax', port: 18513, kid: 23, keylen: 32, site: 'same', style: 'bundle' },
  { name: 'aes_upload_first_http1', plugin: 'aes', send_type: 'ajax', port: 18514, kid: 24, keylen: 16, site: 'same', style: 'file',
    upload_first: true },
];

// ---------------------------------------------------------------- page code
function setupCode(sc, ind) {
  const init = { server_url: sc.server_url, send_type: sc.send_type, show_log: false, is_track_single_page: false,
    cross_subdomain: false };
  return [
    `sensors.init(${JSON.stringify(init)});`,
    `sensors.identify(${JSON.stringify(DISTINCT_ID)}, true);`,
    `sensors.register(${JSON.stringify(REGISTER)});`,
    `sensors.registerPage(${JSON.stringify(REGISTER_PAGE)});`,
    "sensors.quick('autoTrack');",
    'window.__xmtReady = true;',
  ].map((l) => ind + l).join('\n');
}

// The plugin's configuration as the page writes it; returns {code, object}:
// object is the exact text of the object literal handed to sensors.use.
function useCode(sc) {
  if (sc.plugin === 'sm') {
    const object = `{\n    pkv: ${sc.pkv},\n    pub_key: '${sc.sm2.publicKey}'\n}`;
    return { code: `sensors.use(window.SensorsDataWebJSSDKPlugin.SMEncryption, ${object});`, object };
  }
  if (sc.plugin === 'general') {
    const object = `{\n    encrypt_utils: {\n        encryptEvent: SiteCipher.encryptEvent,\n` +
      `        encryptSymmetricKeyWithPublicKey: SiteCipher.encryptSymmetricKeyWithPublicKey\n    },\n` +
      `    pkv: ${sc.pkv},\n    pub_key: ${JSON.stringify(sc.rsaPublicPem)}\n}`;
    return { code: `sensors.use(window.SensorsDataWebJSSDKPlugin.GeneralEncryption, ${object});`, object };
  }
  const a = sc.aes;
  if (sc.style === 'inline') {
    // JSON-like: quoted names, double quotes, khash first, all on one line.
    const object = `{"khash": "${a.khash}", "k": "${a.k}", "kid": ${a.kid}}`;
    return { code: `sensors.use("AesEncryption", ${object});`, object };
  }
  // As the plugin's readme writes it (kid a number: the plugin refuses a string).
  const object = `{\n    k: '${a.k}',\n    kid: ${a.kid},\n    khash: '${a.khash}'\n}`;
  return { code: `var AesEncryption = window.SensorsDataWebJSSDKPlugin.AesEncryption;\nsensors.use(AesEncryption, ${object});`, object };
}

const PLUGIN_SCRIPT = { aes: 'aes-encryption', sm: 'sm-encryption', general: 'general-encryption' };

// The general plugin's cipher, the site's own (its readme leaves both functions
// to the site): AES-128-CBC of the record's JSON under a random per-page key
// (crypto-js), the key wrapped with the site's RSA public key (jsencrypt,
// PKCS#1 v1.5). Bundled into one script by esbuild.
async function buildSiteCipher() {
  const entry = path.join(TMP, 'site-cipher.mjs');
  fs.writeFileSync(entry, `import CryptoJS from 'crypto-js';
import { JSEncrypt } from 'jsencrypt';
const key = CryptoJS.lib.WordArray.random(16);
export function encryptEvent(data) {
  const iv = CryptoJS.lib.WordArray.random(16);
  const ct = CryptoJS.AES.encrypt(JSON.stringify(data), key, { iv, mode: CryptoJS.mode.CBC, padding: CryptoJS.pad.Pkcs7 }).ciphertext;
  return iv.clone().concat(ct).toString(CryptoJS.enc.Base64);
}
export function encryptSymmetricKeyWithPublicKey(pubKey) {
  const rsa = new JSEncrypt();
  rsa.setPublicKey(pubKey);
  return rsa.encrypt(key.toString(CryptoJS.enc.Base64));
}
`);
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', globalName: 'SiteCipher',
    write: false, nodePaths: [NM], logLevel: 'silent' });
  return r.outputFiles[0].text;
}

// A site's production bundle: the SDK, the plugin and the set-up as ES
// modules, bundled and minified by esbuild (what a webpack/vite site ships).
async function buildBundle(sc) {
  const entry = path.join(TMP, `${sc.name}-app.mjs`);
  fs.writeFileSync(entry, `import sensors from 'sa-sdk-javascript/dist/web/sensorsdata.es6.js';
import AesEncryption from 'sa-sdk-javascript/dist/web/plugin/aes-encryption/index.es6.js';
window.sensors = sensors;
${useCode(Object.assign({}, sc, { style: 'file' })).code.split('\n').slice(1).join('\n')}
${setupCode(sc, '')}
`);
  const r = await esbuild.build({ entryPoints: [entry], bundle: true, minify: true, format: 'iife', write: false,
    nodePaths: [NM], logLevel: 'silent', legalComments: 'none' });
  return r.outputFiles[0].text;
}

// The files of the scenario's site: its page, its config script or bundle.
async function siteFor(sc, cipherJs) {
  const files = sdkFiles(NM);
  const page = `/${sc.name}.html`;
  const use = useCode(sc);
  const scripts = [];
  let config;
  if (sc.style === 'bundle') {
    const bundle = await buildBundle(sc);
    files['/assets/app.min.js'] = { type: 'application/javascript; charset=utf-8', body: bundle, encoding: 'gzip' };
    scripts.push('<script src="/assets/app.min.js"></script>');
    config = { path: '/assets/app.min.js', body: bundle, content_encoding: 'gzip' };
  } else {
    scripts.push('<script src="/js/sensorsdata.min.js"></script>');
    scripts.push(`<script src="/js/plugin/${PLUGIN_SCRIPT[sc.plugin]}/index.js"></script>`);
    if (sc.plugin === 'general') {
      files['/js/site-cipher.js'] = { type: 'application/javascript; charset=utf-8', body: cipherJs };
      scripts.push('<script src="/js/site-cipher.js"></script>');
    }
    const body = `var sensors = window.sensorsDataAnalytic201505;\nwindow.sensors = sensors;\n${use.code}\n${setupCode(sc, '')}\n`;
    if (sc.style === 'file') {
      const text = `// Sensors Analytics on ${SITE_HOST}: encrypted reporting\n${body}`;
      files['/js/sa-config.js'] = { type: 'application/javascript; charset=utf-8', body: text };
      scripts.push('<script src="/js/sa-config.js"></script>');
      config = { path: '/js/sa-config.js', body: text };
    } else {
      scripts.push(`<script>\n${body.split('\n').map((l) => (l ? '  ' + l : l)).join('\n')}</script>`);
    }
  }
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
${scripts.join('\n')}
</head>
<body><h1>xmtrack ${sc.name}</h1><p>xmtrack encrypted-upload test page.</p></body></html>
`;
  files[page] = { type: 'text/html; charset=utf-8', body: html, chunked: sc.style === 'inline' };
  if (sc.style === 'inline') config = { path: page, body: html, transfer_encoding: 'chunked' };
  config.object = use.object;
  config.style = sc.style;
  return { files, page, config };
}

// ---------------------------------------------------------------- tools
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

async function launchBrowser() {
  const userDataDir = fs.mkdtempSync(path.join(TMP, 'chromium-profile-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    `--user-data-dir=${userDataDir}`,
    `--host-resolver-rules=MAP ${SITE_HOST} 127.0.0.1, MAP ${COLLECTOR_HOST} 127.0.0.1, EXCLUDE localhost`];
  return puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true, args, ignoreDefaultArgs: ['--headless=new'] });
}

async function waitFor(pred, ms, what) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (pred()) return;
    await sleep(100);
  }
  throw new Error('timed out waiting for ' + what);
}

function tshark(file, filter, fields) {
  const args = ['-r', file, '-Y', filter, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=f'];
  for (const f of fields) args.push('-e', f);
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
  return out.split('\n').filter(Boolean).map((l) => l.split('\t'));
}

// ---------------------------------------------------------------- the visit
const STEPS = {
  search: { event: 'search', run: (p) => p.evaluate((w) => window.sensors.track('search', { search_word: w }), SEARCH_WORD) },
  view_product: { event: 'view_product',
    run: (p) => p.evaluate((u) => window.sensors.track('view_product', { $url: u, product_id: '42' }), PRODUCT_URL) },
  store_locator: { event: 'store_locator',
    run: (p) => p.evaluate(() => window.sensors.track('store_locator', { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001' })) },
  profile_set: { type: 'profile_set', run: (p) => p.evaluate((x) => window.sensors.setProfile(x), PROFILE) },
  login: { type: 'track_signup', event: '$SignUp', run: (p) => p.evaluate((id) => window.sensors.login(id), LOGIN_ID) },
};

function told(pageUrl, what) {
  const common = Object.assign({ $url: pageUrl, $latest_referrer: SENT_REFERRER, $latest_search_keyword: SENT_KEYWORD }, REGISTER, REGISTER_PAGE);
  const all = {
    profile_set_once: { type: 'profile_set_once', by_sdk: true, expect: { $first_referrer: SENT_REFERRER, $first_search_keyword: SENT_KEYWORD } },
    pageview: { type: 'track', event: '$pageview', by_sdk: true, call: "sensors.quick('autoTrack')",
      expect: Object.assign({ $referrer: SENT_REFERRER }, common) },
    search: { type: 'track', event: 'search', properties: { search_word: SEARCH_WORD },
      expect: Object.assign({ search_word: SEARCH_WORD }, common) },
    view_product: { type: 'track', event: 'view_product', properties: { $url: PRODUCT_URL, product_id: '42' },
      expect: Object.assign({}, common, { $url: PRODUCT_URL, product_id: '42' }) },
    store_locator: { type: 'track', event: 'store_locator', properties: { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001' },
      expect: { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001', $latest_referrer: SENT_REFERRER } },
    profile_set: { type: 'profile_set', call: 'sensors.setProfile(PROFILE)', properties: PROFILE, expect: PROFILE },
    login: { type: 'track_signup', event: '$SignUp', call: `sensors.login(${JSON.stringify(LOGIN_ID)})`,
      expect: { $url: pageUrl }, distinct_id: LOGIN_ID, original_id: DISTINCT_ID },
  };
  return what.map((w) => all[w]);
}

async function openPage(browser, url, noCache) {
  const page = await browser.newPage();
  if (noCache) await page.setCacheEnabled(false);
  await page.goto(url, { referer: REFERRER, referrerPolicy: 'unsafe-url', waitUntil: 'load' });
  const docReferrer = await page.evaluate(() => document.referrer);
  if (docReferrer !== REFERRER) throw new Error(`document.referrer is ${docReferrer}`);
  await page.waitForFunction('window.__xmtReady === true');
  return page;
}

async function runSteps(page, names) {
  for (const n of names) {
    await sleep(250);
    await STEPS[n].run(page);
  }
}

// ---------------------------------------------------------------- checks
function checkTold(toldList, records, name) {
  const problems = [];
  for (const t of toldList) {
    const r = records.find((x) => x.type === t.type && (t.event === undefined || x.event === t.event));
    if (!r) { problems.push(`no ${t.type} ${t.event || ''} received`); continue; }
    for (const [k, v] of Object.entries(t.expect || {})) {
      if (JSON.stringify(r.properties[k]) !== JSON.stringify(v)) {
        problems.push(`${t.type} ${t.event || ''}: properties.${k} = ${JSON.stringify(r.properties[k])}, told ${JSON.stringify(v)}`);
      }
    }
    const did = t.distinct_id || DISTINCT_ID;
    if (r.distinct_id !== did) problems.push(`${t.event || t.type}: distinct_id ${r.distinct_id}, expected ${did}`);
  }
  if (records.length !== toldList.length) problems.push(`${records.length} records received, ${toldList.length} told`);
  if (problems.length) throw new Error(`${name}: the collector did not get what the SDK was told:\n  ` + problems.join('\n  '));
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
    track_id: rec._track_id,
    urls: pick(['$url', '$referrer', '$latest_referrer', '$first_referrer']),
    search_keywords: pick(['$latest_search_keyword', '$first_search_keyword', 'search_word']),
    location: pick(['$latitude', '$longitude']),
    device: pick(['$model', '$carrier', 'android_id']),
    profile: rec.type && rec.type.startsWith('profile') ? pr : undefined,
  };
}

// ---------------------------------------------------------------- one capture
async function record(sc, cipherJs, apartSite) {
  const t0 = Date.now();
  const raw = path.join(TMP, `${sc.name}.raw.pcapng`);
  const final = path.join(OUT, `${sc.name}.pcapng`);
  const keys = new ServerKeys(NM);
  if (sc.plugin === 'aes') {
    sc.aes = aesKey(sc.kid, sc.keylen);
    keys.aes.set(sc.kid, { key: sc.aes.key, khash: sc.aes.khash });
  } else if (sc.plugin === 'sm') {
    sc.sm2 = smCrypto.sm2.generateKeyPairHex();
    keys.sm2.set(sc.pkv, sc.sm2.privateKey);
  } else {
    const kp = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    sc.rsaPublicPem = kp.publicKey.export({ type: 'spki', format: 'pem' });
    sc.rsaPrivate = kp.privateKey;
    keys.rsa.set(sc.pkv, kp.privateKey);
  }
  const sitePort = sc.site === 'same' ? sc.port : SITE_PORT;
  sc.server_url = `http://${COLLECTOR_HOST}:${sc.port}/sa.gif?project=${PROJECT}`;
  const site = await siteFor(sc, cipherJs);
  const pageUrl = `http://${SITE_HOST}:${sitePort}${site.page}`;
  const collector = new Collector();
  let server;
  if (sc.site === 'same') {
    server = await startServer(sc.port, site.files, collector.handler('http1'));
  } else {
    Object.assign(apartSite.files, site.files);
    await collector.listen('http1', sc.port, null);
  }

  let toldList;
  let firstCaptured = 0;
  let cap;
  const browser = await launchBrowser();
  try {
    if (sc.upload_first) {
      // The page was loaded before the capture started (a tab left open);
      // its uploads are captured, then the page is loaded again in a second
      // tab, so its key comes AFTER uploads that need it.
      const a = await openPage(browser, pageUrl, true);
      await waitFor(() => collector.log.length >= 2, 15000, 'the first page view');
      await sleep(300);
      server.dropConnections();
      await sleep(300);
      firstCaptured = collector.log.length;
      cap = await startDumpcap(sc.port, raw);
      await runSteps(a, ['search', 'view_product', 'profile_set']);
      await waitFor(() => collector.log.length >= firstCaptured + 3, 15000, 'the first tab\'s uploads');
      await sleep(300);
      const b = await openPage(browser, pageUrl, true);
      await runSteps(b, ['login']);
      toldList = told(pageUrl, ['search', 'view_product', 'profile_set', 'pageview', 'login']);
      toldList[3].note = 'the second tab\'s page view: same browser, so no profile_set_once';
      await waitFor(() => collector.log.length >= firstCaptured + toldList.length, 15000, 'uploads');
      await sleep(300);
      await a.close();
      await b.close();
    } else {
      cap = await startDumpcap(sc.port, raw);
      const p = await openPage(browser, pageUrl, false);
      await runSteps(p, ['search', 'view_product', 'store_locator', 'profile_set', 'login']);
      toldList = told(pageUrl, ['profile_set_once', 'pageview', 'search', 'view_product', 'store_locator', 'profile_set', 'login']);
      await waitFor(() => collector.log.length >= toldList.length, 15000, `${toldList.length} uploads`);
      await sleep(500);
      await p.close();
    }
  } finally {
    await browser.close();
    if (server) await server.close();
    await collector.closeAll();
    if (cap) await cap.stop();
  }

  // What the collector received and decrypted, in arrival order.
  const captured = collector.log.slice(firstCaptured).filter((e) => e.method !== 'OPTIONS');
  const requests = captured.map((e) => Object.assign({ method: e.method, path: e.path, content_type: e.headers['content-type'] },
    decodeUpload(e, keys)));
  const records = requests.flatMap((r, i) => r.records.map((rec) => ({ request: i, rec })));
  checkTold(toldList, records.map((x) => x.rec), sc.name);

  fs.copyFileSync(raw, final);
  fs.chmodSync(final, 0o644);

  // Where the uploads and the key configuration are in the capture.
  const uploads = tshark(final, 'http.request && http.request.uri contains "/sa.gif"', ['frame.number', 'http.request.uri', 'http.file_data']);
  if (uploads.length !== requests.length) throw new Error(`${sc.name}: tshark sees ${uploads.length} uploads, the collector got ${requests.length}`);
  requests.forEach((r, i) => {
    const marker = r.ext ? encodeURIComponent(r.ext) : null;
    const j = marker ? uploads.findIndex((u) => (u[1] + (u[2] || '')).includes(marker)) : i;
    r.frame = j >= 0 ? Number(uploads[j][0]) : undefined;
  });
  let keyConfig;
  if (sc.site === 'same') {
    const frames = tshark(final, `http.response_for.uri contains "${site.config.path}"`, ['frame.number', 'http.content_type']);
    if (frames.length !== 1) throw new Error(`${sc.name}: ${frames.length} responses for ${site.config.path}`);
    const body = Buffer.from(site.config.body);
    const at = body.indexOf(site.config.object);
    keyConfig = {
      served_path: site.config.path,
      frame: Number(frames[0][0]),
      content_type: frames[0][1],
      content_encoding: site.config.content_encoding,
      transfer_encoding: site.config.transfer_encoding,
      body_length: body.length,
      body_sha256: crypto.createHash('sha256').update(body).digest('hex'),
      style: sc.style,
      // The object literal handed to sensors.use, as written in the page
      // (for the bundle: as esbuild wrote it), and where it is in the body.
      object_as_written: site.config.object,
      object_offset: at >= 0 ? at : undefined,
    };
    if (sc.style === 'bundle') {
      const m = /\{k:"[^"]*",kid:\d+,khash:"[^"]*"\}/.exec(site.config.body);
      if (!m) throw new Error(`${sc.name}: the bundle does not hold the config as expected`);
      keyConfig.object_as_written = m[0];
      keyConfig.object_offset = Buffer.byteLength(site.config.body.slice(0, m.index));
    }
    if (keyConfig.object_offset === undefined) throw new Error(`${sc.name}: config not found in its body`);
    for (const [name, val] of [['k', sc.aes.k], ['khash', sc.aes.khash]]) {
      keyConfig[`${name}_value_offset`] = body.indexOf(val, keyConfig.object_offset);
    }
    const firstUploadFrame = Math.min(...requests.map((r) => r.frame));
    keyConfig.uploads_before_config = requests.filter((r) => r.frame < keyConfig.frame).length;
    keyConfig.first_upload_frame = firstUploadFrame;
  }

  const keyList = sc.plugin === 'aes' ? [{
    sdk: 'sensors', key_id: String(sc.kid), kid: sc.kid, key_base64: sc.aes.k, key_hex: sc.aes.key.toString('hex'),
    key_bytes: sc.aes.key.length, aes: `AES-${sc.aes.key.length * 8}-CBC`, khash: sc.aes.khash,
    uat: `"sensors","${sc.kid}","${sc.aes.k}"`,
  }] : [];
  const out = {
    capture: path.basename(final),
    generated_by: 'testdata/encrypted/generate.sh (do not edit by hand)',
    sdk: `sa-sdk-javascript ${JS_VERSION} in Chromium (puppeteer-core ${version('puppeteer-core')})`,
    plugin: `dist/web/plugin/${PLUGIN_SCRIPT[sc.plugin]}/index.js`,
    transport: 'http1',
    tcp_port: sc.port,
    tshark_args: [],
    send_type: sc.send_type,
    page_in_capture: sc.site === 'same',
    page_url: pageUrl,
    collector: `${COLLECTOR_HOST}:${sc.port}`,
    keys: keyList,
    key_config: keyConfig,
    public_key_wrap: sc.plugin === 'aes' ? undefined : sc.plugin === 'sm' ? {
      pkv: sc.pkv, sm2_public_key_hex: sc.sm2.publicKey,
      // The collector's private key (a test key): only the server holds it;
      // a capture of the page has the public key only.
      sm2_private_key_hex: sc.sm2.privateKey,
      server_can_decrypt: true, capture_alone_can_decrypt: false,
    } : {
      pkv: sc.pkv, site_cipher: 'AES-128-CBC (crypto-js) of the record JSON, per-page random key RSA-2048 PKCS#1 v1.5 wrapped (jsencrypt)',
      rsa_public_key_pem: sc.rsaPublicPem,
      rsa_private_key_pem: sc.rsaPrivate.export({ type: 'pkcs8', format: 'pem' }),
      server_can_decrypt: true, capture_alone_can_decrypt: false,
    },
    told: {
      page_url: pageUrl, referrer: REFERRER, referrer_as_sent: SENT_REFERRER, referrer_search_term: SEARCH_TERM,
      referrer_search_keyword_as_sent: SENT_KEYWORD, distinct_id: DISTINCT_ID, login_id: LOGIN_ID, register: REGISTER,
      register_page: REGISTER_PAGE, search_word: SEARCH_WORD, custom_url: PRODUCT_URL, profile: PROFILE,
      plugin_config: sc.plugin === 'aes' ? { k: sc.aes.k, kid: sc.kid, khash: sc.aes.khash } : { pkv: sc.pkv },
      records: toldList,
    },
    received: {
      request_count: requests.length,
      requests: requests.map((r) => ({
        frame: r.frame, method: r.method, path: r.path.length > 120 ? r.path.slice(0, 120) + '...' : r.path,
        path_length: r.path.length, content_type: r.content_type, where: r.where, form_keys: r.form_keys, gzip: r.gzip,
        ext: r.ext, crc: r.crc, crc_matches_data: r.crc_matches_data, data_length: r.data_length,
        wrapper_keys: r.wrapper_keys, scheme: r.scheme, detail: r.detail, record_count: r.records.length,
      })),
      record_count: records.length,
      events: records.map((x) => Object.assign({ request: x.request }, eventView(x.rec))),
    },
  };
  fs.writeFileSync(`${final}.expect.json`, JSON.stringify(out, null, 2) + '\n');
  const size = fs.statSync(final).size;
  log(`${sc.name}: ${requests.length} uploads, ${records.length} records, ${size} bytes, ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  if (size > 1024 * 1024) throw new Error(`${final} is over 1 MB`);
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  for (const n of ONLY) if (!SCENARIOS.find((s) => s.name === n)) throw new Error('no capture named ' + n);
  const todo = SCENARIOS.filter((s) => !ONLY.length || ONLY.includes(s.name));
  const cipherJs = await buildSiteCipher();
  const apartSite = { files: {} };
  const apart = await startServer(SITE_PORT, apartSite.files, null);
  try {
    for (const sc of todo) await record(sc, cipherJs, apartSite);
  } finally {
    await apart.close();
  }
  fs.rmSync(TMP, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  fs.rmSync(TMP, { recursive: true, force: true });
  process.exit(1);
});
