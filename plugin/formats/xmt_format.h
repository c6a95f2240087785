/* xmt_format.h: what a vendor format is to the rest of the plugin.
 *
 * Each format is one module in formats/ that defines one row, an xmt_format
 * named xmt_format_<name>, and one line in xmt_format_list.h.  The dispatch
 * (xmt_dispatch.h) walks the rows; nothing else names a vendor.  How to add
 * one: docs/adding-a-format.md. */
#ifndef XMT_FORMAT_H
#define XMT_FORMAT_H

#include "core/xmt_request.h"
#include "layers/xmt_form.h"

/* The shapes of request that carry a format's payload. */
typedef enum {
    XMT_SHAPE_FORM_BODY = 1u << 0, /* an application/x-www-form-urlencoded body (whatever its Content-Type says) */
    XMT_SHAPE_RAW_BODY = 1u << 1,  /* a body that is not a form: binary or JSON */
    XMT_SHAPE_URI_QUERY = 1u << 2, /* the pairs of the request URI's query: a GET */
} xmt_shape;

typedef struct xmt_format {
    const char *name;   /* the contract name (xmtrack.sdk), e.g. "sensors" */
    const char *title;  /* what users call it, e.g. "Sensors Analytics" */
    guint shapes;       /* xmt_shape bits */
    /* For XMT_SHAPE_URI_QUERY: a query must name one of these parameters
     * before it is worth a form split (NULL-terminated).  Ordinary page URLs
     * name none of them, so they cost a few string searches. */
    const char *const *query_markers;
    /* Forms (bodies and queries alike): recognise from the parameters. */
    gboolean (*recognise_form)(const xmt_request *req, const xmt_form *form);
    void (*decode_form)(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg);
    /* Bodies that are not forms (XMT_SHAPE_RAW_BODY); NULL otherwise. */
    gboolean (*recognise_raw)(const xmt_request *req);
    void (*decode_raw)(const xmt_request *req, const xmt_config *cfg, xmt_message *msg);
    /* What the core needs to know of this format's events, or NULL. */
    const xmt_event_profile *profile;
} xmt_format;

#endif /* XMT_FORMAT_H */
