/* xmt_snowplow.c: Snowplow tracker protocol (docs/formats/snowplow.md).
 *
 *   GET /i?e=pv&url=..&refr=..&page=..&duid=..&uid=..&ue_px=<base64url JSON>&cx=<base64url JSON>
 *       one event per request (eventMethod 'get')
 *   POST /com.snowplowanalytics.snowplow/tp2
 *       {"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4",
 *        "data":[{..the same keys, every value a string..}, ..]}
 *       with ue_px/cx base64 (Node; standard or URL-safe, padded or not), or ue_pr/co: the same
 *       JSON as a JSON string inside the event (the browser's POST default)
 *
 * The self-describing event (ue_px/ue_pr: {"schema":"..unstruct_event..","data":{"schema":
 * "iglu:<vendor>/<name>/jsonschema/<version>","data":{..}}}) and the contexts (cx/co: {"schema":
 * "..contexts..","data":[{"schema":..,"data":..},..]}) are decoded as layers of their own, their
 * leaves members of the event under "ue_px.", "cx.", ... with each "schema" member naming the
 * iglu: schema, and their facts (a link's target, a site search, the mobile device) the event's.
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"

#include <string.h>

/* The event's own pairs (POST data[] objects and GET queries alike).  The
 * event name, its time (ttm, else dtm) and distinct_id (uid, else duid) each
 * choose between two keys: set in finish_event(). */
static const xmt_fact_rule event_rules[] = {
    { "url",  XMT_FACT_URL,          XMT_RULE_STRING },
    { "refr", XMT_FACT_URL,          XMT_RULE_STRING },
    { "duid", XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "sid",  XMT_FACT_SESSION_ID,   XMT_RULE_STRING },
    { "aid",  XMT_FACT_APP,          XMT_RULE_STRING },
    { "stm",  XMT_FACT_FLUSH_TIME,   XMT_RULE_NUMBER },  /* when the tracker sent it */
    XMT_RULES_END
};

/* The self-describing event, from its unstruct_event wrapper's root. */
static const xmt_fact_rule ue_rules[] = {
    { "data.data.targetUrl", XMT_FACT_URL, XMT_RULE_STRING },  /* link_click */
    { "data.data.url",       XMT_FACT_URL, XMT_RULE_STRING },
    { "data.data.$url",      XMT_FACT_URL, XMT_RULE_STRING },
    XMT_RULES_END
};

/* The entities, from the contexts wrapper's root (mobile_context's keys). */
static const xmt_fact_rule cx_rules[] = {
    { "data[].data.deviceModel", XMT_FACT_MODEL,      XMT_RULE_STRING },
    { "data[].data.osVersion",   XMT_FACT_OS_VERSION, XMT_RULE_STRING },
    XMT_RULES_END
};

#define PAYLOAD_DATA "iglu:com.snowplowanalytics.snowplow/payload_data/"
#define SITE_SEARCH  "iglu:com.snowplowanalytics.snowplow/site_search/"

/* Encoded JSON documents decoded per message: each is a layer, a data
 * source of its own in Wireshark, so a batch of thousands of events must
 * not make thousands of them.  Trackers batch tens of events. */
#define MAX_INNER_DOCS 1024u

/* ---- recognition --------------------------------------------------------- */

/* The text at p (after white space) is `pattern`, where each '/' may be
 * sent escaped as "\/" (Android's org.json escapes slashes). */
static gboolean json_text_is(const guint8 **p, const guint8 *end, const char *pattern)
{
    const guint8 *q = *p;
    while (q < end && g_ascii_isspace(*q))
        q++;
    for (; *pattern; pattern++) {
        if (*pattern == '/' && q < end && *q == '\\')
            q++;
        if (q >= end || *q != (guint8)*pattern)
            return FALSE;
        q++;
    }
    *p = q;
    return TRUE;
}

/* {"schema":"iglu:com.snowplowanalytics.snowplow/payload_data/ (rule 1):
 * the JS, Node and mobile trackers write the schema first. */
static gboolean recognise_body(const xmt_request *req)
{
    if (req->kind != XMT_INPUT_BODY)
        return FALSE;
    const guint8 *p = req->data, *end = req->data + req->len;
    return json_text_is(&p, end, "{") && json_text_is(&p, end, "\"schema\"") && json_text_is(&p, end, ":") &&
           json_text_is(&p, end, "\"" PAYLOAD_DATA);
}

