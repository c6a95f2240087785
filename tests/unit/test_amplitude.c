/* test_amplitude.c: Amplitude through xmt_recognise() and xmt_decode()
 * (formats/xmt_amplitude.c over core/ and layers/), and the form-value
 * peel it added to the core (core/xmt_peel.h).  Payloads are written here
 * from docs/formats/amplitude.md (shapes A-F, §5, "Fields"). */
#include <glib.h>
#include <string.h>

#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "test_common.h"

/* Shape A: analytics-browser's payload, keys in its order; the first event before setUserId. */
#define BROWSER_EVENTS                                                                                         \
    "[{\"device_id\":\"e09fb754-9c11-4278-ad3c-fe54d380b660\",\"session_id\":1796614460154,\"time\":"          \
    "1796614460178,\"platform\":\"Web\",\"language\":\"en-US\",\"ip\":\"$remote\",\"insert_id\":\"i1\","        \
    "\"event_type\":\"[Amplitude] Page Viewed\",\"event_properties\":{\"referrer\":"                           \
    "\"https://www.bing.com/search?q=running+shoes+size+44&form=QBLH\",\"[Amplitude] Page Location\":"          \
    "\"http://shop.example.com/p.html?utm_source=google\",\"[Amplitude] Page URL\":\"http://shop.example.com/"  \
    "p.html\",\"[Amplitude] Page Title\":\"T\"},\"library\":\"amplitude-ts/2.48.1\"},"                         \
    "{\"user_id\":\"user-4711\",\"device_id\":\"e09fb754-9c11-4278-ad3c-fe54d380b660\",\"time\":1796614460720," \
    "\"ip\":\"$remote\",\"event_type\":\"$identify\",\"user_properties\":{\"$set\":{\"email\":"                 \
    "\"jane.doe@example.com\",\"referrer\":\"https://duckduckgo.com/?q=a+b\"},\"$setOnce\":"                    \
    "{\"initial_referrer\":\"https://duckduckgo.com/?q=a+b\"}}}]"
#define BROWSER_BODY                                                                                           \
    "{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":" BROWSER_EVENTS ",\"options\":{},"          \
    "\"client_upload_time\":\"2026-12-07T03:34:21.677Z\"}"

/* Shape D: analytics-node with what a server caller sets on the event. */
#define NODE_EVENT                                                                                             \
    "{\"time\":1796614481026,\"event_type\":\"Store Visit\",\"user_id\":\"user-4711\",\"device_id\":"          \
    "\"a9d2c7e4-1b3f-4e8a-9c6d-2f5e8b7a1c30\",\"platform\":\"Android\",\"os_name\":\"Android\",\"os_version\":" \
    "\"14\",\"device_model\":\"Pixel 8\",\"app_version\":\"5.2.1\",\"adid\":"                                  \
    "\"38400000-8cf0-11bd-b23e-10b96e40000d\",\"ip\":\"203.0.113.42\",\"location_lat\":48.8584,"               \
    "\"location_lng\":2.2945,\"event_properties\":{\"search_term\":\"bluetooth speaker\",\"url\":"             \
    "\"https://shop.example.com/search?q=bluetooth+speaker\"}}"

/* Shape E's e: amplitude-js events (timestamp, not time), non-ASCII text as on the wire check (§7). */
static const char legacy_events[] =
    "[{\"device_id\":\"-NWX0e4I35YpHzw14z_355\",\"user_id\":null,\"timestamp\":1796614473175,\"event_type\":"
    "\"Viewed Caf\xc3\xa9 \xe4\xb8\xad\",\"event_properties\":{\"url\":\"https://www.bing.com/search?q=running+shoes\"},"
    "\"os_name\":\"Chrome\",\"os_version\":\"156\",\"device_model\":\"Linux\",\"ip\":\"$remote\"}]";
#define LEGACY_CLIENT "0123456789abcdef0123456789abcdef"
#define LEGACY_UPLOAD_TIME "1796614473968"
/* md5_hex("2" + client + e + upload_time) of the above, computed outside the plugin
 * (Python's hashlib.md5 over the UTF-8 text). */
