'use strict';
// Drives the real Mixpanel Node SDK (mixpanel) against the collector. Run by
// generate.js from a neutral folder: node mixpanel_node.js '<json config>'.
// Prints on stdout, as one JSON line, what it told the SDK to send.
const path = require('path');
const { P } = require('./persona');

const cfg = JSON.parse(process.argv[2]);
const Mixpanel = require(path.join(cfg.nm, 'mixpanel'));
const TOKEN = 'xmtrack0mixpanel0token0000000002';
// The documented way to point the SDK at another host: host (with port) and protocol.
const mp = Mixpanel.init(TOKEN, { host: `${cfg.host}:${cfg.port}`, protocol: cfg.scheme, keepAlive: false });

// An Android app's backend reporting for its user, with the device facts the
// app sends along (Mixpanel's own property names).
const device = { $os: P.DEVICE.os_name, $os_version: P.DEVICE.os_version, $model: P.DEVICE.model,
  $manufacturer: P.DEVICE.manufacturer, $app_version_string: P.DEVICE.app_version, app_id: P.DEVICE.app };
const records = [];
function track(event, props) {
  const properties = Object.assign({ distinct_id: P.USER_ID }, props);
  records.push({ endpoint: 'track', method: 'GET', event, call: `mp.track(${JSON.stringify(event)}, properties)`, properties, expect: properties, distinct_id: P.USER_ID });
  mp.track(event, properties);
}

track('App Open', Object.assign({ $device_id: P.AD_ID, ip: P.IP }, device));
track('Search', Object.assign({ search_term: P.SITE_SEARCH, $current_url: 'https://shop.example.com/search?q=bluetooth+speaker+waterproof',
  $referrer: 'https://www.bing.com/search?q=running+shoes+size+44&form=QBLH' }, device));
const set = { $email: P.EMAIL, $phone: P.PHONE, $name: P.NAME, advertising_id: P.AD_ID };
records.push({ endpoint: 'engage', method: 'GET', call: 'mp.people.set(distinct_id, {$email, $phone, $name, advertising_id})', set, distinct_id: P.USER_ID });
mp.people.set(P.USER_ID, set);
const batch = [
  { event: 'Store Visit', properties: Object.assign({ distinct_id: P.USER_ID, $latitude: P.LAT, $longitude: P.LON, store_id: 'PAR-01' }, device) },
  { event: 'Purchase', properties: Object.assign({ distinct_id: P.USER_ID, order_id: 'A-1001', amount: 59.9, url: P.PRODUCT_URL, advertising_id: P.AD_ID }, device) },
];
for (const b of batch) records.push({ endpoint: 'track', method: 'POST', event: b.event, call: 'mp.track_batch([...])', properties: b.properties, expect: b.properties, distinct_id: P.USER_ID });
mp.track_batch(batch);

process.stdout.write(JSON.stringify({ token: TOKEN, host: `${cfg.host}:${cfg.port}`, protocol: cfg.scheme, payload_format: 'base64', user_id: P.USER_ID, device, records }) + '\n');
setTimeout(() => process.exit(0), 30000);