static gboolean value_is(const xmt_form *form, const xmt_form_param *p, const char *value)
{
    return p->val_len == strlen(value) && memcmp(form->base + p->val_off, value, p->val_len) == 0;
}

/* e= with a known event code and tv= (tracker version), tna= (namespace)
 * or eid= (event id) beside it (rule 2): two parameter names, no decoding. */
static gboolean recognise_query(const xmt_request *req, const xmt_form *form)
{
    static const char *const codes[] = { "pv", "pp", "se", "ue", "tr", "ti", NULL };
    const xmt_form_param *e = xmt_form_find(form, "e");
    if (req->kind != XMT_INPUT_URI_QUERY || !e)
        return FALSE;
    gboolean known = FALSE;
    for (const char *const *c = codes; *c && !known; c++)
        known = value_is(form, e, *c);
    return known && (xmt_form_find(form, "tv") || xmt_form_find(form, "tna") || xmt_form_find(form, "eid"));
}

/* ---- one event, from either source --------------------------------------- */

/* Where an event's pairs are: a POST data[] object, or a GET query. */
typedef struct {
    const xmt_json_doc *doc;
    guint32 object;
    int layer;
    const xmt_form *form;
} pairs;

/* A pair's text and where it is, or NULL when the event has no such key (or it is not a string). */
static const char *pair_text(xmt_message *msg, const pairs *src, const char *key, xmt_span *span)
{
    if (src->form) {
        const xmt_form_param *p = xmt_form_find(src->form, key);
        if (!p)
            return NULL;
        *span = xmt_kit_value_span(p);
        return xmt_kit_param_text(msg, src->form, p);
    }
    guint32 i = xmt_json_member(src->doc, src->object, key);
    const xmt_json_node *n = i != XMT_JSON_NONE ? xmt_json_node_at(src->doc, i) : NULL;
    if (!n || (n->type != XMT_JSON_STRING && n->type != XMT_JSON_NUMBER))
        return NULL;
    *span = xmt_span_make(src->layer, n->off, n->len);
    char *text = xmt_json_text(src->doc, n);
    const char *kept = xmt_message_strdup(msg, text);
    g_free(text);
    return kept;
}

/* What finish_event() needs of the inner documents. */
typedef struct {
    const char *schema;    /* the self-describing event's inner schema, "iglu:..." */
    xmt_span schema_span;
} inner;

/* "iglu:com.acme/viewed_product/jsonschema/1-0-0" -> "com.acme/viewed_product". */
static const char *schema_vendor_name(xmt_message *msg, const char *schema)
{
    if (!g_str_has_prefix(schema, "iglu:"))
        return NULL;
    const char *vendor = schema + 5;
    const char *slash = strchr(vendor, '/');
    const char *end = slash ? strchr(slash + 1, '/') : NULL;
    return end && end > slash + 1 && slash > vendor ? xmt_message_strndup(msg, vendor, (gsize)(end - vendor)) : NULL;
}

/* The name of the event (docs/formats/snowplow.md §4): the inner schema's
 * vendor/name of a self-describing event, the action of a structured one,
 * the others' codes spelled out. */
static const char *event_name(xmt_message *msg, const pairs *src, const char *code, const inner *in, xmt_span *span)
{
    static const struct { const char *code, *name; } spelled[] = {
        { "pv", "page_view" }, { "pp", "page_ping" }, { "tr", "transaction" }, { "ti", "transaction_item" },
    };
    if (strcmp(code, "ue") == 0 && in->schema) {
        const char *name = schema_vendor_name(msg, in->schema);
        if (name) {
            *span = in->schema_span;
            return name;
        }
    }
    if (strcmp(code, "se") == 0) {
        const char *action = pair_text(msg, src, "se_ac", span);
        if (action && action[0])
            return action;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(spelled); i++)
        if (strcmp(code, spelled[i].code) == 0)
            return spelled[i].name;
    return code;
}

