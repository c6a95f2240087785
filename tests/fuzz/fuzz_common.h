/* fuzz_common.h: what the xmtrack libFuzzer harnesses share.
 *
 *   - fuzz_request_from(): the first two input bytes choose how the rest is
 *     presented to the decoding core (body or URI query, request URI, Host,
 *     Content-Type, headers, configuration), the way xmt_http.c fills an
 *     xmt_request, so one byte flip moves an input between request variants;
 *   - fuzz_check_message(): the invariants the Wireshark side relies on when
 *     it turns a decoded message into tree items (every span inside its layer,
 *     every string valid UTF-8, layers in order); a broken invariant aborts,
 *     and libFuzzer reports it like a crash.
 *
 * Harnesses are built with -fsanitize=fuzzer,address,undefined by the nested
 * clang build that tests/fuzz/CMakeLists.txt describes. */
#ifndef XMT_FUZZ_COMMON_H
#define XMT_FUZZ_COMMON_H

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "core/xmt_message.h"
#ifdef XMT_FUZZ_HAVE_WATCH
#include "core/xmt_watch.h"
#endif
#ifdef XMT_FUZZ_HAVE_PII
#include "core/xmt_pii.h"
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_FAIL(...) do { \
        fprintf(stderr, "xmtrack fuzz invariant broken (%s:%d): ", __FILE__, __LINE__); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        abort(); \
    } while (0)

/* XMT_FUZZ_IGNORE="span,utf8" turns those invariant checks off, to fuzz past
 * a known finding while it is being fixed (never in the test suite). */
G_GNUC_UNUSED static gboolean fuzz_ignored(const char *tag)
{
    const char *list = getenv("XMT_FUZZ_IGNORE");
    if (!list)
        return FALSE;
    gsize n = strlen(tag);
    for (const char *p = strstr(list, tag); p; p = strstr(p + 1, tag))
        if ((p == list || p[-1] == ',') && (p[n] == '\0' || p[n] == ','))
            return TRUE;
    return FALSE;
}

/* ---- request variants ---------------------------------------------------- */

/* Request URIs: Sensors hints (/sa, /sa.gif, /debug, project=), the paths of
 * the other Xiaomi SDKs (docs/formats/README.md, "Hosts"), and one whose query
 * is a GA4 hit's and a Measurement Protocol request's at once (GA4 bodies are
 * read with their query; a hint to no other format). */
static const char *const fuzz_uris[8] = {
    NULL,
    "/sa?project=x",
    "/sa.gif?project=default&r=cn",
    "/debug?project=global_browser_mini&r=IN",
    "/track/v1",
    "/mistats/v2",
    "/track/v4",
    "/g/collect?v=2&tid=G-1&cid=1.2&measurement_id=G-1&api_secret=s",
};

static const char *const fuzz_hosts[8] = {
    NULL,
    "sa.api.intl.miui.com",
    "collector.example.net",
    "tracking.miui.com",
    "tracking.intl.miui.com:443",
    "data.mistat.xiaomi.com",
    "www.example.com",
    "sdkconfig.ad.xiaomi.com",
};

static const char *const fuzz_content_types[8] = {
    NULL,
    "application/x-www-form-urlencoded",
    "application/json",
    "text/plain",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded",
    NULL,
};

/* Selector bytes of the seeds that tests/fuzz/make_seeds.py writes. */
#define FUZZ_SEL0(kind, uri, host, dry_run) \
    ((kind) | ((uri) << 1) | ((host) << 4) | ((dry_run) << 7))

typedef struct {
    xmt_request req;
    xmt_config cfg;
    char *uri;          /* owned: the request URI (with the query for GET beacons) */
    guint8 *data;       /* owned: an exact-size copy of the input, so ASan sees overreads */
    int headers;        /* which header set the header callback answers from */
} fuzz_request;

