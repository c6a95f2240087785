/* xmt_sensors_keys.h: the Sensors web SDK's AES plugin keys a page hands out.
 *
 * A site that turns on the plugin writes its key into the page, for every
 * visitor: sensors.use(AesEncryption, {k: '<base64 key>', kid: <number>,
 * khash: '<string>'}) in an inline script, a config script or a minified
 * bundle (docs/formats/sensors-encryption.md §4 lists the spellings).  This
 * finds each such object literal in an HTML or JavaScript response body.
 *
 * Cost: one memmem() for "khash" (the plugin refuses a config without it, so
 * every working one has the word); a body without it is done then.  Each hit
 * parses at most a few KiB around it, and at most XMT_SENSORS_KEYS_MAX_HITS
 * hits are looked at. */
#ifndef XMT_SENSORS_KEYS_H
#define XMT_SENSORS_KEYS_H

#include <glib.h>

#define XMT_SENSORS_KEYS_MAX_HITS 256   /* "khash" occurrences examined per body */
#define XMT_SENSORS_KEYS_MAX_OBJECT 4096 /* bytes of one object literal */

typedef struct {
    char *key_id;          /* kid as an upload's key_id carries it (JSON number text: "7", "1000") */
    gboolean kid_quoted;   /* kid written as a string: the 1.27.11 plugin refuses it and sends in clear */
    guint8 *key;           /* k, base64-decoded */
    gsize key_len;
    char *k_text;          /* k as written */
    char *khash;           /* khash as written; NULL when it is not a string literal */
    /* Byte ranges in the body: the object literal, and each value (strings
     * without their quotes); khash_len is 0 when khash is not a literal. */
    gsize object_off, object_len;
    gsize k_off, k_len;
    gsize kid_off, kid_len;
    gsize khash_off, khash_len;
} xmt_sensors_key;

/* TRUE when the body may hold a configuration (it has the marker). */
gboolean xmt_sensors_body_may_have_keys(const guint8 *body, gsize len);

/* Every complete configuration (k a string literal that base64-decodes, kid a
 * number or a string of digits) in body, in body order, at most max_keys.
 * A GArray of xmt_sensors_key, possibly empty; free with xmt_sensors_keys_free. */
GArray *xmt_sensors_find_keys(const guint8 *body, gsize len, guint max_keys);
void xmt_sensors_keys_free(GArray *keys);

#endif
