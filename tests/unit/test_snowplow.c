/* test_snowplow.c: Snowplow (formats/xmt_snowplow.c) through xmt_decode(),
 * each shape of docs/formats/snowplow.md §2 built here from the
 * specification, and the core's walks into an existing event
 * (xmt_event_add_json_under, xmt_event_add_form, xmt_event_finish). */
#include <glib.h>
#include <string.h>

#include "core/xmt_events.h"
#include "core/xmt_message.h"
#include "core/xmt_pii.h"
#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "test_common.h"

#define DUID "a925e9bc-b63f-419f-9c1b-737a34cbb4c5"
#define WEB_PAGE_CX                                                                                  \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\",\"data\":[{\"schema\":" \
    "\"iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0\",\"data\":{\"id\":\"8ef69d22-f676-40ce-929f-37b58e61b275\"}}]}"
#define SITE_SEARCH_UE                                                                               \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":" \
    "\"iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0\",\"data\":{\"terms\":[\"bluetooth\","   \
    "\"speaker\",\"waterproof\"],\"filters\":{},\"totalResults\":12}}}"
#define LINK_CLICK_UE                                                                                \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"schema\":" \
    "\"iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1\",\"data\":{\"targetUrl\":"            \
    "\"https://shop.example.com/product/42?color=black\",\"elementId\":\"buy\"}}}"
#define MOBILE_CX                                                                                    \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0\",\"data\":[{\"schema\":" \
    "\"iglu:com.snowplowanalytics.snowplow/mobile_context/jsonschema/1-0-2\",\"data\":{\"osType\":\"android\","  \
    "\"osVersion\":\"14\",\"deviceManufacturer\":\"Google\",\"deviceModel\":\"Pixel 8\","                       \
    "\"androidIdfa\":\"38400000-8cf0-11bd-b23e-10b96e40000d\"}},{\"schema\":"                                  \
    "\"iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-1-0\",\"data\":{\"latitude\":48.8584," \
    "\"longitude\":2.2945}}]}"

/* ---- helpers ----------------------------------------------------------------- */

/* The JS trackers' base64url: standard base64, '=' removed, '+' '-', '/' '_'. */
static char *b64url(const char *text)
{
    char *b = g_base64_encode((const guchar *)text, strlen(text));
    for (char *c = b; *c; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    char *eq = strchr(b, '=');
    if (eq)
        *eq = '\0';
    return b;
}

/* A JSON string of text (JSON inside JSON, as ue_pr and co travel). */
static char *json_string(const char *text)
{
    GString *s = g_string_new("\"");
    for (const char *c = text; *c; c++) {
        if (*c == '"' || *c == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *c);
    }
    g_string_append_c(s, '"');
    return g_string_free(s, FALSE);
}

static void query_request(xmt_request *req, const char *query)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_URI_QUERY;
    req->data = (const guint8 *)query;
    req->len = strlen(query);
    req->method = "GET";
    req->uri = "/i";
    req->host = "sp.example.com";
}

static void body_request(xmt_request *req, const char *body)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = "/com.snowplowanalytics.snowplow/tp2";
    req->host = "sp.example.com";
    req->content_type = "application/json";
}

static void dump_errors(const xmt_message *msg)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s", i, e->layer, e->reason);
    }
}

static xmt_message *decode_ok(const xmt_request *req)
{
    g_assert_cmpstr(recognised_as(req), ==, "snowplow");
    xmt_config cfg;
    xmt_config_init(&cfg);
    cfg.want_pii = TRUE;
    xmt_message *msg = xmt_decode(req, &cfg);
    g_assert_nonnull(msg);
    dump_errors(msg);
    return msg;
}

static const xmt_event *event_at(const xmt_message *msg, guint i)
{
    g_assert_cmpuint(i, <, msg->events->len);
    return g_ptr_array_index(msg->events, i);
}

static const char *fact_str(const xmt_event *ev, xmt_fact_id id)
{
    const xmt_fact *f = xmt_event_fact(ev, id);
    return f ? f->str : NULL;
}

static gint64 fact_num(const xmt_event *ev, xmt_fact_id id)
{
    const xmt_fact *f = xmt_event_fact(ev, id);
    g_assert_nonnull(f);
    return f->num;
}

static guint count_facts(const xmt_event *ev, xmt_fact_id id)
{
    guint n = 0;
    for (guint i = 0; i < ev->facts->len; i++)
        n += g_array_index(ev->facts, xmt_fact, i).id == id;
    return n;
}

