/* xmt_transport_http3.c: the HTTP/3 adapter: GET requests only.
 *
 * Wireshark decodes HTTP/3 header blocks from 4.2 on when built with nghttp3
 * (Debian's 4.4 and 4.6 are) and adds each one as a "Decompressed Header"
 * data source, in HTTP/2's layout (xmt_header_blocks.h): requests with their
 * payload in :path are read from there.  Bodies are not handed to the
 * media_type table before 4.7 (its release notes: "Media type dissectors are
 * called for the Content-Type"), so uploads in HTTP/3 bodies stay unseen up
 * to 4.6: docs/architecture.md, "Transports". */
#include <wireshark.h>
#include <epan/packet.h>

#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_header_blocks.h"
#include "wireshark/xmt_transport.h"

static int proto_http3 = -1;
static int packet_end(tvbuff_t *tvb _U_, packet_info *pinfo, proto_tree *tree)
{
    if (proto_http3 <= 0 || !xmt_packet_has_layer(pinfo, proto_http3))
        return 0;
    wmem_array_t *blocks = xmt_header_blocks_of_packet(pinfo);
    guint n = blocks ? wmem_array_get_count(blocks) : 0;
    for (guint i = 0; i < n; i++) {
        xmt_header_block *b = wmem_array_index(blocks, i);
        if (b->opens_request && b->w.method && strcmp(b->w.method, "GET") == 0)
            xmt_dissect_query(b->tvb, pinfo, tree, &b->w, "HTTP/3 :path query");
    }
    return 0;
}

static void handoff_http3(void)
{
    proto_http3 = proto_get_id_by_filter_name("http3");
}

/* No bodies: HTTP/3 hands none to the media_type table before 4.7. */
const xmt_transport xmt_transport_http3 = { "HTTP/3", NULL, handoff_http3, NULL, NULL, packet_end };
