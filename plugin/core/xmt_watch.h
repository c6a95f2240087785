/* xmt_watch.h: the user's own identifiers, found in decoded events even when
 * the SDK hashed or encoded them. */
#ifndef XMT_WATCH_H
#define XMT_WATCH_H

#include <glib.h>
#include "core/xmt_message.h"

typedef struct xmt_watchlist xmt_watchlist;

typedef struct {
    const char *label;   /* the user's name for the entry, e.g. "my IMEI" */
    const char *form;    /* "clear", "MD5", "SHA-1", "SHA-256", "base64" */
    const char *path;    /* where in the event */
    xmt_span span;
} xmt_watch_hit;

xmt_watchlist *xmt_watchlist_new(void);
void xmt_watchlist_free(xmt_watchlist *wl);
/* Adds an entry and precomputes its forms; empty values are ignored. */
void xmt_watchlist_add(xmt_watchlist *wl, const char *label, const char *value);
gboolean xmt_watchlist_is_empty(const xmt_watchlist *wl);

/* Records in ev each entry found in this leaf value (once per entry and event). */
void xmt_watch_scan_leaf(const xmt_watchlist *wl, xmt_message *msg, xmt_event *ev,
                         const char *path, const char *value, xmt_span span);

#endif
