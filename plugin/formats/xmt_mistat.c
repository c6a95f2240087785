/* xmt_mistat.c: MiStat uploads (docs/formats/mistat.md).
 *
 * v2:  app_id=..&app_key=..&device_id=..&channel=..&policy=..&interval=..
 *      &version=..&stat_value=<hex(AES-128-ECB-PKCS#7(JSON))>&mistatv=3&size=..
 *      key = ASCII of the first 16 hex digits of MD5("seed:" app_id "-" app_key "-" device_id)
 *      JSON: [{"startTS","endTS","content":[{"category","values":[..]},..]},..]
 * v3:  ai=..&sv=3.0.16&pv=3.0&p=<gzip, then enciphered under a key_get key>
 *
 * The plaintext's events (asyncjobs/b.java): each object of a category's
 * "values" is one event: a session {start,end,env}, a page time {key,value},
 * a custom event {key,type,value,params}.  Page views ("values" are strings
 * of page numbers into "index") and extras are one event per category.
 *
 * The cipher is libgcrypt's, through Wireshark's wrapper header, which the
 * core can include without epan (it only needs GLib and the headers).
 */
#include "formats/xmt_format.h"
#include "formats/xmt_mistat.h"

#include "formats/xmt_sign.h"
#include "formats/xmt_format_kit.h"
#include "core/xmt_peel.h"

#include <string.h>
#include <wsutil/wsgcrypt.h>

#define AES_BLOCK 16

/* An object of a category's "values". */
static const xmt_fact_rule value_rules[] = {
    { "key",                XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "type",               XMT_FACT_EVENT_TYPE,  XMT_RULE_STRING },
    { "start",              XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "params.search_word", XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    XMT_RULES_END
};

/* A category whose values are not objects (page views, extras). */
static const xmt_fact_rule category_rules[] = {
    { "category", XMT_FACT_EVENT, XMT_RULE_STRING },
    XMT_RULES_END
};

/* ---- recognition -------------------------------------------------------- */

static gboolean is_v2(const xmt_request *req, const xmt_form *form)
{
    if (!xmt_form_find(form, "stat_value"))
        return FALSE;
    return xmt_form_find(form, "app_key") || xmt_form_find(form, "app_id") || xmt_form_find(form, "device_id") ||
           xmt_request_path_ends(req, "/mistats") || xmt_request_path_ends(req, "/mistats/v2");
}

static gboolean is_v3(const xmt_request *req, const xmt_form *form)
{
    if (!xmt_form_find(form, "p"))
        return FALSE;
    return (xmt_form_find(form, "sv") && (xmt_form_find(form, "ai") || xmt_form_find(form, "pv"))) ||
           (xmt_form_find(form, "ai") && xmt_request_path_ends(req, "/mistats/v3"));
}

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    return is_v2(req, form) || is_v3(req, form);
}

/* ---- the v2 cipher -------------------------------------------------------- */

static void gcrypt_ready(void)
{
    /* Inside Wireshark epan has initialised libgcrypt; unit tests and fuzzers have not. */
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
        gcry_check_version(NULL);
}

void xmt_mistat_derive_key(const char *app_id, const char *app_key, const char *device_id, char key[17])
{
    gcrypt_ready();
    char *seed = g_strdup_printf("seed:%s-%s-%s", app_id, app_key, device_id);
    guint8 md5[HASH_MD5_LENGTH];
    gcry_md_hash_buffer(GCRY_MD_MD5, md5, seed, strlen(seed));
    g_free(seed);
    for (int i = 0; i < 8; i++)
        g_snprintf(key + 2 * i, 3, "%02X", md5[i]);
}

static guint8 *hex_decode(const guint8 *in, gsize len, gsize *out_len, char **error, gsize *bad)
{
    if (len % 2) {
        *error = g_strdup_printf("odd number of hex digits (%" G_GSIZE_FORMAT ")", len);
        *bad = len - 1;
        return NULL;
    }
    guint8 *out = g_malloc(len / 2 + 1);
    for (gsize i = 0; i < len; i += 2) {
        int hi = g_ascii_xdigit_value((gchar)in[i]), lo = g_ascii_xdigit_value((gchar)in[i + 1]);
        if (hi < 0 || lo < 0) {
            *bad = hi < 0 ? i : i + 1;
            *error = g_strdup_printf("not a hex digit: 0x%02x at offset %" G_GSIZE_FORMAT, in[*bad], *bad);
            g_free(out);
            return NULL;
        }
        out[i / 2] = (guint8)(hi << 4 | lo);
    }
    *out_len = len / 2;
    return out;
}

static gboolean pkcs7_unpad(const guint8 *data, gsize len, gsize *plain_len)
{
    guint8 pad = data[len - 1];
    if (pad == 0 || pad > AES_BLOCK)
        return FALSE;
    for (gsize i = len - pad; i < len; i++)
        if (data[i] != pad)
            return FALSE;
    *plain_len = len - pad;
    return TRUE;
}

