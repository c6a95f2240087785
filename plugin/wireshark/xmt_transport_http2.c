/* xmt_transport_http2.c: the HTTP/2 adapter (h2 over TLS and h2c alike).
 *
 * What HTTP/2 gives a plugin (docs/architecture.md, "Transports"):
 *  - bodies, after reassembly at END_STREAM and decompression, through the
 *    media_type table, but with no header map, no direction and no stream;
 *  - no exported way to read a stream's headers (http2_get_header_value is
 *    not public).
 * So the request is rebuilt from what is public:
 *  - every decompressed header block, HEADERS and CONTINUATION, is a data
 *    source of its packet (xmt_header_blocks.h): GET requests, whose payload
 *    is in :path, are decoded from it at the end of the packet;
 *  - which stream a block belongs to comes with HTTP/2's "http2_follow" tap,
 *    which runs after the packet: the request of each stream that can carry
 *    a body we look at is kept per (TCP stream, HTTP/2 stream) from then on;
 *  - which stream a body belongs to is what HTTP/2's own "Follow HTTP/2
 *    Stream" filter function reports while the body is handed over.
 * Bodies are decoded at the end of their packet too, after its header
 * blocks were read: a body may end in the packet that opened its stream.
 * A header block too large for one frame goes out as HEADERS and then
 * CONTINUATION frames, and HTTP/2 decompresses each on its own: the
 * fragments are joined first (see "split header blocks").
 * Every pass finds the same: header blocks come from HTTP/2's per-frame
 * cache, stream ids from its session, kept requests never change once
 * kept, and a block joined across packets is kept with its frame, so
 * tshark -2 and GUI re-dissection build the same tree.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/follow.h>
#include <epan/tap.h>
#include <epan/proto_data.h>
#include <epan/address.h>

#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_header_blocks.h"
#include "wireshark/xmt_media_types.h"
#include "wireshark/xmt_transport.h"

/* Per-packet state (pinfo->pool proto data of xmtrack). */
#define XMT_KEY_HTTP2_PACKET 0x2000u
/* The request a frame's first header block completed, joined with fragments
 * of earlier frames (file-scope proto data of xmtrack). */
#define XMT_KEY_HTTP2_JOINED 0x2001u

typedef struct {
    xmt_wire_request *request;  /* file scope */
    address client;             /* who sent the request: bodies from there are uploads */
    guint32 client_port;
} http2_stream;

typedef struct {
    guint32 stream_id;
    tvbuff_t *body;
    const char *content_type;
} pending_body;

typedef struct {
    wmem_array_t *blocks;   /* xmt_header_block, read at the end of the packet */
    wmem_list_t *bodies;    /* pending_body, handed over during the packet */
    guint tcp_stream;
    gboolean tcp_stream_known;
    guint requests_tapped;  /* request blocks the follow tap has named so far */
} http2_packet;

/* A request header block still waiting for its CONTINUATION, one per TCP
 * connection at most: nothing else may come between (RFC 9113 §6.10).
 * Once a fragment completes it, it waits for the stream of its body. */
typedef struct {
    xmt_wire_request *request;  /* file scope: its own copy until completed, then the completing frame's */
    address client;
    guint32 client_port;
    gboolean completed;
} unfinished_block;

static int proto_http2 = -1;
static follow_conv_filter_func http2_stream_filter;
/* (TCP stream << 32 | HTTP/2 stream id) -> http2_stream, for the file. */
static wmem_map_t *streams;
/* TCP stream -> unfinished_block, written by the first pass only. */
static wmem_map_t *unfinished;

/* ---- which stream ------------------------------------------------------- */

/* The TCP and HTTP/2 stream of the frame HTTP/2 is dissecting, as its
 * "Follow HTTP/2 Stream" computes them (the filter text is not needed). */
static gboolean current_streams(packet_info *pinfo, guint *tcp_stream, guint *stream_id)
{
    if (!http2_stream_filter)
        return FALSE;
    char *filter = http2_stream_filter(NULL, pinfo, tcp_stream, stream_id);
    g_free(filter);
    return filter != NULL;
}

static guint64 stream_key(guint tcp_stream, guint64 stream_id)
{
    return ((guint64)tcp_stream << 32) | (stream_id & 0x7fffffffu);
}

static http2_stream *find_stream(guint tcp_stream, guint64 stream_id)
{
    guint64 key = stream_key(tcp_stream, stream_id);
    return wmem_map_lookup(streams, &key);
}