#define LEGACY_CHECKSUM "f0a999cca5c5c3f8be4e5eea5f5ac41e"

/* ---- helpers ------------------------------------------------------------ */

static void config_defaults(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
    cfg->want_pii = TRUE;
}

static void body_request(xmt_request *req, const char *body, const char *content_type)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = "/collect";                /* no hint: the body alone decides */
    req->host = "collector.example.net";
    req->content_type = content_type;
}

static const char *recognised(const char *body)
{
    xmt_request req;
    body_request(&req, body, "application/json");
    return recognised_as(&req);
}

static xmt_message *decode(const char *body, const char *content_type, const xmt_config *cfg)
{
    xmt_request req;
    body_request(&req, body, content_type);
    g_assert_cmpstr(recognised_as(&req), ==, "amplitude");
    xmt_message *msg = xmt_decode(&req, cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "amplitude");
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s", i, e->layer, e->reason);
    }
    return msg;
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

/* encodeURIComponent / query-string's strict encoding: a space is %20, '+' is %2B. */
static char *strict_encoded(const char *text)
{
    return g_uri_escape_string(text, NULL, FALSE);
}

/* URLSearchParams (amplitude-js's beacon): a space is '+', '+' is %2B. */
static char *search_params_encoded(const char *text)
{
    char *escaped = g_uri_escape_string(text, " ", FALSE);
    for (char *p = escaped; *p; p++)
        if (*p == ' ')
            *p = '+';
    return escaped;
}

/* ---- the core's form-value peel ------------------------------------------- */

static void test_peel_form_value(void)
{
    static const char input[] = "a+b%2Bc%20d%zz";
    xmt_request req;
    body_request(&req, input, NULL);
    xmt_message *msg = xmt_message_new("test");
    xmt_span out = xmt_peel_form_value(msg, &req, xmt_span_make(XMT_LAYER_INPUT, 0, strlen(input)), "v");
    g_assert_cmpint(out.layer, ==, 0);
    g_assert_cmpuint(out.len, ==, 10);
    g_assert_cmpint(memcmp(xmt_span_data(msg, &req, out), "a b+c d%zz", 10), ==, 0);
    g_assert_cmpuint(msg->errors->len, ==, 1);  /* %zz, where it was sent */
    g_assert_cmpuint(g_array_index(msg->errors, xmt_error, 0).span.off, ==, 11);
    g_assert_cmpstr(xmt_message_layer(msg, 0)->label, ==, "v (form-decoded)");
    xmt_message_free(msg);
    /* nothing to undo: no layer */
    msg = xmt_message_new("test");
    body_request(&req, "[1]", NULL);
    out = xmt_peel_form_value(msg, &req, xmt_span_make(XMT_LAYER_INPUT, 0, 3), "v");
    g_assert_cmpint(out.layer, ==, XMT_LAYER_INPUT);
    g_assert_cmpuint(msg->layers->len, ==, 0);
    xmt_message_free(msg);
}

/* ---- the JSON API ---------------------------------------------------------- */

