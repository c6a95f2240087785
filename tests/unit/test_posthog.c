/* test_posthog.c: PostHog (formats/xmt_posthog.c) through xmt_decode(), each
 * shape of docs/formats/posthog.md §2 built here from the specification, and
 * the ISO 8601 times of core/xmt_time.h. */
#include <glib.h>
#include <string.h>

#include "core/xmt_message.h"
#include "core/xmt_pii.h"
#include "core/xmt_request.h"
#include "core/xmt_time.h"
#include "formats/xmt_dispatch.h"
#include "test_common.h"

/* A posthog-js 1.449 event (keys in the SDK's order, cut down). */
#define BROWSER_EVENT(name, extra)                                                                      \
    "{\"uuid\":\"01a24e91-6fa5-79d4-ba33-b87ee21eee20\",\"event\":\"" name "\",\"properties\":{"       \
    "\"$os\":\"Linux\",\"$browser\":\"Chrome\",\"$device_type\":\"Desktop\","                           \
    "\"$current_url\":\"http://shop.example.com/p.html?utm_source=google\",\"$host\":\"shop.example.com\","   \
    "\"$pathname\":\"/p.html\",\"$lib\":\"web\",\"$lib_version\":\"1.449.2\",\"$time\":1796614483.902,"       \
    "\"distinct_id\":\"01a24e91-6f94-7971-bc7b-c125e2b07bca\",\"$device_id\":\"01a24e91-6f94-7971-bc7b-c125e2b07bca\"," \
    "\"$search_engine\":\"google\",\"ph_keyword\":\"wireless earbuds\","                                 \
    "\"$referrer\":\"https://www.google.com/search?q=wireless+earbuds&hl=en\",\"$referring_domain\":\"www.google.com\"," \
    "\"token\":\"phc_xmtrack0posthog0project0key00001\",\"$session_id\":\"01a24e91-6fc7-76df-aee0-6ca67fc9f8a9\"" \
    extra "},\"timestamp\":\"2026-12-07T03:34:43.877Z\"}"

static const char envelope[] =
    "{\"api_key\":\"phc_xmtrack0posthog0project0key00001\",\"batch\":["
    BROWSER_EVENT("$pageview", "") ","
    "{\"uuid\":\"01a24e91-71d3-75dc-9554-829078bcba0c\",\"event\":\"$identify\",\"properties\":{"
    "\"$lib\":\"web\",\"distinct_id\":\"user-4711\",\"$device_id\":\"01a24e91-6f94-7971-bc7b-c125e2b07bca\","
    "\"$anon_distinct_id\":\"01a24e91-6f94-7971-bc7b-c125e2b07bca\",\"$referrer\":\"$direct\"},"
    "\"$set\":{\"email\":\"jane.doe@example.com\",\"phone\":\"+1-202-555-0143\"},\"$set_once\":{},"
    "\"timestamp\":\"2026-12-07T03:34:44.435Z\"}"
    "],\"sent_at\":\"2026-12-07T03:34:45.000Z\"}";

/* posthog-node 5.74: the envelope, distinct_id at the top level, the device the caller gave. */
static const char node_batch[] =
    "{\"api_key\":\"phc_xmtrack0posthog0project0key00002\",\"batch\":[{\"event\":\"purchase\",\"properties\":{"
    "\"$os\":\"Android\",\"$os_version\":\"14\",\"$device_model\":\"Pixel 8\",\"$device_manufacturer\":\"Google\","
    "\"$app_namespace\":\"com.example.shop\",\"$device_id\":\"38400000-8cf0-11bd-b23e-10b96e40000d\","
    "\"url\":\"https://shop.example.com/product/42?color=black\",\"$ip\":\"203.0.113.42\","
    "\"$lib\":\"posthog-node\",\"$lib_version\":\"5.74.0\"},\"timestamp\":\"2026-12-07T03:35:16.082Z\","
    "\"uuid\":\"01a24e91-ed72-78d7-ba56-a21b89d80479\",\"distinct_id\":\"user-4711\"}],"
    "\"sent_at\":\"2026-12-07T03:35:16.090Z\"}";

