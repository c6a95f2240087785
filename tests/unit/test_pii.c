/* test_pii.c: personal-data recognition and the watch list, leaf by leaf. */
#include <glib.h>
#include <string.h>

#include "core/xmt_pii.h"
#include "core/xmt_watch.h"

typedef struct {
    xmt_message *msg;
    xmt_event *ev;
} fixture;

static void setup(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    f->msg = xmt_message_new("sensors");
    f->ev = xmt_message_add_event(f->msg, xmt_span_make(0, 0, 0));
}

static void teardown(fixture *f, gconstpointer data G_GNUC_UNUSED)
{
    xmt_message_free(f->msg);
}

/* The kinds found in the event, as "imei,mac". */
static char *kinds(const xmt_event *ev)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ev->pii && i < ev->pii->len; i++)
        g_string_append_printf(s, "%s%s", s->len ? "," : "",
                               xmt_pii_name(g_array_index(ev->pii, xmt_pii_finding, i).kind));
    return g_string_free(s, FALSE);
}

static void leaf(fixture *f, const char *path, const char *value)
{
    xmt_pii_scan_leaf(f->msg, f->ev, path, value, xmt_span_make(0, 0, 0));
}

static void assert_kinds(fixture *f, const char *expected)
{
    char *got = kinds(f->ev);
    g_assert_cmpstr(got, ==, expected);
    g_free(got);
}

static void test_luhn(void)
{
    g_assert_true(xmt_pii_luhn_ok("490154203237518"));
    g_assert_false(xmt_pii_luhn_ok("490154203237519"));
    g_assert_true(xmt_pii_luhn_ok("79927398713"));
    g_assert_false(xmt_pii_luhn_ok("7992739871x"));
    g_assert_false(xmt_pii_luhn_ok(""));
}

static void test_imei(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.imei", "490154203237519");          /* Luhn fails: not an IMEI */
    assert_kinds(f, "");
    leaf(f, "properties.counter", "490154203237518");       /* valid, but prefix 49 and no hint */
    assert_kinds(f, "");
    leaf(f, "properties.x", "355402081234568");             /* common prefix 35: recognised anywhere */
    assert_kinds(f, "imei");
    leaf(f, "properties.imei", "490154203237518");          /* reported once per event */
    assert_kinds(f, "imei");
    const xmt_pii_finding *first = &g_array_index(f->ev->pii, xmt_pii_finding, 0);
    g_assert_cmpstr(first->path, ==, "properties.x");
    g_assert_cmpstr(first->value, ==, "355402081234568");
}

static void test_ids(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.checksum", "9774d56d682e549c");     /* hex, but no id-like key */
    leaf(f, "properties.gaid", "00000000-0000-0000-0000-000000000000");
    leaf(f, "properties.mac", "02:00:00:00:00:00");
    assert_kinds(f, "");
    leaf(f, "properties.$device_id", "9774d56d682e549c");
    leaf(f, "H.oaid", "a8f3c2d1e0b94f7a");
    leaf(f, "H.gaid", "38400000-8cf0-11bd-b23e-10b96e40000d");
    leaf(f, "H.imsi", "214071234567890");
    leaf(f, "B.wifi[0]", "3C-BD-3E-12-34-56");
    leaf(f, "H.sn", "8d6e2f1a9c");
    assert_kinds(f, "android_id,oaid,gaid,imsi,mac,serial");
}

static void test_contact(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.note", "call me at noon");
    leaf(f, "properties.version", "10.2.3");
    leaf(f, "properties.address", "not@an-email");
    assert_kinds(f, "");
    leaf(f, "properties.contact", "alice.doe@example.org");
    leaf(f, "properties.mobile", "600 11 12 22");
    assert_kinds(f, "email,phone");
}

static void test_e164_anywhere(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.x", "+34600111222");
    assert_kinds(f, "phone");
}

static void test_location_needs_both(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$latitude", "40.4168");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
    leaf(f, "properties.$longitude", "-3.7038");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "location");
    g_assert_cmpstr(g_array_index(f->ev->pii, xmt_pii_finding, 0).value, ==, "40.4168,-3.7038");
}

static void test_location_out_of_range(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "lat", "123.5");
    leaf(f, "lng", "10");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
}

static const char *finding_value(fixture *f, guint i)
{
    return g_array_index(f->ev->pii, xmt_pii_finding, i).value;
}

/* sa-sdk-android SensorsDataAPI.setGPSLocation and sa-sdk-ios
 * SALocationManager.m: millionths of a degree, as integers. */
static void test_location_scaled(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$latitude", "39908692");
    leaf(f, "properties.$longitude", "-116397477");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "location");
    g_assert_cmpstr(finding_value(f, 0), ==, "39908692,-116397477 (39.908692,-116.397477 in degrees)");
}

static void test_location_scaled_near_misses(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$latitude", "39908692");          /* a lone latitude */
    leaf(f, "properties.$speed", "116397477");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
    leaf(f, "properties.$longitude", "116.397477");       /* degrees beside a scaled latitude */
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
}

