/* test_fidelity.c: what the real SDKs send, through xmt_decode().
 *
 * The JSON below follows what sa-sdk-javascript 1.27.11 and sa-sdk-node 1.2.6
 * (npm) and sa-sdk-android build: the JS SDK's traffic-source properties and
 * its placeholder texts (dist/web/sensorsdata.js), the Node SDK's _track_id
 * (src/SensorsAnalytics.js: up to 10999999998, beyond 32 bits) and its
 * data_list=..&gzip=1 body without crc (src/Submitter.js), the JS batch_send
 * body without crc, and Android's $latitude/$longitude scaled by 10^6
 * (SensorsDataAPI.setGPSLocation). */
#include <glib.h>
#include <string.h>

#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "core/xmt_message.h"
#include "core/xmt_pii.h"
#include "test_common.h"

#define GOOGLE_REFERRER "https://www.google.com/search?q=how+to+hide+from+xiaomi&hl=en"

/* ---- helpers ------------------------------------------------------------ */

static xmt_message *decode_post(const char *body, const char *uri, const char *host)
{
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_BODY;
    req.data = (const guint8 *)body;
    req.len = strlen(body);
    req.method = "POST";
    req.uri = uri;
    req.host = host;
    req.content_type = "application/x-www-form-urlencoded";
    xmt_config cfg;
    memset(&cfg, 0, sizeof cfg);
    xmt_config_init(&cfg);
    cfg.want_pii = TRUE;
    xmt_message *msg = xmt_decode(&req, &cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "sensors");
    for (guint i = 0; i < msg->errors->len; i++)
        g_test_message("error: %s", g_array_index(msg->errors, xmt_error, i).reason);
    return msg;
}

/* The JS SDK's ajax/beacon body: data=<base64(JSON object)>&ext=crc=<hash>. */
static xmt_message *decode_js_event(const char *json)
{
    char *b64 = g_base64_encode((const guchar *)json, strlen(json));
    char *data = test_pct(b64);
    char *body = g_strdup_printf("data=%s&ext=crc%%3D%d", data, test_java_hash_ref(b64));
    xmt_message *msg = decode_post(body, "/sa.gif?project=default", "www.example.com");
    g_assert_true(msg->has_crc);
    g_assert_true(msg->crc_valid);
    g_free(b64);
    g_free(data);
    g_free(body);
    return msg;
}

static const xmt_event *event_at(const xmt_message *msg, guint i)
{
    g_assert_cmpuint(i, <, msg->events->len);
    return g_ptr_array_index(msg->events, i);
}

/* Every string fact of this id, joined by '|'. */
static char *facts(const xmt_event *ev, xmt_fact_id id)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id == id)
            g_string_append_printf(s, "%s%s", s->len ? "|" : "", f->str);
    }
    return g_string_free(s, FALSE);
}

static void assert_facts(const xmt_event *ev, xmt_fact_id id, const char *expected)
{
    char *got = facts(ev, id);
    g_assert_cmpstr(got, ==, expected);
    g_free(got);
}

static gboolean has_pii(const xmt_event *ev, xmt_pii_kind kind)
{
    return (ev->pii_seen & (1u << kind)) != 0;
}

static gboolean has_member(const xmt_event *ev, const char *path_eq_value)
{
    for (guint i = 0; ev->members && i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        char *text = g_strconcat(m->path, "=", m->value, NULL);
        gboolean same = strcmp(text, path_eq_value) == 0;
        g_free(text);
        if (same)
            return TRUE;
    }
    return FALSE;
}

/* ---- the SDK's own id --------------------------------------------------- */

/* The JS SDK sends its cookie id as anonymous_id and again in identities:
 * one anonymous_id fact; Android's ID-Mapping 3 id too. */