static void test_browser_body(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(BROWSER_BODY, "application/json", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(has_param(msg, "api_key=0123456789abcdef0123456789abcdef"));
    g_assert_true(has_param(msg, "client_upload_time=2026-12-07T03:34:21.677Z"));
    g_assert_false(msg->has_sign);  /* the JSON API signs nothing */
    const xmt_event *page = event_at(msg, 0), *identify = event_at(msg, 1);
    g_assert_cmpstr(page->name, ==, "[Amplitude] Page Viewed");
    g_assert_cmpint(xmt_event_fact(page, XMT_FACT_TIME)->num, ==, 1796614460178);
    g_assert_cmpstr(fact_str(page, XMT_FACT_DISTINCT_ID), ==, "e09fb754-9c11-4278-ad3c-fe54d380b660");
    g_assert_cmpstr(fact_str(page, XMT_FACT_ANONYMOUS_ID), ==, "e09fb754-9c11-4278-ad3c-fe54d380b660");
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "http://shop.example.com/p.html?utm_source=google"));
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "http://shop.example.com/p.html"));
    g_assert_true(xmt_event_has_string(page, XMT_FACT_URL, "https://www.bing.com/search?q=running+shoes+size+44&form=QBLH"));
    g_assert_cmpuint(fact_count(page, XMT_FACT_URL), ==, 3);
    g_assert_cmpstr(fact_str(page, XMT_FACT_SEARCH_TERM), ==, "running shoes size 44");
    g_assert_false(has_pii(page, XMT_PII_IP));  /* "$remote" is no address */
    g_assert_true(has_pii(page, XMT_PII_URL));
    /* user_id once set; the referrers of the user properties */
    g_assert_cmpstr(fact_str(identify, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_cmpuint(fact_count(identify, XMT_FACT_DISTINCT_ID), ==, 1);
    g_assert_true(xmt_event_has_string(identify, XMT_FACT_URL, "https://duckduckgo.com/?q=a+b"));
    g_assert_cmpuint(fact_count(identify, XMT_FACT_URL), ==, 1);
    g_assert_cmpstr(fact_str(identify, XMT_FACT_SEARCH_TERM), ==, "a b");
    g_assert_true(has_pii(identify, XMT_PII_EMAIL));
    g_assert_true(has_pii(identify, XMT_PII_ACCOUNT_ID));
    xmt_message_free(msg);
}

static void test_node_event(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode("{\"api_key\":\"k\",\"events\":[" NODE_EVENT "]}", "application/json", &cfg);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "Store Visit");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Pixel 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "14");
    g_assert_null(fact_str(ev, XMT_FACT_APP));  /* platform and app_version name no app */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_SEARCH_TERM), ==, "bluetooth speaker");
    g_assert_cmpuint(fact_count(ev, XMT_FACT_SEARCH_TERM), ==, 1);  /* the shop's own ?q= is no engine */
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://shop.example.com/search?q=bluetooth+speaker"));
    g_assert_true(has_pii(ev, XMT_PII_IP));
    g_assert_true(has_pii(ev, XMT_PII_GAID));
    g_assert_true(has_pii(ev, XMT_PII_LOCATION));  /* location_lat, location_lng */
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    xmt_message_free(msg);
}

/* Other SDKs' key orders and spacing. */
static void test_key_orders(void)
{
    static const char *const bodies[] = {
        /* Amplitude-Kotlin: client_upload_time between */
        "{\"api_key\":\"k\",\"client_upload_time\":\"2026-12-07T03:34:21.677Z\",\"events\":[" NODE_EVENT "]}",
        /* Python's json.dumps */
        "{\"api_key\": \"k\", \"events\": [" NODE_EVENT "], \"options\": {\"min_id_length\": 1}}",
        /* events first, api_key after (a serialiser ordering keys otherwise) */
        "{\"events\":[" NODE_EVENT "],\"api_key\":\"k\"}",
        " \n{\"api_key\":\"k\\\"\",\"events\":[" NODE_EVENT "]}",
    };
    xmt_config cfg;
    config_defaults(&cfg);
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        xmt_message *msg = decode(bodies[i], "application/json", &cfg);
        g_assert_cmpuint(msg->event_count, ==, 1);
        g_assert_cmpuint(msg->errors->len, ==, 0);
        xmt_message_free(msg);
    }
}

