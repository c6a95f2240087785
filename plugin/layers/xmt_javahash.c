/* xmt_javahash.c: Java String.hashCode() over UTF-8 input. */
#include "layers/xmt_javahash.h"

gint32 xmt_java_hash(const guint8 *text, gsize len)
{
    guint32 h = 0;
    gsize i = 0;
    while (i < len) {
        /* Four ASCII characters at once: h*31^4 + a*31^3 + b*31^2 + c*31 + d,
         * the same sum, with the multiplications independent of each other. */
        while (i + 4 <= len && (text[i] | text[i + 1] | text[i + 2] | text[i + 3]) < 0x80) {
            h = h * 923521u + text[i] * 29791u + text[i + 1] * 961u + text[i + 2] * 31u + text[i + 3];
            i += 4;
        }
        if (i >= len)
            break;
        if (text[i] < 0x80) {  /* the common case: base64 and JSON are ASCII */
            h = 31u * h + text[i++];
            continue;
        }
        gunichar c = g_utf8_get_char_validated((const gchar *)text + i, (gssize)(len - i));
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            h = 31u * h + 0xFFFDu;
            i++;
            continue;
        }
        i += (gsize)g_unichar_to_utf8(c, NULL);
        if (c >= 0x10000) {    /* a surrogate pair in UTF-16 */
            c -= 0x10000;
            h = 31u * h + (0xD800u + (c >> 10));
            h = 31u * h + (0xDC00u + (c & 0x3FF));
        } else {
            h = 31u * h + c;
        }
    }
    return (gint32)h;
}
