/* xmt_base64.c: base64 decoding.
 *
 * GLib's g_base64_decode() does the arithmetic, but it silently skips any
 * character outside the standard alphabet, knows nothing of the URL-safe one
 * and cannot say where input went wrong.  So the text is first normalised and
 * checked here (URL-safe to standard, line breaks dropped, padding restored),
 * then handed to g_base64_decode_inplace(). */
#include "xmt_base64.h"

#include <string.h>

gboolean xmt_base64_has_payload_prefix(const guint8 *in, gsize len)
{
    if (len >= 4 && memcmp(in, "H4sI", 4) == 0)
        return TRUE;
    if (len < 2)
        return FALSE;
    return (in[0] == 'e' && (in[1] == 'J' || in[1] == 'y')) ||
           (in[0] == 'W' && in[1] == '3');
}

static gboolean is_std_alphabet(guint8 c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '/';
}

guint8 *xmt_base64_decode(const guint8 *in, gsize len, gsize *out_len, char **error)
{
    char *buf = g_malloc(len + 4);
    gsize n = 0;
    guint padding = 0;

    for (gsize i = 0; i < len; i++) {
        guint8 c = in[i];
        if (c == '\r' || c == '\n' || c == '\t')
            continue;
        if (c == '=') {
            padding++;
            continue;
        }
        if (c == '-' || c == ' ')
            c = '+';
        else if (c == '_')
            c = '/';
        if (!is_std_alphabet(c) || padding > 0) {
            *error = padding > 0
                ? g_strdup_printf("data after padding at offset %" G_GSIZE_FORMAT, i)
                : g_strdup_printf("invalid character 0x%02x at offset %" G_GSIZE_FORMAT, in[i], i);
            g_free(buf);
            return NULL;
        }
        buf[n++] = (char)c;
    }
    if (padding > 2 || n % 4 == 1) {
        *error = g_strdup_printf("impossible length: %" G_GSIZE_FORMAT " symbols, %u padding", n, padding);
        g_free(buf);
        return NULL;
    }
    if (n == 0) {
        *error = g_strdup("empty");
        g_free(buf);
        return NULL;
    }
    while (n % 4 != 0)
        buf[n++] = '=';
    buf[n] = '\0';
    gsize decoded = 0;
    g_base64_decode_inplace(buf, &decoded);
    *out_len = decoded;
    return (guint8 *)buf;
}
