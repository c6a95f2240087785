/* test_sensors.c: the whole chain through xmt_decode() for Sensors Analytics
 * (formats/xmt_sensors.c over core/ and layers/). */
#include <glib.h>
#include <string.h>

#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "core/xmt_message.h"
#include "test_common.h"

/* docs/formats/sensors.md, "Test vectors", vector 2: base64(gzip(its example JSON)), crc 156315496. */
static const char vector2_b64[] =
    "H4sIAAAAAAAC/5WTbWvbMBDHv0pR9jJxLD80iWGMMlbIi25jha4whpCls33Uljw9xAul372Su9DmzaAvjPFPd3/d/e/865EwZ7h4YChJtaJZWuSbfJeVS+JwAFLRcrvNdoGnNMsDPI4BkjmFLIlE61AJN2eTvKFixzNYXdZUrgqxgdVO5uUq5Vso6qzZCEpDUo81qR7Jh/lNrpQ0OqQvZ8AOYCxqFdWSLKFp5Hwcz3iRpKfwAVyn491CSzhBCY5jH+CAHpO21zXva6MnCyYRehi0YrW3qMDapE1wseCLxa32RsA19rBYUPK0JHAA5YLGyFtgveaSzYRZx40LN41Gj2Acgn1fMwNXvuHCeQMmHNwj1wPOB6GDWPQPkANefNUOLraRa3surO0b3f8aZIUBUGxC6bowyXSbvsIOsO1Cf1leRDphg6RyxkP4UOAmbR7Yv2H/3F/vo5zgxuBc9J2WvNFqNhwta9BYxyQ/kqrhvY0SEg4o4GUtSk7rTOSygLK55Js6ZHn/noVB5cCEoqL3zgc7aLC/567RZnj15mocQ2wc+Rsv7ihN0qQMz/fP32729zenEAPtS8SX24Ds0ToYWM9V68O8AwbL5hNv4kw650ZbrdfTNCXwlw9jD3GT1ha4Ed2nPx8dWBe3hjW9tx07/3domabp0+9npKkzQmwDAAA=";

/* docs/formats/sensors.md, "Test vectors", vector 3: base64 of one JS event object, crc -729583015. */
static const char vector3_b64[] =
    "eyJkaXN0aW5jdF9pZCI6IjE3MThhMmIzYzRkLTBlNWY2YTdiOGM5ZDBlLTEyMzQ1Njc4LTFmYTQwMC0xNzE4YTJiM2M0ZTVmIiwibGliIjp7"
    "IiRsaWIiOiJqcyIsIiRsaWJfbWV0aG9kIjoiY29kZSIsIiRsaWJfdmVyc2lvbiI6IjEuMTUuMTYifSwicHJvcGVydGllcyI6eyIkdGltZXpv"
    "bmVfb2Zmc2V0IjotMTIwLCIkc2NyZWVuX2hlaWdodCI6ODAwLCIkc2NyZWVuX3dpZHRoIjoxMjgwLCIkbGliIjoianMiLCIkbGliX3ZlcnNp"
    "b24iOiIxLjE1LjE2IiwiJHVybCI6Imh0dHBzOi8vZXhhbXBsZS5jb20vIiwiJHRpdGxlIjoiRXhhbXBsZSJ9LCJ0eXBlIjoidHJhY2siLCJl"
    "dmVudCI6IiRwYWdldmlldyIsIl90cmFja19pZCI6NDEyMzQ1Njc4LCJfZmx1c2hfdGltZSI6MTU4ODI5MTIxNTAwMH0=";

/* ---- helpers ------------------------------------------------------------ */

/* xmt_config_init() with the fields it leaves unset zeroed first: it sets
 * neither want_pii nor watch (see /sensors/config-init-defaults), and a
 * stack config would otherwise hand a garbage watch list to the walk. */
static void config_defaults(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
}

/* An Android batch POST to the Mint Browser endpoint. */
static void body_request(xmt_request *req, const char *body)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = "/sa?project=global_browser_mini&r=IN";
    req->host = "sa.api.intl.miui.com";
    req->content_type = "application/x-www-form-urlencoded";
    req->user_agent = "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8 MIUI/V11.0.5.0.PCOMIXM)";
}

/* The same body to a host and path that give no hint. */
static void neutral_request(xmt_request *req, const char *body)
{
    body_request(req, body);
    req->uri = "/upload";
    req->host = "www.example.com";
}

static void dump_errors(const xmt_message *msg)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s (layer %d off %u len %u)", i, e->layer, e->reason,
                       e->span.layer, e->span.off, e->span.len);
    }
}

static xmt_message *decode(const xmt_request *req, const xmt_config *cfg)
{
    g_assert_cmpstr(recognised_as(req), ==, "sensors");
    xmt_message *msg = xmt_decode(req, cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "sensors");
    dump_errors(msg);
    return msg;
}

static xmt_message *decode_body(const char *body, const xmt_config *cfg)
{
    xmt_request req;
    body_request(&req, body);
    return decode(&req, cfg);
}