static gboolean has_member(const xmt_event *ev, const char *path, const char *value)
{
    for (guint i = 0; ev->members && i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        if (strcmp(m->path, path) == 0 && strcmp(m->value, value) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean has_pii(const xmt_event *ev, xmt_pii_kind kind)
{
    return (ev->pii_seen & (1u << kind)) != 0;
}

static gboolean has_error(const xmt_message *msg, const char *layer)
{
    for (guint i = 0; i < msg->errors->len; i++)
        if (strcmp(g_array_index(msg->errors, xmt_error, i).layer, layer) == 0)
            return TRUE;
    return FALSE;
}

static gboolean has_layer(const xmt_message *msg, xmt_layer_kind kind)
{
    for (guint i = 0; i < msg->layers->len; i++)
        if (xmt_message_layer(msg, (int)i)->kind == kind)
            return TRUE;
    return FALSE;
}

/* ---- GET /i ---------------------------------------------------------------------- */

static void test_get_page_view(void)
{
    char *cx = b64url(WEB_PAGE_CX);
    char *query = g_strconcat("stm=1796614518963&e=pv&url=http%3A%2F%2Fshop.example.com%2Fp.html%3Futm_source%3Dgoogle"
                              "&page=xmtrack%20shop&refr=https%3A%2F%2Fduckduckgo.com%2F%3Fq%3Dnoise%2Bcancelling%2Bheadphones"
                              "%26ia%3Dweb&eid=9c105045-d20a-4a8b-ab52-c6f30a7bae6c&tv=js-4.10.1&tna=sp1&aid=xmtrack-shop"
                              "&p=web&cookie=1&lang=en-US&res=800x600&tz=UTC&dtm=1796614518958&sid=dd2b8a53&duid=" DUID
                              "&cx=", cx, NULL);
    xmt_request req;
    query_request(&req, query);
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpstr(msg->sdk, ==, "snowplow");
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_true(has_layer(msg, XMT_LAYER_BASE64));  /* cx, a tab of its own */
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "page_view");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "pv");
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614518958));  /* dtm */
    g_assert_cmpint(fact_num(ev, XMT_FACT_FLUSH_TIME), ==, G_GINT64_CONSTANT(1796614518963));  /* stm */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, DUID);  /* no uid: duid */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, DUID);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_APP), ==, "xmtrack-shop");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_SESSION_ID), ==, "dd2b8a53");
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "http://shop.example.com/p.html?utm_source=google"));
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://duckduckgo.com/?q=noise+cancelling+headphones&ia=web"));
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, "noise cancelling headphones"));
    g_assert_true(has_member(ev, "page", "xmtrack shop"));
    g_assert_true(has_member(ev, "res", "800x600"));
    g_assert_true(has_member(ev, "cx.data[0].schema", "iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0"));
    g_assert_true(has_member(ev, "cx.data[0].data.id", "8ef69d22-f676-40ce-929f-37b58e61b275"));
    g_assert_true(has_pii(ev, XMT_PII_URL));
    g_assert_false(has_pii(ev, XMT_PII_ACCOUNT_ID));
    g_assert_cmpuint(ev->span.len, ==, 0);  /* a query is no JSON: exports write no event JSON for it */
    xmt_message_free(msg);
    g_free(query);
    g_free(cx);
}

static void test_get_site_search(void)
{
    char *ue = b64url(SITE_SEARCH_UE);
    char *cx = b64url(WEB_PAGE_CX);
    char *query = g_strconcat("stm=1796614519132&e=ue&eid=6bc9ea75&tv=js-4.10.1&tna=sp1&aid=shop&dtm=1796614519131"
                              "&duid=" DUID "&uid=user-4711&ue_px=", ue, "&cx=", cx, NULL);
    xmt_request req;
    query_request(&req, query);
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "com.snowplowanalytics.snowplow/site_search");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "ue");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "user-4711");  /* uid before duid */
    g_assert_cmpuint(count_facts(ev, XMT_FACT_DISTINCT_ID), ==, 1);
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, "bluetooth speaker waterproof"));
    g_assert_true(has_member(ev, "ue_px.data.schema", "iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0"));
    g_assert_true(has_member(ev, "ue_px.data.data.terms[1]", "speaker"));
    g_assert_true(has_member(ev, "ue_px.data.data.totalResults", "12"));
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    g_assert_true(has_pii(ev, XMT_PII_ACCOUNT_ID));  /* uid */
    xmt_message_free(msg);
    g_free(query);
    g_free(ue);
    g_free(cx);
}