/* Vendor headers some formats read (OneTrack OT_*, MIUI Analytics gzip). */
G_GNUC_UNUSED static const char *fuzz_header_lookup(void *ctx, const char *lower_name)
{
    static const char *const sets[4][5][2] = {
        { { NULL, NULL } },
        { { "gzip", "1" }, { "ot_sid", "5f1d2c3b-aaaa-bbbb-cccc-0123456789ab" }, { "ot_ts", "1589353200000" },
          { "ot_sender", "com.miui.analytics" }, { "ot_protocol", "3.0" } },
        { { "gzip", "0" }, { "user-agent", "okhttp/3.12.1" }, { NULL, NULL } },
        { { "ot_net", "WIFI" }, { "ot_sid", "" }, { "gzip", "" }, { NULL, NULL } },
    };
    const int set = *(const int *)ctx;
    for (int i = 0; i < 5 && sets[set][i][0]; i++)
        if (strcmp(sets[set][i][0], lower_name) == 0)
            return sets[set][i][1];
    return NULL;
}

#ifdef XMT_FUZZ_HAVE_WATCH
/* A watch list like a user's: clear text, and forms that need hashing. */
G_GNUC_UNUSED static const xmt_watchlist *fuzz_watchlist(void)
{
    static xmt_watchlist *wl;
    if (!wl) {
        wl = xmt_watchlist_new();
        xmt_watchlist_add(wl, "imei", "490154203237518");
        xmt_watchlist_add(wl, "email", "alice@example.com");
        xmt_watchlist_add(wl, "short", "a");
    }
    return wl;
}
#endif

#ifdef XMT_FUZZ_HAVE_FIND_KEY
/* Keys the fuzzed decoder may look up (cfg->find_key): the REAL keys of
 * testdata/encrypted's aes_image (kid 7, AES-128), aes_ajax (kid 8, AES-256)
 * and aes_beacon (kid 9, AES-192) captures, so their uploads in the seeds
 * open and the plaintext paths are fuzzed, and a 15-byte key (kid 10) that
 * AES refuses.  Kid 7 has a wrong key first, as when two sites use one id:
 * the decoder tries both. */
static const guint8 *fuzz_find_key(void *ctx, const char *sdk, const char *key_id, guint nth, gsize *len,
                                   const char **source)
{
    static const struct { const char *id; const char *key; gsize len; } keys[] = {
        { "7", "another site's key", 16 },
        { "7", "\x05\xeb\x61\xe1\x8d\x4d\x6a\xab\xb8\xca\x7a\xc4\xaa\xfc\x7d\xc1", 16 },
        { "8", "\x0c\x69\x50\x6f\x2a\x18\x9c\xe7\xcd\x81\x39\x4f\x6b\x8e\x38\x8a"
               "\xbd\xa0\xef\x6b\x64\x09\xc1\xe8\x15\x8c\x07\x06\xe4\xa2\x4b\xee", 32 },
        { "9", "\x16\xa5\x2f\xd3\xe1\xb2\x3c\x34\xb4\xed\x9d\x3a\x23\x8f\xe8\x24"
               "\x50\x4e\x59\x34\xe4\x88\xb5\x21", 24 },
        { "10", "fifteen-bytes!!", 15 },
    };
    (void)ctx;
    if (!sdk || !key_id)
        FUZZ_FAIL("find_key without sdk or key_id");
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
        if (strcmp(key_id, keys[i].id) == 0 && nth-- == 0) {
            *len = keys[i].len;
            if (source)
                *source = "the fuzzer's key table";
            return (const guint8 *)keys[i].key;
        }
    }
    return NULL;
}
#endif

/* Configurations: 0 the plugin's defaults with the tree shown (members on);
 * 1 no tree but statistics (no members, privacy scan on); 2 small limits, so every limit path is reachable;
 * 3 the smallest limits the preferences allow, with the privacy scans on. */
G_GNUC_UNUSED static void fuzz_config_from(xmt_config *cfg, int variant)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
#ifdef XMT_FUZZ_HAVE_FIND_KEY
    cfg->find_key = fuzz_find_key;
#endif
    switch (variant & 3) {
    case 0:
        break;
    case 1:
        cfg->want_members = FALSE;
#ifdef XMT_FUZZ_HAVE_PII
        cfg->want_pii = TRUE;
#endif
        break;
    case 2:
        cfg->max_inflated = 4096;
        cfg->max_events = 3;
        cfg->max_json_depth = 6;
        cfg->max_json_nodes = 200;
        cfg->max_members = 5;
        break;
    default:
        cfg->max_inflated = 1024 * 1024;
        cfg->max_events = 1;
        cfg->max_json_depth = 2;
        cfg->max_json_nodes = 16;
        cfg->max_members = 1;
#ifdef XMT_FUZZ_HAVE_PII
        cfg->want_pii = TRUE;
#endif
#ifdef XMT_FUZZ_HAVE_WATCH
        cfg->watch = fuzz_watchlist();
#endif
        break;
    }
}

