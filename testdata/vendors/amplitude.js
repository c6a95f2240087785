'use strict';
// Amplitude: @amplitude/analytics-browser (lib/scripts/amplitude-min.umd.js)
// and the legacy amplitude-js (amplitude.umd.js) in Chromium,
// @amplitude/analytics-node in Node.
// analytics-browser fetches its remote configuration first
// (remoteConfig.serverUrl): the site serves it, at
// http://cfg.example.com:<site port>/config, not recorded. Its diagnostics
// upload (to Amplitude's own host) is switched off with enableDiagnostics: false.
const path = require('path');
const crypto = require('crypto');
const L = require('./lib');
const { SEARCHES, P, SITE_PORT } = require('./persona');

const API_KEY = 'xmtrack0amplitude0api0key000001';
const HOST = 'amp.example.com';
const CFG_HOST = 'cfg.example.com';

const scenarios = [
  { name: 'amplitude_js_http1', sdk: 'browser', kind: 'http1', port: 18121, host: HOST, lib: 'next', gzip: false,
    describe: 'analytics-browser, serverUrl http://amp.example.com:18121/2/httpapi, batched (flushQueueSize 20, 1.5 s): POST /2/httpapi application/json {api_key, events, options}' },
  { name: 'amplitude_js_gzip_h2', sdk: 'browser', kind: 'h2', port: 18122, host: HOST, lib: 'next', gzip: true,
    describe: 'analytics-browser, serverUrl https://amp.example.com:18122/2/httpapi with enableRequestBodyCompression: the same JSON gzipped (CompressionStream), Content-Encoding: gzip, over HTTP/2 with TLS' },
  { name: 'amplitude_js_gzip_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18123, host: HOST, replay_of: 'amplitude_js_gzip_h2', lib: 'next',
    describe: 'the requests of amplitude_js_gzip_h2 replayed over h2c' },
  { name: 'amplitude_legacy_js_http1', sdk: 'browser', kind: 'http1', port: 18124, host: HOST, lib: 'legacy',
    describe: 'amplitude-js (legacy), apiEndpoint amp.example.com:18124, forceHttps false: POST / form client=&e=<JSON array>&v=2&upload_time=&checksum=md5("2"+client+e+upload_time)' },
  { name: 'amplitude_legacy_js_h2', sdk: 'browser', kind: 'h2', port: 18125, host: HOST, lib: 'legacy',
    describe: 'as amplitude_legacy_js_http1, forceHttps true, over HTTP/2 with TLS' },
  { name: 'amplitude_node_http1', sdk: 'node', kind: 'http1', port: 18126, host: '127.0.0.1',
    describe: '@amplitude/analytics-node, serverUrl http://127.0.0.1:18126/batch, flushQueueSize 10: POST /batch application/json {api_key, events, options}' },
].map((s) => Object.assign({ search: s.sdk === 'node' ? undefined : SEARCHES.bing }, s));

function setupSite(site, nm) {
  site.files['/static/amplitude-min.umd.js'] = path.join(nm, '@amplitude', 'analytics-browser', 'lib', 'scripts', 'amplitude-min.umd.js');
  site.files['/static/amplitude-js.umd.js'] = path.join(nm, 'amplitude-js', 'amplitude.umd.js');
  // analytics-browser's remote configuration: nothing configured remotely.
  site.routes.push(['/config', () => ({ body: { configs: {} } })]);
}