static xmt_message *decode_body_default(const char *body)
{
    xmt_config cfg;
    config_defaults(&cfg);
    return decode_body(body, &cfg);
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

/* Asserts an error of this layer whose reason holds `needle` (or anything when NULL). */
static const xmt_error *expect_error(const xmt_message *msg, const char *layer, const char *needle)
{
    const xmt_error *e = find_error(msg, layer);
    if (!e)
        g_test_message("no error of layer \"%s\"", layer);
    g_assert_nonnull(e);
    g_assert_nonnull(e->reason);
    if (needle && !strstr(e->reason, needle))
        g_test_message("\"%s\" not in \"%s\"", needle, e->reason);
    if (needle)
        g_assert_nonnull(strstr(e->reason, needle));
    return e;
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

static gint64 fact_num(const xmt_event *ev, xmt_fact_id id)
{
    const xmt_fact *f = xmt_event_fact(ev, id);
    g_assert_nonnull(f);
    g_assert_null(f->str);
    return f->num;
}

static guint count_facts(const GArray *facts, xmt_fact_id id)
{
    guint n = 0;
    for (guint i = 0; i < facts->len; i++)
        if (g_array_index(facts, xmt_fact, i).id == id)
            n++;
    return n;
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

/* The bytes a span points at, as a new string. */
static char *span_text(const xmt_message *msg, const xmt_request *req, xmt_span span)
{
    const guint8 *base;
    if (span.layer < 0) {
        base = req->data;
        g_assert_cmpuint((gsize)span.off + span.len, <=, req->len);
    } else {
        const xmt_layer *layer = xmt_message_layer(msg, span.layer);
        g_assert_nonnull(layer);
        g_assert_cmpuint((gsize)span.off + span.len, <=, layer->len);
        base = layer->data;
    }
    return g_strndup((const char *)base + span.off, span.len);
}

static void expect_layers(const xmt_message *msg, const xmt_layer_kind *kinds, guint n)
{
    g_assert_cmpuint(msg->layers->len, ==, n);
    for (guint i = 0; i < n; i++)
        g_assert_cmpint(xmt_message_layer(msg, (int)i)->kind, ==, kinds[i]);
}

/* crc=<hash>&gzip=1&data_list=<%(base64(gzip(json)))>, as Android sends it. */
static char *android_body(const char *json)
{
    char *b64 = test_b64_gzip(json);
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("crc=%d&gzip=1&data_list=%s", test_java_hash_ref(b64), pct);
    g_free(pct);
    g_free(b64);
    return body;
}

/* A batch of n small track events named e1..en. */
static char *events_json(guint n)
{
    GString *s = g_string_new("[");
    for (guint i = 1; i <= n; i++)
        g_string_append_printf(s, "%s{\"type\":\"track\",\"event\":\"e%u\",\"time\":%u,\"distinct_id\":\"u1\","
                                  "\"properties\":{\"$model\":\"M\",\"$os_version\":\"10\"}}",
                               i > 1 ? "," : "", i, 1000 + i);
    g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

/* ---- decoding the vectors ------------------------------------------------ */

static void test_vector2_android(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_request req;
    body_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);

    g_assert_cmpstr(msg->sdk, ==, "sensors");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(msg->has_crc);
    g_assert_true(msg->crc_valid);
    g_assert_false(msg->encrypted);

    /* percent → base64 → gzip, each layer made from the one below. */
    static const xmt_layer_kind kinds[] = { XMT_LAYER_PERCENT, XMT_LAYER_BASE64, XMT_LAYER_GZIP };
    expect_layers(msg, kinds, 3);
    const xmt_layer *l0 = xmt_message_layer(msg, 0), *l1 = xmt_message_layer(msg, 1), *l2 = xmt_message_layer(msg, 2);
    g_assert_cmpmem(l0->data, l0->len, vector2_b64, strlen(vector2_b64));
    g_assert_cmpint(l0->from.layer, ==, XMT_LAYER_INPUT);
    g_assert_cmpuint(l0->from.off, ==, strlen("crc=156315496&gzip=1&data_list="));
    g_assert_cmpuint(l1->len, ==, 512);
    g_assert_cmpmem(l1->data, 3, "\x1f\x8b\x08", 3);
    g_assert_cmpint(l1->from.layer, ==, 0);
    g_assert_cmpint(l2->from.layer, ==, 1);
    g_assert_cmpint(l2->data[0], ==, '[');
    g_assert_nonnull(strstr(l0->label, "data_list"));
    g_assert_true(msg->has_json);
    g_assert_cmpint(msg->json.layer, ==, 2);
    g_assert_cmpuint(msg->json.len, ==, l2->len);

    /* Message facts: from the URI, the form and the crc. */
    const xmt_fact *f = xmt_message_fact(msg, XMT_FACT_PROJECT);
    g_assert_nonnull(f);
    g_assert_cmpstr(f->str, ==, "global_browser_mini");
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_REGION)->str, ==, "IN");
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_GZIP_CODE)->num, ==, 1);
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PAYLOAD_PARAM)->str, ==, "data_list");
    f = xmt_message_fact(msg, XMT_FACT_CRC);
    g_assert_nonnull(f);
    g_assert_cmpint(f->num, ==, 156315496);
    char *s = span_text(msg, &req, f->span);
    g_assert_cmpstr(s, ==, "156315496");
    g_free(s);
    g_assert_null(xmt_message_fact(msg, XMT_FACT_INSTANT));
    g_assert_null(xmt_message_fact(msg, XMT_FACT_DRY_RUN));

    /* The event. */
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->events->len, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_false(ev->opaque);
    g_assert_cmpstr(ev->name, ==, "page_load_event_start");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT), ==, "page_load_event_start");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EVENT_TYPE), ==, "track");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Redmi Note 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "10");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_URL), ==, "https://www.example.com/search?q=test");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "3f1c9a2e-6b1d-4c7e-9d35-0a8e4b2f7c11");
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1588291200123));
    g_assert_cmpint(fact_num(ev, XMT_FACT_FLUSH_TIME), ==, G_GINT64_CONSTANT(1588291215000));
    g_assert_null(xmt_event_fact(ev, XMT_FACT_SEARCH_TERM));  /* example.com is no engine */

    /* Spans point into the inflated JSON. */
    f = xmt_event_fact(ev, XMT_FACT_MODEL);
    g_assert_cmpint(f->span.layer, ==, 2);
    s = span_text(msg, &req, f->span);
    g_assert_cmpstr(s, ==, "\"Redmi Note 8\"");
    g_free(s);
    g_assert_cmpint(ev->span.layer, ==, 2);
    g_assert_cmpuint(ev->span.off, ==, 1);
    g_assert_cmpuint(ev->span.len, ==, l2->len - 2);

    /* Members: every leaf, by dotted path. */
    g_assert_nonnull(ev->members);
    const xmt_member *m = find_member(ev, "properties.$model");
    g_assert_nonnull(m);
    g_assert_cmpstr(m->value, ==, "Redmi Note 8");
    m = find_member(ev, "lib.$lib");
    g_assert_nonnull(m);
    g_assert_cmpstr(m->value, ==, "Android");
    m = find_member(ev, "properties.$screen_width");
    g_assert_nonnull(m);
    g_assert_cmpstr(m->value, ==, "1080");
    m = find_member(ev, "properties.$wifi");
    g_assert_nonnull(m);
    g_assert_cmpstr(m->value, ==, "true");
    g_assert_null(find_member(ev, "properties"));  /* containers are not leaves */

    xmt_message_free(msg);
    g_free(body);
}

