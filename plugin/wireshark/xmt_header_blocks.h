/* xmt_header_blocks.h: the header blocks HTTP/2 and HTTP/3 decompress.
 *
 * Both dissectors add every header block they decompress (HPACK, QPACK) to
 * the packet as a data source, "Decompressed Header", in one layout: for each
 * field a 32-bit big-endian name length, the name, a 32-bit value length, the
 * value (packet-http2.c, packet-http3.c; 4.0 to 4.6).  They do so on every
 * pass, from their own per-frame cache after the first, and whether or not a
 * tree is built: reading them costs no primed fields and no tree. */
#ifndef XMT_HEADER_BLOCKS_H
#define XMT_HEADER_BLOCKS_H

#include "wireshark/xmt_wire.h"

typedef struct {
    tvbuff_t *tvb;          /* the data source */
    xmt_wire_request w;     /* pseudo-headers and headers, in pinfo->pool */
    gboolean opens_request; /* has :method (the first block of a request) */
    gboolean claimed;       /* given to a stream already */
    /* HTTP/2's split blocks (xmt_transport_http2.c): */
    gboolean joined;        /* a later fragment of the block before it, its fields moved there */
    gboolean completes;     /* the fragment that completed an earlier packet's block: its request */
    gboolean unfinished;    /* a request block that more fragments must complete */
} xmt_header_block;

/* The header blocks of this packet's data sources, in the order they were
 * decompressed, responses (:status) left out; NULL when there are none. */
wmem_array_t *xmt_header_blocks_of_packet(packet_info *pinfo);

/* A header block as text, "name: value" lines ending in CRLF: what HTTP/2's
 * follow tap hands its listeners from 4.4 on (4.0 hands the data source
 * itself).  FALSE unless it is a request's block, pseudo-headers first. */
gboolean xmt_header_block_from_text(tvbuff_t *tvb, packet_info *pinfo, xmt_header_block *b);

/* The protocol `proto` dissected part of this packet. */
gboolean xmt_packet_has_layer(packet_info *pinfo, int proto);

#endif
