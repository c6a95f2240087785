'use strict';
// The web site that embeds the vendors' browser SDKs: http://shop.example.com:<port>/
// (Chromium maps the name to 127.0.0.1). It serves each SDK's own built file
// from its npm package, the test pages, and any remote settings a vendor's
// CDN would serve (routes added by the vendor modules). Its port is NOT
// recorded, so the SDK files never land in a capture: only the collector's
// port is.
const http = require('http');
const fs = require('fs');

class Site {
  constructor() {
    this.pages = {}; // pathname -> html
    this.files = {}; // pathname -> absolute file
    this.routes = []; // [pathname prefix, (req, url) -> {status, body, content_type}]
    this.log = [];
  }

  start(port) {
    this.srv = http.createServer((req, res) => {
      const url = new URL(req.url, 'http://x');
      this.log.push({ method: req.method, host: req.headers.host, path: req.url });
      const send = (status, type, body) => {
        const b = Buffer.isBuffer(body) ? body : Buffer.from(body);
        const h = { 'content-type': type, 'content-length': b.length, 'cache-control': 'no-cache' };
        if (req.headers.origin) h['access-control-allow-origin'] = req.headers.origin;
        res.writeHead(status, h);
        res.end(b);
      };
      if (this.files[url.pathname]) return send(200, 'application/javascript', fs.readFileSync(this.files[url.pathname]));
      if (this.pages[url.pathname]) return send(200, 'text/html; charset=utf-8', this.pages[url.pathname]);
      for (const [prefix, fn] of this.routes) {
        if (url.pathname.startsWith(prefix)) {
          const r = fn(req, url);
          if (r) return send(r.status || 200, r.content_type || 'application/json', typeof r.body === 'string' ? r.body : JSON.stringify(r.body));
        }
      }
      return send(404, 'text/plain', 'not found');
    });
    return new Promise((resolve) => this.srv.listen(port, '127.0.0.1', resolve));
  }

  close() { this.srv.close(); }
}

module.exports = { Site };
