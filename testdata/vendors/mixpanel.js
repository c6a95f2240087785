'use strict';
// Mixpanel: mixpanel-browser in Chromium, mixpanel (Node).
// The browser SDK's payload format depends on its api_host
// (src/mixpanel-core.js: a host matching /\.mixpanel\.com/ gets
// api_payload_format 'json', any other host 'base64'), so the JSON captures
// use the SDK's own api host name, api-js.mixpanel.com, mapped to loopback
// inside Chromium, and the base64 ones a self-hosted proxy, mp.example.com.
const path = require('path');
const L = require('./lib');
const { SEARCHES, P } = require('./persona');

const TOKEN = 'xmtrack0mixpanel0token0000000001';
const HOST_JSON = 'api-js.mixpanel.com';
const HOST_B64 = 'mp.example.com';

const scenarios = [
  // Chromium's HSTS preload list sends http://*.mixpanel.com to https, so the
  // clear-text JSON capture names the format explicitly on the proxy host.
  { name: 'mixpanel_js_json_http1', sdk: 'browser', kind: 'http1', port: 18101, host: HOST_B64, batch: true, format: 'json',
    describe: 'mixpanel-browser, api_host http://mp.example.com:18101 with api_payload_format "json", batch_requests on: POST data=<urlencoded JSON array>' },
  { name: 'mixpanel_js_base64_http1', sdk: 'browser', kind: 'http1', port: 18102, host: HOST_B64, batch: false,
    describe: 'mixpanel-browser, api_host http://mp.example.com:18102 (base64 payload format), batch_requests off: one POST data=<base64 JSON object> per event' },
  { name: 'mixpanel_js_json_h2', sdk: 'browser', kind: 'h2', port: 18103, host: HOST_JSON, batch: true,
    describe: 'mixpanel-browser, api_host https://api-js.mixpanel.com:18103 (a *.mixpanel.com host: JSON payload format by default), batch_requests on: POST data=<urlencoded JSON array>, over HTTP/2 with TLS' },
  { name: 'mixpanel_js_base64_h2', sdk: 'browser', kind: 'h2', port: 18104, host: HOST_B64, batch: true,
    describe: 'mixpanel-browser, api_host https://mp.example.com:18104 (base64), batch_requests on: POST data=<base64 JSON array>, over HTTP/2 with TLS' },
  { name: 'mixpanel_js_json_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18105, host: HOST_JSON, replay_of: 'mixpanel_js_json_h2',
    describe: 'the requests of mixpanel_js_json_h2 replayed over h2c' },
  { name: 'mixpanel_node_http1', sdk: 'node', kind: 'http1', port: 18106, host: '127.0.0.1',
    describe: 'mixpanel (Node), init(token, {host: "127.0.0.1:18106", protocol: "http"}): track as GET ?data=<base64>, track_batch and people.set as POST data=<base64>' },
].map((s) => Object.assign({ search: s.sdk === 'node' ? undefined : SEARCHES.google }, s));

function setupSite(site, nm) {
  site.files['/static/mixpanel.umd.js'] = path.join(nm, 'mixpanel-browser', 'dist', 'mixpanel.umd.js');
}

