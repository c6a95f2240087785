/* xmt_base64.c: base64 decoding.
 *
 * Hand-written because no library at hand does what a dissector needs:
 * GLib's g_base64_decode() silently skips any character outside the standard
 * alphabet, knows nothing of the URL-safe one and cannot say where input went
 * wrong; Wireshark's own base64 helpers are GLib's.  One table lookup per
 * character reads both alphabets at once (the payloads mix neither, but each
 * SDK picks one), skips line breaks and finds padding. */
#include "layers/xmt_base64.h"

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

enum { SKIP = 64, PAD = 65, BAD = 255 };

/* 0..63: the symbol's value, in the standard alphabet (+ /) and the URL-safe
 * one (- _); a space is '+' turned into one by a form decoder upstream. */
static const guint8 symbol[256] = {
    255, 255, 255, 255, 255, 255, 255, 255, 255,  64,  64, 255, 255,  64, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
     62, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,  62, 255,  62, 255,  63,
     52,  53,  54,  55,  56,  57,  58,  59,  60,  61, 255, 255, 255,  65, 255, 255,
    255,   0,   1,   2,   3,   4,   5,   6,   7,   8,   9,  10,  11,  12,  13,  14,
     15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25, 255, 255, 255, 255,  63,
    255,  26,  27,  28,  29,  30,  31,  32,  33,  34,  35,  36,  37,  38,  39,  40,
     41,  42,  43,  44,  45,  46,  47,  48,  49,  50,  51, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
    255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
};

static guint8 *fail(guint8 *out, char **error, char *reason)
{
    g_free(out);
    *error = reason;
    return NULL;
}

guint8 *xmt_base64_decode(const guint8 *in, gsize len, gsize *out_len, char **error)
{
    guint8 *out = g_malloc(len / 4 * 3 + 3);
    gsize o = 0, symbols = 0;
    guint padding = 0, pending = 0;  /* symbols of the current quad */
    guint32 quad = 0;
    for (gsize i = 0; i < len; i++) {
        /* Whole quads of plain symbols, the bulk of any payload, in one step. */
        while (pending == 0 && padding == 0 && i + 4 <= len) {
            guint8 a = symbol[in[i]], b = symbol[in[i + 1]], c = symbol[in[i + 2]], d = symbol[in[i + 3]];
            if ((a | b | c | d) >= 64)
                break;
            guint32 q = (guint32)a << 18 | (guint32)b << 12 | (guint32)c << 6 | d;
            out[o] = (guint8)(q >> 16);
            out[o + 1] = (guint8)(q >> 8);
            out[o + 2] = (guint8)q;
            o += 3;
            i += 4;
            symbols += 4;
        }
        if (i >= len)
            break;
        guint8 v = symbol[in[i]];
        if (v < 64 && padding == 0) {
            quad = quad << 6 | v;
            if (++pending == 4) {
                out[o++] = (guint8)(quad >> 16);
                out[o++] = (guint8)(quad >> 8);
                out[o++] = (guint8)quad;
                pending = 0;
                quad = 0;
            }
            symbols++;
            continue;
        }
        if (v == SKIP)
            continue;
        if (v == PAD) {
            padding++;
            continue;
        }
        return fail(out, error, v < 64
            ? g_strdup_printf("data after padding at offset %" G_GSIZE_FORMAT, i)
            : g_strdup_printf("invalid character 0x%02x at offset %" G_GSIZE_FORMAT, in[i], i));
    }
    if (padding > 2 || pending == 1)
        return fail(out, error, g_strdup_printf("impossible length: %" G_GSIZE_FORMAT " symbols, %u padding",
                                                symbols, padding));
    if (symbols == 0)
        return fail(out, error, g_strdup("empty"));
    /* A last, short quad: 2 symbols carry one byte, 3 carry two (their
     * unused low bits are ignored, as every decoder does). */
    if (pending == 2) {
        out[o++] = (guint8)(quad >> 4);
    } else if (pending == 3) {
        out[o++] = (guint8)(quad >> 10);
        out[o++] = (guint8)(quad >> 2);
    }
    *out_len = o;
    return out;
}
