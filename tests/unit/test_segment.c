/* test_segment.c: Segment through xmt_recognise() and xmt_decode()
 * (formats/xmt_segment.c over core/ and layers/), and the neutral JSON
 * helpers it added to formats/xmt_format_kit.h (the ISO 8601 rule kind is
 * the core's, tested with xmt_time.h in test_posthog).  Payloads are written here from
 * docs/formats/segment.md (shapes A-C, "Fields"). */
#include <glib.h>
#include <string.h>

#include "core/xmt_events.h"
#include "core/xmt_pii.h"
#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "formats/xmt_format_kit.h"
#include "test_common.h"

/* Shape A: analytics-next's page() as it stringifies it (keys in its order),
 * before identify (userId null), with the traps of context: page.search is
 * the page's query string, referrer an ad click id. */
#define BROWSER_PAGE                                                                                          \
    "{\"timestamp\":\"2026-12-07T03:34:02.170Z\",\"integrations\":{\"Segment.io\":true},\"type\":\"page\","   \
    "\"properties\":{\"path\":\"/p.html\",\"referrer\":\"https://duckduckgo.com/?q=noise+cancelling+headphones" \
    "&ia=web\",\"search\":\"?q=shoes&utm_source=google\",\"title\":\"T\",\"url\":\"http://shop.example.com/"     \
    "p.html?q=shoes&utm_source=google\"},\"context\":{\"page\":{\"path\":\"/p.html\",\"referrer\":"            \
    "\"https://duckduckgo.com/?q=noise+cancelling+headphones&ia=web\",\"search\":\"?q=shoes&utm_source=google\"," \
    "\"title\":\"T\",\"url\":\"http://shop.example.com/p.html?q=shoes&utm_source=google\"},\"userAgent\":"       \
    "\"Mozilla/5.0\",\"locale\":\"en-US\",\"library\":{\"name\":\"analytics.js\",\"version\":\"next-1.84.3\"},"  \
    "\"campaign\":{\"source\":\"google\",\"term\":\"running shoes\"},\"referrer\":{\"type\":\"btid\","           \
    "\"id\":\"https://www.google.com/search?q=click+id\"}},\"messageId\":\"ajs-next-1796614442170-9b07dccf\","   \
    "\"anonymousId\":\"07dccf1e-9826-4d21-9f07-674361ad6c35\",\"writeKey\":\"wk1\",\"userId\":null,"             \
    "\"sentAt\":\"2026-12-07T03:34:02.230Z\",\"_metadata\":{\"bundled\":[\"Segment.io\"]}}"

#define BROWSER_IDENTIFY                                                                                      \
    "{\"timestamp\":\"2026-12-07T03:34:02.741Z\",\"integrations\":{},\"type\":\"identify\",\"userId\":"        \
    "\"user-4711\",\"traits\":{\"email\":\"jane.doe@example.com\",\"phone\":\"+1-202-555-0143\"},\"context\":" \
    "{\"page\":{\"url\":\"http://shop.example.com/p.html\"}},\"messageId\":\"ajs-next-2\",\"anonymousId\":"    \
    "\"07dccf1e-9826-4d21-9f07-674361ad6c35\",\"writeKey\":\"wk1\",\"sentAt\":\"2026-12-07T03:34:02.746Z\"}"

/* Shape C: analytics-node's batch, with what a server caller puts in context. */
#define NODE_CONTEXT                                                                                          \
    "\"context\":{\"ip\":\"203.0.113.42\",\"device\":{\"model\":\"Pixel 8\",\"advertisingId\":"              \
    "\"38400000-8cf0-11bd-b23e-10b96e40000d\"},\"os\":{\"name\":\"Android\",\"version\":\"14\"},\"app\":"     \
    "{\"name\":\"Example Shop\",\"version\":\"5.2.1\",\"namespace\":\"com.example.shop\"},\"library\":"       \
    "{\"name\":\"@segment/analytics-node\",\"version\":\"3.1.0\"}}"
