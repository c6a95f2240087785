/* xmt_inflate.c: bounded inflation with libdeflate, and zlib when it fails.
 *
 * libdeflate decodes a whole buffer in about half the instructions of zlib's
 * streaming inflate (measured on the benchmark's Sensors uploads: 19.9k
 * against 40.3k per upload, most of the difference in building Huffman
 * tables and in CRC-32), and these payloads are whole buffers.  But it gives
 * all or nothing: no partial output, no position of an error.  So it goes
 * first, and only its complete success on the whole input is taken; in every
 * other case zlib inflates the input again, and the bytes shown and the
 * reason given are zlib's.  Each one's output buffer is bounded by max_out,
 * so a decompression bomb costs at most max_out bytes and stops with an error
 * naming the limit. */
#include "layers/xmt_inflate.h"

#include <string.h>
#include <libdeflate.h>
#include <zlib.h>

xmt_compression xmt_inflate_sniff(const guint8 *in, gsize len)
{
    if (len >= 3 && in[0] == 0x1f && in[1] == 0x8b && in[2] == 0x08)
        return XMT_COMPRESSION_GZIP;
    if (len >= 2 && (in[0] & 0x0f) == 8 && (in[0] >> 4) <= 7 && ((in[0] << 8) | in[1]) % 31 == 0)
        return XMT_COMPRESSION_ZLIB;
    return XMT_COMPRESSION_NONE;
}

static int window_bits(xmt_compression kind)
{
    switch (kind) {
    case XMT_COMPRESSION_GZIP:    return 15 + 16;
    case XMT_COMPRESSION_ZLIB:    return 15;
    case XMT_COMPRESSION_DEFLATE: return -15;
    case XMT_COMPRESSION_NONE:    break;
    }
    return 15 + 32;
}

static const char *kind_name(xmt_compression kind)
{
    switch (kind) {
    case XMT_COMPRESSION_GZIP:    return "gzip";
    case XMT_COMPRESSION_ZLIB:    return "zlib";
    case XMT_COMPRESSION_DEFLATE: return "deflate";
    case XMT_COMPRESSION_NONE:    break;
    }
    return "compressed";
}

/* ---- the fast path: libdeflate, all or nothing ---------------------------- */

static void free_decompressor(gpointer d)
{
    libdeflate_free_decompressor(d);
}

/* One decompressor per thread (libdeflate's may not be shared), kept: it is
 * a table of ~10 KiB that would otherwise be made for every payload. */
static struct libdeflate_decompressor *decompressor(void)
{
    static GPrivate key = G_PRIVATE_INIT(free_decompressor);
    struct libdeflate_decompressor *d = g_private_get(&key);
    if (!d) {
        d = libdeflate_alloc_decompressor();
        g_private_set(&key, d);
    }
    return d;
}

/* gzip header flags libdeflate reads as zlib does: FTEXT, FEXTRA, FNAME and
 * FCOMMENT.  A header CRC (FHCRC) zlib checks and libdeflate skips. */
#define GZIP_FLAGS_BOTH_READ 0x1Du

/* The output size to try first: the gzip trailer's ISIZE (the size modulo
 * 2^32 of the last member; a hint, which may lie), else zlib's first guess. */
/* zlib's first output buffer (it grows from there); libdeflate's first
 * guess when there is no size hint. */
static gsize first_capacity(gsize len, gsize max_out)
{
    return MIN(max_out, MAX((gsize)4096, len * 4));
}

static gsize first_guess(const guint8 *in, gsize len, xmt_compression kind, gsize max_out)
{
    gsize guess = first_capacity(len, max_out);
    if (kind == XMT_COMPRESSION_GZIP && len >= 18)
        guess = (gsize)in[len - 4] | (gsize)in[len - 3] << 8 | (gsize)in[len - 2] << 16 | (gsize)in[len - 1] << 24;
    return MAX(MIN(guess, max_out), (gsize)1);
}

static enum libdeflate_result run_libdeflate(struct libdeflate_decompressor *d, xmt_compression kind,
                                             const guint8 *in, gsize len, guint8 *out, gsize cap,
                                             size_t *in_used, size_t *out_used)
{
    switch (kind) {
    case XMT_COMPRESSION_GZIP:
        return libdeflate_gzip_decompress_ex(d, in, len, out, cap, in_used, out_used);
    case XMT_COMPRESSION_ZLIB:
        return libdeflate_zlib_decompress_ex(d, in, len, out, cap, in_used, out_used);
    case XMT_COMPRESSION_DEFLATE:
        return libdeflate_deflate_decompress_ex(d, in, len, out, cap, in_used, out_used);
    case XMT_COMPRESSION_NONE:
        break;
    }
    return LIBDEFLATE_BAD_DATA;
}

/* The whole input as one valid stream, inflated; NULL whenever that is not
 * what it is (corrupt, truncated, trailing or concatenated data, empty, or
 * larger than max_out), and then zlib decides what to show. */