function pageHtml(sc, ctx) {
  const cfg = {
    token: TOKEN,
    init: {
      api_host: ctx.collectorOrigin,
      batch_requests: sc.batch,
      batch_flush_interval_ms: 1500,
      track_pageview: true,
      persistence: 'localStorage',
      debug: false,
    },
  };
  if (sc.format) cfg.init.api_payload_format = sc.format;
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script src="/static/mixpanel.umd.js"></script>
<script>
(function () {
  var cfg = ${JSON.stringify(cfg)};
  // As a site owner does: init (with the page view), then super properties on every event.
  mixpanel.init(cfg.token, cfg.init);
  mixpanel.register({ plan: 'premium' });
  window.__xmtReady = true;
})();
</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

// What the script tells the SDK, in order, through page.evaluate.
function browserTold(sc, ctx) {
  const search = sc.search;
  const auto = { $current_url: ctx.pageUrl, $referrer: search.url, $initial_referrer: search.url, $search_engine: search.engine, mp_keyword: search.term };
  return {
    token: TOKEN,
    api_host: ctx.collectorOrigin,
    payload_format: sc.format || (sc.host === HOST_JSON ? 'json' : 'base64'),
    api_payload_format_set: sc.format,
    batch_requests: sc.batch,
    page_url: ctx.pageUrl,
    referrer: search.url,
    referrer_search_engine: search.engine,
    referrer_search_term: search.term,
    user_id: P.USER_ID,
    register: { plan: 'premium' },
    records: [
      { endpoint: 'track', event: '$mp_web_page_view', by_sdk: true, call: 'init({track_pageview: true})', expect: auto },
      { endpoint: 'track', event: 'Search', call: 'mixpanel.track("Search", {search_term})', properties: { search_term: P.SITE_SEARCH }, expect: Object.assign({ search_term: P.SITE_SEARCH, plan: 'premium' }, auto) },
      { endpoint: 'track', event: 'View Product', call: 'mixpanel.track("View Product", {url, product_id})', properties: { url: P.PRODUCT_URL, product_id: '42' }, expect: { url: P.PRODUCT_URL, product_id: '42', $current_url: ctx.pageUrl } },
      { endpoint: 'track', event: 'Store Visit', call: 'mixpanel.track("Store Visit", {$latitude, $longitude, store_id})', properties: { $latitude: P.LAT, $longitude: P.LON, store_id: 'PAR-01' }, expect: { $latitude: P.LAT, $longitude: P.LON, store_id: 'PAR-01' } },
      { endpoint: 'track', event: '$identify', by_sdk: true, call: `mixpanel.identify(${JSON.stringify(P.USER_ID)})`, expect: { $user_id: P.USER_ID }, distinct_id: P.USER_ID },
      { endpoint: 'engage', call: 'mixpanel.people.set({$email, $phone, $name, advertising_id})', set: { $email: P.EMAIL, $phone: P.PHONE, $name: P.NAME, advertising_id: P.AD_ID }, distinct_id: P.USER_ID },
      { endpoint: 'track', event: 'Purchase', call: 'mixpanel.track("Purchase", {order_id, amount, ip, advertising_id})', properties: { order_id: 'A-1001', amount: 59.9, ip: P.IP, advertising_id: P.AD_ID }, expect: { order_id: 'A-1001', amount: 59.9, ip: P.IP, advertising_id: P.AD_ID, $user_id: P.USER_ID }, distinct_id: P.USER_ID },
    ],
  };
}

async function driveBrowser(page, sc, ctx) {
  const told = browserTold(sc, ctx);
  for (const r of told.records) {
    if (r.by_sdk && r.event === '$mp_web_page_view') continue;
    if (r.event === '$identify') await page.evaluate((id) => window.mixpanel.identify(id), P.USER_ID);
    else if (r.endpoint === 'engage') await page.evaluate((s) => window.mixpanel.people.set(s), r.set);
    else await page.evaluate((e, p) => window.mixpanel.track(e, p), r.event, r.properties);
    await L.sleep(150);
  }
  return told;
}

// ---------------------------------------------------------------- server side
// Mixpanel's `data` value: JSON (urlencoded in the form) or base64 of JSON.
function decodeData(v, layers) {
  const t = v.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) {
    layers.push('json');
    return JSON.parse(v);
  }
  layers.push(/[-_]/.test(v) ? 'base64url' : 'base64', 'json');
  return JSON.parse(L.base64Decode(v).toString('utf8'));
}

function decode(e) {
  const { pathname, query } = L.splitUrl(e.path);
  const q = L.parseForm(query);
  let body = Buffer.from(e.body_base64, 'base64');
  const layers = [];
  if (e.headers['content-encoding'] === 'gzip' || L.isGzip(body)) { body = L.gunzip(body); layers.push('gzip'); }
  const form = body.length ? L.parseForm(body.toString('utf8')) : [];
  const out = { pathname, layers, query_keys: q.map((x) => x[0]), form_keys: form.map((x) => x[0]), events: [] };
  let data = L.get(form, 'data');
  if (data !== undefined) layers.push('form', 'percent');
  else if ((data = L.get(q, 'data')) !== undefined) layers.push('query', 'percent');
  else { out.analytics = false; return out; }
  out.text = data;
  const json = decodeData(data, layers);
  out.is_array = Array.isArray(json);
  const endpoint = pathname.replace(/^\/+|\/+$/g, '');
  out.events = (Array.isArray(json) ? json : [json]).map((rec) => eventView(endpoint, rec));
  return out;
}