static void test_location_scaled_zero(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$latitude", "0");                 /* no fix yet */
    leaf(f, "properties.$longitude", "0");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
}

static void test_location_scaled_out_of_range(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$latitude", "95000000");          /* 95 degrees */
    leaf(f, "properties.$longitude", "10000000");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
    leaf(f, "properties.$latitude", "45");                /* 45 degrees, but the longitude is scaled */
    leaf(f, "properties.$longitude", "181");              /* only plausible as 0.000181 */
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
    leaf(f, "properties.$latitude", "45.5e0");            /* not an integer: no scaled reading */
    leaf(f, "properties.$longitude", "181000000");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "");
}

static void test_location_nested_and_separate(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.location.lat", "40.4168");        /* {"location":{"lat":..,"lng":..}} */
    leaf(f, "properties.location.lng", "-3.7038");
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "location");
    g_assert_cmpstr(finding_value(f, 0), ==, "40.4168,-3.7038");
}

static void test_location_key(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "H.curloc", "null");                          /* MIUI's "no location" */
    assert_kinds(f, "");
    leaf(f, "H.curloc", "40.4168,-3.7038");
    assert_kinds(f, "location");
}

/* $anonymization_id: base64 of the Android ID (SAPresetPropertyPlugin.java). */
static void test_encoded_android_id(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    char *encoded = g_base64_encode((const guchar *)"9774d56d682e549c", 16);
    char *not_hex = g_base64_encode((const guchar *)"not-an-android-id", 16);
    leaf(f, "properties.$anonymization_id", not_hex);
    leaf(f, "properties.checksum", encoded);              /* not under its key */
    assert_kinds(f, "");
    leaf(f, "properties.$anonymization_id", encoded);
    assert_kinds(f, "android_id");
    g_free(encoded);
    g_free(not_hex);
}

static void test_identity_mobile(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "identities.$identity_mobile", "13800138000");
    assert_kinds(f, "phone");
}

static void test_withdraw(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "H.uid", "sess-41c9");
    assert_kinds(f, "account_id");
    xmt_pii_finding got;
    g_assert_false(xmt_pii_withdraw(f->ev, XMT_PII_ACCOUNT_ID, "H.other", &got));
    g_assert_true(xmt_pii_withdraw(f->ev, XMT_PII_ACCOUNT_ID, "H.uid", &got));
    g_assert_cmpstr(got.value, ==, "sess-41c9");
    assert_kinds(f, "");
    leaf(f, "H.userid", "2882303761");                    /* the kind may be found again */
    assert_kinds(f, "account_id");
}

static void test_facts_and_signup(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    xmt_span none = xmt_span_make(0, 0, 0);
    xmt_event_add_fact(f->ev, XMT_FACT_URL, "https://example.com/", 0, none);
    xmt_event_add_fact(f->ev, XMT_FACT_SEARCH_TERM, "weather", 0, none);
    xmt_event_add_fact(f->ev, XMT_FACT_EVENT_TYPE, "track_signup", 0, none);
    xmt_event_add_fact(f->ev, XMT_FACT_DISTINCT_ID, "1234567890", 0, none);
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "url,search");                        /* no format said which type signs up */
    static const xmt_event_profile signs_up = { "track_signup" };
    f->msg->profile = &signs_up;
    xmt_pii_scan_event(f->msg, f->ev);
    assert_kinds(f, "url,search,account_id");
}

static void test_account_keys(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.uid", "0");
    assert_kinds(f, "");
    leaf(f, "H.userid", "2882303761");
    assert_kinds(f, "account_id");
}

/* An address the payload carries, under an address key; a dotted quad
 * elsewhere (a version) and the placeholders for "none" are not one. */
static void test_ip(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.$app_version", "4.0.17.1");
    leaf(f, "context.ip", "0.0.0.0");
    leaf(f, "ip", "$remote");                             /* Amplitude: "take the packet's" */
    leaf(f, "properties.$ip", "::");
    assert_kinds(f, "");
    leaf(f, "context.ip", "203.0.113.7");
    assert_kinds(f, "ip");
    g_assert_true(xmt_pii_is_ip("2001:db8::1"));
    g_assert_false(xmt_pii_is_ip("203.0.113"));
    g_assert_false(xmt_pii_is_ip("203.0.113.7.1"));
}

/* ---- watch list --------------------------------------------------------- */

static const char *watch_form(const xmt_event *ev, const char *label)
{
    for (guint i = 0; ev->watch && i < ev->watch->len; i++) {
        const xmt_watch_hit *h = &g_array_index(ev->watch, xmt_watch_hit, i);
        if (strcmp(h->label, label) == 0)
            return h->form;
    }
    return NULL;
}