static void test_vector3_get(void)
{
    char *pct = test_pct(vector3_b64);
    char *query = g_strdup_printf("project=default&data=%s&ext=crc%%3D-729583015", pct);
    char *uri = g_strdup_printf("/sa.gif?%s", query);
    g_free(pct);
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_URI_QUERY;
    req.data = (const guint8 *)query;
    req.len = strlen(query);
    req.method = "GET";
    req.uri = uri;
    req.host = "sa.example.com";
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);

    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(msg->has_crc);
    g_assert_true(msg->crc_valid);
    const xmt_fact *crc = xmt_message_fact(msg, XMT_FACT_CRC);
    g_assert_nonnull(crc);
    g_assert_cmpint(crc->num, ==, -729583015);
    /* No gzip: percent (the trailing %3D) and base64 only. */
    static const xmt_layer_kind kinds[] = { XMT_LAYER_PERCENT, XMT_LAYER_BASE64 };
    expect_layers(msg, kinds, 2);
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PAYLOAD_PARAM)->str, ==, "data");
    g_assert_null(xmt_message_fact(msg, XMT_FACT_GZIP_CODE));

    /* project= comes from the query, which is the input: its span points there. */
    const xmt_fact *project = xmt_message_fact(msg, XMT_FACT_PROJECT);
    g_assert_nonnull(project);
    g_assert_cmpstr(project->str, ==, "default");
    g_assert_cmpint(project->span.layer, ==, XMT_LAYER_INPUT);
    char *s = span_text(msg, &req, project->span);
    g_assert_cmpstr(s, ==, "default");
    g_free(s);

    /* One event object, not an array. */
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "$pageview");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_URL), ==, "https://example.com/");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "1718a2b3c4d-0e5f6a7b8c9d0e-12345678-1fa400-1718a2b3c4e5f");
    g_assert_cmpint(fact_num(ev, XMT_FACT_FLUSH_TIME), ==, G_GINT64_CONSTANT(1588291215000));
    g_assert_cmpuint(ev->span.off, ==, 0);
    g_assert_cmpuint(ev->span.len, ==, xmt_message_layer(msg, 1)->len);

    xmt_message_free(msg);
    g_free(uri);
    g_free(query);
}

static void test_js_post_ext_crc(void)
{
    /* The same beacon as an ajax POST body, with ext=crc= unescaped. */
    char *pct = test_pct(vector3_b64);
    char *body = g_strdup_printf("data=%s&ext=crc=-729583015", pct);
    g_free(pct);
    xmt_request req;
    neutral_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_true(msg->has_crc);
    g_assert_true(msg->crc_valid);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_null(xmt_message_fact(msg, XMT_FACT_PROJECT));  /* no query in /upload */
    xmt_message_free(msg);
    g_free(body);
}

static void test_wrong_crc(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315497&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_message *msg = decode_body_default(body);
    g_assert_true(msg->has_crc);
    g_assert_false(msg->crc_valid);
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_CRC)->num, ==, 156315497);
    /* The events are decoded all the same. */
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page_load_event_start");
    xmt_message_free(msg);
    g_free(body);

    /* No crc at all. */
    pct = test_pct(vector2_b64);
    body = g_strdup_printf("gzip=1&data_list=%s", pct);
    g_free(pct);
    msg = decode_body_default(body);
    g_assert_false(msg->has_crc);
    g_assert_null(xmt_message_fact(msg, XMT_FACT_CRC));
    g_assert_cmpuint(msg->event_count, ==, 1);
    xmt_message_free(msg);
    g_free(body);
}

static void test_generated_batch(void)
{
    /* A fixture made here: the crc is computed over the base64 text. */
    char *json = events_json(4);
    char *body = android_body(json);
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(msg->crc_valid);
    g_assert_cmpuint(msg->event_count, ==, 4);
    for (guint i = 0; i < 4; i++) {
        char *name = g_strdup_printf("e%u", i + 1);
        g_assert_cmpstr(event_at(msg, i)->name, ==, name);
        g_assert_cmpint(fact_num(event_at(msg, i), XMT_FACT_TIME), ==, 1001 + i);
        g_free(name);
    }
    /* The inflated layer is the JSON itself. */
    const xmt_layer *json_layer = xmt_message_layer(msg, msg->json.layer);
    g_assert_cmpmem(json_layer->data, json_layer->len, json, strlen(json));
    xmt_message_free(msg);
    g_free(body);
    g_free(json);
}

/* ---- enciphered records ----------------------------------------------- */

static void test_encrypted_gzip9(void)
{
    static const char json[] =
        "[{\"ekey\":\"QUJD\",\"pkv\":3,\"payloads\":[\"eA==\",\"eQ==\"],\"flush_time\":1588291215000}]";
    char *pct = test_pct(json);
    char *body = g_strdup_printf("crc=%d&gzip=9&data_list=%s", test_java_hash_ref(json), pct);
    g_free(pct);
    xmt_request req;
    body_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);

    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(msg->encrypted);
    g_assert_false(msg->decrypted);
    g_assert_true(msg->has_crc);
    g_assert_true(msg->crc_valid);  /* over the JSON text */
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_GZIP_CODE)->num, ==, 9);
    /* Raw JSON: only the percent layer. */
    static const xmt_layer_kind kinds[] = { XMT_LAYER_PERCENT };
    expect_layers(msg, kinds, 1);

    g_assert_cmpuint(msg->event_count, ==, 0);
    g_assert_cmpuint(msg->events->len, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_true(ev->opaque);
    g_assert_nonnull(ev->name);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_EKEY), ==, "QUJD");
    g_assert_cmpint(fact_num(ev, XMT_FACT_PKV), ==, 3);
    g_assert_cmpint(fact_num(ev, XMT_FACT_FLUSH_TIME), ==, G_GINT64_CONSTANT(1588291215000));
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_CIPHERTEXT), ==, 2);
    guint seen = 0;
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id != XMT_FACT_CIPHERTEXT)
            continue;
        g_assert_cmpstr(f->str, ==, seen == 0 ? "eA==" : "eQ==");
        char *s = span_text(msg, &req, f->span);
        g_assert_cmpstr(s, ==, seen == 0 ? "\"eA==\"" : "\"eQ==\"");
        g_free(s);
        seen++;
    }
    g_assert_cmpuint(seen, ==, 2);
    g_assert_null(xmt_event_fact(ev, XMT_FACT_MODEL));
    xmt_message_free(msg);
    g_free(body);
}

