/* xmt_posthog.c: PostHog captures (docs/formats/posthog.md).
 *
 *   POST /e/  <gzip(JSON)>, no Content-Encoding, text/plain         posthog-js 1.398.2 on (no query);
 *             JSON = {"api_key":"phc_..","batch":[events],"sent_at"}  from 1.407.3
 *   POST /e/?compression=gzip-js&ver=..  <gzip(JSON)>                posthog-js up to 1.398.1
 *   POST /e/?compression=base64  data=<%(base64(JSON))>               beacon and no-gzip fallback
 *   POST /e/?ip=1&_=..&ver=1.60.0  data=<%(LZString.compressToBase64(JSON))>&compression=lz64
 *   POST /e/  <JSON>, application/json                               disable_compression
 *   POST /batch/  {"api_key":"phc_..","batch":[..],"sent_at":..}     posthog-node (Content-Encoding:
 *             gzip, inflated by HTTP before it reaches the plugin)
 *
 * Events: {"uuid","event","properties":{distinct_id, $device_id, $current_url, ..},
 * "$set","$set_once","timestamp"}; server SDKs put distinct_id at the top level.
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "core/xmt_time.h"
#include "layers/xmt_base64.h"
#include "layers/xmt_inflate.h"
#include "layers/xmt_lzstring.h"
#include "layers/xmt_percent.h"

#include <math.h>  /* isfinite(), a macro: no libm */
#include <string.h>