/* The value of the first of two keys that the event has, as a fact. */
static void first_of(xmt_message *msg, xmt_event *ev, const pairs *src, const char *a, const char *b, xmt_fact_id fact)
{
    xmt_span span;
    const char *text = pair_text(msg, src, a, &span);
    if (!text || !text[0])
        text = pair_text(msg, src, b, &span);
    if (!text || !text[0])
        return;
    if (fact == XMT_FACT_TIME) {  /* epoch milliseconds, as a decimal string */
        gint64 ms;
        if (strlen(text) <= 18 && strspn(text, "0123456789") == strlen(text) && (ms = g_ascii_strtoll(text, NULL, 10)) > 0)
            xmt_event_add_fact(ev, fact, NULL, ms, span);
        return;
    }
    xmt_event_add_fact(ev, fact, text, 0, span);
}

static void finish_event(xmt_message *msg, xmt_event *ev, const pairs *src, const inner *in, const xmt_config *cfg)
{
    xmt_span span = xmt_span_make(XMT_LAYER_INPUT, 0, 0);
    const char *code = pair_text(msg, src, "e", &span);
    if (code && code[0]) {
        xmt_event_add_fact(ev, XMT_FACT_EVENT_TYPE, code, 0, span);
        const char *name = event_name(msg, src, code, in, &span);
        xmt_event_add_fact(ev, XMT_FACT_EVENT, name, 0, span);
        ev->name = name;
    } else {
        xmt_message_add_error(msg, "payload", ev->span, "event without \"e\" (its type)");
    }
    first_of(msg, ev, src, "ttm", "dtm", XMT_FACT_TIME);
    first_of(msg, ev, src, "uid", "duid", XMT_FACT_DISTINCT_ID);
    xmt_event_finish(msg, ev, cfg);  /* search terms of its URLs, personal data of the whole event */
}

/* ---- the encoded documents inside an event ------------------------------- */

/* A site_search's terms (an array of words), joined with spaces. */
static void add_site_search(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, int layer)
{
    guint32 data = xmt_json_member(doc, 0, "data");
    guint32 inner_data = data != XMT_JSON_NONE ? xmt_json_member(doc, data, "data") : XMT_JSON_NONE;
    guint32 terms = inner_data != XMT_JSON_NONE ? xmt_json_member(doc, inner_data, "terms") : XMT_JSON_NONE;
    const xmt_json_node *t = terms != XMT_JSON_NONE ? xmt_json_node_at(doc, terms) : NULL;
    if (!t || t->type != XMT_JSON_ARRAY || !(t->flags & XMT_JSON_COMPLETE))
        return;
    GString *joined = g_string_new(NULL);
    for (guint32 c = xmt_json_first_child(doc, terms); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *word = xmt_json_node_at(doc, c);
        if (word->type != XMT_JSON_STRING)
            continue;
        char *text = xmt_json_text(doc, word);
        if (text[0])
            g_string_append_printf(joined, "%s%s", joined->len ? " " : "", text);
        g_free(text);
    }
    if (joined->len && !xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, joined->str)) {
        xmt_event_add_fact(ev, XMT_FACT_SEARCH_TERM, xmt_message_strdup(msg, joined->str), 0,
                           xmt_span_make(layer, t->off, t->len));
    }
    g_string_free(joined, TRUE);
}

/* The inner schema of a self-describing event: data.schema of its wrapper. */
static void note_inner_schema(xmt_message *msg, const xmt_json_doc *doc, int layer, inner *in)
{
    guint32 data = xmt_json_member(doc, 0, "data");
    guint32 schema = data != XMT_JSON_NONE ? xmt_json_member(doc, data, "schema") : XMT_JSON_NONE;
    const xmt_json_node *s = schema != XMT_JSON_NONE ? xmt_json_node_at(doc, schema) : NULL;
    if (!s || s->type != XMT_JSON_STRING)
        return;
    char *text = xmt_json_text(doc, s);
    in->schema = xmt_message_strdup(msg, text);
    in->schema_span = xmt_span_make(layer, s->off, s->len);
    g_free(text);
}

/* Parsed like the message's own document, but the message keeps the count
 * of the document its JSON tree shows. */
