/* fuzz_aes.c: the AES-CBC layer (layers/xmt_aes.h).  The first input byte
 * picks the key length (16, 24, 32, or a wrong one), the next key_len bytes
 * are the key, the rest is IV || ciphertext; a small limit is tried too. */
#include "fuzz_common.h"
#include "layers/xmt_aes.h"

static void check(const xmt_aes_result *r, gsize ct_len)
{
    if (r->kind == XMT_AES_OK) {
        if (!r->plain || r->reason)
            FUZZ_FAIL("ok without plaintext, or with a reason");
        if (r->plain_len >= ct_len || ct_len - r->plain_len > XMT_AES_BLOCK)
            FUZZ_FAIL("%" G_GSIZE_FORMAT " plaintext bytes from %" G_GSIZE_FORMAT, r->plain_len, ct_len);
        if (r->plain[r->plain_len] != 0)
            FUZZ_FAIL("plaintext not NUL-terminated");
        guint8 sum = 0;
        for (gsize i = 0; i < r->plain_len; i++)
            sum ^= r->plain[i];
        (void)sum;
    } else {
        if (r->plain || !r->reason || !g_utf8_validate(r->reason, -1, NULL))
            FUZZ_FAIL("failure (%s) with plaintext or without a UTF-8 reason", xmt_aes_kind_name(r->kind));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gsize key_lens[8] = { 16, 24, 32, 16, 0, 15, 17, 33 };
    if (size < 1)
        return 0;
    gsize key_len = key_lens[data[0] & 7];
    if (size < 1 + key_len)
        return 0;
    /* Copies of exact size, so ASan sees any read past either. */
    guint8 *key = g_malloc(key_len ? key_len : 1);
    memcpy(key, data + 1, key_len);
    gsize len = size - 1 - key_len;
    guint8 *in = g_malloc(len ? len : 1);
    memcpy(in, data + 1 + key_len, len);
    gsize ct_len = len > XMT_AES_BLOCK ? len - XMT_AES_BLOCK : 0;

    xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed(key, key_len, in, len, 0);
    check(&r, ct_len);
    xmt_aes_result_clear(&r);
    r = xmt_aes_cbc_decrypt_iv_prefixed(key, key_len, in, len, 64);
    check(&r, ct_len);
    if (r.kind == XMT_AES_OK && ct_len > 64)
        FUZZ_FAIL("the limit let %" G_GSIZE_FORMAT " bytes through", ct_len);
    xmt_aes_result_clear(&r);
    g_free(key);
    g_free(in);
    return 0;
}
