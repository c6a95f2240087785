/* fuzz_lzstring.c: the LZ-string layer (layers/xmt_lzstring.h).
 *
 * Input: one byte choosing the output limit (low 2 bits: 1 byte, 64 bytes,
 * 64 KiB, the plugin's default 16 MiB), then the compressToBase64 or
 * compressToEncodedURIComponent text.  Checked: the typed result and the
 * reason agree, the output stays within the limit and is UTF-8 (U+0000
 * allowed), and a complete text decodes again to the same bytes under a
 * limit of exactly its length, and to a prefix of them under half of it. */
#include "fuzz_common.h"
#include "layers/xmt_lzstring.h"

/* UTF-8 in which U+0000 is a character (g_utf8_validate stops at a 0 byte). */
static gboolean utf8_with_nul(const guint8 *s, gsize len)
{
    gsize i = 0;
    while (i < len) {
        const guint8 *nul = memchr(s + i, 0, len - i);
        gsize seg = nul ? (gsize)(nul - (s + i)) : len - i;
        if (seg && !g_utf8_validate((const char *)s + i, (gssize)seg, NULL))
            return FALSE;
        i += seg + (nul ? 1 : 0);
    }
    return TRUE;
}

static guint8 *decode_checked(const guint8 *in, gsize len, gsize limit, gsize *n, xmt_lzstring_result *res)
{
    char *error = NULL;
    *n = 12345;
    *res = (xmt_lzstring_result)-1;
    guint8 *out = xmt_lzstring_decompress(in, len, limit, n, res, &error);
    if ((int)*res < XMT_LZSTRING_OK || *res > XMT_LZSTRING_OUTPUT_LIMIT)
        FUZZ_FAIL("result %d", (int)*res);
    if (strcmp(xmt_lzstring_result_name(*res), "unknown") == 0)
        FUZZ_FAIL("result %d has no name", (int)*res);
    if ((*res == XMT_LZSTRING_OK) != (error == NULL))
        FUZZ_FAIL("result %s with reason %s", xmt_lzstring_result_name(*res), error ? error : "(none)");
    if (error && (!*error || !g_utf8_validate(error, -1, NULL)))
        FUZZ_FAIL("reason empty or not UTF-8");
    if ((out == NULL) != (*n == 0))
        FUZZ_FAIL("output %p with length %" G_GSIZE_FORMAT, (void *)out, *n);
    if (*n > limit)
        FUZZ_FAIL("%" G_GSIZE_FORMAT " bytes with a limit of %" G_GSIZE_FORMAT, *n, limit);
    if (out && !utf8_with_nul(out, *n))
        FUZZ_FAIL("output of %" G_GSIZE_FORMAT " bytes is not UTF-8", *n);
    g_free(error);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gsize limits[4] = { 1, 64, 64 * 1024, 16u * 1024u * 1024u };
    if (size < 1)
        return 0;
    const gsize limit = limits[data[0] & 3];
    guint8 *in = g_malloc(size - 1 ? size - 1 : 1);  /* exact size, so ASan sees overreads */
    memcpy(in, data + 1, size - 1);
    const gsize len = size - 1;
    (void)xmt_lzstring_has_json_prefix(in, len);

    gsize n = 0;
    xmt_lzstring_result res;
    guint8 *out = decode_checked(in, len, limit, &n, &res);
    if (res == XMT_LZSTRING_OK && n > 0) {
        gsize n2 = 0;
        xmt_lzstring_result res2;
        guint8 *again = decode_checked(in, len, n, &n2, &res2);
        if (res2 != XMT_LZSTRING_OK || n2 != n || memcmp(again, out, n) != 0)
            FUZZ_FAIL("a limit of exactly %" G_GSIZE_FORMAT " bytes gave %s and %" G_GSIZE_FORMAT " bytes",
                      n, xmt_lzstring_result_name(res2), n2);
        g_free(again);
        guint8 *half = decode_checked(in, len, n / 2, &n2, &res2);
        if (n2 > n / 2 || (n2 && memcmp(half, out, n2) != 0) || (n / 2 > 0 && res2 != XMT_LZSTRING_OUTPUT_LIMIT))
            FUZZ_FAIL("a limit of %" G_GSIZE_FORMAT " gave %s and %" G_GSIZE_FORMAT " bytes, not a prefix",
                      n / 2, xmt_lzstring_result_name(res2), n2);
        g_free(half);
    }
    g_free(out);
    g_free(in);
    return 0;
}
