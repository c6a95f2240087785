/* xmt_ga4.c: Google Analytics 4 (docs/formats/ga4.md).
 *
 *   /g/collect?v=2&tid=G-..&cid=..&dl=..&en=..&ep.x=..        one event: every parameter in the query,
 *                                                             no body (GET, or POST with Content-Length: 0)
 *   /g/collect?v=2&tid=G-..&cid=..&dl=..  + body lines         one event per line of the body (text/plain):
 *       en=page_view&_et=..\nen=click&ep.x=..                  the query's parameters are every event's,
 *                                                             a line's own win
 *   /mp/collect?measurement_id=G-..&api_secret=..  + JSON      Measurement Protocol:
 *       {"client_id","user_id","timestamp_micros","user_properties",...,"events":[{"name","params"}]}
 *
 * Recognised from the query itself (v=2 and tid=, an event name en= in the
 * query or the body's first line; api_secret= with measurement_id= or
 * firebase_app_id= and a JSON object), whatever the host and path:
 * collectors are proxied and first-party.
 *
 * gtag's events are parameter lists, not JSON: each becomes an event of
 * the core's (xmt_event_from_pairs) whose members are its parameters.  A
 * hit with body lines is read from one layer holding the query, then the
 * body: the shared parameters point at the query, each event at its line,
 * and the tree moves forward through one data source (Wireshark 4.6 stops
 * a dissection after 50,000 items that do not).
 */
#include "formats/xmt_format.h"

#include "formats/xmt_format_kit.h"
#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "core/xmt_watch.h"
#include "layers/xmt_percent.h"

#include <string.h>

/* gtag parameters that feed facts; every parameter is a member anyway.
 * distinct_id is uid, else cid (added after the rules). */
