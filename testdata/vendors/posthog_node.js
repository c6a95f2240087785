'use strict';
// Drives the real PostHog Node SDK (posthog-node) against the collector.
// Run by generate.js from a neutral folder: node posthog_node.js '<json config>'
// Prints on stdout, as one JSON line, what it told the SDK to send.
const path = require('path');
const { P } = require('./persona');

const cfg = JSON.parse(process.argv[2]);
const { PostHog } = require(path.join(cfg.nm, 'posthog-node'));
const API_KEY = 'phc_xmtrack0posthog0project0key00002';
const host = `${cfg.scheme}://${cfg.host}:${cfg.port}`;
// The documented setting for another host: host; flushAt batches.
const client = new PostHog(API_KEY, { host, flushAt: 3, flushInterval: 1500, disableGeoip: false });

// An Android app's backend, with the device facts the app reported (PostHog's property names).
const device = { $os: P.DEVICE.os_name, $os_version: P.DEVICE.os_version, $device_model: P.DEVICE.model, $device_manufacturer: P.DEVICE.manufacturer,
  $device_type: 'Mobile', $app_version: P.DEVICE.app_version, $app_namespace: P.DEVICE.app, $device_id: P.AD_ID };
const records = [];
function capture(event, props) {
  const properties = Object.assign({}, device, props);
  records.push({ event, call: `client.capture({distinctId, event: ${JSON.stringify(event)}, properties})`, properties, distinct_id: P.USER_ID });
  client.capture({ distinctId: P.USER_ID, event, properties });
}
capture('search', { search_term: P.SITE_SEARCH, $current_url: 'https://shop.example.com/search?q=bluetooth+speaker+waterproof', $ip: P.IP });
const set = { email: P.EMAIL, phone: P.PHONE, name: P.NAME };
records.push({ event: '$identify', call: 'client.identify({distinctId, properties: {email, phone, name}})', set, distinct_id: P.USER_ID });
client.identify({ distinctId: P.USER_ID, properties: set });
capture('store_visit', { store_id: 'PAR-01', latitude: P.LAT, longitude: P.LON });
capture('purchase', { order_id: 'A-1001', revenue: 59.9, url: P.PRODUCT_URL, advertising_id: P.AD_ID });

process.stdout.write(JSON.stringify({ api_key: API_KEY, library: 'posthog-node', host, compression: 'gzip-js', user_id: P.USER_ID, device, records }) + '\n');
client.flush().then(() => setTimeout(() => process.exit(0), 30000));
