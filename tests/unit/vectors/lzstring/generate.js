#!/usr/bin/env node
// Writes the LZ-string test vectors of tests/unit/test_lzstring.c with the
// lz-string library's OWN compressor (the version pinned in package-lock.json):
//
//   NAME.txt   the text, as UTF-8 (Node's encoder: an unpaired surrogate is U+FFFD)
//   NAME.lz64  LZString.compressToBase64(text)              (posthog-js `lz64`)
//   NAME.uri   LZString.compressToEncodedURIComponent(text)
//   bomb.lz64  4,000,000 x "a" (the text itself is not committed)
//   bad_*.lz64 valid streams damaged on purpose; malformed.tsv says how, and
//              what lz-string's own decompressFromBase64 returns for each
//
//   tests/unit/vectors/lzstring/generate.sh     (npm ci into a cache outside the repo, then this)
//
// Every valid vector is checked to round-trip through the library's own
// decompressFromBase64 and decompressFromEncodedURIComponent before it is written.
'use strict';
const fs = require('fs');
const path = require('path');

const modules = process.argv[2];
if (!modules) {
  console.error('usage: node generate.js <node_modules folder>');
  process.exit(2);
}
const LZString = require(path.join(modules, 'lz-string'));
const HERE = __dirname;

// A PostHog batch as posthog-js 1.x built it before compressing: an array of
// {event, properties:{token, distinct_id, $device_id, $current_url, ...}}.
function posthogBatch() {
  const common = {
    token: 'phc_xmtrackTestToken0123456789abcdefABCDEF',
    distinct_id: '0189a3c1-5b2e-7d4f-8a6b-2c9e1f0a3b4d',
    $device_id: '0189a3c1-5b2e-7d4f-8a6b-2c9e1f0a3b4d',
    $os: 'Linux', $browser: 'Chrome', $browser_version: 120,
    $lib: 'web', $lib_version: '1.62.0',
    $screen_height: 1080, $screen_width: 1920,
    $current_url: 'https://shop.example.com/search?q=running+shoes&page=2',
    $host: 'shop.example.com', $pathname: '/search',
    $referrer: 'https://www.google.com/search?q=xmtrack+privacy',
    $referring_domain: 'www.google.com',
  };
  return JSON.stringify([
    { event: '$pageview', properties: Object.assign({}, common, { $insert_id: 'kq9x1v0c3m2b7n5d', $time: 1690000000.123 }), timestamp: '2023-07-22T04:26:40.123Z' },
    { event: 'search', properties: Object.assign({}, common, { query: 'running shoes', results: 42, $insert_id: 'p3o9i8u7y6t5r4e2', $time: 1690000001.456 }), timestamp: '2023-07-22T04:26:41.456Z' },
    { event: '$identify', properties: Object.assign({}, common, { $anon_distinct_id: '0189a3c1-5b2e-7d4f-8a6b-2c9e1f0a3b4d', $set: { email: 'alice@example.com', name: 'Alice' } }), $set: { email: 'alice@example.com' } },
  ]);
}

function repetitive() {
  const line = 'The quick brown fox jumps over the lazy dog; pack my box with five dozen liquor jugs. ';
  let s = '';
  for (let i = 0; i < 250; i++)
    s += line + (i % 7) + '\n';
  return s;
}

const vectors = {
  ascii: 'Hello, world! The quick brown fox jumps over the lazy dog.',
  repetitive: repetitive(),
  posthog_batch: posthogBatch(),
  posthog_event: JSON.stringify({ event: '$pageview', properties: { distinct_id: 'alice', $current_url: 'https://example.com/' } }),
  emoji: 'Party \u{1F389} time \u{1F469}\u200D\u{1F4BB} music \u{1D11E} and \u{1F600}\u{1F600}\u{1F600}!',
  chinese: '\u9690\u79c1\u4fdd\u62a4\u6d4b\u8bd5\uff1a\u641c\u7d22\u8bcd \u5c0f\u7c73 \u6d4f\u89c8\u5668 \u9690\u79c1\u4fdd\u62a4',
  latin1: 'caf\u00e9 na\u00efve fa\u00e7ade stra\u00dfe \u00ff\u00fe \u00a9 2023',
  empty: '',
  one_char: 'a',
  nul: 'a\u0000b',
  lone_surrogates: 'x\uD83Dy\uDE00z\uD83D',
};

