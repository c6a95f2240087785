'use strict';
// Drives the real Snowplow Node tracker (@snowplow/node-tracker) against the
// collector. Run by generate.js from a neutral folder:
//   node snowplow_node.js '<json config>'
// Prints on stdout, as one JSON line, what it told the SDK to send.
const path = require('path');
const { P, SEARCHES } = require('./persona');

const cfg = JSON.parse(process.argv[2]);
const sp = require(path.join(cfg.nm, '@snowplow', 'node-tracker'));
const APP_ID = 'xmtrack-shop-android';
const MOBILE = 'iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-2';
const GEO = 'iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-1-0';
const CUSTOMER = 'iglu:com.example/customer/jsonschema/1-0-0';
const SITE_SEARCH = 'iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0';
const PURCHASE = 'iglu:com.example/purchase/jsonschema/1-0-0';
// The documented emitter settings for another collector: endpoint, protocol, port.
const tracker = sp.newTracker({ namespace: 'sp-node', appId: APP_ID, encodeBase64: true },
  { endpoint: cfg.host, protocol: cfg.scheme, port: cfg.port, eventMethod: 'post', bufferSize: 3 });
tracker.setPlatform('mob');
tracker.setUserId(P.USER_ID);
tracker.setIpAddress(P.IP);
tracker.setLang('en-US');
tracker.setTimezone('Europe/Paris');
tracker.setScreenResolution(1080, 2400);
const DUID = '6a1f4c2e-8b3d-4f5a-9e7c-0d2b1a3c4e5f';
tracker.setDomainUserId(DUID);

// The device facts an Android app reports, as Snowplow's mobile context.
const mobile = { schema: MOBILE, data: { osType: 'android', osVersion: P.DEVICE.os_version, deviceManufacturer: P.DEVICE.manufacturer,
  deviceModel: P.DEVICE.model, carrier: 'Example Mobile', androidIdfa: P.AD_ID } };
const records = [];
function sde(schema, data, extra, call) {
  const context = [mobile].concat(extra || []);
  records.push({ e: 'ue', schema, data, context, uid: P.USER_ID, params: { ip: P.IP, p: 'mob', aid: APP_ID, duid: DUID }, call });
  tracker.track(sp.buildSelfDescribingEvent({ event: { schema, data } }), context);
}
records.push({ e: 'pv', call: 'track(buildPageView({pageUrl, pageTitle, referrer}), [mobile])', expect: { url: 'https://shop.example.com/app/home', page: 'Home', refr: SEARCHES.bing.url },
  context: [mobile], uid: P.USER_ID });
tracker.track(sp.buildPageView({ pageUrl: 'https://shop.example.com/app/home', pageTitle: 'Home', referrer: SEARCHES.bing.url }), [mobile]);
sde(SITE_SEARCH, { terms: P.SITE_SEARCH.split(' '), filters: {} }, [], 'track(buildSelfDescribingEvent(site_search), [mobile])');
sde(PURCHASE, { order_id: 'A-1001', revenue: 59.9 }, [{ schema: GEO, data: { latitude: P.LAT, longitude: P.LON } },
  { schema: CUSTOMER, data: { email: P.EMAIL, phone: P.PHONE, name: P.NAME } }], 'track(buildSelfDescribingEvent(purchase), [mobile, geolocation, customer])');
records.push({ e: 'se', call: 'track(buildStructEvent({category, action, label: email}), [mobile])', se: { se_ca: 'newsletter', se_ac: 'subscribe', se_la: P.EMAIL }, uid: P.USER_ID, context: [mobile] });
tracker.track(sp.buildStructEvent({ category: 'newsletter', action: 'subscribe', label: P.EMAIL }), [mobile]);

process.stdout.write(JSON.stringify({ app_id: APP_ID, collector: `${cfg.scheme}://${cfg.host}:${cfg.port}`, event_method: 'post', encode_base64: true, buffer_size: 3,
  user_id: P.USER_ID, ip: P.IP, duid: DUID, records }) + '\n');
tracker.flush().then(() => setTimeout(() => process.exit(0), 30000));
