#!/usr/bin/env node
// Records testdata/h2split/*.pcapng: HTTP/2 requests whose header block is split into HEADERS and
// CONTINUATION frames that travel in different TCP segments (issue 20, item 1).
//
//   sudo node testdata/h2split/generate.js          (root: dumpcap on lo)
//
// Node's own HTTP/2 client (nghttp2) sends each request to a relay, which forwards every HTTP/2
// frame of the client in a TCP segment of its own, 50 ms apart, to an h2c server (Node's
// http2.createServer, prior knowledge).  dumpcap records the relay-to-server leg.  nghttp2 splits a
// header block over 16 KiB into HEADERS + CONTINUATION (RFC 9113 §6.10); a 20 KB cookie early in
// the block pushes content-type into the CONTINUATION, as a browser with large cookies does.
//
// The expectations (.expect.json) are what the client was told to send and what the server
// received and decoded itself (form, percent, base64, gzip, JSON); never the plugin's output.
'use strict';
const fs = require('fs');
const http2 = require('http2');
const net = require('net');
const path = require('path');
const zlib = require('zlib');
const { spawn, execFileSync } = require('child_process');

const HERE = __dirname;
const SERVER_PORT = 20443;
const RELAY_PORT = 20444;
const AUTHORITY = 'sa.example.com';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Java's String.hashCode() over UTF-16 code units: the Sensors crc.
function javaHash(text) {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

// What each capture's client is told to send.  Every request opens with an empty-valued header
// (x-empty) and a dry-run header in HEADERS; content-type follows the cookie, in CONTINUATION.
const SCENARIOS = {
  empty_header_continuation_h2c: {
    events: [
      { type: 'track', event: '$pageview', distinct_id: 'h2split-user-1', time: 1760000000000,
        properties: { $url: 'https://www.example.com/h2split/page?id=7',
                      $referrer: 'https://www.google.com/search?q=continuation+frames',
                      $model: 'Pixel 7' } },
      { type: 'track', event: 'search', distinct_id: 'h2split-user-1', time: 1760000001000,
        properties: { search_word: 'empty header values' } },
    ],
  },
};

// A cookie HPACK cannot shrink below 16 KiB: deterministic pseudo-random base64 text (Huffman codes
// take 6 bits a character or more), as a site's session cookies look.
function cookieValue(n) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  let x = 2463534242, out = '';
  for (let i = 0; i < n; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out += alphabet[(x >>> 0) % 64]; }
  return out;
}

function formBody(events) {
  const b64 = zlib.gzipSync(Buffer.from(JSON.stringify(events))).toString('base64');
  return `crc=${javaHash(b64)}&gzip=1&data_list=${encodeURIComponent(b64)}`;
}

// ---- the server decodes what it receives ------------------------------------------------
function decodeForm(text) {
  const form = new URLSearchParams(text);  // percent-decoding ('+' as space, as the SDK never sends '+' raw)
  const raw = text.split('&').find((p) => p.startsWith('data_list=')).slice('data_list='.length);
  const b64 = decodeURIComponent(raw);
  const json = zlib.gunzipSync(Buffer.from(b64, 'base64')).toString('utf8');
  return { gzip: form.get('gzip'), crc: Number(form.get('crc')), crc_ok: javaHash(b64) === Number(form.get('crc')),
           events: JSON.parse(json) };
}

function startServer(received) {
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      received.push({ method: headers[':method'], path: headers[':path'], authority: headers[':authority'],
                      headers: { 'x-empty': headers['x-empty'], 'dry-run': headers['dry-run'],
                                 'content-type': headers['content-type'], cookie_length: (headers.cookie || '').length },
                      payload: decodeForm(Buffer.concat(chunks).toString('latin1')) });
      stream.respond({ ':status': 200, 'content-type': 'application/json' });
      stream.end('{}');
    });
  });
  return new Promise((r) => server.listen(SERVER_PORT, '127.0.0.1', () => r(server)));
}

// ---- the relay: one TCP segment per client frame ----------------------------------------
function startRelay() {
  const relay = net.createServer((client) => {
    const upstream = net.connect(SERVER_PORT, '127.0.0.1');
    upstream.setNoDelay(true);
    upstream.pipe(client);
    let buf = Buffer.alloc(0), preface = false, queue = Promise.resolve();
    const send = (bytes) => { queue = queue.then(async () => { upstream.write(bytes); await sleep(50); }); };
    client.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!preface && buf.length >= 24) { send(buf.subarray(0, 24)); buf = buf.subarray(24); preface = true; }
      while (preface && buf.length >= 9) {
        const len = buf.readUIntBE(0, 3);
        if (buf.length < 9 + len) break;
        send(buf.subarray(0, 9 + len));
        buf = buf.subarray(9 + len);
      }
    });
    client.on('end', () => { queue = queue.then(() => upstream.end()); });
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((r) => relay.listen(RELAY_PORT, '127.0.0.1', () => r(relay)));
}

async function startDumpcap(file) {
  const p = spawn('dumpcap', ['-i', 'lo', '-f', `tcp port ${SERVER_PORT}`, '-w', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('dumpcap did not start: ' + err)), 15000);
    p.stderr.on('data', (d) => { err += d; if (/Capturing on/.test(err)) { clearTimeout(t); resolve(); } });
    p.on('exit', (c) => reject(new Error(`dumpcap exited ${c}: ${err}`)));
  });
  await sleep(500);
  return async () => { await sleep(500); const done = new Promise((r) => p.on('exit', r)); p.kill('SIGINT'); await done; };
}

async function send(events) {
  const session = http2.connect(`http://127.0.0.1:${RELAY_PORT}`);
  const body = formBody(events);
  const req = session.request({
    ':method': 'POST', ':path': '/sa?project=xmtrack', ':authority': AUTHORITY, ':scheme': 'http',
    'x-empty': '', 'dry-run': 'true', cookie: 'session=' + cookieValue(30000),
    'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)),
  });
  req.end(body);
  await new Promise((resolve, reject) => { req.on('response', () => {}); req.resume(); req.on('end', resolve); req.on('error', reject); });
  session.close();
}

function neutralise(file) {
  const tool = path.join(HERE, '..', 'tools', 'neutral_shb.py');
  if (fs.existsSync(tool)) execFileSync('python3', [tool, file], { stdio: 'inherit' });
}

async function main() {
  for (const [name, sc] of Object.entries(SCENARIOS)) {
    const file = path.join(HERE, `${name}.pcapng`);
    const received = [];
    const server = await startServer(received);
    const relay = await startRelay();
    const stop = await startDumpcap(file);
    await send(sc.events);
    await stop();
    relay.close();
    server.close();
    if (received.length !== 1) throw new Error(`${name}: the server received ${received.length} requests`);
    const got = received[0];
    if (JSON.stringify(got.payload.events) !== JSON.stringify(sc.events) || !got.payload.crc_ok ||
        got.headers['x-empty'] !== '' || got.headers['dry-run'] !== 'true')
      throw new Error(`${name}: the server did not receive what the client was told to send`);
    fs.chmodSync(file, 0o644);
    neutralise(file);
    const expect = { told: { events: sc.events, headers: { 'x-empty': '', 'dry-run': 'true' } }, received,
                     tshark_args: ['-d', `tcp.port==${SERVER_PORT},http2`] };
    fs.writeFileSync(`${file}.expect.json`, JSON.stringify(expect, null, 2) + '\n');
    console.log(`[h2split] ${name}: recorded`);
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
