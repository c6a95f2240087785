/* xmt_media_types.c: the media types xmtrack looks into (xmt_media_types.h). */
#include <string.h>

#include "wireshark/xmt_media_types.h"

/* Descriptions differ from row to row: Decode As lists the handles by them,
 * and 4.6 aborts on two alike in one table. */
const xmt_media_type xmt_media_types[XMT_MEDIA_TYPE_COUNT] = {
    { "application/x-www-form-urlencoded", XMT_MEDIA_UPLOAD, "urlencoded-form", "xmtrack_form",
      "Vendor Telemetry, then URL-encoded form" },
    { "application/json", XMT_MEDIA_UPLOAD, "json", "xmtrack_json", "Vendor Telemetry, then JSON" },
    { "text/plain", XMT_MEDIA_UPLOAD, "data-text-lines", "xmtrack_text", "Vendor Telemetry, then text lines" },
    /* OneTrack's binary uploads: on 4.0 the "data" dissector owns this type,
     * so the http heuristic never sees them (measured). */
    { "application/octet-stream", XMT_MEDIA_UPLOAD, "data", "xmtrack_octets", "Vendor Telemetry, then data" },
    /* Pages and scripts, where a site hands the Sensors web SDK's AES plugin
     * its key.  4.0 to 4.6 give the first three to data-text-lines and no
     * one application/javascript, which HTTP then hands to "media" (measured
     * with -T fields -e frame.protocols on testdata/encrypted). */
    { "text/html", XMT_MEDIA_PAGE, "data-text-lines", "xmtrack_html",
      "Vendor Telemetry keys in HTML, then text lines" },
    { "text/javascript", XMT_MEDIA_PAGE, "data-text-lines", "xmtrack_js",
      "Vendor Telemetry keys in JavaScript, then text lines" },
    { "application/x-javascript", XMT_MEDIA_PAGE, "data-text-lines", "xmtrack_xjs",
      "Vendor Telemetry keys in JavaScript (x-javascript), then text lines" },
    { "application/javascript", XMT_MEDIA_PAGE, "media", "xmtrack_appjs",
      "Vendor Telemetry keys in JavaScript, then media" },
};

gboolean xmt_media_type_taken(const char *content_type)
{
    gsize n = strcspn(content_type, "; \t");
    for (gsize i = 0; i < G_N_ELEMENTS(xmt_media_types); i++)
        if (xmt_media_types[i].role == XMT_MEDIA_UPLOAD && strlen(xmt_media_types[i].media_type) == n &&
            g_ascii_strncasecmp(content_type, xmt_media_types[i].media_type, n) == 0)
            return TRUE;
    return FALSE;
}