/* posthog-js 1.60's batch without timestamps ("offset" instead): $time decides. */
static const char legacy_batch[] =
    "[{\"event\":\"search\",\"properties\":{\"$os\":\"Linux\",\"$browser\":\"Chrome\",\"$device_type\":\"Desktop\","
    "\"$lib\":\"web\",\"$time\":1796614510.645,"
    "\"distinct_id\":\"user-4711\",\"search_term\":\"bluetooth speaker\"},\"offset\":300}]";

/* lz-string 1.5.0's LZString.compressToBase64() of this text (node, lz-string's npm package). */
static const char lz_text[] =
    "[{\"event\":\"search\",\"properties\":{\"distinct_id\":\"user-4711\",\"$device_id\":"
    "\"0189a3c1-2b7e-7d41-9c55-3f2a8e6b1d07\",\"$current_url\":\"https://shop.example.com/find?q=earbuds\","
    "\"$lib\":\"web\",\"$time\":1796614510.645,\"token\":\"phc_test\",\"search_term\":\"bluetooth speaker\"}},"
    "{\"event\":\"$identify\",\"properties\":{\"distinct_id\":\"user-4711\",\"$device_id\":"
    "\"0189a3c1-2b7e-7d41-9c55-3f2a8e6b1d07\",\"$lib\":\"web\",\"$time\":1796614510.965},"
    "\"$set\":{\"email\":\"jane.doe@example.com\"}}]";
static const char lz_base64[] =
    "NobwRApgbhB2AuYBcYDOECGAnAxgCzABowAHLAexIi3gEsJVlwATW1O2HeAfVueTABXdFgC0AFgDsARmlEwAEmbRaOCL34oADNIAcATgwBmH"
    "NNEAmAEaSIoyc3Fn9OAKwvRRgGbmMuiADZLaWYtSXkFHEEsLDgeKIAbATx4eBJUJAB6DNQ8SgA6CAAPDABbEniIPJxyEozPWlhmAH4ARwBe"
    "TCxLQWZGYgV42ksBAHcIYf66EohkaUl9f39pcRdpLTz/FeJ4cgBrOAESPBxueAZEYnRsfFPqEoFLeMEIHfJ4PAACVCoMfawwAC+AMI4Ggs"
    "QECj4sVongAnvIyJRqHQGEwwKx2A0uBoBMJqBIZHJ+sooKp1HwBDoDMZTBZrLZ7I5RM43B5vL4AkEQmF+oNhigxhNFFMZkg5gslis1nkFi"
    "5gYp0IgkKCShhaIkUAArDCwSrMcgQAACRVK5Uq1XuQIAukA==";
/* ... and of {"token":"phc_test","distinct_id":"user-4711"}: a /decide/ body, no events. */
static const char lz_decide[] = "N4IgLg9g1gpgdiAXCADgCwMYH0wwM5ggA0IAJgJYHlwZhbmlIgCueMATgLQAsA7AIz8QAXyA";

/* ---- helpers -------------------------------------------------------------- */

static void config_defaults(xmt_config *cfg)
{
    xmt_config_init(cfg);
    cfg->want_pii = TRUE;
}

static void body_request(xmt_request *req, const void *body, gsize len, const char *uri, const char *ctype)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = body;
    req->len = len;
    req->method = "POST";
    req->uri = uri;
    req->host = "ph.example.com";
    req->content_type = ctype;
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
    g_assert_cmpstr(recognised_as(req), ==, "posthog");
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = xmt_decode(req, &cfg);
    g_assert_nonnull(msg);
    dump_errors(msg);
    g_assert_cmpstr(msg->sdk, ==, "posthog");
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

static gboolean has_message_fact(const xmt_message *msg, xmt_fact_id id, const char *str)
{
    for (guint i = 0; i < msg->facts->len; i++) {
        const xmt_fact *f = &g_array_index(msg->facts, xmt_fact, i);
        if (f->id == id && f->str && strcmp(f->str, str) == 0)
            return TRUE;
    }
    return FALSE;
}

