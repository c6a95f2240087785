'use strict';
// What the scripts tell every SDK to send: one visitor, the same values for
// every vendor, so a test can look for them by kind. All values are
// documentation values (RFC 5737 addresses, 555 numbers, example.com, the
// advertising id Google's documentation uses), never anyone's data.
const SITE_HOST = 'shop.example.com';
const SITE_PORT = 18100; // not recorded (18000 is the realsdk site's)

// Search-engine result pages the visitor arrives from (Referer / document.referrer).
const SEARCHES = {
  google: { engine: 'google', url: 'https://www.google.com/search?q=wireless+earbuds+%E5%B0%8F%E7%B1%B3&hl=en', term: 'wireless earbuds 小米' },
  duckduckgo: { engine: 'duckduckgo', url: 'https://duckduckgo.com/?q=noise+cancelling+headphones&ia=web', term: 'noise cancelling headphones' },
  bing: { engine: 'bing', url: 'https://www.bing.com/search?q=running+shoes+size+44&form=QBLH', term: 'running shoes size 44' },
};

const P = {
  USER_ID: 'user-4711',
  EMAIL: 'jane.doe@example.com',
  PHONE: '+1-202-555-0143',
  IP: '203.0.113.42',
  LAT: 48.8584,
  LON: 2.2945,
  // Google's documented example advertising id (AAID/GAID format).
  AD_ID: '38400000-8cf0-11bd-b23e-10b96e40000d',
  // What the visitor typed into the shop's own search box.
  SITE_SEARCH: 'bluetooth speaker waterproof',
  PRODUCT_URL: 'https://shop.example.com/product/42?color=black',
  NAME: 'Jane Doe',
  // Device and app facts as an app would send them (the Node SDKs let the caller set them).
  DEVICE: { model: 'Pixel 8', manufacturer: 'Google', os_name: 'Android', os_version: '14', app: 'com.example.shop', app_version: '5.2.1' },
};

function pageUrl(name) {
  return `http://${SITE_HOST}:${SITE_PORT}/${name}.html?utm_source=google&utm_medium=organic`;
}

module.exports = { SITE_HOST, SITE_PORT, SEARCHES, P, pageUrl };
