/* xmt_base64.h: the base64 layer, in every spelling the SDKs use. */
#ifndef XMT_BASE64_H
#define XMT_BASE64_H

#include <glib.h>

/* TRUE when the first bytes are base64 of a known payload start:
 * "H4sI" (gzip), "eJ" (zlib), "W3" ('[') or "ey" ('{'), in either alphabet. */
gboolean xmt_base64_has_payload_prefix(const guint8 *in, gsize len);

/* Decodes standard or URL-safe base64, padded or not, with or without line
 * breaks.  A space is read as '+' (a form decoder upstream turned it into
 * one).  Returns g_malloc'd bytes (*out_len set), or NULL with *error set to a
 * g_malloc'd reason naming the offset of the problem. */
guint8 *xmt_base64_decode(const guint8 *in, gsize len, gsize *out_len, char **error);

#endif
