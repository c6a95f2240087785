/* test_inflate.c: the compression layer (layers/xmt_inflate.h). */
#include <glib.h>
#include <string.h>
#include <zlib.h>

#include "layers/xmt_inflate.h"
#include "test_common.h"

#define MiB (1024u * 1024u)

static const char json_text[] =
    "[{\"event\":\"page_load_event_start\",\"time\":1588291200123,\"properties\":"
    "{\"$model\":\"Redmi Note 8\",\"$os_version\":\"10\",\"url\":\"https://www.example.com/search?q=test\"}},"
    "{\"event\":\"page_load_event_finish\",\"time\":1588291200456,\"properties\":"
    "{\"$model\":\"Redmi Note 8\",\"$os_version\":\"10\",\"url\":\"https://www.example.com/search?q=test\"}}]";

/* Text that compresses poorly, so a cut stream still has produced output. */
static char *random_text(gsize len, guint32 seed)
{
    GRand *rand = g_rand_new_with_seed(seed);
    char *text = g_malloc(len + 1);
    for (gsize i = 0; i < len; i++)
        text[i] = "0123456789abcdef"[g_rand_int_range(rand, 0, 16)];
    text[len] = '\0';
    g_rand_free(rand);
    return text;
}

/* g_memdup2() needs GLib 2.68; the project supports 2.66. */
static guint8 *dup_bytes(const guint8 *in, gsize len)
{
    guint8 *out = g_malloc(len);
    memcpy(out, in, len);
    return out;
}

/* Inflates and expects exactly `expect` with no error. */
static void expect_inflates_to(const guint8 *in, gsize len, xmt_compression kind, const void *expect, gsize expect_len)
{
    gsize n = 0;
    char *error = NULL;
    guint8 *out = xmt_inflate(in, len, kind, 16 * MiB, &n, &error);
    if (error)
        g_test_message("unexpected error: %s", error);
    g_assert_null(error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, n, expect, expect_len);
    g_free(out);
}

static void test_sniff(void)
{
    static const guint8 gzip_hdr[] = { 0x1f, 0x8b, 0x08, 0x00 };
    g_assert_cmpint(xmt_inflate_sniff(gzip_hdr, 4), ==, XMT_COMPRESSION_GZIP);
    g_assert_cmpint(xmt_inflate_sniff(gzip_hdr, 3), ==, XMT_COMPRESSION_GZIP);
    g_assert_cmpint(xmt_inflate_sniff(gzip_hdr, 2), ==, XMT_COMPRESSION_NONE);  /* too short */
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x1f\x8b\x07", 3), ==, XMT_COMPRESSION_NONE);  /* not deflate */

    /* zlib headers of the usual levels. */
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\x9c", 2), ==, XMT_COMPRESSION_ZLIB);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\x01", 2), ==, XMT_COMPRESSION_ZLIB);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\xda", 2), ==, XMT_COMPRESSION_ZLIB);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\x5e", 2), ==, XMT_COMPRESSION_ZLIB);
    /* Header checks that do not verify, and other methods. */
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\x9d", 2), ==, XMT_COMPRESSION_NONE);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78\x00", 2), ==, XMT_COMPRESSION_NONE);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x79\x9c", 2), ==, XMT_COMPRESSION_NONE);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x88\x98", 2), ==, XMT_COMPRESSION_NONE);  /* window > 32K */
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"\x78", 1), ==, XMT_COMPRESSION_NONE);
    g_assert_cmpint(xmt_inflate_sniff((const guint8 *)"", 0), ==, XMT_COMPRESSION_NONE);

    /* Other data: JSON, base64 text, PNG, JPEG, some fixed random bytes. */
    static const char *const others[] = {
        "[{\"a\":1}]", "{\"a\":1}", "H4sIAAAA", "eJxL", "\x89PNG\r\n", "\xff\xd8\xff\xe0",
        "\x12\x34\x56", "\xde\xad\xbe\xef", "\x00\x00\x00", "hello",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(others); i++)
        g_assert_cmpint(xmt_inflate_sniff((const guint8 *)others[i], MAX(strlen(others[i]), 3)), ==,
                        XMT_COMPRESSION_NONE);

    /* What zlib itself writes is recognised, at every level. */
    for (int level = 0; level <= 9; level++) {
        gsize n = 0;
        guint8 *z = test_compress(json_text, strlen(json_text), TEST_WBITS_ZLIB, level, &n);
        g_assert_cmpint(xmt_inflate_sniff(z, n), ==, XMT_COMPRESSION_ZLIB);
        g_free(z);
        guint8 *gz = test_compress(json_text, strlen(json_text), TEST_WBITS_GZIP, level, &n);
        g_assert_cmpint(xmt_inflate_sniff(gz, n), ==, XMT_COMPRESSION_GZIP);
        g_free(gz);
    }
}

