/* test_mixpanel.c: Mixpanel through xmt_recognise() and xmt_decode()
 * (formats/xmt_mixpanel.c over core/ and layers/).  Every payload is built
 * here from docs/formats/mixpanel.md: the JSON each SDK writes, then its
 * layers (base64, percent-encoding), as the SDK adds them. */
#include <glib.h>
#include <string.h>

#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "core/xmt_message.h"
#include "core/xmt_pii.h"
#include "test_common.h"

/* ---- payloads, as the SDKs write them ----------------------------------- */

/* mixpanel-browser 2.84.0: a page view from a Google search (its properties
 * trimmed), time in seconds with a fraction. */
#define PAGE_VIEW \
    "{\"event\":\"$mp_web_page_view\",\"properties\":{\"$os\":\"Linux\",\"$browser\":\"Chrome\"," \
    "\"$referrer\":\"https://www.google.com/search?q=wireless+earbuds+%E5%B0%8F%E7%B1%B3&hl=en\"," \
    "\"$current_url\":\"http://shop.example.com/a.html?utm_source=google\",\"mp_lib\":\"web\"," \
    "\"time\":1796614423.003,\"distinct_id\":\"$device:3aefe970-290c-4cf6-99f8-28ab9735173f\"," \
    "\"$device_id\":\"3aefe970-290c-4cf6-99f8-28ab9735173f\",\"$search_engine\":\"google\"," \
    "\"mp_keyword\":\"wireless earbuds 小米\",\"$initial_referrer\":\"$direct\"," \
    "\"token\":\"xmtrack0mixpanel0token0000000001\"}}"

#define PURCHASE \
    "{\"event\":\"Purchase\",\"properties\":{\"order_id\":\"A-1001\",\"amount\":59.9,\"ip\":\"203.0.113.42\"," \
    "\"url\":\"https://shop.example.com/product/42?color=black\",\"distinct_id\":\"user-4711\"," \
    "\"$user_id\":\"user-4711\",\"time\":1796614423.895,\"token\":\"t\"}}"

/* people.set, as the browser orders it (the operation first). */
#define PEOPLE_SET \
    "{\"$set\":{\"$email\":\"jane.doe@example.com\",\"$phone\":\"+1-202-555-0143\",\"$name\":\"Jane Doe\"}," \
    "\"$token\":\"t\",\"$distinct_id\":\"user-4711\",\"$device_id\":\"3aefe970-290c-4cf6-99f8-28ab9735173f\"}"

/* people.set_once of the first visit, with the referrer it came from. */
#define PEOPLE_SET_ONCE \
    "{\"$set_once\":{\"$initial_referrer\":\"https://www.bing.com/search?q=running+shoes&form=QBLH\"}," \
    "\"$token\":\"t\",\"$distinct_id\":\"user-4711\"}"

/* The Node SDK's people.set: $token first, an address in $ip. */
#define NODE_PEOPLE_SET \
    "{\"$token\":\"t\",\"$distinct_id\":\"user-4711\",\"$ip\":\"203.0.113.42\",\"$set\":{\"plan\":\"premium\"}}"

/* A group update (mixpanel-group.js). */
#define GROUP_SET \
    "{\"$set\":{\"name\":\"Example Inc\"},\"$token\":\"t\",\"$group_key\":\"company\",\"$group_id\":\"42\"}"

/* mixpanel-android: time in milliseconds, device facts. */
#define ANDROID_EVENT \
    "{\"event\":\"App Open\",\"properties\":{\"time\":1796614423003,\"distinct_id\":\"d1\"," \
    "\"$device_id\":\"5a1b2c3d-aaaa-bbbb-cccc-0123456789ab\",\"$model\":\"Pixel 8\",\"$os_version\":\"14\"," \
    "\"mp_lib\":\"android\",\"token\":\"t\"},\"$mp_metadata\":{\"$mp_event_id\":\"e1\"}}"

/* ---- helpers ------------------------------------------------------------- */

