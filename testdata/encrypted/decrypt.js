'use strict';
// The collector's side of the Sensors web SDK's encryption plugins: what a
// Sensors server (or the site's own server, for the general plugin) does with
// an upload it receives. It never looks at xmtrack.
//
//   AES plugin:      data=<%JSON {"key_id","key_hash","nc","payload"}>&ext=crc%3D<n>&gzip=9
//                    payload = base64(IV[16] || AES-CBC-PKCS#7(key, UTF-8 JSON of the record))
//   SM plugin:       data=<%JSON {"pkv","ekey","flush_time","payloads":[..]}>&ext=crc%3D<n>&gzip=9
//                    ekey = base64(SM2-encrypt(pub_key, SM4 key)), C1C3C2, no 04 prefix
//                    payloads[i] = base64(IV[16] || SM4-CBC-PKCS#7(key, gzip(JSON of the record)))
//   general plugin:  data=<%JSON {"pkv","ekey","payloads":[base64(UTF-8(encryptEvent(record)))]}>
//                    (no ext, no gzip): both functions are the site's own.
const crypto = require('crypto');
const zlib = require('zlib');
const path = require('path');

// Java's String.hashCode over UTF-16 code units: the SDK's _.hashCode.
function javaHash(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

// application/x-www-form-urlencoded, as a server reads it.
function parseForm(text) {
  const out = new Map();
  if (!text) return out;
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const dec = (s) => decodeURIComponent(s.replace(/\+/g, ' '));
    out.set(dec(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : dec(part.slice(eq + 1)));
  }
  return out;
}

function aesCbcDecrypt(key, iv, ct) {
  const d = crypto.createDecipheriv(`aes-${key.length * 8}-cbc`, key, iv);
  return Buffer.concat([d.update(ct), d.final()]);
}

// Textbook RSA with PKCS#1 v1.5 type 2 unpadding (what JSEncrypt's
// encrypt() produces). Node 20 refuses RSA_PKCS1_PADDING in privateDecrypt
// (CVE-2023-46809), so the test server does the arithmetic itself.
function rsaPkcs1Decrypt(privateKey, cipherBuf) {
  const jwk = privateKey.export({ format: 'jwk' });
  const big = (b64u) => BigInt('0x' + Buffer.from(b64u, 'base64url').toString('hex'));
  const n = big(jwk.n);
  const d = big(jwk.d);
  let c = BigInt('0x' + cipherBuf.toString('hex'));
  let m = 1n;
  for (let e = d, b = c % n; e > 0n; e >>= 1n, b = (b * b) % n) if (e & 1n) m = (m * b) % n;
  const k = Buffer.from(jwk.n, 'base64url').length;
  const em = Buffer.from(m.toString(16).padStart(k * 2, '0'), 'hex');
  if (em[0] !== 0 || em[1] !== 2) throw new Error('RSA: not PKCS#1 v1.5 type 2');
  const sep = em.indexOf(0, 2);
  if (sep < 10) throw new Error('RSA: bad PKCS#1 padding');
  return em.subarray(sep + 1);
}

class ServerKeys {
  constructor(nodeModules) {
    this.aes = new Map();    // key_id -> {key: Buffer, khash}
    this.sm2 = new Map();    // pkv -> private key hex
    this.rsa = new Map();    // pkv -> Node KeyObject (the site's own server)
    this.sm = require(path.join(nodeModules, 'sm-crypto'));
  }

  // The three wrappings; returns {scheme, wrapper, records, detail} or throws.
  open(dataJson) {
    const w = JSON.parse(dataJson);
    if ('key_id' in w) return this.openAes(w);
    if ('ekey' in w && 'flush_time' in w) return this.openSm(w);
    if ('ekey' in w) return this.openGeneral(w);
    throw new Error('not an encrypted wrapper: ' + Object.keys(w).join(','));
  }

  openAes(w) {
    const k = this.aes.get(w.key_id);
    if (!k) throw new Error(`no key for key_id ${w.key_id}`);
    const raw = Buffer.from(w.payload, 'base64');
    const iv = raw.subarray(0, 16);
    const plain = aesCbcDecrypt(k.key, iv, raw.subarray(16));
    const text = plain.toString('utf8');
    return { scheme: 'aes', wrapper: w, records: [JSON.parse(text)],
      detail: { key_id: w.key_id, key_hash_matches: w.key_hash === k.khash, iv_hex: iv.toString('hex'),
        payload_bytes: raw.length, ciphertext_bytes: raw.length - 16, plaintext_bytes: plain.length,
        plaintext_first_byte: text[0] } };
  }

  openSm(w) {
    const priv = this.sm2.get(w.pkv);
    if (!priv) throw new Error(`no SM2 private key for pkv ${w.pkv}`);
    const ekeyHex = Buffer.from(w.ekey, 'base64').toString('hex');
    const sm4Key = Buffer.from(this.sm.sm2.doDecrypt(ekeyHex, priv, 1, { output: 'array' }));
    if (sm4Key.length !== 16) throw new Error(`SM2 ekey opened to ${sm4Key.length} bytes, not an SM4 key`);
    const records = [];
    const ivs = [];
    for (const p of w.payloads) {
      const raw = Buffer.from(p, 'base64');
      const iv = raw.subarray(0, 16);
      ivs.push(iv.toString('hex'));
      const gz = Buffer.from(this.sm.sm4.decrypt(raw.subarray(16).toString('hex'), sm4Key.toString('hex'),
        { mode: 'cbc', iv: iv.toString('hex'), output: 'array' }));
      records.push(JSON.parse(zlib.gunzipSync(gz).toString('utf8')));
    }
    return { scheme: 'sm', wrapper: w, records,
      detail: { pkv: w.pkv, sm4_key_hex: sm4Key.toString('hex'), iv_hex: ivs, gzip_inside: true } };
  }

  openGeneral(w) {
    const priv = this.rsa.get(w.pkv);
    if (!priv) throw new Error(`no RSA private key for pkv ${w.pkv}`);
    const aesKeyB64 = rsaPkcs1Decrypt(priv, Buffer.from(w.ekey, 'base64')).toString('utf8');
    const key = Buffer.from(aesKeyB64, 'base64');
    const records = [];
    for (const p of w.payloads) {
      // The SDK base64-encodes (UTF-8) whatever encryptEvent returned; the
      // site's encryptEvent returned base64(IV || AES-CBC(JSON)).
      const inner = Buffer.from(Buffer.from(p, 'base64').toString('utf8'), 'base64');
      const plain = aesCbcDecrypt(key, inner.subarray(0, 16), inner.subarray(16));
      records.push(JSON.parse(plain.toString('utf8')));
    }
    return { scheme: 'general', wrapper: w, records, detail: { pkv: w.pkv, aes_key_base64: aesKeyB64 } };
  }
}

// One logged request -> what the server made of it.
function decodeUpload(entry, keys) {
  const q = entry.path.indexOf('?');
  const query = parseForm(q < 0 ? '' : entry.path.slice(q + 1));
  const body = Buffer.from(entry.body_base64, 'base64').toString('latin1');
  const where = query.has('data') ? 'query' : 'body';
  const form = where === 'query' ? query : parseForm(Buffer.from(entry.body_base64, 'base64').toString('utf8'));
  const data = form.get('data');
  if (data === undefined) throw new Error(`${entry.method} ${entry.path.slice(0, 60)}: no data parameter`);
  const ext = form.get('ext');
  const crc = ext && ext.startsWith('crc=') ? Number(ext.slice(4)) : undefined;
  const opened = keys.open(data);
  return {
    where,
    form_keys: [...form.keys()],
    gzip: form.get('gzip'),
    ext,
    crc,
    crc_matches_data: crc === undefined ? undefined : crc === javaHash(data),
    data_length: data.length,
    body_length: body.length,
    wrapper_keys: Object.keys(opened.wrapper),
    scheme: opened.scheme,
    detail: opened.detail,
    records: opened.records,
  };
}

module.exports = { ServerKeys, decodeUpload, javaHash, parseForm };