static void test_gzip_roundtrip(void)
{
    gsize n = 0;
    guint8 *gz = test_gzip(json_text, strlen(json_text), &n);
    g_assert_cmpint(xmt_inflate_sniff(gz, n), ==, XMT_COMPRESSION_GZIP);
    expect_inflates_to(gz, n, XMT_COMPRESSION_GZIP, json_text, strlen(json_text));
    g_free(gz);

    /* Larger than the first output buffer, so the buffer must grow. */
    char *big = random_text(300000, 7);
    gz = test_gzip(big, strlen(big), &n);
    expect_inflates_to(gz, n, XMT_COMPRESSION_GZIP, big, strlen(big));
    g_free(gz);
    g_free(big);
}

static void test_zlib_roundtrip(void)
{
    uLongf n = compressBound(sizeof json_text);
    guint8 *z = g_malloc(n);
    g_assert_cmpint(compress2(z, &n, (const Bytef *)json_text, strlen(json_text), 9), ==, Z_OK);
    g_assert_cmpint(xmt_inflate_sniff(z, n), ==, XMT_COMPRESSION_ZLIB);
    expect_inflates_to(z, n, XMT_COMPRESSION_ZLIB, json_text, strlen(json_text));
    g_free(z);
}

static void test_deflate_roundtrip(void)
{
    gsize n = 0;
    guint8 *raw = test_compress(json_text, strlen(json_text), TEST_WBITS_DEFLATE, 6, &n);
    expect_inflates_to(raw, n, XMT_COMPRESSION_DEFLATE, json_text, strlen(json_text));
    g_free(raw);
}

static void test_concatenated_gzip(void)
{
    static const char *const parts[] = { "hello ", "gzip ", "members" };
    GByteArray *stream = g_byte_array_new();
    for (gsize i = 0; i < G_N_ELEMENTS(parts); i++) {
        gsize n = 0;
        guint8 *gz = test_gzip(parts[i], strlen(parts[i]), &n);
        g_byte_array_append(stream, gz, (guint)n);
        g_free(gz);
    }
    expect_inflates_to(stream->data, stream->len, XMT_COMPRESSION_GZIP, "hello gzip members", 18);
    g_byte_array_free(stream, TRUE);
}

static void test_empty_stream(void)
{
    /* A valid stream of nothing: no output, so NULL with a reason. */
    gsize n = 0, out_len = 99;
    char *error = NULL;
    guint8 *gz = test_gzip("", 0, &n);
    guint8 *out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_cmpuint(out_len, ==, 0);
    g_free(error);
    g_free(gz);
}