static void test_anonymous_id(void)
{
    xmt_message *msg = decode_js_event(
        "{\"identities\":{\"$identity_cookie_id\":\"18a1-cookie\"},\"distinct_id\":\"user-9\","
        "\"anonymous_id\":\"18a1-cookie\",\"type\":\"track\",\"event\":\"x\",\"properties\":{}}");
    assert_facts(event_at(msg, 0), XMT_FACT_ANONYMOUS_ID, "18a1-cookie");
    assert_facts(event_at(msg, 0), XMT_FACT_DISTINCT_ID, "user-9");
    xmt_message_free(msg);
    msg = decode_js_event(
        "{\"identities\":{\"$identity_anonymous_id\":\"a-1\",\"$identity_android_id\":\"9774d56d682e549c\"},"
        "\"distinct_id\":\"a-1\",\"type\":\"track\",\"event\":\"x\",\"properties\":{}}");
    assert_facts(event_at(msg, 0), XMT_FACT_ANONYMOUS_ID, "a-1");
    xmt_message_free(msg);
}

/* ---- referrers and searches -------------------------------------------- */

static void test_js_latest_referrer(void)
{
    xmt_message *msg = decode_js_event(
        "{\"distinct_id\":\"18a1\",\"lib\":{\"$lib\":\"js\",\"$lib_version\":\"1.27.11\"},"
        "\"properties\":{\"$url\":\"http://127.0.0.1:8000/landing.html\",\"$referrer\":\"" GOOGLE_REFERRER "\","
        "\"$latest_referrer\":\"" GOOGLE_REFERRER "\",\"$latest_search_keyword\":\"how+to+hide+from+xiaomi\","
        "\"$latest_traffic_source_type\":\"自然搜索流量\"},"
        "\"type\":\"track\",\"event\":\"$pageview\",\"time\":1700000000000,\"_track_id\":123456789}");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    /* $referrer and $latest_referrer are the same page: one fact */
    assert_facts(ev, XMT_FACT_URL, "http://127.0.0.1:8000/landing.html|" GOOGLE_REFERRER);
    /* the keyword, decoded, and the same search in the referrer's q=: one fact */
    assert_facts(ev, XMT_FACT_SEARCH_TERM, "how to hide from xiaomi");
    g_assert_true(has_pii(ev, XMT_PII_URL));
    g_assert_true(has_pii(ev, XMT_PII_SEARCH));
    g_assert_true(has_member(ev, "properties.$latest_search_keyword=how+to+hide+from+xiaomi"));  /* as sent */
    xmt_message_free(msg);
}

static void test_profile_set_once(void)
{
    xmt_message *msg = decode_js_event(
        "{\"distinct_id\":\"18a1\",\"lib\":{\"$lib\":\"js\"},\"type\":\"profile_set_once\","
        "\"properties\":{\"$first_visit_time\":\"2023-11-14 22:13:20.000\","
        "\"$first_referrer\":\"https://www.so.com/s?q=redmi%20note\",\"$first_referrer_host\":\"www.so.com\","
        "\"$first_search_keyword\":\"redmi%20note\",\"$first_traffic_source_type\":\"自然搜索流量\"}}");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "profile_set_once");
    assert_facts(ev, XMT_FACT_URL, "https://www.so.com/s?q=redmi%20note");
    assert_facts(ev, XMT_FACT_SEARCH_TERM, "redmi note");
    xmt_message_free(msg);
}

static void test_placeholders_left_out(void)
{
    /* sa-sdk-javascript's texts for "no value" in each traffic-source property */
    xmt_message *msg = decode_js_event(
        "{\"distinct_id\":\"18a1\",\"type\":\"track\",\"event\":\"$pageview\",\"properties\":{"
        "\"$url\":\"http://127.0.0.1:8000/\",\"$referrer\":\"\","
        "\"$latest_referrer\":\"取值异常\",\"$latest_search_keyword\":\"未取到值_直接打开\","
        "\"$first_referrer\":\"url的domain解析失败\",\"$first_search_keyword\":\"未取到值\"}}");
    const xmt_event *ev = event_at(msg, 0);
    assert_facts(ev, XMT_FACT_URL, "http://127.0.0.1:8000/");
    assert_facts(ev, XMT_FACT_SEARCH_TERM, "");
    g_assert_false(has_pii(ev, XMT_PII_SEARCH));
    g_assert_true(has_member(ev, "properties.$latest_search_keyword=未取到值_直接打开"));  /* still shown */
    xmt_message_free(msg);

    msg = decode_js_event(
        "{\"type\":\"track\",\"event\":\"x\",\"properties\":{\"$latest_referrer\":\"取值异常_referrer异常_[object Object]\","
        "\"$latest_search_keyword\":\"未取到值_非http的url\",\"search_word\":\"未取到值\"}}");
    ev = event_at(msg, 0);
    assert_facts(ev, XMT_FACT_URL, "");
    assert_facts(ev, XMT_FACT_SEARCH_TERM, "");
    xmt_message_free(msg);
}