static void config_defaults(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
}

static void body_request(xmt_request *req, const char *body, const char *uri, const char *host)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = uri;
    req->host = host;
    req->content_type = "application/x-www-form-urlencoded";
}

static void query_request(xmt_request *req, const char *query, const char *uri)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_URI_QUERY;
    req->data = (const guint8 *)query;
    req->len = strlen(query);
    req->method = "GET";
    req->uri = uri;
    req->host = "127.0.0.1:18106";
}

static void dump_errors(const xmt_message *msg)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s", i, e->layer, e->reason);
    }
}

static xmt_message *decode_with(const xmt_request *req, const xmt_config *cfg)
{
    g_assert_cmpstr(recognised_as(req), ==, "mixpanel");
    xmt_message *msg = xmt_decode(req, cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "mixpanel");
    dump_errors(msg);
    return msg;
}

static xmt_message *decode_req(const xmt_request *req)
{
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.want_pii = TRUE;
    return decode_with(req, &cfg);
}

/* The browser's POST: data=<%(base64(json))> to a proxy host. */
static char *base64_form(const char *json)
{
    char *b64 = g_base64_encode((const guchar *)json, strlen(json));
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("data=%s", pct);
    g_free(pct);
    g_free(b64);
    return body;
}

static const xmt_event *event_at(const xmt_message *msg, guint i)
{
    g_assert_cmpuint(i, <, msg->events->len);
    return g_ptr_array_index(msg->events, i);
}

static const char *fact_str(const xmt_event *ev, xmt_fact_id id)
{
    const xmt_fact *f = xmt_event_fact(ev, id);
    g_assert_nonnull(f);
    g_assert_nonnull(f->str);
    return f->str;
}

static guint count_facts(const GArray *facts, xmt_fact_id id)
{
    guint n = 0;
    for (guint i = 0; i < facts->len; i++)
        if (g_array_index(facts, xmt_fact, i).id == id)
            n++;
    return n;
}