static void test_encrypted_gzip13(void)
{
    /* Transport encryption: payloads is one string. */
    static const char json[] = "[{\"ekey\":\"S0VZ\",\"pkv\":4,\"payloads\":\"Q0lQSEVS\",\"flush_time\":1}]";
    char *pct = test_pct(json);
    char *body = g_strdup_printf("crc=%d&gzip=13&data_list=%s", test_java_hash_ref(json), pct);
    g_free(pct);
    xmt_message *msg = decode_body_default(body);
    g_assert_true(msg->encrypted);
    g_assert_true(msg->crc_valid);
    g_assert_cmpuint(msg->event_count, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_true(ev->opaque);
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_CIPHERTEXT), ==, 1);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_CIPHERTEXT), ==, "Q0lQSEVS");
    g_assert_cmpint(fact_num(ev, XMT_FACT_PKV), ==, 4);
    xmt_message_free(msg);
    g_free(body);
}

static void test_encrypted_js_aes(void)
{
    /* The JS AES plugin: a key_hash object in data=, crc over the JSON. */
    static const char json[] = "{\"key_id\":1,\"key_hash\":\"abc\",\"nc\":1,\"payload\":\"cGF5bG9hZA==\"}";
    char *pct = test_pct(json);
    char *body = g_strdup_printf("data=%s&ext=crc%%3D%d&gzip=9", pct, test_java_hash_ref(json));
    g_free(pct);
    xmt_message *msg = decode_body_default(body);
    g_assert_true(msg->encrypted);
    g_assert_true(msg->crc_valid);
    g_assert_cmpuint(msg->events->len, ==, 1);
    g_assert_true(event_at(msg, 0)->opaque);
    g_assert_cmpstr(fact_str(event_at(msg, 0), XMT_FACT_CIPHERTEXT), ==, "cGF5bG9hZA==");
    xmt_message_free(msg);
    g_free(body);
}

/* ---- other variants ------------------------------------------------------ */

static void test_java_gzip0(void)
{
    /* gzip=0: base64 of the plain JSON array, no crc. */
    char *json = events_json(2);
    char *b64 = g_base64_encode((const guint8 *)json, strlen(json));
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("gzip=0&data_list=%s", pct);
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_false(msg->has_crc);
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_GZIP_CODE)->num, ==, 0);
    const xmt_layer *last = xmt_message_layer(msg, (int)msg->layers->len - 1);
    g_assert_cmpint(last->kind, ==, XMT_LAYER_BASE64);
    g_assert_cmpmem(last->data, last->len, json, strlen(json));
    g_assert_cmpuint(msg->event_count, ==, 2);
    xmt_message_free(msg);
    g_free(body);
    g_free(pct);
    g_free(b64);
    g_free(json);
}

static void test_zlib_and_deflate(void)
{
    /* The compression is sniffed from the bytes, not taken from gzip=. */
    static const struct { int wbits; xmt_layer_kind kind; } cases[] = {
        { TEST_WBITS_ZLIB, XMT_LAYER_ZLIB },
        { TEST_WBITS_DEFLATE, XMT_LAYER_DEFLATE },
        { TEST_WBITS_GZIP, XMT_LAYER_GZIP },
    };
    char *json = events_json(3);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gsize n = 0;
        guint8 *z = test_compress(json, strlen(json), cases[i].wbits, 6, &n);
        char *b64 = g_base64_encode(z, n);
        char *pct = test_pct(b64);
        char *body = g_strdup_printf("gzip=1&data_list=%s", pct);
        xmt_message *msg = decode_body_default(body);
        g_assert_cmpuint(msg->errors->len, ==, 0);
        const xmt_layer *last = xmt_message_layer(msg, (int)msg->layers->len - 1);
        g_assert_cmpint(last->kind, ==, cases[i].kind);
        g_assert_cmpmem(last->data, last->len, json, strlen(json));
        g_assert_cmpuint(msg->event_count, ==, 3);
        xmt_message_free(msg);
        g_free(body);
        g_free(pct);
        g_free(b64);
        g_free(z);
    }
    g_free(json);
}

static void test_python_single_object(void)
{
    /* Python SDK: data=<b64(gzip(one object))>&gzip=1. */
    static const char json[] =
        "{\"type\":\"track\",\"event\":\"py_event\",\"distinct_id\":\"py1\",\"time\":5,\"properties\":{}}";
    char *b64 = test_b64_gzip(json);
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("data=%s&gzip=1", pct);
    xmt_request req;
    neutral_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PAYLOAD_PARAM)->str, ==, "data");
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "py_event");
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, 5);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_DISTINCT_ID), ==, "py1");
    xmt_message_free(msg);
    g_free(body);
    g_free(pct);
    g_free(b64);
}

/* A payload sent as JSON with no escape at all sits in the input after
 * "data_list=": the spans of its events and facts point at its bytes there. */
static void test_raw_json_spans(void)
{
    static const char body[] = "gzip=0&data_list=[{\"type\":\"track\",\"event\":\"e\",\"distinct_id\":\"abc\"}]";
    xmt_request req;
    neutral_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->layers->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    char *id = span_text(msg, &req, xmt_event_fact(ev, XMT_FACT_DISTINCT_ID)->span);
    g_assert_cmpstr(id, ==, "\"abc\"");
    char *whole = span_text(msg, &req, ev->span);
    g_assert_cmpstr(whole, ==, "{\"type\":\"track\",\"event\":\"e\",\"distinct_id\":\"abc\"}");
    g_free(whole);
    g_free(id);
    xmt_message_free(msg);
}

