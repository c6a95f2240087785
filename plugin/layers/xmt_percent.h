/* xmt_percent.h: the percent-encoding layer (form bodies and URI queries). */
#ifndef XMT_PERCENT_H
#define XMT_PERCENT_H

#include <glib.h>

/* TRUE when the text holds a '%' and so needs decoding. */
gboolean xmt_percent_needed(const guint8 *in, gsize len);

/* Undoes %XX escapes from in[0..len) into out (room for len bytes), and
 * returns the decoded length.  A '+' stays a '+': the SDKs send base64 and
 * JSON, where a raw '+' is a '+', never a space.  A malformed escape is copied
 * as it stands; the number of them is returned in *bad_count and the offset of
 * the first in *first_bad (both may be NULL). */
gsize xmt_percent_decode(const guint8 *in, gsize len, guint8 *out,
                         guint *bad_count, gsize *first_bad);

/* Decodes a form value ('+' kept) as new text for a field: valid UTF-8
 * with no NUL (U+FFFD or '?' in place of what is not). */
char *xmt_percent_decode_text(const guint8 *in, gsize len);

/* Decodes a URL query value the way browsers encode them ('+' is a space),
 * as new text for a field (valid UTF-8, no NUL). */
char *xmt_percent_decode_query_value(const char *in, gsize len);

#endif