/* Padded standard base64 (other trackers, the documentation's examples), percent-encoded. */
static void test_get_padded_base64(void)
{
    char *b64 = g_base64_encode((const guchar *)LINK_CLICK_UE, strlen(LINK_CLICK_UE));
    char *pct = test_pct(b64);
    char *query = g_strconcat("e=ue&tv=py-1.0.0&ue_px=", pct, "&ttm=1796614519000&dtm=1796614519131", NULL);
    xmt_request req;
    query_request(&req, query);
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(has_layer(msg, XMT_LAYER_PERCENT));
    g_assert_true(has_layer(msg, XMT_LAYER_BASE64));
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "com.snowplowanalytics.snowplow/link_click");
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://shop.example.com/product/42?color=black"));
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614519000));  /* ttm before dtm */
    g_assert_cmpuint(count_facts(ev, XMT_FACT_TIME), ==, 1);
    xmt_message_free(msg);
    g_free(query);
    g_free(pct);
    g_free(b64);
}

static void test_get_structured(void)
{
    const char *query = "e=se&se_ca=newsletter&se_ac=subscribe&se_la=jane.doe%40example.com&eid=301d9cd2&tv=js-4.10.1"
                        "&duid=" DUID "&uid=user-4711";
    xmt_request req;
    query_request(&req, query);
    xmt_message *msg = decode_ok(&req);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "subscribe");
    g_assert_true(has_member(ev, "se_ca", "newsletter"));
    g_assert_true(has_member(ev, "se_la", "jane.doe@example.com"));
    g_assert_true(has_pii(ev, XMT_PII_EMAIL));
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));
    xmt_message_free(msg);
}

/* ---- POST tp2 ------------------------------------------------------------------- */

/* The browser's default: ue_pr and co JSON strings inside the JSON. */
static void test_post_json_strings(void)
{
    char *ue = json_string(LINK_CLICK_UE);
    char *co = json_string(WEB_PAGE_CX);
    char *body = g_strconcat("{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":["
                             "{\"e\":\"pv\",\"url\":\"http://shop.example.com/\",\"page\":\"Shop\",\"duid\":\"" DUID "\","
                             "\"dtm\":\"1796614527000\",\"stm\":\"1796614527010\",\"tv\":\"js-4.10.1\",\"co\":", co, "},"
                             "{\"e\":\"ue\",\"ue_pr\":", ue, ",\"co\":", co, ",\"duid\":\"" DUID "\",\"uid\":\"user-4711\","
                             "\"dtm\":\"1796614527244\",\"stm\":\"1796614527245\",\"tv\":\"js-4.10.1\"}]}", NULL);
    xmt_request req;
    body_request(&req, body);
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_true(msg->has_json);
    g_assert_cmpuint(msg->layers->len, ==, 3);  /* co, ue_pr, co: each unescaped */
    for (guint i = 0; i < msg->layers->len; i++)
        g_assert_cmpint(xmt_message_layer(msg, (int)i)->kind, ==, XMT_LAYER_JSON_STRING);
    g_assert_cmpstr(xmt_layer_kind_name(XMT_LAYER_JSON_STRING), ==, "JSON string");
    const xmt_layer *first = xmt_message_layer(msg, 0);
    g_assert_cmpmem(first->data, first->len, WEB_PAGE_CX, strlen(WEB_PAGE_CX));
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page_view");
    g_assert_true(has_member(event_at(msg, 0), "page", "Shop"));
    g_assert_true(has_member(event_at(msg, 0), "co.data[0].data.id", "8ef69d22-f676-40ce-929f-37b58e61b275"));
    const xmt_event *click = event_at(msg, 1);
    g_assert_cmpstr(click->name, ==, "com.snowplowanalytics.snowplow/link_click");
    g_assert_true(xmt_event_has_string(click, XMT_FACT_URL, "https://shop.example.com/product/42?color=black"));
    g_assert_true(has_member(click, "ue_pr.data.data.elementId", "buy"));
    g_assert_cmpint(fact_num(click, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614527244));
    g_assert_cmpstr(fact_str(click, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    xmt_message_free(msg);
    g_free(body);
    g_free(co);
    g_free(ue);
}

/* The Node tracker: base64url inside the JSON, a mobile context, the caller's ip. */
static void test_post_node_base64(void)
{
    char *ue = b64url(SITE_SEARCH_UE);
    char *cx = b64url(MOBILE_CX);
    char *body = g_strconcat("{ \"schema\" : \"iglu:com.snowplowanalytics.snowplow\\/payload_data\\/jsonschema\\/1-0-4\", "
                             "\"data\":[{\"e\":\"ue\",\"p\":\"mob\",\"aid\":\"shop-android\",\"tv\":\"node-4.8.0\","
                             "\"ip\":\"203.0.113.42\",\"uid\":\"user-4711\",\"duid\":\"" DUID "\",\"dtm\":\"1796614531427\","
                             "\"ue_px\":\"", ue, "\",\"cx\":\"", cx, "\"}]}", NULL);
    xmt_request req;
    body_request(&req, body);
    xmt_message *msg = decode_ok(&req);  /* the schema with org.json's escaped slashes, spaces */
    g_assert_cmpuint(msg->errors->len, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "com.snowplowanalytics.snowplow/site_search");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Pixel 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "14");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_APP), ==, "shop-android");
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, "bluetooth speaker waterproof"));
    g_assert_true(has_member(ev, "cx.data[0].data.deviceManufacturer", "Google"));
    g_assert_true(has_pii(ev, XMT_PII_IP));
    g_assert_true(has_pii(ev, XMT_PII_GAID));      /* mobile_context.androidIdfa */
    g_assert_true(has_pii(ev, XMT_PII_LOCATION));  /* geolocation_context, in the same event */
    g_assert_true(has_pii(ev, XMT_PII_ACCOUNT_ID));
    xmt_message_free(msg);
    g_free(body);
    g_free(cx);
    g_free(ue);
}

