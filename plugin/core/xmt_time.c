/* xmt_time.c: event times written as text (xmt_time.h). */
#include "core/xmt_time.h"

#include <string.h>

/* UTC for texts without a zone: one zone for the program's life, made on
 * first use (GLib would otherwise read the local zone each time). */
static GTimeZone *utc_zone(void)
{
    static gsize made;
    static GTimeZone *utc;
    if (g_once_init_enter(&made)) {
        utc = g_time_zone_new_utc();
        g_once_init_leave(&made, 1);
    }
    return utc;
}

gboolean xmt_time_from_iso8601(const char *text, gint64 *ms)
{
    /* The shortest full form is "YYYY-MM-DDTHH:MM" (16); a date alone is no
     * event time.  The cap keeps hostile values from GLib's parser. */
    gsize len = text ? strlen(text) : 0;
    if (len < 16 || len > 64)
        return FALSE;
    GDateTime *t = g_date_time_new_from_iso8601(text, utc_zone());
    if (!t)
        return FALSE;
    *ms = g_date_time_to_unix(t) * 1000 + g_date_time_get_microsecond(t) / 1000;
    g_date_time_unref(t);
    return TRUE;
}
