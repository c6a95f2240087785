/* xmt_dispatch.h: the pipeline's entry, above the formats.
 *
 * The Wireshark glue (or a unit test, or a fuzzer) describes one HTTP
 * request as an xmt_request and asks two questions:
 *   xmt_recognise(): is this vendor analytics traffic, and whose?  Cheap:
 *                    parameter names, payload prefixes, vendor headers and
 *                    host/path hints only, no decoding;
 *   xmt_decode_as(): peel every layer and return the message with its events.
 * Both walk the rows of xmt_format_list.h; a set of formats is a mask with
 * bit i for the i-th row, so users can turn formats off. */
#ifndef XMT_DISPATCH_H
#define XMT_DISPATCH_H

#include "formats/xmt_format.h"

#define XMT_ALL_FORMATS G_MAXUINT64

/* The rows, in the order recognition tries them. */
guint xmt_format_count(void);
const xmt_format *xmt_format_at(guint index);
/* The row of a contract name ("sensors"), or NULL. */
const xmt_format *xmt_format_named(const char *name);

/* The format of an enabled row that claims the request, or NULL. */
const xmt_format *xmt_recognise(const xmt_request *req, guint64 enabled);

/* A request URI's query (without '?') names a parameter that some enabled
 * format sending GETs puts there.  Cheaper than xmt_recognise(): transports
 * ask it first, before building a request for every ordinary page URL. */
gboolean xmt_query_worth_recognising(const char *query, gsize len, guint64 enabled);

/* The request decoded as `format` (which recognised it).  NULL only when
 * there is nothing to decode; otherwise what could not be decoded is in
 * msg->errors. */
xmt_message *xmt_decode_as(const xmt_request *req, const xmt_format *format, const xmt_config *cfg);

/* Recognised among every format, then decoded; NULL when no format claims it. */
xmt_message *xmt_decode(const xmt_request *req, const xmt_config *cfg);

#endif /* XMT_DISPATCH_H */