static http2_stream *keep_stream(packet_info *pinfo, guint tcp_stream, guint64 stream_id, const xmt_wire_request *w)
{
    http2_stream *s = wmem_new0(wmem_file_scope(), http2_stream);
    s->request = xmt_wire_request_keep(w);
    copy_address_wmem(wmem_file_scope(), &s->client, &pinfo->src);
    s->client_port = pinfo->srcport;
    guint64 *key = wmem_new(wmem_file_scope(), guint64);
    *key = stream_key(tcp_stream, stream_id);
    wmem_map_insert(streams, key, s);
    return s;
}

static gboolean from_client(const http2_stream *s, packet_info *pinfo)
{
    return s->client_port == pinfo->srcport && addresses_equal(&s->client, &pinfo->src);
}

/* A request that says it sends no body: Chromium's sendBeacon and fetch
 * keepalive with nothing to send put "content-length: 0" on their POSTs. */
static gboolean declares_no_body(const xmt_wire_request *w)
{
    const char *length = xmt_wire_request_header(w, "content-length");
    return length && strcmp(length, "0") == 0;
}

/* Only requests whose body the media_type takeover will hand us are worth
 * keeping: the rest of a browser's traffic costs no memory. */
static gboolean request_may_carry_body(const xmt_wire_request *w)
{
    const char *ct = xmt_wire_request_header(w, "content-type");
    return ct && xmt_media_type_taken(ct) && !declares_no_body(w);
}

static gboolean may_carry_body(const xmt_header_block *b)
{
    return request_may_carry_body(&b->w);
}

static http2_packet *packet_state(packet_info *pinfo)
{
    http2_packet *p = p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_HTTP2_PACKET);
    if (!p) {
        p = wmem_new0(pinfo->pool, http2_packet);
        p_add_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_HTTP2_PACKET, p);
    }
    return p;
}

static gboolean packet_tcp_stream(packet_info *pinfo, http2_packet *p)
{
    guint stream_id;
    if (!p->tcp_stream_known)
        p->tcp_stream_known = current_streams(pinfo, &p->tcp_stream, &stream_id);
    return p->tcp_stream_known;
}

/* ---- split header blocks -------------------------------------------------
 *
 * A request whose header block exceeds the peer's frame size (16 KiB unless
 * it said more) goes out as HEADERS and CONTINUATION frames, with nothing
 * else on the connection in between (RFC 9113 §6.10).  HTTP/2 decompresses
 * each frame on its own, so a long :path, or a content-type after long
 * headers, arrives in a block without :method.  Such a fragment belongs to
 * the request block before it: in the same packet, or, when the frames went
 * in different TCP segments, the connection's unfinished block. */

/* A request block, its own or completed here: what queries and bodies use. */
static gboolean is_request(const xmt_header_block *b)
{
    return (b->opens_request || b->completes) && !b->unfinished;
}

/* The fields of `from` that `into` lacks, in the packet's pool. */
static void join_fields(packet_info *pinfo, xmt_wire_request *into, const xmt_wire_request *from)
{
    if (!into->method)
        into->method = from->method;
    if (!into->uri)
        into->uri = from->uri;
    if (!into->host)
        into->host = from->host;
    if (!from->headers)
        return;
    wmem_list_t *names = wmem_map_get_keys(pinfo->pool, from->headers);
    for (wmem_list_frame_t *f = wmem_list_head(names); f; f = wmem_list_frame_next(f)) {
        const char *name = wmem_list_frame_data(f);
        if (xmt_wire_request_header(into, name))
            continue;
        if (!into->headers)
            into->headers = wmem_map_new(pinfo->pool, g_str_hash, g_str_equal);
        wmem_map_insert(into->headers, (gpointer)name, wmem_map_lookup(from->headers, name));
    }
}

/* A block that more fragments must follow: every request names its :path,
 * and an upload its content-type, early in its block (browsers and the SDKs
 * put it before the long headers).  Only such blocks wait, one per
 * connection, so ordinary traffic keeps nothing. */
static gboolean unfinished_request(const xmt_wire_request *w)
{
    if (!w->uri)
        return TRUE;
    gboolean upload = w->method && strcmp(w->method, "GET") != 0 && strcmp(w->method, "HEAD") != 0;
    return upload && !xmt_wire_request_header(w, "content-type") && !declares_no_body(w);
}

static void forget_unfinished(guint tcp_stream)
{
    unfinished_block *u = wmem_map_remove(unfinished, GUINT_TO_POINTER(tcp_stream));
    if (u) {
        if (!u->completed)
            wmem_free(wmem_file_scope(), u->request);
        free_address_wmem(wmem_file_scope(), &u->client);
        wmem_free(wmem_file_scope(), u);
    }
}

