/* xmt_wire.h: the request model every transport feeds.
 *
 * A transport adapter (xmt_transport_*.c) turns what its Wireshark dissector
 * exposes into an xmt_wire_request: method, authority (Host), path with query,
 * and headers by lower-case name.  From there the path is the same for all:
 * a body or a query becomes the core's xmt_request, is recognised, decoded,
 * shown and reported here.  No format module knows which transport carried
 * it, and nothing here calls back into a transport. */
#ifndef XMT_WIRE_H
#define XMT_WIRE_H

#include <epan/packet.h>

typedef struct {
    const char *method;   /* "GET", "POST", ... or NULL when unknown */
    const char *uri;      /* path and query as sent, valid UTF-8, or NULL */
    const char *host;     /* Host header or :authority (else the request line's), valid UTF-8, or NULL */
    wmem_map_t *headers;  /* lower-case name -> value, or NULL when unknown */
    const char *packed;   /* kept requests: "name\0value\0" pairs, then "\0"; looked up before headers */
} xmt_wire_request;

/* A copy in file scope, for later passes: HTTP keeps only the last request of
 * a connection, HTTP/2 nothing a plugin can reach.  One block per request:
 * every recognised upload of a capture keeps one, so a map per request (about
 * 1 KB each, measured as peak RSS growing with the capture) is too much. */
xmt_wire_request *xmt_wire_request_keep(const xmt_wire_request *w);

/* A header of `w` by lower-case name, or NULL. */
const char *xmt_wire_request_header(const xmt_wire_request *w, const char *lower_name);

/* Text from the wire as valid UTF-8 (it becomes string fields): 4.0's HTTP
 * replaced invalid bytes, 4.4 on hand them on as sent. */
const char *xmt_valid_utf8(packet_info *pinfo, const char *text);

/* The dissector is on and asked to look into HTTP at all. */
gboolean xmt_request_enabled(void);

/* A body of this request: recognised, and if it is vendor analytics, decoded
 * and shown under `tree`.  Exceptions stay inside.  TRUE when recognised. */
gboolean xmt_dissect_body(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, const xmt_wire_request *w,
                          const char *content_type);

/* The query of the request URI (GET beacons, any format that sends its pairs
 * as a query): recognised first, then made a data source named `source` on
 * top of `parent` and decoded.  TRUE when recognised. */
gboolean xmt_dissect_query(tvbuff_t *parent, packet_info *pinfo, proto_tree *tree, const xmt_wire_request *w,
                           const char *source);

/* The query of a URI, NULL when it has none or no format would look at it
 * (ordinary page URLs): what transports ask before keeping anything. */
const char *xmt_uri_payload_query(const char *uri);

#endif /* XMT_WIRE_H */
