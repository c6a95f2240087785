/* test_sensors_keys.c: the Sensors web AES plugin's keys, from the page to the
 * plaintext.
 *
 *   /sensors_keys/real/...      formats/xmt_sensors_keys.h over the REAL bodies
 *                               served in testdata/encrypted (sensors_keys/,
 *                               from extract.py; expectations are what the page
 *                               told the SDK, from the captures' .expect.json);
 *   /sensors_keys/spelling/...  the other spellings of docs/formats/sensors-encryption.md §4;
 *   /sensors_keys/hostile/...   unterminated, huge, missing, repeated;
 *   /sensors_keys/decrypt/...   xmt_decode() of the REAL uploads with a key
 *                               callback (cfg->find_key): the key the page
 *                               gave, the key found in the page, a wrong key,
 *                               no key, damaged payloads. */
#include <glib.h>
#include <string.h>

#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "core/xmt_message.h"
#include "core/xmt_pii.h"
#include "formats/xmt_sensors_keys.h"

#define MAX_KEYS 16

/* What generate.js told the SDK to send (testdata/encrypted/ .expect.json files, "told"). */
#define TOLD_SEARCH_WORD "xiaomi 14 ultra price"
#define TOLD_PRODUCT_URL "https://shop.example.com/product/42?ref=search"

static char *data_path(const char *name)
{
    return g_build_filename(XMT_SENSORS_KEYS_DIR, name, NULL);
}

static GPtrArray *read_tsv(const char *name)
{
    char *path = data_path(name), *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    char **lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++)
        if (**l && **l != '#')
            g_ptr_array_add(rows, g_strsplit(*l, "\t", -1));
    g_strfreev(lines);
    g_free(text);
    g_free(path);
    return rows;
}

static GArray *find_in(const char *body)
{
    return xmt_sensors_find_keys((const guint8 *)body, strlen(body), MAX_KEYS);
}

static const xmt_sensors_key *key_at(GArray *keys, guint i)
{
    return &g_array_index(keys, xmt_sensors_key, i);
}

/* ---- the real bodies ------------------------------------------------------ */

static void test_real_bodies(void)
{
    GPtrArray *rows = read_tsv("manifest.tsv");
    g_assert_cmpuint(rows->len, >=, 5);
    for (guint r = 0; r < rows->len; r++) {
        char **f = g_ptr_array_index(rows, r);
        g_assert_cmpuint(g_strv_length(f), ==, 6);
        char *path = data_path(f[0]), *body = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(path, &body, &len, NULL));
        g_test_message("%s: %" G_GSIZE_FORMAT " bytes", f[0], len);
        GArray *keys = xmt_sensors_find_keys((const guint8 *)body, len, MAX_KEYS);
        if (strcmp(f[1], "-") == 0) {
            /* The plugin's own code: it names k, kid and khash, holds no key. */
            g_assert_true(xmt_sensors_body_may_have_keys((const guint8 *)body, len));
            g_assert_cmpuint(keys->len, ==, 0);
        } else {
            g_assert_cmpuint(keys->len, ==, 1);
            const xmt_sensors_key *k = key_at(keys, 0);
            gsize told_len = 0;
            guint8 *told = g_base64_decode(f[2], &told_len);
            g_assert_cmpstr(k->key_id, ==, f[1]);
            g_assert_false(k->kid_quoted);
            g_assert_cmpmem(k->key, k->key_len, told, told_len);
            g_assert_cmpstr(k->k_text, ==, f[2]);
            g_assert_cmpstr(k->khash, ==, f[3]);
            g_assert_cmpuint(k->object_off, ==, g_ascii_strtoull(f[4], NULL, 10));
            g_assert_cmpuint(k->k_off, ==, g_ascii_strtoull(f[5], NULL, 10));
            g_assert_cmpmem(body + k->k_off, k->k_len, f[2], strlen(f[2]));
            g_assert_cmpmem(body + k->khash_off, k->khash_len, f[3], strlen(f[3]));
            g_assert_cmpint(body[k->object_off], ==, '{');
            g_assert_cmpint(body[k->object_off + k->object_len - 1], ==, '}');
            g_free(told);
        }
        xmt_sensors_keys_free(keys);
        g_free(body);
        g_free(path);
    }
    g_ptr_array_unref(rows);
}