static void test_not_compressed(void)
{
    gsize n = 99;
    char *error = NULL;
    guint8 *out = xmt_inflate((const guint8 *)"hello world", 11, XMT_COMPRESSION_GZIP, MiB, &n, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_cmpuint(n, ==, 0);
    g_free(error);
    out = xmt_inflate((const guint8 *)"", 0, XMT_COMPRESSION_ZLIB, MiB, &n, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_free(error);
}

static void test_truncated(void)
{
    char *text = random_text(65536, 42);
    gsize n = 0;
    guint8 *gz = test_gzip(text, strlen(text), &n);
    gsize cut = n / 2;
    gsize out_len = 0;
    char *error = NULL;
    guint8 *out = xmt_inflate(gz, cut, XMT_COMPRESSION_GZIP, 16 * MiB, &out_len, &error);
    /* The part inflated so far is returned, with a reason. */
    g_assert_nonnull(out);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "truncated"));
    g_assert_cmpuint(out_len, >, 0);
    g_assert_cmpuint(out_len, <, strlen(text));
    g_assert_cmpmem(out, out_len, text, out_len);
    g_free(out);
    g_free(error);

    /* Cut inside the trailer: all the data, but the stream is not whole. */
    out = xmt_inflate(gz, n - 4, XMT_COMPRESSION_GZIP, 16 * MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_nonnull(error);
    g_assert_cmpmem(out, out_len, text, strlen(text));
    g_free(out);
    g_free(error);

    /* Cut inside the header: nothing produced. */
    out = xmt_inflate(gz, 6, XMT_COMPRESSION_GZIP, 16 * MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_cmpuint(out_len, ==, 0);
    g_free(error);

    g_free(gz);
    g_free(text);
}

static void test_corrupt(void)
{
    gsize n = 0, out_len = 0;
    char *error = NULL;
    guint8 *gz = test_gzip(json_text, strlen(json_text), &n);

    /* A wrong CRC-32 in the trailer: the data came out, the check failed. */
    guint8 *bad = dup_bytes(gz, n);
    bad[n - 8] ^= 0xff;
    guint8 *out = xmt_inflate(bad, n, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "corrupt"));
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_free(out);
    g_free(error);
    g_free(bad);

    /* An invalid block type (BTYPE 11) as the first deflate block. */
    bad = dup_bytes(gz, n);
    bad[10] = 0x07;
    out = xmt_inflate(bad, n, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "corrupt"));
    g_free(error);
    g_free(bad);
    g_free(gz);

    /* The same for zlib, where the block starts after 2 bytes. */
    guint8 *z = test_compress(json_text, strlen(json_text), TEST_WBITS_ZLIB, 6, &n);
    z[2] = 0x07;
    out = xmt_inflate(z, n, XMT_COMPRESSION_ZLIB, MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "corrupt"));
    g_free(error);
    g_free(z);

    /* gzip data read as zlib: the header check fails. */
    gz = test_gzip(json_text, strlen(json_text), &n);
    out = xmt_inflate(gz, n, XMT_COMPRESSION_ZLIB, MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_free(error);
    g_free(gz);
}

static void test_bomb(void)
{
    /* 8 MiB of zeros compress to a few KiB. */
    gsize zeros_len = 8 * MiB;
    guint8 *zeros = g_malloc0(zeros_len);
    gsize n = 0;
    guint8 *gz = test_gzip(zeros, zeros_len, &n);
    g_assert_cmpuint(n, <, 64 * 1024);

    gsize out_len = 0;
    char *error = NULL;
    guint8 *out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpuint(out_len, ==, MiB);
    g_assert_cmpmem(out, out_len, zeros, MiB);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "limit"));
    g_assert_nonnull(strstr(error, "1048576"));
    g_free(out);
    g_free(error);

    /* A limit that is not a power of two is honoured exactly too. */
    out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, 1000001, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpuint(out_len, ==, 1000001);
    g_assert_nonnull(strstr(error, "limit"));
    g_free(out);
    g_free(error);

    /* Same bomb in zlib and raw deflate. */
    static const struct { int wbits; xmt_compression kind; } wrappers[] = {
        { TEST_WBITS_ZLIB, XMT_COMPRESSION_ZLIB },
        { TEST_WBITS_DEFLATE, XMT_COMPRESSION_DEFLATE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(wrappers); i++) {
        gsize m = 0;
        guint8 *c = test_compress(zeros, zeros_len, wrappers[i].wbits, 9, &m);
        out = xmt_inflate(c, m, wrappers[i].kind, MiB / 2, &out_len, &error);
        g_assert_nonnull(out);
        g_assert_cmpuint(out_len, ==, MiB / 2);
        g_assert_nonnull(error);
        g_assert_nonnull(strstr(error, "limit"));
        g_free(out);
        g_free(error);
        g_free(c);
    }
    g_free(gz);
    g_free(zeros);
}