/* The fact of this id whose text is value is there. */
static gboolean has_fact(const GArray *facts, xmt_fact_id id, const char *value)
{
    for (guint i = 0; i < facts->len; i++) {
        const xmt_fact *f = &g_array_index(facts, xmt_fact, i);
        if (f->id == id && f->str && strcmp(f->str, value) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean has_pii(const xmt_event *ev, xmt_pii_kind kind)
{
    return (ev->pii_seen & (1u << kind)) != 0;
}

static const xmt_member *find_member(const xmt_event *ev, const char *path)
{
    for (guint i = 0; ev->members && i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        if (strcmp(m->path, path) == 0)
            return m;
    }
    return NULL;
}

static char *span_text(const xmt_message *msg, const xmt_request *req, xmt_span span)
{
    const guint8 *base;
    if (span.layer < 0) {
        g_assert_cmpuint((gsize)span.off + span.len, <=, req->len);
        base = req->data;
    } else {
        const xmt_layer *layer = xmt_message_layer(msg, span.layer);
        g_assert_nonnull(layer);
        g_assert_cmpuint((gsize)span.off + span.len, <=, layer->len);
        base = layer->data;
    }
    return g_strndup((const char *)base + span.off, span.len);
}

static void expect_span_text(const xmt_message *msg, const xmt_request *req, xmt_span span, const char *text)
{
    char *got = span_text(msg, req, span);
    g_assert_cmpstr(got, ==, text);
    g_free(got);
}

static const xmt_error *find_error(const xmt_message *msg, const char *layer)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        if (strcmp(e->layer, layer) == 0)
            return e;
    }
    return NULL;
}

static void expect_layers(const xmt_message *msg, const xmt_layer_kind *kinds, guint n)
{
    g_assert_cmpuint(msg->layers->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpint(xmt_message_layer(msg, (int)i)->kind, ==, kinds[i]);
}

/* ---- the shapes ------------------------------------------------------------ */

/* B: the browser to its own proxy host, batching off. */
static void test_browser_base64_object(void)
{
    char *body = base64_form(PAGE_VIEW);
    xmt_request req;
    body_request(&req, body, "/track/?ip=1&_=1796614423005", "mp.example.com:18102");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    static const xmt_layer_kind layers[] = { XMT_LAYER_PERCENT, XMT_LAYER_BASE64 };
    expect_layers(msg, layers, G_N_ELEMENTS(layers));
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "$mp_web_page_view");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "track");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "$device:3aefe970-290c-4cf6-99f8-28ab9735173f");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, "3aefe970-290c-4cf6-99f8-28ab9735173f");
    /* Seconds with a fraction become the milliseconds a TIME fact holds. */
    const xmt_fact *time = xmt_event_fact(ev, XMT_FACT_TIME);
    g_assert_nonnull(time);
    g_assert_cmpint(time->num, ==, G_GINT64_CONSTANT(1796614423003));
    expect_span_text(msg, &req, time->span, "1796614423.003");
    /* The page and the referrer are URLs; "$direct" (no referrer) is not. */
    g_assert_true(has_fact(ev->facts, XMT_FACT_URL, "http://shop.example.com/a.html?utm_source=google"));
    g_assert_true(has_fact(ev->facts, XMT_FACT_URL,
                           "https://www.google.com/search?q=wireless+earbuds+%E5%B0%8F%E7%B1%B3&hl=en"));
    g_assert_false(has_fact(ev->facts, XMT_FACT_URL, "$direct"));
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_URL), ==, 2);
    /* mp_keyword and the referrer's query are the same search: one fact. */
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_SEARCH_TERM), ==, 1);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_SEARCH_TERM), ==, "wireless earbuds 小米");
    g_assert_true(has_pii(ev, XMT_PII_URL));
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    g_assert_false(has_pii(ev, XMT_PII_IP));  /* ip=1 is a flag of the query, not an address */
    g_assert_false(has_pii(ev, XMT_PII_ACCOUNT_ID));  /* "$device:<uuid>": the SDK's own, anonymous */
    g_assert_nonnull(find_member(ev, "properties.token"));
    /* The query's flags as sent, the cache buster as the send time. */
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PAYLOAD_PARAM)->str, ==, "data");
    g_assert_true(has_fact(msg->facts, XMT_FACT_PARAM, "ip=1"));
    g_assert_true(has_fact(msg->facts, XMT_FACT_PARAM, "_=1796614423005"));
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_FLUSH_TIME)->num, ==, G_GINT64_CONSTANT(1796614423005));
    xmt_message_free(msg);
    g_free(body);
}

/* A and C: the browser's batch to *.mixpanel.com, JSON percent-encoded. */
static void test_browser_json_batch(void)
{
    char *pct = test_pct("[" PAGE_VIEW "," PURCHASE "]");
    char *body = g_strdup_printf("data=%s", pct);
    xmt_request req;
    body_request(&req, body, "/track/?verbose=1&ip=1&_=1796614429287", "api-js.mixpanel.com:18103");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    static const xmt_layer_kind layers[] = { XMT_LAYER_PERCENT };
    expect_layers(msg, layers, G_N_ELEMENTS(layers));
    g_assert_cmpuint(msg->event_count, ==, 2);
    const xmt_event *purchase = event_at(msg, 1);
    g_assert_cmpstr(purchase->name, ==, "Purchase");
    g_assert_cmpstr(fact_str(purchase, XMT_FACT_URL), ==, "https://shop.example.com/product/42?color=black");
    g_assert_true(has_pii(purchase, XMT_PII_IP));           /* properties.ip: an address */
    g_assert_true(has_pii(purchase, XMT_PII_ACCOUNT_ID));   /* $user_id */
    g_assert_cmpint(xmt_event_fact(purchase, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1796614423895));
    g_assert_true(has_fact(msg->facts, XMT_FACT_PARAM, "verbose=1"));
    xmt_message_free(msg);
    g_free(body);
    g_free(pct);
}

