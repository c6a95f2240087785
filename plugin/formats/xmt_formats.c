/* xmt_formats.c: the one table of vendor formats (xmt_formats.h).
 *
 * Order matters only between formats that could both claim a request: the
 * Sensors form comes first (its data=/data_list= with a payload marker is
 * the most specific), OneTrack's key exchange last. */
#include "xmt_formats.h"

#include "xmt_miui_analytics.h"
#include "xmt_miui_tracker.h"
#include "xmt_mistat.h"
#include "xmt_onetrack.h"
#include "xmt_sensors.h"

/* JS image beacons (formats.md §1): data= or data_list= in the query. */
static const char *const sensors_query_markers[] = { "data", "data_list", NULL };
/* MiStat sends its v2 pairs as a GET on some phones (stat_value=), and v3's
 * (sv=, ai=) the same way. */
static const char *const mistat_query_markers[] = { "stat_value", "sv", "ai", NULL };

const xmt_format xmt_formats[] = {
    { XMT_SDK_SENSORS, XMT_SHAPE_FORM_BODY | XMT_SHAPE_URI_QUERY, sensors_query_markers,
      xmt_sensors_recognise, xmt_sensors_decode, NULL, NULL },
    { XMT_SDK_MIUI_TRACKER, XMT_SHAPE_FORM_BODY, NULL,
      xmt_miui_tracker_recognise, xmt_miui_tracker_decode, NULL, NULL },
    { XMT_SDK_MIUI_ANALYTICS, XMT_SHAPE_FORM_BODY, NULL,
      xmt_miui_analytics_recognise, xmt_miui_analytics_decode, NULL, NULL },
    { XMT_SDK_MISTAT, XMT_SHAPE_FORM_BODY | XMT_SHAPE_URI_QUERY, mistat_query_markers,
      xmt_mistat_recognise, xmt_mistat_decode, NULL, NULL },
    { XMT_SDK_ONETRACK, XMT_SHAPE_FORM_BODY | XMT_SHAPE_RAW_BODY, NULL,
      xmt_onetrack_recognise, xmt_onetrack_decode, xmt_onetrack_recognise_body, xmt_onetrack_decode_body },
};

const gsize xmt_format_count = G_N_ELEMENTS(xmt_formats);

const xmt_format *xmt_format_of(xmt_sdk sdk)
{
    for (gsize i = 0; i < xmt_format_count; i++)
        if (xmt_formats[i].sdk == sdk)
            return &xmt_formats[i];
    return NULL;
}