static guint count_facts(const xmt_event *ev, xmt_fact_id id)
{
    guint n = 0;
    for (guint i = 0; i < ev->facts->len; i++)
        n += g_array_index(ev->facts, xmt_fact, i).id == id;
    return n;
}

static void assert_layers(const xmt_message *msg, const xmt_layer_kind *kinds, guint n)
{
    g_assert_cmpuint(msg->layers->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpint(xmt_message_layer(msg, (int)i)->kind, ==, kinds[i]);
}

static gboolean has_error(const xmt_message *msg, const char *layer)
{
    for (guint i = 0; i < msg->errors->len; i++)
        if (strcmp(g_array_index(msg->errors, xmt_error, i).layer, layer) == 0)
            return TRUE;
    return FALSE;
}

/* "data=" + percent(base64(text)) + tail, as posthog-js's encodePostData() builds the form. */
static char *base64_form(const char *text, const char *tail)
{
    char *b64 = g_base64_encode((const guchar *)text, strlen(text));
    char *pct = test_pct(b64);
    char *form = g_strconcat("data=", pct, tail, NULL);
    g_free(pct);
    g_free(b64);
    return form;
}

/* ---- the shapes --------------------------------------------------------------- */

/* E/F: gzip, no Content-Encoding, text/plain, no query; the envelope. */
static void test_gzip_envelope(void)
{
    gsize n = 0;
    guint8 *gz = test_gzip(envelope, strlen(envelope), &n);
    xmt_request req;
    body_request(&req, gz, n, "/e/", "text/plain");
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    static const xmt_layer_kind kinds[] = { XMT_LAYER_GZIP };
    assert_layers(msg, kinds, 1);
    g_assert_true(msg->has_json);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "api_key=phc_xmtrack0posthog0project0key00001"));
    const xmt_fact *sent = xmt_message_fact(msg, XMT_FACT_FLUSH_TIME);
    g_assert_nonnull(sent);
    g_assert_cmpint(sent->num, ==, G_GINT64_CONSTANT(1796614485000));

    const xmt_event *pv = event_at(msg, 0);
    g_assert_cmpstr(pv->name, ==, "$pageview");
    g_assert_cmpint(fact_num(pv, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614483877));  /* timestamp, not $time */
    g_assert_cmpuint(count_facts(pv, XMT_FACT_TIME), ==, 1);
    g_assert_cmpstr(fact_str(pv, XMT_FACT_DISTINCT_ID), ==, "01a24e91-6f94-7971-bc7b-c125e2b07bca");
    g_assert_cmpstr(fact_str(pv, XMT_FACT_ANONYMOUS_ID), ==, "01a24e91-6f94-7971-bc7b-c125e2b07bca");
    g_assert_cmpstr(fact_str(pv, XMT_FACT_SESSION_ID), ==, "01a24e91-6fc7-76df-aee0-6ca67fc9f8a9");
    g_assert_true(xmt_event_has_string(pv, XMT_FACT_URL, "http://shop.example.com/p.html?utm_source=google"));
    g_assert_true(xmt_event_has_string(pv, XMT_FACT_URL, "https://www.google.com/search?q=wireless+earbuds&hl=en"));
    g_assert_cmpuint(count_facts(pv, XMT_FACT_URL), ==, 2);
    /* ph_keyword and the referrer's q= are the same search: one fact. */
    g_assert_true(xmt_event_has_string(pv, XMT_FACT_SEARCH_TERM, "wireless earbuds"));
    g_assert_cmpuint(count_facts(pv, XMT_FACT_SEARCH_TERM), ==, 1);
    g_assert_null(fact_str(pv, XMT_FACT_MODEL));  /* $device_type is a class, not a model */
    g_assert_true(has_member(pv, "properties.$lib", "web"));
    g_assert_true(has_member(pv, "uuid", "01a24e91-6fa5-79d4-ba33-b87ee21eee20"));
    g_assert_true(has_pii(pv, XMT_PII_URL));
    g_assert_true(has_pii(pv, XMT_PII_SEARCH));
    g_assert_false(has_pii(pv, XMT_PII_ACCOUNT_ID));  /* distinct_id is still the device's id */

    const xmt_event *id = event_at(msg, 1);
    g_assert_cmpstr(id->name, ==, "$identify");
    g_assert_cmpstr(fact_str(id, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_true(has_member(id, "$set.email", "jane.doe@example.com"));
    g_assert_true(has_member(id, "$set.phone", "+1-202-555-0143"));
    g_assert_true(has_member(id, "properties.$referrer", "$direct"));
    g_assert_cmpuint(count_facts(id, XMT_FACT_URL), ==, 0);  /* "$direct": no referrer */
    g_assert_true(has_pii(id, XMT_PII_EMAIL));
    g_assert_true(has_pii(id, XMT_PII_PHONE));
    g_assert_true(has_pii(id, XMT_PII_ACCOUNT_ID));
    g_assert_false(has_pii(id, XMT_PII_URL));
    xmt_message_free(msg);
    g_free(gz);
}

/* A/D: gzip with compression=gzip-js&ver= in the query, an array of events. */
static void test_gzip_js_query(void)
{
    const char *events = "[" BROWSER_EVENT("$pageleave", "") "]";
    gsize n = 0;
    guint8 *gz = test_gzip(events, strlen(events), &n);
    xmt_request req;
    body_request(&req, gz, n, "/e/?compression=gzip-js&ip=1&_=1796614483999&ver=1.62.0", "text/plain");
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "$pageleave");
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "compression=gzip-js"));
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "ip=1"));
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "ver=1.62.0"));
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_FLUSH_TIME)->num, ==, G_GINT64_CONSTANT(1796614483999));
    /* ip=1 is a flag, not an address. */
    g_assert_false(has_pii(event_at(msg, 0), XMT_PII_IP));
    xmt_message_free(msg);
    g_free(gz);
}