/* JSON sent through a form encoder that writes a space as '+' (Python's
 * urlencode, curl --data-urlencode writes %20): the collector reads '+' as a
 * space, and so does the decoder. */
static void test_json_plus_is_space(void)
{
    const char *body = "data=%7B%22event%22%3A+%22View+Product%22%2C+%22properties%22%3A+"
                       "%7B%22distinct_id%22%3A+%22a+b%22%2C+%22n%22%3A+%221%2B1%22%7D%7D";
    xmt_request req;
    body_request(&req, body, "/track", "collector.example.net");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "View Product");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "a b");
    g_assert_cmpstr(find_member(ev, "properties.n")->value, ==, "1+1");  /* %2B is a '+' */
    xmt_message_free(msg);
}

/* F: the Node SDK's single calls, GET with data= in the query. */
static void test_node_get_query(void)
{
    char *b64 = g_base64_encode((const guchar *)NODE_PEOPLE_SET, strlen(NODE_PEOPLE_SET));
    char *pct = test_pct(b64);
    char *query = g_strdup_printf("ip=0&verbose=0&data=%s", pct);
    char *uri = g_strdup_printf("/engage?%s", query);
    xmt_request req;
    query_request(&req, query, uri);
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "$set");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "engage");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_true(has_pii(ev, XMT_PII_IP));  /* $ip: an address in the payload */
    g_assert_true(has_pii(ev, XMT_PII_ACCOUNT_ID));  /* the app's own id of the user */
    /* The flags are parameters of the input itself: their spans point there. */
    g_assert_true(has_fact(msg->facts, XMT_FACT_PARAM, "ip=0"));
    g_assert_true(has_fact(msg->facts, XMT_FACT_PARAM, "verbose=0"));
    for (guint i = 0; i < msg->facts->len; i++) {
        const xmt_fact *f = &g_array_index(msg->facts, xmt_fact, i);
        if (f->id == XMT_FACT_PARAM && strcmp(f->str, "ip=0") == 0)
            expect_span_text(msg, &req, f->span, "ip=0");
    }
    g_assert_null(xmt_message_fact(msg, XMT_FACT_FLUSH_TIME));  /* Node sends no _= */
    xmt_message_free(msg);
    g_free(uri);
    g_free(query);
    g_free(pct);
    g_free(b64);
}

/* The JSON of two events whose base64 holds '+' (the '>' and '?' bytes). */
#define PLUS_BATCH "[{\"event\":\"a>>>?\",\"properties\":{\"distinct_id\":\"u>?\"}},{\"event\":\"b\",\"properties\":{}}]"

/* G: the Node SDK's batches, base64 not percent-encoded, so its '+' is sent
 * as is; a form decoder on the way (the collector's) turns it into a space. */
static void test_node_unescaped_batch(void)
{
    char *b64 = g_base64_encode((const guchar *)PLUS_BATCH, strlen(PLUS_BATCH));
    g_assert_nonnull(strchr(b64, '+'));  /* the case under test */
    char *spaced = g_strdup(b64);
    g_strdelimit(spaced, "+", ' ');
    const char *values[] = { b64, spaced };
    for (gsize i = 0; i < G_N_ELEMENTS(values); i++) {
        char *body = g_strdup_printf("data=%s", values[i]);
        xmt_request req;
        body_request(&req, body, "/track?ip=0&verbose=0", "127.0.0.1:18106");
        xmt_message *msg = decode_req(&req);
        g_assert_cmpuint(msg->errors->len, ==, 0);
        g_assert_cmpuint(msg->event_count, ==, 2);
        g_assert_cmpstr(event_at(msg, 0)->name, ==, "a>>>?");
        g_assert_cmpstr(fact_str(event_at(msg, 0), XMT_FACT_DISTINCT_ID), ==, "u>?");
        g_assert_cmpstr(event_at(msg, 1)->name, ==, "b");
        static const xmt_layer_kind layers[] = { XMT_LAYER_BASE64 };
        expect_layers(msg, layers, G_N_ELEMENTS(layers));
        xmt_message_free(msg);
        g_free(body);
    }
    g_free(spaced);
    g_free(b64);
}

