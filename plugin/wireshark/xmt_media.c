/* xmt_media.c: where bodies come in, for every transport that hands them to
 * the media_type table (HTTP/1.x and HTTP/2; HTTP/3 only from Wireshark 4.7).
 *
 * On Wireshark 4.0 the "http" heuristic list is never consulted for form,
 * JSON, plain-text or application/octet-stream bodies, because built-in
 * dissectors own those media types (shared notes, wireshark-4.0.md §1; for
 * octet-stream, "data", measured on 4.0.17).  So xmtrack takes over those
 * media_type entries, gives the body to the adapter of the transport that
 * carried it, and always chains to the built-in dissector, which keeps the
 * standard tree.
 */
#include <wireshark.h>
#include <epan/packet.h>

#include "xmt_request.h"

/* Built-in owners of the media types we take over, and our stand-ins. */
typedef struct {
    const char *media_type;
    const char *builtin_name;
    const char *handle_name;   /* each handle distinct: Decode As lists them */
    const char *description;
    dissector_handle_t builtin;
} media_hook;

static media_hook media_hooks[] = {
    { "application/x-www-form-urlencoded", "urlencoded-form", "xmtrack_form",
      "Xiaomi Telemetry, then URL-encoded form", NULL },
    { "application/json", "json", "xmtrack_json", "Xiaomi Telemetry, then JSON", NULL },
    { "text/plain", "data-text-lines", "xmtrack_text", "Xiaomi Telemetry, then text lines", NULL },
    /* OneTrack's binary uploads: on 4.0 the "data" dissector owns this type,
     * so the http heuristic never sees them (measured). */
    { "application/octet-stream", "data", "xmtrack_octets", "Xiaomi Telemetry, then data", NULL },
};

gboolean xmt_media_type_taken(const char *content_type)
{
    gsize n = strcspn(content_type, "; \t");
    for (gsize i = 0; i < G_N_ELEMENTS(media_hooks); i++)
        if (strlen(media_hooks[i].media_type) == n && g_ascii_strncasecmp(content_type, media_hooks[i].media_type, n) == 0)
            return TRUE;
    return FALSE;
}

static int dissect_media(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, const media_hook *hook)
{
    /* HTTP/2 tells itself apart (its own layer is the last one); every other
     * caller is treated as HTTP/1, which rejects what is not a request. */
    if (xmt_request_enabled() && !xmt_http2_media_body(tvb, pinfo, tree, data))
        xmt_http1_media_body(tvb, pinfo, tree, data);
    /* Always hand on to the built-in owner: users keep the standard tree. */
    if (hook->builtin)
        return call_dissector_with_data(hook->builtin, tvb, pinfo, tree, data);
    return tvb_captured_length(tvb);
}

static int dissect_media_form(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return dissect_media(tvb, pinfo, tree, data, &media_hooks[0]);
}

static int dissect_media_json(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return dissect_media(tvb, pinfo, tree, data, &media_hooks[1]);
}

static int dissect_media_text(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return dissect_media(tvb, pinfo, tree, data, &media_hooks[2]);
}

static int dissect_media_octets(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    return dissect_media(tvb, pinfo, tree, data, &media_hooks[3]);
}

void xmt_media_handoff(void)
{
    static const dissector_t media_dissectors[] = { dissect_media_form, dissect_media_json, dissect_media_text,
                                                    dissect_media_octets };
    G_STATIC_ASSERT(G_N_ELEMENTS(media_dissectors) == G_N_ELEMENTS(media_hooks));
    for (gsize i = 0; i < G_N_ELEMENTS(media_hooks); i++) {
        media_hooks[i].builtin = find_dissector(media_hooks[i].builtin_name);
        /* No protocol on these handles: disabling xmtrack must not silence
         * the built-in dissectors they stand in for.  Hence a description
         * each, which Decode As needs to list a handle (4.6 aborts without). */
        dissector_handle_t h = create_dissector_handle_with_name_and_description(
            media_dissectors[i], -1, media_hooks[i].handle_name, media_hooks[i].description);
        dissector_add_string("media_type", media_hooks[i].media_type, h);
    }
}