/* ---- what must not be recognised ------------------------------------------------- */

static void assert_not_snowplow_query(const char *query)
{
    xmt_request req;
    query_request(&req, query);
    const char *who = recognised_as(&req);
    if (who)
        g_assert_cmpstr(who, !=, "snowplow");
}

static void test_recognition_negatives(void)
{
    assert_not_snowplow_query("v=1&_v=j101&t=pageview&tid=UA-12345-1&cid=555&dl=https%3A%2F%2Fexample.com%2F");
    assert_not_snowplow_query("v=2&tid=G-ABC&cid=1.2&en=page_view&dl=https%3A%2F%2Fexample.com%2F");
    assert_not_snowplow_query("idsite=1&rec=1&url=https%3A%2F%2Fexample.com%2F&urlref=&e_c=video&e_a=play");
    assert_not_snowplow_query("e=pv&url=https%3A%2F%2Fexample.com%2F");  /* no tv, tna or eid */
    assert_not_snowplow_query("e=click&tv=js-4.10.1&tna=sp1");           /* not an event code */
    assert_not_snowplow_query("q=shoes&e=pvx&tv=2");
    static const char *const bodies[] = {
        "{\"schema\":\"https://json-schema.org/draft/2020-12/schema\",\"data\":[{\"e\":\"pv\"}]}",
        "{\"schema\":\"iglu:com.acme/payload_data/jsonschema/1-0-0\",\"data\":[]}",
        "{\"data\":[{\"e\":\"pv\",\"tv\":\"js\"}]}",
        "[{\"e\":\"pv\",\"tv\":\"js-4.10.1\"}]",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        xmt_request req;
        body_request(&req, bodies[i]);
        const char *who = recognised_as(&req);
        if (who)
            g_assert_cmpstr(who, !=, "snowplow");
    }
}

/* ---- what cannot be decoded ------------------------------------------------------ */

static void test_malformed(void)
{
    /* cx that is not base64: an error naming the layer; the event is still decoded. */
    xmt_request req;
    query_request(&req, "e=pv&tv=js-4.10.1&url=https%3A%2F%2Fexample.com%2F&cx=eyJzY2hlbWEi*Oi");
    xmt_message *msg = decode_ok(&req);
    g_assert_true(has_error(msg, "base64"));
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page_view");
    xmt_message_free(msg);

    /* ue_px decoding to JSON cut short, and to JSON that is no object. */
    char *cut = b64url("{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{");
    char *query = g_strconcat("e=ue&tv=js&ue_px=", cut, NULL);
    query_request(&req, query);
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "JSON"));
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "ue");  /* no inner schema: the code as sent */
    xmt_message_free(msg);
    g_free(query);
    g_free(cut);
    char *array = b64url("[1,2]");
    query = g_strconcat("e=ue&tv=js&ue_px=", array, NULL);
    query_request(&req, query);
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "JSON"));
    xmt_message_free(msg);
    g_free(query);
    g_free(array);

    /* co that is not JSON text, an event without e, data that holds no events. */
    body_request(&req, "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":["
                       "{\"e\":\"pv\",\"co\":\"{\\\"schema\\\":\"},{\"tv\":\"js\"},7]}");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "JSON"));
    g_assert_true(has_error(msg, "payload"));
    g_assert_cmpuint(msg->event_count, ==, 2);
    xmt_message_free(msg);
    body_request(&req, "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\"}");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "JSON"));
    g_assert_cmpuint(msg->event_count, ==, 0);
    xmt_message_free(msg);
}

