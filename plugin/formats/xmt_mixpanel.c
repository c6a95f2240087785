/* xmt_mixpanel.c: Mixpanel uploads (docs/formats/mixpanel.md).
 *
 *   POST /track/?ip=1&_=<ms>            data=<%(base64(JSON object))>   browser to any host but *.mixpanel.com
 *   POST /track/?verbose=1&ip=1&_=<ms>  data=<%(JSON array)>            browser batches to *.mixpanel.com
 *                                                                      (or api_payload_format 'json')
 *   POST /engage/, /groups/             the same, profile and group updates ($set, $set_once, ...)
 *   GET  /track?ip=0&verbose=0&data=<%(base64(JSON object))>            Node track, people.*, import
 *   POST /track?ip=0&verbose=0          data=<base64(JSON array)>       Node track_batch, import_batch:
 *                                                                      not escaped, so a '+' may arrive as ' '
 *   POST /track/?ip=1                   data=<%(base64(JSON array))>    Android; its gzip option is HTTP's
 *                                                                      Content-Encoding, undone before us
 *
 * Recognised by the payload's own structure (the first key of its first
 * record), never by host or path: collectors are proxied and self-hosted.
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "layers/xmt_base64.h"
#include "layers/xmt_percent.h"

#include <string.h>

/* A track (or import) event: {"event": name, "properties": {...}}. */
static const xmt_fact_rule event_rules[] = {
    { "event",                        XMT_FACT_EVENT,        XMT_RULE_STRING },
    { "properties.distinct_id",       XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },
    { "properties.$device_id",        XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "properties.$current_url",      XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$referrer",         XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$initial_referrer", XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.url",               XMT_FACT_URL,          XMT_RULE_STRING },
    { "properties.$url",              XMT_FACT_URL,          XMT_RULE_STRING },
    /* The referrer's q= (p= for Yahoo), percent- and '+'-decoded by the SDK itself. */
    { "properties.mp_keyword",        XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.search_term",       XMT_FACT_SEARCH_TERM,  XMT_RULE_STRING },
    { "properties.$model",            XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "properties.$os_version",       XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    XMT_RULES_END
};

/* A profile (/engage) or group (/groups) update: {"$token", "$distinct_id",
 * "$device_id", "$set": {...}, ...}.  The browser's $set_once carries the
 * visit's first referrer. */
static const xmt_fact_rule update_rules[] = {
    { "$distinct_id",               XMT_FACT_DISTINCT_ID,  XMT_RULE_STRING },
    { "$device_id",                 XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "$set.$current_url",          XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set.$referrer",             XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set.$initial_referrer",     XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set.url",                   XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set.$url",                  XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$current_url",     XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$referrer",        XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$initial_referrer", XMT_FACT_URL,         XMT_RULE_STRING },
    { "$set_once.url",              XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set_once.$url",             XMT_FACT_URL,          XMT_RULE_STRING },
    { "$set.$model",                XMT_FACT_MODEL,        XMT_RULE_STRING },
    { "$set.$os_version",           XMT_FACT_OS_VERSION,   XMT_RULE_STRING },
    XMT_RULES_END
};

/* The operations of a profile or group update (mixpanel-people.js,
 * mixpanel-group.js, the Node and Android SDKs): each names the event. */
static const char *const operations[] = {
    "$set", "$set_once", "$add", "$append", "$union", "$remove", "$unset", "$delete",
};

/* Keys only a profile or group update starts with. */
static const char *const update_keys[] = { "$token", "$distinct_id", "$group_key", "$group_id" };

typedef enum { RECORD_OTHER, RECORD_TRACK, RECORD_ENGAGE, RECORD_GROUPS } record_kind;
static const char *const record_kind_names[] = { NULL, "track", "engage", "groups" };

static gboolean in_list(const char *key, gsize len, const char *const *list, gsize n)
{
    for (gsize i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], key, len) == 0)
            return TRUE;
    return FALSE;
}

/* ---- recognition -------------------------------------------------------- */

/* Bytes of the value read at most: {"event":"<a long name>","properties":{
 * in base64 (4 characters for 3 bytes) or percent-encoded (3 for 1). */
#define START_RAW 512

/* JSON whitespace, and '+': a form encoder's space in JSON sent as a form value. */
static gboolean is_space(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '+';
}

static gsize skip_space(const guint8 *b, gsize n, gsize i)
{
    while (i < n && is_space(b[i]))
        i++;
    return i;
}

/* The value's first bytes name a JSON object or array: base64 of '{"'
 * ("ey" and I, J, K or L, by the top bits of the key's first byte: '{"$' is
 * "eyIk", '{"e' "eyJl") or of '[{"' ("W3s"), or JSON as sent or
 * percent-encoded.  The first test on any form with a data parameter: two
 * or three byte comparisons. */
static gboolean starts_like_payload(const xmt_form *form, const xmt_form_param *p)
{
    const guint8 *v = form->base + p->val_off;
    gsize n = p->val_len;
    if (n >= 3 && ((v[0] == 'e' && v[1] == 'y' && v[2] >= 'I' && v[2] <= 'L') ||
                   (v[0] == 'W' && v[1] == '3' && v[2] == 's')))
        return TRUE;
    if (n >= 1 && (v[0] == '{' || v[0] == '['))
        return TRUE;
    return n >= 3 && v[0] == '%' && (v[1] == '7' || v[1] == '5') && (v[2] == 'B' || v[2] == 'b');
}

static gboolean is_base64_symbol(guint8 c)
{
    return g_ascii_isalnum(c) || c == '+' || c == '/' || c == '-' || c == '_' || c == ' ';
}

/* Base64-decodes b[0..n) in place; the decoded length, 0 when it is not base64. */
static gsize base64_start(guint8 *b, gsize n)
{
    gsize m = 0;
    char *error = NULL;
    guint8 *bytes = n ? xmt_base64_decode(b, n, &m, &error) : NULL;
    g_free(error);
    if (!bytes)
        return 0;
    memcpy(b, bytes, m);  /* m <= n * 3 / 4 */
    g_free(bytes);
    return m;
}

/* The first bytes of the payload, decoded into out (START_RAW bytes): at
 * most START_RAW bytes of the value are read, percent escapes undone, then
 * base64 when the text is not JSON.  Returns how many bytes are in out (0:
 * neither JSON nor base64). */
static gsize payload_start(const guint8 *raw, gsize len, guint8 *out)
{
    gsize n = MIN(len, (gsize)START_RAW);
    if (n < len && n >= 2 && (raw[n - 1] == '%' || raw[n - 2] == '%'))
        n -= raw[n - 1] == '%' ? 1 : 2;  /* an escape cut by the window is no bad escape */
    gsize t = xmt_percent_decode(raw, n, out, NULL, NULL);
    gsize i = skip_space(out, t, 0);
    if (i < t && (out[i] == '{' || out[i] == '['))
        return t;
    gsize symbols = 0;
    while (symbols < t && is_base64_symbol(out[symbols]))
        symbols++;
    /* A short value is read whole, padding and all; of a longer one, whole
     * quads only: the rest of the value is not read. */
    gboolean whole = n == len && (symbols == t || out[symbols] == '=');
    gsize m = base64_start(out, whole ? t : symbols - symbols % 4);
    return m || !whole ? m : base64_start(out, symbols - symbols % 4);
}

/* A JSON string at b[*i] (its opening quote): its contents' offset and
 * length, and *i past its closing quote.  FALSE when it does not close
 * within the n bytes. */
static gboolean read_string(const guint8 *b, gsize n, gsize *i, gsize *start, gsize *len)
{
    if (*i >= n || b[*i] != '"')
        return FALSE;
    gsize j = *i + 1;
    while (j < n && b[j] != '"')
        j += b[j] == '\\' ? 2 : 1;
    if (j >= n)
        return FALSE;
    *start = *i + 1;
    *len = j - *i - 1;
    *i = j + 1;
    return TRUE;
}

typedef enum {
    START_NONE,      /* not the start of a Mixpanel record */
    START_DECISIVE,  /* {"event":"..","properties":{ or a profile/group update's own first key */
    START_LIKELY,    /* "event" with a name past the window, "properties" or another "$" key first:
                        Mixpanel when the query says ip= too (iOS's key order is not fixed) */
} record_start;

/* What the first key of the first record says (decoded bytes b[0..n)).
 * A few tokens read here rather than by the JSON layer: the window ends
 * inside the document, a form encoder's '+' may stand for the spaces
 * between tokens (which the strict parser rejects), and this runs before
 * anything is known to be Mixpanel's, so it allocates nothing. */
static record_start first_record(const guint8 *b, gsize n)
{
    gsize i = skip_space(b, n, 0), key, key_len;
    if (i < n && b[i] == '[')
        i = skip_space(b, n, i + 1);
    if (i >= n || b[i] != '{')
        return START_NONE;
    i = skip_space(b, n, i + 1);
    if (!read_string(b, n, &i, &key, &key_len))
        return START_NONE;
    const char *k = (const char *)b + key;
    if (in_list(k, key_len, update_keys, G_N_ELEMENTS(update_keys)) ||
        in_list(k, key_len, operations, G_N_ELEMENTS(operations)))
        return START_DECISIVE;
    if (key_len == 10 && memcmp(k, "properties", 10) == 0)
        return START_LIKELY;
    if (key_len > 1 && k[0] == '$')
        return START_LIKELY;
    if (key_len != 5 || memcmp(k, "event", 5) != 0)
        return START_NONE;
    i = skip_space(b, n, i);
    if (i >= n || b[i] != ':')
        return START_NONE;
    i = skip_space(b, n, i + 1);
    gsize name, name_len;
    if (i < n && b[i] != '"')
        return START_NONE;
    if (!read_string(b, n, &i, &name, &name_len))
        return START_LIKELY;  /* a name longer than the window */
    i = skip_space(b, n, i);
    if (i >= n || b[i] != ',')
        return START_NONE;
    i = skip_space(b, n, i + 1);
    if (!read_string(b, n, &i, &key, &key_len) || key_len != 10 || memcmp(b + key, "properties", 10) != 0)
        return START_NONE;
    i = skip_space(b, n, i);
    if (i >= n || b[i] != ':')
        return START_NONE;
    i = skip_space(b, n, i + 1);
    return i < n && b[i] == '{' ? START_DECISIVE : START_NONE;
}

/* The request URI's query as a form; for a GET the input is that query. */
static gboolean uri_query(const xmt_request *req, const xmt_form *form, xmt_form *out, const xmt_form **q)
{
    if (req->kind == XMT_INPUT_URI_QUERY) {
        *q = form;
        return TRUE;
    }
    const char *mark = req->uri ? strchr(req->uri, '?') : NULL;
    if (!mark || !xmt_form_parse((const guint8 *)mark + 1, strlen(mark + 1), out))
        return FALSE;
    *q = out;
    return TRUE;
}

/* Parameters Mixpanel never sends and its neighbours do: Sensors' data_list,
 * gzip, crc, ext and project (its URI), PostHog's compression and ver (the
 * posthog-js fork of mixpanel-js keeps ip= and _= too). */
static gboolean foreign_parameter(const xmt_form *form, const xmt_form *query)
{
    static const char *const in_form[] = { "data_list", "gzip", "crc", "ext", "compression" };
    static const char *const in_query[] = { "project", "ver", "compression" };
    for (gsize i = 0; i < G_N_ELEMENTS(in_form); i++)
        if (xmt_form_find(form, in_form[i]))
            return TRUE;
    for (gsize i = 0; query && i < G_N_ELEMENTS(in_query); i++)
        if (xmt_form_find(query, in_query[i]))
            return TRUE;
    return FALSE;
}

/* ip=0 or ip=1: every Mixpanel SDK asks the collector whether to geolocate the connection. */
static gboolean ip_flag(const xmt_form *query)
{
    const xmt_form_param *p = query ? xmt_form_find(query, "ip") : NULL;
    return p && p->val_len == 1 && (query->base[p->val_off] == '0' || query->base[p->val_off] == '1');
}

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *data = xmt_form_find(form, "data");
    if (!data || !starts_like_payload(form, data))
        return FALSE;
    xmt_form query_form;
    const xmt_form *query = NULL;
    if (!uri_query(req, form, &query_form, &query))
        query = NULL;
    if (foreign_parameter(form, query))
        return FALSE;
    guint8 start[START_RAW];
    gsize n = payload_start(form->base + data->val_off, data->val_len, start);
    switch (first_record(start, n)) {
    case START_DECISIVE:
        return TRUE;
    case START_LIKELY:
        return ip_flag(query);
    default:
        return FALSE;
    }
}

/* ---- decoding ----------------------------------------------------------- */

/* Seconds (the browser: Date.now() / 1000, with a fraction; Node: what the
 * caller gave) or milliseconds (Android: System.currentTimeMillis()), told
 * apart by size: below 1e11 it is seconds (1e11 s is the year 5138, 1e11 ms
 * 1973).  FALSE for what is no time (negative, not finite, past 1e14 ms). */
static gboolean epoch_ms(const char *text, gsize len, gint64 *ms)
{
    char buf[40];
    if (len == 0 || len >= sizeof buf)
        return FALSE;
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *end = NULL;
    double v = g_ascii_strtod(buf, &end);
    if (end != buf + len || !(v > 0))  /* NaN fails every comparison */
        return FALSE;
    if (v < 1e11)
        v *= 1000;
    if (!(v < 1e14))  /* and infinity this one */
        return FALSE;
    *ms = (gint64)(v + 0.5);
    return TRUE;
}

static void add_time(xmt_event *ev, const xmt_json_doc *doc, guint32 holder, const char *key, int layer)
{
    const xmt_json_node *h = xmt_json_node_at(doc, holder);
    if (!h || h->type != XMT_JSON_OBJECT)
        return;
    const xmt_json_node *n = xmt_json_node_at(doc, xmt_json_member(doc, holder, key));
    gint64 ms;
    if (n && n->type == XMT_JSON_NUMBER && (n->flags & XMT_JSON_COMPLETE) &&
        epoch_ms((const char *)doc->buf + n->off, n->len, &ms))
        xmt_event_add_fact(ev, XMT_FACT_TIME, NULL, ms, xmt_span_make(layer, n->off, n->len));
}

/* Which record the object is, from its top-level keys. */
static record_kind kind_of(const xmt_json_doc *doc, guint32 object)
{
    record_kind kind = RECORD_OTHER;
    for (guint32 c = xmt_json_first_child(doc, object); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        const char *key = (const char *)doc->buf + n->key_off;
        if ((n->key_len == 10 && memcmp(key, "$group_key", 10) == 0) ||
            (n->key_len == 9 && memcmp(key, "$group_id", 9) == 0))
            return RECORD_GROUPS;
        if ((n->key_len == 5 && memcmp(key, "event", 5) == 0) || (n->key_len == 10 && memcmp(key, "properties", 10) == 0))
            kind = RECORD_TRACK;
        else if (kind == RECORD_OTHER && (in_list(key, n->key_len, update_keys, G_N_ELEMENTS(update_keys)) ||
                                          in_list(key, n->key_len, operations, G_N_ELEMENTS(operations))))
            kind = RECORD_ENGAGE;
    }
    return kind;
}

/* An update is named by its operations ($set, $set_once, ...), one event
 * fact each, at their keys. */
static void name_by_operations(xmt_event *ev, const xmt_json_doc *doc, guint32 object, int layer)
{
    for (guint32 c = xmt_json_first_child(doc, object); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        for (gsize i = 0; i < G_N_ELEMENTS(operations); i++) {
            if (strlen(operations[i]) == n->key_len && memcmp(operations[i], doc->buf + n->key_off, n->key_len) == 0) {
                xmt_event_add_fact(ev, XMT_FACT_EVENT, operations[i], 0, xmt_span_make(layer, n->key_off, n->key_len));
                break;
            }
        }
    }
}

/* The SDKs make an anonymous distinct_id "$device:<uuid>" (older ones: the
 * $device_id itself); identify() replaces it with the app's own id of the
 * user, an account id. */
static void identified_user(xmt_message *msg, xmt_event *ev, gboolean update)
{
    const xmt_fact *id = xmt_event_fact(ev, XMT_FACT_DISTINCT_ID);
    const xmt_fact *device = xmt_event_fact(ev, XMT_FACT_ANONYMOUS_ID);
    if (!id || g_str_has_prefix(id->str, "$device:") || (device && strcmp(device->str, id->str) == 0))
        return;
    xmt_pii_record(msg, ev, XMT_PII_ACCOUNT_ID, update ? "$distinct_id" : "properties.distinct_id", id->str, id->span);
}

static void decode_record(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_config *cfg, void *user)
{
    (void)user;
    record_kind kind = kind_of(doc, object);
    gboolean update = kind == RECORD_ENGAGE || kind == RECORD_GROUPS;
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, update ? update_rules : event_rules, cfg);
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_span whole = xmt_span_make(layer, n->off, n->len);
    if (update) {
        add_time(ev, doc, object, "$time", layer);
        name_by_operations(ev, doc, object, layer);
    } else {
        add_time(ev, doc, xmt_json_member(doc, object, "properties"), "time", layer);
    }
    if (kind != RECORD_OTHER)
        xmt_event_add_fact(ev, XMT_FACT_EVENT_TYPE, record_kind_names[kind], 0, whole);
    const xmt_fact *name = xmt_event_fact(ev, XMT_FACT_EVENT);
    if (!name && kind != RECORD_OTHER) {  /* the contract: a record without a name is named by its type */
        xmt_event_add_fact(ev, XMT_FACT_EVENT, record_kind_names[kind], 0, whole);
        name = xmt_event_fact(ev, XMT_FACT_EVENT);
    }
    ev->name = name ? name->str : NULL;
    if (cfg->want_pii)
        identified_user(msg, ev, update);
}

/* The request URI's flags of a POST (ip, verbose, _, img, test, ...), shown
 * as sent: ip=1 asks the collector to geolocate the connection, it carries
 * no address.  They are not in the body, so they have no place in it.  A
 * GET's are in its input, and shown there with the other parameters. */
static void add_uri_flags(const xmt_request *req, xmt_message *msg)
{
    const char *mark = req->uri ? strchr(req->uri, '?') : NULL;
    xmt_form query;
    if (!mark || !xmt_form_parse((const guint8 *)mark + 1, strlen(mark + 1), &query))
        return;
    for (guint i = 0; i < query.count; i++) {
        const xmt_form_param *p = &query.params[i];
        char *value = xmt_form_value_dup(&query, p);
        xmt_message_add_fact(msg, XMT_FACT_PARAM,
                             xmt_message_printf(msg, "%.*s=%s", (int)p->key_len, (const char *)query.base + p->key_off,
                                                xmt_kit_text(msg, value, -1)),
                             0, xmt_span_make(XMT_LAYER_INPUT, 0, 0));
        g_free(value);
    }
}

/* _=<epoch ms>: the browser's cache buster is the time it sent the request. */
static void add_send_time(const xmt_request *req, const xmt_form *form, xmt_message *msg)
{
    xmt_form query_form;
    const xmt_form *query;
    if (!uri_query(req, form, &query_form, &query))
        return;
    const xmt_form_param *p = xmt_form_find(query, "_");
    if (!p || p->val_len == 0 || p->val_len > 16)
        return;
    const char *digits = (const char *)query->base + p->val_off;
    for (guint32 i = 0; i < p->val_len; i++)
        if (!g_ascii_isdigit(digits[i]))
            return;
    gint64 ms;
    if (!epoch_ms(digits, p->val_len, &ms))
        return;
    xmt_span where = req->kind == XMT_INPUT_URI_QUERY ? xmt_kit_value_span(p) : xmt_span_make(XMT_LAYER_INPUT, 0, 0);
    xmt_message_add_fact(msg, XMT_FACT_FLUSH_TIME, NULL, ms, where);
}

/* The value's text starts a JSON document (after whitespace), as sent or percent-encoded. */
static gboolean json_text(const guint8 *raw, gsize len)
{
    guint8 start[16];
    gsize n = xmt_percent_decode(raw, MIN(len, sizeof start), start, NULL, NULL);
    gsize i = skip_space(start, n, 0);
    return i < n && (start[i] == '{' || start[i] == '[');
}

/* The data value as the collector's form decoder reads it.  JSON (shapes A
 * and C): a '+' is a space, as in any form (encodeURIComponent never writes
 * one; other encoders do).  Base64: the core's percent layer keeps '+', and
 * its base64 layer reads a space as '+' (Node's unescaped batches). */
static xmt_span form_text(xmt_message *msg, const xmt_request *req, const xmt_form_param *p)
{
    xmt_span raw = xmt_kit_value_span(p);
    const guint8 *in = xmt_span_data(msg, req, raw);
    if (!memchr(in, '+', raw.len) || !json_text(in, raw.len))
        return xmt_peel_percent(msg, req, raw, "data");
    guint8 *spaced = g_malloc(raw.len);
    for (gsize i = 0; i < raw.len; i++)
        spaced[i] = in[i] == '+' ? ' ' : in[i];
    guint8 *out = g_malloc(raw.len);
    guint bad = 0;
    gsize first_bad = 0;
    gsize n = xmt_percent_decode(spaced, raw.len, out, &bad, &first_bad);
    g_free(spaced);
    int layer = xmt_message_add_layer(msg, XMT_LAYER_PERCENT, "data (form-decoded: %XX, '+' as space)", out, n, raw);
    if (bad)
        xmt_message_add_error(msg, "percent-encoding", xmt_span_make(raw.layer, raw.off + first_bad, 1),
                              "data: %u malformed %%-escape%s, the first at offset %" G_GSIZE_FORMAT " (kept as sent)",
                              bad, bad == 1 ? "" : "s", first_bad);
    return xmt_span_make(layer, 0, n);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const xmt_form_param *data = xmt_kit_payload_param(msg, form, "data");  /* a GET's flags are its other parameters */
    if (req->kind != XMT_INPUT_URI_QUERY)
        add_uri_flags(req, msg);
    add_send_time(req, form, msg);
    xmt_span text = form_text(msg, req, data);
    xmt_span json;
    if (!xmt_peel_to_json(msg, req, text, "data", cfg, &json))
        return;
    xmt_decode_json_events(msg, req, json, "data", cfg, decode_record, NULL);
}

/* Node's track, people.* and import, and the browser's GET transport: data= in the query. */
static const char *const query_markers[] = { "data", NULL };

const xmt_format xmt_format_mixpanel = {
    .name = "mixpanel",
    .title = "Mixpanel",
    .shapes = XMT_SHAPE_FORM_BODY | XMT_SHAPE_URI_QUERY,
    .query_markers = query_markers,
    .recognise_form = recognise,
    .decode_form = decode,
};