static guint8 *inflate_whole(const guint8 *in, gsize len, xmt_compression kind, gsize max_out, gsize *out_len)
{
    if (kind == XMT_COMPRESSION_GZIP && (len < 4 || (in[3] & ~GZIP_FLAGS_BOTH_READ) != 0))
        return NULL;
    struct libdeflate_decompressor *d = decompressor();
    if (!d)
        return NULL;
    gsize cap = first_guess(in, len, kind, max_out);
    for (int attempt = 0; attempt < 2; attempt++) {
        guint8 *out = g_malloc(cap);
        size_t in_used = 0, out_used = 0;
        enum libdeflate_result rc = run_libdeflate(d, kind, in, len, out, cap, &in_used, &out_used);
        if (rc == LIBDEFLATE_SUCCESS && in_used == len && out_used > 0) {
            *out_len = out_used;
            return out_used == cap ? out : g_realloc(out, out_used);
        }
        g_free(out);
        if (rc != LIBDEFLATE_INSUFFICIENT_SPACE || cap >= max_out)
            return NULL;
        cap = cap > max_out / 8 ? max_out : cap * 8;  /* one more try, then zlib */
    }
    return NULL;
}

/* ---- zlib: partial output and the reason it stopped --------------------- */

/* Makes room for more output; FALSE when max_out is reached. */
static gboolean grow(guint8 **out, gsize *cap, gsize used, gsize max_out)
{
    if (used < *cap)
        return TRUE;
    if (*cap >= max_out)
        return FALSE;
    *cap = *cap > max_out / 2 ? max_out : *cap * 2;
    *out = g_realloc(*out, *cap);
    return TRUE;
}

static guint8 *inflate_zlib(const guint8 *in, gsize len, xmt_compression kind, gsize max_out,
                            gsize *out_len, char **error)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits(kind)) != Z_OK) {
        *error = g_strdup("cannot start inflating");
        return NULL;
    }
    gsize cap = first_capacity(len, max_out);
    guint8 *out = g_malloc(cap);
    gsize used = 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)MIN(len, (gsize)G_MAXUINT32);

    for (;;) {
        if (!grow(&out, &cap, used, max_out)) {
            *error = g_strdup_printf("inflated size exceeds the limit of %" G_GSIZE_FORMAT " bytes", max_out);
            break;
        }
        zs.next_out = out + used;
        zs.avail_out = (uInt)(cap - used);
        int rc = inflate(&zs, Z_NO_FLUSH);
        used = cap - zs.avail_out;
        if (rc == Z_STREAM_END) {
            gsize rest = zs.avail_in;
            /* Another gzip member may follow (concatenated streams are valid gzip). */
            if (kind == XMT_COMPRESSION_GZIP && rest >= 3 && xmt_inflate_sniff(zs.next_in, rest) == XMT_COMPRESSION_GZIP) {
                inflateReset(&zs);
                continue;
            }
            if (rest > 0)
                *error = g_strdup_printf("%" G_GSIZE_FORMAT " bytes of trailing data after the %s stream",
                                         rest, kind_name(kind));
            break;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            *error = g_strdup_printf("%s stream truncated after %" G_GSIZE_FORMAT " input bytes",
                                     kind_name(kind), len);
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            *error = g_strdup_printf("corrupt %s stream at input offset %" G_GSIZE_FORMAT " (%s)",
                                     kind_name(kind), len - zs.avail_in, zs.msg ? zs.msg : "zlib error");
            break;
        }
    }
    inflateEnd(&zs);
    if (used == 0) {
        g_free(out);
        if (!*error)
            *error = g_strdup("no data");
        return NULL;
    }
    *out_len = used;
    return g_realloc(out, used);
}

/* zlib, not libdeflate: libdeflate inflates whole streams only, so a
 * prefix would cost it the whole stream (or a failure and zlib again). */
gsize xmt_inflate_prefix(const guint8 *in, gsize len, xmt_compression kind, guint8 *out, gsize out_cap)
{
    if (kind == XMT_COMPRESSION_NONE || len == 0 || out_cap == 0)
        return 0;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    if (inflateInit2(&zs, window_bits(kind)) != Z_OK)
        return 0;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)MIN(len, (gsize)G_MAXUINT32);
    zs.next_out = out;
    zs.avail_out = (uInt)MIN(out_cap, (gsize)G_MAXUINT32);
    inflate(&zs, Z_SYNC_FLUSH);  /* whatever it ends with, what it wrote is the prefix */
    gsize produced = (gsize)(zs.next_out - out);
    inflateEnd(&zs);
    return produced;
}

guint8 *xmt_inflate(const guint8 *in, gsize len, xmt_compression kind, gsize max_out,
                    gsize *out_len, char **error)
{
    *error = NULL;
    *out_len = 0;
    if (max_out == 0) {
        *error = g_strdup("cannot start inflating");
        return NULL;
    }
    guint8 *whole = inflate_whole(in, len, kind, max_out, out_len);
    return whole ? whole : inflate_zlib(in, len, kind, max_out, out_len, error);
}