static void test_exact_limit(void)
{
    /* Output exactly as large as the limit is not over it. */
    gsize len = MiB;
    guint8 *zeros = g_malloc0(len);
    gsize n = 0;
    guint8 *gz = test_gzip(zeros, len, &n);
    gsize out_len = 0;
    char *error = NULL;
    guint8 *out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, len, &out_len, &error);
    if (error)
        g_test_message("error: %s", error);
    g_assert_null(error);
    g_assert_nonnull(out);
    g_assert_cmpuint(out_len, ==, len);
    g_free(out);

    /* One byte less is over it. */
    out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, len - 1, &out_len, &error);
    g_assert_nonnull(error);
    g_assert_cmpuint(out_len, ==, len - 1);
    g_free(out);
    g_free(error);
    g_free(gz);
    g_free(zeros);
}

static void test_trailing_garbage(void)
{
    gsize n = 0, out_len = 0;
    char *error = NULL;

    /* zlib stream followed by 4 bytes. */
    guint8 *z = test_compress(json_text, strlen(json_text), TEST_WBITS_ZLIB, 6, &n);
    GByteArray *buf = g_byte_array_new();
    g_byte_array_append(buf, z, (guint)n);
    g_byte_array_append(buf, (const guint8 *)"JUNK", 4);
    guint8 *out = xmt_inflate(buf->data, buf->len, XMT_COMPRESSION_ZLIB, MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "trailing"));
    g_assert_nonnull(strstr(error, "4 bytes"));
    g_free(out);
    g_free(error);
    g_byte_array_free(buf, TRUE);
    g_free(z);

    /* gzip member followed by 2 bytes (too few for another member). */
    guint8 *gz = test_gzip(json_text, strlen(json_text), &n);
    buf = g_byte_array_new();
    g_byte_array_append(buf, gz, (guint)n);
    g_byte_array_append(buf, (const guint8 *)"\x00\x00", 2);
    out = xmt_inflate(buf->data, buf->len, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "trailing"));
    g_free(out);
    g_free(error);

    /* gzip member followed by text. */
    g_byte_array_append(buf, (const guint8 *)"garbage", 7);
    out = xmt_inflate(buf->data, buf->len, XMT_COMPRESSION_GZIP, MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_assert_nonnull(error);
    g_free(out);
    g_free(error);
    g_byte_array_free(buf, TRUE);

    /* Raw deflate followed by bytes. */
    guint8 *raw = test_compress(json_text, strlen(json_text), TEST_WBITS_DEFLATE, 6, &n);
    buf = g_byte_array_new();
    g_byte_array_append(buf, raw, (guint)n);
    g_byte_array_append(buf, (const guint8 *)"XYZ", 3);
    out = xmt_inflate(buf->data, buf->len, XMT_COMPRESSION_DEFLATE, MiB, &out_len, &error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "trailing"));
    g_free(out);
    g_free(error);
    g_byte_array_free(buf, TRUE);
    g_free(raw);
    g_free(gz);
}

/* gzip of text with a header CRC (FHCRC), made by zlib itself. */
static guint8 *gzip_with_header_crc(const char *text, gsize *n)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    g_assert_cmpint(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), ==, Z_OK);
    gz_header header;
    memset(&header, 0, sizeof header);
    header.hcrc = 1;
    g_assert_cmpint(deflateSetHeader(&zs, &header), ==, Z_OK);
    gsize cap = deflateBound(&zs, strlen(text)) + 64;
    guint8 *out = g_malloc(cap);
    zs.next_in = (Bytef *)text;
    zs.avail_in = (uInt)strlen(text);
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    g_assert_cmpint(deflate(&zs, Z_FINISH), ==, Z_STREAM_END);
    *n = cap - zs.avail_out;
    deflateEnd(&zs);
    g_assert_true(out[3] & 0x02);
    return out;
}