/* H: Android, a JSON array in base64, time in milliseconds, device facts. */
static void test_android_batch(void)
{
    char *body = base64_form("[" ANDROID_EVENT "," ANDROID_EVENT "]");
    xmt_request req;
    body_request(&req, body, "/track/?ip=1", "api.mixpanel.com");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 2);
    const xmt_event *ev = event_at(msg, 1);
    g_assert_cmpstr(ev->name, ==, "App Open");
    g_assert_cmpint(xmt_event_fact(ev, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1796614423003));
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Pixel 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "14");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, "5a1b2c3d-aaaa-bbbb-cccc-0123456789ab");
    g_assert_null(xmt_event_fact(ev, XMT_FACT_APP));  /* Android sends no package name */
    g_assert_nonnull(find_member(ev, "$mp_metadata.$mp_event_id"));
    xmt_message_free(msg);
    g_free(body);
}

/* /engage: each update named by its operation, its referrer a URL. */
static void test_profile_updates(void)
{
    char *body = base64_form("[" PEOPLE_SET_ONCE "," PEOPLE_SET "]");
    xmt_request req;
    body_request(&req, body, "/engage/?verbose=1&ip=1&_=1796614434393", "mp.example.com");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 2);
    const xmt_event *once = event_at(msg, 0), *set = event_at(msg, 1);
    g_assert_cmpstr(once->name, ==, "$set_once");
    g_assert_cmpstr(fact_str(once, XMT_FACT_URL), ==, "https://www.bing.com/search?q=running+shoes&form=QBLH");
    g_assert_cmpstr(fact_str(once, XMT_FACT_SEARCH_TERM), ==, "running shoes");
    g_assert_cmpstr(set->name, ==, "$set");
    g_assert_cmpstr(fact_str(set, XMT_FACT_EVENT_TYPE), ==, "engage");
    g_assert_cmpstr(fact_str(set, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_cmpstr(fact_str(set, XMT_FACT_ANONYMOUS_ID), ==, "3aefe970-290c-4cf6-99f8-28ab9735173f");
    g_assert_true(has_pii(set, XMT_PII_EMAIL));
    g_assert_true(has_pii(set, XMT_PII_PHONE));
    g_assert_false(has_pii(set, XMT_PII_URL));
    g_assert_nonnull(find_member(set, "$set.$name"));
    xmt_message_free(msg);
    g_free(body);
}

/* An update with two operations, and one with none: named by its type. */
static void test_update_names(void)
{
    char *body = base64_form("[{\"$token\":\"t\",\"$distinct_id\":\"u\",\"$add\":{\"n\":1},\"$unset\":[\"x\"]},"
                             "{\"$token\":\"t\",\"$distinct_id\":\"u\",\"$time\":1796614423003}]");
    xmt_request req;
    body_request(&req, body, "/engage/?ip=0", "mp.example.com");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->event_count, ==, 2);
    const xmt_event *two = event_at(msg, 0), *none = event_at(msg, 1);
    g_assert_cmpstr(two->name, ==, "$add");
    g_assert_true(has_fact(two->facts, XMT_FACT_EVENT, "$unset"));
    g_assert_cmpuint(count_facts(two->facts, XMT_FACT_EVENT), ==, 2);
    g_assert_cmpstr(none->name, ==, "engage");
    g_assert_cmpint(xmt_event_fact(none, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1796614423003));
    xmt_message_free(msg);
    g_free(body);
}

/* /groups: a group's id is not a user's. */
static void test_group_update(void)
{
    char *body = base64_form(GROUP_SET);
    xmt_request req;
    body_request(&req, body, "/groups/?ip=1&_=1796614434393", "mp.example.com");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "$set");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "groups");
    g_assert_null(xmt_event_fact(ev, XMT_FACT_DISTINCT_ID));
    g_assert_cmpstr(find_member(ev, "$group_id")->value, ==, "42");
    xmt_message_free(msg);
    g_free(body);
}