#define NODE_BATCH                                                                                            \
    "{\"batch\":[{\"userId\":\"user-4711\",\"event\":\"Products Searched\",\"properties\":{\"query\":"         \
    "\"bluetooth speaker waterproof\"},\"type\":\"track\"," NODE_CONTEXT ",\"timestamp\":"                    \
    "\"2026-12-07T03:34:14.750Z\",\"messageId\":\"node-next-1\"},{\"userId\":\"user-4711\",\"name\":"          \
    "\"Search Results\",\"properties\":{\"url\":\"https://shop.example.com/search?q=x\",\"referrer\":"        \
    "\"https://www.bing.com/search?q=running+shoes+size+44&form=QBLH\",\"product_url\":"                      \
    "\"https://shop.example.com/product/42\"},\"type\":\"page\"," NODE_CONTEXT ",\"timestamp\":"              \
    "\"2026-12-07T03:34:14.751Z\",\"messageId\":\"node-next-2\"}],\"writeKey\":\"wk2\",\"sentAt\":"           \
    "\"2026-12-07T03:34:15.000Z\"}"

/* ---- helpers ------------------------------------------------------------ */

static void config_defaults(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
    cfg->want_pii = TRUE;
}

static void body_request(xmt_request *req, const char *body, const char *uri)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = uri;
    req->host = "collector.example.net";  /* no hint: the body alone decides */
    req->content_type = "text/plain";
}

static xmt_message *decode(const char *body, const char *uri, const xmt_config *cfg)
{
    xmt_request req;
    body_request(&req, body, uri);
    g_assert_cmpstr(recognised_as(&req), ==, "segment");
    xmt_message *msg = xmt_decode(&req, cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "segment");
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s", i, e->layer, e->reason);
    }
    return msg;
}

static const char *recognised(const char *body, const char *uri)
{
    xmt_request req;
    body_request(&req, body, uri);
    return recognised_as(&req);
}

static xmt_event *event_at(const xmt_message *msg, guint i)
{
    g_assert_cmpuint(i, <, msg->events->len);
    return g_ptr_array_index(msg->events, i);
}

static guint fact_count(const xmt_event *ev, xmt_fact_id id)
{
    guint n = 0;
    for (guint i = 0; i < ev->facts->len; i++)
        n += g_array_index(ev->facts, xmt_fact, i).id == id;
    return n;
}