static const xmt_fact_rule event_rules[] = {
    { "event",                            XMT_FACT_EVENT,        XMT_RULE_STRING },
    /* The top-level ISO 8601 time; properties.$time (seconds) when there
     * is none: see add_time_from_seconds(). */
    { "timestamp",                        XMT_FACT_TIME,         XMT_RULE_ISO8601 },
    { "distinct_id",                      XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },  /* server SDKs */
    { "properties.distinct_id",           XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },  /* posthog-js */
    { "properties.$device_id",            XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "properties.$session_id",           XMT_FACT_SESSION_ID,   XMT_RULE_STRING },
    { "properties.$current_url",          XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$referrer",             XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$initial_referrer",     XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$initial_current_url",  XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$session_entry_url",    XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$session_entry_referrer", XMT_FACT_URL,        XMT_RULE_STRING },
    { "properties.url",                   XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$url",                  XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$initial_current_url",   XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$initial_referrer",      XMT_FACT_URL,          XMT_RULE_STRING },
    /* The referrer's search-engine query, taken by the SDK ('+' already a space). */
    { "properties.ph_keyword",            XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.$initial_ph_keyword",   XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.$session_entry_ph_keyword", XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    { "$set_once.$initial_ph_keyword",    XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.search_term",           XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    /* Mobile SDKs (and server SDKs told so): browser events name a class of device only. */
    { "properties.$device_model",         XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "properties.$os_version",           XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    { "properties.$app_namespace",        XMT_FACT_APP,          XMT_RULE_STRING },
    XMT_RULES_END
};

/* What recognition reads of a JSON text: enough to hold the first event's
 * keys up to "$lib" in every posthog-js generation (its 13th property). */
#define RECOGNITION_PREFIX 1024

/* ---- recognition --------------------------------------------------------- */

/* A few tokens read off the start of a text.  Hand-written, not the JSON
 * layer: recognition runs for every body of a capture and must not parse
 * one, and the prefix it reads is usually cut in the middle of a value. */
typedef struct {
    const guint8 *p, *end;
} cursor;

static void skip_space(cursor *c)
{
    while (c->p < c->end && g_ascii_isspace(*c->p))
        c->p++;
}

/* The next token is `text` (after optional white space): consumed. */
static gboolean next_is(cursor *c, const char *text)
{
    skip_space(c);
    gsize n = strlen(text);
    if ((gsize)(c->end - c->p) < n || memcmp(c->p, text, n) != 0)
        return FALSE;
    c->p += n;
    return TRUE;
}

/* A member name and its colon: "key" : */
static gboolean next_key(cursor *c, const char *quoted_key)
{
    return next_is(c, quoted_key) && next_is(c, ":");
}

/* Passes over a string without escapes (a uuid). */
static gboolean skip_plain_string(cursor *c)
{
    if (!next_is(c, "\""))
        return FALSE;
    const guint8 *q = memchr(c->p, '"', (gsize)(c->end - c->p));
    if (!q || memchr(c->p, '\\', (gsize)(q - c->p)))
        return FALSE;
    c->p = q + 1;
    return TRUE;
}

static gboolean contains(const guint8 *p, gsize len, const char *needle)
{
    return g_strstr_len((const char *)p, (gssize)len, needle) != NULL;
}

/* docs/formats/posthog.md §3, rule 4, on the first bytes of a JSON text:
 *   {"api_key":"phc_        a batch envelope (project keys start "phc_")
 *   [{"uuid":"..","event":   posthog-js events (uuid first, then event)
 *   {"event":                older events, with "$lib" or a "phc_" token in
 *                            the prefix (Mixpanel's have "mp_lib", and a
 *                            token of 32 hex digits)
 * Amplitude's {"api_key":"<32 hex>","events":[ fails the first for its key
 * (the Amplitude module may claim {"api_key": bodies in parallel: its rule
 * must leave "phc_" keys to this one), and every other line for its first
 * key; PostHog's own /flags/ and /decide/ bodies start {"token":. */
static gboolean posthog_json_prefix(const guint8 *p, gsize len)
{
    cursor c = { p, p + MIN(len, (gsize)RECOGNITION_PREFIX) };
    cursor envelope = c;
    if (next_is(&envelope, "{") && next_key(&envelope, "\"api_key\"") && next_is(&envelope, "\"phc_"))
        return TRUE;
    next_is(&c, "[");
    if (!next_is(&c, "{"))
        return FALSE;
    cursor uuid = c;
    if (next_key(&uuid, "\"uuid\"") && skip_plain_string(&uuid) && next_is(&uuid, ",") &&
        next_key(&uuid, "\"event\""))
        return TRUE;
    if (!next_key(&c, "\"event\""))
        return FALSE;
    gsize rest = (gsize)(c.end - c.p);
    return contains(c.p, rest, "\"$lib\"") || contains(c.p, rest, "\"phc_");
}

static gboolean is_gzip(const guint8 *p, gsize len)
{
    return xmt_inflate_sniff(p, len) == XMT_COMPRESSION_GZIP;
}

/* The query of the request URI as a form; FALSE when there is none. */
static gboolean uri_query(const xmt_request *req, xmt_form *query)
{
    const char *q = req->uri ? strchr(req->uri, '?') : NULL;
    return q && xmt_form_parse((const guint8 *)q + 1, strcspn(q + 1, "#"), query);
}

/* compression=<a value PostHog's collector reads>, in the form or the query:
 * a parameter no other SDK here sends. */
static const char *const compressions[] = { "gzip-js", "gzip", "lz64", "lz-string", "base64", "b64", NULL };

static const char *named_compression(const xmt_form *form)
{
    const xmt_form_param *p = form ? xmt_form_find(form, "compression") : NULL;
    for (const char *const *c = compressions; p && *c; c++)
        if (p->val_len == strlen(*c) && memcmp(form->base + p->val_off, *c, p->val_len) == 0)
            return *c;
    return NULL;
}

static const char *query_compression(const xmt_request *req)
{
    xmt_form query;
    return uri_query(req, &query) ? named_compression(&query) : NULL;
}

static gboolean is_lz(const char *compression)
{
    return compression && (strcmp(compression, "lz64") == 0 || strcmp(compression, "lz-string") == 0);
}

/* The bytes of a gzip body inflated to tell PostHog's from others: enough
 * for {"api_key":"phc_ (posthog-js from 1.407.3) and [{"uuid":"<36>","event":
 * (from 1.398.2), the shapes that come without a query. */
#define GZIP_PROBE 64

/* posthog-js labels its gzip Blob text/plain; what comes without a label
 * (the http heuristic) may be it too.  Uploads of other gzip files are
 * labelled otherwise (application/octet-stream, ...) and cost one string
 * comparison. */
static gboolean gzip_label_fits(const xmt_request *req)
{
    return !req->content_type || strcmp(req->content_type, "text/plain") == 0 ||
           strcmp(req->content_type, "application/json") == 0;
}

/* A gzip body without Content-Encoding (what reaches the plugin inflated
 * had one) is PostHog's when the first bytes it inflates to are PostHog's
 * JSON.  Only GZIP_PROBE bytes are inflated (the dynamic Huffman tables of
 * the first block are most of the cost), RECOGNITION_PREFIX when the query's
 * compression=gzip-js says posthog-js up to 1.398.1, whose events may start
 * {"event": and need "$lib" further on.  That parameter does not decide
 * alone: posthog-js sends its /flags/ and /decide/ bodies, which hold no
 * events, with it too. */
static gboolean gzip_is_posthog(const xmt_request *req)
{
    if (!gzip_label_fits(req))
        return FALSE;
    const char *compression = query_compression(req);
    gsize probe = compression && !is_lz(compression) ? RECOGNITION_PREFIX : GZIP_PROBE;
    guint8 prefix[RECOGNITION_PREFIX];
    gsize n = xmt_inflate_prefix(req->data, req->len, XMT_COMPRESSION_GZIP, prefix, probe);
    return posthog_json_prefix(prefix, n);
}

static gboolean recognise_body(const xmt_request *req)
{
    if (req->kind != XMT_INPUT_BODY)
        return FALSE;
    if (is_gzip(req->data, req->len))
        return gzip_is_posthog(req);
    /* One byte rejects every body that is not JSON. */
    gsize i = 0;
    while (i < req->len && g_ascii_isspace(req->data[i]))
        i++;
    if (i == req->len || (req->data[i] != '{' && req->data[i] != '['))
        return FALSE;
    return posthog_json_prefix(req->data + i, req->len - i);
}

/* Base64 symbols of RECOGNITION_PREFIX bytes. */
#define PREFIX_SYMBOLS (RECOGNITION_PREFIX / 3 * 4)

/* The first bytes of a base64 data= value (percent-encoded), decoded. */
static gboolean base64_prefix_is_posthog(const xmt_form *form, const xmt_form_param *data)
{
    const guint8 *raw = form->base + data->val_off;
    gsize raw_len = MIN((gsize)data->val_len, (gsize)PREFIX_SYMBOLS * 3);  /* each symbol at most "%2B" */
    if (raw_len < data->val_len) {  /* no escape cut in two */
        if (raw[raw_len - 1] == '%')
            raw_len -= 1;
        else if (raw[raw_len - 2] == '%')
            raw_len -= 2;
    }
    guint8 *text = g_malloc(raw_len + 1);
    gsize n = xmt_percent_decode(raw, raw_len, text, NULL, NULL);
    n = MIN(n - n % 4, (gsize)PREFIX_SYMBOLS);
    char *error = NULL;
    gsize len = 0;
    guint8 *json = xmt_base64_decode(text, n, &len, &error);
    gboolean yes = json && posthog_json_prefix(json, len);
    g_free(json);
    g_free(error);
    g_free(text);
    return yes;
}

/* The first bytes of an LZ-string data= value, decompressed.  Its symbols
 * are never percent-encoded but for '+' and '/' (encodeURIComponent). */
static gboolean lzstring_prefix_is_posthog(const xmt_form *form, const xmt_form_param *data)
{
    const guint8 *raw = form->base + data->val_off;
    gsize raw_len = MIN((gsize)data->val_len, (gsize)RECOGNITION_PREFIX * 3);
    guint8 *text = g_malloc(raw_len + 1);
    gsize n = xmt_percent_decode(raw, raw_len, text, NULL, NULL);
    gsize len = 0;
    xmt_lzstring_result result;
    char *error = NULL;
    guint8 *json = xmt_lzstring_decompress(text, n, RECOGNITION_PREFIX, &len, &result, &error);
    gboolean yes = json && posthog_json_prefix(json, len);
    g_free(json);
    g_free(error);
    g_free(text);
    return yes;
}

/* data= with base64 of JSON (rule 3), or LZ-string of JSON named by a
 * compression= in the form or the query (the collector reads LZ-string only
 * when named; rule 2), whose first bytes decoded are PostHog's JSON: the
 * compression= alone does not decide, since posthog-js sends its /flags/
 * and /decide/ bodies the same way. */
static gboolean recognise_form(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *data = xmt_form_find(form, "data");
    if (!data || req->kind != XMT_INPUT_BODY)
        return FALSE;
    const guint8 *v = form->base + data->val_off;
    if (xmt_lzstring_has_json_prefix(v, data->val_len)) {
        const char *compression = named_compression(form);
        return is_lz(compression ? compression : query_compression(req)) && lzstring_prefix_is_posthog(form, data);
    }
    return xmt_base64_has_payload_prefix(v, data->val_len) && base64_prefix_is_posthog(form, data);
}

/* ---- decoding -------------------------------------------------------------- */

/* The upload time of the query's _=<ms>, and every query parameter as sent
 * (compression, ver, ip: ip=1 is a flag, not an address). */
static void add_query_facts(const xmt_request *req, xmt_message *msg)
{
    xmt_form query;
    if (!uri_query(req, &query))
        return;
    xmt_span nowhere = xmt_span_make(XMT_LAYER_INPUT, 0, 0);  /* the URI is not the body */
    for (guint i = 0; i < query.count; i++) {
        const xmt_form_param *p = &query.params[i];
        char *value = xmt_form_value_dup(&query, p);
        const char *text = xmt_message_printf(msg, "%.*s=%s", (int)p->key_len,
                                              (const char *)query.base + p->key_off, value);
        g_free(value);
        xmt_message_add_fact(msg, XMT_FACT_PARAM, text, 0, nowhere);
    }
    const xmt_form_param *sent = xmt_form_find(&query, "_");
    gint64 ms;
    if (sent && xmt_form_value_int64(&query, sent, &ms) && ms > 0)
        xmt_message_add_fact(msg, XMT_FACT_FLUSH_TIME, NULL, ms, nowhere);
}

/* properties.$time: seconds with a fraction (Date.now() / 1000), for events
 * without a timestamp (posthog-js ≤ 1.62 sends "offset" in a batch instead). */
static void add_time_from_seconds(xmt_event *ev, const xmt_json_doc *doc, guint32 object, int layer)
{
    guint32 props = xmt_json_member(doc, object, "properties");
    guint32 t = props != XMT_JSON_NONE ? xmt_json_member(doc, props, "$time") : XMT_JSON_NONE;
    const xmt_json_node *n = t != XMT_JSON_NONE ? xmt_json_node_at(doc, t) : NULL;
    const char *raw;
    gsize len;
    if (!n || n->type != XMT_JSON_NUMBER || !xmt_json_raw_text(doc, n, &raw, &len) || len > 32)
        return;
    char text[33];
    memcpy(text, raw, len);
    text[len] = '\0';
    double seconds = g_ascii_strtod(text, NULL);
    if (!isfinite(seconds) || seconds <= 0 || seconds >= 1e13)  /* past the year 300,000: not a time */
        return;
    xmt_event_add_fact(ev, XMT_FACT_TIME, NULL, (gint64)(seconds * 1000.0 + 0.5), xmt_span_make(layer, n->off, n->len));
}

/* distinct_id is an account id once the site identified the user: on the
 * $identify event, and wherever it is no longer the device's own id (which
 * posthog-js uses as distinct_id until identify()). */
static void flag_account_id(xmt_message *msg, xmt_event *ev)
{
    const xmt_fact *id = xmt_event_fact(ev, XMT_FACT_DISTINCT_ID);
    if (!id || !id->str)
        return;
    const xmt_fact *device = xmt_event_fact(ev, XMT_FACT_ANONYMOUS_ID);
    gboolean identified = (ev->name && strcmp(ev->name, "$identify") == 0) ||
                          (device && device->str && strcmp(device->str, id->str) != 0);
    if (identified)
        xmt_pii_record(msg, ev, XMT_PII_ACCOUNT_ID, "distinct_id", id->str, id->span);
}

static void decode_event(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                         const xmt_config *cfg, void *user)
{
    (void)user;
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, event_rules, cfg);
    if (!xmt_event_fact(ev, XMT_FACT_TIME))
        add_time_from_seconds(ev, doc, object, layer);
    if (cfg->want_pii)
        flag_account_id(msg, ev);
}

/* The envelope's api_key (the project, not a person) and sent_at; its
 * events are in "batch". */
static guint32 open_envelope(xmt_message *msg, const xmt_json_doc *doc, int layer)
{
    guint32 batch = xmt_json_member(doc, 0, "batch");
    guint32 key = xmt_json_member(doc, 0, "api_key");
    const xmt_json_node *k = key != XMT_JSON_NONE ? xmt_json_node_at(doc, key) : NULL;
    if (k && k->type == XMT_JSON_STRING) {
        char *text = xmt_json_text(doc, k);
        xmt_message_add_fact(msg, XMT_FACT_PARAM, xmt_message_printf(msg, "api_key=%s", text), 0,
                             xmt_span_make(layer, k->off, k->len));
        g_free(text);
    }
    guint32 sent = xmt_json_member(doc, 0, "sent_at");
    const xmt_json_node *s = sent != XMT_JSON_NONE ? xmt_json_node_at(doc, sent) : NULL;
    gint64 ms;
    if (s && s->type == XMT_JSON_STRING && (s->flags & XMT_JSON_COMPLETE)) {
        char *text = xmt_json_text(doc, s);
        if (xmt_time_from_iso8601(text, &ms))
            xmt_message_add_fact(msg, XMT_FACT_FLUSH_TIME, NULL, ms, xmt_span_make(layer, s->off, s->len));
        g_free(text);
    }
    return batch;
}

/* The JSON payload: an envelope {api_key, batch, sent_at}, an array of
 * events, or one event. */
static void decode_json(xmt_message *msg, const xmt_request *req, xmt_span json, const char *what,
                        const xmt_config *cfg)
{
    msg->has_json = TRUE;
    msg->json = json;
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, json, what, cfg, &doc);
    const xmt_json_node *root = xmt_json_node_at(&doc, 0);
    guint32 events = 0;
    if (root && root->type == XMT_JSON_OBJECT && xmt_json_member(&doc, 0, "batch") != XMT_JSON_NONE)
        events = open_envelope(msg, &doc, json.layer);
    if (root)
        xmt_for_each_object(msg, &doc, events, json.layer, what, cfg, decode_event, NULL);
    xmt_json_doc_clear(&doc);
}

static void decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    add_query_facts(req, msg);
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    if (!xmt_peel_inflate(msg, req, &body, "body", cfg))
        return;
    decode_json(msg, req, body, "body", cfg);
}

/* LZString.compressToBase64 of the JSON text, to a layer of its own. */
static gboolean peel_lzstring(xmt_message *msg, const xmt_request *req, xmt_span *cur, const xmt_config *cfg)
{
    gsize n = 0;
    xmt_lzstring_result result;
    char *error = NULL;
    guint8 *text = xmt_lzstring_decompress(xmt_span_data(msg, req, *cur), cur->len, cfg->max_inflated, &n,
                                           &result, &error);
    if (error) {
        gboolean limit = result == XMT_LZSTRING_OUTPUT_LIMIT;
        xmt_message_add_error(msg, limit ? "limit" : "LZ-string", *cur, "data: %s (%s)%s", error,
                              xmt_lzstring_result_name(result), text ? "; the part decoded is shown" : "");
        g_free(error);
    }
    if (!text) {
        if (!error)
            xmt_message_add_error(msg, "LZ-string", *cur, "data: decompresses to nothing");
        return FALSE;
    }
    int layer = xmt_message_add_layer(msg, XMT_LAYER_LZSTRING, "data (LZ-string-decompressed)", text, n, *cur);
    *cur = xmt_span_make(layer, 0, n);
    return TRUE;
}

static void decode_form(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const xmt_form_param *data = xmt_kit_payload_param(msg, form, "data");  /* compression= is a fact too */
    add_query_facts(req, msg);
    const char *compression = named_compression(form);
    if (!compression)
        compression = query_compression(req);
    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(data), "data");
    xmt_span json;
    if (is_lz(compression)) {
        json = text;
        if (!peel_lzstring(msg, req, &json, cfg))
            return;
    } else if (!xmt_peel_to_json(msg, req, text, "data", cfg, &json)) {
        return;
    }
    decode_json(msg, req, json, "data", cfg);
}

const xmt_format xmt_format_posthog = {
    .name = "posthog",
    .title = "PostHog",
    .shapes = XMT_SHAPE_RAW_BODY | XMT_SHAPE_FORM_BODY,
    .recognise_form = recognise_form,
    .decode_form = decode_form,
    .recognise_raw = recognise_body,
    .decode_raw = decode_body,
};
