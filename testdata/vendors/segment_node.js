'use strict';
// Drives the real Segment Node SDK (@segment/analytics-node) against the
// collector. Run by generate.js from a neutral folder:
//   node segment_node.js '<json config>'
// Prints on stdout, as one JSON line, what it told the SDK to send.
const path = require('path');
const { P, SEARCHES } = require('./persona');

const cfg = JSON.parse(process.argv[2]);
const { Analytics } = require(path.join(cfg.nm, '@segment', 'analytics-node'));
const WRITE_KEY = 'xmtrackSegmentWriteKey0002';
// The documented settings for another host: host and path; flushAt batches.
const analytics = new Analytics({ writeKey: WRITE_KEY, host: `${cfg.scheme}://${cfg.host}:${cfg.port}`, path: '/v1/batch', flushAt: 3, flushInterval: 1500 });

// An Android app's backend, with the device facts the app reported (Segment's spec names).
const context = {
  ip: P.IP,
  device: { model: P.DEVICE.model, manufacturer: P.DEVICE.manufacturer, type: 'android', advertisingId: P.AD_ID, adTrackingEnabled: true },
  os: { name: P.DEVICE.os_name, version: P.DEVICE.os_version },
  app: { name: 'Example Shop', version: P.DEVICE.app_version, build: '5210', namespace: P.DEVICE.app },
};
const records = [];
function send(type, msg, call) {
  const m = Object.assign({ userId: P.USER_ID, context }, msg);
  records.push(Object.assign({ type, call }, JSON.parse(JSON.stringify(m))));
  analytics[type](m);
}
send('identify', { traits: { email: P.EMAIL, phone: P.PHONE, name: P.NAME } }, 'analytics.identify({userId, traits, context})');
send('track', { event: 'Products Searched', properties: { query: P.SITE_SEARCH } }, 'analytics.track({userId, event, properties: {query}, context})');
send('page', { name: 'Search Results', properties: { url: 'https://shop.example.com/search?q=bluetooth+speaker+waterproof', referrer: SEARCHES.bing.url } },
  'analytics.page({userId, name, properties: {url, referrer}, context})');
send('track', { event: 'Store Visited', properties: { store_id: 'PAR-01' }, context: Object.assign({}, context, { location: { latitude: P.LAT, longitude: P.LON } }) },
  'analytics.track({userId, event, properties, context: {..., location}})');
send('screen', { name: 'Checkout', properties: { order_id: 'A-1001' } }, 'analytics.screen({userId, name, properties, context})');

process.stdout.write(JSON.stringify({ write_key: WRITE_KEY, host: `${cfg.scheme}://${cfg.host}:${cfg.port}`, path: '/v1/batch', flush_at: 3, user_id: P.USER_ID, context, records }) + '\n');
setTimeout(() => analytics.closeAndFlush().then(() => setTimeout(() => process.exit(0), 30000)), 2000);
