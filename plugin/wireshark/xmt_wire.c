/* xmt_wire.c: the transport-neutral part of the glue (xmt_wire.h): from a
 * wire request to the core's xmt_request, then recognition, decoding, the
 * tree and the report. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>

#include "formats/xmt_dispatch.h"
#include "wireshark/xmt_capture_app.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_keys.h"
#include "wireshark/xmt_privacy.h"
#include "wireshark/xmt_report.h"
#include "wireshark/xmt_tree.h"
#include "wireshark/xmt_wire.h"

/* ---- kept requests ------------------------------------------------------- */

typedef struct {
    gsize size;  /* bytes the pairs take, with their NULs */
    char *at;    /* where the next pair goes, once sized */
} packing;

static void size_header(gpointer name, gpointer value, gpointer pack)
{
    ((packing *)pack)->size += strlen(name) + 1 + strlen(value) + 1;
}

static void pack_header(gpointer name, gpointer value, gpointer pack)
{
    packing *p = pack;
    gsize n = strlen(name) + 1, v = strlen(value) + 1;
    memcpy(p->at, name, n);
    memcpy(p->at + n, value, v);
    p->at += n + v;
}

static char *pack_string(char **at, const char *text)
{
    if (!text)
        return NULL;
    gsize n = strlen(text) + 1;
    char *copy = memcpy(*at, text, n);
    *at += n;
    return copy;
}

static gsize string_size(const char *text)
{
    return text ? strlen(text) + 1 : 0;
}

/* Bytes of a packed list's pairs, without its closing NUL.  It is walked
 * by pairs, as xmt_wire_request_header() reads it: a value may be empty,
 * so only an empty name ends the list. */
static gsize packed_pairs_size(const char *packed)
{
    const char *p = packed;
    while (p && *p) {
        const char *value = p + strlen(p) + 1;
        p = value + strlen(value) + 1;
    }
    return p ? (gsize)(p - packed) : 0;
}

xmt_wire_request *xmt_wire_request_keep(const xmt_wire_request *w)
{
    packing pack = { 0, NULL };
    if (w->headers)
        wmem_map_foreach(w->headers, size_header, &pack);
    gsize packed_size = packed_pairs_size(w->packed);
    pack.size += packed_size;
    gsize size = sizeof(xmt_wire_request) + string_size(w->method) + string_size(w->uri) + string_size(w->host) +
                 pack.size + 1;
    xmt_wire_request *kept = wmem_alloc(wmem_file_scope(), size);
    char *at = (char *)(kept + 1);
    kept->method = pack_string(&at, w->method);
    kept->uri = pack_string(&at, w->uri);
    kept->host = pack_string(&at, w->host);
    kept->headers = NULL;
    kept->packed = at;
    if (packed_size)
        at = (char *)memcpy(at, w->packed, packed_size) + packed_size;
    pack.at = at;
    if (w->headers)
        wmem_map_foreach(w->headers, pack_header, &pack);
    *pack.at = '\0';
    return kept;
}

const char *xmt_wire_request_header(const xmt_wire_request *w, const char *lower_name)
{
    for (const char *p = w->packed; p && *p;) {
        const char *value = p + strlen(p) + 1;
        if (strcmp(p, lower_name) == 0)
            return value;
        p = value + strlen(value) + 1;
    }
    return w->headers ? wmem_map_lookup(w->headers, lower_name) : NULL;
}

const char *xmt_valid_utf8(packet_info *pinfo, const char *text)
{
    if (!text || g_utf8_validate(text, -1, NULL))
        return text;
    char *valid = g_utf8_make_valid(text, -1);
    char *copy = wmem_strdup(pinfo->pool, valid);
    g_free(valid);
    return copy;
}

gboolean xmt_request_enabled(void)
{
    return xmt_pref.decode_bodies && proto_is_protocol_enabled(find_protocol_by_id(proto_xmtrack));
}

const char *xmt_uri_payload_query(const char *uri)
{
    const char *mark = uri ? strchr(uri, '?') : NULL;
    if (!mark || !xmt_query_worth_recognising(mark + 1, strlen(mark + 1), xmt_pref.formats))
        return NULL;
    return mark + 1;
}

/* ---- building the xmt_request ------------------------------------------- */

static const char *header(const xmt_wire_request *w, const char *name)
{
    return xmt_wire_request_header(w, name);
}

/* The core asks for vendor headers (OneTrack's OT_*) by lower-case name,
 * which is how every transport keys its map. */
static const char *lookup_header(void *wire_request, const char *lower_name)
{
    return xmt_wire_request_header(wire_request, lower_name);
}

static void describe_request(const xmt_wire_request *w, xmt_request *req)
{
    req->method = w->method;
    req->uri = w->uri;
    req->host = w->host;
    req->user_agent = header(w, "user-agent");
    if (w->headers || w->packed) {
        req->header = lookup_header;
        req->header_ctx = (void *)w;  /* lives while the request is decoded */
    }
    const char *dry_run = header(w, "dry-run");
    req->dry_run = dry_run && g_ascii_strcasecmp(dry_run, "true") == 0;
    const char *gzip = header(w, "gzip");
    if (gzip && (gzip[0] == '0' || gzip[0] == '1') && gzip[1] == '\0')
        req->gzip_header = gzip[0] - '0';
}