static const xmt_fact_rule hit_rules[] = {
    { "en",               XMT_FACT_EVENT,        XMT_RULE_STRING },
    { "dl",               XMT_FACT_URL,          XMT_RULE_STRING },
    { "dr",               XMT_FACT_URL,          XMT_RULE_STRING },
    { "ep.page_location", XMT_FACT_URL,          XMT_RULE_STRING },
    { "ep.page_referrer", XMT_FACT_URL,          XMT_RULE_STRING },
    { "ep.link_url",      XMT_FACT_URL,          XMT_RULE_STRING },
    { "ep.video_url",     XMT_FACT_URL,          XMT_RULE_STRING },
    { "ep.search_term",   XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "uid",              XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },
    { "cid",              XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "uam",              XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "uapv",             XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    XMT_RULES_END
};

/* A Measurement Protocol event, paths from the event object. */
static const xmt_fact_rule mp_event_rules[] = {
    { "name",                 XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "params.page_location", XMT_FACT_URL,         XMT_RULE_STRING },
    { "params.page_referrer", XMT_FACT_URL,         XMT_RULE_STRING },
    { "params.link_url",      XMT_FACT_URL,         XMT_RULE_STRING },
    { "params.video_url",     XMT_FACT_URL,         XMT_RULE_STRING },
    { "params.search_term",   XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    XMT_RULES_END
};

/* The request's envelope, which every one of its events shares. */
static const xmt_fact_rule mp_envelope_rules[] = {
    { "user_id",                         XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },
    { "client_id",                       XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "app_instance_id",                 XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "device.model",                    XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "device.operating_system_version", XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    XMT_RULES_END
};

/* ---- recognition ---------------------------------------------------------- */

static gboolean has_key(const char *q, gsize len, const char *key)
{
    return xmt_form_has_key((const guint8 *)q, len, key);
}

/* The text holds the parameter key=value exactly (at its start or after an '&'). */
static gboolean has_pair(const char *q, gsize len, const char *key, const char *value)
{
    gsize k = strlen(key), v = strlen(value);
    for (const char *p = q, *end = q + len; (gsize)(end - p) >= k + 1 + v; p++) {
        p = memchr(p, key[0], (gsize)(end - p) - k - v);
        if (!p)
            return FALSE;
        if ((p == q || p[-1] == '&') && memcmp(p, key, k) == 0 && p[k] == '=' && memcmp(p + k + 1, value, v) == 0 &&
            (p + k + 1 + v == end || p[k + 1 + v] == '&'))
            return TRUE;
    }
    return FALSE;
}

/* The request URI's query (without '?'), or NULL. */
static const char *uri_query(const xmt_request *req, gsize *len)
{
    const char *mark = req->uri ? strchr(req->uri, '?') : NULL;
    if (!mark)
        return NULL;
    gsize n = strcspn(mark + 1, "#");
    *len = n;
    return mark + 1;
}

/* gtag's protocol version and measurement id, first in every hit. */
static gboolean gtag_query(const char *q, gsize len)
{
    return has_key(q, len, "tid") && has_pair(q, len, "v", "2");
}

static gboolean mp_query(const char *q, gsize len)
{
    return has_key(q, len, "api_secret") && (has_key(q, len, "measurement_id") || has_key(q, len, "firebase_app_id"));
}

static gsize first_line_len(const guint8 *data, gsize len)
{
    const guint8 *nl = memchr(data, '\n', len);
    return nl ? (gsize)(nl - data) : len;
}

static gboolean starts_with_object(const xmt_request *req)
{
    gsize i = 0;
    while (i < req->len && g_ascii_isspace(req->data[i]))
        i++;
    return i < req->len && req->data[i] == '{';
}

/* Measurement Protocol JSON: its query names the API secret, the body is an object. */
static gboolean is_mp(const xmt_request *req, const char *q, gsize qlen)
{
    return mp_query(q, qlen) && starts_with_object(req);
}

/* A body of event lines, or of Measurement Protocol JSON, to a hit's query. */
static gboolean recognise_body(const xmt_request *req)
{
    gsize qlen = 0;
    const char *q = req->kind == XMT_INPUT_BODY ? uri_query(req, &qlen) : NULL;
    if (!q || qlen == 0)
        return FALSE;
    if (gtag_query(q, qlen) &&
        (has_key(q, qlen, "en") || xmt_form_has_key(req->data, first_line_len(req->data, req->len), "en")))
        return TRUE;
    return is_mp(req, q, qlen);
}

/* A hit whose one event is all in the query.  The form holds the first
 * XMT_FORM_MAX_PARAMS parameters; ecommerce hits put many items before en=. */
static gboolean recognise_query(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *v = xmt_form_find(form, "v");
    const xmt_form_param *tid = xmt_form_find(form, "tid");
    if (!v || v->val_len != 1 || !xmt_form_value_starts(form, v, "2") || !tid || tid->val_len == 0)
        return FALSE;
    return xmt_form_find(form, "en") || (form->truncated && xmt_form_has_key(req->data, req->len, "en"));
}

/* ---- parameters ------------------------------------------------------------ */

/* A name or value as a browser's query holds it ('+' and %XX decoded), as
 * text of the message: copied as sent in the common case. */
static const char *pair_text(xmt_message *msg, const guint8 *bytes, gsize len)
{
    const char *raw = (const char *)bytes;
    if (!memchr(raw, '%', len) && !memchr(raw, '+', len) && g_utf8_validate(raw, (gssize)len, NULL))
        return xmt_message_strndup(msg, raw, len);
    char *text = xmt_percent_decode_query_value(raw, len);
    const char *kept = xmt_message_strdup(msg, text);
    g_free(text);
    return kept;
}

/* The parameters of bytes[0..len), which lie at `off` of `layer`, appended
 * to `out` (of xmt_pair).  A parameter without a name is an error. */
static void read_pairs(xmt_message *msg, const guint8 *bytes, gsize len, int layer, gsize off, const char *what,
                       GArray *out)
{
    gsize pos = 0;
    xmt_form_param p;
    while (xmt_form_next(bytes, len, &pos, &p)) {
        if (p.key_len == 0) {
            xmt_message_add_error(msg, "form", xmt_span_make(layer, off + p.key_off, p.val_off + p.val_len - p.key_off),
                                  "%s: a parameter without a name at offset %u", what, p.key_off);
            continue;
        }
        xmt_pair pair;
        pair.name = pair_text(msg, bytes + p.key_off, p.key_len);
        pair.value = pair_text(msg, bytes + p.val_off, p.val_len);
        pair.span = xmt_span_make(layer, off + p.val_off, p.val_len);
        /* gtag's own client id, not the cell id the scanner takes "cid" for */
        pair.not_pii = strcmp(pair.name, "cid") == 0;
        g_array_append_val(out, pair);
    }
}

static const xmt_pair *find_pair(const GArray *pairs, const char *name)
{
    for (guint i = 0; i < pairs->len; i++) {
        const xmt_pair *p = &g_array_index(pairs, xmt_pair, i);
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

/* The event's parameters: the query's but those its line names again, then the line's. */
static void merge_pairs(const GArray *shared, const GArray *own, GArray *out)
{
    GHashTable *names = NULL;
    if (own->len > 8) {  /* a long line: its names in a set, not a scan per shared parameter */
        names = g_hash_table_new(g_str_hash, g_str_equal);
        for (guint i = 0; i < own->len; i++)
            g_hash_table_add(names, (gpointer)g_array_index(own, xmt_pair, i).name);
    }
    g_array_set_size(out, 0);
    for (guint i = 0; i < shared->len; i++) {
        const xmt_pair *p = &g_array_index(shared, xmt_pair, i);
        if (!(names ? g_hash_table_contains(names, p->name) : find_pair(own, p->name) != NULL))
            g_array_append_vals(out, p, 1);
    }
    g_array_append_vals(out, own->data, own->len);
    if (names)
        g_hash_table_destroy(names);
}

static gboolean wants(const xmt_config *cfg, xmt_fact_id fact)
{
    return cfg->want_pii || (cfg->want_facts & XMT_FACT_BIT(fact));
}

/* One gtag event from its parameters. */
static xmt_event *hit_event(xmt_message *msg, xmt_span span, const GArray *pairs, const xmt_config *cfg)
{
    xmt_event *ev = xmt_event_from_pairs(msg, span, (const xmt_pair *)pairs->data, pairs->len, hit_rules, cfg);
    const xmt_pair *cid = find_pair(pairs, "cid");
    if (cid && cid->value[0] && wants(cfg, XMT_FACT_DISTINCT_ID) && !xmt_event_fact(ev, XMT_FACT_DISTINCT_ID))
        xmt_event_add_fact(ev, XMT_FACT_DISTINCT_ID, cid->value, 0, cid->span);
    /* server-side tagging forwards the visitor's address as _uip */
    const xmt_pair *uip = find_pair(pairs, "_uip");
    if (uip && cfg->want_pii && xmt_pii_is_ip(uip->value))
        xmt_pii_record(msg, ev, XMT_PII_IP, uip->name, uip->value, uip->span);
    if (!ev->name)
        xmt_message_add_error(msg, "GA4", span, "an event without a name (no en= in the query or its line)");
    return ev;
}

/* ---- /g/collect ------------------------------------------------------------ */

/* Everything in the query, which is the input. */
static void decode_query(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    (void)form;  /* the first XMT_FORM_MAX_PARAMS only: every parameter is read again */
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(xmt_pair));
    read_pairs(msg, req->data, req->len, XMT_LAYER_INPUT, 0, "query", pairs);
    hit_event(msg, xmt_span_make(XMT_LAYER_INPUT, 0, req->len), pairs, cfg);
    g_array_free(pairs, TRUE);
}

/* One event per non-empty line, within the limits: cfg->max_events
 * events, and cfg->max_json_nodes parameters in all, since each line
 * repeats the query's (a 30 KB query and 10,000 short lines would make a
 * hundred million members). */
static void decode_lines(xmt_message *msg, const guint8 *data, gsize start, gsize end, int layer, const GArray *shared,
                         const xmt_config *cfg)
{
    GArray *own = g_array_new(FALSE, FALSE, sizeof(xmt_pair));
    GArray *merged = g_array_new(FALSE, FALSE, sizeof(xmt_pair));
    guint64 params = 0;
    guint line_no = 0;
    for (gsize at = start; at < end;) {
        gsize len = first_line_len(data + at, end - at), next = at + len + 1;
        line_no++;
        if (len && data[at + len - 1] == '\r')
            len--;
        xmt_span line = xmt_span_make(layer, at, len);
        if (len == 0) {
            at = next;
            continue;
        }
        if (msg->events->len >= cfg->max_events) {
            xmt_message_add_error(msg, "limit", line, "line %u: more than %u events in one hit; the rest are not decoded",
                                  line_no, cfg->max_events);
            break;
        }
        if (params >= cfg->max_json_nodes) {
            xmt_message_add_error(msg, "limit", line, "line %u: the events before it hold %" G_GUINT64_FORMAT
                                  " parameters, each line repeating the query's %u (limit %u); the rest are not decoded",
                                  line_no, params, shared->len, cfg->max_json_nodes);
            break;
        }
        g_array_set_size(own, 0);
        char what[32];
        g_snprintf(what, sizeof what, "line %u", line_no);
        read_pairs(msg, data + at, len, layer, at, what, own);
        merge_pairs(shared, own, merged);
        params += merged->len;
        hit_event(msg, line, merged, cfg);
        at = next;
    }
    g_array_free(own, TRUE);
    g_array_free(merged, TRUE);
}

/* The query and the body, read as one layer: the query, a newline, the body. */
static void decode_hit_body(const xmt_request *req, const char *q, gsize qlen, const xmt_config *cfg,
                            xmt_message *msg)
{
    gsize n = qlen + 1 + req->len;
    guint8 *data = g_malloc(n);
    memcpy(data, q, qlen);
    data[qlen] = '\n';
    memcpy(data + qlen + 1, req->data, req->len);
    int layer = xmt_message_add_layer(msg, XMT_LAYER_JOINED, "GA4 hit (the request URI's query, then the body's lines)",
                                      data, n, xmt_span_make(XMT_LAYER_INPUT, 0, req->len));
    GArray *shared = g_array_new(FALSE, FALSE, sizeof(xmt_pair));
    read_pairs(msg, data, qlen, layer, 0, "query", shared);
    decode_lines(msg, data, qlen + 1, n, layer, shared, cfg);
    if (msg->events->len == 0)  /* only empty lines: the query is the event */
        hit_event(msg, xmt_span_make(layer, 0, qlen), shared, cfg);
    g_array_free(shared, TRUE);
}

/* ---- /mp/collect ------------------------------------------------------------ */

typedef struct {
    const xmt_request *req;
    guint32 events;          /* the node of the "events" array */
    guint32 events_off;      /* where it starts */
    const char *app;         /* firebase_app_id from the query, or NULL */
} mp_ctx;

/* Items of the envelope after the events array are shown at the array's
 * start: each event's items then move forward (Wireshark 4.6 stops a
 * dissection after 50,000 items that do not). */
static xmt_span envelope_span(const mp_ctx *ctx, const xmt_json_node *n, int layer)
{
    return n->off > ctx->events_off ? xmt_span_make(layer, ctx->events_off, 0) : xmt_span_make(layer, n->off, n->len);
}

static const xmt_json_node *member_node(const xmt_json_doc *doc, guint32 object, const char *key)
{
    guint32 m = xmt_json_member(doc, object, key);
    const xmt_json_node *n = m != XMT_JSON_NONE ? xmt_json_node_at(doc, m) : NULL;
    return n && (n->flags & XMT_JSON_COMPLETE) ? n : NULL;
}

/* timestamp_micros of the event, else of the request: microseconds, shown as the event's time. */
static void add_time(const mp_ctx *ctx, xmt_event *ev, const xmt_json_doc *doc, guint32 object, int layer)
{
    const xmt_json_node *n = member_node(doc, object, "timestamp_micros");
    xmt_span span = n ? xmt_span_make(layer, n->off, n->len) : xmt_span_make(layer, 0, 0);
    if (!n && (n = member_node(doc, 0, "timestamp_micros")) != NULL)
        span = envelope_span(ctx, n, layer);
    gint64 us;
    if (n && xmt_json_int64(doc, n, &us))
        xmt_event_add_fact(ev, XMT_FACT_TIME, NULL, us / 1000, span);
}

/* A value of the envelope as text for a fact or finding, or NULL. */
static const char *envelope_text(xmt_message *msg, const xmt_json_doc *doc, const xmt_json_node *n)
{
    if (!n || n->type == XMT_JSON_NULL)
        return NULL;
    if (n->type == XMT_JSON_OBJECT || n->type == XMT_JSON_ARRAY) {
        char *compact = xmt_json_compact(doc->buf + n->off, n->len);
        const char *kept = xmt_kit_text(msg, compact, -1);
        g_free(compact);
        return kept;
    }
    char *text = xmt_json_text(doc, n);
    const char *kept = text[0] ? xmt_message_strdup(msg, text) : NULL;
    g_free(text);
    return kept;
}

/* What the protocol's keys say, which the key-name scan cannot know. */
static void add_envelope_pii(xmt_message *msg, const mp_ctx *ctx, xmt_event *ev, const xmt_json_doc *doc, int layer)
{
    static const struct {
        const char *key, *member;
        xmt_pii_kind kind;
    } keys[] = {
        { "ip_override",   NULL,                    XMT_PII_IP },
        { "user_location", NULL,                    XMT_PII_LOCATION },
        { "user_data",     "sha256_email_address",  XMT_PII_EMAIL },
        { "user_data",     "sha256_phone_number",   XMT_PII_PHONE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
        const xmt_json_node *n = member_node(doc, 0, keys[i].key);
        if (n && keys[i].member)
            n = n->type == XMT_JSON_OBJECT ? member_node(doc, xmt_json_member(doc, 0, keys[i].key), keys[i].member) : NULL;
        const char *text = envelope_text(msg, doc, n);
        if (!text || (keys[i].kind == XMT_PII_IP && !xmt_pii_is_ip(text)) || strcmp(text, "{}") == 0)
            continue;
        const char *path = keys[i].member ? xmt_message_printf(msg, "%s.%s", keys[i].key, keys[i].member) : keys[i].key;
        xmt_pii_record(msg, ev, keys[i].kind, path, text, envelope_span(ctx, n, layer));
    }
}

/* distinct_id: user_id, else the id the client made. */
static void add_distinct_id(xmt_message *msg, const mp_ctx *ctx, xmt_event *ev, const xmt_json_doc *doc, int layer)
{
    static const char *const fallbacks[] = { "client_id", "app_instance_id" };
    if (xmt_event_fact(ev, XMT_FACT_DISTINCT_ID))
        return;
    for (gsize i = 0; i < G_N_ELEMENTS(fallbacks); i++) {
        const xmt_json_node *n = member_node(doc, 0, fallbacks[i]);
        const char *text = n && n->type == XMT_JSON_STRING ? envelope_text(msg, doc, n) : NULL;
        if (text) {
            xmt_event_add_fact(ev, XMT_FACT_DISTINCT_ID, text, 0, envelope_span(ctx, n, layer));
            return;
        }
    }
}

static void decode_mp_event(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                            const xmt_config *cfg, void *user)
{
    const mp_ctx *ctx = user;
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    /* the envelope first, each of its members under its own name */
    for (guint32 c = xmt_json_first_child(doc, 0); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        if (c == ctx->events)
            continue;
        char *key = xmt_json_key(doc, xmt_json_node_at(doc, c));
        xmt_event_add_json(msg, ev, doc, c, key, layer, mp_envelope_rules, cfg);
        g_free(key);
    }
    if (wants(cfg, XMT_FACT_DISTINCT_ID))
        add_distinct_id(msg, ctx, ev, doc, layer);
    if (cfg->want_pii)
        add_envelope_pii(msg, ctx, ev, doc, layer);
    xmt_event_pull_spans_back(ev, layer, ctx->events_off, ctx->events_off);
    if (ctx->app)
        xmt_event_add_fact(ev, XMT_FACT_APP, ctx->app, 0, xmt_span_make(layer, 0, 0));
    xmt_event_add_json(msg, ev, doc, object, "", layer, mp_event_rules, cfg);
    if (wants(cfg, XMT_FACT_TIME))
        add_time(ctx, ev, doc, object, layer);
    xmt_event_finish(msg, ev, cfg);
}

/* The query's parameters, shown as sent: the measurement id (or app), and
 * the API secret, which is the sender's and opens nothing here. */
static const char *add_query_params(xmt_message *msg, const char *q, gsize qlen)
{
    const char *app = NULL;
    gsize pos = 0;
    xmt_form_param p;
    while (xmt_form_next((const guint8 *)q, qlen, &pos, &p)) {
        const char *name = pair_text(msg, (const guint8 *)q + p.key_off, p.key_len);
        const char *value = pair_text(msg, (const guint8 *)q + p.val_off, p.val_len);
        xmt_message_add_fact(msg, XMT_FACT_PARAM, xmt_message_printf(msg, "%s=%s", name, value), 0,
                             xmt_span_make(XMT_LAYER_INPUT, 0, 0));  /* the query is not in the body */
        if (strcmp(name, "firebase_app_id") == 0 && value[0])
            app = value;
    }
    return app;
}

static void decode_mp(const xmt_request *req, const char *q, gsize qlen, const xmt_config *cfg, xmt_message *msg)
{
    mp_ctx ctx = { req, XMT_JSON_NONE, 0, add_query_params(msg, q, qlen) };
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    msg->has_json = TRUE;
    msg->json = body;
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, body, "body", cfg, &doc);
    const xmt_json_node *root = xmt_json_node_at(&doc, 0);
    if (root && root->type == XMT_JSON_OBJECT)
        ctx.events = xmt_json_member(&doc, 0, "events");
    if (ctx.events == XMT_JSON_NONE) {
        if (root && (root->flags & XMT_JSON_COMPLETE))
            xmt_message_add_error(msg, "JSON", xmt_span_make(XMT_LAYER_INPUT, root->off, root->len),
                                  "body: expected an object with an \"events\" array");
    } else {
        ctx.events_off = xmt_json_node_at(&doc, ctx.events)->off;
        xmt_for_each_object(msg, &doc, ctx.events, XMT_LAYER_INPUT, "body: events", cfg, decode_mp_event, &ctx);
    }
    xmt_json_doc_clear(&doc);
}

static void decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    gsize qlen = 0;
    const char *q = uri_query(req, &qlen);
    if (!q)
        return;  /* never: recognise_body() found the query */
    if (is_mp(req, q, qlen))
        decode_mp(req, q, qlen, cfg, msg);
    else
        decode_hit_body(req, q, qlen, cfg, msg);
}

/* gtag always sends tid= (and v=2): a page URL rarely names it. */
static const char *const query_markers[] = { "tid", NULL };

const xmt_format xmt_format_ga4 = {
    .name = "ga4",
    .title = "Google Analytics 4",
    .shapes = XMT_SHAPE_URI_QUERY | XMT_SHAPE_RAW_BODY,
    .query_markers = query_markers,
    .recognise_form = recognise_query,
    .decode_form = decode_query,
    .recognise_raw = recognise_body,
    .decode_raw = decode_body,
};
