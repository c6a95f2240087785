'use strict';
// A local collector: the server side of each vendor's protocol. It records
// every request exactly as received (method, path, headers, body) and
// answers as the vendor's service does, through the scenario's `respond`
// hook (remote settings, feature flags, ...); by default 200 with a 1x1 GIF
// to a GET and `{}` (or the hook's body) to a POST. Decoding is done after the
// capture by the vendor module, from this log. It never looks at xmtrack.
//
// Listeners (all on 127.0.0.1), one port per capture:
//   'http1'  http.createServer                      (HTTP/1.1 in clear)
//   'https1' https.createServer, ALPN http/1.1 only (HTTPS/1.1)
//   'h2'     http2.createSecureServer, ALPN h2 only (HTTP/2 over TLS)
//   'h2c'    http2.createServer                     (HTTP/2 in clear, prior knowledge)
const http = require('http');
const https = require('https');
const http2 = require('http2');

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');

class Collector {
  constructor(respond) {
    this.log = [];
    this.servers = [];
    this.respond = respond || (() => null);
  }

  handler(kind) {
    return (req, res) => {
      const chunks = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = Object.assign({}, req.headers);
        const authority = req.headers[':authority'] || req.headers.host || '';
        const entry = {
          n: this.log.length,
          kind,
          http_version: req.httpVersion,
          stream_id: req.stream ? req.stream.id : undefined,
          method: req.method,
          path: req.url,
          authority,
          authority_host: authority.replace(/:\d+$/, ''),
          headers,
          body_base64: body.toString('base64'),
          body_length: body.length,
        };
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
          h['access-control-max-age'] = '600';
          res.writeHead(204, h);
          res.end();
          return;
        }
        const custom = this.respond(entry, body);
        let status = 200;
        let out;
        if (custom) {
          status = custom.status || 200;
          out = Buffer.from(typeof custom.body === 'string' ? custom.body : JSON.stringify(custom.body));
          h['content-type'] = custom.content_type || 'application/json';
        } else if (req.method === 'GET') {
          out = GIF;
          h['content-type'] = 'image/gif';
        } else {
          out = Buffer.from('{}');
          h['content-type'] = 'application/json';
        }
        h['content-length'] = out.length;
        res.writeHead(status, h);
        res.end(out);
      });
    };
  }

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
}

module.exports = { Collector, GIF };
