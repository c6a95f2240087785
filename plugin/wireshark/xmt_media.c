/* xmt_media.c: where bodies come in, for every transport that hands them to
 * the media_type table (HTTP/1.x and HTTP/2; HTTP/3 only from Wireshark 4.7).
 *
 * xmtrack takes over the media types of xmt_media_types.c: it offers each
 * upload body to the transports (xmt_transports.c), hands each page or
 * script a server sent to the key finder (xmt_keys.c), never to format
 * recognition, and always chains to the dissector that owned the type,
 * which keeps the standard tree. */
#include <wireshark.h>
#include <epan/packet.h>

#include "wireshark/xmt_keys.h"
#include "wireshark/xmt_media.h"
#include "wireshark/xmt_media_types.h"
#include "wireshark/xmt_transports.h"
#include "wireshark/xmt_wire.h"
#include "wireshark/xmt_ws_compat.h"

static dissector_handle_t builtin[XMT_MEDIA_TYPE_COUNT];

/* A page or script: keys are handed out in responses, so a body HTTP marks
 * as a request is passed over (HTTP/2 on 4.0 says neither: looked at). */
static void page_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    const xmt_http_message_info *info = data;
    if (info && XMT_HTTP_IS_REQUEST(info))
        return;
    xmt_keys_page_body(tvb, pinfo, tree, xmt_transports_page_host, data);
}

static int dissect_media(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, gsize hook)
{
    if (xmt_request_enabled()) {
        if (xmt_media_types[hook].role == XMT_MEDIA_PAGE)
            page_body(tvb, pinfo, tree, data);
        else
            xmt_transports_media_body(tvb, pinfo, tree, data);
    }
    /* Always hand on to the built-in owner: users keep the standard tree. */
    if (builtin[hook])
        return call_dissector_with_data(builtin[hook], tvb, pinfo, tree, data);
    return tvb_captured_length(tvb);
}

/* One dissector per media type: a handle carries no data of its own (and
 * create_dissector_handle_with_data, which would, names no description on
 * 4.0, which 4.6's Decode As requires). */
#define MEDIA_DISSECTOR(i)                                                                       \
    static int dissect_media_##i(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data) \
    {                                                                                            \
        return dissect_media(tvb, pinfo, tree, data, i);                                         \
    }
MEDIA_DISSECTOR(0)
MEDIA_DISSECTOR(1)
MEDIA_DISSECTOR(2)
MEDIA_DISSECTOR(3)
MEDIA_DISSECTOR(4)
MEDIA_DISSECTOR(5)
MEDIA_DISSECTOR(6)
MEDIA_DISSECTOR(7)

void xmt_media_handoff(void)
{
    static const dissector_t dissectors[] = { dissect_media_0, dissect_media_1, dissect_media_2, dissect_media_3,
                                              dissect_media_4, dissect_media_5, dissect_media_6, dissect_media_7 };
    G_STATIC_ASSERT(G_N_ELEMENTS(dissectors) == XMT_MEDIA_TYPE_COUNT);  /* a new media type needs its dissector */
    dissector_table_t media_types = find_dissector_table("media_type");
    for (gsize i = 0; i < XMT_MEDIA_TYPE_COUNT; i++) {
        const xmt_media_type *t = &xmt_media_types[i];
        /* The type's owner as the table holds it now (plugin handoffs run
         * after the built-in ones), else the one HTTP falls back to. */
        builtin[i] = media_types ? dissector_get_string_handle(media_types, t->media_type) : NULL;
        if (!builtin[i])
            builtin[i] = find_dissector(t->builtin_name);
        /* No protocol on these handles: disabling xmtrack must not silence
         * the built-in dissectors they stand in for.  Hence a description
         * each, which Decode As needs to list a handle (4.6 aborts without). */
        dissector_handle_t h = create_dissector_handle_with_name_and_description(dissectors[i], -1, t->handle_name,
                                                                                 t->description);
        dissector_add_string("media_type", t->media_type, h);
    }
}
