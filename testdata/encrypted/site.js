'use strict';
// The web site that embeds the Sensors JS SDK with an encryption plugin, and
// (for the captures that hold the page) the collector on the same port.
//
// A site is a map of path -> {type, body, encoding?, chunked?}. The scripts
// are the npm package's own files, served as they are:
//   /js/sensorsdata.min.js                    the SDK
//   /js/plugin/<name>/index.js                the plugin (registers window.SensorsDataWebJSSDKPlugin.<Name>)
// plus what each scenario writes itself (its page, its config script, its
// bundle). Nothing is served compressed unless the scenario says so.
const http = require('http');
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

function npmFile(nm, rel) {
  return fs.readFileSync(path.join(nm, 'sa-sdk-javascript', rel));
}

// The SDK and the three plugins' script builds (index.js: the minified build
// that registers the plugin under window.SensorsDataWebJSSDKPlugin).
function sdkFiles(nm) {
  const js = 'application/javascript; charset=utf-8';
  return {
    '/js/sensorsdata.min.js': { type: js, body: npmFile(nm, 'sensorsdata.min.js') },
    '/js/plugin/aes-encryption/index.js': { type: js, body: npmFile(nm, 'dist/web/plugin/aes-encryption/index.js') },
    '/js/plugin/sm-encryption/index.js': { type: js, body: npmFile(nm, 'dist/web/plugin/sm-encryption/index.js') },
    '/js/plugin/general-encryption/index.js': { type: js, body: npmFile(nm, 'dist/web/plugin/general-encryption/index.js') },
  };
}

function send(res, file) {
  let body = Buffer.isBuffer(file.body) ? file.body : Buffer.from(file.body);
  const h = { 'content-type': file.type, 'cache-control': 'no-store' };
  if (file.encoding === 'gzip') {
    body = zlib.gzipSync(body);
    h['content-encoding'] = 'gzip';
  }
  if (file.chunked) {
    // Transfer-Encoding: chunked, in three pieces (as a streaming server sends a page).
    res.writeHead(200, h);
    const a = Math.floor(body.length / 3);
    res.write(body.subarray(0, a));
    res.write(body.subarray(a, 2 * a));
    res.end(body.subarray(2 * a));
    return;
  }
  h['content-length'] = body.length;
  res.writeHead(200, h);
  res.end(body);
}

// One HTTP/1.1 server: the site's files, and anything else to the collector
// (if one is given). served[] logs what was sent, for the expectations.
function startServer(port, files, collectorHandler) {
  const served = [];
  const srv = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
    const url = new URL(req.url, 'http://x');
    const file = files[url.pathname];
    if (file && req.method === 'GET') {
      served.push({ path: url.pathname, host: req.headers.host, at: served.length });
      send(res, file);
      return;
    }
    if (collectorHandler && url.pathname === '/sa.gif') {
      collectorHandler(req, res);
      return;
    }
    res.writeHead(404, { 'content-length': 0 });
    res.end();
  });
  const sockets = new Set();
  srv.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve({
    srv,
    served,
    // Ends every open connection: kept-alive ones too.
    dropConnections: () => { for (const s of sockets) s.destroy(); },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((r) => srv.close(r));
    },
  })));
}

module.exports = { startServer, sdkFiles };
