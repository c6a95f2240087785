/* xmt_segment.c: Segment uploads (docs/formats/segment.md).
 *
 *   POST /v1/t|p|i|g|a|s  {"timestamp":"..Z","integrations":{},"type":"page",..,"messageId":..}
 *                         analytics.js (analytics-next), one event, text/plain
 *   POST /v1/b            {"writeKey":"..","batch":[event, ...],"sentAt":".."}
 *                         the browser with batching, analytics-kotlin (gzip with Content-Encoding)
 *   POST /v1/batch        {"batch":[event, ...],"writeKey":"..","sentAt":".."}
 *                         analytics-node, the HTTP Tracking API
 *
 * The body is the JSON (HTTP has undone its Content-Encoding): no form, no
 * base64, no percent layer.  A batch's envelope (writeKey, sentAt) is shown
 * as parameters of the message; its events are decoded one by one.
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"

#include <string.h>

/* Which key feeds which field; docs/formats/segment.md, "Fields", says the
 * same.  Two traps: context.page.search is the page's own query string
 * (location.search) and context.referrer an ad click-id object {type, id},
 * neither a search nor a page: both stay members only. */
static const xmt_fact_rule event_rules[] = {
    { "event",                  XMT_FACT_EVENT,        XMT_RULE_STRING },  /* track */
    { "name",                   XMT_FACT_EVENT,        XMT_RULE_STRING },  /* page, screen */
    { "type",                   XMT_FACT_EVENT_TYPE,   XMT_RULE_STRING },  /* and the name of the others */
    { "timestamp",              XMT_FACT_TIME,         XMT_RULE_ISO8601 },
    { "anonymousId",            XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "context.device.model",   XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "context.os.version",     XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    { "context.page.url",       XMT_FACT_URL,          XMT_RULE_STRING },
    { "context.page.referrer",  XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.url",         XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.referrer",    XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$url",        XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.search_term", XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.searchTerm",  XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    XMT_RULES_END
};

/* distinct_id: the app's user id, else the SDK's own (FIELDS.md). */
static const char *const distinct_id_keys[] = { "userId", "anonymousId", NULL };
/* app: the package (mobile SDKs), else the app's name. */
static const char *const app_keys[] = { "context.app.namespace", "context.app.name", NULL };

/* The semantic event of a site search carries what was typed in "query"
 * (Segment's e-commerce spec); elsewhere "query" may be anything. */
#define SEARCH_EVENT "Products Searched"

/* ---- recognition -------------------------------------------------------- */

/* Bytes of the body the structural checks read: the first event's keys are
 * there, whatever its context holds. */
#define SNIFF_WINDOW 16384u

/* What "type" holds: the record types of the Segment spec. */
static const char *const record_types[] = { "track", "page", "identify", "group", "alias", "screen", NULL };

static gboolean starts_with(const guint8 *p, gsize n, const char *prefix)
{
    gsize len = strlen(prefix);
    return n >= len && memcmp(p, prefix, len) == 0;
}

/* The first keys of the SDKs' own objects, as JSON.stringify writes them
 * (seen on the wire): the browser's event, the browser's batch, Node's batch. */
static gboolean sdk_first_key(const guint8 *p, gsize n)
{
    return starts_with(p, n, "{\"timestamp\":\"") || starts_with(p, n, "{\"writeKey\":\"") ||
           starts_with(p, n, "{\"batch\":[");
}

/* Path and host only corroborate: collectors are proxied and self-hosted. */
static gboolean path_or_host_hint(const xmt_request *req)
{
    static const char *const paths[] = {
        "/v1/t", "/v1/p", "/v1/i", "/v1/g", "/v1/a", "/v1/s", "/v1/b", "/v1/batch", "/v1/track", "/v1/page",
        "/v1/identify", "/v1/group", "/v1/alias", "/v1/screen", "/v1/import", NULL,
    };
    for (const char *const *p = paths; *p; p++)
        if (xmt_request_path_ends(req, *p))
            return TRUE;
    return xmt_request_host_in(req, "segment.io") || xmt_request_host_in(req, "segmentapis.com");
}

/* Some "type" member holds one of the record types. */
static gboolean has_record_type(const guint8 *p, gsize n)
{
    const guint8 *end = p + n, *v;
    for (; (v = xmt_kit_json_key_value(p, (gsize)(end - p), "type")) != NULL; p = v) {
        if (v >= end || *v != '"')
            continue;
        for (const char *const *t = record_types; *t; t++) {
            gsize len = strlen(*t);
            if ((gsize)(end - v) > len + 1 && memcmp(v + 1, *t, len) == 0 && v[len + 1] == '"')
                return TRUE;
        }
    }
    return FALSE;
}

/* Cheapest first: a body that is not a JSON object costs one byte; an
 * ordinary JSON object one search for "messageId" (unless its first key is
 * the SDK's or the path is Segment's).  Then the record's own structure: a
 * Segment record type and one of its identity keys.  PostHog's
 * {"api_key","batch"} and Amplitude's {"api_key","events"} have neither. */
static gboolean recognise(const xmt_request *req)
{
    const guint8 *p = req->data, *end = req->data + req->len;
    while (p < end && g_ascii_isspace(*p))
        p++;
    if (p == end || *p != '{')
        return FALSE;
    gsize n = MIN((gsize)(end - p), SNIFF_WINDOW);
    if (!sdk_first_key(p, n) && !xmt_kit_json_key_value(p, n, "messageId") && !path_or_host_hint(req))
        return FALSE;
    return has_record_type(p, n) &&
           (xmt_kit_json_key_value(p, n, "anonymousId") || xmt_kit_json_key_value(p, n, "userId"));
}

/* ---- decoding ----------------------------------------------------------- */

/* "query" of a Products Searched event: the search the user typed.  Read
 * before xmt_event_finish(), which shows every search to the privacy scan. */
static void add_semantic_search(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 properties,
                                int layer)
{
    const xmt_fact *name = xmt_event_fact(ev, XMT_FACT_EVENT);  /* always extracted: the walk needs it */
    if (!name || !name->str || strcmp(name->str, SEARCH_EVENT) != 0)
        return;
    const xmt_json_node *q = xmt_json_node_at(doc, xmt_json_member(doc, properties, "query"));
    if (!q || q->type != XMT_JSON_STRING || q->len <= 2)
        return;
    char *text = xmt_json_text(doc, q);
    if (!xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, text))
        xmt_event_add_fact(ev, XMT_FACT_SEARCH_TERM, xmt_message_strdup(msg, text), 0,
                           xmt_span_make(layer, q->off, q->len));
    g_free(text);
}

static void decode_event(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                         const xmt_config *cfg, void *user)
{
    (void)user;
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    xmt_event_add_json(msg, ev, doc, object, "", layer, event_rules, cfg);
    xmt_kit_add_first_string(msg, ev, doc, object, layer, XMT_FACT_DISTINCT_ID, distinct_id_keys);
    xmt_kit_add_first_string(msg, ev, doc, object, layer, XMT_FACT_APP, app_keys);
    guint32 properties = xmt_json_member(doc, object, "properties");
    const xmt_json_node *p = xmt_json_node_at(doc, properties);
    gboolean has_properties = p && p->type == XMT_JSON_OBJECT;
    if (has_properties)
        add_semantic_search(msg, ev, doc, properties, layer);
    xmt_event_finish(msg, ev, cfg);
    /* Custom events carry pages under keys of their own (product_url, ...);
     * the kit shows the privacy scan what it adds. */
    if (has_properties)
        xmt_kit_add_url_facts(msg, ev, doc, properties, layer, cfg);
}

static void decode(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, body, "body", cfg, &doc);
    msg->has_json = TRUE;
    msg->json = body;
    const xmt_json_node *root = xmt_json_node_at(&doc, 0);
    guint32 batch = xmt_kit_json_root_member(&doc, "batch");
    if (batch != XMT_JSON_NONE) {
        xmt_kit_add_json_params(msg, &doc, 0, XMT_LAYER_INPUT, "batch");
        xmt_for_each_object(msg, &doc, batch, XMT_LAYER_INPUT, "batch", cfg, decode_event, NULL);
    } else if (root) {
        xmt_for_each_object(msg, &doc, 0, XMT_LAYER_INPUT, "body", cfg, decode_event, NULL);
    }
    xmt_json_doc_clear(&doc);
}

const xmt_format xmt_format_segment = {
    .name = "segment",
    .title = "Segment",
    .shapes = XMT_SHAPE_RAW_BODY,
    .recognise_raw = recognise,
    .decode_raw = decode,
};
