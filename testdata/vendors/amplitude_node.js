'use strict';
// Drives the real Amplitude Node SDK (@amplitude/analytics-node) against the
// collector. Run by generate.js from a neutral folder:
//   node amplitude_node.js '<json config>'
// Prints on stdout, as one JSON line, what it told the SDK to send.
const path = require('path');
const { P } = require('./persona');

const cfg = JSON.parse(process.argv[2]);
const amplitude = require(path.join(cfg.nm, '@amplitude', 'analytics-node'));
const API_KEY = 'xmtrack0amplitude0api0key000002';
const serverUrl = `${cfg.scheme}://${cfg.host}:${cfg.port}/batch`;
// The documented setting for another host: serverUrl (here Amplitude's batch
// endpoint path); flushQueueSize batches.

// An Android app's backend, with the device facts the app reported (Amplitude's event fields).
const device = { device_id: 'a9d2c7e4-1b3f-4e8a-9c6d-2f5e8b7a1c30', platform: 'Android', os_name: P.DEVICE.os_name, os_version: P.DEVICE.os_version,
  device_model: P.DEVICE.model, device_manufacturer: P.DEVICE.manufacturer, app_version: P.DEVICE.app_version, carrier: 'Example Mobile', adid: P.AD_ID };
const records = [];
async function main() {
// The SDK drops events tracked before its init promise resolves.
await amplitude.init(API_KEY, { serverUrl, flushQueueSize: 10, flushIntervalMillis: 1500, logLevel: 0 }).promise;
function track(eventType, props, opts) {
  const options = Object.assign({ user_id: P.USER_ID }, device, opts);
  records.push({ event_type: eventType, call: `amplitude.track(${JSON.stringify(eventType)}, event_properties, options)`, event_properties: props, event_options: options, user_id: P.USER_ID });
  amplitude.track(eventType, props, options);
}
track('Search', { search_term: P.SITE_SEARCH, url: 'https://shop.example.com/search?q=bluetooth+speaker+waterproof' }, { ip: P.IP });
const id = new amplitude.Identify();
const set = { email: P.EMAIL, phone: P.PHONE, name: P.NAME };
for (const [k, v] of Object.entries(set)) id.set(k, v);
records.push({ event_type: '$identify', call: 'amplitude.identify(new Identify().set(email, phone, name), options)', user_properties: { $set: set }, user_id: P.USER_ID });
amplitude.identify(id, Object.assign({ user_id: P.USER_ID }, device));
track('Store Visit', { store_id: 'PAR-01' }, { location_lat: P.LAT, location_lng: P.LON });
track('Purchase', { order_id: 'A-1001', revenue: 59.9, url: P.PRODUCT_URL }, { ip: P.IP });

process.stdout.write(JSON.stringify({ api_key: API_KEY, library: '@amplitude/analytics-node', server: `${serverUrl} (serverUrl)`, gzip: false, user_id: P.USER_ID, device, records }) + '\n');
amplitude.flush().promise.then(() => setTimeout(() => process.exit(0), 30000));
}
main();