/* A batch whose every event carries encoded contexts: decoded up to the
 * limit of layers, said once, every event still decoded. */
static void test_inner_limit(void)
{
    char *cx = b64url(WEB_PAGE_CX);
    GString *body = g_string_new("{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[");
    for (int i = 0; i < 1100; i++)
        g_string_append_printf(body, "%s{\"e\":\"pv\",\"tv\":\"node\",\"cx\":\"%s\"}", i ? "," : "", cx);
    g_string_append(body, "]}");
    xmt_request req;
    body_request(&req, body->str);
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->event_count, ==, 1100);
    g_assert_cmpuint(msg->layers->len, ==, 1024);
    guint limits = 0;
    for (guint i = 0; i < msg->errors->len; i++)
        limits += strcmp(g_array_index(msg->errors, xmt_error, i).layer, "limit") == 0;
    g_assert_cmpuint(limits, ==, 1);
    g_assert_true(has_member(event_at(msg, 1099), "cx", cx));  /* shown as sent */
    xmt_message_free(msg);
    g_string_free(body, TRUE);
    g_free(cx);
}

/* ---- core: walks into an existing event ------------------------------------------ */

static const xmt_fact_rule url_rule[] = {
    { "page.url", XMT_FACT_URL, XMT_RULE_STRING },
    { "n", XMT_FACT_TIME, XMT_RULE_NUMBER },
    XMT_RULES_END
};

static void test_core_add_json_and_form(void)
{
    xmt_config cfg;
    xmt_config_init(&cfg);
    cfg.want_pii = TRUE;
    cfg.max_members = 5;
    xmt_message *msg = xmt_message_new("test");
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 0));

    static const char query[] = "n=1796614518958&who=jane.doe%40example.com&k=v+w";
    xmt_form form;
    g_assert_true(xmt_form_parse((const guint8 *)query, strlen(query), &form));
    xmt_event_add_form(msg, ev, &form, XMT_LAYER_INPUT, url_rule, &cfg);
    g_assert_cmpint(xmt_event_fact(ev, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1796614518958));
    g_assert_true(has_member(ev, "who", "jane.doe@example.com"));
    g_assert_true(has_member(ev, "k", "v+w"));  /* '+' kept, as every form value of the plugin */
    g_assert_true(has_pii(ev, XMT_PII_EMAIL));

    static const char text[] = "{\"page\":{\"url\":\"https://www.bing.com/search?q=running+shoes\"},\"a\":[1,2]}";
    xmt_json_doc doc;
    xmt_json_limits limits = { 64, 1000, 0 };
    xmt_json_parse(&doc, (const guint8 *)text, strlen(text), &limits);
    xmt_event_add_json_under(msg, ev, &doc, 0, "inner", XMT_LAYER_INPUT, url_rule, &cfg);
    xmt_event_finish(msg, ev, &cfg);
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://www.bing.com/search?q=running+shoes"));
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, "running shoes"));
    g_assert_true(has_member(ev, "inner.page.url", "https://www.bing.com/search?q=running+shoes"));
    g_assert_true(has_member(ev, "inner.a[0]", "1"));
    /* The member limit counts the event's members from both walks: 3 + 2, then one error. */
    g_assert_cmpuint(ev->members->len, ==, 5);
    g_assert_false(has_member(ev, "inner.a[1]", "2"));
    g_assert_cmpuint(msg->errors->len, ==, 1);
    g_assert_true(has_pii(ev, XMT_PII_URL));
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    xmt_json_doc_clear(&doc);
    xmt_message_free(msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/snowplow/get-page-view", test_get_page_view);
    g_test_add_func("/snowplow/get-site-search", test_get_site_search);
    g_test_add_func("/snowplow/get-padded-base64", test_get_padded_base64);
    g_test_add_func("/snowplow/get-structured", test_get_structured);
    g_test_add_func("/snowplow/post-json-strings", test_post_json_strings);
    g_test_add_func("/snowplow/post-node-base64", test_post_node_base64);
    g_test_add_func("/snowplow/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/snowplow/malformed", test_malformed);
    g_test_add_func("/snowplow/inner-limit", test_inner_limit);
    g_test_add_func("/events/add-json-and-form", test_core_add_json_and_form);
    return g_test_run();
}
