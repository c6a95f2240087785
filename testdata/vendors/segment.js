'use strict';
// Segment: @segment/analytics-next (its UMD build, global AnalyticsNext) in
// Chromium, @segment/analytics-node in Node.
// The browser SDK first fetches its workspace settings from the CDN
// (<cdnURL>/v1/projects/<writeKey>/settings): the site serves them, at
// http://cdn.example.com:<site port>, not recorded. The events go to the
// documented custom-proxy setting integrations['Segment.io'].{apiHost, protocol}.
const path = require('path');
const fs = require('fs');
const L = require('./lib');
const { SEARCHES, P, SITE_PORT } = require('./persona');

const WRITE_KEY = 'xmtrackSegmentWriteKey0001';
const HOST = 'seg.example.com';
const CDN_HOST = 'cdn.example.com';

const scenarios = [
  { name: 'segment_js_http1', sdk: 'browser', kind: 'http1', port: 18111, host: HOST, batching: false,
    describe: 'analytics-next, apiHost seg.example.com:18111/v1, protocol http, default delivery: one POST /v1/{p,t,i} per call, JSON as text/plain' },
  { name: 'segment_js_h2', sdk: 'browser', kind: 'h2', port: 18112, host: HOST, batching: true,
    describe: 'analytics-next, apiHost seg.example.com:18112/v1, protocol https, deliveryStrategy batching: POST /v1/b {writeKey, batch:[...], sentAt} as text/plain, over HTTP/2 with TLS' },
  { name: 'segment_js_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18113, host: HOST, replay_of: 'segment_js_h2',
    describe: 'the requests of segment_js_h2 replayed over h2c' },
  { name: 'segment_node_http1', sdk: 'node', kind: 'http1', port: 18114, host: '127.0.0.1',
    describe: '@segment/analytics-node, host http://127.0.0.1:18114, flushAt 3: POST /v1/batch application/json' },
].map((s) => Object.assign({ search: s.sdk === 'node' ? undefined : SEARCHES.duckduckgo }, s));

function setupSite(site, nm) {
  const umd = path.join(nm, '@segment', 'analytics-next', 'dist', 'umd');
  site.files['/static/segment/index.js'] = path.join(umd, 'index.js');
  // Chunks the bundle may load from <cdnURL>/analytics-next/bundles/.
  for (const f of fs.readdirSync(umd)) if (f.endsWith('.js')) site.files[`/analytics-next/bundles/${f}`] = path.join(umd, f);
  // The workspace settings, as Segment's CDN serves them for a source with no destinations.
  site.routes.push([`/v1/projects/${WRITE_KEY}/settings`, () => ({ body: {
    integrations: { 'Segment.io': { apiKey: WRITE_KEY, unbundledIntegrations: [], addBundledMetadata: true, maybeBundledConfigIds: {},
      versionSettings: { version: '4.4.7', componentTypes: ['browser'] } } },
    plan: { track: { __default: { enabled: true, integrations: {} } }, identify: { __default: { enabled: true } }, group: { __default: { enabled: true } } },
    edgeFunction: {}, analyticsNextEnabled: true, middlewareSettings: {}, enabledMiddleware: {}, metrics: { sampleRate: 0 },
    legacyVideoPluginsEnabled: false, remotePlugins: [],
  } })]);
}