/* Times: seconds (with or without a fraction) and milliseconds; what is no
 * time gives no fact. */
static void test_time_units(void)
{
    static const struct { const char *time; gint64 ms; } cases[] = {
        { "1796614423", G_GINT64_CONSTANT(1796614423000) },
        { "1796614423.5", G_GINT64_CONSTANT(1796614423500) },
        { "1796614423003", G_GINT64_CONSTANT(1796614423003) },
        { "1.796614423003e12", G_GINT64_CONSTANT(1796614423003) },
        { "-5", -1 }, { "0", -1 }, { "1e999", -1 }, { "1e20", -1 }, { "\"1796614423\"", -1 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *json = g_strdup_printf("{\"event\":\"e\",\"properties\":{\"time\":%s}}", cases[i].time);
        char *body = base64_form(json);
        xmt_request req;
        body_request(&req, body, "/track/?ip=1", "mp.example.com");
        xmt_message *msg = decode_req(&req);
        const xmt_fact *t = xmt_event_fact(event_at(msg, 0), XMT_FACT_TIME);
        if (cases[i].ms < 0) {
            g_assert_null(t);
        } else {
            g_assert_nonnull(t);
            g_assert_cmpint(t->num, ==, cases[i].ms);
        }
        xmt_message_free(msg);
        g_free(body);
        g_free(json);
    }
}

/* JSON sent as is (no escape at all): the spans point at its bytes in the input. */
static void test_raw_json_spans(void)
{
    const char *body = "data={\"event\":\"e\",\"properties\":{\"distinct_id\":\"abc\"}}";
    xmt_request req;
    body_request(&req, body, "/track", "collector.example.net");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_fact *id = xmt_event_fact(event_at(msg, 0), XMT_FACT_DISTINCT_ID);
    expect_span_text(msg, &req, id->span, "\"abc\"");
    expect_span_text(msg, &req, event_at(msg, 0)->span, body + 5);
    xmt_message_free(msg);
}

/* A display filter on the event name alone: no members, no privacy scan,
 * and every record still named. */
static void test_filter_only(void)
{
    char *body = base64_form("[" PAGE_VIEW "," PEOPLE_SET "]");
    xmt_request req;
    body_request(&req, body, "/track/?ip=1", "mp.example.com");
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.want_facts = XMT_FACT_BIT(XMT_FACT_EVENT);
    cfg.want_members = FALSE;
    xmt_message *msg = decode_with(&req, &cfg);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "$mp_web_page_view");
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "$set");
    g_assert_null(event_at(msg, 0)->members);
    xmt_message_free(msg);
    g_free(body);
}

/* ---- recognition ------------------------------------------------------------ */

static const char *recognised_body(const char *body, const char *uri, const char *host)
{
    xmt_request req;
    body_request(&req, body, uri, host);
    return recognised_as(&req);
}

static const char *recognised_json(const char *json, const char *uri, const char *host)
{
    char *body = base64_form(json);
    const char *name = recognised_body(body, uri, host);
    g_free(body);
    return name;
}

/* Each record's own first key decides, whatever the host and path. */
static void test_recognition_positives(void)
{
    static const char *const records[] = { PAGE_VIEW, "[" PURCHASE "]", PEOPLE_SET, PEOPLE_SET_ONCE, NODE_PEOPLE_SET,
                                           GROUP_SET, ANDROID_EVENT,
                                           /* Python's json.dumps: spaces after ':' and ',' */
                                           "{\"event\": \"x\", \"properties\": {}}" };
    for (gsize i = 0; i < G_N_ELEMENTS(records); i++) {
        g_assert_cmpstr(recognised_json(records[i], "/anything", "collector.example.net"), ==, "mixpanel");
        g_assert_cmpstr(recognised_json(records[i], NULL, NULL), ==, "mixpanel");
    }
    /* Sensors' host and path hints do not take Mixpanel's traffic. */
    g_assert_cmpstr(recognised_json(PAGE_VIEW, "/sa", "sa.example.com"), ==, "mixpanel");
    /* A short value is read whole: padding, and an escaped '='. */
    g_assert_cmpstr(recognised_json("{\"$token\":\"t\"}", "/e", "h"), ==, "mixpanel");
}