static void parse_inner(xmt_message *msg, const xmt_request *req, xmt_span json, const char *what,
                        const xmt_config *cfg, xmt_json_doc *doc)
{
    guint values = msg->json_values;
    gboolean cut = msg->json_cut;
    xmt_parse_json_span(msg, req, json, what, cfg, doc);
    msg->json_values = values;
    msg->json_cut = cut;
}

/* One decoded document (the JSON at json) walked into the event. */
static void walk_inner(xmt_message *msg, const xmt_request *req, xmt_event *ev, xmt_span json, const char *key,
                       const xmt_config *cfg, inner *in)
{
    gboolean is_ue = key[0] == 'u';  /* ue_px, ue_pr; else cx, co */
    xmt_json_doc doc;
    parse_inner(msg, req, json, key, cfg, &doc);
    const xmt_json_node *root = xmt_json_node_at(&doc, 0);
    if (root && root->type == XMT_JSON_OBJECT) {
        xmt_event_add_json_under(msg, ev, &doc, 0, key, json.layer, is_ue ? ue_rules : cx_rules, cfg);
        if (is_ue) {
            note_inner_schema(msg, &doc, json.layer, in);
            if (in->schema && g_str_has_prefix(in->schema, SITE_SEARCH))
                add_site_search(msg, ev, &doc, json.layer);
        }
    } else if (root && (root->flags & XMT_JSON_COMPLETE)) {
        xmt_message_add_error(msg, "JSON", xmt_span_make(json.layer, root->off, root->len),
                              "%s: expected a self-describing JSON object {\"schema\", \"data\"}", key);
    }
    xmt_json_doc_clear(&doc);
}

/* The text of an encoded pair to JSON: percent (GET), base64 (ue_px, cx)
 * or nothing (ue_pr, co are JSON already); each step a layer. */
static void decode_text(xmt_message *msg, const xmt_request *req, xmt_event *ev, xmt_span text, const char *key,
                        const xmt_config *cfg, inner *in)
{
    xmt_span json;
    if (xmt_peel_to_json(msg, req, text, key, cfg, &json))
        walk_inner(msg, req, ev, json, key, cfg, in);
}

/* Decoding stops at MAX_INNER_DOCS per message, said once. */
static gboolean inner_allowed(xmt_message *msg, guint *decoded, xmt_span where)
{
    if (*decoded == MAX_INNER_DOCS)
        xmt_message_add_error(msg, "limit", where, "more than %u encoded contexts and self-describing events in "
                              "one message; the rest are shown as sent", MAX_INNER_DOCS);
    return (*decoded)++ < MAX_INNER_DOCS;
}

static const char *const encoded_keys[] = { "ue_px", "ue_pr", "cx", "co" };

/* GET: each encoded parameter, percent-decoded, then as decode_text(). */
static void decode_query_inner(xmt_message *msg, const xmt_request *req, xmt_event *ev, const xmt_form *form,
                               const xmt_config *cfg, guint *decoded, inner *in)
{
    for (gsize i = 0; i < G_N_ELEMENTS(encoded_keys); i++) {
        const xmt_form_param *p = xmt_form_find(form, encoded_keys[i]);
        if (!p || !inner_allowed(msg, decoded, xmt_kit_value_span(p)))
            continue;
        xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(p), encoded_keys[i]);
        decode_text(msg, req, ev, text, encoded_keys[i], cfg, in);
    }
}

/* POST: a string member holds base64 or JSON text; escaped (always so for
 * JSON inside JSON) it is unescaped into a layer first.  An object (a
 * tracker that does not encode) is walked where it is. */
static void decode_member_inner(xmt_message *msg, const xmt_request *req, xmt_event *ev, const pairs *src,
                                const char *key, const xmt_config *cfg, inner *in)
{
    guint32 i = xmt_json_member(src->doc, src->object, key);
    const xmt_json_node *n = i != XMT_JSON_NONE ? xmt_json_node_at(src->doc, i) : NULL;
    if (!n)
        return;
    if (n->type == XMT_JSON_OBJECT) {
        xmt_event_add_json_under(msg, ev, src->doc, i, key, src->layer, key[0] == 'u' ? ue_rules : cx_rules, cfg);
        return;
    }
    if (n->type != XMT_JSON_STRING)
        return;
    xmt_span text = xmt_span_make(src->layer, n->off + 1, n->len >= 2 ? n->len - 2 : 0);  /* quotes left out */
    if (n->flags & XMT_JSON_ESCAPED) {
        char *value = xmt_json_text(src->doc, n);
        gsize len = strlen(value);
        int layer = xmt_message_add_layer(msg, XMT_LAYER_JSON_STRING, xmt_message_join(msg, key, " (JSON string)"),
                                          (guint8 *)value, len, text);
        text = xmt_span_make(layer, 0, len);
    }
    decode_text(msg, req, ev, text, key, cfg, in);
}

