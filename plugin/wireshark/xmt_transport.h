/* xmt_transport.h: a transport adapter, as a row of the transport table
 * (xmt_transports.c).  Each adapter (xmt_transport_<name>.c) turns what its
 * Wireshark dissector exposes into wire requests (xmt_wire.h) and defines
 * its row, xmt_transport_<name>. */
#ifndef XMT_TRANSPORT_H
#define XMT_TRANSPORT_H

#include <epan/packet.h>

typedef struct {
    const char *name;
    void (*register_fn)(void);  /* with the protocol's registration; NULL: nothing to register */
    void (*handoff)(void);      /* with its handoff */
    /* A body the media_type takeover (xmt_media.c) was handed, `data` as the
     * caller of the media_type table passed it: FALSE when the body is not
     * from this transport; NULL when the transport hands none that way. */
    gboolean (*media_body)(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);
    /* The Host of the request that a page or script body (handed to the
     * media_type takeover with `data`) answers, on the first pass; NULL when
     * the body is not from this transport or the Host is not known.  NULL:
     * the transport knows none. */
    const char *(*page_host)(packet_info *pinfo, void *data);
    /* At the end of every packet, after all other dissectors (the plugin's
     * one postdissector, xmt_proto.c, calls it while decoding requests is
     * on): what the transport reads from the finished packet.  Returns the
     * bytes it took (as a dissector does), 0 when none; NULL: nothing to
     * read. */
    int (*packet_end)(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);
} xmt_transport;

extern const xmt_transport xmt_transport_http1;
extern const xmt_transport xmt_transport_http2;
extern const xmt_transport xmt_transport_http3;

#endif /* XMT_TRANSPORT_H */
