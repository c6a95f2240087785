/* xmt_aes.c: AES-CBC + PKCS#7 over libgcrypt (xmt_aes.h). */
#include "layers/xmt_aes.h"

#include <string.h>
#include <wsutil/wsgcrypt.h>

const char *xmt_aes_kind_name(xmt_aes_kind kind)
{
    switch (kind) {
    case XMT_AES_OK:             return "ok";
    case XMT_AES_BAD_KEY_LENGTH: return "bad key length";
    case XMT_AES_NO_IV:          return "short IV";
    case XMT_AES_NO_CIPHERTEXT:  return "no ciphertext";
    case XMT_AES_NOT_BLOCKS:     return "not whole blocks";
    case XMT_AES_TOO_LONG:       return "too long";
    case XMT_AES_BAD_PADDING:    return "bad padding";
    case XMT_AES_CIPHER_ERROR:   return "cipher error";
    }
    return "unknown";
}

static xmt_aes_result failure(xmt_aes_kind kind, char *reason)
{
    xmt_aes_result r = { kind, reason, NULL, 0 };
    return r;
}

static void gcrypt_ready(void)
{
    /* Inside Wireshark epan has initialised libgcrypt; unit tests and fuzzers have not. */
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
        gcry_check_version(NULL);
}

static int cipher_for(gsize key_len)
{
    switch (key_len) {
    case 16: return GCRY_CIPHER_AES128;
    case 24: return GCRY_CIPHER_AES192;
    case 32: return GCRY_CIPHER_AES256;
    default: return 0;
    }
}

/* PKCS#7: the last byte n (1..16) repeated n times.  Every pad byte is
 * checked: a wrong key leaves random bytes there, which this rejects but for
 * about one key in 256 (a final 0x01), whose plaintext then reads as noise. */
static gboolean pkcs7_plain_len(const guint8 *data, gsize len, gsize *plain_len)
{
    guint8 pad = data[len - 1];
    if (pad == 0 || pad > XMT_AES_BLOCK)
        return FALSE;
    for (gsize i = len - pad; i < len; i++)
        if (data[i] != pad)
            return FALSE;
    *plain_len = len - pad;
    return TRUE;
}

xmt_aes_result xmt_aes_cbc_decrypt(const guint8 *key, gsize key_len, const guint8 *iv,
                                   const guint8 *ct, gsize ct_len, gsize max_len)
{
    int algo = cipher_for(key_len);
    if (!algo)
        return failure(XMT_AES_BAD_KEY_LENGTH,
                       g_strdup_printf("a %" G_GSIZE_FORMAT "-byte key: AES needs 16, 24 or 32 bytes", key_len));
    if (ct_len == 0)
        return failure(XMT_AES_NO_CIPHERTEXT, g_strdup("no ciphertext after the IV"));
    if (ct_len % XMT_AES_BLOCK)
        return failure(XMT_AES_NOT_BLOCKS,
                       g_strdup_printf("%" G_GSIZE_FORMAT " bytes of ciphertext are not a whole number of 16-byte "
                                       "blocks (truncated?)", ct_len));
    if (max_len && ct_len > max_len)
        return failure(XMT_AES_TOO_LONG,
                       g_strdup_printf("%" G_GSIZE_FORMAT " bytes of ciphertext, more than the limit of %"
                                       G_GSIZE_FORMAT, ct_len, max_len));
    gcrypt_ready();
    guint8 *out = g_malloc(ct_len + 1);
    gcry_cipher_hd_t hd;
    gcry_error_t err = gcry_cipher_open(&hd, algo, GCRY_CIPHER_MODE_CBC, 0);
    if (!err) {
        err = gcry_cipher_setkey(hd, key, key_len);
        if (!err)
            err = gcry_cipher_setiv(hd, iv, XMT_AES_BLOCK);
        if (!err)
            err = gcry_cipher_decrypt(hd, out, ct_len, ct, ct_len);
        gcry_cipher_close(hd);
    }
    if (err) {
        g_free(out);
        return failure(XMT_AES_CIPHER_ERROR, g_strdup_printf("libgcrypt: %s", gcry_strerror(err)));
    }
    gsize plain_len = 0;
    if (!pkcs7_plain_len(out, ct_len, &plain_len)) {
        guint8 last = out[ct_len - 1];
        g_free(out);
        return failure(XMT_AES_BAD_PADDING,
                       g_strdup_printf("bad PKCS#7 padding after decryption (last byte 0x%02x): the key is not "
                                       "the one used, or the payload was altered", last));
    }
    out[plain_len] = '\0';
    xmt_aes_result r = { XMT_AES_OK, NULL, out, plain_len };
    return r;
}

xmt_aes_result xmt_aes_cbc_decrypt_iv_prefixed(const guint8 *key, gsize key_len, const guint8 *in, gsize len,
                                               gsize max_len)
{
    if (!cipher_for(key_len))
        return xmt_aes_cbc_decrypt(key, key_len, NULL, NULL, 0, max_len);
    if (len < XMT_AES_BLOCK)
        return failure(XMT_AES_NO_IV,
                       g_strdup_printf("%" G_GSIZE_FORMAT " bytes: shorter than the 16-byte IV that leads the "
                                       "payload", len));
    return xmt_aes_cbc_decrypt(key, key_len, in, in + XMT_AES_BLOCK, len - XMT_AES_BLOCK, max_len);
}

void xmt_aes_result_clear(xmt_aes_result *r)
{
    g_free(r->reason);
    g_free(r->plain);
    memset(r, 0, sizeof *r);
}
