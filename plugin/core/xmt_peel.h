/* xmt_peel.h: peeling the transport layers of one payload value, down to JSON.
 *
 * Each step that changes the bytes adds a layer to the message (so the
 * dissector can show it as a data source); a step that changes nothing adds
 * none and the next step reads the bytes where they are.  Failures become
 * message errors naming the layer and the reason. */
#ifndef XMT_PEEL_H
#define XMT_PEEL_H

#include "core/xmt_request.h"
#include "core/xmt_message.h"

/* The bytes a span points at: the request input, or a layer. */
const guint8 *xmt_span_data(const xmt_message *msg, const xmt_request *req, xmt_span span);

/* The text of a raw (percent-encoded) form value. */
xmt_span xmt_peel_percent(xmt_message *msg, const xmt_request *req, xmt_span raw, const char *what);

/* Inflates the bytes at *cur when they start like a gzip member or a zlib
 * stream (xmt_inflate_sniff), as a new layer that *cur then names; bytes
 * that do not are left as they are.  FALSE when inflating produced nothing
 * (the error says why). */
gboolean xmt_peel_inflate(xmt_message *msg, const xmt_request *req, xmt_span *cur, const char *what,
                          const xmt_config *cfg);

/* The text of a raw form value as an HTML form (or URLSearchParams) encodes
 * it: '+' is a space, then %XX escapes undone.  For values whose '+' can
 * only be a space (JSON text sent as a form field), unlike base64 ones. */
xmt_span xmt_peel_form_value(xmt_message *msg, const xmt_request *req, xmt_span raw, const char *what);

/* From the text of a value to the bytes of a JSON document: base64-decodes
 * when the text is not JSON already, then inflates gzip or zlib when the
 * bytes say so.  `what` names the value in layer labels and errors.
 * FALSE when no JSON was reached. */
gboolean xmt_peel_to_json(xmt_message *msg, const xmt_request *req, xmt_span text,
                          const char *what, const xmt_config *cfg, xmt_span *json);

#endif
