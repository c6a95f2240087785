/* test_common.h: fixture builders shared by the unit tests.
 *
 * The fixtures are made inside the tests with zlib and GLib, so each test
 * shows what it feeds the decoder.  Everything here is static inline, so a
 * test that uses only part of it builds without unused-function warnings. */
#ifndef XMT_TEST_COMMON_H
#define XMT_TEST_COMMON_H

#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "formats/xmt_dispatch.h"

/* The name of the format every format together recognises the request as, or NULL. */
static inline const char *recognised_as(const xmt_request *req)
{
    const xmt_format *f = xmt_recognise(req, XMT_ALL_FORMATS);
    return f ? f->name : NULL;
}

/* Window bits for deflateInit2(): the three wrappers xmt_inflate() reads. */
#define TEST_WBITS_GZIP    (15 + 16)
#define TEST_WBITS_ZLIB    15
#define TEST_WBITS_DEFLATE (-15)

/* Compresses in[0..len) with the given wrapper; g_malloc'd result. */
static inline guint8 *test_compress(const void *in, gsize len, int window_bits, int level, gsize *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    g_assert_cmpint(deflateInit2(&zs, level, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
    gsize cap = deflateBound(&zs, (uLong)len) + 64;
    guint8 *out = g_malloc(cap);
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    g_assert_cmpint(deflate(&zs, Z_FINISH), ==, Z_STREAM_END);
    *out_len = zs.total_out;
    g_assert_cmpint(deflateEnd(&zs), ==, Z_OK);
    return out;
}

static inline guint8 *test_gzip(const void *in, gsize len, gsize *out_len)
{
    return test_compress(in, len, TEST_WBITS_GZIP, Z_BEST_COMPRESSION, out_len);
}

/* base64(gzip(text)), as the Android SDK builds data_list; g_malloc'd. */
static inline char *test_b64_gzip(const char *text)
{
    gsize n = 0;
    guint8 *gz = test_gzip(text, strlen(text), &n);
    char *b64 = g_base64_encode(gz, n);
    g_free(gz);
    return b64;
}

/* Percent-encoding as Uri.Builder and encodeURIComponent do it: every byte
 * but the unreserved ones escaped, so base64's + / = become %2B %2F %3D. */
static inline char *test_pct(const char *text)
{
    return g_uri_escape_string(text, NULL, FALSE);
}

/* A reference Java String.hashCode() written independently of the core,
 * over UTF-16 code units of valid UTF-8 text. */
static inline gint32 test_java_hash_ref(const char *utf8)
{
    glong n = 0;
    gunichar2 *units = g_utf8_to_utf16(utf8, -1, NULL, &n, NULL);
    g_assert_nonnull(units);
    guint32 h = 0;
    for (glong i = 0; i < n; i++)
        h = 31u * h + units[i];
    g_free(units);
    return (gint32)h;
}

#endif