function writeVector(name, text) {
  const b64 = LZString.compressToBase64(text);
  const uri = LZString.compressToEncodedURIComponent(text);
  if (LZString.decompressFromBase64(b64) !== text || LZString.decompressFromEncodedURIComponent(uri) !== text)
    throw new Error(name + ': lz-string does not round-trip its own output');
  fs.writeFileSync(path.join(HERE, name + '.txt'), Buffer.from(text, 'utf8'));
  fs.writeFileSync(path.join(HERE, name + '.lz64'), b64);
  fs.writeFileSync(path.join(HERE, name + '.uri'), uri);
  return { b64, uri };
}

const out = {};
for (const [name, text] of Object.entries(vectors))
  out[name] = writeVector(name, text);

// Both alphabets' own symbols must occur somewhere, or the tests prove less.
const allB64 = Object.values(out).map(v => v.b64).join('');
const allUri = Object.values(out).map(v => v.uri).join('');
for (const [s, c] of [[allB64, '+'], [allB64, '/'], [allB64, '='], [allUri, '-'], [allUri, '+']])
  if (!s.includes(c))
    throw new Error('no "' + c + '" in the vectors');

// The bomb: a few KB that expand to 4 MB.
const BOMB = 4000000;
const bomb = LZString.compressToBase64('a'.repeat(BOMB));
if (LZString.decompressFromBase64(bomb) !== 'a'.repeat(BOMB))
  throw new Error('bomb does not round-trip');
fs.writeFileSync(path.join(HERE, 'bomb.lz64'), bomb);

// Malformed inputs, made from valid ones.  The verdict of lz-string's own
// decoder is recorded; xmtrack's expectations are in test_lzstring.c.
function jsVerdict(s) {
  const r = LZString.decompressFromBase64(s);
  if (r === null) return 'null';
  if (r === '') return 'empty string';
  return 'text of ' + r.length + ' units';
}
const batch = out.posthog_batch.b64;
const unpadded = batch.replace(/=+$/, '');
const malformed = [];
function bad(name, how, s) {
  fs.writeFileSync(path.join(HERE, name + '.lz64'), s);
  malformed.push([name, how, jsVerdict(s)]);
}
bad('bad_cut_half', 'posthog_batch.lz64, its first half', batch.slice(0, Math.floor(batch.length / 2)));
bad('bad_cut_tail', 'posthog_batch.lz64 without its padding and last 2 symbols (inside the end code)',
    unpadded.slice(0, unpadded.length - 2));
bad('bad_char', 'ascii.lz64 with "!" inserted at offset 10', out.ascii.b64.slice(0, 10) + '!' + out.ascii.b64.slice(10));
bad('bad_pad_inside', 'ascii.lz64 with its symbol at offset 8 replaced by "="',
    out.ascii.b64.slice(0, 8) + '=' + out.ascii.b64.slice(9));
bad('bad_trailing', 'posthog_batch.lz64 followed by "AAAA"', batch + 'AAAA');
// The first symbol change from offset 20 on that makes lz-string's decoder
// return null: a code naming no dictionary entry.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
let badCode = null;
for (let at = 20; at < unpadded.length && !badCode; at++)
  for (const c of ALPHABET) {
    const s = batch.slice(0, at) + c + batch.slice(at + 1);
    if (LZString.decompressFromBase64(s) === null) {
      badCode = [at, c, s];
      break;
    }
  }
if (!badCode)
  throw new Error('no single-symbol change gives a bad code');
bad('bad_code', 'posthog_batch.lz64 with the symbol at offset ' + badCode[0] + ' replaced by "' + badCode[1] + '"', badCode[2]);

fs.writeFileSync(path.join(HERE, 'malformed.tsv'),
  '# name\thow it was made\twhat lz-string ' + require(path.join(modules, 'lz-string', 'package.json')).version +
  ' decompressFromBase64 returns\n' + malformed.map(r => r.join('\t')).join('\n') + '\n');
console.log('wrote ' + Object.keys(vectors).length + ' vectors, bomb.lz64 (' + bomb.length + ' symbols for ' + BOMB +
            ' units) and ' + malformed.length + ' malformed inputs');