/* ---- spellings -------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *body;
    const char *key_id;     /* NULL: no key */
    const char *k;
    const char *khash;      /* NULL: not a literal */
    gboolean kid_quoted;
} spelling;

#define K16 "AAECAwQFBgcICQoLDA0ODw=="
static const spelling spellings[] = {
    { "readme", "sensors.use(AesEncryption,{\n    k:'" K16 "',\n    kid: 1, // 密钥编号\n    khash: 'h1'\n});",
      "1", K16, "h1", FALSE },
    { "use_plugin_older_api", "sensors.usePlugin(AesEncryption, {k: '" K16 "', kid: 2, khash: 'h2'})", "2", K16, "h2", FALSE },
    { "string_name", "s.use('AesEncryption',{k:\"" K16 "\",kid:3,khash:\"h3\"})", "3", K16, "h3", FALSE },
    { "minified", "e.use(Xe,{k:\"" K16 "\",kid:4,khash:\"h4\"}),e.init({server_url:u})", "4", K16, "h4", FALSE },
    { "json_quoted_names", "window.__SA__={\"k\":\"" K16 "\",\"kid\":5,\"khash\":\"h5\"};", "5", K16, "h5", FALSE },
    { "key_order", "{khash:'h6',kid:6,k:'" K16 "'}", "6", K16, "h6", FALSE },
    { "json_in_js_string", "var c=JSON.parse(\"{\\\"k\\\":\\\"" K16 "\\\",\\\"kid\\\":7,\\\"khash\\\":\\\"h7\\\"}\");",
      "7", K16, "h7", FALSE },
    { "html_entities", "<div data-sa=\"{&quot;k&quot;:&quot;" K16 "&quot;,&quot;kid&quot;:8,&quot;khash&quot;:&quot;h8&quot;}\">",
      "8", K16, "h8", FALSE },
    { "template_literal", "sensors.use(A,{k:`" K16 "`,kid:9,khash:`h9`})", "9", K16, "h9", FALSE },
    { "exponent", "x.use(p,{k:\"" K16 "\",kid:1e3,khash:\"h\"})", "1000", K16, "h", FALSE },
    { "hex_number", "x.use(p,{k:\"" K16 "\",kid:0x1f,khash:\"h\"})", "31", K16, "h", FALSE },
    /* Past 2^53 (and 1e400 is inf): kept as written (fuzz_sensors_keys found the cast of inf). */
    { "huge_number", "x.use(p,{k:\"" K16 "\",kid:1e400,khash:\"h\"})", "1e400", K16, "h", FALSE },
    { "kid_string", "x.use(p,{k:'" K16 "',kid:'12',khash:'h'})", "12", K16, "h", TRUE },
    { "khash_variable", "x.use(p,{k:'" K16 "',kid:13,khash:H})", "13", K16, NULL, FALSE },
    { "other_members", "x.use(p,{title:'{not an object}',k:'" K16 "',opts:{a:[1,{b:2}],c:f(3)},kid:14,khash:'h'})",
      "14", K16, "h", FALSE },
    { "nested", "cfg={plugins:{aes:{k:'" K16 "',kid:15,khash:'h'}},other:1}", "15", K16, "h", FALSE },
    { "comment_block", "x.use(p,{/* AES */k:'" K16 "',/* id */kid:16,khash:'h'/* end */})", "16", K16, "h", FALSE },
    { "url_safe_base64", "x.use(p,{k:'-_-_-_-_-_-_-_-_-_-_-w',kid:17,khash:'h'})", "17", "-_-_-_-_-_-_-_-_-_-_-w", "h", FALSE },
    /* No key: */
    { "no_kid", "x.use(p,{k:'" K16 "',khash:'h'})", NULL, NULL, NULL, FALSE },
    { "k_variable", "x.use(p,{k:e,kid:1,khash:'h'})", NULL, NULL, NULL, FALSE },
    { "k_number", "x.use(p,{k:5,kid:1,khash:'h'})", NULL, NULL, NULL, FALSE },
    { "k_not_base64", "x.use(p,{k:'!!!!',kid:1,khash:'h'})", NULL, NULL, NULL, FALSE },
    { "kid_not_digits", "x.use(p,{k:'" K16 "',kid:'abc',khash:'h'})", NULL, NULL, NULL, FALSE },
    { "shorthand", "var k='" K16 "',kid=1,khash='h';x.use(p,{k,kid,khash})", NULL, NULL, NULL, FALSE },
    { "plugin_code", "t&&t.kit?y(e.k,'k')&&y(e.kid,'kid')&&y(e.khash,'khash')&&v(e.khash,'x','string'):p()", NULL, NULL,
      NULL, FALSE },
    { "longer_word", "x={k:'" K16 "',kid:1,mykhash:'h'}", NULL, NULL, NULL, FALSE },
    { "member_access", "var khash=cfg.khash;", NULL, NULL, NULL, FALSE },
};

