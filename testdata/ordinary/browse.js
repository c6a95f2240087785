// browse.js: ordinary web traffic, none of it analytics, over HTTP/1.1 and
// HTTP/2 in clear (h2c): what xmtrack must leave unclaimed.  Run by
// record.sh, which captures it; prints what it sent as JSON.
'use strict';
const http = require('http');
const http2 = require('http2');

const [H1_PORT, H2C_PORT] = [18471, 18472];

// Page URLs with ordinary queries, some with parameter names that analytics
// formats also use (data=, stat_value=, sv=, p=) but nothing like a payload.
const GETS = [
  '/search?q=shoes&page=2',
  '/api/items?data=1',
  '/product?id=42&ref=home&data=summer',
  '/track/order?data=hello&ext=foo',
  '/stats?stat_value=abc&page=1',
  '/s?wd=xiaomi&ie=utf-8&p=3',
  '/config?sv=2&lang=en',
  '/sa.gif?project=shop&data=1',
];
// Bodies of ordinary forms and APIs.
const POSTS = [
  { path: '/login', type: 'application/x-www-form-urlencoded', body: 'username=alice&password=secret&data=remember' },
  { path: '/api/cart', type: 'application/json', body: '{"items":[1,2,3],"data":"x"}' },
  { path: '/notes', type: 'text/plain;charset=UTF-8', body: 'data=hello world' },
];

function answer(req, res) {
  let n = 0;
  req.on('data', (c) => { n += c.length; });
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<html><body>ok ' + n + '</body></html>');
  });
}

function h1(method, path, type, body) {
  return new Promise((resolve, reject) => {
    const headers = { Host: 'shop.example.com:' + H1_PORT };
    if (type) headers['Content-Type'] = type;
    const req = http.request({ host: '127.0.0.1', port: H1_PORT, method, path, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
    req.end(body);
  });
}

function h2(session, method, path, type, body) {
  return new Promise((resolve, reject) => {
    const headers = { ':method': method, ':path': path, ':authority': 'shop.example.com:' + H2C_PORT };
    if (type) headers['content-type'] = type;
    const req = session.request(headers, { endStream: !body });
    req.on('response', () => {});
    req.resume();
    req.on('end', resolve);
    req.on('error', reject);
    if (body) req.end(body);
  });
}

async function main() {
  const s1 = http.createServer(answer).listen(H1_PORT, '127.0.0.1');
  const s2 = http2.createServer(answer).listen(H2C_PORT, '127.0.0.1');
  await new Promise((r) => setTimeout(r, 200));
  for (const p of GETS) await h1('GET', p);
  for (const p of POSTS) await h1('POST', p.path, p.type, p.body);
  const session = http2.connect('http://127.0.0.1:' + H2C_PORT);
  for (const p of GETS) await h2(session, 'GET', p);
  for (const p of POSTS) await h2(session, 'POST', p.path, p.type, p.body);
  session.close();
  await new Promise((r) => setTimeout(r, 200));
  s1.close();
  s2.close();
  console.log(JSON.stringify({ http1_port: H1_PORT, h2c_port: H2C_PORT, gets: GETS, posts: POSTS }, null, 1));
}

main().catch((e) => { console.error(e); process.exit(1); });