/* Record starts that need the query's ip= flag too: another first key
 * (iOS orders keys as it likes), or an event name past the window. */
static void test_recognition_with_ip_flag(void)
{
    GString *long_name = g_string_new("{\"event\":\"");
    for (int i = 0; i < 600; i++)
        g_string_append_c(long_name, 'x');
    g_string_append(long_name, "\",\"properties\":{}}");
    const char *records[] = { "{\"properties\":{\"token\":\"t\"},\"event\":\"x\"}", "{\"$time\":1,\"$set\":{}}",
                              long_name->str };
    for (gsize i = 0; i < G_N_ELEMENTS(records); i++) {
        g_assert_null(recognised_json(records[i], "/track/", "mp.example.com"));
        g_assert_null(recognised_json(records[i], "/track/?ip=2", "mp.example.com"));
        g_assert_cmpstr(recognised_json(records[i], "/track/?ip=1", "mp.example.com"), ==, "mixpanel");
        g_assert_cmpstr(recognised_json(records[i], "/x?_=1&ip=0", "mp.example.com"), ==, "mixpanel");
    }
    char *body = base64_form(long_name->str);
    xmt_request req;
    body_request(&req, body, "/track/?ip=1", "mp.example.com");
    xmt_message *msg = decode_req(&req);
    g_assert_cmpuint(strlen(event_at(msg, 0)->name), ==, 600);
    xmt_message_free(msg);
    g_free(body);
    g_string_free(long_name, TRUE);
}

/* What must stay someone else's, or nobody's. */
static void test_recognition_negatives(void)
{
    /* Sensors: its records, its parameters, its project= (whatever the record holds). */
    const char *sensors_record = "{\"distinct_id\":\"d\",\"lib\":{\"$lib\":\"js\"},\"type\":\"track\",\"event\":\"$pageview\","
                                 "\"properties\":{}}";
    g_assert_cmpstr(recognised_json(sensors_record, "/sa?project=default", "sa.example.com"), ==, "sensors");
    g_assert_null(recognised_json(sensors_record, "/track/?ip=1", "mp.example.com"));
    char *b64 = base64_form(PAGE_VIEW);
    static const char *const sensors_extras[] = { "&ext=crc%3D1", "&gzip=1", "&crc=5", "&data_list=W10%3D" };
    for (gsize i = 0; i < G_N_ELEMENTS(sensors_extras); i++) {
        char *body = g_strconcat(b64, sensors_extras[i], NULL);
        g_assert_cmpstr(recognised_body(body, "/sa", "sa.api.intl.miui.com"), ==, "sensors");
        g_assert_cmpstr(recognised_body(body, "/track/?ip=1", "mp.example.com"), !=, "mixpanel");
        g_free(body);
    }
    g_assert_cmpstr(recognised_body(b64, "/sa?project=default", "collector.example.net"), ==, "sensors");
    /* PostHog's fork of mixpanel-js: ver= in its query, compression= in its form or query. */
    g_assert_cmpstr(recognised_body(b64, "/e/?ip=1&_=1796614510477&ver=1.60.0", "ph.example.com"), !=, "mixpanel");
    g_assert_cmpstr(recognised_body(b64, "/e/?compression=base64", "ph.example.com"), !=, "mixpanel");
    char *lz = g_strconcat(b64, "&compression=lz64", NULL);
    g_assert_cmpstr(recognised_body(lz, "/e/?ip=1", "ph.example.com"), !=, "mixpanel");
    g_free(lz);
    g_free(b64);
    /* Ordinary forms with a data field. */
    static const char *const ordinary[] = {
        "data=hello", "data=", "data=%7B%22foo%22%3A1%7D", "data={\"foo\":1}", "data=eyJmb28iOjF9",
        "data=%7B%22event%22%3A%22x%22%7D",                 /* an event, but no properties */
        "data=%7B%22event%22%3A1%2C%22properties%22%3A%7B%7D%7D",  /* a name that is no string */
        "data=[1,2,3]", "data=W3siYSI6MX1d", "name=x&value=eyJldmVudCI6IngifQ%3D%3D", "data=eyJ%",
        "data=eyJldmVudCI6IngiLCJwcm9wZXJ0aWVzIjpbXX0=",    /* properties not an object */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(ordinary); i++) {
        g_test_message("ordinary: %s", ordinary[i]);
        g_assert_null(recognised_body(ordinary[i], "/track/?ip=1", "mp.example.com"));
    }
}