static void check_spelling(gconstpointer data)
{
    const spelling *s = data;
    GArray *keys = find_in(s->body);
    if (!s->key_id) {
        g_assert_cmpuint(keys->len, ==, 0);
        xmt_sensors_keys_free(keys);
        return;
    }
    g_assert_cmpuint(keys->len, ==, 1);
    const xmt_sensors_key *k = key_at(keys, 0);
    g_assert_cmpstr(k->key_id, ==, s->key_id);
    g_assert_cmpstr(k->k_text, ==, s->k);
    g_assert_cmpstr(k->khash, ==, s->khash);
    g_assert_cmpint(k->kid_quoted, ==, s->kid_quoted);
    g_assert_cmpmem(s->body + k->k_off, k->k_len, s->k, strlen(s->k));
    if (strcmp(s->k, K16) == 0) {
        static const guint8 bytes[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
        g_assert_cmpmem(k->key, k->key_len, bytes, 16);
    }
    xmt_sensors_keys_free(keys);
}

/* ---- hostile --------------------------------------------------------------------- */

static void test_unterminated(void)
{
    static const char *const bodies[] = {
        "x.use(p,{k:'" K16 "',kid:1,khash:'h",
        "x.use(p,{k:'" K16 "',kid:1,khash:",
        "x.use(p,{k:'" K16 "',kid:1,khash",
        "x.use(p,{k:'" K16,
        "{khash",
        "khash",
        "{k:'\\",
        "{khash:'h',k:'" K16 "',kid:1",
        "{khash:'h',k:'" K16 "',kid:1,",
        "{khash:'h',k:'" K16 "',kid:1,x:{",
        "{khash:'h',k:'" K16 "',kid:1,x:[[[[[[[[[[[[[[[[[[[[[[",
        "{khash:'h',k:'" K16 "',kid:1,x:/*",
        "{khash:'h',k:'" K16 "',kid:1,x:&quot;",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bodies); i++) {
        /* An exact-size copy: ASan/valgrind runs see any read past it. */
        gsize n = strlen(bodies[i]);
        guint8 *copy = g_memdup2(bodies[i], n);
        GArray *keys = xmt_sensors_find_keys(copy, n, MAX_KEYS);
        g_assert_cmpuint(keys->len, ==, 0);
        xmt_sensors_keys_free(keys);
        /* And every prefix of it. */
        for (gsize m = 0; m < n; m++) {
            keys = xmt_sensors_find_keys(copy, m, MAX_KEYS);
            g_assert_cmpuint(keys->len, ==, 0);
            xmt_sensors_keys_free(keys);
        }
        g_free(copy);
    }
}

/* The last of a repeated member counts, as in JavaScript. */
static void test_repeated_member(void)
{
    GArray *keys = find_in("x.use(p,{k:'AAAAAAAAAAAAAAAAAAAAAA==',k:'" K16 "',kid:1,kid:2,khash:'a',khash:'b'})");
    g_assert_cmpuint(keys->len, ==, 1);
    g_assert_cmpstr(key_at(keys, 0)->k_text, ==, K16);
    g_assert_cmpstr(key_at(keys, 0)->key_id, ==, "2");
    g_assert_cmpstr(key_at(keys, 0)->khash, ==, "b");
    xmt_sensors_keys_free(keys);
}

/* The same configuration twice (a page and its script), and two keys: each
 * occurrence is reported, in body order, with its own offsets. */
