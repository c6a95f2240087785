#!/usr/bin/env python3
"""Writes tests/unit/aes_vectors.h: AES-CBC test vectors for test_aes.c, made
with the openssl command line (`openssl enc -aes-NNN-cbc -K .. -iv .. -nosalt`),
never with the code under test.

    python3 tests/unit/make_aes_vectors.py        # rewrites aes_vectors.h

Each vector is IV || ciphertext (the Sensors web AES plugin's payload before
base64), with the key, the plaintext openssl was given, and the result kind
test_aes.c must get.  The wrong-key and truncated cases are checked here with
`openssl enc -d` too: openssl must fail on them ("bad decrypt"), so the vector
is sure to carry broken padding rather than a lucky 0x01.
Standard library only (the project has no PyPI)."""
import hashlib
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "aes_vectors.h")


def key(n, label):
    return hashlib.sha512(f"xmtrack aes vector key {label}".encode()).digest()[:n]


def iv(label):
    # The plugin's IVs are 16 bytes of 0x00..0x7f (Math.ceil(127*random)); any 16 bytes work.
    return bytes(b & 0x7f for b in hashlib.sha256(f"xmtrack aes vector iv {label}".encode()).digest()[:16])


def openssl(args, data):
    p = subprocess.run(["openssl", "enc"] + args, input=data, capture_output=True)
    return p.returncode, p.stdout


def encrypt(k, v, plain, nopad=False):
    args = [f"-aes-{len(k) * 8}-cbc", "-K", k.hex(), "-iv", v.hex(), "-nosalt"] + (["-nopad"] if nopad else [])
    rc, out = openssl(args, plain)
    assert rc == 0, "openssl enc failed"
    return out


def openssl_refuses(k, v, ct):
    rc, _ = openssl(["-d", f"-aes-{len(k) * 8}-cbc", "-K", k.hex(), "-iv", v.hex(), "-nosalt"], ct)
    return rc != 0


RECORD = ('{"distinct_id":"xmtrack-web-visitor-0002","lib":{"$lib":"js","$lib_method":"code","$lib_version":"1.27.11"},'
          '"properties":{"search_word":"xiaomi 14 ultra price","$url":"http://shop.example.com:18100/p.html",'
          '"email":"visitor@example.com","$city":"北京"},"type":"track","event":"search","_track_id":123456789}').encode()

vectors = []  # (name, key, iv||ct, plaintext or None, kind)


def add(name, k, payload, plain, kind):
    vectors.append((name, k, payload, plain, kind))


for n in (16, 24, 32):
    k, v = key(n, n), iv(n)
    add(f"aes{n * 8}_record", k, v + encrypt(k, v, RECORD), RECORD, "XMT_AES_OK")
k, v = key(16, 16), iv("empty")
add("aes128_empty_plaintext", k, v + encrypt(k, v, b""), b"", "XMT_AES_OK")            # one block of 16 x 0x10
block = b"0123456789abcdef"
add("aes128_one_block_plaintext", k, v + encrypt(k, v, block), block, "XMT_AES_OK")    # a whole padding block after it

# A wrong key: the same payload as aes128_record under another key.
good = vectors[0][2]
wrong = key(16, "wrong")
assert openssl_refuses(wrong, good[:16], good[16:]), "openssl opened the wrong-key vector: pick another label"
add("aes128_wrong_key", wrong, good, None, "XMT_AES_BAD_PADDING")
# The right key, padding bytes that disagree (…05 05 05 04 05) and a zero pad byte.
bad = RECORD[:16 * 3] + b"abcdefghijk\x05\x05\x05\x04\x05"
add("aes128_inconsistent_padding", k, v + encrypt(k, v, bad, nopad=True), None, "XMT_AES_BAD_PADDING")
zero = RECORD[:16 * 2] + b"abcdefghijklmno\x00"
add("aes128_zero_pad_byte", k, v + encrypt(k, v, zero, nopad=True), None, "XMT_AES_BAD_PADDING")
big = RECORD[:16 * 2] + b"abcdefghijklmno\x11"
add("aes128_pad_byte_over_16", k, v + encrypt(k, v, big, nopad=True), None, "XMT_AES_BAD_PADDING")
# Truncated: five bytes short (not whole blocks); the last block dropped
# (whole blocks, but the padding is gone: openssl must refuse it too).
add("aes128_truncated_5", vectors[0][1], good[:-5], None, "XMT_AES_NOT_BLOCKS")
cut = good[:-16]
assert openssl_refuses(vectors[0][1], cut[:16], cut[16:])
add("aes128_last_block_dropped", vectors[0][1], cut, None, "XMT_AES_BAD_PADDING")
add("aes128_iv_only", vectors[0][1], good[:16], None, "XMT_AES_NO_CIPHERTEXT")
add("aes128_short_iv", vectors[0][1], good[:10], None, "XMT_AES_NO_IV")
add("aes128_empty_input", vectors[0][1], b"", None, "XMT_AES_NO_IV")
add("key_15_bytes", key(15, 15), good, None, "XMT_AES_BAD_KEY_LENGTH")
add("key_20_bytes", key(20, 20), good, None, "XMT_AES_BAD_KEY_LENGTH")


def c_bytes(b):
    return '"' + "".join(f"\\x{x:02x}" for x in b) + '"'


with open(OUT, "w") as f:
    f.write("/* aes_vectors.h: written by tests/unit/make_aes_vectors.py with the openssl command line\n"
            f" * ({subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()}); do not edit. */\n")
    f.write("typedef struct {\n    const char *name;\n    const char *key; gsize key_len;\n"
            "    const char *payload; gsize payload_len;   /* IV || ciphertext */\n"
            "    const char *plain; gsize plain_len;       /* NULL unless kind is XMT_AES_OK */\n"
            "    xmt_aes_kind kind;\n} aes_vector;\n\n")
    f.write("static const aes_vector aes_vectors[] = {\n")
    for name, k, payload, plain, kind in vectors:
        f.write(f'    {{ "{name}",\n      {c_bytes(k)}, {len(k)},\n      {c_bytes(payload)}, {len(payload)},\n')
        f.write(f"      {c_bytes(plain) if plain is not None else 'NULL'}, {len(plain) if plain is not None else 0},\n")
        f.write(f"      {kind} }},\n")
    f.write("};\n")
print(f"{OUT}: {len(vectors)} vectors", file=sys.stderr)

# The same vectors as seeds of fuzz_aes (tests/fuzz/fuzz_aes.c reads a key-length
# selector byte, the key, then IV || ciphertext), named by SHA-1 as the other corpora.
SEEDS = os.path.join(os.path.dirname(HERE), "fuzz", "corpus", "aes")
SELECTOR = {16: 0, 24: 1, 32: 2, 15: 5}
os.makedirs(SEEDS, exist_ok=True)
for name, k, payload, plain, kind in vectors:
    if len(k) not in SELECTOR:
        continue
    seed = bytes([SELECTOR[len(k)]]) + k + payload
    with open(os.path.join(SEEDS, hashlib.sha1(seed).hexdigest()), "wb") as f:
        f.write(seed)
print(f"{SEEDS}: seeds written", file=sys.stderr)
