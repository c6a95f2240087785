'use strict';
// The web site that embeds the Sensors JS SDK: http://shop.example.com:<port>/
// (Chromium maps the name to 127.0.0.1). It serves the SDK's own built file
// from the npm package and a test page whose inline script configures the SDK
// the way a site owner would. It runs on a port that is NOT recorded, so the
// 170 kB SDK file never lands in a capture: only the collector's port is.
const http = require('http');
const fs = require('fs');
const path = require('path');

// Everything the page tells the SDK to do on load. The driver (browser.js) then
// calls sensors.track/setProfile/login through page.evaluate.
function pageHtml(cfg) {
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${cfg.title}</title>
<script src="/sensorsdata.min.js"></script>
<script>
(function () {
  var cfg = ${JSON.stringify(cfg)};
  var sensors = window.sensorsDataAnalytic201505;
  window.sensors = sensors;
  var init = {
    server_url: cfg.server_url,
    send_type: cfg.send_type,
    show_log: false,
    is_track_single_page: false,
    cross_subdomain: false
  };
  if (cfg.batch_send) init.batch_send = cfg.batch_send;
  sensors.init(init);
  // A fixed anonymous id, so the expectations can name it.
  sensors.identify(cfg.distinct_id, true);
  // Device facts as a site would add them to every event (super properties).
  sensors.register(cfg.register);
  // The visitor's location, on every event of this page. Sensors' preset
  // $latitude/$longitude are degrees scaled by 10^6 (integers).
  sensors.registerPage(cfg.register_page);
  // $pageview, and on a first visit the SDK's own profile_set_once.
  sensors.quick('autoTrack');
  window.__xmtReady = true;
})();
</script></head>
<body><h1>${cfg.title}</h1><p>xmtrack real-SDK test page.</p></body></html>
`;
}

function startSite(port, sdkFile, pages) {
  const sdk = fs.readFileSync(sdkFile);
  const srv = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (url.pathname === '/sensorsdata.min.js') {
      res.writeHead(200, { 'content-type': 'application/javascript', 'content-length': sdk.length });
      res.end(sdk);
      return;
    }
    const cfg = pages[url.pathname];
    if (cfg) {
      const body = Buffer.from(pageHtml(cfg));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
      res.end(body);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return new Promise((resolve) => srv.listen(port, '127.0.0.1', () => resolve(srv)));
}

module.exports = { startSite, sdkPath: (nm) => path.join(nm, 'sa-sdk-javascript', 'sensorsdata.min.js') };
