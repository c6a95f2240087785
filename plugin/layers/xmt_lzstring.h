/* xmt_lzstring.h: the LZ-string layer (docs/formats/posthog.md §2, §6).
 *
 * LZ-string (pieroxy/lz-string, npm `lz-string`) is an LZW variant over the
 * UTF-16 code units of a JavaScript string.  posthog-js up to 1.62 sent its
 * batches as `data=<compressToBase64(JSON)>&compression=lz64`.  This layer
 * reads the output of compressToBase64 (alphabet A-Z a-z 0-9 + /, padded with
 * '=') and gives the text as UTF-8.  compressToEncodedURIComponent (the same
 * with '-' for '/', not padded) does not occur in PostHog traffic (its
 * collector decodes only the base64 form), but one symbol table reads both,
 * so other users of LZ-string are covered at no cost. */
#ifndef XMT_LZSTRING_H
#define XMT_LZSTRING_H

#include <glib.h>

/* What a decompression ended with, as libdeflate reports its results. */
typedef enum {
    XMT_LZSTRING_OK,             /* the end-of-stream code was reached */
    XMT_LZSTRING_BAD_CHARACTER,  /* a character outside both alphabets, or '=' before the end */
    XMT_LZSTRING_TRUNCATED,      /* the input ended before the end-of-stream code (or was empty) */
    XMT_LZSTRING_BAD_CODE,       /* a code naming no dictionary entry (lz-string's own decoder returns null) */
    XMT_LZSTRING_TRAILING_DATA,  /* characters other than '=' padding after the end-of-stream code */
    XMT_LZSTRING_OUTPUT_LIMIT,   /* the text would exceed max_out bytes of UTF-8 */
} xmt_lzstring_result;

/* A short constant name of a result ("ok", "bad character", ...). */
const char *xmt_lzstring_result_name(xmt_lzstring_result result);

/* TRUE when the first two characters are those of every compressToBase64 (or
 * compressToEncodedURIComponent) output of a text that starts with '[' or
 * '{': 'N', then one of "opqr" ('[') or "4567" ('{'); the 2-bit literal code
 * and the low bits of the character fill the first symbol, the character's
 * high bits and the next code's first bits the second.  Two byte checks. */
gboolean xmt_lzstring_has_json_prefix(const guint8 *in, gsize len);

/* Decompresses in[0..len).  A space is read as '+' (a form decoder upstream
 * turned it into one).  Sets *result and returns the text as g_malloc'd
 * UTF-8 (*out_len set; not NUL-terminated; U+0000 kept as a 0 byte;
 * unpaired surrogates as U+FFFD), or NULL with *out_len 0 when the text is
 * empty.  On any result but XMT_LZSTRING_OK, *error holds a g_malloc'd reason
 * naming the input offset, and the text decoded before the problem is
 * returned (with XMT_LZSTRING_TRAILING_DATA it is complete); else *error is
 * NULL.  The output never exceeds max_out bytes (cut at a character
 * boundary); memory and work are bounded by len and max_out. */
guint8 *xmt_lzstring_decompress(const guint8 *in, gsize len, gsize max_out, gsize *out_len,
                                xmt_lzstring_result *result, char **error);

#endif
