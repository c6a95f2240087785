/* xmt_javahash.h: the Sensors "crc", which is Java's String.hashCode(). */
#ifndef XMT_JAVAHASH_H
#define XMT_JAVAHASH_H

#include <glib.h>

/* Java String.hashCode() of UTF-8 text: h = 31*h + c over the UTF-16 code
 * units, modulo 2^32, as a signed 32-bit value.  Invalid UTF-8 counts as
 * U+FFFD per byte, as Java's UTF-8 decoder does. */
gint32 xmt_java_hash(const guint8 *text, gsize len);

#endif