static const char *fact_str(const xmt_event *ev, xmt_fact_id id)
{
    const xmt_fact *f = xmt_event_fact(ev, id);
    return f ? f->str : NULL;
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

static gboolean has_param(const xmt_message *msg, const char *text)
{
    for (guint i = 0; i < msg->facts->len; i++) {
        const xmt_fact *f = &g_array_index(msg->facts, xmt_fact, i);
        if (f->id == XMT_FACT_PARAM && strcmp(f->str, text) == 0)
            return TRUE;
    }
    return FALSE;
}

/* ---- the neutral helpers ------------------------------------------------- */

static void test_json_key_value(void)
{
    const char *text = "{\"a\":\"type\",\"type\" : \"track\",\"n\":1}";
    const guint8 *p = (const guint8 *)text;
    const guint8 *v = xmt_kit_json_key_value(p, strlen(text), "type");
    g_assert_nonnull(v);  /* the key, not the string value "type" before it */
    g_assert_cmpint(memcmp(v, "\"track\"", 7), ==, 0);
    g_assert_null(xmt_kit_json_key_value(p, strlen(text), "missing"));
    g_assert_null(xmt_kit_json_key_value(p, 10, "type"));  /* only the first len bytes */
    v = xmt_kit_json_key_value(p, strlen(text), "n");
    g_assert_nonnull(v);
    g_assert_cmpint(*v, ==, '1');
    g_assert_null(xmt_kit_json_key_value((const guint8 *)"\"type\"", 6, "type"));  /* no ':' */
}

/* ---- shapes -------------------------------------------------------------- */

static void test_browser_page(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(BROWSER_PAGE, "/v1/p", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "page");  /* no name: the type */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "page");
    g_assert_cmpint(xmt_event_fact(ev, XMT_FACT_TIME)->num, ==, 1796614442170);  /* 2026-12-07T03:34:02.170Z */
    /* userId null: the SDK's anonymousId is the identity */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "07dccf1e-9826-4d21-9f07-674361ad6c35");
    g_assert_cmpuint(fact_count(ev, XMT_FACT_DISTINCT_ID), ==, 1);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, "07dccf1e-9826-4d21-9f07-674361ad6c35");
    /* the page and its referrer, once each though sent twice */
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "http://shop.example.com/p.html?q=shoes&utm_source=google"));
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://duckduckgo.com/?q=noise+cancelling+headphones&ia=web"));
    g_assert_cmpuint(fact_count(ev, XMT_FACT_URL), ==, 2);
    /* the search typed at DuckDuckGo; not the page's own ?q=shoes, not the ad click id's URL,
     * not the campaign's utm_term */
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, "noise cancelling headphones"));
    g_assert_cmpuint(fact_count(ev, XMT_FACT_SEARCH_TERM), ==, 1);
    g_assert_true(has_member(ev, "context.page.search", "?q=shoes&utm_source=google"));
    g_assert_true(has_member(ev, "context.referrer.id", "https://www.google.com/search?q=click+id"));
    g_assert_true(has_member(ev, "messageId", "ajs-next-1796614442170-9b07dccf"));
    g_assert_true(has_member(ev, "sentAt", "2026-12-07T03:34:02.230Z"));
    g_assert_true(has_pii(ev, XMT_PII_URL));
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    g_assert_false(has_pii(ev, XMT_PII_ACCOUNT_ID));
    xmt_message_free(msg);
}

static void test_browser_identify(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(BROWSER_IDENTIFY, "/v1/i", &cfg);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "identify");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "user-4711");  /* userId before anonymousId */
    g_assert_cmpuint(fact_count(ev, XMT_FACT_DISTINCT_ID), ==, 1);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, "07dccf1e-9826-4d21-9f07-674361ad6c35");
    g_assert_true(has_pii(ev, XMT_PII_EMAIL));
    g_assert_true(has_pii(ev, XMT_PII_PHONE));
    g_assert_true(has_pii(ev, XMT_PII_ACCOUNT_ID));
    xmt_message_free(msg);
}

static void test_node_batch(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(NODE_BATCH, "/v1/batch", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(has_param(msg, "writeKey=wk2"));
    g_assert_true(has_param(msg, "sentAt=2026-12-07T03:34:15.000Z"));
    const xmt_event *search = event_at(msg, 0), *page = event_at(msg, 1);
    g_assert_cmpstr(search->name, ==, "Products Searched");
    g_assert_cmpstr(fact_str(search, XMT_FACT_EVENT_TYPE), ==, "track");
    g_assert_cmpstr(fact_str(search, XMT_FACT_SEARCH_TERM), ==, "bluetooth speaker waterproof");
    g_assert_cmpstr(fact_str(search, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_null(fact_str(search, XMT_FACT_ANONYMOUS_ID));
    g_assert_cmpstr(fact_str(search, XMT_FACT_MODEL), ==, "Pixel 8");
    g_assert_cmpstr(fact_str(search, XMT_FACT_OS_VERSION), ==, "14");
    g_assert_cmpstr(fact_str(search, XMT_FACT_APP), ==, "com.example.shop");  /* the package, not the name */
    g_assert_cmpuint(fact_count(search, XMT_FACT_APP), ==, 1);
    g_assert_true(has_pii(search, XMT_PII_IP));
    g_assert_true(has_pii(search, XMT_PII_GAID));
    g_assert_true(has_pii(search, XMT_PII_SEARCH));
    /* a screen or page names itself; URL properties, named or not */
    g_assert_cmpstr(page->name, ==, "Search Results");
    g_assert_cmpstr(fact_str(page, XMT_FACT_EVENT_TYPE), ==, "page");
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "https://shop.example.com/search?q=x"));
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "https://shop.example.com/product/42"));
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "https://www.bing.com/search?q=running+shoes+size+44&form=QBLH"));
    g_assert_cmpuint(fact_count(page, XMT_FACT_URL), ==, 3);
    g_assert_true(xmt_event_has_string(page, XMT_FACT_SEARCH_TERM, "running shoes size 44"));
    g_assert_cmpuint(fact_count(page, XMT_FACT_SEARCH_TERM), ==, 1);  /* the shop's own ?q= is no engine */
    g_assert_cmpint(xmt_event_fact(page, XMT_FACT_TIME)->num, ==, 1796614454751);
    xmt_message_free(msg);
}

