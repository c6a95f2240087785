'use strict';
// Google Analytics 4: gtag.js is not on npm, so REAL hits found in public code
// and documentation (ga4_hits.json, each with its source) are replayed:
// /g/collect hits from a page in Chromium, as gtag.js sends them
// (fetch keepalive with no body for a single event, navigator.sendBeacon with
// one urlencoded event per body line for a batch), and Measurement Protocol
// /mp/collect JSON from Node's fetch. Only the path and body are the sources';
// the host is the collector's.
const fs = require('fs');
const path = require('path');
const L = require('./lib');
const { SEARCHES } = require('./persona');

const HITS = JSON.parse(fs.readFileSync(path.join(__dirname, 'ga4_hits.json'), 'utf8'));
// gtag.js also sends to a first-party (server-side tagging) host; Google's
// own name is HSTS-preloaded in Chromium, so clear text goes to a custom domain.
const HOST_CUSTOM = 'ga.example.com';
const HOST_GOOGLE = 'region1.google-analytics.com';

const scenarios = [
  { name: 'ga4_gcollect_http1', sdk: 'browser', kind: 'http1', port: 18151, host: HOST_CUSTOM,
    describe: 'real /g/collect hits (ga4_hits.json gcollect) replayed from a page in Chromium to http://ga.example.com:18151 (a first-party tagging host): POST with the event in the query and no body, and POST query + body of one urlencoded event per line (sendBeacon, text/plain)' },
  { name: 'ga4_gcollect_h2', sdk: 'browser', kind: 'h2', port: 18152, host: HOST_GOOGLE,
    describe: 'the same hits to https://region1.google-analytics.com:18152 (mapped to loopback in Chromium), over HTTP/2 with TLS' },
  { name: 'ga4_gcollect_h2c', sdk: 'h2c-replay', kind: 'h2c', port: 18153, host: HOST_GOOGLE, replay_of: 'ga4_gcollect_h2',
    describe: 'the requests of ga4_gcollect_h2 replayed over h2c' },
  { name: 'ga4_mp_node_http1', sdk: 'replay', kind: 'http1', port: 18154, host: '127.0.0.1',
    describe: 'real Measurement Protocol bodies (ga4_hits.json mp) POSTed by Node\'s fetch to http://127.0.0.1:18154/mp/collect, application/json' },
].map((s) => Object.assign({ search: s.sdk === 'browser' ? SEARCHES.google : undefined }, s));

function pageHtml(sc) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>xmtrack ${sc.name}</title>
<script>window.__xmtReady = true;</script></head>
<body><h1>xmtrack ${sc.name}</h1></body></html>
`;
}

// What a collector must find in each hit: the parameters the source sent.
function hitTold(h) {
  const { query } = L.splitUrl(h.path);
  const shared = Object.fromEntries(L.parseForm(query));
  const lines = h.body ? h.body.split('\n') : [];
  const events = lines.length ? lines.map((ln) => Object.assign({}, shared, Object.fromEntries(L.parseForm(ln)))) : [shared];
  return { id: h.id, method: h.method, path: h.path, body: h.body, source: h.source, events };
}

async function driveBrowser(page, sc, ctx) {
  const told = { page_url: ctx.pageUrl, collector: ctx.collectorOrigin, hits: HITS.gcollect.map(hitTold) };
  for (const h of HITS.gcollect) {
    await page.evaluate((url, body) => {
      if (body) return navigator.sendBeacon(url, body);
      return fetch(url, { method: 'POST', keepalive: true, mode: 'no-cors', credentials: 'include' }).then(() => true, () => false);
    }, ctx.collectorOrigin + h.path, h.body);
    await L.sleep(200);
  }
  return told;
}

async function replay(sc) {
  const origin = `${sc.scheme}://${sc.host}:${sc.port}`;
  const told = { collector: origin, client: `Node ${process.version} fetch`, hits: HITS.mp.map((h) => ({ id: h.id, method: h.method, path: h.path, body: h.body, source: h.source })) };
  for (const h of HITS.mp) {
    const res = await fetch(origin + h.path, { method: 'POST', headers: { 'content-type': h.content_type }, body: JSON.stringify(h.body) });
    await res.arrayBuffer();
  }
  return told;
}