/* ---- decoding and the tree ---------------------------------------------- */

/* The facts this dissection shows or filters on: all of them in a shown
 * tree, only the referenced ones when a display filter alone needs the
 * tree, none without a tree. */
static guint64 facts_for_tree(packet_info *pinfo, proto_tree *tree)
{
    guint64 want = xmt_capture_app_facts_wanted(pinfo, tree);  /* the verdict on the capture app needs the apps */
    for (int id = 0; tree && id < XMT_FACT_COUNT; id++)
        if (proto_field_is_referenced(tree, xmt_fact_field((xmt_fact_id)id)))
            want |= XMT_FACT_BIT(id);
    return want;
}

/* The decoding options for this dissection: limits from the preferences, and
 * members only when the tree shows them or a filter asks for them. */
static void config_for_tree(xmt_config *cfg, packet_info *pinfo, proto_tree *tree)
{
    xmt_config_init(cfg);
    cfg->max_inflated = (gsize)MAX(xmt_pref.max_inflate_mib, 1u) * 1024 * 1024;
    cfg->max_events = MAX(xmt_pref.max_events, 1u);
    cfg->want_members = tree != NULL && proto_field_is_referenced(tree, xmt_hf.member);
    /* Statistics and exports count personal data even with no tree. */
    cfg->want_pii = xmt_report_wanted() ||
                    (tree != NULL && (proto_field_is_referenced(tree, xmt_hf.pii) ||
                                      proto_field_is_referenced(tree, xmt_ei.pii_leak.hf)));
    cfg->watch = xmt_privacy_watchlist();
    /* The key table's keys and those found in the capture so far (xmt_keys.c). */
    cfg->find_key = xmt_keys_find;
    /* Statistics and exports read every fact, whatever the tree shows. */
    cfg->want_facts = xmt_report_wanted() ? XMT_FACTS_ALL : facts_for_tree(pinfo, tree);
}

static xmt_wmem_cb_result free_message(wmem_allocator_t *allocator _U_, wmem_cb_event_t event _U_, void *msg)
{
    xmt_message_free(msg);
    return FALSE;  /* once: the callback goes with the packet */
}

/* Decodes a request recognised as `format` and adds its tree.  The message is
 * freed with the packet, whatever happens while the tree is built. */
static gboolean dissect_recognised(tvbuff_t *input, packet_info *pinfo, proto_tree *tree, const xmt_request *req,
                                   const xmt_format *format)
{
    xmt_config cfg;
    config_for_tree(&cfg, pinfo, tree);
    xmt_message *msg = xmt_decode_as(req, format, &cfg);
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

/* Decoding, with the exceptions a malformed tree item may throw kept here:
 * the transport's own dissection must go on.  TRUE: the request was ours,
 * whatever its decoding found. */
static gboolean dissect_guarded(tvbuff_t *input, packet_info *pinfo, proto_tree *tree, const xmt_request *req,
                                const xmt_format *format)
{
    TRY {
        dissect_recognised(input, pinfo, tree, req, format);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(input, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
    return TRUE;
}

gboolean xmt_dissect_body(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, const xmt_wire_request *w,
                          const char *content_type)
{
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_BODY;
    req.len = tvb_captured_length(body);
    req.data = tvb_get_ptr(body, 0, (gint)req.len);
    req.content_type = content_type;
    describe_request(w, &req);
    if (!req.method)
        req.method = "POST";
    const xmt_format *format = xmt_recognise(&req, xmt_pref.formats);  /* first: most bodies are not ours */
    return format && dissect_guarded(body, pinfo, tree, &req, format);
}

gboolean xmt_dissect_query(tvbuff_t *parent, packet_info *pinfo, proto_tree *tree, const xmt_wire_request *w,
                           const char *source)
{
    const char *query = xmt_uri_payload_query(w->uri);
    if (!query)
        return FALSE;
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_URI_QUERY;
    req.data = (const guint8 *)query;
    req.len = strlen(query);
    describe_request(w, &req);
    if (!req.method)
        req.method = "GET";
    const xmt_format *format = xmt_recognise(&req, xmt_pref.formats);  /* before a tvb is made for it */
    if (!format)
        return FALSE;
    /* The query becomes a data source, so items can point at its bytes. */
    guint len = (guint)req.len;
    tvbuff_t *tvb = tvb_new_child_real_data(parent, (const guint8 *)wmem_strdup(pinfo->pool, query), len, (gint)len);
    add_new_data_source(pinfo, tvb, source);
    req.data = tvb_get_ptr(tvb, 0, (gint)len);
    return dissect_guarded(tvb, pinfo, tree, &req, format);
}
