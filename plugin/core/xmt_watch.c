/* xmt_watch.c: watch-list matching.
 *
 * Each entry is expanded once, when the list is built, into the forms SDKs
 * send identifiers in: as is, hex of its MD5, SHA-1 and SHA-256 (matched in
 * either case), and base64.  Matching a leaf is then substring searches
 * only; an empty list costs nothing (callers check xmt_watchlist_is_empty). */
#include "core/xmt_watch.h"

#include <string.h>
#include <wsutil/wsgcrypt.h>

typedef struct {
    char *label;
    char *forms[5];   /* clear (lower case), md5, sha1, sha256 (lower-case hex), base64 */
} watch_entry;

static const char *const form_names[5] = { "clear", "MD5", "SHA-1", "SHA-256", "base64" };

struct xmt_watchlist {
    GArray *entries;  /* of watch_entry */
};

xmt_watchlist *xmt_watchlist_new(void)
{
    xmt_watchlist *wl = g_new0(xmt_watchlist, 1);
    wl->entries = g_array_new(FALSE, TRUE, sizeof(watch_entry));
    return wl;
}

void xmt_watchlist_free(xmt_watchlist *wl)
{
    if (!wl)
        return;
    for (guint i = 0; i < wl->entries->len; i++) {
        watch_entry *e = &g_array_index(wl->entries, watch_entry, i);
        g_free(e->label);
        for (int f = 0; f < 5; f++)
            g_free(e->forms[f]);
    }
    g_array_free(wl->entries, TRUE);
    g_free(wl);
}

gboolean xmt_watchlist_is_empty(const xmt_watchlist *wl)
{
    return !wl || wl->entries->len == 0;
}

static char *hex_digest(int algo, const char *value)
{
    unsigned int n = gcry_md_get_algo_dlen(algo);
    guint8 digest[64];
    gcry_md_hash_buffer(algo, digest, value, strlen(value));
    GString *hex = g_string_sized_new(n * 2);
    for (unsigned int i = 0; i < n; i++)
        g_string_append_printf(hex, "%02x", digest[i]);
    return g_string_free(hex, FALSE);
}

/* base64 without its padding: the form is searched inside longer strings. */
static char *base64_unpadded(const char *value)
{
    char *b64 = g_base64_encode((const guchar *)value, strlen(value));
    char *pad = strchr(b64, '=');
    if (pad)
        *pad = '\0';
    return b64;
}

void xmt_watchlist_add(xmt_watchlist *wl, const char *label, const char *value)
{
    if (!value || !value[0])
        return;
    watch_entry e;
    e.label = g_strdup(label && label[0] ? label : value);
    e.forms[0] = g_utf8_strdown(value, -1);
    e.forms[1] = hex_digest(GCRY_MD_MD5, value);
    e.forms[2] = hex_digest(GCRY_MD_SHA1, value);
    e.forms[3] = hex_digest(GCRY_MD_SHA256, value);
    e.forms[4] = base64_unpadded(value);
    g_array_append_val(wl->entries, e);
}

/* Case-insensitive search for ASCII needles (hex digests, lower-cased clear values). */
static gboolean contains_nocase(const char *haystack, const char *needle)
{
    gsize n = strlen(needle);
    for (const char *p = haystack; *p; p++)
        if (g_ascii_strncasecmp(p, needle, n) == 0)
            return TRUE;
    return FALSE;
}

static void record(xmt_message *msg, xmt_event *ev, const watch_entry *e, int form, const char *path, xmt_span span)
{
    if (!ev->watch)
        ev->watch = g_array_new(FALSE, FALSE, sizeof(xmt_watch_hit));
    for (guint i = 0; i < ev->watch->len; i++)
        if (strcmp(g_array_index(ev->watch, xmt_watch_hit, i).label, e->label) == 0)
            return;  /* once per entry and event */
    xmt_watch_hit hit = { xmt_message_strdup(msg, e->label), form_names[form],
                          xmt_message_strdup(msg, path), span };
    g_array_append_val(ev->watch, hit);
}

void xmt_watch_scan_leaf(const xmt_watchlist *wl, xmt_message *msg, xmt_event *ev,
                         const char *path, const char *value, xmt_span span)
{
    if (xmt_watchlist_is_empty(wl) || !value || !value[0])
        return;
    for (guint i = 0; i < wl->entries->len; i++) {
        const watch_entry *e = &g_array_index(wl->entries, watch_entry, i);
        for (int f = 0; f < 5; f++) {
            /* base64 is case-sensitive; the others are matched in either case */
            gboolean found = f == 4 ? strstr(value, e->forms[f]) != NULL : contains_nocase(value, e->forms[f]);
            if (found) {
                record(msg, ev, e, f, path, span);
                break;
            }
        }
    }
}
