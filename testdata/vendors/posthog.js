'use strict';
// PostHog: posthog-js (dist/array.full.js) in Chromium, and posthog-js 1.60.0
// (npm alias posthog-js-lz64) for the LZ-string form; posthog-node in Node.
// The collector answers the SDK's remote configuration (/flags/?v=2 for
// posthog-js, /decide/?v=3 for 1.60.0, /array/<key>/config*) the way PostHog
// does; its `supportedCompression` is how a PostHog server tells the SDK
// which body encoding to use.
const path = require('path');
// lz-string from the pinned npm packages (generate.js's first argument).
const LZString = require(path.join(path.resolve(process.argv[2]), 'lz-string'));
const L = require('./lib');
const { SEARCHES, P } = require('./persona');

const API_KEY = 'phc_xmtrack0posthog0project0key00001';
const HOST = 'ph.example.com';

const scenarios = [
  { name: 'posthog_js_gzip_http1', sdk: 'browser', kind: 'http1', port: 18131, host: HOST, lib: 'current', compression: 'gzip-js',
    describe: 'posthog-js, api_host http://ph.example.com:18131, default compression gzip-js: POST /e/ with no query at all, Content-Type text/plain, a gzip body and no Content-Encoding' },
  { name: 'posthog_js_base64_http1', sdk: 'browser', kind: 'http1', port: 18132, host: HOST, lib: 'current', compression: 'base64', supported: ['base64'],
    describe: 'posthog-js, the server\'s /flags answer supportedCompression ["base64"]: POST /e/?compression=base64 with a form body data=<base64 JSON>' },
  { name: 'posthog_js_json_h2', sdk: 'browser', kind: 'h2', port: 18133, host: HOST, lib: 'current', compression: null, disable_compression: true,
    describe: 'posthog-js with disable_compression: true: POST /e/ with a plain JSON body, over HTTP/2 with TLS' },
  { name: 'posthog_js_gzip_h2', sdk: 'browser', kind: 'h2', port: 18134, host: HOST, lib: 'current', compression: 'gzip-js',
    describe: 'as posthog_js_gzip_http1, over HTTP/2 with TLS' },
  { name: 'posthog_js_gzip_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18135, host: HOST, replay_of: 'posthog_js_gzip_h2', lib: 'current',
    describe: 'the requests of posthog_js_gzip_h2 replayed over h2c' },
  { name: 'posthog_legacy_js_lz64_http1', sdk: 'browser', kind: 'http1', port: 18136, host: HOST, lib: 'legacy', compression: 'lz64', supported: ['lz64'],
    describe: 'posthog-js 1.60.0, the server\'s /decide answer supportedCompression ["lz64"]: POST /e/?compression=lz64 with a form body data=<LZString.compressToBase64(JSON)>' },
  { name: 'posthog_node_http1', sdk: 'node', kind: 'http1', port: 18137, host: '127.0.0.1',
    describe: 'posthog-node, host http://127.0.0.1:18137, flushAt 3: POST /batch/ {api_key, batch, sent_at}, gzip with Content-Encoding: gzip (default)' },
].map((s) => Object.assign({ search: s.sdk === 'node' ? undefined : SEARCHES.google }, s));

function setupSite(site, nm) {
  site.files['/static/posthog.full.js'] = path.join(nm, 'posthog-js', 'dist', 'array.full.js');
  site.files['/static/posthog-1.60.0.full.js'] = path.join(nm, 'posthog-js-lz64', 'dist', 'array.full.js');
}

// The server side of PostHog's remote configuration.
function respond(sc) {
  return (e) => {
    const p = e.path;
    const supported = sc.supported || ['gzip-js'];
    if (p.startsWith('/flags')) {
      return { body: { flags: {}, featureFlags: {}, featureFlagPayloads: {}, errorsWhileComputingFlags: false, requestId: 'xmtrack-0001',
        supportedCompression: supported, config: { enable_collect_everything: false }, sessionRecording: false, surveys: false, heatmaps: false,
        autocapture_opt_out: true, capturePerformance: false, toolbarParams: {}, isAuthenticated: false } };
    }
    if (p.startsWith('/decide')) {
      return { body: { config: { enable_collect_everything: false }, editorParams: {}, featureFlags: {}, featureFlagPayloads: {}, isAuthenticated: false,
        supportedCompression: supported, sessionRecording: false, surveys: false, autocapture_opt_out: true, capturePerformance: false, siteApps: [] } };
    }
    // posthog-js's remote config, as JSON (/array/<key>/config) and as a
    // script (/array/<key>/config.js): it re-reads supportedCompression there.
    const remote = { token: API_KEY, supportedCompression: supported, hasFeatureFlags: false, sessionRecording: false, surveys: false,
      heatmaps: false, autocapture_opt_out: true, capturePerformance: false, siteApps: [], defaultIdentifiedOnly: true };
    if (/^\/array\/[^/]+\/config\.js/.test(p)) {
      return { body: `(function(){window._POSTHOG_REMOTE_CONFIG=window._POSTHOG_REMOTE_CONFIG||{};window._POSTHOG_REMOTE_CONFIG[${JSON.stringify(API_KEY)}]={config:${JSON.stringify(remote)},siteApps:[]}})();`,
        content_type: 'application/javascript' };
    }
    if (/^\/array\/[^/]+\/config/.test(p)) return { body: remote };
    if (e.method === 'POST') return { body: { status: 1 } };
    return null;
  };
}