static void test_name_from_type(void)
{
    /* Records without "event" (profile_set, item_set, ...) are named by their
     * type: an EVENT fact is added and ev->name is its string.  The records
     * carry 0..7 other facts before it, so the facts array is full (and must
     * grow) for some of them. */
    static const char *const top[] = { "\"distinct_id\":\"d\"", "\"time\":1", "\"_flush_time\":2" };
    static const char *const props[] = {
        "\"$model\":\"M\"", "\"$os_version\":\"9\"", "\"$app_id\":\"a\"", "\"url\":\"https://e.com/\"",
    };
    const guint records = G_N_ELEMENTS(top) + G_N_ELEMENTS(props) + 1;
    GString *json = g_string_new("[");
    for (guint k = 0; k < records; k++) {
        /* Record k yields k facts besides its type. */
        g_string_append_printf(json, "%s{\"type\":\"profile_set\"", k ? "," : "");
        for (guint i = 0; i < MIN(k, G_N_ELEMENTS(top)); i++)
            g_string_append_printf(json, ",%s", top[i]);
        if (k > G_N_ELEMENTS(top)) {
            g_string_append(json, ",\"properties\":{");
            for (guint i = 0; i < k - G_N_ELEMENTS(top); i++)
                g_string_append_printf(json, "%s%s", i ? "," : "", props[i]);
            g_string_append_c(json, '}');
        }
        g_string_append_c(json, '}');
    }
    g_string_append_c(json, ']');
    char *body = android_body(json->str);
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, records);
    for (guint i = 0; i < msg->events->len; i++) {
        const xmt_event *ev = event_at(msg, i);
        const char *event_fact = fact_str(ev, XMT_FACT_EVENT);
        g_assert_cmpstr(event_fact, ==, "profile_set");
        /* Compared as pointers too: ev->name once pointed at freed memory here. */
        g_assert_true(ev->name == event_fact);
    }
    xmt_message_free(msg);
    g_free(body);
    g_string_free(json, TRUE);
}

static void test_transport_facts(void)
{
    char *json = events_json(1);
    char *android = android_body(json);
    char *body = g_strdup_printf("%s&instant_event=true", android);
    xmt_request req;
    body_request(&req, body);
    req.dry_run = TRUE;
    req.uri = "/debug?project=p1&r=ES";
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_INSTANT)->num, ==, 1);
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_DRY_RUN)->num, ==, 1);
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_PROJECT)->str, ==, "p1");
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_REGION)->str, ==, "ES");
    g_assert_true(msg->crc_valid);
    g_assert_cmpuint(msg->event_count, ==, 1);
    xmt_message_free(msg);
    g_free(body);
    g_free(android);
    g_free(json);
}

static void test_non_object_element(void)
{
    char *body = android_body("[1,{\"event\":\"a\"},\"x\",{\"event\":\"b\"}]");
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "a");
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "b");
    expect_error(msg, "JSON", "element 0");
    xmt_message_free(msg);
    g_free(body);
}

/* ---- recognition ------------------------------------------------------- */

static void expect_not_recognised(const char *body, gsize len)
{
    xmt_request req;
    neutral_request(&req, body);
    req.len = len;
    xmt_config cfg;
    config_defaults(&cfg);
    if (recognised_as(&req) != NULL)
        g_test_message("recognised: %.*s", (int)MIN(len, 60), body);
    g_assert_null(recognised_as(&req));
    g_assert_null(xmt_decode(&req, &cfg));
    /* Host and path hints alone do not make a Sensors upload either. */
    body_request(&req, body);
    req.len = len;
    g_assert_null(recognised_as(&req));
    g_assert_null(xmt_decode(&req, &cfg));
}

static void test_recognition_negatives(void)
{
    static const char *const bodies[] = {
        "username=alice&password=s3cret&remember=1",
        "data=hello&gzip=yes",
        "data=hello&gzip=1",
        "image=iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk",
        "[{\"event\":\"x\",\"data_list\":\"H4sI\"}]",
        "{\"data_list\":\"H4sIAAAA\",\"gzip\":1}",
        "hello world",
        "q=data_list&gzip=1",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++)
        expect_not_recognised(bodies[i], strlen(bodies[i]));

    /* Binary: the gzip of a batch, as a body without a form around it. */
    char *json = events_json(1);
    gsize n = 0;
    guint8 *gz = test_gzip(json, strlen(json), &n);
    expect_not_recognised((const char *)gz, n);
    g_free(gz);
    g_free(json);

    /* Nothing at all. */
    xmt_request req;
    xmt_request_init(&req);
    xmt_config cfg;
    config_defaults(&cfg);
    g_assert_null(recognised_as(&req));
    g_assert_null(xmt_decode(&req, &cfg));
    expect_not_recognised("", 0);
}

static void test_recognition_positives(void)
{
    xmt_request req;
    /* data_list with a payload marker needs no other hint (JS batch_send). */
    neutral_request(&req, "data_list=W3sidHlwZSI6InRyYWNrIn1d");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
    /* data_list with gzip= or crc=. */
    neutral_request(&req, "gzip=1&data_list=abc");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
    neutral_request(&req, "crc=-5&data_list=abc");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
    /* An opaque data_list: only with a host or path hint. */
    neutral_request(&req, "data_list=abc");
    g_assert_null(recognised_as(&req));
    body_request(&req, "data_list=abc");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
    /* data= with ext=crc. */
    neutral_request(&req, "data=abc&ext=crc%3D-1");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
    /* data= with a payload marker and gzip=. */
    neutral_request(&req, "data=H4sIAAAA&gzip=1");
    g_assert_cmpstr(recognised_as(&req), ==, "sensors");
}

/* ---- malformed input at each layer --------------------------------------- */

static void test_bad_percent_escape(void)
{
    /* A bad escape inside a JSON string: the JSON stays valid, so the only
     * error is the percent layer's, and it points at the '%'. */
    char *p1 = test_pct("[{\"ekey\":\"AB");
    char *p2 = test_pct("\",\"pkv\":1,\"payloads\":[\"eA==\"]}]");
    char *body = g_strdup_printf("gzip=9&data_list=%s%%G1%s", p1, p2);
    xmt_request req;
    body_request(&req, body);
    xmt_config cfg;
    config_defaults(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->errors->len, ==, 1);
    const xmt_error *e = expect_error(msg, "percent-encoding", NULL);
    g_assert_cmpint(e->span.layer, ==, XMT_LAYER_INPUT);
    g_assert_cmpuint(e->span.off, ==, (guint32)(strstr(body, "%G1") - body));
    g_assert_cmpuint(msg->events->len, ==, 1);
    g_assert_cmpstr(fact_str(event_at(msg, 0), XMT_FACT_EKEY), ==, "AB%G1");  /* kept as sent */
    xmt_message_free(msg);
    g_free(body);

    /* In a base64 payload the kept '%' then breaks base64 too. */
    char *b64 = test_b64_gzip("[{\"event\":\"a\"}]");
    body = g_strdup_printf("gzip=1&data_list=%.8s%%G1%s", b64, b64 + 8);
    msg = decode_body_default(body);
    expect_error(msg, "percent-encoding", NULL);
    expect_error(msg, "base64", NULL);
    g_assert_cmpuint(msg->event_count, ==, 0);
    xmt_message_free(msg);
    g_free(body);
    g_free(b64);
    g_free(p1);
    g_free(p2);
}

