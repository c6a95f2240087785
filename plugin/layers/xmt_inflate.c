/* xmt_inflate.c: bounded inflation with zlib.
 *
 * The output buffer grows geometrically up to max_out, so a decompression
 * bomb costs at most max_out bytes and stops with an error naming the limit. */
#include "xmt_inflate.h"

#include <string.h>
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

guint8 *xmt_inflate(const guint8 *in, gsize len, xmt_compression kind, gsize max_out,
                    gsize *out_len, char **error)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    *error = NULL;
    *out_len = 0;
    if (max_out == 0 || inflateInit2(&zs, window_bits(kind)) != Z_OK) {
        *error = g_strdup("cannot start inflating");
        return NULL;
    }
    gsize cap = MIN(max_out, MAX((gsize)4096, len * 4));
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