function pageHtml(sc, ctx) {
  if (sc.lib === 'legacy') {
    const opts = { apiEndpoint: `${sc.host}:${sc.port}`, forceHttps: sc.scheme === 'https', batchEvents: true, eventUploadThreshold: 20,
      eventUploadPeriodMillis: 1500, includeReferrer: true, includeUtm: true, saveEvents: false };
    return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="/static/amplitude-js.umd.js"></script>
<script>
(function () {
  var opts = ${JSON.stringify(opts)};
  var amp = amplitude.getInstance();
  amp.init(${JSON.stringify(API_KEY)}, null, opts, function () { window.__xmtReady = true; });
  window.amp = amp;
  window.__xmtLegacy = true;
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
  }
  const opts = {
    serverUrl: `${ctx.collectorOrigin}/2/httpapi`,
    flushQueueSize: 20,
    flushIntervalMillis: 1500,
    transport: 'fetch',
    enableRequestBodyCompression: !!sc.gzip,
    enableDiagnostics: false,
    remoteConfig: { serverUrl: `http://${CFG_HOST}:${SITE_PORT}/config` },
    autocapture: { pageViews: true, attribution: true, sessions: false, formInteractions: false, fileDownloads: false, elementInteractions: false,
      frustrationInteractions: false, pageUrlEnrichment: false, webVitals: false, networkTracking: false },
    logLevel: 0,
  };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="/static/amplitude-min.umd.js"></script>
<script>
(function () {
  var opts = ${JSON.stringify(opts)};
  amplitude.init(${JSON.stringify(API_KEY)}, undefined, opts).promise.then(function () { window.__xmtReady = true; });
  window.amp = amplitude;
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

function browserTold(sc, ctx) {
  const legacy = sc.lib === 'legacy';
  const records = [];
  if (!legacy) records.push({ event_type: '[Amplitude] Page Viewed', by_sdk: true, call: 'init({autocapture: {pageViews: true}})',
    expect_properties: { '[Amplitude] Page URL': ctx.pageUrl.split('?')[0], '[Amplitude] Page Location': ctx.pageUrl } });
  records.push(
    { event_type: 'Search', call: 'track("Search", {search_term})', event_properties: { search_term: P.SITE_SEARCH } },
    { event_type: 'View Product', call: 'track("View Product", {product_id, url})', event_properties: { product_id: '42', url: P.PRODUCT_URL } },
    { event_type: '$identify', call: 'setUserId(user_id); identify(new Identify().set("email").set("phone").set("name"))',
      user_properties: { $set: { email: P.EMAIL, phone: P.PHONE, name: P.NAME } }, user_id: P.USER_ID },
    { event_type: 'Store Visit', call: 'track("Store Visit", {store_id}, {location_lat, location_lng})', event_properties: { store_id: 'PAR-01' },
      options: legacy ? undefined : { location_lat: P.LAT, location_lng: P.LON }, user_id: P.USER_ID },
    { event_type: 'Purchase', call: legacy ? 'logEvent("Purchase", {order_id, revenue, ip, advertising_id})' : 'track("Purchase", {order_id, revenue}, {ip, adid})',
      event_properties: legacy ? { order_id: 'A-1001', revenue: 59.9, ip: P.IP, advertising_id: P.AD_ID } : { order_id: 'A-1001', revenue: 59.9 },
      options: legacy ? undefined : { ip: P.IP, adid: P.AD_ID }, user_id: P.USER_ID },
  );
  return {
    api_key: API_KEY,
    library: legacy ? 'amplitude-js' : '@amplitude/analytics-browser',
    server: legacy ? `${sc.host}:${sc.port} (apiEndpoint)` : `${ctx.collectorOrigin}/2/httpapi (serverUrl)`,
    gzip: legacy ? false : !!sc.gzip,
    page_url: ctx.pageUrl,
    referrer: sc.search.url,
    referrer_search_engine: sc.search.engine,
    referrer_search_term: sc.search.term,
    user_id: P.USER_ID,
    records,
  };
}

async function driveBrowser(page, sc, ctx) {
  const told = browserTold(sc, ctx);
  const legacy = sc.lib === 'legacy';
  for (const r of told.records) {
    if (r.by_sdk) continue;
    if (r.event_type === '$identify') {
      await page.evaluate((legacyLib, uid, set) => {
        window.amp.setUserId(uid);
        const id = legacyLib ? new window.amplitude.Identify() : new window.amplitude.Identify();
        for (const [k, v] of Object.entries(set)) id.set(k, v);
        window.amp.identify(id);
      }, legacy, r.user_id, r.user_properties.$set);
    } else if (legacy) {
      await page.evaluate((e, p) => window.amp.logEvent(e, p), r.event_type, r.event_properties);
    } else {
      await page.evaluate((e, p, o) => window.amp.track(e, p, o || undefined), r.event_type, r.event_properties, r.options || null);
    }
    await L.sleep(150);
  }
  return told;
}

// ---------------------------------------------------------------- server side
function decode(e) {
  const { pathname, query } = L.splitUrl(e.path);
  let body = Buffer.from(e.body_base64, 'base64');
  const layers = [];
  const out = { pathname, layers, query_keys: L.parseForm(query).map((x) => x[0]), events: [] };
  if (e.method !== 'POST') { out.analytics = false; return out; }
  if (e.headers['content-encoding'] === 'gzip' || L.isGzip(body)) { body = L.gunzip(body); layers.push('gzip'); }
  const text = body.toString('utf8');
  out.text = text;
  if (text.trimStart().startsWith('{')) {
    layers.push('json');
    const json = JSON.parse(text);
    out.envelope_keys = Object.keys(json);
    out.events = (json.events || []).map((ev) => eventView(ev, json.api_key));
    return out;
  }
  // The legacy form: client=&e=<JSON array>&v=2&upload_time=&checksum=
  const form = L.parseForm(text);
  out.form_keys = form.map((x) => x[0]);
  const ev = L.get(form, 'e');
  if (ev === undefined) { out.analytics = false; return out; }
  layers.push('form', 'percent', 'json');
  const client = L.get(form, 'client');
  const v = L.get(form, 'v');
  const uploadTime = L.get(form, 'upload_time');
  const sent = L.get(form, 'checksum');
  const recomputed = crypto.createHash('md5').update(v + client + ev + uploadTime, 'utf8').digest('hex');
  out.legacy = { client, v, upload_time: uploadTime, checksum: sent, checksum_formula: 'md5_hex(v + client + e + upload_time), over the form-decoded UTF-8 values',
    checksum_recomputed: recomputed, checksum_valid: recomputed === sent };
  out.events = JSON.parse(ev).map((x) => eventView(x, client));
  return out;
}

function eventView(ev, apiKey) {
  const ep = ev.event_properties || {};
  const up = ev.user_properties || {};
  const pii = {};
  const add = (kind, k, val) => { if (val !== undefined && val !== null) (pii[kind] = pii[kind] || []).push(`${k}=${val}`); };
  const set = up.$set || {};
  add('email', 'user_properties.$set.email', set.email); add('phone', 'user_properties.$set.phone', set.phone);
  // analytics-browser sends ip "$remote": the server is to take the connection's address.
  if (ev.ip !== '$remote') add('ip', 'ip', ev.ip);
  add('ip', 'event_properties.ip', ep.ip);
  add('location', 'location_lat', ev.location_lat); add('location', 'location_lng', ev.location_lng);
  add('advertising_id', 'adid', ev.adid); add('advertising_id', 'event_properties.advertising_id', ep.advertising_id);
  return {
    event_type: ev.event_type, user_id: ev.user_id, device_id: ev.device_id, session_id: ev.session_id, time: ev.time,
    insert_id: ev.insert_id, api_key: apiKey,
    device: pickKeys(ev, ['platform', 'os_name', 'os_version', 'device_model', 'device_manufacturer', 'device_brand', 'language', 'app_version', 'carrier', 'library']),
    urls: Object.fromEntries(Object.entries(ep).filter(([k, x]) => typeof x === 'string' && /^https?:\/\//.test(x))),
    user_property_urls: Object.fromEntries(Object.entries(Object.assign({}, up.$set, up.$setOnce)).filter(([k, x]) => typeof x === 'string' && /^https?:\/\//.test(x))),
    pii,
    decoded: ev,
  };
}
function pickKeys(o, ks) { return Object.fromEntries(ks.filter((k) => k in o).map((k) => [k, o[k]])); }

function received(log) {
  const out = [];
  for (const e of log) { try { out.push(...decode(e).events); } catch (err) { /* not yet */ } }
  return out;
}
function complete(sc, log, told) {
  const evs = received(log);
  return told.records.every((t) => evs.some((x) => x.event_type === t.event_type));
}

function check(sc, told, log, decoded) {
  const problems = [];
  const evs = decoded.flatMap((d) => d.events || []);
  const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const t of told.records) {
    const r = evs.find((x) => x.event_type === t.event_type && (t.event_type !== '$identify' || (x.decoded.user_properties || {}).$set && x.decoded.user_properties.$set.email));
    if (!r) { problems.push(`no ${t.event_type} received`); continue; }
    if (!r.device_id) problems.push(`${t.event_type}: no device_id`);
    if (t.user_id && r.user_id !== t.user_id) problems.push(`${t.event_type}: user_id ${r.user_id}, told ${t.user_id}`);
    if (r.api_key !== told.api_key) problems.push(`${t.event_type}: api_key ${r.api_key}`);
    const ep = r.decoded.event_properties || {};
    for (const [k, v] of Object.entries(Object.assign({}, t.event_properties, t.expect_properties))) if (!eq(ep[k], v)) problems.push(`${t.event_type}: event_properties.${k} = ${JSON.stringify(ep[k])}, told ${JSON.stringify(v)}`);
    for (const [k, v] of Object.entries(t.options || t.event_options || {})) if (!eq(r.decoded[k], v)) problems.push(`${t.event_type}: ${k} = ${JSON.stringify(r.decoded[k])}, told ${JSON.stringify(v)}`);
    for (const [op, kv] of Object.entries(t.user_properties || {})) for (const [k, v] of Object.entries(kv)) {
      const got = (r.decoded.user_properties || {})[op] || {};
      if (!eq(got[k], v)) problems.push(`${t.event_type}: user_properties.${op}.${k} = ${JSON.stringify(got[k])}`);
    }
  }
  for (const d of decoded) if (d.legacy && !d.legacy.checksum_valid) problems.push(`legacy checksum ${d.legacy.checksum} != recomputed ${d.legacy.checksum_recomputed}`);
  if (told.gzip && !decoded.some((d) => d.layers.includes('gzip'))) problems.push('told to gzip, no gzip body received');
  return problems;
}

function sdkLabel(sc, version) {
  if (sc.sdk === 'node') return `@amplitude/analytics-node ${version('@amplitude/analytics-node')}`;
  return sc.lib === 'legacy' ? `amplitude-js ${version('amplitude-js')} (amplitude.umd.js)`
    : `@amplitude/analytics-browser ${version('@amplitude/analytics-browser')} (lib/scripts/amplitude-min.umd.js)`;
}

module.exports = { name: 'amplitude', hosts: [HOST, CFG_HOST], scenarios, setupSite, pageHtml, driveBrowser, decode, complete, check, sdkLabel };