const PII_KEYS = { $email: 'email', email: 'email', $phone: 'phone', phone: 'phone', ip: 'ip', $ip: 'ip', advertising_id: 'advertising_id', $latitude: 'location', $longitude: 'location' };
function eventView(endpoint, rec) {
  if (endpoint === 'engage' || endpoint === 'groups') {
    const ops = Object.keys(rec).filter((k) => k.startsWith('$') && typeof rec[k] === 'object' && rec[k] !== null);
    const props = Object.assign({}, ...ops.map((k) => rec[k]));
    return { endpoint, event: null, operation: ops, distinct_id: rec.$distinct_id, device_id: rec.$device_id, user_id: rec.$user_id,
      token: rec.$token, time: rec.$time, properties: props, pii: piiOf(props), decoded: rec };
  }
  const pr = rec.properties || {};
  return {
    endpoint, event: rec.event, distinct_id: pr.distinct_id, device_id: pr.$device_id, user_id: pr.$user_id, token: pr.token,
    time: pr.time, insert_id: pr.$insert_id,
    urls: pick(pr, ['$current_url', '$referrer', '$initial_referrer', 'url']),
    search: pick(pr, ['$search_engine', 'mp_keyword', 'search_term']),
    device: pick(pr, ['$os', '$os_version', '$model', '$manufacturer', '$browser', '$device', '$app_version_string', '$carrier', 'mp_lib']),
    pii: piiOf(pr),
    decoded: rec,
  };
}
function pick(o, ks) { return Object.fromEntries(ks.filter((k) => k in o).map((k) => [k, o[k]])); }
function piiOf(o) {
  const out = {};
  for (const [k, kind] of Object.entries(PII_KEYS)) if (k in o) (out[kind] = out[kind] || []).push(`${k}=${o[k]}`);
  return out;
}

function complete(sc, log, told) {
  const n = log.filter((e) => e.method !== 'OPTIONS').reduce((a, e) => {
    try { return a + decode(e).events.length; } catch (err) { return a; }
  }, 0);
  return n >= told.records.length;
}

function check(sc, told, log, decoded) {
  const problems = [];
  const evs = decoded.flatMap((d) => d.events || []);
  for (const t of told.records) {
    const r = t.endpoint === 'engage' ? evs.find((x) => x.endpoint === 'engage' && x.operation.includes('$set'))
      : evs.find((x) => x.endpoint === t.endpoint && x.event === t.event);
    if (!r) { problems.push(`no ${t.endpoint} ${t.event || ''} received`); continue; }
    const props = t.endpoint === 'engage' ? r.properties : r.decoded.properties;
    for (const [k, v] of Object.entries(t.expect || t.set || t.properties || {})) {
      if (JSON.stringify(props[k]) !== JSON.stringify(v)) problems.push(`${t.event || t.endpoint}: ${k} = ${JSON.stringify(props[k])}, told ${JSON.stringify(v)}`);
    }
    if (t.distinct_id && r.distinct_id !== t.distinct_id) problems.push(`${t.event || t.endpoint}: distinct_id ${r.distinct_id}, told ${t.distinct_id}`);
    if (r.token !== told.token) problems.push(`${t.event || t.endpoint}: token ${r.token}`);
  }
  for (const d of decoded) {
    if (d.analytics === false) continue;
    const wantFmt = told.payload_format;
    if (wantFmt === 'json' && !d.layers.includes('json')) problems.push('not JSON');
    if (wantFmt === 'base64' && !d.layers.includes('base64')) problems.push(`expected base64, layers ${d.layers}`);
  }
  return problems;
}

function sdkLabel(sc, version) {
  return sc.sdk === 'node' ? `mixpanel (Node) ${version('mixpanel')}` : `mixpanel-browser ${version('mixpanel-browser')} (dist/mixpanel.umd.js)`;
}

module.exports = {
  name: 'mixpanel', hosts: [HOST_JSON, HOST_B64], scenarios, setupSite, pageHtml, driveBrowser, decode, complete, check, sdkLabel,
};
