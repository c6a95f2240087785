'use strict';
// Snowplow: @snowplow/browser-tracker (dist/index.umd.min.js, global
// snowplowBrowserTracking) in Chromium, @snowplow/node-tracker in Node.
// The collector URL is newTracker's documented second argument; GET or POST
// is eventMethod, base64 of self-describing JSON is encodeBase64.
const path = require('path');
const L = require('./lib');
const { SEARCHES, P } = require('./persona');

const HOST = 'sp.example.com';
const APP_ID = 'xmtrack-shop';
const SCHEMA = {
  site_search: 'iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0',
  geolocation: 'iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-1-0',
  customer: 'iglu:com.example/customer/jsonschema/1-0-0',
  product: 'iglu:com.example/product_view/jsonschema/1-0-0',
  purchase: 'iglu:com.example/purchase/jsonschema/1-0-0',
  mobile: 'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-2',
};

const scenarios = [
  { name: 'snowplow_js_get_http1', sdk: 'browser', kind: 'http1', port: 18141, host: HOST, method: 'get', base64: true,
    describe: 'browser-tracker, collector http://sp.example.com:18141, eventMethod get (encodeBase64 default true): GET /i?e=..&ue_px=<base64url>&cx=<base64url>' },
  { name: 'snowplow_js_post_b64_http1', sdk: 'browser', kind: 'http1', port: 18142, host: HOST, method: 'post', base64: true, buffer: 3,
    describe: 'browser-tracker, eventMethod post, encodeBase64 true, bufferSize 3: POST /com.snowplowanalytics.snowplow/tp2 {schema: payload_data, data:[...]} with ue_px/cx base64url inside the JSON' },
  { name: 'snowplow_js_post_h2', sdk: 'browser', kind: 'h2', port: 18143, host: HOST, method: 'post', base64: false,
    describe: 'browser-tracker, eventMethod post, encodeBase64 false: POST tp2 with ue_pr/co as JSON strings, one event per request, over HTTP/2 with TLS' },
  { name: 'snowplow_js_post_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18144, host: HOST, replay_of: 'snowplow_js_post_h2',
    describe: 'the requests of snowplow_js_post_h2 replayed over h2c' },
  { name: 'snowplow_node_http1', sdk: 'node', kind: 'http1', port: 18145, host: '127.0.0.1',
    describe: 'node-tracker, endpoint 127.0.0.1 port 18145 protocol http, eventMethod post, bufferSize 3, encodeBase64 true (default): POST tp2 batches' },
].map((s) => Object.assign({ search: s.sdk === 'node' ? undefined : SEARCHES.duckduckgo }, s));

function setupSite(site, nm) {
  site.files['/static/sp-browser-tracker.umd.min.js'] = path.join(nm, '@snowplow', 'browser-tracker', 'dist', 'index.umd.min.js');
}

