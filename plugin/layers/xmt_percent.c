/* xmt_percent.c: percent-decoding.  GLib's g_uri_unescape_* reject a whole
 * string on one bad escape; a decoder that keeps going and reports where it
 * stumbled is what a dissector needs, so this one is hand-written (40 lines;
 * runs without escapes are copied whole, since payloads are mostly such runs). */
#include "layers/xmt_percent.h"

#include <string.h>

gboolean xmt_percent_needed(const guint8 *in, gsize len)
{
    return memchr(in, '%', len) != NULL;
}

static int hex_value(guint8 c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;  /* lower case */
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Bytes before the next '%' (or '+' when it means a space): copied as a run. */
static gsize plain_run(const guint8 *in, gsize len, gboolean plus_is_space)
{
    if (!plus_is_space) {
        const guint8 *pct = memchr(in, '%', len);
        return pct ? (gsize)(pct - in) : len;
    }
    gsize n = 0;
    while (n < len && in[n] != '%' && in[n] != '+')
        n++;
    return n;
}

static gsize decode(const guint8 *in, gsize len, guint8 *out, gboolean plus_is_space,
                    guint *bad_count, gsize *first_bad)
{
    gsize o = 0;
    guint bad = 0;
    for (gsize i = 0; i < len; i++) {
        gsize run = plain_run(in + i, len - i, plus_is_space);
        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (i >= len)
            break;
        guint8 c = in[i];
        if (c == '%') {
            int hi = i + 1 < len ? hex_value(in[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(in[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                out[o++] = (guint8)(hi << 4 | lo);
                i += 2;
                continue;
            }
            if (bad++ == 0 && first_bad)
                *first_bad = i;
        } else {
            c = ' ';  /* a '+' in a query value */
        }
        out[o++] = c;
    }
    if (bad_count)
        *bad_count = bad;
    return o;
}

/* Decoded bytes become a field value: valid UTF-8 without NUL (U+FFFD in
 * place of what is not). Takes ownership of raw. */
static char *make_text(char *raw, gsize n)
{
    if (g_utf8_validate(raw, (gssize)n, NULL) && strlen(raw) == n)
        return raw;
    for (gsize i = 0; i < n; i++)
        if (raw[i] == '\0')
            raw[i] = '?';
    char *valid = g_utf8_make_valid(raw, (gssize)n);
    g_free(raw);
    return valid;
}

char *xmt_percent_decode_text(const guint8 *in, gsize len)
{
    char *out = g_malloc(len + 1);
    gsize n = decode(in, len, (guint8 *)out, FALSE, NULL, NULL);
    out[n] = '\0';
    return make_text(out, n);
}

gsize xmt_percent_decode(const guint8 *in, gsize len, guint8 *out,
                         guint *bad_count, gsize *first_bad)
{
    return decode(in, len, out, FALSE, bad_count, first_bad);
}

char *xmt_percent_decode_query_value(const char *in, gsize len)
{
    char *out = g_malloc(len + 1);
    gsize n = decode((const guint8 *)in, len, (guint8 *)out, TRUE, NULL, NULL);
    out[n] = '\0';
    return make_text(out, n);
}
