/* xmt_privacy.h: the user's side of the privacy layer: the watch list (a UAT
 * of the user's own identifiers) and the user's own search engines. */
#ifndef XMT_PRIVACY_H
#define XMT_PRIVACY_H

#include <epan/prefs.h>

#include "core/xmt_watch.h"

/* Registers the watch list and search-engine preferences in `module`. */
void xmt_privacy_register(module_t *module);
/* Applies the preferences (when they change). */
void xmt_privacy_apply_prefs(void);
const xmt_watchlist *xmt_privacy_watchlist(void);

#endif /* XMT_PRIVACY_H */
