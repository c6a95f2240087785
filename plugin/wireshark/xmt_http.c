/* xmt_http.c: where bytes come in.
 *
 * On Wireshark 4.0 the "http" heuristic list is never consulted for form,
 * JSON, plain-text or application/octet-stream bodies, because built-in
 * dissectors own those media types (shared notes, wireshark-4.0.md §1; for
 * octet-stream, "data", measured on 4.0.17).  So xmtrack takes over those
 * media_type entries and always chains to the built-in dissector, which keeps
 * the standard tree; registers on the "http" heuristic list for bodies that
 * come without a Content-Type; and reads GET beacons (data in the request
 * URI, no body) from a postdissector.
 *
 * HTTP's conversation holds the URI of the *last* request on a connection,
 * right only on the first sequential pass: the request line of each message
 * xmtrack recognises is cached per frame so that a second pass (tshark -2) and
 * re-dissection in the GUI build the same tree.  Only recognised messages are
 * cached, so ordinary traffic costs no memory.
 */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/conversation.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <epan/proto_data.h>
#include <epan/dissectors/packet-http.h>

#include "xmt_ws.h"

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

static int proto_http = -1;
static dissector_handle_t beacon_handle;

/* Per-frame cache keys; the low bits count the bodies seen in the frame. */
#define XMT_KEY_URI_BASE 0x1000u
#define XMT_KEY_BODY_COUNT 1u
#define XMT_KEY_BEACON 2u

/* ---- the request a message belongs to ---------------------------------- */

typedef struct {
    const char *uri;
    const char *host;
    wmem_map_t *headers;  /* HTTP's header map by lower-case name, or NULL */
} request_line;

/* The n-th body of this frame gets the n-th cache slot (pipelined requests). */
static guint next_body_key(packet_info *pinfo)
{
    guint n = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT));
    p_set_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT, GUINT_TO_POINTER(n + 1));
    return XMT_KEY_URI_BASE + n;
}

/* The request line HTTP parsed last on this connection, as HTTP holds it
 * (no copy); on 4.4 the one of this frame's request.  Right on the first
 * pass only. */
static request_line current_request_line(packet_info *pinfo)
{
    request_line line = { NULL, NULL, NULL };
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

static void copy_header(gpointer name, gpointer value, gpointer copy)
{
    wmem_map_insert(copy, wmem_strdup(wmem_file_scope(), name), wmem_strdup(wmem_file_scope(), value));
}

/* Keeps a recognised message's request line and headers for later passes:
 * HTTP's conversation only holds the last request, and from 4.6 on its
 * header map is empty on every pass after the first (measured). */
static const request_line *remember_request_line(packet_info *pinfo, guint key, const char *uri, const char *host,
                                                 wmem_map_t *headers)
{
    request_line *kept = wmem_new0(wmem_file_scope(), request_line);
    kept->uri = wmem_strdup(wmem_file_scope(), uri);
    kept->host = wmem_strdup(wmem_file_scope(), host);
    if (headers) {
        kept->headers = wmem_map_new(wmem_file_scope(), g_str_hash, g_str_equal);
        wmem_map_foreach(headers, copy_header, kept->headers);
    }
    p_add_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, key, kept);
    return kept;
}

/* Header values and request lines as valid UTF-8, since they become string
 * fields: 4.0's HTTP replaced invalid bytes, 4.4 on hand them on as sent. */
static const char *valid_utf8(packet_info *pinfo, const char *text)
{
    if (!text || g_utf8_validate(text, -1, NULL))
        return text;
    char *valid = g_utf8_make_valid(text, -1);
    char *copy = wmem_strdup(pinfo->pool, valid);
    g_free(valid);
    return copy;
}

/* The request line a body belongs to: HTTP's on the first pass, ours (kept
 * when the message was recognised) on later ones; FALSE when a later pass
 * meets a body that was not recognised on the first. */
static gboolean body_request_line(packet_info *pinfo, guint key, wmem_map_t *headers, request_line *line)
{
    if (!PINFO_FD_VISITED(pinfo)) {
        *line = current_request_line(pinfo);
        line->headers = headers;
        return TRUE;
    }
    const request_line *kept = p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, key);
    if (kept)
        *line = *kept;
    return kept != NULL;
}

static const char *header(wmem_map_t *headers, const char *name)
{
    return headers ? wmem_map_lookup(headers, name) : NULL;
}

/* The core asks for vendor headers (OneTrack's OT_*) by lower-case name,
 * which is how HTTP keys its header map. */
static const char *lookup_header(void *headers, const char *lower_name)
{
    return wmem_map_lookup((wmem_map_t *)headers, lower_name);
}