/* A request block opened whole: an unfinished one before it was never
 * completed.  A completed one still waits for its body. */
static void forget_stale_unfinished(guint tcp_stream)
{
    unfinished_block *u = wmem_map_lookup(unfinished, GUINT_TO_POINTER(tcp_stream));
    if (u && !u->completed)
        forget_unfinished(tcp_stream);
}

static void keep_unfinished(packet_info *pinfo, guint tcp_stream, const xmt_wire_request *w)
{
    forget_unfinished(tcp_stream);
    unfinished_block *u = wmem_new0(wmem_file_scope(), unfinished_block);
    u->request = xmt_wire_request_keep(w);
    copy_address_wmem(wmem_file_scope(), &u->client, &pinfo->src);
    u->client_port = pinfo->srcport;
    wmem_map_insert(unfinished, GUINT_TO_POINTER(tcp_stream), u);
}

static unfinished_block *unfinished_of_client(packet_info *pinfo, guint tcp_stream)
{
    unfinished_block *u = wmem_map_lookup(unfinished, GUINT_TO_POINTER(tcp_stream));
    return u && u->client_port == pinfo->srcport && addresses_equal(&u->client, &pinfo->src) ? u : NULL;
}

/* First pass: a packet that opens with a fragment completes the
 * connection's unfinished block.  The request is kept with the frame for
 * later passes, and waits for the stream its body names: the follow tap,
 * which would name it, does not run on tshark's first pass of -2, and from
 * 4.4 on it hands the fragment as text that cannot be told from a body. */
static void complete_unfinished(packet_info *pinfo, http2_packet *p, xmt_header_block *first)
{
    unfinished_block *u = unfinished_of_client(pinfo, p->tcp_stream);
    if (!u || u->completed)
        return;
    xmt_wire_request joined = *u->request;
    join_fields(pinfo, &joined, &first->w);
    xmt_wire_request *kept = xmt_wire_request_keep(&joined);
    p_add_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, XMT_KEY_HTTP2_JOINED, kept);
    first->w = *kept;
    first->completes = TRUE;
    wmem_free(wmem_file_scope(), u->request);
    u->request = kept;
    u->completed = TRUE;
}

static void complete_from_earlier_packet(packet_info *pinfo, http2_packet *p)
{
    xmt_header_block *first = wmem_array_index(p->blocks, 0);
    if (first->opens_request)
        return;
    if (!PINFO_FD_VISITED(pinfo)) {
        complete_unfinished(pinfo, p, first);
        return;
    }
    xmt_wire_request *kept = p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, XMT_KEY_HTTP2_JOINED);
    if (kept) {
        first->w = *kept;
        first->completes = TRUE;
    }
}

/* Fragments after a request block in the same packet join it; the packet's
 * last request block may wait for more (the first pass keeps it). */
static void join_split_blocks(packet_info *pinfo, http2_packet *p)
{
    if (!p->blocks || wmem_array_get_count(p->blocks) == 0)
        return;
    complete_from_earlier_packet(pinfo, p);
    xmt_header_block *open = NULL;
    guint n = wmem_array_get_count(p->blocks);
    for (guint i = 0; i < n; i++) {
        xmt_header_block *b = wmem_array_index(p->blocks, i);
        if (b->opens_request || b->completes) {
            open = b;
        } else if (open) {
            join_fields(pinfo, &open->w, &b->w);
            b->joined = TRUE;
        }
    }
    if (!open)
        return;
    open->unfinished = unfinished_request(&open->w);
    if (PINFO_FD_VISITED(pinfo))
        return;
    if (open->unfinished)
        keep_unfinished(pinfo, p->tcp_stream, &open->w);
    else if (!open->completes)
        forget_stale_unfinished(p->tcp_stream);
}

/* ---- bodies --------------------------------------------------------------- */

/* HTTP/2 hands bodies over with no header map: as "other" HTTP messages up
 * to 4.2, marked request or response from 4.4 on (measured: 4.4 passes no
 * OTHERS).  Its layer need not be the last: the built-in dissector we chain
 * to after an earlier body of the packet added its own. */
static gboolean handed_over_by_http2(packet_info *pinfo, const xmt_http_message_info *info)
{
    return info && !info->data && xmt_packet_has_layer(pinfo, proto_http2);
}