function pageHtml(sc, ctx) {
  const segmentio = { apiHost: `${sc.host}:${sc.port}/v1`, protocol: sc.scheme };
  if (sc.batching) segmentio.deliveryStrategy = { strategy: 'batching', config: { size: 10, timeout: 3000 } };
  const cfg = { writeKey: WRITE_KEY, cdnURL: `http://${CDN_HOST}:${SITE_PORT}`, integrations: { 'Segment.io': segmentio } };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="/static/segment/index.js"></script>
<script>
(function () {
  var cfg = ${JSON.stringify(cfg)};
  AnalyticsNext.AnalyticsBrowser.load({ writeKey: cfg.writeKey, cdnURL: cfg.cdnURL }, { integrations: cfg.integrations })
    .then(function (r) { window.analytics = r[0]; window.__xmtReady = true; })
    .catch(function (e) { console.log('load failed ' + e); });
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

function browserTold(sc, ctx) {
  const u = new URL(ctx.pageUrl);
  const page = { url: ctx.pageUrl, referrer: sc.search.url, search: u.search, path: u.pathname, title: `xmtrack ${sc.name}` };
  const traits = { email: P.EMAIL, phone: P.PHONE, name: P.NAME };
  return {
    write_key: WRITE_KEY,
    api_host: `${sc.host}:${sc.port}/v1`,
    protocol: sc.scheme,
    delivery: sc.batching ? 'batching' : 'standard',
    page_url: ctx.pageUrl,
    referrer: sc.search.url,
    referrer_search_engine: sc.search.engine,
    referrer_search_term: sc.search.term,
    user_id: P.USER_ID,
    records: [
      { type: 'page', call: 'analytics.page()', expect_context_page: page },
      { type: 'track', event: 'Products Searched', call: 'analytics.track("Products Searched", {query})', properties: { query: P.SITE_SEARCH }, expect_context_page: page },
      { type: 'track', event: 'Product Viewed', call: 'analytics.track("Product Viewed", {product_id, url})', properties: { product_id: '42', url: P.PRODUCT_URL } },
      { type: 'identify', call: 'analytics.identify(userId, {email, phone, name})', user_id: P.USER_ID, traits },
      { type: 'track', event: 'Store Visited', call: 'analytics.track("Store Visited", {store_id}, {context: {location: {latitude, longitude}}})', properties: { store_id: 'PAR-01' },
        context: { location: { latitude: P.LAT, longitude: P.LON } }, user_id: P.USER_ID },
      { type: 'track', event: 'Order Completed', call: 'analytics.track("Order Completed", {order_id, revenue}, {context: {ip, device: {advertisingId}}})',
        properties: { order_id: 'A-1001', revenue: 59.9 }, context: { ip: P.IP, device: { advertisingId: P.AD_ID } }, user_id: P.USER_ID },
    ],
  };
}

async function driveBrowser(page, sc, ctx) {
  const told = browserTold(sc, ctx);
  for (const r of told.records) {
    if (r.type === 'page') await page.evaluate(() => window.analytics.page());
    else if (r.type === 'identify') await page.evaluate((id, t) => window.analytics.identify(id, t), r.user_id, r.traits);
    else await page.evaluate((e, p, c) => window.analytics.track(e, p, c ? { context: c } : undefined), r.event, r.properties, r.context || null);
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
  if (e.method !== 'POST' || !/^\/v1\/(t|p|i|s|g|a|b|batch|track|page|identify|screen|group|alias)$/.test(pathname)) { out.analytics = false; return out; }
  if (e.headers['content-encoding'] === 'gzip' || L.isGzip(body)) { body = L.gunzip(body); layers.push('gzip'); }
  layers.push('json');
  out.text = body.toString('utf8');
  const json = JSON.parse(out.text);
  const msgs = Array.isArray(json.batch) ? json.batch : [json];
  out.batch = Array.isArray(json.batch);
  out.envelope_keys = out.batch ? Object.keys(json).filter((k) => k !== 'batch') : undefined;
  out.events = msgs.map((m) => eventView(m));
  return out;
}

function eventView(m) {
  const c = m.context || {};
  const pii = {};
  const add = (kind, v) => { if (v !== undefined) (pii[kind] = pii[kind] || []).push(v); };
  const t = m.traits || {};
  add('email', t.email); add('phone', t.phone); add('ip', c.ip);
  if (c.location) add('location', `${c.location.latitude},${c.location.longitude}`);
  if (c.device) add('advertising_id', c.device.advertisingId);
  return {
    type: m.type, event: m.event, name: m.name, user_id: m.userId, anonymous_id: m.anonymousId, message_id: m.messageId,
    timestamp: m.timestamp, sent_at: m.sentAt,
    page: c.page, ip: c.ip, location: c.location,
    device: c.device, os: c.os, app: c.app, library: c.library, user_agent: c.userAgent,
    properties: m.properties, traits: m.traits,
    pii,
    decoded: m,
  };
}

function received(log) {
  const out = [];
  for (const e of log) { try { out.push(...decode(e).events); } catch (err) { /* not complete yet */ } }
  return out;
}
function complete(sc, log, told) { return received(log).length >= told.records.length; }

function checkNode(told, evs) {
  const problems = [];
  const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const t of told.records) {
    const r = evs.find((x) => x.type === t.type && x.event === t.event && (t.name === undefined || x.name === t.name));
    if (!r) { problems.push(`no ${t.type} ${t.event || t.name || ''} received`); continue; }
    for (const k of ['userId', 'traits', 'properties', 'context']) {
      if (t[k] === undefined) continue;
      const got = k === 'context' ? Object.fromEntries(Object.keys(t.context).map((c) => [c, r.decoded.context[c]])) : r.decoded[k];
      if (!eq(got, t[k])) problems.push(`${t.type} ${t.event || t.name || ''}: ${k} = ${JSON.stringify(got)}, told ${JSON.stringify(t[k])}`);
    }
  }
  return problems;
}

function check(sc, told, log, decoded) {
  if (sc.sdk === 'node') return checkNode(told, decoded.flatMap((d) => d.events || []));
  const problems = [];
  const evs = decoded.flatMap((d) => d.events || []);
  const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const t of told.records) {
    const r = evs.find((x) => x.type === t.type && (t.event === undefined || x.event === t.event));
    const what = t.event || t.type;
    if (!r) { problems.push(`no ${what} received`); continue; }
    if (!r.anonymous_id) problems.push(`${what}: no anonymousId`);
    if (t.user_id && r.user_id !== t.user_id) problems.push(`${what}: userId ${r.user_id}, told ${t.user_id}`);
    for (const [k, v] of Object.entries(t.properties || {})) if (!eq(r.properties[k], v)) problems.push(`${what}: properties.${k} = ${JSON.stringify(r.properties[k])}`);
    for (const [k, v] of Object.entries(t.traits || {})) if (!eq(r.traits[k], v)) problems.push(`${what}: traits.${k} = ${JSON.stringify(r.traits[k])}`);
    const sub = (got, want) => (want && typeof want === 'object' ? eq(Object.assign({}, got, want), got) : eq(got, want));
    for (const [k, v] of Object.entries(t.context || {})) if (!sub(r.decoded.context[k], v)) problems.push(`${what}: context.${k} = ${JSON.stringify(r.decoded.context[k])}`);
    for (const [k, v] of Object.entries(t.expect_context_page || {})) if (!eq(r.page && r.page[k], v)) problems.push(`${what}: context.page.${k} = ${JSON.stringify(r.page && r.page[k])}, told ${JSON.stringify(v)}`);
  }
  return problems;
}

function sdkLabel(sc, version) {
  return sc.sdk === 'node' ? `@segment/analytics-node ${version('@segment/analytics-node')}` : `@segment/analytics-next ${version('@segment/analytics-next')} (dist/umd/index.js)`;
}

module.exports = { name: 'segment', hosts: [HOST, CDN_HOST], scenarios, setupSite, pageHtml, driveBrowser, decode, complete, check, sdkLabel };