function pageHtml(sc, ctx) {
  const init = {
    api_host: ctx.collectorOrigin,
    persistence: 'localStorage',
    autocapture: false,
    capture_pageview: true,
    capture_pageleave: false,
    disable_session_recording: true,
    disable_surveys: true,
    advanced_disable_toolbar_metrics: true,
    // posthog-js drops events from a user agent that looks like a bot, as
    // HeadlessChrome does; its documented switch for tests.
    opt_out_useragent_filter: true,
    loaded: null,
  };
  if (sc.disable_compression) init.disable_compression = true;
  const file = sc.lib === 'legacy' ? '/static/posthog-1.60.0.full.js' : '/static/posthog.full.js';
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="${file}"></script>
<script>
(function () {
  var init = ${JSON.stringify(init)};
  init.loaded = function () { window.__xmtReady = true; };
  posthog.init(${JSON.stringify(API_KEY)}, init);
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

function browserTold(sc, ctx) {
  return {
    api_key: API_KEY,
    library: sc.lib === 'legacy' ? 'posthog-js 1.60.0' : 'posthog-js',
    api_host: ctx.collectorOrigin,
    compression: sc.compression,
    server_supported_compression: sc.supported || (sc.disable_compression ? undefined : ['gzip-js']),
    disable_compression: !!sc.disable_compression,
    page_url: ctx.pageUrl,
    referrer: sc.search.url,
    referrer_search_engine: sc.search.engine,
    referrer_search_term: sc.search.term,
    user_id: P.USER_ID,
    records: [
      { event: '$pageview', by_sdk: true, call: 'init({capture_pageview: true})', expect: { $current_url: ctx.pageUrl, $referrer: sc.search.url } },
      { event: 'search', call: 'posthog.capture("search", {search_term})', properties: { search_term: P.SITE_SEARCH } },
      { event: 'product_viewed', call: 'posthog.capture("product_viewed", {product_id, url})', properties: { product_id: '42', url: P.PRODUCT_URL } },
      { event: '$identify', call: 'posthog.identify(user_id, {email, phone, name})', distinct_id: P.USER_ID, set: { email: P.EMAIL, phone: P.PHONE, name: P.NAME } },
      { event: 'store_visit', call: 'posthog.capture("store_visit", {store_id, latitude, longitude})', properties: { store_id: 'PAR-01', latitude: P.LAT, longitude: P.LON }, distinct_id: P.USER_ID },
      { event: 'purchase', call: 'posthog.capture("purchase", {order_id, revenue, $ip, advertising_id})', properties: { order_id: 'A-1001', revenue: 59.9, $ip: P.IP, advertising_id: P.AD_ID }, distinct_id: P.USER_ID },
    ],
  };
}

async function driveBrowser(page, sc, ctx) {
  const told = browserTold(sc, ctx);
  for (const r of told.records) {
    if (r.by_sdk) continue;
    if (r.event === '$identify') await page.evaluate((id, s) => window.posthog.identify(id, s), r.distinct_id, r.set);
    else await page.evaluate((e, p) => window.posthog.capture(e, p), r.event, r.properties);
    await L.sleep(150);
  }
  return told;
}

// ---------------------------------------------------------------- server side
const CAPTURE = /^\/(e|i\/v0\/e|batch|capture|engage|track)\/?$/;
function decode(e) {
  const { pathname, query } = L.splitUrl(e.path);
  const q = L.parseForm(query);
  let body = Buffer.from(e.body_base64, 'base64');
  const layers = [];
  const out = { pathname, layers, query_keys: q.map((x) => x[0]), compression_param: L.get(q, 'compression'), events: [] };
  if (e.method !== 'POST' || !CAPTURE.test(pathname)) { out.analytics = false; return out; }
  if (e.headers['content-encoding'] === 'gzip' || L.isGzip(body)) { body = L.gunzip(body); layers.push('gzip'); }
  let text = body.toString('utf8');
  if (!/^\s*[[{]/.test(text)) {
    const form = L.parseForm(text);
    out.form_keys = form.map((x) => x[0]);
    const data = L.get(form, 'data');
    layers.push('form', 'percent');
    if (out.compression_param === 'lz64' || L.get(form, 'compression') === 'lz64') {
      text = LZString.decompressFromBase64(data);
      layers.push('lz64');
    } else {
      text = L.base64Decode(data).toString('utf8');
      layers.push('base64');
    }
  }
  layers.push('json');
  out.text = text;
  const json = JSON.parse(text);
  let msgs;
  if (Array.isArray(json)) msgs = json;
  else if (Array.isArray(json.batch)) { msgs = json.batch; out.envelope_keys = Object.keys(json); }
  else msgs = [json];
  out.events = msgs.map(eventView);
  // posthog-node puts the project key on the batch, not on each event.
  if (json.api_key) for (const ev of out.events) ev.api_key = ev.api_key || json.api_key;
  return out;
}

function eventView(m) {
  const pr = m.properties || {};
  const pii = {};
  const add = (kind, k, v) => { if (v !== undefined && v !== null) (pii[kind] = pii[kind] || []).push(`${k}=${v}`); };
  const set = Object.assign({}, m.$set, pr.$set);
  add('email', '$set.email', set.email); add('phone', '$set.phone', set.phone);
  add('ip', '$ip', pr.$ip);
  add('location', 'latitude', pr.latitude); add('location', 'longitude', pr.longitude);
  add('advertising_id', 'advertising_id', pr.advertising_id);
  return {
    event: m.event, distinct_id: m.distinct_id || pr.distinct_id, device_id: pr.$device_id, anon_distinct_id: pr.$anon_distinct_id,
    session_id: pr.$session_id, uuid: m.uuid, timestamp: m.timestamp, api_key: m.api_key || pr.token,
    urls: pick(pr, ['$current_url', '$referrer', '$initial_referrer', 'url', '$pathname', '$host']),
    search: pick(pr, ['$search_engine', 'ph_keyword', 'search_term', '$initial_search_engine']),
    device: pick(pr, ['$os', '$os_version', '$device_type', '$device_model', '$device_manufacturer', '$browser', '$browser_version', '$app_version', '$app_namespace', '$lib', '$lib_version']),
    set,
    pii,
    decoded: m,
  };
}
function pick(o, ks) { return Object.fromEntries(ks.filter((k) => k in o).map((k) => [k, o[k]])); }

function received(log) {
  const out = [];
  for (const e of log) { try { out.push(...decode(e).events); } catch (err) { /* not yet */ } }
  return out;
}
function complete(sc, log, told) {
  const evs = received(log);
  return told.records.every((t) => evs.some((x) => x.event === t.event));
}

function check(sc, told, log, decoded) {
  const problems = [];
  const evs = decoded.flatMap((d) => d.events || []);
  const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const t of told.records) {
    const r = evs.find((x) => x.event === t.event);
    if (!r) { problems.push(`no ${t.event} received`); continue; }
    const pr = r.decoded.properties || {};
    for (const [k, v] of Object.entries(Object.assign({}, t.properties, t.expect))) if (!eq(pr[k], v)) problems.push(`${t.event}: properties.${k} = ${JSON.stringify(pr[k])}, told ${JSON.stringify(v)}`);
    for (const [k, v] of Object.entries(t.set || {})) if (!eq(r.set[k], v)) problems.push(`${t.event}: $set.${k} = ${JSON.stringify(r.set[k])}`);
    if (t.distinct_id && r.distinct_id !== t.distinct_id) problems.push(`${t.event}: distinct_id ${r.distinct_id}, told ${t.distinct_id}`);
    if (r.api_key !== told.api_key) problems.push(`${t.event}: api key ${r.api_key}`);
  }
  // The SDK sends what comes before the server's answer in its default
  // encoding (gzip-js for posthog-js), then what the answer's
  // supportedCompression says: the told encoding must be on the wire.
  const want = told.compression === 'gzip-js' ? 'gzip' : told.compression === 'lz64' ? 'lz64' : told.compression === 'base64' ? 'base64' : null;
  const sent = decoded.filter((d) => d.analytics !== false);
  if (want && !sent.some((d) => d.layers.includes(want))) problems.push(`told ${told.compression}, no request with it`);
  if (!want && sent.some((d) => d.layers.join() !== 'json')) problems.push('told no compression, a compressed request was sent');
  return problems;
}

function sdkLabel(sc, version) {
  if (sc.sdk === 'node') return `posthog-node ${version('posthog-node')}`;
  return sc.lib === 'legacy' ? `posthog-js ${version('posthog-js-lz64')} (npm alias posthog-js-lz64, dist/array.full.js)` : `posthog-js ${version('posthog-js')} (dist/array.full.js)`;
}

module.exports = { name: 'posthog', hosts: [HOST], scenarios, setupSite, respond, pageHtml, driveBrowser, decode, complete, check, sdkLabel };