/* AES-128-ECB in place, then PKCS#7.  A wrong key shows as bad padding. */
static gboolean aes_ecb_decrypt(const char key[16], guint8 *data, gsize len, gsize *plain_len, char **error)
{
    if (len == 0 || len % AES_BLOCK) {
        *error = g_strdup_printf("ciphertext of %" G_GSIZE_FORMAT " bytes is not a whole number of 16-byte blocks", len);
        return FALSE;
    }
    gcrypt_ready();
    gcry_cipher_hd_t cipher;
    gcry_error_t err = gcry_cipher_open(&cipher, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0);
    if (!err) {
        err = gcry_cipher_setkey(cipher, key, 16);
        if (!err)
            err = gcry_cipher_decrypt(cipher, data, len, NULL, 0);
        gcry_cipher_close(cipher);
    }
    if (err) {
        *error = g_strdup_printf("libgcrypt: %s", gcry_strerror(err));
        return FALSE;
    }
    if (!pkcs7_unpad(data, len, plain_len)) {
        *error = g_strdup("bad PKCS#7 padding after decryption: the key rebuilt from app_id, app_key and "
                          "device_id is not the one used (a field altered or not the sender's)");
        return FALSE;
    }
    return TRUE;
}

/* ---- v2 decoding ------------------------------------------------------------ */

/* The decrypted layer's index, or -1 with an error naming the layer that failed. */
static int decrypt_stat_value(xmt_message *msg, const xmt_request *req, xmt_span text, const char key[16])
{
    char *error = NULL;
    gsize n = 0, bad = 0, plain = 0;
    guint8 *bytes = hex_decode(xmt_span_data(msg, req, text), text.len, &n, &error, &bad);
    if (!bytes) {
        xmt_message_add_error(msg, "hex", xmt_span_make(text.layer, text.off + bad, 1), "stat_value: %s", error);
        g_free(error);
        return -1;
    }
    xmt_message_add_fact(msg, XMT_FACT_CIPHER_LEN, NULL, (gint64)n, text);
    if (!aes_ecb_decrypt(key, bytes, n, &plain, &error)) {
        xmt_message_add_error(msg, "AES", text, "stat_value: %s", error);
        g_free(error);
        g_free(bytes);
        return -1;
    }
    return xmt_message_add_layer(msg, XMT_LAYER_DECRYPTED, "stat_value (AES-decrypted)", bytes, plain, text);
}

/* The category's name as a member of each of its events, and as the name
 * of those that have none (sessions). */
static void add_category(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 category, int layer)
{
    const xmt_json_node *n = category != XMT_JSON_NONE ? xmt_json_node_at(doc, category) : NULL;
    if (!n || n->type != XMT_JSON_STRING)
        return;
    char *raw = xmt_json_text(doc, n);
    const char *name = xmt_message_strdup(msg, raw);
    g_free(raw);
    xmt_span span = xmt_span_make(layer, n->off, n->len);
    if (ev->members) {
        xmt_member m = { "category", name, span };
        g_array_prepend_val(ev->members, m);
    }
    if (!xmt_event_fact(ev, XMT_FACT_EVENT)) {
        xmt_event_add_fact(ev, XMT_FACT_EVENT, name, 0, span);
        ev->name = name;
    }
}

static void decode_value(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                         const xmt_config *cfg, void *user)
{
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, value_rules, cfg);
    add_category(msg, ev, doc, *(const guint32 *)user, layer);
    xmt_kit_add_url_facts(msg, ev, doc, object, layer, cfg);
}

static void decode_category(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                            const xmt_config *cfg, void *user)
{
    (void)user;
    guint32 category = xmt_json_member(doc, object, "category");
    guint32 values = xmt_json_member(doc, object, "values");
    guint32 first = values != XMT_JSON_NONE ? xmt_json_first_child(doc, values) : XMT_JSON_NONE;
    if (first != XMT_JSON_NONE && xmt_json_node_at(doc, first)->type == XMT_JSON_OBJECT) {
        xmt_for_each_object(msg, doc, values, layer, "stat_value: values", cfg, decode_value, &category);
        return;
    }
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, category_rules, cfg);
    xmt_kit_add_url_facts(msg, ev, doc, object, layer, cfg);
}

static void decode_batch(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                         const xmt_config *cfg, void *user)
{
    guint32 content = xmt_json_member(doc, object, "content");
    if (content != XMT_JSON_NONE)
        xmt_for_each_object(msg, doc, content, layer, "stat_value: content", cfg, decode_category, user);
}

