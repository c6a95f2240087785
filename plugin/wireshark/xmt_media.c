/* xmt_media.c: where bodies come in, for every transport that hands them to
 * the media_type table (HTTP/1.x and HTTP/2; HTTP/3 only from Wireshark 4.7).
 *
 * xmtrack takes over the media types of xmt_media_types.c, offers each body
 * to the transports (xmt_transports.c), and always chains to the built-in
 * dissector, which keeps the standard tree. */
#include <wireshark.h>
#include <epan/packet.h>

#include "wireshark/xmt_media.h"
#include "wireshark/xmt_media_types.h"
#include "wireshark/xmt_transports.h"
#include "wireshark/xmt_wire.h"

static dissector_handle_t builtin[XMT_MEDIA_TYPE_COUNT];

static int dissect_media(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, gsize hook)
{
    if (xmt_request_enabled())
        xmt_transports_media_body(tvb, pinfo, tree, data);
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

void xmt_media_handoff(void)
{
    static const dissector_t dissectors[] = { dissect_media_0, dissect_media_1, dissect_media_2, dissect_media_3 };
    G_STATIC_ASSERT(G_N_ELEMENTS(dissectors) == XMT_MEDIA_TYPE_COUNT);  /* a new media type needs its dissector */
    for (gsize i = 0; i < XMT_MEDIA_TYPE_COUNT; i++) {
        const xmt_media_type *t = &xmt_media_types[i];
        builtin[i] = find_dissector(t->builtin_name);
        /* No protocol on these handles: disabling xmtrack must not silence
         * the built-in dissectors they stand in for.  Hence a description
         * each, which Decode As needs to list a handle (4.6 aborts without). */
        dissector_handle_t h = create_dissector_handle_with_name_and_description(dissectors[i], -1, t->handle_name,
                                                                                 t->description);
        dissector_add_string("media_type", t->media_type, h);
    }
}