static void test_repeated_config(void)
{
    const char *body = "<script>s.use(A,{k:'" K16 "',kid:1,khash:'h'})</script><script src=x></script>"
                       "<script>s.use(A,{k:'" K16 "',kid:1,khash:'h'});t.use(A,{k:'AAAAAAAAAAAAAAAAAAAAAA==',kid:2,khash:'g'})</script>";
    GArray *keys = find_in(body);
    g_assert_cmpuint(keys->len, ==, 3);
    g_assert_cmpstr(key_at(keys, 0)->key_id, ==, "1");
    g_assert_cmpstr(key_at(keys, 1)->key_id, ==, "1");
    g_assert_cmpstr(key_at(keys, 2)->key_id, ==, "2");
    g_assert_cmpuint(key_at(keys, 0)->object_off, <, key_at(keys, 1)->object_off);
    g_assert_cmpuint(key_at(keys, 1)->object_off, <, key_at(keys, 2)->object_off);
    xmt_sensors_keys_free(keys);
}

/* At most max_keys are returned. */
static void test_max_keys(void)
{
    GString *b = g_string_new(NULL);
    for (int i = 0; i < 40; i++)
        g_string_append_printf(b, "s.use(A,{k:'" K16 "',kid:%d,khash:'h'});\n", i);
    GArray *keys = xmt_sensors_find_keys((const guint8 *)b->str, b->len, 3);
    g_assert_cmpuint(keys->len, ==, 3);
    g_assert_cmpstr(key_at(keys, 2)->key_id, ==, "2");
    xmt_sensors_keys_free(keys);
    keys = xmt_sensors_find_keys((const guint8 *)b->str, b->len, 100);
    g_assert_cmpuint(keys->len, ==, 40);
    xmt_sensors_keys_free(keys);
    g_string_free(b, TRUE);
}

/* Large bodies: an ordinary one has no marker; one full of markers gives an
 * answer after at most XMT_SENSORS_KEYS_MAX_HITS looks, and keys past them
 * are not seen (documented). */
static void test_huge(void)
{
    gsize n = 8u << 20;
    guint8 *plain = g_malloc(n);
    memset(plain, 'a', n);
    plain[n / 2] = 0;  /* a NUL inside: bodies are bytes */
    g_assert_false(xmt_sensors_body_may_have_keys(plain, n));
    GArray *keys = xmt_sensors_find_keys(plain, n, MAX_KEYS);
    g_assert_cmpuint(keys->len, ==, 0);
    xmt_sensors_keys_free(keys);
    g_free(plain);

    GString *b = g_string_new("{");
    while (b->len < (4u << 20))
        g_string_append(b, "khash:1,");
    g_string_append(b, "k:'" K16 "',kid:1}");
    g_string_append(b, "s.use(A,{k:'" K16 "',kid:2,khash:'h'})");
    keys = xmt_sensors_find_keys((const guint8 *)b->str, b->len, MAX_KEYS);
    g_assert_cmpuint(keys->len, ==, 0);
    xmt_sensors_keys_free(keys);
    g_string_free(b, TRUE);

    /* An object longer than XMT_SENSORS_KEYS_MAX_OBJECT is not read. */
    b = g_string_new("s.use(A,{k:'" K16 "',pad:'");
    for (int i = 0; i < XMT_SENSORS_KEYS_MAX_OBJECT; i++)
        g_string_append_c(b, 'x');
    g_string_append(b, "',kid:1,khash:'h'})");
    keys = xmt_sensors_find_keys((const guint8 *)b->str, b->len, MAX_KEYS);
    g_assert_cmpuint(keys->len, ==, 0);
    xmt_sensors_keys_free(keys);
    g_string_free(b, TRUE);
}

/* A value with a NUL byte or invalid UTF-8 is not text a field can show
 * (fuzz_sensors_keys found a khash with a NUL reported cut short). */
static void test_not_text(void)
{
    static const char body[] = "x.use(p,{k:'" K16 "',kid:1,khash:'ab\0cd'})x.use(p,{k:'" K16 "',kid:2,khash:'\xff'})";
    GArray *keys = xmt_sensors_find_keys((const guint8 *)body, sizeof body - 1, MAX_KEYS);
    g_assert_cmpuint(keys->len, ==, 0);
    xmt_sensors_keys_free(keys);
}