static void test_watch_forms(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    xmt_watchlist *wl = xmt_watchlist_new();
    g_assert_true(xmt_watchlist_is_empty(wl));
    xmt_watchlist_add(wl, "imei", "355402081234568");
    xmt_watchlist_add(wl, "mail", "bob@example.net");
    xmt_watchlist_add(wl, "phone", "+34911222333");
    xmt_watchlist_add(wl, "aid", "0f1e2d3c4b5a6978");
    xmt_watchlist_add(wl, "absent", "never-sent");
    xmt_watchlist_add(wl, "empty", "");
    g_assert_false(xmt_watchlist_is_empty(wl));
    xmt_span none = xmt_span_make(0, 0, 0);
    /* md5("355402081234568"), upper-case sha1("+34911222333"), base64("0f1e2d3c4b5a6978") */
    char *md5 = g_compute_checksum_for_string(G_CHECKSUM_MD5, "355402081234568", -1);
    char *sha1 = g_compute_checksum_for_string(G_CHECKSUM_SHA1, "+34911222333", -1);
    char *sha1_upper = g_ascii_strup(sha1, -1);
    char *b64 = g_base64_encode((const guchar *)"0f1e2d3c4b5a6978", 16);
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "a", md5, none);
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "b", sha1_upper, none);
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "c", b64, none);
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "d", "contact: BOB@Example.NET", none);
    g_assert_cmpstr(watch_form(f->ev, "imei"), ==, "MD5");
    g_assert_cmpstr(watch_form(f->ev, "phone"), ==, "SHA-1");
    g_assert_cmpstr(watch_form(f->ev, "aid"), ==, "base64");
    g_assert_cmpstr(watch_form(f->ev, "mail"), ==, "clear");
    g_assert_null(watch_form(f->ev, "absent"));
    g_assert_cmpuint(f->ev->watch->len, ==, 4);
    /* once per entry and event */
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "e", md5, none);
    g_assert_cmpuint(f->ev->watch->len, ==, 4);
    g_free(md5);
    g_free(sha1);
    g_free(sha1_upper);
    g_free(b64);
    xmt_watchlist_free(wl);
}

static void test_watch_sha256(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    xmt_watchlist *wl = xmt_watchlist_new();
    xmt_watchlist_add(wl, "mail", "bob@example.net");
    char *sha256 = g_compute_checksum_for_string(G_CHECKSUM_SHA256, "bob@example.net", -1);
    char *wrapped = g_strdup_printf("{\"h\":\"%s\"}", sha256);
    xmt_watch_scan_leaf(wl, f->msg, f->ev, "h", wrapped, xmt_span_make(0, 0, 0));
    g_assert_cmpstr(watch_form(f->ev, "mail"), ==, "SHA-256");
    g_free(sha256);
    g_free(wrapped);
    xmt_watchlist_free(wl);
}

static void test_watch_empty_list(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    xmt_watch_scan_leaf(NULL, f->msg, f->ev, "a", "anything", xmt_span_make(0, 0, 0));
    g_assert_null(f->ev->watch);
}

/* The key table is freed at shutdown (xmt_pii_cleanup, so that nothing of the plugin is left
 * when Wireshark unloads it) and made again by a later scan. */
static void test_cleanup(fixture *f, gconstpointer d G_GNUC_UNUSED)
{
    leaf(f, "properties.imei", "490154203237518");          /* found through the key: the table */
    assert_kinds(f, "imei");
    xmt_pii_cleanup();
    xmt_pii_cleanup();                                      /* twice is harmless */
    xmt_event *again = xmt_message_add_event(f->msg, xmt_span_make(0, 0, 0));
    xmt_pii_scan_leaf(f->msg, again, "properties.imei", "490154203237518", xmt_span_make(0, 0, 0));
    g_assert_nonnull(again->pii);
    g_assert_cmpuint(again->pii->len, ==, 1);
    g_assert_cmpstr(xmt_pii_name(g_array_index(again->pii, xmt_pii_finding, 0).kind), ==, "imei");
}

#define ADD(name, fn) g_test_add(name, fixture, NULL, setup, fn, teardown)

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pii/luhn", test_luhn);
    ADD("/pii/imei", test_imei);
    ADD("/pii/ids", test_ids);
    ADD("/pii/contact", test_contact);
    ADD("/pii/e164_anywhere", test_e164_anywhere);
    ADD("/pii/location_needs_both", test_location_needs_both);
    ADD("/pii/location_out_of_range", test_location_out_of_range);
    ADD("/pii/location_scaled", test_location_scaled);
    ADD("/pii/location_scaled_near_misses", test_location_scaled_near_misses);
    ADD("/pii/location_scaled_zero", test_location_scaled_zero);
    ADD("/pii/location_scaled_out_of_range", test_location_scaled_out_of_range);
    ADD("/pii/location_nested_and_separate", test_location_nested_and_separate);
    ADD("/pii/location_key", test_location_key);
    ADD("/pii/encoded_android_id", test_encoded_android_id);
    ADD("/pii/identity_mobile", test_identity_mobile);
    ADD("/pii/withdraw", test_withdraw);
    ADD("/pii/facts_and_signup", test_facts_and_signup);
    ADD("/pii/account_keys", test_account_keys);
    ADD("/pii/ip", test_ip);
    ADD("/pii/cleanup", test_cleanup);
    ADD("/watch/forms", test_watch_forms);
    ADD("/watch/sha256", test_watch_sha256);
    ADD("/watch/empty_list", test_watch_empty_list);
    return g_test_run();
}
