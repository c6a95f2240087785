/* xmt_transport_http1.c: the HTTP/1.x adapter.
 *
 * Bodies reach xmtrack through the media_type takeover (xmt_media.c), with
 * HTTP's header map, and through the "http" heuristic list when they come
 * without a Content-Type; GET beacons, whose payload is in the request URI,
 * at the end of the packet (the plugin's postdissector, xmt_proto.c).
 *
 * HTTP's conversation holds the URI of the *last* request on a connection,
 * right only on the first sequential pass: the request of each message
 * xmtrack recognises is kept per frame so that a second pass (tshark -2) and
 * re-dissection in the GUI build the same tree.  Only recognised messages are
 * kept, so ordinary traffic costs no memory.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-http.h>

#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_transport.h"
#include "wireshark/xmt_wire.h"

static int proto_http = -1;

/* Per-frame keys (xmtrack's proto data); the low bits count the bodies seen
 * in the frame. */
#define XMT_KEY_URI_BASE 0x1000u
#define XMT_KEY_BODY_COUNT 1u
#define XMT_KEY_BEACON 2u

/* The n-th body of this frame gets the n-th slot (pipelined requests). */
static guint next_body_key(packet_info *pinfo)
{
    guint n = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT));
    p_set_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT, GUINT_TO_POINTER(n + 1));
    return XMT_KEY_URI_BASE + n;
}

/* The request line HTTP parsed last on this connection, as HTTP holds it
 * (no copy); on 4.4 the one of this frame's request.  Right on the first
 * pass only. */
static xmt_wire_request current_request_line(packet_info *pinfo)
{
    xmt_wire_request line = { NULL, NULL, NULL, NULL, NULL };
#if XMT_HTTP_REQUEST_PER_EXCHANGE
    http_req_res_t *rr = p_get_proto_data(wmem_file_scope(), pinfo, proto_http, HTTP_PROTO_DATA_REQRES);
    if (rr) {
        line.uri = rr->request_uri;
        line.host = rr->http_host;
    }
#else
    conversation_t *conv = find_conversation_pinfo(pinfo, 0);
    http_conv_t *http = conv && proto_http > 0 ? conversation_get_proto_data(conv, proto_http) : NULL;
    if (http) {
        line.uri = http->request_uri;
        line.host = http->http_host;
    }
#endif
    return line;
}

/* This body's request on the first pass: HTTP's request line and the header
 * map it handed over, made valid UTF-8. */
static xmt_wire_request first_pass_request(packet_info *pinfo, wmem_map_t *headers)
{
    xmt_wire_request w = current_request_line(pinfo);
    const char *host = headers ? wmem_map_lookup(headers, "host") : NULL;
    w.uri = xmt_valid_utf8(pinfo, w.uri);
    w.host = xmt_valid_utf8(pinfo, host ? host : w.host);
    w.headers = headers;
    return w;
}

/* Fills `w` for a body: HTTP's request on the first pass, ours (kept when
 * the message was recognised) on later ones; FALSE when a later pass meets
 * a body that was not recognised on the first. */
static gboolean body_request(packet_info *pinfo, guint key, wmem_map_t *headers, xmt_wire_request *w)
{
    if (!PINFO_FD_VISITED(pinfo)) {
        *w = first_pass_request(pinfo, headers);
        return TRUE;
    }
    const xmt_wire_request *kept = p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, key);
    if (kept)
        *w = *kept;
    return kept != NULL;
}

/* A body of an HTTP/1 request, under its per-frame slot. */
static gboolean dissect_http1_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, guint key,
                                   wmem_map_t *headers)
{
    xmt_wire_request w;
    if (!body_request(pinfo, key, headers, &w))
        return FALSE;
    if (!xmt_dissect_body(tvb, pinfo, tree, &w, pinfo->match_string))
        return FALSE;
    if (!PINFO_FD_VISITED(pinfo))
        p_add_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, key, xmt_wire_request_keep(&w));
    return TRUE;
}