/* ---- decoding ------------------------------------------------------------ */

typedef struct {
    const xmt_request *req;
    guint inner_docs;
} post_ctx;

static void decode_post_event(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                              const xmt_config *cfg, void *user)
{
    post_ctx *ctx = user;
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    pairs src = { doc, object, layer, NULL };
    xmt_event_add_json(msg, ev, doc, object, "", layer, event_rules, cfg);
    inner in = { NULL, { 0, 0, 0 } };
    for (gsize i = 0; i < G_N_ELEMENTS(encoded_keys); i++)
        if (xmt_json_member(doc, object, encoded_keys[i]) != XMT_JSON_NONE &&
            inner_allowed(msg, &ctx->inner_docs, ev->span))
            decode_member_inner(msg, ctx->req, ev, &src, encoded_keys[i], cfg, &in);
    finish_event(msg, ev, &src, &in, cfg);
}

/* {"schema": "iglu:...payload_data/...", "data": [events]}. */
static void decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    xmt_kit_add_header_param(msg, req, "sp-anonymous", "SP-Anonymous");
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    msg->has_json = TRUE;
    msg->json = body;
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, body, "body", cfg, &doc);
    guint32 schema = xmt_json_member(&doc, 0, "schema");
    const xmt_json_node *s = schema != XMT_JSON_NONE ? xmt_json_node_at(&doc, schema) : NULL;
    if (s && s->type == XMT_JSON_STRING) {
        char *text = xmt_json_text(&doc, s);
        xmt_message_add_fact(msg, XMT_FACT_PARAM, xmt_message_printf(msg, "schema=%s", text), 0,
                             xmt_span_make(XMT_LAYER_INPUT, s->off, s->len));
        g_free(text);
    }
    guint32 data = xmt_json_member(&doc, 0, "data");
    post_ctx ctx = { req, 0 };
    if (data != XMT_JSON_NONE)
        xmt_for_each_object(msg, &doc, data, XMT_LAYER_INPUT, "body: data", cfg, decode_post_event, &ctx);
    else if (doc.nodes->len && (xmt_json_node_at(&doc, 0)->flags & XMT_JSON_COMPLETE))
        xmt_message_add_error(msg, "JSON", body, "body: no \"data\" array of events");
    xmt_json_doc_clear(&doc);
}

/* GET /i?...: the query is the event.  Its place is the whole query, but
 * the event is no JSON object, so it has no span of its own: exports write
 * an event's span as its JSON. */
static void decode_query(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 0));
    pairs src = { NULL, 0, XMT_LAYER_INPUT, form };
    xmt_event_add_form(msg, ev, form, XMT_LAYER_INPUT, event_rules, cfg);
    if (form->truncated)
        xmt_message_add_error(msg, "limit", xmt_span_make(XMT_LAYER_INPUT, 0, req->len),
                              "query: more than %u parameters; the rest are not read", XMT_FORM_MAX_PARAMS);
    guint decoded = 0;
    inner in = { NULL, { 0, 0, 0 } };
    decode_query_inner(msg, req, ev, form, cfg, &decoded, &in);
    finish_event(msg, ev, &src, &in, cfg);
}

/* A GET beacon names e= (the event type). */
static const char *const query_markers[] = { "e", NULL };

const xmt_format xmt_format_snowplow = {
    .name = "snowplow",
    .title = "Snowplow",
    .shapes = XMT_SHAPE_RAW_BODY | XMT_SHAPE_URI_QUERY,
    .query_markers = query_markers,
    .recognise_form = recognise_query,
    .decode_form = decode_query,
    .recognise_raw = recognise_body,
    .decode_raw = decode_body,
};