/* Fills req from what HTTP tells a media_type subdissector; FALSE for
 * responses, and on later passes for bodies that were not ours. */
static gboolean describe_body(tvbuff_t *tvb, packet_info *pinfo, void *data, guint key, xmt_request *req)
{
    xmt_http_message_info *info = data;
    xmt_request_init(req);
    if (info && !XMT_HTTP_IS_REQUEST(info))
        return FALSE;  /* analytics are uploads: responses are never ours */
    request_line line;
    if (!body_request_line(pinfo, key, info ? info->data : NULL, &line))
        return FALSE;
    req->kind = XMT_INPUT_BODY;
    req->len = tvb_captured_length(tvb);
    req->data = tvb_get_ptr(tvb, 0, (gint)req->len);
    req->content_type = pinfo->match_string;
    req->method = "POST";
    req->uri = valid_utf8(pinfo, line.uri);
    wmem_map_t *headers = line.headers;
    req->host = valid_utf8(pinfo, header(headers, "host") ? header(headers, "host") : line.host);
    req->user_agent = header(headers, "user-agent");
    if (headers) {
        req->header = lookup_header;
        req->header_ctx = headers;
    }
    const char *dry_run = header(headers, "dry-run");
    req->dry_run = dry_run && g_ascii_strcasecmp(dry_run, "true") == 0;
    const char *gzip = header(headers, "gzip");
    if (gzip && (gzip[0] == '0' || gzip[0] == '1') && gzip[1] == '\0')
        req->gzip_header = gzip[0] - '0';
    return TRUE;
}

/* ---- decoding and the tree --------------------------------------------- */

static xmt_wmem_cb_result free_message(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *msg)
{
    xmt_message_free(msg);
    return FALSE;  /* once: the callback goes with the packet */
}

/* Decodes a request recognised as `sdk` and adds its tree.  The message is
 * freed with the packet, whatever happens while the tree is built.  On the
 * first pass the request line is kept under `key` (0: none). */
static gboolean dissect_recognised(tvbuff_t *input, packet_info *pinfo, proto_tree *tree, const xmt_request *req,
                                   xmt_sdk sdk, guint key)
{
    if (key && !PINFO_FD_VISITED(pinfo))
        remember_request_line(pinfo, key, req->uri, req->host, req->header_ctx);
    xmt_config cfg;
    xmt_config_for_tree(&cfg, tree);
    xmt_message *msg = xmt_decode_as(req, sdk, &cfg);
    if (!msg)
        return FALSE;
    wmem_register_callback(pinfo->pool, free_message, msg);
    col_set_str(pinfo->cinfo, COL_PROTOCOL, "XMTRACK");
    /* Expert items name the protocol they were raised in: ours, not HTTP's. */
    const char *saved_proto = pinfo->current_proto;
    pinfo->current_proto = "XMTRACK";
    xmt_report_queue(pinfo, xmt_tree_add_message(input, pinfo, tree, msg, req->host));
    pinfo->current_proto = saved_proto;
    return TRUE;
}

/* A body: recognised before anything else is done, since most are not ours. */
static gboolean dissect_request(tvbuff_t *input, packet_info *pinfo, proto_tree *tree, const xmt_request *req,
                                guint key)
{
    xmt_sdk sdk = xmt_recognise(req);
    return sdk != XMT_SDK_NONE && dissect_recognised(input, pinfo, tree, req, sdk, key);
}

static gboolean enabled(void)
{
    return xmt_pref.decode_bodies && proto_is_protocol_enabled(find_protocol_by_id(proto_xmtrack));
}

