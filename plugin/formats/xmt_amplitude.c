/* xmt_amplitude.c: Amplitude uploads (docs/formats/amplitude.md).
 *
 *   POST /2/httpapi, /batch  {"api_key":"..","events":[event, ...],"options":{..},"client_upload_time":".."}
 *                            analytics-browser, analytics-node, the HTTP API v2; gzipped with
 *                            Content-Encoding (undone by HTTP); Amplitude-Kotlin writes
 *                            {"api_key":"..","client_upload_time":"..","events":[..]}
 *   POST /                   checksum=<md5>&client=<api key>&e=<%(JSON array)>&upload_time=<ms>&v=2
 *                            amplitude-js (keys sorted; its beacon: URLSearchParams order and '+'),
 *                            the legacy Android and iOS SDKs
 *
 * PostHog's capture body also starts {"api_key":" (docs/formats/posthog.md): the first member
 * after the key that is not a string decides, "events" here, "batch" there.  The PostHog
 * module (written in parallel) relies on the same rule; keep the two in step.
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "layers/xmt_percent.h"

#include <string.h>

/* Which key feeds which field; docs/formats/amplitude.md, "Fields", says the same.
 * ip "$remote" asks the server to take the connection's address: not an
 * address, and the core's ip check (xmt_pii_is_ip) never takes it for one. */