/* A GET is worth recognising only when its query names data=. */
static void test_query_markers(void)
{
    const char *q = "ip=0&verbose=0&data=x";
    g_assert_true(xmt_query_worth_recognising(q, strlen(q), XMT_ALL_FORMATS));
    const char *page = "utm_source=google&ip=1&q=mixpanel";
    g_assert_false(xmt_query_worth_recognising(page, strlen(page), XMT_ALL_FORMATS));
}

/* ---- what does not decode ------------------------------------------------------ */

static void test_malformed(void)
{
    static const struct { const char *body; const char *layer; } cases[] = {
        { "data=eyJldmVudCI6!!!!", "base64" },
        { "data=%7B%22event%22%3A%22x%22%2C%22properties%22%3A%7B%7D", "JSON" },  /* not closed */
        { "data=%7B%22event%22%3A%22x%22%2C%22properties%22%3A%7B%7D%7D%ZZ", "percent-encoding" },
        { "data=%5B%7B%22event%22%3A%22x%22%2C%22properties%22%3A%7B%7D%7D%2C7%5D", "JSON" },  /* [{..},7] */
        { "data=%7B%22event%22%3A+%22x%22%2C+%22properties%22%3A+%7B%7D%7D%ZZ", "percent-encoding" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("malformed: %s", cases[i].body);
        xmt_request req;
        body_request(&req, cases[i].body, "/track/?ip=1", "mp.example.com");
        xmt_message *msg = decode_req(&req);
        const xmt_error *e = find_error(msg, cases[i].layer);
        g_assert_nonnull(e);
        g_assert_nonnull(strstr(e->reason, "data"));  /* names the parameter */
        xmt_message_free(msg);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/mixpanel/browser-base64-object", test_browser_base64_object);
    g_test_add_func("/mixpanel/browser-json-batch", test_browser_json_batch);
    g_test_add_func("/mixpanel/json-plus-is-space", test_json_plus_is_space);
    g_test_add_func("/mixpanel/node-get-query", test_node_get_query);
    g_test_add_func("/mixpanel/node-unescaped-batch", test_node_unescaped_batch);
    g_test_add_func("/mixpanel/android-batch", test_android_batch);
    g_test_add_func("/mixpanel/profile-updates", test_profile_updates);
    g_test_add_func("/mixpanel/update-names", test_update_names);
    g_test_add_func("/mixpanel/group-update", test_group_update);
    g_test_add_func("/mixpanel/time-units", test_time_units);
    g_test_add_func("/mixpanel/raw-json-spans", test_raw_json_spans);
    g_test_add_func("/mixpanel/filter-only", test_filter_only);
    g_test_add_func("/mixpanel/recognition-positives", test_recognition_positives);
    g_test_add_func("/mixpanel/recognition-with-ip-flag", test_recognition_with_ip_flag);
    g_test_add_func("/mixpanel/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/mixpanel/query-markers", test_query_markers);
    g_test_add_func("/mixpanel/malformed", test_malformed);
    return g_test_run();
}