/* C/H: form data=<%(base64(JSON))>, compression=base64 in the query. */
static void test_base64_form(void)
{
    char *form = base64_form(envelope, "");
    xmt_request req;
    body_request(&req, form, strlen(form), "/e/?compression=base64", "application/x-www-form-urlencoded");
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    static const xmt_layer_kind kinds[] = { XMT_LAYER_PERCENT, XMT_LAYER_BASE64 };
    assert_layers(msg, kinds, 2);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_true(has_message_fact(msg, XMT_FACT_PAYLOAD_PARAM, "data"));
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "compression=base64"));
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "$identify");
    xmt_message_free(msg);
    g_free(form);
}

/* B: form data=<LZString.compressToBase64(JSON)>&compression=lz64 (posthog-js ≤ 1.62),
 * the symbols percent-encoded as encodeURIComponent does. */
static void test_lz64_form(void)
{
    char *pct = test_pct(lz_base64);
    char *form = g_strconcat("data=", pct, "&compression=lz64", NULL);
    xmt_request req;
    body_request(&req, form, strlen(form), "/e/?ip=1&_=1796614513509&ver=1.60.0", "application/x-www-form-urlencoded");
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    static const xmt_layer_kind kinds[] = { XMT_LAYER_PERCENT, XMT_LAYER_LZSTRING };
    assert_layers(msg, kinds, 2);
    const xmt_layer *lz = xmt_message_layer(msg, 1);
    g_assert_cmpmem(lz->data, lz->len, lz_text, strlen(lz_text));  /* the user sees the text as a tab */
    g_assert_cmpstr(xmt_layer_kind_name(XMT_LAYER_LZSTRING), ==, "LZ-string");
    g_assert_true(has_message_fact(msg, XMT_FACT_PARAM, "compression=lz64"));
    g_assert_cmpuint(msg->event_count, ==, 2);
    const xmt_event *search = event_at(msg, 0);
    g_assert_cmpstr(search->name, ==, "search");
    g_assert_cmpint(fact_num(search, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614510645));  /* $time, seconds */
    g_assert_true(xmt_event_has_string(search, XMT_FACT_SEARCH_TERM, "bluetooth speaker"));
    g_assert_true(xmt_event_has_string(search, XMT_FACT_URL, "https://shop.example.com/find?q=earbuds"));
    g_assert_true(has_pii(search, XMT_PII_ACCOUNT_ID));  /* distinct_id is no longer the device id */
    g_assert_true(has_member(event_at(msg, 1), "$set.email", "jane.doe@example.com"));
    xmt_message_free(msg);
    g_free(form);
    g_free(pct);
}