static gboolean media_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    xmt_http_message_info *info = data;
    /* Every body counts, responses too: a frame with one holds no GET beacon
     * (4.4 on, HTTP marks a response's frame with its request's URI). */
    guint key = next_body_key(pinfo);
    if (info && !XMT_HTTP_IS_REQUEST(info))
        return FALSE;  /* analytics are uploads: responses are never ours */
    return dissect_http1_body(tvb, pinfo, tree, key, info ? info->data : NULL);
}

/* A page's Host, for the keys found in it: on the first pass HTTP's request
 * line of this connection (4.0: the last request parsed, which a response
 * answers) or exchange (4.4 on).  HTTP/1 hands its header map, HTTP/2 none. */
static const char *page_host(packet_info *pinfo, void *data)
{
    xmt_http_message_info *info = data;
    if (!info || !info->data || PINFO_FD_VISITED(pinfo))
        return NULL;
    return xmt_valid_utf8(pinfo, current_request_line(pinfo).host);
}

/* Bodies without a Content-Type reach the "http" heuristic list (with no
 * message info on 4.0).  Recognise cheaply; add nothing unless ours. */
static xmt_heur_result dissect_heur_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    if (!xmt_pref.decode_bodies || pinfo->match_uint != pinfo->destport)
        return FALSE;  /* off, or sent by the server: a response */
    return media_body(tvb, pinfo, tree, data);
}

/* ---- GET beacons: the payload is in the request URI ------------------- */

/* HTTP marks the frames of requests and responses with their exchange
 * (4.0's push_req/push_res, 4.4's per-exchange data): the cheapest test that
 * this one holds a request, not the response that 4.4 also marks with the
 * request's URI. */
static gboolean frame_holds_request(packet_info *pinfo)
{
#if XMT_HTTP_REQUEST_PER_EXCHANGE
    const http_req_res_t *rr = p_get_proto_data(wmem_file_scope(), pinfo, proto_http, HTTP_PROTO_DATA_REQRES);
#else
    const http_req_res_t *rr = p_get_proto_data(wmem_file_scope(), pinfo, proto_http, 0);
#endif
    return rr && rr->req_framenum == pinfo->num;
}

/* This frame's request whose URI may carry a payload, or NULL.  Read on the
 * first pass from HTTP's conversation, when the last request it parsed is in
 * this frame, and kept for later passes.  (Reading http.request.uri off the
 * tree instead would make HTTP build that field, and http.host, for every
 * request of every capture: half of xmtrack's cost on ordinary traffic,
 * measured.  What this gives up: of several requests in one frame, only the
 * last is seen; browsers, which send these beacons, do not pipeline.) */
static const xmt_wire_request *query_request(packet_info *pinfo)
{
    if (PINFO_FD_VISITED(pinfo))
        return p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, XMT_KEY_BEACON);
    if (p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT))
        return NULL;  /* a body was handed to us: an upload or a response, not a beacon */
    if (!frame_holds_request(pinfo))
        return NULL;
    xmt_wire_request line = current_request_line(pinfo);
    if (!xmt_uri_payload_query(line.uri))
        return NULL;
    line.method = "GET";
    line.uri = xmt_valid_utf8(pinfo, line.uri);
    line.host = xmt_valid_utf8(pinfo, line.host);
    xmt_wire_request *kept = xmt_wire_request_keep(&line);
    p_add_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, XMT_KEY_BEACON, kept);
    return kept;
}

static int packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    const xmt_wire_request *w = query_request(pinfo);
    if (!w || !xmt_dissect_query(tvb, pinfo, tree, w, "Request URI query"))
        return 0;
    return tvb_captured_length(tvb);
}

/* ---- registration ------------------------------------------------------ */

static void handoff_http1(void)
{
    proto_http = proto_get_id_by_filter_name("http");
    heur_dissector_add("http", dissect_heur_body, "Vendor Telemetry in HTTP bodies without Content-Type",
                       "xmtrack_http", proto_xmtrack, HEURISTIC_ENABLE);
}

const xmt_transport xmt_transport_http1 = { "HTTP/1.x", NULL, handoff_http1, media_body, page_host,
                                            packet_end };
