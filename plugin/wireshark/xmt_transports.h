/* xmt_transports.h: the table of transports. */
#ifndef XMT_TRANSPORTS_H
#define XMT_TRANSPORTS_H

#include <epan/packet.h>

void xmt_transports_register(void);
void xmt_transports_handoff(void);

/* A body handed to the media_type takeover: offered to each transport in
 * the table's order until one takes it. */
void xmt_transports_media_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data);

/* The Host a page or script body came from, as the first transport that
 * knows it says; NULL when none does. */
const char *xmt_transports_page_host(packet_info *pinfo, void *data);

/* The end of a packet: each transport's packet_end in the table's order.
 * Returns the most bytes one of them took (0: none took any). */
int xmt_transports_packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);

#endif /* XMT_TRANSPORTS_H */
