/* xmt_inflate.h: the compression layer (gzip, zlib, raw deflate) over libdeflate and zlib. */
#ifndef XMT_INFLATE_H
#define XMT_INFLATE_H

#include <glib.h>

typedef enum {
    XMT_COMPRESSION_NONE,
    XMT_COMPRESSION_GZIP,
    XMT_COMPRESSION_ZLIB,
    XMT_COMPRESSION_DEFLATE,
} xmt_compression;

/* Recognises a gzip member (1f 8b 08) or a zlib stream (deflate method and a
 * header check that verifies).  Raw deflate has no signature: never sniffed. */
xmt_compression xmt_inflate_sniff(const guint8 *in, gsize len);

/* Inflates in[0..len).  Returns g_malloc'd output (*out_len set) which may be
 * partial: on a corrupt or truncated stream, or when the output would exceed
 * max_out, the bytes produced so far are returned and *error holds a
 * g_malloc'd reason.  Returns NULL only when nothing at all was produced
 * (then *error is set too).  Concatenated gzip members are all inflated. */
guint8 *xmt_inflate(const guint8 *in, gsize len, xmt_compression kind, gsize max_out,
                    gsize *out_len, char **error);

/* The first bytes a stream inflates to, at most out_cap of them, into out:
 * enough to tell what a payload is without inflating all of it.  Returns how
 * many were produced (0 when the stream is not one, or is corrupt from its
 * start); reads no more input than those bytes need. */
gsize xmt_inflate_prefix(const guint8 *in, gsize len, xmt_compression kind, guint8 *out, gsize out_cap);

#endif