static void test_null_and_empty(void)
{
    GArray *keys = xmt_sensors_find_keys(NULL, 0, MAX_KEYS);
    g_assert_cmpuint(keys->len, ==, 0);
    xmt_sensors_keys_free(keys);
    xmt_sensors_keys_free(NULL);
    g_assert_false(xmt_sensors_body_may_have_keys(NULL, 0));
    g_assert_false(xmt_sensors_body_may_have_keys((const guint8 *)"khas", 4));
}

/* ---- decryption of the real uploads ----------------------------------------------- */

typedef struct {
    const char *key_id;
    const guint8 *key;
    gsize len;
    const char *source;
    guint calls;
    char *last_sdk;
} key_table;

static const guint8 *table_find(void *ctx, const char *sdk, const char *key_id, guint nth, gsize *len,
                                const char **source)
{
    key_table *t = ctx;
    t->calls++;
    g_free(t->last_sdk);
    t->last_sdk = g_strdup(sdk);
    if (!t->key || nth > 0 || strcmp(key_id, t->key_id) != 0)
        return NULL;
    *len = t->len;
    if (source)
        *source = t->source;
    return t->key;
}

/* One upload of uploads.tsv as the glue would describe it. */
static void upload_request(xmt_request *req, char **f, char **uri_out)
{
    xmt_request_init(req);
    gboolean query = strcmp(f[2], "query") == 0;
    req->kind = query ? XMT_INPUT_URI_QUERY : XMT_INPUT_BODY;
    req->data = (const guint8 *)f[9];
    req->len = strlen(f[9]);
    req->method = query ? "GET" : "POST";
    *uri_out = query ? g_strconcat(f[3], "?", f[9], NULL) : g_strconcat(f[3], "?project=xmtrack", NULL);
    req->uri = *uri_out;
    req->host = "sa.example.com";
    req->content_type = query ? NULL : strcmp(f[0], "aes_beacon_http1") == 0 ? "text/plain"
                                                                                 : "application/x-www-form-urlencoded";
}

static void config_with(xmt_config *cfg, key_table *t)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
    cfg->want_pii = TRUE;
    cfg->find_key = table_find;
    cfg->find_key_ctx = t;
}

static const xmt_event *decoded_event(const xmt_message *msg)
{
    const xmt_event *found = NULL;
    for (guint i = 0; i < msg->events->len; i++) {
        const xmt_event *ev = g_ptr_array_index(msg->events, i);
        if (!ev->opaque) {
            g_assert_null(found);
            found = ev;
        }
    }
    return found;
}

static gboolean has_pii(const xmt_event *ev, xmt_pii_kind kind)
{
    for (guint i = 0; ev->pii && i < ev->pii->len; i++)
        if (g_array_index(ev->pii, xmt_pii_finding, i).kind == kind)
            return TRUE;
    return FALSE;
}

static const xmt_error *error_in(const xmt_message *msg, const char *layer)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        if (strcmp(e->layer, layer) == 0)
            return e;
    }
    return NULL;
}

/* Every real upload opens with the key the page gave (for the upload-first
 * capture: the key FOUND in its page by xmt_sensors_find_keys) and decodes
 * to the record the collector decrypted from it. */