static void decode_plaintext(xmt_message *msg, const xmt_request *req, int layer, const xmt_config *cfg)
{
    const xmt_layer *plain = xmt_message_layer(msg, layer);
    if (plain->len == 0) {
        xmt_message_add_error(msg, "AES", xmt_span_make(layer, 0, 0),
                              "stat_value: the plaintext is empty (the ciphertext is one block of padding)");
        return;
    }
    if (plain->data[0] != '[' && plain->data[0] != '{') {
        xmt_message_add_error(msg, "AES", xmt_span_make(layer, 0, plain->len),
                              "stat_value: the plaintext is not JSON (first byte 0x%02x): wrong key?",
                              plain->data[0]);
        return;
    }
    xmt_span json = xmt_span_make(layer, 0, plain->len);
    msg->has_json = TRUE;
    msg->json = json;
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, json, "stat_value", cfg, &doc);
    xmt_for_each_object(msg, &doc, 0, layer, "stat_value", cfg, decode_batch, NULL);
    xmt_json_doc_clear(&doc);
}

/* The three inputs of the key, or NULL with an error naming the one missing. */
static gboolean key_inputs(xmt_message *msg, const xmt_form *form, xmt_span text, const char *in[3])
{
    static const char *const names[3] = { "app_id", "app_key", "device_id" };
    for (int i = 0; i < 3; i++) {
        in[i] = xmt_kit_form_value(msg, form, names[i]);
        if (!in[i]) {
            xmt_message_add_error(msg, "AES", text, "stat_value: cannot rebuild the key: the form has no %s",
                                  names[i]);
            return FALSE;
        }
    }
    return TRUE;
}

static void share_identity(const xmt_form *form, xmt_message *msg, xmt_shared *shared,
                           const char *app_field, const char *device_field)
{
    const xmt_form_param *app = xmt_form_find(form, app_field);
    if (app)
        xmt_shared_add_fact(shared, XMT_FACT_APP, xmt_kit_form_value(msg, form, app_field), 0,
                            xmt_kit_value_span(app));
    const xmt_form_param *device = device_field ? xmt_form_find(form, device_field) : NULL;
    if (device)
        xmt_shared_add_fact(shared, XMT_FACT_DISTINCT_ID, xmt_kit_form_value(msg, form, device_field), 0,
                            xmt_kit_value_span(device));
}

static void decode_v2(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg,
                      xmt_shared *shared)
{
    const xmt_form_param *stat_value = xmt_kit_payload_param(msg, form, "stat_value");
    share_identity(form, msg, shared, "app_id", "device_id");
    msg->encrypted = TRUE;

    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(stat_value), "stat_value");
    const char *in[3];
    int layer = -1;
    if (key_inputs(msg, form, text, in)) {
        char key[17];
        xmt_mistat_derive_key(in[0], in[1], in[2], key);
        xmt_message_add_fact(msg, XMT_FACT_DERIVED_KEY, xmt_message_strdup(msg, key), 0,
                             xmt_span_make(XMT_LAYER_INPUT, 0, 0));
        if (text.len)  /* an empty one is said to be empty, below */
            layer = decrypt_stat_value(msg, req, text, key);
    }
    if (layer < 0) {
        xmt_kit_add_cipher_value(msg, req, "stat_value", "stat_value (not decrypted)", text, XMT_FACT_CIPHERTEXT);
        return;
    }
    msg->decrypted = TRUE;
    decode_plaintext(msg, req, layer, cfg);
}

/* v3: everything but p is in the clear; p's key came from key_get. */
static void decode_v3(const xmt_request *req, const xmt_form *form, xmt_message *msg, xmt_shared *shared)
{
    const xmt_form_param *p = xmt_kit_payload_param(msg, form, "p");
    share_identity(form, msg, shared, "ai", NULL);
    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(p), "p");
    xmt_kit_add_cipher_value(msg, req, "p", "p (key from key_get)", text, XMT_FACT_CIPHERTEXT);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    xmt_shared shared;
    xmt_shared_init(&shared, msg, "");
    if (is_v2(req, form)) {
        /* v2's sign (controller/j.java); v3's is not known from source. */
        xmt_sign_check(msg, form, XMT_SIGN_SALT_MISTAT);
        decode_v2(req, form, cfg, msg, &shared);
    } else
        decode_v3(req, form, msg, &shared);
    xmt_shared_finish(&shared, msg);
}

/* MiStat sends its v2 pairs as a GET on some phones (stat_value=), and v3's
 * (sv=, ai=) the same way. */
static const char *const query_markers[] = { "stat_value", "sv", "ai", NULL };

const xmt_format xmt_format_mistat = {
    .name = "mistat",
    .title = "MiStat",
    .shapes = XMT_SHAPE_FORM_BODY | XMT_SHAPE_URI_QUERY,
    .query_markers = query_markers,
    .recognise_form = recognise,
    .decode_form = decode,
};