static void test_bad_base64(void)
{
    xmt_message *msg = decode_body_default("gzip=1&data_list=H4sI*AAAAAAA");
    const xmt_error *e = expect_error(msg, "base64", "offset 4");
    g_assert_cmpint(e->span.layer, ==, XMT_LAYER_INPUT);
    g_assert_cmpuint(msg->layers->len, ==, 0);
    g_assert_false(msg->has_json);
    g_assert_cmpuint(msg->events->len, ==, 0);
    xmt_message_free(msg);
}

static void test_truncated_gzip(void)
{
    /* 20 events with incompressible text; half the stream holds some of them. */
    GRand *rand = g_rand_new_with_seed(3);
    GString *json = g_string_new("[");
    for (int i = 0; i < 20; i++) {
        g_string_append_printf(json, "%s{\"event\":\"e%d\",\"properties\":{\"blob\":\"", i ? "," : "", i);
        for (int k = 0; k < 300; k++)
            g_string_append_c(json, "0123456789abcdef"[g_rand_int_range(rand, 0, 16)]);
        g_string_append(json, "\"}}");
    }
    g_string_append_c(json, ']');
    g_rand_free(rand);

    gsize n = 0;
    guint8 *gz = test_gzip(json->str, json->len, &n);
    char *b64 = g_base64_encode(gz, n / 2);
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("gzip=1&data_list=%s", pct);
    xmt_message *msg = decode_body_default(body);
    const xmt_error *e = expect_error(msg, "gzip", "truncated");
    /* It points at the base64 layer the stream was read from. */
    g_assert_cmpint(e->span.layer, >=, 0);
    g_assert_cmpint(xmt_message_layer(msg, e->span.layer)->kind, ==, XMT_LAYER_BASE64);
    /* The part inflated so far is kept and its complete events decoded. */
    const xmt_layer *last = xmt_message_layer(msg, (int)msg->layers->len - 1);
    g_assert_cmpint(last->kind, ==, XMT_LAYER_GZIP);
    g_assert_cmpuint(last->len, <, json->len);
    g_assert_cmpmem(last->data, last->len, json->str, last->len);
    g_assert_cmpuint(msg->event_count, >=, 1);
    g_assert_cmpuint(msg->event_count, <, 20);
    expect_error(msg, "JSON", NULL);
    xmt_message_free(msg);
    g_free(body);
    g_free(pct);
    g_free(b64);

    /* Only the gzip header: nothing inflated, no gzip layer. */
    b64 = g_base64_encode(gz, 12);
    pct = test_pct(b64);
    body = g_strdup_printf("gzip=1&data_list=%s", pct);
    msg = decode_body_default(body);
    expect_error(msg, "gzip", NULL);
    for (guint i = 0; i < msg->layers->len; i++)
        g_assert_cmpint(xmt_message_layer(msg, (int)i)->kind, !=, XMT_LAYER_GZIP);
    g_assert_cmpuint(msg->events->len, ==, 0);
    xmt_message_free(msg);
    g_free(body);
    g_free(pct);
    g_free(b64);
    g_free(gz);
    g_string_free(json, TRUE);
}

static void test_invalid_json(void)
{
    char *body = android_body("[{\"event\":\"a\",\"type\":tru}]");
    xmt_message *msg = decode_body_default(body);
    const xmt_error *e = expect_error(msg, "JSON", NULL);
    g_assert_cmpint(e->span.layer, ==, msg->json.layer);
    g_assert_cmpuint(msg->event_count, ==, 0);
    g_assert_true(msg->crc_valid);  /* the crc is over the base64 text, which is fine */
    xmt_message_free(msg);
    g_free(body);

    /* Text after the batch: the batch itself is whole, so its events count. */
    body = android_body("[{\"event\":\"a\"}] x");
    msg = decode_body_default(body);
    g_assert_cmpuint(msg->event_count, ==, 1);
    e = expect_error(msg, "JSON", NULL);
    g_assert_cmpuint(e->span.off, ==, 16);
    xmt_message_free(msg);
    g_free(body);

    /* Decoded bytes that are neither compressed nor JSON. */
    char *b64 = g_base64_encode((const guint8 *)"hello world!", 12);
    body = g_strdup_printf("gzip=1&data_list=%s", b64);
    msg = decode_body_default(body);
    expect_error(msg, "payload", NULL);
    g_assert_false(msg->has_json);
    xmt_message_free(msg);
    g_free(body);
    g_free(b64);

    /* An empty payload value. */
    msg = decode_body_default("crc=0&gzip=1&data_list=");
    expect_error(msg, "payload", NULL);
    g_assert_cmpuint(msg->events->len, ==, 0);
    xmt_message_free(msg);
}

static void test_broken_third_event(void)
{
    static const char json[] = "[{\"event\":\"e1\"},{\"event\":\"e2\"},{\"event\":\"e3\",\"time\":]";
    char *body = android_body(json);
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->event_count, ==, 2);
    g_assert_cmpuint(msg->events->len, ==, 2);
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "e1");
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "e2");
    const xmt_error *e = expect_error(msg, "JSON", NULL);
    g_assert_cmpint(e->span.layer, ==, msg->json.layer);
    g_assert_cmpuint(e->span.off, ==, strlen(json) - 1);  /* the ']' where a value was due */
    xmt_message_free(msg);
    g_free(body);
}

/* ---- limits -------------------------------------------------------------- */