static void test_recognition_negatives(void)
{
    static const char *const bodies[] = {
        /* PostHog: the member after the key is "batch" (docs/formats/posthog.md) */
        "{\"api_key\":\"phc_x\",\"batch\":[{\"event\":\"$pageview\",\"event_type\":\"x\",\"properties\":{}}],"
        "\"sent_at\":\"2026-12-07T03:34:02.170Z\"}",
        "{\"api_key\":\"phc_x\",\"sent_at\":\"2026-12-07T03:34:02.170Z\",\"batch\":[{\"event_type\":\"x\"}],"
        "\"events\":[]}",
        /* an events array without Amplitude's event_type */
        "{\"api_key\":\"k\",\"events\":[{\"name\":\"click\"}]}",
        /* events, but no key anywhere */
        "{\"events\":[{\"event_type\":\"click\"}]}",
        /* api_key followed by an object, not events */
        "{\"api_key\":\"k\",\"config\":{\"events\":[{\"event_type\":\"x\"}]}}",
        "{\"api_key\":\"k\",\"events\":\"none\",\"event_type\":\"x\"}",
        "{\"api_key\":\"unterminated",
        "{\"api_key\"",
        "{",
        "[{\"api_key\":\"k\",\"events\":[{\"event_type\":\"x\"}]}]",
        "",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        const char *as = recognised(bodies[i]);
        g_assert_true(as == NULL || strcmp(as, "amplitude") != 0);
    }
}

/* ---- amplitude-js's form and its checksum ------------------------------------ */

static xmt_message *decode_legacy(const char *body, const xmt_config *cfg)
{
    return decode(body, "application/x-www-form-urlencoded", cfg);
}

static void assert_legacy_event(const xmt_message *msg)
{
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "Viewed Caf\xc3\xa9 \xe4\xb8\xad");
    g_assert_cmpint(xmt_event_fact(ev, XMT_FACT_TIME)->num, ==, 1796614473175);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "-NWX0e4I35YpHzw14z_355");  /* user_id null */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Linux");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_URL), ==, "https://www.bing.com/search?q=running+shoes");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_SEARCH_TERM), ==, "running shoes");
}

static void test_legacy_form(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    char *e = strict_encoded(legacy_events);
    /* amplitude-js XHR/fetch: query-string's sorted keys */
    char *body = g_strdup_printf("checksum=%s&client=%s&e=%s&upload_time=%s&v=2", LEGACY_CHECKSUM, LEGACY_CLIENT, e,
                                 LEGACY_UPLOAD_TIME);
    xmt_message *msg = decode_legacy(body, &cfg);
    assert_legacy_event(msg);
    g_assert_true(msg->has_sign);
    g_assert_true(msg->sign_valid);
    g_assert_true(has_param(msg, "client=" LEGACY_CLIENT));
    g_assert_true(has_param(msg, "upload_time=" LEGACY_UPLOAD_TIME));
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PAYLOAD_PARAM)->str, ==, "e");
    xmt_message_free(msg);
    g_free(body);
    /* the legacy Android SDK: OkHttp's FormBody in its order, v first */
    body = g_strdup_printf("v=2&client=%s&e=%s&upload_time=%s&checksum=%s", LEGACY_CLIENT, e, LEGACY_UPLOAD_TIME,
                           LEGACY_CHECKSUM);
    msg = decode_legacy(body, &cfg);
    assert_legacy_event(msg);
    g_assert_true(msg->sign_valid);
    xmt_message_free(msg);
    g_free(body);
    g_free(e);
}

static void test_legacy_beacon(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    char *e = search_params_encoded(legacy_events);
    g_assert_nonnull(strchr(e, '+'));  /* the spaces of the event name */
    char *body = g_strdup_printf("client=%s&e=%s&v=2&upload_time=%s&checksum=%s", LEGACY_CLIENT, e, LEGACY_UPLOAD_TIME,
                                 LEGACY_CHECKSUM);
    xmt_message *msg = decode_legacy(body, &cfg);
    assert_legacy_event(msg);
    g_assert_true(msg->sign_valid);
    xmt_message_free(msg);
    g_free(body);
    g_free(e);
}