static void test_decrypt_real_uploads(void)
{
    GPtrArray *rows = read_tsv("uploads.tsv");
    g_assert_cmpuint(rows->len, ==, 26);
    char *found_path = data_path("aes_upload_first_http1__sa-config.js"), *found_body = NULL;
    gsize found_len = 0;
    g_assert_true(g_file_get_contents(found_path, &found_body, &found_len, NULL));
    GArray *found = xmt_sensors_find_keys((const guint8 *)found_body, found_len, MAX_KEYS);
    g_assert_cmpuint(found->len, ==, 1);

    for (guint r = 0; r < rows->len; r++) {
        char **f = g_ptr_array_index(rows, r);
        g_assert_cmpuint(g_strv_length(f), ==, 10);
        gsize told_len = 0;
        guint8 *told = g_base64_decode(f[5], &told_len);
        key_table t = { f[4], told, told_len, "the key table", 0, NULL };
        if (strcmp(f[0], "aes_upload_first_http1") == 0) {
            const xmt_sensors_key *k = key_at(found, 0);
            g_assert_cmpstr(k->key_id, ==, f[4]);
            t.key_id = k->key_id;
            t.key = k->key;
            t.len = k->key_len;
            t.source = "the page (sa-config.js)";
        }
        xmt_request req;
        char *uri = NULL;
        upload_request(&req, f, &uri);
        xmt_config cfg;
        config_with(&cfg, &t);
        xmt_message *msg = xmt_decode(&req, &cfg);
        g_assert_nonnull(msg);
        g_test_message("%s frame %s: %s %s", f[0], f[1], f[6], f[7]);
        g_assert_cmpstr(msg->sdk, ==, "sensors");
        g_assert_cmpuint(t.calls, ==, 1);
        g_assert_cmpstr(t.last_sdk, ==, "sensors");
        g_assert_true(msg->encrypted);
        g_assert_true(msg->decrypted);
        g_assert_true(msg->has_crc);
        g_assert_true(msg->crc_valid);
        g_assert_cmpuint(msg->errors->len, ==, 0);
        g_assert_cmpuint(msg->event_count, ==, 1);
        const xmt_fact *src = xmt_message_fact(msg, XMT_FACT_KEY_SOURCE);
        g_assert_nonnull(src);
        g_assert_nonnull(strstr(src->str, t.source));
        /* The wrapper as sent, and the record inside it. */
        const xmt_event *wrapper = g_ptr_array_index(msg->events, 0);
        g_assert_true(wrapper->opaque);
        g_assert_true(xmt_event_has_string(wrapper, XMT_FACT_KEY_ID, f[4]));
        const xmt_event *ev = decoded_event(msg);
        g_assert_nonnull(ev);
        g_assert_true(xmt_event_has_string(ev, XMT_FACT_EVENT_TYPE, f[6]));
        if (strcmp(f[7], "-") != 0)
            g_assert_true(xmt_event_has_string(ev, XMT_FACT_EVENT, f[7]));
        g_assert_true(xmt_event_has_string(ev, XMT_FACT_DISTINCT_ID, f[8]));
        if (strcmp(f[7], "search") == 0)
            g_assert_true(xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, TOLD_SEARCH_WORD));
        if (strcmp(f[7], "view_product") == 0)
            g_assert_true(xmt_event_has_string(ev, XMT_FACT_URL, TOLD_PRODUCT_URL));
        if (strcmp(f[6], "profile_set") == 0) {
            g_assert_true(has_pii(ev, XMT_PII_EMAIL));
            g_assert_true(has_pii(ev, XMT_PII_PHONE));
        }
        xmt_message_free(msg);
        g_free(uri);
        g_free(told);
        g_free(t.last_sdk);
    }
    xmt_sensors_keys_free(found);
    g_free(found_body);
    g_free(found_path);
    g_ptr_array_unref(rows);
}

/* The first upload of aes_ajax_http1 (AES-256), for the failure cases. */
static char **first_ajax_upload(GPtrArray *rows)
{
    for (guint r = 0; r < rows->len; r++) {
        char **f = g_ptr_array_index(rows, r);
        if (strcmp(f[0], "aes_ajax_http1") == 0)
            return f;
    }
    g_assert_not_reached();
    return NULL;
}

static xmt_message *decode_with(char **f, const char *body, key_table *t)
{
    xmt_request req;
    char *uri = NULL;
    upload_request(&req, f, &uri);
    req.data = (const guint8 *)body;
    req.len = strlen(body);
    xmt_config cfg;
    config_with(&cfg, t);
    if (!t)
        cfg.find_key = NULL;
    xmt_message *msg = xmt_decode(&req, &cfg);
    g_free(uri);
    g_assert_nonnull(msg);
    g_assert_true(msg->encrypted);
    return msg;
}