static void test_event_limit(void)
{
    char *json = events_json(5);
    char *body = android_body(json);
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.max_events = 3;
    xmt_message *msg = decode_body(body, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 3);
    g_assert_cmpstr(event_at(msg, 2)->name, ==, "e3");
    expect_error(msg, "limit", "3");
    xmt_message_free(msg);

    /* Exactly at the limit: no error. */
    cfg.max_events = 5;
    msg = decode_body(body, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 5);
    g_assert_null(find_error(msg, "limit"));
    xmt_message_free(msg);
    g_free(body);
    g_free(json);
}

/* Each non-object element is an error: they are capped, counted beyond the
 * cap, and count toward the event limit as events do (issue 11). */
static void test_error_cap(void)
{
    GString *json = g_string_new("[{\"event\":\"first\"}");
    for (int i = 0; i < 1000; i++)
        g_string_append(json, ",0");
    g_string_append_c(json, ']');
    char *body = android_body(json->str);
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.max_events = 500;
    xmt_message *msg = decode_body(body, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->errors->len, ==, XMT_MAX_ERRORS);
    /* 499 elements that are not objects, then the event limit: 500 errors */
    g_assert_cmpuint(msg->errors_dropped, ==, 500 - XMT_MAX_ERRORS);
    const xmt_error *last = &g_array_index(msg->errors, xmt_error, XMT_MAX_ERRORS - 1);
    g_assert_nonnull(strstr(last->reason, "element 64 "));
    xmt_message_free(msg);
    g_free(body);
    g_string_free(json, TRUE);
}

static void test_inflate_limit(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.max_inflated = 100;
    xmt_message *msg = decode_body(body, &cfg);
    expect_error(msg, "limit", "limit");
    g_assert_null(find_error(msg, "gzip"));
    const xmt_layer *last = xmt_message_layer(msg, (int)msg->layers->len - 1);
    g_assert_cmpint(last->kind, ==, XMT_LAYER_GZIP);
    g_assert_cmpuint(last->len, ==, 100);
    g_assert_cmpuint(msg->event_count, ==, 0);
    g_assert_true(msg->crc_valid);
    xmt_message_free(msg);
    g_free(body);
}

static void test_json_limits(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_config cfg;

    /* Depth 2: the event's "lib" object is at depth 2. */
    config_defaults(&cfg);
    cfg.max_json_depth = 2;
    xmt_message *msg = decode_body(body, &cfg);
    expect_error(msg, "limit", "(limit)");
    g_assert_null(find_error(msg, "JSON"));
    g_assert_cmpuint(msg->events->len, ==, 0);
    xmt_message_free(msg);

    /* Few nodes. */
    config_defaults(&cfg);
    cfg.max_json_nodes = 10;
    msg = decode_body(body, &cfg);
    expect_error(msg, "limit", "(limit)");
    g_assert_cmpuint(msg->events->len, ==, 0);
    xmt_message_free(msg);
    g_free(body);
}

static void test_member_limit(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.max_members = 5;
    xmt_message *msg = decode_body(body, &cfg);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_nonnull(ev->members);
    g_assert_cmpuint(ev->members->len, ==, 5);
    expect_error(msg, "limit", "5");
    /* Facts come from rules, not members: all still there. */
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Redmi Note 8");
    xmt_message_free(msg);
    g_free(body);
}

static void test_no_members(void)
{
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_config cfg;
    config_defaults(&cfg);
    cfg.want_members = FALSE;
    xmt_message *msg = decode_body(body, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_true(ev->members == NULL || ev->members->len == 0);
    g_assert_cmpstr(ev->name, ==, "page_load_event_start");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_MODEL), ==, "Redmi Note 8");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_OS_VERSION), ==, "10");
    g_assert_cmpstr(fact_str(ev, XMT_FACT_URL), ==, "https://www.example.com/search?q=test");
    g_assert_cmpint(fact_num(ev, XMT_FACT_TIME), ==, G_GINT64_CONSTANT(1588291200123));
    g_assert_cmpuint(msg->errors->len, ==, 0);
    xmt_message_free(msg);
    g_free(body);
}

/* ---- search terms -------------------------------------------------------- */

static void test_search_terms(void)
{
    static const char json[] =
        "[{\"type\":\"track\",\"event\":\"page_load_event_start\",\"properties\":"
        "{\"url\":\"https://www.google.com/search?q=xiaomi+privacy&hl=en\"}},"
        "{\"type\":\"track\",\"event\":\"search\",\"properties\":{\"search_word\":\"mint\","
        "\"$url\":\"https://www.bing.com/search?q=mint\","
        "\"$referrer\":\"https://www.baidu.com/s?wd=%E4%B8%AD%E5%9B%BD\"}},"
        "{\"type\":\"track\",\"event\":\"plain\",\"properties\":{\"url\":\"https://example.com/?q=x\"}}]";
    char *body = android_body(json);
    xmt_message *msg = decode_body_default(body);
    g_assert_cmpuint(msg->event_count, ==, 3);

    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(fact_str(ev, XMT_FACT_SEARCH_TERM), ==, "xiaomi privacy");
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_SEARCH_TERM), ==, 1);
    /* The term points at the URL it came from. */
    g_assert_cmpuint(xmt_event_fact(ev, XMT_FACT_SEARCH_TERM)->span.off, ==,
                     xmt_event_fact(ev, XMT_FACT_URL)->span.off);

    /* search_word and the same term in a URL count once; the referrer's is added. */
    ev = event_at(msg, 1);
    g_assert_cmpuint(count_facts(ev->facts, XMT_FACT_SEARCH_TERM), ==, 2);
    gboolean mint = FALSE, zhongguo = FALSE;
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id != XMT_FACT_SEARCH_TERM)
            continue;
        mint |= strcmp(f->str, "mint") == 0;
        zhongguo |= strcmp(f->str, "\xe4\xb8\xad\xe5\x9b\xbd") == 0;
    }
    g_assert_true(mint);
    g_assert_true(zhongguo);

    ev = event_at(msg, 2);
    g_assert_null(xmt_event_fact(ev, XMT_FACT_SEARCH_TERM));
    xmt_message_free(msg);
    g_free(body);
}