static int dissect_media(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data, const media_hook *hook)
{
    xmt_request req;
    guint key = next_body_key(pinfo);
    if (enabled() && describe_body(tvb, pinfo, data, key, &req)) {
        TRY {
            dissect_request(tvb, pinfo, tree, &req, key);
        }
        CATCH_NONFATAL_ERRORS {
            show_exception(tvb, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
        }
        ENDTRY;
    }
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

/* Bodies without a Content-Type reach the "http" heuristic list (with no
 * message info on 4.0).  Recognise cheaply; add nothing unless ours. */
static xmt_heur_result dissect_heur_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    xmt_request req;
    if (!xmt_pref.decode_bodies || pinfo->match_uint != pinfo->destport)
        return FALSE;  /* off, or sent by the server: a response */
    guint key = next_body_key(pinfo);
    if (!describe_body(tvb, pinfo, data, key, &req))
        return FALSE;
    return dissect_request(tvb, pinfo, tree, &req, key);
}

/* ---- GET beacons: the payload is in the request URI ------------------- */

static void dissect_uri(tvbuff_t *frame, packet_info *pinfo, proto_tree *tree, const request_line *line)
{
    const char *query = strchr(line->uri, '?') + 1;  /* beacon_line() kept only URIs with a query */
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_URI_QUERY;
    req.data = (const guint8 *)query;
    req.len = strlen(query);
    req.method = "GET";
    req.uri = line->uri;
    req.host = line->host;  /* made valid UTF-8 when kept */
    xmt_sdk sdk = xmt_recognise(&req);  /* before a tvb is made for it */
    if (sdk == XMT_SDK_NONE)
        return;
    /* The query becomes a data source, so items can point at its bytes. */
    guint len = (guint)req.len;
    tvbuff_t *tvb = tvb_new_child_real_data(frame, (const guint8 *)wmem_strdup(pinfo->pool, query), len, (gint)len);
    add_new_data_source(pinfo, tvb, "Request URI query");
    req.data = tvb_get_ptr(tvb, 0, (gint)len);
    dissect_recognised(tvb, pinfo, tree, &req, sdk, 0);
}

/* A request URI that may carry a beacon: a query with data= or data_list=. */
static gboolean beacon_like(const char *uri)
{
    const char *query = uri ? strchr(uri, '?') : NULL;
    return query && (strstr(query, "data=") || strstr(query, "data_list="));
}

/* This frame's beacon-like request line, or NULL.  Read on the first pass
 * from HTTP's conversation, when the last request it parsed is in this
 * frame, and kept for later passes.  (Reading http.request.uri off the tree
 * instead would make HTTP build that field, and http.host, for every request
 * of every capture: half of xmtrack's cost on ordinary traffic, measured.
 * What this gives up: of several requests in one frame, only the last is
 * seen; browsers, which send these beacons, do not pipeline.) */
static const request_line *beacon_line(packet_info *pinfo)
{
    if (PINFO_FD_VISITED(pinfo))
        return p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, XMT_KEY_BEACON);
    if (p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_BODY_COUNT))
        return NULL;  /* a body was handed to us: an upload or a response, not a beacon */
    /* HTTP marks the frames of requests and responses with their exchange
     * (key 0 on every version; HTTP_PROTO_DATA_REQRES from 4.2 on): the
     * cheapest test that this one holds a request.  From 4.2 on the response
     * frame would otherwise read its request's URI and decode it again. */
    const http_req_res_t *rr = p_get_proto_data(wmem_file_scope(), pinfo, proto_http, 0);
    if (!rr || rr->req_framenum != pinfo->num)
        return NULL;
    request_line line = current_request_line(pinfo);
    if (!beacon_like(line.uri))
        return NULL;
    return remember_request_line(pinfo, XMT_KEY_BEACON, valid_utf8(pinfo, line.uri), valid_utf8(pinfo, line.host),
                                 NULL);
}

static int dissect_beacons(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    if (!enabled())
        return 0;
    const request_line *line = beacon_line(pinfo);
    if (!line)
        return 0;
    dissect_uri(tvb, pinfo, tree, line);
    return tvb_captured_length(tvb);
}

/* ---- registration ------------------------------------------------------ */

void xmt_http_register(void)
{
    beacon_handle = create_dissector_handle(dissect_beacons, proto_xmtrack);
    register_postdissector(beacon_handle);
}

void xmt_http_handoff(void)
{
    static const dissector_t media_dissectors[] = { dissect_media_form, dissect_media_json, dissect_media_text,
                                                    dissect_media_octets };
    G_STATIC_ASSERT(G_N_ELEMENTS(media_dissectors) == G_N_ELEMENTS(media_hooks));
    proto_http = proto_get_id_by_filter_name("http");
    for (gsize i = 0; i < G_N_ELEMENTS(media_hooks); i++) {
        media_hooks[i].builtin = find_dissector(media_hooks[i].builtin_name);
        /* No protocol on these handles: disabling xmtrack must not silence
         * the built-in dissectors they stand in for.  Hence a description
         * each, which Decode As needs to list a handle (4.6 aborts without). */
        dissector_handle_t h = create_dissector_handle_with_name_and_description(
            media_dissectors[i], -1, media_hooks[i].handle_name, media_hooks[i].description);
        dissector_add_string("media_type", media_hooks[i].media_type, h);
    }
    heur_dissector_add("http", dissect_heur_body, "Xiaomi Telemetry in HTTP bodies without Content-Type",
                       "xmtrack_http", proto_xmtrack, HEURISTIC_ENABLE);
}
