/* xmt_time.h: event times written as text, to epoch milliseconds. */
#ifndef XMT_TIME_H
#define XMT_TIME_H

#include <glib.h>

/* An ISO 8601 date and time ("2026-12-07T03:34:43.877Z", "...+08:00", a
 * space for the 'T'; without a zone it is UTC) as epoch milliseconds, the
 * fraction cut to milliseconds.  FALSE when the text is not one, or names
 * no day between the years 1 and 9999.  GLib's parser reads it. */
gboolean xmt_time_from_iso8601(const char *text, gint64 *ms);

#endif