/* I: posthog-node's JSON (its gzip Content-Encoding is undone by HTTP). */
static void test_node_json(void)
{
    xmt_request req;
    body_request(&req, node_batch, strlen(node_batch), "/batch/", "application/json");
    xmt_message *msg = decode_ok(&req);
    g_assert_cmpuint(msg->layers->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "user-4711");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_ANONYMOUS_ID), ==, "38400000-8cf0-11bd-b23e-10b96e40000d");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Pixel 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "14");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_APP), ==, "com.example.shop");
    g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, "https://shop.example.com/product/42?color=black"));
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614516082));
    g_assert_true(has_pii(ev, XMT_PII_IP));
    g_assert_true(has_pii(ev, XMT_PII_ACCOUNT_ID));
    xmt_message_free(msg);
}

/* G: plain JSON events (disable_compression), and legacy batches timed by $time. */
static void test_plain_json_and_seconds(void)
{
    xmt_request req;
    body_request(&req, legacy_batch, strlen(legacy_batch), "/e/", "application/json");
    xmt_message *msg = decode_ok(&req);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1796614510645));
    g_assert_cmpuint(count_facts(ev, XMT_FACT_TIME), ==, 1);
    g_assert_true(has_member(ev, "offset", "300"));
    xmt_message_free(msg);

    /* The host and path only corroborate: the same body anywhere is PostHog's. */
    body_request(&req, legacy_batch, strlen(legacy_batch), "/ingest/x", NULL);
    req.host = "analytics.shop.example";
    g_assert_cmpstr(recognised_as(&req), ==, "posthog");
}

/* A filter alone asks for one fact: the events are still named and counted. */
static void test_filter_only(void)
{
    xmt_request req;
    body_request(&req, envelope, strlen(envelope), "/e/", "text/plain");
    xmt_config cfg;
    xmt_config_init(&cfg);
    cfg.want_members = FALSE;
    cfg.want_facts = XMT_FACT_BIT(XMT_FACT_EVENT);
    xmt_message *msg = xmt_decode(&req, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "$identify");
    g_assert_null(event_at(msg, 0)->members);
    xmt_message_free(msg);
}

/* ---- what must not be recognised ------------------------------------------------ */

static void assert_not_posthog(const void *body, gsize len, const char *uri, const char *ctype)
{
    xmt_request req;
    body_request(&req, body, len, uri, ctype);
    const char *who = recognised_as(&req);
    if (who)
        g_assert_cmpstr(who, !=, "posthog");
}