/* Byte 0: bit 0 URI query (else body), bits 1-3 URI, bits 4-6 Host, bit 7 Dry-Run.
 * Byte 1: bits 0-2 Content-Type, bits 3-4 header set / gzip header,
 *         bits 5-6 configuration, bit 7 method unknown.
 * Returns FALSE when the input is too short to hold the selector. */
G_GNUC_UNUSED static gboolean fuzz_request_from(fuzz_request *f, const uint8_t *data, size_t size)
{
    memset(f, 0, sizeof *f);
    if (size < 2)
        return FALSE;
    const uint8_t s0 = data[0], s1 = data[1];
    data += 2;
    size -= 2;

    xmt_request *req = &f->req;
    xmt_request_init(req);
    const gboolean query = (s0 & 1) != 0;
    const char *uri = fuzz_uris[(s0 >> 1) & 7];
    req->host = fuzz_hosts[(s0 >> 4) & 7];
    req->dry_run = (s0 >> 7) & 1;
    f->headers = (s1 >> 3) & 3;
    req->gzip_header = f->headers == 1 ? 1 : f->headers == 2 ? 0 : -1;
#ifdef XMT_FUZZ_HAVE_REQUEST_HEADERS
    req->header = fuzz_header_lookup;
    req->header_ctx = &f->headers;
#else
    (void)fuzz_header_lookup;
#endif
    req->user_agent = f->headers == 2 ? "okhttp/3.12.1" : NULL;

    if (query) {
        /* A GET beacon: the query of the request URI, which holds no NUL. */
        size = strnlen((const char *)data, size);
        const char *path = uri ? uri : "/";
        gsize path_len = strcspn(path, "?");
        f->uri = g_strdup_printf("%.*s?%.*s", (int)path_len, path, (int)size, (const char *)data);
        req->kind = XMT_INPUT_URI_QUERY;
        req->method = (s1 & 0x80) ? NULL : "GET";
        req->content_type = NULL;
    } else {
        f->uri = uri ? g_strdup(uri) : NULL;
        req->kind = XMT_INPUT_BODY;
        req->method = (s1 & 0x80) ? NULL : "POST";
        req->content_type = fuzz_content_types[s1 & 7];
    }
    req->uri = f->uri;
    f->data = g_malloc(size ? size : 1);
    memcpy(f->data, data, size);
    req->data = f->data;
    req->len = size;

    fuzz_config_from(&f->cfg, (s1 >> 5) & 3);
    return TRUE;
}

G_GNUC_UNUSED static void fuzz_request_clear(fuzz_request *f)
{
    g_free(f->uri);
    g_free(f->data);
    memset(f, 0, sizeof *f);
}

/* ---- invariants of a decoded message -------------------------------------- */

G_GNUC_UNUSED static void fuzz_check_utf8(const char *s, const char *what)
{
    if (s && !g_utf8_validate(s, -1, NULL) && !fuzz_ignored("utf8"))
        FUZZ_FAIL("%s is not valid UTF-8: \"%s\"", what, s);
}

/* A span must lie inside the bytes it names: the tree adds items with it.
 * An empty span too: it is a zero-length item at its offset. */
G_GNUC_UNUSED static void fuzz_check_span(const xmt_message *msg, const xmt_request *req, xmt_span span, const char *what)
{
    gsize limit;
    if (span.layer < 0) {
        if (span.layer != XMT_LAYER_INPUT)
            FUZZ_FAIL("%s: span in layer %d", what, span.layer);
        limit = req->len;
    } else {
        const xmt_layer *layer = xmt_message_layer(msg, span.layer);
        if (!layer)
            FUZZ_FAIL("%s: span in layer %d of %u", what, span.layer, msg->layers->len);
        limit = layer->len;
    }
    if ((guint64)span.off + span.len > limit && !fuzz_ignored("span"))
        FUZZ_FAIL("%s: span %d:%u+%u ends past the %" G_GSIZE_FORMAT " bytes of its layer",
                  what, span.layer, span.off, span.len, limit);
}