static void test_browser_batch(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    const char *body = "{\"writeKey\":\"wk1\",\"batch\":[" BROWSER_PAGE "," BROWSER_IDENTIFY "],\"sentAt\":\"2026-12-07T03:34:03.000Z\"}";
    xmt_message *msg = decode(body, "/v1/b", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page");
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "identify");
    g_assert_true(has_param(msg, "writeKey=wk1"));
    xmt_message_free(msg);
}

/* analytics-python and other HTTP API clients: json.dumps with blanks, no
 * messageId required, other key orders. */
static void test_blanks_and_key_orders(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    const char *python = "{\"batch\": [{\"type\": \"track\", \"event\": \"Signed Up\", \"userId\": \"u1\", "
                         "\"messageId\": \"m1\", \"timestamp\": \"2020-05-01T00:00:00.123+00:00\"}], "
                         "\"sentAt\": \"2020-05-01T00:00:01+00:00\"}";
    xmt_message *msg = decode(python, "/anything", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "Signed Up");
    g_assert_cmpint(xmt_event_fact(event_at(msg, 0), XMT_FACT_TIME)->num, ==, 1588291200123);
    xmt_message_free(msg);
    /* without messageId, Segment's path corroborates */
    const char *bare = "{\"type\":\"track\",\"event\":\"x\",\"userId\":\"u1\"}";
    g_assert_cmpstr(recognised(bare, "/v1/track"), ==, "segment");
    g_assert_null(recognised(bare, "/api/v2/things"));
    /* mobile: the app's name when no package is sent */
    const char *named = "{\"type\":\"screen\",\"name\":\"Home\",\"anonymousId\":\"a\",\"messageId\":\"m\","
                        "\"context\":{\"app\":{\"name\":\"Example Shop\"}}}";
    msg = decode(named, "/x", &cfg);
    g_assert_cmpstr(fact_str(event_at(msg, 0), XMT_FACT_APP), ==, "Example Shop");
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "Home");
    xmt_message_free(msg);
}

/* "query" is a search only in the semantic event Products Searched. */
static void test_query_only_in_search_event(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    const char *body = "{\"type\":\"track\",\"event\":\"GraphQL Request\",\"properties\":{\"query\":"
                       "\"{ viewer { id } }\"},\"userId\":\"u\",\"messageId\":\"m\"}";
    xmt_message *msg = decode(body, "/v1/t", &cfg);
    g_assert_null(fact_str(event_at(msg, 0), XMT_FACT_SEARCH_TERM));
    g_assert_false(has_pii(event_at(msg, 0), XMT_PII_SEARCH));
    xmt_message_free(msg);
}

/* A display filter alone asks for one fact: the identity still falls back. */
static void test_filter_only_config(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.want_pii = FALSE;
    cfg.want_members = FALSE;
    cfg.want_facts = XMT_FACT_BIT(XMT_FACT_DISTINCT_ID);
    xmt_message *msg = decode(BROWSER_PAGE, "/v1/p", &cfg);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "07dccf1e-9826-4d21-9f07-674361ad6c35");
    g_assert_null(ev->members);
    xmt_message_free(msg);
}

