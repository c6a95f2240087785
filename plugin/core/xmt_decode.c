/* xmt_decode.c: the pipeline's entry: which format is this, and decode it.
 * The formats are rows of one table (formats/xmt_formats.c); this file only
 * walks it, trying each row that accepts the request's shape.
 *
 * Recognition only looks at parameter names, payload prefixes, vendor
 * headers and host/path hints, so the cost on the many HTTP bodies that are
 * not analytics is a few header look-ups and a form split that stops at the
 * first byte no form has. */
#include "xmt_decode.h"

#include <string.h>

#include "../formats/xmt_formats.h"
#include "../layers/xmt_form.h"

void xmt_config_init(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->want_facts = XMT_FACTS_ALL;
    cfg->want_members = TRUE;
    cfg->max_inflated = XMT_DEFAULT_MAX_INFLATED;
    cfg->max_events = XMT_DEFAULT_MAX_EVENTS;
    cfg->max_json_depth = XMT_DEFAULT_MAX_JSON_DEPTH;
    cfg->max_json_nodes = XMT_DEFAULT_MAX_JSON_NODES;
    cfg->max_members = XMT_DEFAULT_MAX_MEMBERS;
}

void xmt_request_init(xmt_request *req)
{
    memset(req, 0, sizeof *req);
    req->gzip_header = -1;
}

const char *xmt_request_header(const xmt_request *req, const char *lower_name)
{
    return req->header ? req->header(req->header_ctx, lower_name) : NULL;
}

gboolean xmt_request_path_ends(const xmt_request *req, const char *suffix)
{
    if (!req->uri)
        return FALSE;
    gsize path_len = strcspn(req->uri, "?#"), n = strlen(suffix);
    return path_len >= n && g_ascii_strncasecmp(req->uri + path_len - n, suffix, n) == 0;
}

gboolean xmt_request_host_in(const xmt_request *req, const char *domain)
{
    if (!req->host)
        return FALSE;
    gsize host_len = strcspn(req->host, ":"), n = strlen(domain);
    if (host_len < n || g_ascii_strncasecmp(req->host + host_len - n, domain, n) != 0)
        return FALSE;
    return host_len == n || req->host[host_len - n - 1] == '.';
}

/* The shape a request has for a format: a query, a form body, or neither. */
static guint request_shape(const xmt_request *req, gboolean is_form)
{
    if (req->kind == XMT_INPUT_URI_QUERY)
        return is_form ? XMT_SHAPE_URI_QUERY : 0;
    return is_form ? XMT_SHAPE_FORM_BODY : 0;
}

/* Formats whose body is not a form (OneTrack's binary and JSON uploads):
 * told apart by vendor headers and payload markers, before any form split. */
static const xmt_format *recognise_raw(const xmt_request *req)
{
    if (req->kind != XMT_INPUT_BODY)
        return NULL;
    for (gsize i = 0; i < xmt_format_count; i++) {
        const xmt_format *f = &xmt_formats[i];
        if ((f->shapes & XMT_SHAPE_RAW_BODY) && f->recognise_raw(req))
            return f;
    }
    return NULL;
}

static const xmt_format *recognise_form(const xmt_request *req, const xmt_form *form)
{
    guint shape = request_shape(req, TRUE);
    for (gsize i = 0; i < xmt_format_count; i++) {
        const xmt_format *f = &xmt_formats[i];
        if ((f->shapes & shape) && f->recognise_form(req, form))
            return f;
    }
    return NULL;
}

/* The parameter `name` appears in the query as a key ("name=" at the start
 * or after '&'). */
static gboolean query_names(const char *query, gsize len, const char *name)
{
    gsize n = strlen(name);
    const char *end = query + len;
    for (const char *p = query; (p = memchr(p, name[0], (gsize)(end - p))) != NULL; p++) {
        if ((gsize)(end - p) <= n)
            return FALSE;
        if ((p == query || p[-1] == '&') && memcmp(p, name, n) == 0 && p[n] == '=')
            return TRUE;
    }
    return FALSE;
}

gboolean xmt_query_worth_recognising(const char *query, gsize len)
{
    for (gsize i = 0; i < xmt_format_count; i++) {
        const xmt_format *f = &xmt_formats[i];
        if (!(f->shapes & XMT_SHAPE_URI_QUERY))
            continue;
        for (const char *const *m = f->query_markers; *m; m++)
            if (query_names(query, len, *m))
                return TRUE;
    }
    return FALSE;
}

xmt_sdk xmt_recognise(const xmt_request *req)
{
    xmt_form form;
    if (!req->data || req->len == 0)
        return XMT_SDK_NONE;
    const xmt_format *f = recognise_raw(req);
    if (f)
        return f->sdk;
    if (!xmt_form_parse(req->data, req->len, &form))
        return XMT_SDK_NONE;
    f = recognise_form(req, &form);
    return f ? f->sdk : XMT_SDK_NONE;
}

static xmt_message *decode_form(const xmt_request *req, const xmt_format *f, const xmt_config *cfg)
{
    xmt_form form;
    if (!xmt_form_parse(req->data, req->len, &form))
        return NULL;
    xmt_message *msg = xmt_message_new(f->sdk);
    f->decode_form(req, &form, cfg, msg);
    return msg;
}

xmt_message *xmt_decode_as(const xmt_request *req, xmt_sdk sdk, const xmt_config *cfg)
{
    const xmt_format *f = xmt_format_of(sdk);
    if (!f || !req->data || req->len == 0)
        return NULL;
    xmt_message *msg;
    if (recognise_raw(req) == f) {  /* binary and JSON uploads: not forms */
        msg = xmt_message_new(sdk);
        f->decode_raw(req, cfg, msg);
    } else {
        msg = decode_form(req, f, cfg);
    }
    if (!msg)
        return NULL;
    for (guint i = 0; i < msg->events->len; i++)
        if (!((xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
            msg->event_count++;
    return msg;
}

xmt_message *xmt_decode(const xmt_request *req, const xmt_config *cfg)
{
    return xmt_decode_as(req, xmt_recognise(req), cfg);
}