static void test_config_init_defaults(void)
{
    /* Every option of a config must be set by xmt_config_init(): callers
     * (the fuzzer, tests, the glue) keep it on the stack. */
    xmt_config cfg;
    memset(&cfg, 0xA5, sizeof cfg);
    xmt_config_init(&cfg);
    g_assert_true(cfg.want_members);
    g_assert_cmpuint(cfg.max_inflated, ==, XMT_DEFAULT_MAX_INFLATED);
    g_assert_cmpuint(cfg.max_events, ==, XMT_DEFAULT_MAX_EVENTS);
    g_assert_cmpuint(cfg.max_json_depth, ==, XMT_DEFAULT_MAX_JSON_DEPTH);
    g_assert_cmpuint(cfg.max_json_nodes, ==, XMT_DEFAULT_MAX_JSON_NODES);
    g_assert_cmpuint(cfg.max_members, ==, XMT_DEFAULT_MAX_MEMBERS);
    g_assert_null(cfg.watch);
    g_assert_false(cfg.want_pii);
}

/* ---- message API --------------------------------------------------------- */

/* The row's place in the order recognition tries them. */
static guint format_index(const char *name)
{
    for (guint i = 0; i < xmt_format_count(); i++)
        if (strcmp(xmt_format_at(i)->name, name) == 0)
            return i;
    g_assert_not_reached();
    return 0;
}

static void test_message_api(void)
{
    g_assert_cmpstr(xmt_format_named("sensors")->name, ==, "sensors");
    /* Tried before Xiaomi's other forms: its data=/data_list= with a payload marker is the most specific. */
    static const char *const after_sensors[] = { "miui_tracker", "miui_analytics", "mistat", "onetrack" };
    for (gsize i = 0; i < G_N_ELEMENTS(after_sensors); i++)
        g_assert_cmpuint(format_index("sensors"), <, format_index(after_sensors[i]));
    g_assert_null(xmt_format_named("none"));
    g_assert_null(xmt_format_at(xmt_format_count()));
    g_assert_cmpstr(xmt_layer_kind_name(XMT_LAYER_PERCENT), ==, "percent-encoding");
    g_assert_cmpstr(xmt_layer_kind_name(XMT_LAYER_BASE64), ==, "base64");
    g_assert_cmpstr(xmt_layer_kind_name(XMT_LAYER_GZIP), ==, "gzip");

    xmt_config cfg;
    config_defaults(&cfg);
    g_assert_true(cfg.want_members);
    g_assert_cmpuint(cfg.max_inflated, ==, XMT_DEFAULT_MAX_INFLATED);
    g_assert_cmpuint(cfg.max_events, ==, XMT_DEFAULT_MAX_EVENTS);
    g_assert_cmpuint(cfg.max_json_depth, ==, XMT_DEFAULT_MAX_JSON_DEPTH);
    xmt_request req;
    xmt_request_init(&req);
    g_assert_cmpint(req.gzip_header, ==, -1);
    g_assert_null(req.data);

    /* Stealing a layer's bytes leaves its length and label. */
    char *pct = test_pct(vector2_b64);
    char *body = g_strdup_printf("crc=156315496&gzip=1&data_list=%s", pct);
    g_free(pct);
    xmt_message *msg = decode_body(body, &cfg);
    gsize len = xmt_message_layer(msg, 2)->len;
    guint8 *bytes = xmt_message_steal_layer(msg, 2);
    g_assert_nonnull(bytes);
    g_assert_cmpint(bytes[0], ==, '[');
    g_assert_null(xmt_message_layer(msg, 2)->data);
    g_assert_cmpuint(xmt_message_layer(msg, 2)->len, ==, len);
    g_assert_nonnull(xmt_message_layer(msg, 2)->label);
    g_assert_null(xmt_message_steal_layer(msg, 3));
    g_assert_null(xmt_message_steal_layer(msg, -1));
    g_assert_null(xmt_message_layer(msg, 3));
    g_free(bytes);
    /* Facts and strings outlive the stolen bytes. */
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page_load_event_start");
    xmt_message_free(msg);
    xmt_message_free(NULL);
    g_free(body);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sensors/vector2-android", test_vector2_android);
    g_test_add_func("/sensors/vector3-get", test_vector3_get);
    g_test_add_func("/sensors/js-post-ext-crc", test_js_post_ext_crc);
    g_test_add_func("/sensors/wrong-crc", test_wrong_crc);
    g_test_add_func("/sensors/generated-batch", test_generated_batch);
    g_test_add_func("/sensors/encrypted-gzip9", test_encrypted_gzip9);
    g_test_add_func("/sensors/encrypted-gzip13", test_encrypted_gzip13);
    g_test_add_func("/sensors/encrypted-js-aes", test_encrypted_js_aes);
    g_test_add_func("/sensors/java-gzip0", test_java_gzip0);
    g_test_add_func("/sensors/zlib-and-deflate", test_zlib_and_deflate);
    g_test_add_func("/sensors/python-single-object", test_python_single_object);
    g_test_add_func("/sensors/raw-json-spans", test_raw_json_spans);
    g_test_add_func("/sensors/name-from-type", test_name_from_type);
    g_test_add_func("/sensors/transport-facts", test_transport_facts);
    g_test_add_func("/sensors/non-object-element", test_non_object_element);
    g_test_add_func("/sensors/error-cap", test_error_cap);
    g_test_add_func("/sensors/recognition-negatives", test_recognition_negatives);
    g_test_add_func("/sensors/recognition-positives", test_recognition_positives);
    g_test_add_func("/sensors/bad-percent-escape", test_bad_percent_escape);
    g_test_add_func("/sensors/bad-base64", test_bad_base64);
    g_test_add_func("/sensors/truncated-gzip", test_truncated_gzip);
    g_test_add_func("/sensors/invalid-json", test_invalid_json);
    g_test_add_func("/sensors/broken-third-event", test_broken_third_event);
    g_test_add_func("/sensors/event-limit", test_event_limit);
    g_test_add_func("/sensors/inflate-limit", test_inflate_limit);
    g_test_add_func("/sensors/json-limits", test_json_limits);
    g_test_add_func("/sensors/member-limit", test_member_limit);
    g_test_add_func("/sensors/no-members", test_no_members);
    g_test_add_func("/sensors/search-terms", test_search_terms);
    g_test_add_func("/sensors/config-init-defaults", test_config_init_defaults);
    g_test_add_func("/sensors/message-api", test_message_api);
    return g_test_run();
}
