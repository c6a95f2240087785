/* xmt_formats.h: the table of vendor formats.
 *
 * Every format the plugin knows is one row: its name, the request shapes its
 * SDK sends, how to recognise it cheaply and how to decode it.  The decoding
 * entry (core/xmt_decode.c) only walks this table, so adding an SDK is one
 * module in formats/ plus one row in xmt_formats.c. */
#ifndef XMT_FORMATS_H
#define XMT_FORMATS_H

#include "../core/xmt_decode.h"
#include "../layers/xmt_form.h"

/* The shapes of request that carry a format's payload. */
typedef enum {
    XMT_SHAPE_FORM_BODY = 1u << 0, /* an application/x-www-form-urlencoded body (whatever its Content-Type says) */
    XMT_SHAPE_RAW_BODY = 1u << 1,  /* a body that is not a form: binary or JSON */
    XMT_SHAPE_URI_QUERY = 1u << 2, /* the pairs of the request URI's query: a GET */
} xmt_shape;

typedef struct {
    xmt_sdk sdk;
    guint shapes; /* xmt_shape bits */
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
} xmt_format;

/* The rows, in the order recognition tries them. */
extern const xmt_format xmt_formats[];
extern const gsize xmt_format_count;

/* The row of a format, or NULL. */
const xmt_format *xmt_format_of(xmt_sdk sdk);

#endif