// ---------------------------------------------------------------- server side
function decode(e) {
  const { pathname, query } = L.splitUrl(e.path);
  const q = L.parseForm(query);
  const body = Buffer.from(e.body_base64, 'base64').toString('utf8');
  const out = { pathname, layers: [], query_keys: q.map((x) => x[0]), events: [] };
  if (/\/g\/collect$/.test(pathname)) {
    const shared = Object.fromEntries(q);
    const lines = body ? body.split(/\r?\n/).filter(Boolean) : [];
    out.layers.push('query', 'percent');
    if (lines.length) out.layers.push('body lines (form, percent)');
    out.body_lines = lines.length;
    out.text = body;
    out.events = (lines.length ? lines : ['']).map((ln) => gcollectView(Object.assign({}, shared, Object.fromEntries(L.parseForm(ln)))));
  } else if (/\/mp\/collect$/.test(pathname)) {
    out.layers.push('json');
    out.text = body;
    const json = JSON.parse(body);
    out.events = (json.events || []).map((ev) => ({ en: ev.name, cid: json.client_id, uid: json.user_id, params: ev.params, user_properties: json.user_properties,
      measurement_id: L.get(q, 'measurement_id'), decoded: ev }));
  } else {
    out.analytics = false;
  }
  return out;
}

function gcollectView(p) {
  const pick = (pre) => Object.fromEntries(Object.entries(p).filter(([k]) => k.startsWith(pre)));
  return {
    en: p.en, tid: p.tid, cid: p.cid, uid: p.uid, sid: p.sid, sct: p.sct, dl: p.dl, dr: p.dr, dt: p.dt, ul: p.ul, sr: p.sr,
    device: Object.fromEntries(['uaa', 'uab', 'uafvl', 'uamb', 'uam', 'uap', 'uapv', 'uaw'].filter((k) => k in p).map((k) => [k, p[k]])),
    ep: pick('ep.'), epn: pick('epn.'), up: pick('up.'), upn: pick('upn.'),
    params: p,
  };
}

function complete(sc, log, told) {
  return log.filter((e) => e.method === 'POST').length >= told.hits.length;
}

function check(sc, told, log, decoded) {
  const problems = [];
  const posts = log.map((e, i) => [e, decoded[i]]).filter(([e]) => e.method === 'POST');
  told.hits.forEach((h, i) => {
    const [e, d] = posts[i] || [];
    if (!e) { problems.push(`${h.id}: not received`); return; }
    if (e.path !== h.path) problems.push(`${h.id}: path differs`);
    const body = Buffer.from(e.body_base64, 'base64').toString('utf8');
    const want = typeof h.body === 'string' ? h.body : JSON.stringify(h.body);
    if (body !== want) problems.push(`${h.id}: body differs`);
    if (h.events) {
      if (d.events.length !== h.events.length) problems.push(`${h.id}: ${d.events.length} events, told ${h.events.length}`);
      h.events.forEach((ev, j) => { if (JSON.stringify(d.events[j] && d.events[j].params) !== JSON.stringify(ev)) problems.push(`${h.id}: event ${j} differs`); });
    }
  });
  return problems;
}

function sdkLabel(sc) {
  return sc.sdk === 'replay' ? `real GA4 Measurement Protocol bodies (ga4_hits.json) sent by Node ${process.version} fetch`
    : 'real GA4 /g/collect hits (ga4_hits.json) replayed by a page (fetch keepalive, navigator.sendBeacon)';
}

module.exports = { name: 'ga4', hosts: [HOST_CUSTOM, HOST_GOOGLE], scenarios, pageHtml, driveBrowser, replay, decode, complete, check, sdkLabel };