function pageHtml(sc, ctx) {
  const conf = { appId: APP_ID, platform: 'web', eventMethod: sc.method, encodeBase64: sc.base64, bufferSize: sc.buffer || 1,
    contexts: { webPage: true, session: false, browser: false }, stateStorageStrategy: 'localStorage', anonymousTracking: false };
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="/static/sp-browser-tracker.umd.min.js"></script>
<script>
(function () {
  var sp = window.snowplowBrowserTracking;
  sp.newTracker('sp1', ${JSON.stringify(ctx.collectorOrigin)}, ${JSON.stringify(conf)});
  window.sp = sp;
  window.__xmtReady = true;
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

function browserTold(sc, ctx) {
  const geo = { schema: SCHEMA.geolocation, data: { latitude: P.LAT, longitude: P.LON } };
  const customer = { schema: SCHEMA.customer, data: { email: P.EMAIL, phone: P.PHONE, ip_address: P.IP, advertising_id: P.AD_ID } };
  return {
    app_id: APP_ID,
    collector: ctx.collectorOrigin,
    event_method: sc.method,
    encode_base64: sc.base64,
    buffer_size: sc.buffer || 1,
    page_url: ctx.pageUrl,
    referrer: sc.search.url,
    referrer_search_engine: sc.search.engine,
    referrer_search_term: sc.search.term,
    user_id: P.USER_ID,
    records: [
      { e: 'pv', call: 'trackPageView()', expect: { url: ctx.pageUrl, refr: sc.search.url, page: `xmtrack ${sc.name}` } },
      { e: 'ue', schema: SCHEMA.site_search, call: 'trackSelfDescribingEvent(site_search {terms})', data: { terms: P.SITE_SEARCH.split(' '), filters: {}, totalResults: 12 } },
      { e: 'ue', schema: SCHEMA.product, call: 'setUserId(); trackSelfDescribingEvent(product_view {product_id, url}, context [geolocation])', data: { product_id: '42', url: P.PRODUCT_URL },
        context: [geo], uid: P.USER_ID },
      { e: 'ue', schema: SCHEMA.purchase, call: 'trackSelfDescribingEvent(purchase {order_id, revenue}, context [customer {email, phone, ip_address, advertising_id}])',
        data: { order_id: 'A-1001', revenue: 59.9 }, context: [customer], uid: P.USER_ID },
      { e: 'se', call: 'trackStructEvent({category: "newsletter", action: "subscribe", label: email})', se: { se_ca: 'newsletter', se_ac: 'subscribe', se_la: P.EMAIL }, uid: P.USER_ID },
    ],
  };
}

async function driveBrowser(page, sc, ctx) {
  const told = browserTold(sc, ctx);
  for (const r of told.records) {
    if (r.uid) await page.evaluate((u) => window.sp.setUserId(u), r.uid);
    if (r.e === 'pv') await page.evaluate(() => window.sp.trackPageView());
    else if (r.e === 'ue') await page.evaluate((s, d, c) => window.sp.trackSelfDescribingEvent({ event: { schema: s, data: d }, context: c || undefined }), r.schema, r.data, r.context || null);
    else await page.evaluate((x) => window.sp.trackStructEvent({ category: x.se_ca, action: x.se_ac, label: x.se_la }), r.se);
    await L.sleep(150);
  }
  // A buffered tracker sends the rest when the page goes away; flush it now.
  await page.evaluate(() => window.sp.flushBuffer());
  return told;
}

// ---------------------------------------------------------------- server side
// Self-describing JSON in a parameter: `ue_px`/`cx` base64 (URL-safe or not,
// padded or not), `ue_pr`/`co` JSON.
function sdjson(p, plainKey, b64Key, layersOut) {
  if (p[plainKey] !== undefined) return JSON.parse(p[plainKey]);
  if (p[b64Key] !== undefined) {
    const sp = L.base64Spelling(p[b64Key]);
    layersOut[b64Key] = `${sp.url_safe === false ? 'base64' : 'base64url'}${sp.padded ? ' padded' : ' unpadded'}, json`;
    return JSON.parse(L.base64Decode(p[b64Key]).toString('utf8'));
  }
  return undefined;
}

function decode(e) {
  const { pathname, query } = L.splitUrl(e.path);
  const q = L.parseForm(query);
  let body = Buffer.from(e.body_base64, 'base64');
  const layers = [];
  const out = { pathname, layers, query_keys: q.map((x) => x[0]), events: [] };
  let payloads;
  if (e.method === 'GET' && (pathname === '/i' || q.some((x) => x[0] === 'e'))) {
    layers.push('query', 'percent');
    payloads = [Object.fromEntries(q)];
  } else if (e.method === 'POST' && /\/tp2$/.test(pathname)) {
    if (e.headers['content-encoding'] === 'gzip' || L.isGzip(body)) { body = L.gunzip(body); layers.push('gzip'); }
    layers.push('json');
    out.text = body.toString('utf8');
    const json = JSON.parse(out.text);
    out.envelope_schema = json.schema;
    payloads = json.data;
  } else { out.analytics = false; return out; }
  out.events = payloads.map((p) => {
    const inner = {};
    const ue = sdjson(p, 'ue_pr', 'ue_px', inner);
    const co = sdjson(p, 'co', 'cx', inner);
    return eventView(p, ue, co, inner);
  });
  return out;
}

function eventView(p, ue, co, innerLayers) {
  const entities = (co && co.data) || [];
  const pii = {};
  const add = (kind, k, v) => { if (v !== undefined && v !== null) (pii[kind] = pii[kind] || []).push(`${k}=${v}`); };
  for (const c of entities) {
    const d = c.data || {};
    add('location', `${c.schema} latitude`, d.latitude); add('location', `${c.schema} longitude`, d.longitude);
    add('email', `${c.schema} email`, d.email); add('phone', `${c.schema} phone`, d.phone); add('ip', `${c.schema} ip_address`, d.ip_address);
    add('advertising_id', `${c.schema} advertising_id`, d.advertising_id); add('advertising_id', `${c.schema} androidIdfa`, d.androidIdfa);
  }
  add('ip', 'ip', p.ip); add('email', 'se_la', p.se_la && p.se_la.includes('@') ? p.se_la : undefined);
  return {
    e: p.e, eid: p.eid, aid: p.aid, p: p.p, tv: p.tv, dtm: p.dtm, stm: p.stm,
    uid: p.uid, duid: p.duid, nuid: p.nuid, sid: p.sid, vid: p.vid, tnuid: p.tnuid,
    url: p.url, refr: p.refr, page: p.page, ip: p.ip,
    se: p.e === 'se' ? { se_ca: p.se_ca, se_ac: p.se_ac, se_la: p.se_la, se_pr: p.se_pr, se_va: p.se_va } : undefined,
    unstruct_event: ue, event_schema: ue && ue.data && ue.data.schema, event_data: ue && ue.data && ue.data.data,
    contexts_envelope_schema: co && co.schema, entities: entities.map((c) => ({ schema: c.schema, data: c.data })),
    param_keys: Object.keys(p),
    inner_layers: innerLayers,
    pii,
  };
}

function received(log) {
  const out = [];
  for (const e of log) { try { out.push(...decode(e).events); } catch (err) { /* not yet */ } }
  return out;
}
const matches = (t) => (x) => x.e === t.e && (!t.schema || x.event_schema === t.schema);
function complete(sc, log, told) {
  const evs = received(log);
  return told.records.every((t) => evs.some(matches(t)));
}

function check(sc, told, log, decoded) {
  const problems = [];
  const evs = decoded.flatMap((d) => d.events || []);
  const eq = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  for (const t of told.records) {
    const r = evs.find(matches(t));
    const what = t.schema || t.e;
    if (!r) { problems.push(`no ${what} received`); continue; }
    if (sc.sdk !== 'node' && !r.duid) problems.push(`${what}: no duid`);
    if (t.uid && r.uid !== t.uid) problems.push(`${what}: uid ${r.uid}, told ${t.uid}`);
    for (const [k, v] of Object.entries(t.expect || {})) if (r[k] !== v) problems.push(`${what}: ${k} = ${JSON.stringify(r[k])}, told ${JSON.stringify(v)}`);
    for (const [k, v] of Object.entries(t.params || {})) if (!eq(r[k], v)) problems.push(`${what}: ${k} = ${JSON.stringify(r[k])}, told ${JSON.stringify(v)}`);
    if (t.data && !eq(r.event_data, t.data)) problems.push(`${what}: data ${JSON.stringify(r.event_data)}`);
    for (const c of t.context || []) if (!r.entities.some((x) => eq(x, c))) problems.push(`${what}: entity ${c.schema} missing`);
    for (const [k, v] of Object.entries(t.se || {})) if (r.se[k] !== v) problems.push(`${what}: ${k} = ${r.se[k]}`);
    const b64 = Object.keys(r.inner_layers).length > 0;
    if ((r.unstruct_event || r.entities.length) && told.encode_base64 !== undefined && b64 !== told.encode_base64) problems.push(`${what}: encodeBase64 ${told.encode_base64}, base64 on the wire ${b64}`);
  }
  return problems;
}

function sdkLabel(sc, version) {
  return sc.sdk === 'node' ? `@snowplow/node-tracker ${version('@snowplow/node-tracker')}` : `@snowplow/browser-tracker ${version('@snowplow/browser-tracker')} (dist/index.umd.min.js)`;
}

module.exports = { name: 'snowplow', hosts: [HOST], scenarios, setupSite, pageHtml, driveBrowser, decode, complete, check, sdkLabel, SCHEMA };
