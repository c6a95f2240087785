/* xmt_media_types.c: the media types xmtrack looks into (xmt_media_types.h). */
#include <string.h>

#include "wireshark/xmt_media_types.h"

const xmt_media_type xmt_media_types[XMT_MEDIA_TYPE_COUNT] = {
    { "application/x-www-form-urlencoded", "urlencoded-form", "xmtrack_form",
      "Vendor Telemetry, then URL-encoded form" },
    { "application/json", "json", "xmtrack_json", "Vendor Telemetry, then JSON" },
    { "text/plain", "data-text-lines", "xmtrack_text", "Vendor Telemetry, then text lines" },
    /* OneTrack's binary uploads: on 4.0 the "data" dissector owns this type,
     * so the http heuristic never sees them (measured). */
    { "application/octet-stream", "data", "xmtrack_octets", "Vendor Telemetry, then data" },
};


gboolean xmt_media_type_taken(const char *content_type)
{
    gsize n = strcspn(content_type, "; \t");
    for (gsize i = 0; i < G_N_ELEMENTS(xmt_media_types); i++)
        if (strlen(xmt_media_types[i].media_type) == n &&
            g_ascii_strncasecmp(content_type, xmt_media_types[i].media_type, n) == 0)
            return TRUE;
    return FALSE;
}
