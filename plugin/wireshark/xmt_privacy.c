/* xmt_privacy.c: the user's side of the privacy layer: the watch list (a UAT
 * of the user's own identifiers) and the user's own search engines. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/uat.h>

#include "core/xmt_search.h"
#include "core/xmt_watch.h"
#include "wireshark/xmt_privacy.h"
#include "wireshark/xmt_ws_compat.h"

typedef struct {
    char *label;
    char *value;
} watch_record;

static watch_record *watch_records;
static guint watch_record_count;
static xmt_watchlist *watchlist;   /* built from the records after every change */
static const char *user_search_engines = "";

UAT_CSTRING_CB_DEF(watch, label, watch_record)
UAT_CSTRING_CB_DEF(watch, value, watch_record)

static void *watch_copy(void *dest, const void *src, size_t len _U_)
{
    watch_record *d = dest;
    const watch_record *s = src;
    d->label = g_strdup(s->label);
    d->value = g_strdup(s->value);
    return d;
}

static void watch_free(void *r)
{
    watch_record *rec = r;
    g_free(rec->label);
    g_free(rec->value);
}

static xmt_uat_cb_result watch_update(void *r, char **error)
{
    const watch_record *rec = r;
    if (!rec->value || !rec->value[0]) {
        *error = g_strdup("The identifier must not be empty");
        return FALSE;
    }
    return TRUE;
}

static void watch_rebuild(void)
{
    xmt_watchlist_free(watchlist);
    watchlist = NULL;
    if (watch_record_count == 0)
        return;
    watchlist = xmt_watchlist_new();
    for (guint i = 0; i < watch_record_count; i++)
        xmt_watchlist_add(watchlist, watch_records[i].label, watch_records[i].value);
}

const xmt_watchlist *xmt_privacy_watchlist(void)
{
    return watchlist;
}

void xmt_privacy_apply_prefs(void)
{
    xmt_search_set_user_engines(user_search_engines);
}

void xmt_privacy_register(module_t *module)
{
    static uat_field_t fields[] = {
        UAT_FLD_CSTRING(watch, label, "Label", "Your name for the identifier, shown in xmtrack.watch"),
        UAT_FLD_CSTRING(watch, value, "Identifier", "The value as you know it: IMEI, phone number, e-mail, "
                                                   "Android ID, advertising ID, account id, ..."),
        UAT_END_FIELDS
    };
    uat_t *uat = uat_new("xmtrack watch list", sizeof(watch_record), "xmtrack_watchlist", TRUE,
                         &watch_records, &watch_record_count, UAT_AFFECTS_DISSECTION, NULL,
                         watch_copy, watch_update, watch_free, watch_rebuild, NULL, fields);
    prefs_register_uat_preference(module, "watchlist", "Watch list",
        "Your own identifiers. xmtrack flags each one found in a decoded event, as sent, as hex of its "
        "MD5, SHA-1 or SHA-256, or in base64.", uat);
    prefs_register_string_preference(module, "search_engines", "More search engines",
        "Search engines beyond the built-in ones, as host-label:parameter pairs separated by commas, "
        "e.g. \"qwant:q,searx:q\": the label must be one dot-separated part of the host name.",
        &user_search_engines);
}
