/* test_aes.c: the AES-CBC layer (layers/xmt_aes.h) against vectors the
 * openssl command line made (aes_vectors.h, from make_aes_vectors.py). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_aes.h"
#include "aes_vectors.h"

static void check_vector(gconstpointer data)
{
    const aes_vector *v = data;
    xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed((const guint8 *)v->key, v->key_len,
                                                       (const guint8 *)v->payload, v->payload_len, 0);
    g_assert_cmpstr(xmt_aes_kind_name(r.kind), ==, xmt_aes_kind_name(v->kind));
    if (v->kind == XMT_AES_OK) {
        g_assert_null(r.reason);
        g_assert_nonnull(r.plain);
        g_assert_cmpmem(r.plain, r.plain_len, v->plain, v->plain_len);
        g_assert_cmpint(r.plain[r.plain_len], ==, 0);
    } else {
        g_assert_null(r.plain);
        g_assert_cmpuint(r.plain_len, ==, 0);
        g_assert_nonnull(r.reason);
        g_assert_true(g_utf8_validate(r.reason, -1, NULL));
        g_assert_cmpuint(strlen(r.reason), >, 10);
    }
    xmt_aes_result_clear(&r);
    g_assert_null(r.plain);
}

/* The IV passed apart gives the same plaintext. */
static void test_iv_apart(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(aes_vectors); i++) {
        const aes_vector *v = &aes_vectors[i];
        if (v->kind != XMT_AES_OK)
            continue;
        xmt_aes_result r = xmt_aes_cbc_decrypt((const guint8 *)v->key, v->key_len, (const guint8 *)v->payload,
                                               (const guint8 *)v->payload + 16, v->payload_len - 16, 0);
        g_assert_cmpint(r.kind, ==, XMT_AES_OK);
        g_assert_cmpmem(r.plain, r.plain_len, v->plain, v->plain_len);
        xmt_aes_result_clear(&r);
    }
}

/* A limit below the ciphertext's length refuses it before any work; at the
 * length it passes. */
static void test_limit(void)
{
    const aes_vector *v = &aes_vectors[0];
    gsize ct = v->payload_len - 16;
    xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed((const guint8 *)v->key, v->key_len,
                                                       (const guint8 *)v->payload, v->payload_len, ct - 16);
    g_assert_cmpint(r.kind, ==, XMT_AES_TOO_LONG);
    g_assert_nonnull(strstr(r.reason, "limit"));
    xmt_aes_result_clear(&r);
    r = xmt_aes_cbc_decrypt_iv_prefixed((const guint8 *)v->key, v->key_len, (const guint8 *)v->payload,
                                        v->payload_len, ct);
    g_assert_cmpint(r.kind, ==, XMT_AES_OK);
    xmt_aes_result_clear(&r);
}

/* Every prefix of a good payload: an answer for each, never a read past the
 * given length (valgrind/ASan runs of this test would show one), and only
 * the whole payload decrypts. */
static void test_every_prefix(void)
{
    const aes_vector *v = &aes_vectors[0];
    for (gsize n = 0; n <= v->payload_len; n++) {
        guint8 *copy = g_memdup2(v->payload, n ? n : 1);
        xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed((const guint8 *)v->key, v->key_len, copy, n, 0);
        if (n == v->payload_len)
            g_assert_cmpint(r.kind, ==, XMT_AES_OK);
        else
            g_assert_cmpint(r.kind, !=, XMT_AES_OK);
        if (n < 16)
            g_assert_cmpint(r.kind, ==, XMT_AES_NO_IV);
        else if (n == 16)
            g_assert_cmpint(r.kind, ==, XMT_AES_NO_CIPHERTEXT);
        else if ((n - 16) % 16)
            g_assert_cmpint(r.kind, ==, XMT_AES_NOT_BLOCKS);
        xmt_aes_result_clear(&r);
        g_free(copy);
    }
}

/* A bit flipped in the IV changes the first plaintext block only (CBC): the
 * padding still holds, the plaintext differs exactly there. */
static void test_iv_flip(void)
{
    const aes_vector *v = &aes_vectors[0];
    guint8 *copy = g_memdup2(v->payload, v->payload_len);
    copy[3] ^= 0x01;
    xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed((const guint8 *)v->key, v->key_len, copy, v->payload_len, 0);
    g_assert_cmpint(r.kind, ==, XMT_AES_OK);
    g_assert_cmpint(r.plain[3], ==, v->plain[3] ^ 0x01);
    g_assert_cmpmem(r.plain + 16, r.plain_len - 16, v->plain + 16, v->plain_len - 16);
    xmt_aes_result_clear(&r);
    g_free(copy);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(aes_vectors); i++) {
        char *path = g_strdup_printf("/aes/openssl/%s", aes_vectors[i].name);
        g_test_add_data_func(path, &aes_vectors[i], check_vector);
        g_free(path);
    }
    g_test_add_func("/aes/iv_apart", test_iv_apart);
    g_test_add_func("/aes/limit", test_limit);
    g_test_add_func("/aes/every_prefix", test_every_prefix);
    g_test_add_func("/aes/iv_flip", test_iv_flip);
    return g_test_run();
}