static gboolean media_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree _U_, void *data)
{
    if (!handed_over_by_http2(pinfo, data))
        return FALSE;
    guint tcp_stream, stream_id;
    if (!current_streams(pinfo, &tcp_stream, &stream_id))
        return TRUE;
    http2_packet *p = packet_state(pinfo);
    p->tcp_stream = tcp_stream;
    p->tcp_stream_known = TRUE;
    if (!p->bodies)
        p->bodies = wmem_list_new(pinfo->pool);
    pending_body *b = wmem_new(pinfo->pool, pending_body);
    b->stream_id = stream_id;
    b->body = tvb;
    b->content_type = wmem_strdup(pinfo->pool, pinfo->match_string);
    wmem_list_append(p->bodies, b);
    return TRUE;
}

/* A body whose stream was opened in this very packet: the tap that names
 * each block's stream has not run yet.  Client streams open in increasing id
 * order (RFC 9113 §5.1.1), so this packet's unclaimed requests that can
 * carry a body go, in order, to its bodies of unknown streams, in id order. */
static http2_stream *stream_opened_here(packet_info *pinfo, http2_packet *p, const pending_body *body)
{
    guint rank = 0;
    for (wmem_list_frame_t *f = wmem_list_head(p->bodies); f; f = wmem_list_frame_next(f)) {
        const pending_body *other = wmem_list_frame_data(f);
        if (other->stream_id < body->stream_id && !find_stream(p->tcp_stream, other->stream_id))
            rank++;
    }
    guint n = p->blocks ? wmem_array_get_count(p->blocks) : 0;
    for (guint i = 0; i < n; i++) {
        xmt_header_block *b = wmem_array_index(p->blocks, i);
        if (!is_request(b) || b->claimed || !may_carry_body(b) || rank-- > 0)
            continue;
        b->claimed = TRUE;
        if (b->completes && !PINFO_FD_VISITED(pinfo))
            forget_unfinished(p->tcp_stream);  /* its body came with it */
        return keep_stream(pinfo, p->tcp_stream, body->stream_id, &b->w);
    }
    return NULL;
}

/* First pass: a body of a stream no block named, from the client whose
 * split request an earlier packet completed: that request's stream. */
static http2_stream *stream_of_completed_block(packet_info *pinfo, http2_packet *p, const pending_body *body)
{
    unfinished_block *u = PINFO_FD_VISITED(pinfo) ? NULL : unfinished_of_client(pinfo, p->tcp_stream);
    if (!u || !u->completed)
        return NULL;
    xmt_wire_request *request = u->request;
    forget_unfinished(p->tcp_stream);
    return request_may_carry_body(request) ? keep_stream(pinfo, p->tcp_stream, body->stream_id, request) : NULL;
}

static void dissect_bodies(packet_info *pinfo, proto_tree *tree, http2_packet *p)
{
    for (wmem_list_frame_t *f = p->bodies ? wmem_list_head(p->bodies) : NULL; f; f = wmem_list_frame_next(f)) {
        const pending_body *body = wmem_list_frame_data(f);
        http2_stream *s = find_stream(p->tcp_stream, body->stream_id);
        if (!s)
            s = stream_opened_here(pinfo, p, body);
        if (!s)
            s = stream_of_completed_block(pinfo, p, body);
        if (s && from_client(s, pinfo))
            xmt_dissect_body(body->body, pinfo, tree, s->request, body->content_type);
    }
}

/* ---- requests with their payload in :path ------------------------------ */

/* GETs, and requests whose body will never reach us: none declared
 * (GA4's POST beacons with the event in the query), or one the media_type
 * takeover does not take.  HTTP/1's beacons are every request whose frame
 * handed over no body; HTTP/2 exports no END_STREAM flag of a HEADERS frame,
 * so a body-less request is known by what its headers say.  Nothing is
 * kept: xmt_dissect_query() asks the formats' query markers first. */
static gboolean query_is_payload(const xmt_wire_request *w)
{
    return (w->method && strcmp(w->method, "GET") == 0) || !request_may_carry_body(w);
}

static void dissect_queries(packet_info *pinfo, proto_tree *tree, http2_packet *p)
{
    guint n = p->blocks ? wmem_array_get_count(p->blocks) : 0;
    for (guint i = 0; i < n; i++) {
        xmt_header_block *b = wmem_array_index(p->blocks, i);
        if (is_request(b) && query_is_payload(&b->w))
            xmt_dissect_query(b->tvb, pinfo, tree, &b->w, "HTTP/2 :path query");
    }
}

/* The end of every packet: most are not HTTP/2 and cost a walk over the
 * packet's few layers. */
