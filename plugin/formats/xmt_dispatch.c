/* xmt_dispatch.c: walking the table of formats (xmt_dispatch.h).
 *
 * Recognition only looks at parameter names, payload prefixes, vendor
 * headers and host/path hints, so the cost on the many HTTP bodies that are
 * not analytics is a few header look-ups and a form split that stops at the
 * first byte no form has. */
#include "formats/xmt_dispatch.h"

#include <string.h>

#define XMT_FORMAT(name) extern const xmt_format xmt_format_##name;
#include "formats/xmt_format_list.h"
#undef XMT_FORMAT

static const xmt_format *const formats[] = {
#define XMT_FORMAT(name) &xmt_format_##name,
#include "formats/xmt_format_list.h"
#undef XMT_FORMAT
};
G_STATIC_ASSERT(G_N_ELEMENTS(formats) <= 64);  /* a set of formats is a 64-bit mask */

guint xmt_format_count(void)
{
    return G_N_ELEMENTS(formats);
}

const xmt_format *xmt_format_at(guint index)
{
    return index < G_N_ELEMENTS(formats) ? formats[index] : NULL;
}

const xmt_format *xmt_format_named(const char *name)
{
    for (guint i = 0; name && i < G_N_ELEMENTS(formats); i++)
        if (strcmp(formats[i]->name, name) == 0)
            return formats[i];
    return NULL;
}

static gboolean enabled_row(guint64 enabled, guint i, guint shape)
{
    return (enabled & ((guint64)1 << i)) && (formats[i]->shapes & shape);
}

/* Formats whose body is not a form (OneTrack's binary and JSON uploads):
 * told apart by vendor headers and payload markers, before any form split. */
static const xmt_format *recognise_raw(const xmt_request *req, guint64 enabled)
{
    if (req->kind != XMT_INPUT_BODY)
        return NULL;
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (enabled_row(enabled, i, XMT_SHAPE_RAW_BODY) && formats[i]->recognise_raw(req))
            return formats[i];
    return NULL;
}

static const xmt_format *recognise_form(const xmt_request *req, const xmt_form *form, guint64 enabled)
{
    guint shape = req->kind == XMT_INPUT_URI_QUERY ? XMT_SHAPE_URI_QUERY : XMT_SHAPE_FORM_BODY;
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++)
        if (enabled_row(enabled, i, shape) && formats[i]->recognise_form(req, form))
            return formats[i];
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

gboolean xmt_query_worth_recognising(const char *query, gsize len, guint64 enabled)
{
    for (guint i = 0; i < G_N_ELEMENTS(formats); i++) {
        if (!enabled_row(enabled, i, XMT_SHAPE_URI_QUERY))
            continue;
        for (const char *const *m = formats[i]->query_markers; *m; m++)
            if (query_names(query, len, *m))
                return TRUE;
    }
    return FALSE;
}

const xmt_format *xmt_recognise(const xmt_request *req, guint64 enabled)
{
    if (!req->data || req->len == 0)
        return NULL;
    const xmt_format *f = recognise_raw(req, enabled);
    if (f)
        return f;
    xmt_form form;
    if (!xmt_form_parse(req->data, req->len, &form))
        return NULL;
    return recognise_form(req, &form, enabled);
}

xmt_message *xmt_decode_as(const xmt_request *req, const xmt_format *f, const xmt_config *cfg)
{
    if (!f || !req->data || req->len == 0)
        return NULL;
    xmt_form form;
    gboolean raw = (f->shapes & XMT_SHAPE_RAW_BODY) && req->kind == XMT_INPUT_BODY && f->recognise_raw(req);
    if (!raw && !xmt_form_parse(req->data, req->len, &form))
        return NULL;
    xmt_message *msg = xmt_message_new(f->name);
    msg->profile = f->profile;
    if (raw)  /* binary and JSON uploads: not forms */
        f->decode_raw(req, cfg, msg);
    else
        f->decode_form(req, &form, cfg, msg);
    xmt_message_count_events(msg);
    return msg;
}

xmt_message *xmt_decode(const xmt_request *req, const xmt_config *cfg)
{
    return xmt_decode_as(req, xmt_recognise(req, XMT_ALL_FORMATS), cfg);
}