static const xmt_fact_rule event_rules[] = {
    { "event_type",                    XMT_FACT_EVENT,        XMT_RULE_STRING },
    { "time",                          XMT_FACT_TIME,         XMT_RULE_NUMBER },  /* new SDKs, ms */
    { "timestamp",                     XMT_FACT_TIME,         XMT_RULE_NUMBER },  /* amplitude-js, ms */
    { "device_id",                     XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "device_model",                  XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "os_version",                    XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    { "event_properties.search_term",  XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "event_properties.searchTerm",   XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    XMT_RULES_END
};

/* distinct_id: the app's user id, else the SDK's device id (FIELDS.md). */
static const char *const distinct_id_keys[] = { "user_id", "device_id", NULL };

/* ---- recognition -------------------------------------------------------- */

/* Bytes of the body the structural checks read. */
#define SNIFF_WINDOW 16384u
/* Members with string values that may come between api_key and events. */
#define MAX_LEADING_MEMBERS 4

static const guint8 *skip_blanks(const guint8 *p, const guint8 *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* Past a JSON string starting at p (its '"'), or NULL when it does not end before end. */
static const guint8 *skip_string(const guint8 *p, const guint8 *end)
{
    if (p >= end || *p != '"')
        return NULL;
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

/* At p a member name and its ':': the name's bytes in *key (len *key_len), the value's start returned. */
static const guint8 *member_name(const guint8 *p, const guint8 *end, const guint8 **key, gsize *key_len)
{
    const guint8 *after = skip_string(p, end);
    if (!after)
        return NULL;
    *key = p + 1;
    *key_len = (gsize)(after - p) - 2;
    after = skip_blanks(after, end);
    return after < end && *after == ':' ? skip_blanks(after + 1, end) : NULL;
}

static gboolean named(const guint8 *key, gsize len, const char *name)
{
    return len == strlen(name) && memcmp(key, name, len) == 0;
}

/* After "api_key" (value at p): members with string values (Kotlin's
 * client_upload_time), then "events" holding an array.  A "batch" there
 * instead is PostHog's, anything else no upload of ours. */
static gboolean events_after_api_key(const guint8 *value, const guint8 *end)
{
    for (int i = 0; i <= MAX_LEADING_MEMBERS; i++) {
        const guint8 *next = skip_string(value, end);  /* this member's value: a string, or we stop */
        if (!next)
            return FALSE;
        next = skip_blanks(next, end);
        if (next >= end || *next != ',')
            return FALSE;
        const guint8 *key;
        gsize key_len = 0;
        value = member_name(skip_blanks(next + 1, end), end, &key, &key_len);
        if (!value)
            return FALSE;
        if (named(key, key_len, "events"))
            return value < end && *value == '[';
        if (named(key, key_len, "batch"))
            return FALSE;  /* PostHog */
    }
    return FALSE;
}

/* The HTTP API v2's body: api_key before events (the SDKs), or events first
 * with api_key later (serialisers that order keys otherwise); either way an
 * "event_type" in the first event. */
static gboolean recognise_body(const xmt_request *req)
{
    const guint8 *p = req->data, *end = req->data + req->len;
    while (p < end && g_ascii_isspace(*p))
        p++;
    if (p == end || *p != '{')
        return FALSE;
    const guint8 *window_end = p + MIN((gsize)(end - p), SNIFF_WINDOW);
    gsize n = (gsize)(window_end - p);
    const guint8 *key;
    gsize key_len = 0;
    const guint8 *first = member_name(skip_blanks(p + 1, window_end), window_end, &key, &key_len);
    if (!first)
        return FALSE;
    gboolean shape = named(key, key_len, "api_key") ? events_after_api_key(first, window_end)
                   : named(key, key_len, "events") && first < window_end && *first == '[' &&
                     xmt_kit_json_key_value(p, n, "api_key");
    return shape && xmt_kit_json_key_value(p, n, "event_type") != NULL;
}

/* amplitude-js's form: its events in e (a JSON array), the key in client. */
static gboolean recognise_form(const xmt_request *req, const xmt_form *form)
{
    (void)req;
    const xmt_form_param *e = xmt_form_find(form, "e");
    if (!e || !xmt_form_find(form, "client") || !xmt_form_find(form, "upload_time"))
        return FALSE;
    if (!xmt_form_find(form, "checksum") && !xmt_form_find(form, "v"))
        return FALSE;
    return xmt_form_value_starts(form, e, "%5B") || xmt_form_value_starts(form, e, "%5b") ||
           xmt_form_value_starts(form, e, "[");
}

/* ---- decoding ----------------------------------------------------------- */

static void decode_event(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                         const xmt_config *cfg, void *user)
{
    (void)user;
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    xmt_event_add_json(msg, ev, doc, object, "", layer, event_rules, cfg);
    xmt_kit_add_first_string(msg, ev, doc, object, layer, XMT_FACT_DISTINCT_ID, distinct_id_keys);
    xmt_event_finish(msg, ev, cfg);
    /* Pages sit under keys of their own: "[Amplitude] Page Location", referrer,
     * url, $set.referrer, $setOnce.initial_referrer, ...; the kit shows the
     * privacy scan what it adds. */
    static const char *const property_objects[] = { "event_properties", "user_properties" };
    for (gsize i = 0; i < G_N_ELEMENTS(property_objects); i++) {
        guint32 props = xmt_json_member(doc, object, property_objects[i]);
        const xmt_json_node *p = xmt_json_node_at(doc, props);
        if (p && p->type == XMT_JSON_OBJECT)
            xmt_kit_add_url_facts(msg, ev, doc, props, layer, cfg);
    }
}

static void decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, body, "body", cfg, &doc);
    msg->has_json = TRUE;
    msg->json = body;
    guint32 events = xmt_kit_json_root_member(&doc, "events");
    xmt_kit_add_json_params(msg, &doc, 0, XMT_LAYER_INPUT, "events");
    if (events != XMT_JSON_NONE)
        xmt_for_each_object(msg, &doc, events, XMT_LAYER_INPUT, "events", cfg, decode_event, NULL);
    else if (doc.complete)
        xmt_message_add_error(msg, "JSON", body, "body: no \"events\" member");
    xmt_json_doc_clear(&doc);
}

/* A form value as the SDK held it before encoding: '+' a space, %XX undone (g_malloc'd, *len bytes). */
static guint8 *form_decoded(const xmt_form *form, const xmt_form_param *p, gsize *len)
{
    guint8 *spaced = g_malloc(p->val_len + 1);
    for (gsize i = 0; i < p->val_len; i++)
        spaced[i] = form->base[p->val_off + i] == '+' ? ' ' : form->base[p->val_off + i];
    guint8 *out = g_malloc(p->val_len + 1);
    *len = xmt_percent_decode(spaced, p->val_len, out, NULL, NULL);
    g_free(spaced);
    return out;
}

static void checksum_add(GChecksum *md5, const xmt_form *form, const char *key)
{
    const xmt_form_param *p = xmt_form_find(form, key);
    if (!p)
        return;  /* hashed as the empty string it would be */
    gsize len = 0;
    guint8 *value = form_decoded(form, p, &len);
    g_checksum_update(md5, value, (gssize)len);
    g_free(value);
}

/* checksum = lower-case hex MD5 of the UTF-8 of v, client, e and upload_time
 * as the SDK held them (form-decoded), joined with nothing (amplitude-js
 * sendEvents(); docs/formats/amplitude.md §5).  GLib's MD5: the one hash here. */
static void check_checksum(xmt_message *msg, const xmt_request *req, const xmt_form *form, xmt_span e_text)
{
    const xmt_form_param *sent = xmt_form_find(form, "checksum");
    if (!sent || form->truncated)
        return;  /* no checksum, or not every hashed value in view */
    GChecksum *md5 = g_checksum_new(G_CHECKSUM_MD5);
    checksum_add(md5, form, "v");
    checksum_add(md5, form, "client");
    g_checksum_update(md5, xmt_span_data(msg, req, e_text), (gssize)e_text.len);
    checksum_add(md5, form, "upload_time");
    gsize len = 0;
    guint8 *value = form_decoded(form, sent, &len);
    const char *expected = g_checksum_get_string(md5);
    msg->has_sign = TRUE;
    msg->sign_valid = len == strlen(expected) && memcmp(value, expected, len) == 0;
    g_free(value);
    g_checksum_free(md5);
}

static void decode_form(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const xmt_form_param *e = xmt_kit_payload_param(msg, form, "e");
    xmt_span text = xmt_peel_form_value(msg, req, xmt_kit_value_span(e), "e");
    check_checksum(msg, req, form, text);
    xmt_decode_json_events(msg, req, text, "e", cfg, decode_event, NULL);
}

const xmt_format xmt_format_amplitude = {
    .name = "amplitude",
    .title = "Amplitude",
    .shapes = XMT_SHAPE_RAW_BODY | XMT_SHAPE_FORM_BODY,
    .recognise_form = recognise_form,
    .decode_form = decode_form,
    .recognise_raw = recognise_body,
    .decode_raw = decode_body,
};