G_GNUC_UNUSED static void fuzz_check_facts(const xmt_message *msg, const xmt_request *req, const GArray *facts, const char *what)
{
    for (guint i = 0; i < facts->len; i++) {
        const xmt_fact *f = &g_array_index(facts, xmt_fact, i);
        if ((int)f->id < 0 || f->id >= XMT_FACT_COUNT)
            FUZZ_FAIL("%s: fact id %d", what, (int)f->id);
        fuzz_check_utf8(f->str, what);
        fuzz_check_span(msg, req, f->span, what);
    }
}

G_GNUC_UNUSED static void fuzz_check_message(const xmt_message *msg, const xmt_request *req)
{
    guint decoded = 0;
    for (guint i = 0; i < msg->layers->len; i++) {
        const xmt_layer *layer = xmt_message_layer(msg, (int)i);
        if (!layer->data && layer->len)
            FUZZ_FAIL("layer %u has no bytes", i);
        if (layer->from.layer >= (int)i)
            FUZZ_FAIL("layer %u made from layer %d", i, layer->from.layer);
        fuzz_check_utf8(layer->label, "layer label");
        fuzz_check_span(msg, req, layer->from, "layer source");
        if (layer->len > G_MAXINT32)
            FUZZ_FAIL("layer %u has %" G_GSIZE_FORMAT " bytes, more than a tvb holds", i, layer->len);
    }
    fuzz_check_facts(msg, req, msg->facts, "message fact");
    for (guint i = 0; i < msg->events->len; i++) {
        const xmt_event *ev = g_ptr_array_index(msg->events, i);
        if (!ev->opaque)
            decoded++;
        fuzz_check_utf8(ev->name, "event name");
        fuzz_check_span(msg, req, ev->span, "event");
        fuzz_check_facts(msg, req, ev->facts, "event fact");
        for (guint m = 0; ev->members && m < ev->members->len; m++) {
            const xmt_member *mem = &g_array_index(ev->members, xmt_member, m);
            if (!mem->path || !mem->value)
                FUZZ_FAIL("member %u without path or value", m);
            fuzz_check_utf8(mem->path, "member path");
            fuzz_check_utf8(mem->value, "member value");
            fuzz_check_span(msg, req, mem->span, "member");
        }
#ifdef XMT_FUZZ_HAVE_PII
        for (guint k = 0; ev->pii && k < ev->pii->len; k++) {
            const xmt_pii_finding *pf = &g_array_index(ev->pii, xmt_pii_finding, k);
            fuzz_check_utf8(xmt_pii_name(pf->kind), "pii kind");
            fuzz_check_utf8(pf->path, "pii path");
            fuzz_check_utf8(pf->value, "pii value");
            fuzz_check_span(msg, req, pf->span, "pii finding");
        }
#endif
#ifdef XMT_FUZZ_HAVE_WATCH
        for (guint k = 0; ev->watch && k < ev->watch->len; k++) {
            const xmt_watch_hit *h = &g_array_index(ev->watch, xmt_watch_hit, k);
            fuzz_check_utf8(h->label, "watch label");
            fuzz_check_utf8(h->path, "watch path");
            fuzz_check_span(msg, req, h->span, "watch hit");
        }
#endif
    }
    if (decoded != msg->event_count)
        FUZZ_FAIL("event_count %u, but %u decoded events", msg->event_count, decoded);
    /* Each error is a tree item: hostile input must not make them unbounded. */
    if (msg->errors->len > XMT_MAX_ERRORS || (msg->errors_dropped && msg->errors->len != XMT_MAX_ERRORS))
        FUZZ_FAIL("%u errors kept and %u dropped: the cap is %u", msg->errors->len, msg->errors_dropped, XMT_MAX_ERRORS);
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        if (!e->layer || !e->reason)
            FUZZ_FAIL("error %u without layer or reason", i);
        fuzz_check_utf8(e->reason, "error reason");
        fuzz_check_span(msg, req, e->span, "error");
    }
    if (msg->has_json)
        fuzz_check_span(msg, req, msg->json, "JSON document");
}

#endif /* XMT_FUZZ_COMMON_H */