/* ---- what must not be Segment --------------------------------------------- */

static void test_recognition_negatives(void)
{
    static const char *const bodies[] = {
        /* PostHog's capture body (docs/formats/posthog.md) */
        "{\"api_key\":\"phc_x\",\"batch\":[{\"event\":\"$pageview\",\"type\":\"capture\",\"properties\":"
        "{\"distinct_id\":\"a\"}}],\"sent_at\":\"2026-12-07T03:34:02.170Z\"}",
        /* Amplitude's */
        "{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":[{\"event_type\":\"track\",\"user_id\":\"u\"}]}",
        /* an ordinary JSON API with a "type" */
        "{\"type\":\"track\",\"id\":1,\"userId\":\"u\"}",
        /* messageId but no record type */
        "{\"messageId\":\"m\",\"type\":\"chat\",\"userId\":\"u\"}",
        /* the SDK's first key, a record type, no identity */
        "{\"timestamp\":\"2026-12-07T03:34:02.170Z\",\"type\":\"track\",\"level\":\"info\"}",
        "[{\"type\":\"track\",\"messageId\":\"m\",\"userId\":\"u\"}]",
        "data=eyJ0eXBlIjoidHJhY2sifQ%3D%3D",
        "",
        "   ",
        "{",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        const char *as = recognised(bodies[i], "/collect");
        g_assert_true(as == NULL || strcmp(as, "segment") != 0);
    }
}

/* ---- bad input: a clear answer, never a silent stop ------------------------ */

static void test_truncated_batch(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    char *cut = g_strndup(NODE_BATCH, strlen(NODE_BATCH) - 150);  /* inside the second event */
    xmt_message *msg = decode(cut, "/v1/batch", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);  /* the first event, whole */
    g_assert_cmpuint(msg->errors->len, ==, 1);
    g_assert_cmpstr(g_array_index(msg->errors, xmt_error, 0).layer, ==, "JSON");
    xmt_message_free(msg);
    g_free(cut);
}

static void test_bad_elements(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    const char *body = "{\"batch\":[7,{\"type\":\"track\",\"event\":\"e\",\"userId\":\"u\",\"messageId\":\"m\","
                       "\"timestamp\":\"not a time\"}]}";
    xmt_message *msg = decode(body, "/v1/batch", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->errors->len, ==, 1);  /* element 0 is not an event */
    g_assert_nonnull(strstr(g_array_index(msg->errors, xmt_error, 0).reason, "element 0"));
    const xmt_event *ev = event_at(msg, 0);
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));  /* not a time: no TIME, the member as sent */
    g_assert_true(has_member(ev, "timestamp", "not a time"));
    xmt_message_free(msg);
    /* batch holding no array: said so */
    msg = decode("{\"batch\":\"x\",\"type\":\"track\",\"userId\":\"u\",\"messageId\":\"m\"}", "/v1/batch", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 0);
    g_assert_cmpuint(msg->errors->len, ==, 1);
    xmt_message_free(msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/kit/json-key-value", test_json_key_value);
    g_test_add_func("/segment/browser-page", test_browser_page);
    g_test_add_func("/segment/browser-identify", test_browser_identify);
    g_test_add_func("/segment/node-batch", test_node_batch);
    g_test_add_func("/segment/browser-batch", test_browser_batch);
    g_test_add_func("/segment/blanks-and-key-orders", test_blanks_and_key_orders);
    g_test_add_func("/segment/query-only-in-search-event", test_query_only_in_search_event);
    g_test_add_func("/segment/filter-only-config", test_filter_only_config);
    g_test_add_func("/segment/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/segment/truncated-batch", test_truncated_batch);
    g_test_add_func("/segment/bad-elements", test_bad_elements);
    return g_test_run();
}