static int packet_end(tvbuff_t *tvb _U_, packet_info *pinfo, proto_tree *tree)
{
    if (!xmt_packet_has_layer(pinfo, proto_http2))
        return 0;
    http2_packet *p = packet_state(pinfo);
    p->blocks = xmt_header_blocks_of_packet(pinfo);
    if (!p->blocks && !p->bodies)
        return 0;
    if (!packet_tcp_stream(pinfo, p))
        return 0;
    join_split_blocks(pinfo, p);
    dissect_queries(pinfo, tree, p);
    dissect_bodies(pinfo, tree, p);
    return 0;
}

/* ---- which stream a header block belongs to ---------------------------- */

static void merge_header(gpointer name, gpointer value, gpointer into)
{
    xmt_wire_request *request = into;
    if (xmt_wire_request_header(request, name))
        return;
    if (!request->headers)
        request->headers = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
    wmem_map_insert(request->headers, wmem_strdup(wmem_file_scope(), name), wmem_strdup(wmem_file_scope(), value));
}

/* A CONTINUATION's fields, in a later packet, join the request its HEADERS
 * opened (and that was kept: it could carry a body already). */
static void continue_request(http2_stream *s, const xmt_header_block *b)
{
    if (b->w.headers)
        wmem_map_foreach(b->w.headers, merge_header, s->request);
}

/* The packet's own block for a request block the tap names, fragments
 * joined: 4.0 hands the data source itself, 4.4 on a text copy of the
 * packet's k-th block with :method (HTTP/2 decompresses and taps them in
 * the same order). */
static xmt_header_block *tapped_request_block(http2_packet *p, xmt_header_block *b, const xmt_header_block *as_text)
{
    guint k = p->requests_tapped++;
    if (b != as_text)
        return b;
    guint n = p->blocks ? wmem_array_get_count(p->blocks) : 0;
    for (guint i = 0; i < n; i++) {
        xmt_header_block *own = wmem_array_index(p->blocks, i);
        if (own->opens_request && k-- == 0)
            return own;
    }
    return b;
}

static xmt_header_block *block_of_tvb(http2_packet *p, const tvbuff_t *tvb)
{
    guint n = p->blocks ? wmem_array_get_count(p->blocks) : 0;
    for (guint i = 0; i < n; i++) {
        xmt_header_block *b = wmem_array_index(p->blocks, i);
        if (b->tvb == tvb)
            return b;
    }
    return NULL;
}

/* HTTP/2's follow tap, after each packet: (tvb, stream id) of every header
 * block and DATA frame.  The layout of its data is packet-http2.c's
 * (xmt_ws_compat.h). */
static tap_packet_status learn_block_stream(void *tapdata _U_, packet_info *pinfo, epan_dissect_t *edt _U_,
                                            const void *data, tap_flags_t flags _U_)
{
    const xmt_http2_follow_data *follow = data;
    http2_packet *p = p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_HTTP2_PACKET);
    if (!p || !p->tcp_stream_known)
        return TAP_PACKET_DONT_REDRAW;
    xmt_header_block *b = block_of_tvb(p, follow->tvb), as_text;
    if (!b && xmt_header_block_from_text(follow->tvb, pinfo, &as_text))
        b = &as_text;  /* 4.4 on: the block as Follow Stream shows it */
    if (!b || b->joined || b->completes)
        return TAP_PACKET_DONT_REDRAW;  /* their fields are in a request block already */
    if (b->opens_request)
        b = tapped_request_block(p, b, &as_text);
    if (b->unfinished)
        return TAP_PACKET_DONT_REDRAW;  /* kept once a fragment completes it */
    http2_stream *s = find_stream(p->tcp_stream, follow->stream_id);
    if (!s && b->opens_request && may_carry_body(b))
        keep_stream(pinfo, p->tcp_stream, follow->stream_id, &b->w);
    else if (s && !b->opens_request && from_client(s, pinfo))
        continue_request(s, b);
    return TAP_PACKET_DONT_REDRAW;
}

/* ---- registration ------------------------------------------------------ */

static void register_http2(void)
{
    streams = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash, g_int64_equal);
    unfinished = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_direct_hash, g_direct_equal);
}

static void handoff_http2(void)
{
    proto_http2 = proto_get_id_by_filter_name("http2");
    register_follow_t *follow = get_follow_by_name("HTTP2");
    http2_stream_filter = follow ? get_follow_conv_func(follow) : NULL;
    GString *error = register_tap_listener("http2_follow", &streams, NULL, TL_REQUIRES_NOTHING, NULL,
                                           learn_block_stream, NULL, NULL);
    if (error) {
        ws_warning("xmtrack: no HTTP/2 stream tracking: %s", error->str);
        g_string_free(error, TRUE);
    }
}

const xmt_transport xmt_transport_http2 = { "HTTP/2", register_http2, handoff_http2, media_body, NULL, packet_end };
