/* xmt_format_kit.h: what format modules share, whatever the vendor.
 *
 * Shapes many SDKs have: a form whose other fields are worth showing as
 * sent, vendor headers in the clear, facts that belong to the whole message
 * (the device header of a batch, the app and device of a form) but must be
 * found on every event, free-form event bodies in which any web address is
 * a visited page, and enciphered payloads shown as sent. */
#ifndef XMT_FORMAT_KIT_H
#define XMT_FORMAT_KIT_H

#include "core/xmt_request.h"
#include "core/xmt_events.h"
#include "layers/xmt_form.h"

/* Form parameters are read straight from the input, so their spans point there. */
xmt_span xmt_kit_value_span(const xmt_form_param *p);

/* Bytes sent as text (form values, headers) as a string of the message:
 * field values must be UTF-8, and these may hold anything. */
const char *xmt_kit_text(xmt_message *msg, const char *bytes, gssize len);

/* Every parameter of the form but those named in skip (NULL-terminated) as
 * an XMT_FACT_PARAM "name=value" (value percent-decoded). */
void xmt_kit_add_form_params(xmt_message *msg, const xmt_form *form, const char *const *skip);

/* The form parameter carrying the payload (which the recogniser made sure
 * exists): named as XMT_FACT_PAYLOAD_PARAM, every other parameter shown as
 * an XMT_FACT_PARAM. */
const xmt_form_param *xmt_kit_payload_param(xmt_message *msg, const xmt_form *form, const char *name);

/* A form value as field text, in the message: copied as sent when it has no
 * escapes and is valid UTF-8, else percent-decoded ('+' kept) and repaired. */
const char *xmt_kit_param_text(xmt_message *msg, const xmt_form *form, const xmt_form_param *p);

/* The decoded value of a form parameter, in the message's string chunk;
 * NULL when the form has no such parameter. */
const char *xmt_kit_form_value(xmt_message *msg, const xmt_form *form, const char *key);

/* A vendor request header shown as the XMT_FACT_PARAM "display=value";
 * returns its value, or NULL when the request has no such header. */
const char *xmt_kit_add_header_param(xmt_message *msg, const xmt_request *req, const char *lower_name,
                                        const char *display);

/* Every string inside the object that is an http(s) address becomes a URL
 * fact of ev (and, from a search engine's result page, a search term): the
 * bodies of these SDKs are free-form, so the key of a visited page is not
 * known in advance. */
void xmt_kit_add_url_facts(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              int layer, const xmt_config *cfg);

/* The facts (and JSON leaves) that every event of a message shares.  They
 * are gathered in a template event kept out of the message, and copied onto
 * each decoded event at the end: members with `prefix` before their path and
 * ahead of the event's own, facts after the event's own (one with the same
 * value is not repeated), personal-data findings the event lacks.  A message
 * without decoded events gets the facts itself. */
typedef struct {
    xmt_event *tmpl;
    const char *prefix;
} xmt_shared;

void xmt_shared_init(xmt_shared *s, xmt_message *msg, const char *prefix);
void xmt_shared_add_fact(xmt_shared *s, xmt_fact_id id, const char *str, gint64 num, xmt_span span);
/* Decodes a header object (the "H" of a batch) into the template. */
void xmt_shared_from_json(xmt_shared *s, xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_fact_rule *rules, const xmt_config *cfg);
void xmt_shared_finish(xmt_shared *s, xmt_message *msg);

/* An enciphered payload the plugin cannot read, as an opaque record (shown
 * as sent, with its expert note).  Marks the message encrypted. */
xmt_event *xmt_kit_add_opaque_record(xmt_message *msg, const char *name, xmt_span span);

/* An enciphered form value (the text of form parameter `what`) as such a
 * record, holding the text as sent in a `fact`; an empty value is an empty
 * record at its place, and an error. */
xmt_event *xmt_kit_add_cipher_value(xmt_message *msg, const xmt_request *req, const char *what,
                                       const char *name, xmt_span text, xmt_fact_id fact);

/* ---- JSON bodies: envelopes, keys in order of preference, recognition ---- */

/* The value of the first member named `key` in the first len bytes of JSON
 * text ("key", blanks, ':', blanks): a pointer to its first byte, or NULL.
 * A byte search, no parse: for recognition, which must stay cheap. */
const guint8 *xmt_kit_json_key_value(const guint8 *p, gsize len, const char *key);

/* The first of `paths` (dotted keys from the object, NULL-terminated) that
 * holds a non-empty string feeds the fact `fact` of ev: an identity that
 * is one key, else another ("userId", else "anonymousId"). */
void xmt_kit_add_first_string(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              int layer, xmt_fact_id fact, const char *const *paths);

/* The root object's member `key`, or XMT_JSON_NONE: also when the document
 * was cut inside that member (an envelope's array of events cut in its
 * third event, whose first two are whole), which xmt_json_member() does
 * not see: an object cut short links no child it had not finished. */
guint32 xmt_kit_json_root_member(const xmt_json_doc *doc, const char *key);

/* Every member of the object but the one named `skip` as an XMT_FACT_PARAM
 * "key=value" of the message (a container as compact JSON): the envelope
 * of a batch (its key, its send time), around the array of events. */
void xmt_kit_add_json_params(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                             const char *skip);

#endif
