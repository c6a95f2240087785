'use strict';
// Drives the real Sensors Node SDK (sa-sdk-node) against the collector.
// Usage: node node_sdk.js <node_modules> <port> <gzip 0|1> <batch count>
// Prints on stdout, as one JSON line, what it told the SDK to send.
// One process per run: the SDK allows a single submitTo() per process
// (global.isRunSubmitTo).
const path = require('path');
const [nm, port, gzipArg, countArg] = process.argv.slice(2);
const SensorsAnalytics = require(path.join(nm, 'sa-sdk-node'));

const gzip = gzipArg === '1';
const count = Number(countArg);
const sa = new SensorsAnalytics();
const url = `http://127.0.0.1:${port}/sa?project=xmtrack`;
// gzip defaults to true in the SDK; `count` batches that many records per request.
sa.submitTo({ url, gzip }, count > 1 ? { mode: 'count', count } : {});
sa.registerSuperProperties({ $app_version: '3.2.1', server_region: 'cn-north' });

const told = [];
function track(distinctId, event, props) {
  told.push({ type: 'track', event, distinct_id: distinctId, properties: props });
  sa.track(distinctId, event, props);
}
function profileSet(distinctId, props) {
  told.push({ type: 'profile_set', distinct_id: distinctId, properties: props });
  sa.profileSet(distinctId, props);
}

const user = 'node_user_2024';
track(user, 'search', { search_word: 'redmi note 13 pro', $ip: '203.0.113.7' });
track(user, 'view_page', { $url: 'https://shop.example.com/item/7?from=search', $referrer: 'https://www.bing.com/search?q=redmi+note+13+pro' });
track(user, 'store_visit', { $latitude: 31230416, $longitude: 121473701, store_id: 'SH-001' });
profileSet(user, { $phone: '+8613800138000', email: 'node.user@example.com', $city: 'Shanghai' });
track(user, 'checkout', { order_id: 'A1001', $url: 'https://shop.example.com/checkout' });
track(user, 'logout', {});

process.stdout.write(JSON.stringify({ url, gzip, count, super_properties: { $app_version: '3.2.1', server_region: 'cn-north' }, told }) + '\n');
// The submitter posts asynchronously; the parent waits for the collector to
// have everything, then ends this process.
setTimeout(() => process.exit(0), 20000);