static void test_whole_or_zlib(void)
{
    /* libdeflate inflates whole valid streams; anything else is zlib's to
     * show.  A gzip trailer whose ISIZE lies (here: one byte short) is a
     * corrupt stream: every byte is shown, with zlib's reason. */
    gsize n = 0, out_len = 0;
    char *error = NULL;
    guint8 *gz = test_gzip(json_text, strlen(json_text), &n);
    gz[n - 4]--;
    guint8 *out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, 16 * MiB, &out_len, &error);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "corrupt gzip stream"));
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_free(out);
    g_free(error);
    g_free(gz);

    /* A header CRC is checked (zlib does it; libdeflate would skip it). */
    gz = gzip_with_header_crc(json_text, &n);
    expect_inflates_to(gz, n, XMT_COMPRESSION_GZIP, json_text, strlen(json_text));
    gz[10] ^= 0xff;  /* the header CRC follows the 10-byte header */
    out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, 16 * MiB, &out_len, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error, "header crc mismatch"));
    g_free(error);
    g_free(gz);

    /* An ISIZE far larger than the truth (a hint only) costs nothing more. */
    gz = test_gzip(json_text, strlen(json_text), &n);
    gz[n - 1] = 0x7f;  /* ~2 GiB claimed: corrupt, but bounded by the limit */
    out = xmt_inflate(gz, n, XMT_COMPRESSION_GZIP, 64 * 1024, &out_len, &error);
    g_assert_nonnull(error);
    g_assert_cmpmem(out, out_len, json_text, strlen(json_text));
    g_free(out);
    g_free(error);
    g_free(gz);
}

/* The first bytes only: as many as asked, the same as the whole stream's;
 * nothing from what is not a stream. */
static void test_prefix(void)
{
    const char *text = "{\"api_key\":\"phc_x\",\"batch\":[{\"event\":\"a\"},{\"event\":\"b\"}]}";
    gsize n = 0;
    guint8 *gz = test_gzip(text, strlen(text), &n);
    guint8 out[16];
    g_assert_cmpuint(xmt_inflate_prefix(gz, n, XMT_COMPRESSION_GZIP, out, sizeof out), ==, sizeof out);
    g_assert_cmpmem(out, sizeof out, text, sizeof out);
    guint8 all[256];
    g_assert_cmpuint(xmt_inflate_prefix(gz, n, XMT_COMPRESSION_GZIP, all, sizeof all), ==, strlen(text));
    g_assert_cmpmem(all, strlen(text), text, strlen(text));
    /* Cut short: what the part holds. */
    gsize part = xmt_inflate_prefix(gz, n / 2, XMT_COMPRESSION_GZIP, all, sizeof all);
    g_assert_cmpuint(part, <, strlen(text));
    g_assert_cmpmem(all, part, text, part);
    g_assert_cmpuint(xmt_inflate_prefix((const guint8 *)text, strlen(text), XMT_COMPRESSION_GZIP, all, sizeof all), ==, 0);
    g_assert_cmpuint(xmt_inflate_prefix(gz, n, XMT_COMPRESSION_NONE, all, sizeof all), ==, 0);
    g_assert_cmpuint(xmt_inflate_prefix(gz, 0, XMT_COMPRESSION_GZIP, all, sizeof all), ==, 0);
    g_free(gz);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/inflate/sniff", test_sniff);
    g_test_add_func("/inflate/gzip-roundtrip", test_gzip_roundtrip);
    g_test_add_func("/inflate/zlib-roundtrip", test_zlib_roundtrip);
    g_test_add_func("/inflate/deflate-roundtrip", test_deflate_roundtrip);
    g_test_add_func("/inflate/concatenated-gzip", test_concatenated_gzip);
    g_test_add_func("/inflate/empty-stream", test_empty_stream);
    g_test_add_func("/inflate/not-compressed", test_not_compressed);
    g_test_add_func("/inflate/truncated", test_truncated);
    g_test_add_func("/inflate/corrupt", test_corrupt);
    g_test_add_func("/inflate/bomb", test_bomb);
    g_test_add_func("/inflate/exact-limit", test_exact_limit);
    g_test_add_func("/inflate/trailing-garbage", test_trailing_garbage);
    g_test_add_func("/inflate/whole-or-zlib", test_whole_or_zlib);
    g_test_add_func("/inflate/prefix", test_prefix);
    return g_test_run();
}