static void test_decrypt_failures(void)
{
    GPtrArray *rows = read_tsv("uploads.tsv");
    char **f = first_ajax_upload(rows);
    gsize told_len = 0;
    guint8 *told = g_base64_decode(f[5], &told_len);
    g_assert_cmpuint(told_len, ==, 32);

    /* No callback: shown as sent, no error (the glue adds the "encrypted" note). */
    xmt_message *msg = decode_with(f, f[9], NULL);
    g_assert_false(msg->decrypted);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 0);
    xmt_message_free(msg);

    /* A key table without this key_id. */
    key_table t = { "999", told, told_len, "the key table", 0, NULL };
    msg = decode_with(f, f[9], &t);
    g_assert_cmpuint(t.calls, ==, 1);
    g_assert_false(msg->decrypted);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    xmt_message_free(msg);
    g_free(t.last_sdk);

    /* A wrong key of the right length: bad padding (checked on every pad byte). */
    guint8 wrong[32];
    memcpy(wrong, told, 32);
    wrong[0] ^= 0x80;
    key_table w = { f[4], wrong, 32, "the key table", 0, NULL };
    msg = decode_with(f, f[9], &w);
    g_assert_false(msg->decrypted);
    const xmt_error *e = error_in(msg, "AES");
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(e->reason, "bad padding"));
    g_assert_cmpuint(msg->event_count, ==, 0);
    xmt_message_free(msg);
    g_free(w.last_sdk);

    /* A key of a length AES has not. */
    key_table s = { f[4], told, 15, "the key table", 0, NULL };
    msg = decode_with(f, f[9], &s);
    e = error_in(msg, "AES");
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(e->reason, "bad key length"));
    xmt_message_free(msg);
    g_free(s.last_sdk);

    /* Damaged payloads (the body is data=<%JSON>&ext=..&gzip=9): */
    const char *mark = strstr(f[9], "%22payload%22%3A%22");
    g_assert_nonnull(mark);
    gsize at = (gsize)(mark - f[9]) + strlen("%22payload%22%3A%22");
    key_table k = { f[4], told, told_len, "the key table", 0, NULL };
    /* the IV's first byte altered: CBC leaves the padding, the plaintext no longer starts with '{' */
    char *body = g_strdup(f[9]);
    body[at] = body[at] == 'A' ? 'B' : 'A';
    msg = decode_with(f, body, &k);
    g_assert_false(msg->crc_valid);
    g_assert_nonnull(error_in(msg, "AES"));
    g_assert_nonnull(strstr(error_in(msg, "AES")->reason, "not JSON"));
    xmt_message_free(msg);
    g_free(body);
    /* a character that is not base64 */
    body = g_strdup(f[9]);
    body[at + 5] = '*';
    msg = decode_with(f, body, &k);
    g_assert_false(msg->decrypted);
    g_assert_nonnull(error_in(msg, "base64"));
    xmt_message_free(msg);
    g_free(body);
    /* the payload cut to 28 base64 characters (21 bytes: the IV and 5 bytes
     * of a block); a %XX escape is one character */
    const char *end = strstr(f[9] + at, "%22%7D");
    g_assert_nonnull(end);
    gsize cut_at = at;
    for (int chars = 0; chars < 28; chars++)
        cut_at += f[9][cut_at] == '%' ? 3 : 1;
    GString *cut = g_string_new_len(f[9], (gssize)cut_at);
    g_string_append(cut, end);
    msg = decode_with(f, cut->str, &k);
    g_assert_false(msg->decrypted);
    e = error_in(msg, "AES");
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(e->reason, "not a whole number of 16-byte blocks"));
    xmt_message_free(msg);
    g_string_free(cut, TRUE);
    /* no key_id at all */
    GString *noid = g_string_new(f[9]);
    char *id = strstr(noid->str, "%22key_id%22");
    g_assert_nonnull(id);
    memcpy(id, "%22key_ix%22", 12);
    msg = decode_with(f, noid->str, &k);
    g_assert_false(msg->decrypted);
    g_assert_nonnull(strstr(error_in(msg, "AES")->reason, "no key_id"));
    xmt_message_free(msg);
    g_string_free(noid, TRUE);
    g_free(k.last_sdk);

    g_free(told);
    g_ptr_array_unref(rows);
}

/* Two sites, one key_id: the keys for it in the caller's order. */
typedef struct {
    const char *key_id;
    const guint8 *keys[2];
    gsize lens[2];
    const char *sources[2];
    guint calls;
} two_keys;