static void test_search_word_not_query_decoded(void)
{
    /* Mint's search_word is the text typed, not a query value: '+' stays */
    xmt_message *msg = decode_js_event(
        "{\"type\":\"track\",\"event\":\"search\",\"properties\":{\"search_word\":\"c++ 100%\","
        "\"$latest_search_keyword\":\"c%2B%2B+tutorial\"}}");
    assert_facts(event_at(msg, 0), XMT_FACT_SEARCH_TERM, "c++ 100%|c++ tutorial");
    xmt_message_free(msg);
}

/* ---- shapes seen in the wild: shown as sent, never errors ------------------ */

static void test_js_114_without_times(void)
{
    xmt_message *msg = decode_js_event(
        "{\"distinct_id\":\"16f1\",\"lib\":{\"$lib\":\"js\",\"$lib_method\":\"code\",\"$lib_version\":\"1.14.24\"},"
        "\"properties\":{\"$url\":\"https://example.com/\"},\"type\":\"track\",\"event\":\"$pageview\"}");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));
    g_assert_null(xmt_event_fact(ev, XMT_FACT_FLUSH_TIME));
    g_assert_true(has_member(ev, "lib.$lib_version=1.14.24"));
    xmt_message_free(msg);
}

static const char node_batch[] =
    "[{\"_track_id\":10999999998,\"type\":\"track\",\"event\":\"buy\",\"time\":1700000000000,"
    "\"distinct_id\":\"user-1\",\"properties\":{\"$lib\":\"Node\",\"price\":12},"
    "\"lib\":{\"$lib\":\"Node\",\"$lib_version\":\"1.2.6\",\"$lib_method\":\"code\"}}]";

static void test_node_gzip_without_crc(void)
{
    char *b64 = test_b64_gzip(node_batch);
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("data_list=%s&gzip=1", pct);
    xmt_message *msg = decode_post(body, "/sa?project=default", "127.0.0.1:8106");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_false(msg->has_crc);
    g_assert_cmpint(xmt_message_fact(msg, XMT_FACT_GZIP_CODE)->num, ==, 1);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_true(has_member(ev, "_track_id=10999999998"));   /* beyond 32 bits, as sent */
    g_assert_cmpint(xmt_event_fact(ev, XMT_FACT_TIME)->num, ==, 1700000000000);
    xmt_message_free(msg);
    g_free(b64);
    g_free(pct);
    g_free(body);
}

static void test_js_batch_send_without_crc(void)
{
    static const char batch[] =
        "[{\"type\":\"track\",\"event\":\"$pageview\",\"time\":1700000000000,\"_flush_time\":1700000000500,"
        "\"_track_id\":345678901,\"properties\":{\"$latest_referrer\":\"" GOOGLE_REFERRER "\"}},"
        "{\"type\":\"track\",\"event\":\"$WebClick\",\"time\":1700000001000,\"_flush_time\":1700000001500}]";
    char *b64 = g_base64_encode((const guchar *)batch, strlen(batch));
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("data_list=%s", pct);
    xmt_message *msg = decode_post(body, "/sa.gif?project=default", "127.0.0.1:8106");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_false(msg->has_crc);
    g_assert_cmpuint(msg->event_count, ==, 2);
    assert_facts(event_at(msg, 0), XMT_FACT_SEARCH_TERM, "how to hide from xiaomi");
    xmt_message_free(msg);
    g_free(b64);
    g_free(pct);
    g_free(body);
}

/* ---- location as the Android SDK sends it --------------------------------- */