static void test_recognition_negatives(void)
{
    /* Amplitude: {"api_key":"<32 hex>","events":[...]}. */
    static const char amplitude[] =
        "{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":[{\"event_type\":\"x\",\"device_id\":\"d\"}]}";
    assert_not_posthog(amplitude, strlen(amplitude), "/2/httpapi", "application/json");
    /* Segment's batch, Mixpanel's event (mp_lib, a 32-hex token). */
    static const char segment[] = "{\"batch\":[{\"type\":\"track\",\"event\":\"x\",\"messageId\":\"m\"}],\"writeKey\":\"k\"}";
    assert_not_posthog(segment, strlen(segment), "/v1/batch", "application/json");
    static const char mixpanel[] =
        "{\"event\":\"x\",\"properties\":{\"token\":\"0123456789abcdef0123456789abcdef\",\"mp_lib\":\"web\","
        "\"$lib_version\":\"2.84.0\"}}";
    assert_not_posthog(mixpanel, strlen(mixpanel), "/track/", "application/json");
    char *mixpanel_form = base64_form(mixpanel, "");
    assert_not_posthog(mixpanel_form, strlen(mixpanel_form), "/track/?ip=1&_=1", "application/x-www-form-urlencoded");
    g_free(mixpanel_form);

    /* PostHog's own configuration requests hold no events, whatever their compression says. */
    static const char flags[] = "{\"token\":\"phc_xmtrack0posthog0project0key00001\",\"distinct_id\":\"user-4711\"}";
    gsize n = 0;
    guint8 *gz = test_gzip(flags, strlen(flags), &n);
    assert_not_posthog(gz, n, "/flags/?v=2", "text/plain");
    assert_not_posthog(gz, n, "/flags/?v=2&compression=gzip-js", "text/plain");
    g_free(gz);
    char *flags_form = base64_form(flags, "");
    assert_not_posthog(flags_form, strlen(flags_form), "/flags/?v=2&compression=base64", "application/x-www-form-urlencoded");
    g_free(flags_form);
    char *decide = g_strconcat("data=", lz_decide, "&compression=lz64", NULL);
    assert_not_posthog(decide, strlen(decide), "/decide/?v=3", "application/x-www-form-urlencoded");
    g_free(decide);
    /* LZ-string not named by compression=: the collector would not read it either. */
    char *unnamed = g_strconcat("data=", lz_base64, NULL);
    assert_not_posthog(unnamed, strlen(unnamed), "/e/", "application/x-www-form-urlencoded");
    g_free(unnamed);

    /* Ordinary gzip uploads: JSON of another shape, text, and bytes that inflate to nothing. */
    static const char items[] = "{\"items\":[1,2,3],\"event\":\"order\"}";
    gz = test_gzip(items, strlen(items), &n);
    assert_not_posthog(gz, n, "/api/cart", "text/plain");
    g_free(gz);
    /* Gzip files labelled as such are not inflated at all, PostHog's JSON or not: posthog-js
     * labels its Blob text/plain. */
    gz = test_gzip(envelope, strlen(envelope), &n);
    assert_not_posthog(gz, n, "/e/", "application/octet-stream");
    g_free(gz);
    /* posthog-js up to 1.62 ({"event": first, "$lib" further on): only with compression=gzip-js,
     * which makes recognition read further. */
    gz = test_gzip(legacy_batch, strlen(legacy_batch), &n);
    assert_not_posthog(gz, n, "/e/", "text/plain");
    xmt_request legacy;
    body_request(&legacy, gz, n, "/e/?compression=gzip-js&ver=1.60.0", "text/plain");
    g_assert_cmpstr(recognised_as(&legacy), ==, "posthog");
    g_free(gz);
    static const char text[] = "2026-12-07 03:34:43 INFO upload finished";
    gz = test_gzip(text, strlen(text), &n);
    assert_not_posthog(gz, n, "/logs", "text/plain");
    g_free(gz);
    static const guint8 magic_only[] = { 0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff };
    assert_not_posthog(magic_only, sizeof magic_only, "/e/", "text/plain");
}

/* ---- what cannot be decoded ------------------------------------------------------ */

static void test_malformed(void)
{
    /* gzip cut in half: the error names the layer, what was inflated is kept. */
    gsize n = 0;
    guint8 *gz = test_gzip(envelope, strlen(envelope), &n);
    xmt_request req;
    body_request(&req, gz, n / 2, "/e/", "text/plain");
    xmt_message *msg = decode_ok(&req);
    g_assert_true(has_error(msg, "gzip"));
    g_assert_true(has_error(msg, "JSON"));
    xmt_message_free(msg);
    g_free(gz);

    /* An LZ-string value cut short, and one with a character outside the alphabet. */
    char *cut = g_strndup(lz_base64, 320);  /* past "$lib", which recognition reads */
    char *form = g_strconcat("data=", cut, "&compression=lz64", NULL);
    body_request(&req, form, strlen(form), "/e/", "application/x-www-form-urlencoded");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "LZ-string"));
    g_assert_cmpint(xmt_message_layer(msg, 0)->kind, ==, XMT_LAYER_LZSTRING);  /* the part decoded */
    xmt_message_free(msg);
    g_free(form);
    g_free(cut);
    char *bad = g_strdup(lz_base64);
    bad[300] = '*';
    form = g_strconcat("data=", bad, "&compression=lz64", NULL);
    body_request(&req, form, strlen(form), "/e/", "application/x-www-form-urlencoded");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "LZ-string"));
    xmt_message_free(msg);
    g_free(form);
    g_free(bad);

    /* Base64 broken after its first bytes (recognition reads only those). */
    form = base64_form(envelope, "");
    form[strlen(form) - 40] = '*';
    body_request(&req, form, strlen(form), "/e/?compression=base64", "application/x-www-form-urlencoded");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "base64"));
    g_assert_cmpuint(msg->event_count, ==, 0);
    xmt_message_free(msg);
    g_free(form);

    /* An envelope whose batch is not an array of events. */
    static const char odd[] = "{\"api_key\":\"phc_k\",\"batch\":[1,{\"event\":\"ok\"}],\"sent_at\":\"yesterday\"}";
    body_request(&req, odd, strlen(odd), "/batch/", "application/json");
    msg = decode_ok(&req);
    g_assert_true(has_error(msg, "JSON"));
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_null(xmt_message_fact(msg, XMT_FACT_FLUSH_TIME));  /* "yesterday" is no time */
    xmt_message_free(msg);
}