static const guint8 *two_keys_find(void *ctx, G_GNUC_UNUSED const char *sdk, const char *key_id, guint nth, gsize *len,
                                   const char **source)
{
    two_keys *t = ctx;
    t->calls++;
    if (strcmp(key_id, t->key_id) != 0 || nth >= 2)
        return NULL;
    *len = t->lens[nth];
    if (source)
        *source = t->sources[nth];
    return t->keys[nth];
}

/* Another site's key under the same id comes first: it fails (bad padding,
 * or a plaintext that is not a record), the right one opens the payload and
 * is named as its source; without any key the record says why it is closed. */
static void test_decrypt_two_keys_one_id(void)
{
    GPtrArray *rows = read_tsv("uploads.tsv");
    char **f = first_ajax_upload(rows);
    gsize told_len = 0;
    guint8 *told = g_base64_decode(f[5], &told_len);
    guint8 other[32];
    memset(other, 0x5a, sizeof other);
    two_keys t = { f[4], { other, told }, { sizeof other, told_len }, { "found in frame 3", "found in frame 9" }, 0 };

    xmt_request req;
    char *uri = NULL;
    upload_request(&req, f, &uri);
    xmt_config cfg;
    config_with(&cfg, NULL);
    cfg.find_key = two_keys_find;
    cfg.find_key_ctx = &t;
    xmt_message *msg = xmt_decode(&req, &cfg);
    g_assert_nonnull(msg);
    g_assert_true(msg->decrypted);
    g_assert_cmpuint(t.calls, ==, 2);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpstr(xmt_message_fact(msg, XMT_FACT_KEY_SOURCE)->str, ==, "found in frame 9");
    const xmt_error *e = error_in(msg, "AES");
    g_assert_nonnull(e);
    g_assert_nonnull(strstr(e->reason, "found in frame 3"));
    const xmt_event *record = g_ptr_array_index(msg->events, 0);
    g_assert_true(record->opaque);
    g_assert_true(record->opened);
    g_assert_null(record->sealed_why);
    xmt_message_free(msg);

    /* Only the wrong one: closed, and the record says so. */
    two_keys one = { f[4], { other, NULL }, { sizeof other, 0 }, { "key table", NULL }, 0 };
    cfg.find_key_ctx = &one;
    msg = xmt_decode(&req, &cfg);
    g_assert_false(msg->decrypted);
    record = g_ptr_array_index(msg->events, 0);
    g_assert_false(record->opened);
    g_assert_nonnull(record->sealed_why);
    g_assert_nonnull(strstr(record->sealed_why, "does not open it"));
    xmt_message_free(msg);

    /* No key at all for the id. */
    two_keys none = { "not this one", { NULL, NULL }, { 0, 0 }, { NULL, NULL }, 0 };
    cfg.find_key_ctx = &none;
    msg = xmt_decode(&req, &cfg);
    g_assert_false(msg->decrypted);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    record = g_ptr_array_index(msg->events, 0);
    g_assert_nonnull(strstr(record->sealed_why, "no key for it"));
    xmt_message_free(msg);

    g_free(uri);
    g_free(told);
    g_ptr_array_unref(rows);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sensors_keys/real/bodies", test_real_bodies);
    for (gsize i = 0; i < G_N_ELEMENTS(spellings); i++) {
        char *path = g_strdup_printf("/sensors_keys/spelling/%s", spellings[i].name);
        g_test_add_data_func(path, &spellings[i], check_spelling);
        g_free(path);
    }
    g_test_add_func("/sensors_keys/hostile/unterminated", test_unterminated);
    g_test_add_func("/sensors_keys/hostile/repeated_member", test_repeated_member);
    g_test_add_func("/sensors_keys/hostile/repeated_config", test_repeated_config);
    g_test_add_func("/sensors_keys/hostile/max_keys", test_max_keys);
    g_test_add_func("/sensors_keys/hostile/huge", test_huge);
    g_test_add_func("/sensors_keys/hostile/null_and_empty", test_null_and_empty);
    g_test_add_func("/sensors_keys/hostile/not_text", test_not_text);
    g_test_add_func("/sensors_keys/decrypt/real_uploads", test_decrypt_real_uploads);
    g_test_add_func("/sensors_keys/decrypt/failures", test_decrypt_failures);
    g_test_add_func("/sensors_keys/decrypt/two_keys_one_id", test_decrypt_two_keys_one_id);
    return g_test_run();
}