static void test_android_scaled_location(void)
{
    static const char batch[] =
        "[{\"type\":\"track\",\"event\":\"$AppStart\",\"time\":1700000000000,\"properties\":"
        "{\"$latitude\":39908692,\"$longitude\":116397477,\"$geo_coordinate_system\":\"WGS84\"}},"
        "{\"type\":\"track\",\"event\":\"$AppEnd\",\"time\":1700000001000,\"properties\":{\"$latitude\":0,\"$longitude\":0}}]";
    char *b64 = test_b64_gzip(batch);
    char *pct = test_pct(b64);
    char *body = g_strdup_printf("crc=%d&gzip=1&data_list=%s", test_java_hash_ref(b64), pct);
    xmt_message *msg = decode_post(body, "/sa?project=default", "sa.api.intl.miui.com");
    g_assert_true(has_pii(event_at(msg, 0), XMT_PII_LOCATION));
    g_assert_false(has_pii(event_at(msg, 1), XMT_PII_LOCATION));  /* zeros: no fix */
    xmt_message_free(msg);
    g_free(b64);
    g_free(pct);
    g_free(body);
}

/* ---- OneTrack's uid and its uid_type -------------------------------------- */

static xmt_message *decode_onetrack_plain(const char *json)
{
    xmt_request req;
    xmt_request_init(&req);
    req.kind = XMT_INPUT_BODY;
    req.data = (const guint8 *)json;
    req.len = strlen(json);
    req.method = "POST";
    req.uri = "/track/v4/o";
    req.host = "tracking.miui.com";
    req.content_type = "application/json";
    xmt_config cfg;
    memset(&cfg, 0, sizeof cfg);
    xmt_config_init(&cfg);
    cfg.want_pii = TRUE;
    xmt_message *msg = xmt_decode(&req, &cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "onetrack");
    g_assert_cmpuint(msg->errors->len, ==, 0);
    return msg;
}

static void test_onetrack_uid_type(void)
{
    xmt_message *msg = decode_onetrack_plain(
        "[{\"H\":{\"event\":\"a\",\"uid\":\"sess-41c9\",\"uid_type\":\"session_id\"},\"B\":{}},"
        "{\"H\":{\"event\":\"b\",\"uid_type\":\"session_id\",\"uid\":\"sess-41c9\"},\"B\":{}},"
        "{\"H\":{\"event\":\"c\",\"uid\":\"2882303761\",\"uid_type\":\"xiaomi\"},\"B\":{}},"
        "{\"H\":{\"event\":\"d\",\"uid\":\"13800138000\",\"uid_type\":\"phone_number\"},\"B\":{}},"
        "{\"H\":{\"event\":\"e\",\"uid\":\"2882303761\"},\"B\":{}}]");
    g_assert_cmpuint(msg->event_count, ==, 5);
    /* a session id, whichever key comes first: not an account */
    g_assert_false(has_pii(event_at(msg, 0), XMT_PII_ACCOUNT_ID));
    g_assert_false(has_pii(event_at(msg, 1), XMT_PII_ACCOUNT_ID));
    g_assert_true(has_pii(event_at(msg, 2), XMT_PII_ACCOUNT_ID));
    g_assert_false(has_pii(event_at(msg, 3), XMT_PII_ACCOUNT_ID));
    g_assert_true(has_pii(event_at(msg, 3), XMT_PII_PHONE));
    g_assert_true(has_pii(event_at(msg, 4), XMT_PII_ACCOUNT_ID));  /* no type: the key decides */
    xmt_message_free(msg);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/fidelity/anonymous-id", test_anonymous_id);
    g_test_add_func("/fidelity/js-latest-referrer", test_js_latest_referrer);
    g_test_add_func("/fidelity/profile-set-once", test_profile_set_once);
    g_test_add_func("/fidelity/placeholders-left-out", test_placeholders_left_out);
    g_test_add_func("/fidelity/search-word-not-query-decoded", test_search_word_not_query_decoded);
    g_test_add_func("/fidelity/js-1.14-without-times", test_js_114_without_times);
    g_test_add_func("/fidelity/node-gzip-without-crc", test_node_gzip_without_crc);
    g_test_add_func("/fidelity/js-batch-send-without-crc", test_js_batch_send_without_crc);
    g_test_add_func("/fidelity/android-scaled-location", test_android_scaled_location);
    g_test_add_func("/fidelity/onetrack-uid-type", test_onetrack_uid_type);
    return g_test_run();
}