static void test_legacy_checksum_bad_or_absent(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    char *e = strict_encoded(legacy_events);
    /* the upload time changed after signing */
    char *body = g_strdup_printf("checksum=%s&client=%s&e=%s&upload_time=1796614473969&v=2", LEGACY_CHECKSUM,
                                 LEGACY_CLIENT, e);
    xmt_message *msg = decode_legacy(body, &cfg);
    g_assert_true(msg->has_sign);
    g_assert_false(msg->sign_valid);
    g_assert_cmpuint(msg->event_count, ==, 1);  /* still decoded */
    xmt_message_free(msg);
    g_free(body);
    /* upper-case hex is not what the SDK sends */
    char *upper = g_ascii_strup(LEGACY_CHECKSUM, -1);
    body = g_strdup_printf("checksum=%s&client=%s&e=%s&upload_time=%s&v=2", upper, LEGACY_CLIENT, e, LEGACY_UPLOAD_TIME);
    msg = decode_legacy(body, &cfg);
    g_assert_false(msg->sign_valid);
    xmt_message_free(msg);
    g_free(body);
    g_free(upper);
    /* no checksum: no verdict */
    body = g_strdup_printf("client=%s&e=%s&upload_time=%s&v=2", LEGACY_CLIENT, e, LEGACY_UPLOAD_TIME);
    msg = decode_legacy(body, &cfg);
    g_assert_false(msg->has_sign);
    g_assert_cmpuint(msg->event_count, ==, 1);
    xmt_message_free(msg);
    g_free(body);
    g_free(e);
}

static void test_legacy_negatives(void)
{
    static const char *const bodies[] = {
        "client=k&e=%5B%5D&v=2",                         /* no upload_time */
        "client=k&e=hello&upload_time=1&v=2",            /* e is no JSON array */
        "e=%5B%5D&upload_time=1&v=2",                    /* no client */
        "client=k&e=%5B%5D&upload_time=1",               /* neither checksum nor v */
        "data=eyJldmVudCI6IngifQ%3D%3D",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        xmt_request req;
        body_request(&req, bodies[i], "application/x-www-form-urlencoded");
        const char *as = recognised_as(&req);
        g_assert_true(as == NULL || strcmp(as, "amplitude") != 0);
    }
}

/* ---- bad input: a clear answer -------------------------------------------------- */

static void test_malformed(void)
{
    xmt_config cfg;
    config_defaults(&cfg);
    /* cut inside the second event: the first is whole */
    char *cut = g_strndup(BROWSER_BODY, strlen("{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":") + 700);
    xmt_message *msg = decode(cut, "application/json", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->errors->len, ==, 1);
    g_assert_cmpstr(g_array_index(msg->errors, xmt_error, 0).layer, ==, "JSON");
    xmt_message_free(msg);
    g_free(cut);
    /* an element that is not an event */
    msg = decode("{\"api_key\":\"k\",\"events\":[1," NODE_EVENT "]}", "application/json", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->errors->len, ==, 1);
    xmt_message_free(msg);
    /* e that is not JSON after all, and a bad escape in it */
    msg = decode_legacy("client=k&e=%5B%7Bx%zz&upload_time=1&v=2", &cfg);
    g_assert_cmpuint(msg->event_count, ==, 0);
    g_assert_cmpuint(msg->errors->len, ==, 2);  /* percent-encoding, then JSON */
    g_assert_cmpstr(g_array_index(msg->errors, xmt_error, 0).layer, ==, "percent-encoding");
    g_assert_cmpstr(g_array_index(msg->errors, xmt_error, 1).layer, ==, "JSON");
    xmt_message_free(msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/core/peel-form-value", test_peel_form_value);
    g_test_add_func("/amplitude/browser-body", test_browser_body);
    g_test_add_func("/amplitude/node-event", test_node_event);
    g_test_add_func("/amplitude/key-orders", test_key_orders);
    g_test_add_func("/amplitude/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/amplitude/legacy-form", test_legacy_form);
    g_test_add_func("/amplitude/legacy-beacon", test_legacy_beacon);
    g_test_add_func("/amplitude/legacy-checksum-bad-or-absent", test_legacy_checksum_bad_or_absent);
    g_test_add_func("/amplitude/legacy-negatives", test_legacy_negatives);
    g_test_add_func("/amplitude/malformed", test_malformed);
    return g_test_run();
}
