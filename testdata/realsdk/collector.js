'use strict';
// A local Sensors-style collector: the server side of the real protocol.
// It answers the SDKs' uploads at /sa.gif (GET and POST; the Node SDK's /sa too)
// with 200 (a 1x1 GIF for GET, `{}` for POST) and decodes what it received
// (percent-encoding, base64, gzip, JSON) so the generator can check that the
// SDK really sent what the script told it to. It never looks at xmtrack.
//
// Listeners (all on 127.0.0.1):
//   kind 'http1'  http.createServer                      (HTTP/1.1 in clear)
//   kind 'https1' https.createServer, ALPN http/1.1 only (HTTPS/1.1)
//   kind 'h2'     http2.createSecureServer, ALPN h2 only (HTTP/2 over TLS)
//   kind 'h2c'    http2.createServer                     (HTTP/2 in clear, prior knowledge)
const http = require('http');
const https = require('https');
const http2 = require('http2');
const zlib = require('zlib');

// 1x1 transparent GIF, what a Sensors server answers to an image beacon.
const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

function parseForm(text) {
  const out = [];
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    const dec = (s) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch (e) { return s; } };
    out.push([dec(k), dec(v)]);
  }
  return out;
}

// Decode one Sensors payload parameter the way a Sensors server does.
function decodePayload(name, value, gzipFlag) {
  const res = { param: name, gzip: gzipFlag, encoded_length: value.length };
  let buf = Buffer.from(value, 'base64');
  if (gzipFlag === '1') buf = zlib.gunzipSync(buf);
  const text = buf.toString('utf8');
  let json = JSON.parse(text);
  res.records = Array.isArray(json) ? json : [json];
  res.is_array = Array.isArray(json);
  return res;
}

function decodeRequest(method, path, headers, body) {
  const q = path.indexOf('?');
  const pathname = q < 0 ? path : path.slice(0, q);
  const query = parseForm(q < 0 ? '' : path.slice(q + 1));
  let bodyText = body.length ? body.toString('latin1') : '';
  let contentEncoding = headers['content-encoding'];
  if (contentEncoding === 'gzip') bodyText = zlib.gunzipSync(body).toString('latin1');
  const form = parseForm(bodyText);
  const get = (pairs, k) => { const p = pairs.find((x) => x[0] === k); return p ? p[1] : undefined; };
  const out = { pathname, query: Object.fromEntries(query), form_keys: form.map((p) => p[0]) };
  for (const [where, pairs] of [['query', query], ['body', form]]) {
    for (const pname of ['data', 'data_list']) {
      const v = get(pairs, pname);
      if (v === undefined) continue;
      out.payload = decodePayload(pname, v, get(pairs, 'gzip'));
      out.payload.where = where;
      out.payload.ext = get(pairs, 'ext');
      out.payload.crc = get(pairs, 'crc');
      out.payload.gzip_param = get(pairs, 'gzip');
    }
  }
  return out;
}

class Collector {
  constructor() {
    this.log = [];
    this.servers = [];
  }

  handler(kind) {
    return (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = Object.assign({}, req.headers);
        const entry = {
          n: this.log.length,
          kind,
          http_version: req.httpVersion,
          stream_id: req.stream ? req.stream.id : undefined,
          method: req.method,
          path: req.url,
          authority: req.headers[':authority'] || req.headers.host,
          headers,
          body_base64: body.toString('base64'),
          body_length: body.length,
        };
        try {
          if (req.method !== 'OPTIONS') entry.decoded = decodeRequest(req.method, req.url, req.headers, body);
        } catch (e) {
          entry.decode_error = String(e);
        }
        this.log.push(entry);
        const origin = req.headers.origin;
        const h = { 'cache-control': 'no-cache' };
        if (origin) {
          h['access-control-allow-origin'] = origin;
          h['access-control-allow-credentials'] = 'true';
        }
        if (req.method === 'OPTIONS') {
          h['access-control-allow-methods'] = 'GET, POST';
          h['access-control-allow-headers'] = req.headers['access-control-request-headers'] || 'content-type';
          res.writeHead(204, h);
          res.end();
        } else if (req.method === 'GET' && !req.url.startsWith('/favicon')) {
          h['content-type'] = 'image/gif';
          h['content-length'] = GIF.length;
          res.writeHead(200, h);
          res.end(GIF);
        } else if (req.method === 'GET') {
          res.writeHead(404, h);
          res.end();
        } else {
          h['content-type'] = 'application/json';
          h['content-length'] = 2;
          res.writeHead(200, h);
          res.end('{}');
        }
      });
    };
  }

  // Starts one listener; resolves once it is listening.
  listen(kind, port, tls) {
    let srv;
    if (kind === 'http1') {
      srv = http.createServer({ keepAliveTimeout: 30000 }, this.handler(kind));
    } else if (kind === 'https1') {
      srv = https.createServer({ key: tls.key, cert: tls.cert, ALPNProtocols: ['http/1.1'] }, this.handler(kind));
      srv.keepAliveTimeout = 30000;
    } else if (kind === 'h2') {
      srv = http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false, ALPNProtocols: ['h2'] },
        this.handler(kind));
    } else if (kind === 'h2c') {
      srv = http2.createServer({}, this.handler(kind));
    } else {
      throw new Error('unknown kind ' + kind);
    }
    const sockets = new Set();
    srv.on(kind === 'https1' || kind === 'h2' ? 'secureConnection' : 'connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    srv._xmtSockets = sockets;
    this.servers.push(srv);
    return new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  }

  async closeAll() {
    for (const srv of this.servers) {
      for (const s of srv._xmtSockets) s.destroy();
      await new Promise((r) => srv.close(r));
    }
    this.servers = [];
  }

  // Every event/profile record the collector decoded, with the request it came in.
  records() {
    const out = [];
    for (const e of this.log) {
      if (!e.decoded || !e.decoded.payload) continue;
      for (const r of e.decoded.payload.records) out.push({ request: e.n, record: r });
    }
    return out;
  }
}

module.exports = { Collector, decodeRequest, GIF };