/* ---- core/xmt_time.h ---------------------------------------------------------------- */

static void test_iso8601(void)
{
    static const struct {
        const char *text;
        gint64 ms;
    } good[] = {
        { "2026-12-07T03:34:43.877Z", G_GINT64_CONSTANT(1796614483877) },
        { "2026-12-07T03:34:43Z", G_GINT64_CONSTANT(1796614483000) },
        { "2026-12-07T11:34:43.877+08:00", G_GINT64_CONSTANT(1796614483877) },
        { "2026-12-06T22:34:43.877-05:00", G_GINT64_CONSTANT(1796614483877) },
        { "2026-12-07T03:34:43.877999+00:00", G_GINT64_CONSTANT(1796614483877) },  /* cut, not rounded */
        { "2026-12-07 03:34:43.877Z", G_GINT64_CONSTANT(1796614483877) },
        { "2026-12-07T03:34:43.877", G_GINT64_CONSTANT(1796614483877) },           /* no zone: UTC */
        { "1970-01-01T00:00:00Z", 0 },
        { "1969-12-31T23:59:59.500Z", -500 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(good); i++) {
        gint64 ms = -1;
        g_assert_true(xmt_time_from_iso8601(good[i].text, &ms));
        g_assert_cmpint(ms, ==, good[i].ms);
    }
    static const char *const bad[] = {
        "", "2026-12-07", "yesterday", "2026-13-07T03:34:43Z", "2026-12-07T25:00:00Z", "1796614483877",
        "2026-12-07T03:34:43.877Zjunk", NULL,
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        gint64 ms = 42;
        g_assert_false(xmt_time_from_iso8601(bad[i], &ms));
        g_assert_cmpint(ms, ==, 42);
    }
    char *longer = g_strnfill(1000, '9');
    gint64 ms;
    g_assert_false(xmt_time_from_iso8601(longer, &ms));
    g_free(longer);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/posthog/gzip-envelope", test_gzip_envelope);
    g_test_add_func("/posthog/gzip-js-query", test_gzip_js_query);
    g_test_add_func("/posthog/base64-form", test_base64_form);
    g_test_add_func("/posthog/lz64-form", test_lz64_form);
    g_test_add_func("/posthog/node-json", test_node_json);
    g_test_add_func("/posthog/plain-json-and-seconds", test_plain_json_and_seconds);
    g_test_add_func("/posthog/filter-only", test_filter_only);
    g_test_add_func("/posthog/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/posthog/malformed", test_malformed);
    g_test_add_func("/time/iso8601", test_iso8601);
    return g_test_run();
}
