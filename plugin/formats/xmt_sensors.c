/* xmt_sensors.c: Sensors Analytics uploads (docs/formats/sensors.md).
 *
 *   crc=<hashCode>&gzip=1&data_list=<%(base64(gzip(JSON array)))>   Android, iOS
 *   gzip=0&data_list=<%(base64(JSON array))>                          Java
 *   data=<%(base64(JSON object))>&ext=crc%3D<hashCode>                JS beacon (GET query or POST)
 *   data_list=<%(base64(JSON array))>                                 JS batch_send
 *   data=<%(base64(gzip(JSON object)))>&gzip=1                        Python
 *   crc=..&gzip=9|13&data_list=<%(JSON [{"ekey","pkv","payloads"}])>  enciphered records
 *   data=<%(JSON {"key_id","key_hash","nc","payload"})>&ext=crc%3D..&gzip=9   JS AES plugin: payload is
 *       base64(IV || AES-CBC(key, JSON object)), opened when cfg->find_key knows key_id
 *       (docs/formats/sensors-encryption.md)
 */
#include "formats/xmt_format.h"
#include "formats/xmt_format_kit.h"

#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "layers/xmt_aes.h"
#include "layers/xmt_base64.h"
#include "layers/xmt_javahash.h"

#include <string.h>

/* Keys tried on one payload: two sites may use one key_id, rarely more. */
#define XMT_SENSORS_MAX_KEYS_TRIED 16u

static const xmt_fact_rule event_rules[] = {
    { "event",                  XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "type",                   XMT_FACT_EVENT_TYPE,  XMT_RULE_STRING },
    { "time",                   XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "distinct_id",            XMT_FACT_DISTINCT_ID, XMT_RULE_STRING },
    /* The id the SDK made itself: the JS SDK's anonymous_id (its cookie id,
     * also in identities), ID-Mapping 3's (docs/formats/sensors.md) */
    { "anonymous_id",                      XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "identities.$identity_anonymous_id", XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "identities.$identity_cookie_id",    XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "properties.$model",      XMT_FACT_MODEL,       XMT_RULE_STRING },
    { "properties.$os_version", XMT_FACT_OS_VERSION,  XMT_RULE_STRING },
    { "properties.miui_version", XMT_FACT_OS_VERSION, XMT_RULE_STRING },
    { "properties.$app_id",     XMT_FACT_APP,         XMT_RULE_STRING },
    { "properties.$url",        XMT_FACT_URL,         XMT_RULE_STRING },
    { "properties.url",         XMT_FACT_URL,         XMT_RULE_STRING },
    { "properties.$referrer",   XMT_FACT_URL,         XMT_RULE_STRING },
    /* The JS SDK's traffic source, on every event and in the profile_set_once
     * of a first visit (docs/formats/sensors.md, "Event JSON"). */
    { "properties.$latest_referrer",       XMT_FACT_URL,         XMT_RULE_STRING },
    { "properties.$first_referrer",        XMT_FACT_URL,         XMT_RULE_STRING },
    { "properties.$latest_search_keyword", XMT_FACT_SEARCH_TERM, XMT_RULE_QUERY },
    { "properties.$first_search_keyword",  XMT_FACT_SEARCH_TERM, XMT_RULE_QUERY },
    { "properties.search_word", XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    { "_flush_time",            XMT_FACT_FLUSH_TIME,  XMT_RULE_NUMBER },
    XMT_RULES_END
};

/* An enciphered record: Android/iOS gzip 9 and 13, and the JS AES plugin. */
static const xmt_fact_rule record_rules[] = {
    { "ekey",       XMT_FACT_EKEY,       XMT_RULE_STRING },
    { "pkv",        XMT_FACT_PKV,        XMT_RULE_NUMBER },
    { "payloads",   XMT_FACT_CIPHERTEXT, XMT_RULE_STRING },
    { "payloads[]", XMT_FACT_CIPHERTEXT, XMT_RULE_STRING },
    { "payload",    XMT_FACT_CIPHERTEXT, XMT_RULE_STRING },
    { "flush_time", XMT_FACT_FLUSH_TIME, XMT_RULE_NUMBER },
    { "key_id",     XMT_FACT_KEY_ID,     XMT_RULE_STRING },
    { "key_hash",   XMT_FACT_KEY_HASH,   XMT_RULE_STRING },
    XMT_RULES_END
};

/* ---- recognition ------------------------------------------------------- */

static gboolean ends_with(const char *s, gsize len, const char *suffix)
{
    gsize n = strlen(suffix);
    return len >= n && g_ascii_strncasecmp(s + len - n, suffix, n) == 0;
}

/* Host and path only hint: traffic may reach any host name. */
static gboolean host_or_path_hint(const xmt_request *req)
{
    if (req->host) {
        gsize n = strcspn(req->host, ":");
        if (ends_with(req->host, n, ".miui.com") || g_ascii_strncasecmp(req->host, "sa.", 3) == 0)
            return TRUE;
    }
    if (req->uri) {
        gsize path_len = strcspn(req->uri, "?");
        if (ends_with(req->uri, path_len, "/sa") || ends_with(req->uri, path_len, "/sa.gif") ||
            ends_with(req->uri, path_len, "/debug"))
            return TRUE;
        if (strstr(req->uri + path_len, "project="))
            return TRUE;
    }
    return FALSE;
}

static gboolean gzip_code_param(const xmt_form *form)
{
    const xmt_form_param *p = xmt_form_find(form, "gzip");
    gint64 code;
    return p && xmt_form_value_int64(form, p, &code) && (code == 0 || code == 1 || code == 9 || code == 13);
}

static gboolean crc_param(const xmt_form *form)
{
    const xmt_form_param *p = xmt_form_find(form, "crc");
    gint64 crc;
    return p && xmt_form_value_int64(form, p, &crc);
}

static gboolean ext_crc_param(const xmt_form *form)
{
    const xmt_form_param *p = xmt_form_find(form, "ext");
    return p && (xmt_form_value_starts(form, p, "crc%3D") || xmt_form_value_starts(form, p, "crc%3d") ||
                 xmt_form_value_starts(form, p, "crc="));
}

/* The value starts like a Sensors payload: base64 of gzip/zlib/JSON, or JSON. */
static gboolean payload_marker(const xmt_form *form, const xmt_form_param *p)
{
    const guint8 *v = form->base + p->val_off;
    return xmt_base64_has_payload_prefix(v, p->val_len) ||
           xmt_form_value_starts(form, p, "%5B") || xmt_form_value_starts(form, p, "%7B") ||
           xmt_form_value_starts(form, p, "[") || xmt_form_value_starts(form, p, "{");
}

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *list = xmt_form_find(form, "data_list");
    if (list)
        return gzip_code_param(form) || crc_param(form) || payload_marker(form, list) || host_or_path_hint(req);
    const xmt_form_param *data = xmt_form_find(form, "data");
    if (data)
        return ext_crc_param(form) ||
               (payload_marker(form, data) && (gzip_code_param(form) || host_or_path_hint(req)));
    return FALSE;
}

/* ---- decoding ---------------------------------------------------------- */

/* project= and r= of the request URI.  For a GET beacon the query is the
 * input itself, so the items can point at their bytes. */
static void add_uri_facts(const xmt_request *req, const xmt_form *form, xmt_message *msg)
{
    static const struct { const char *key; xmt_fact_id fact; } uri_params[] = {
        { "project", XMT_FACT_PROJECT },
        { "r",       XMT_FACT_REGION },
    };
    const char *query = req->uri ? strchr(req->uri, '?') : NULL;
    xmt_form uri_form;
    const xmt_form *q = form;
    if (req->kind != XMT_INPUT_URI_QUERY) {
        if (!query || !xmt_form_parse((const guint8 *)query + 1, strlen(query + 1), &uri_form))
            return;
        q = &uri_form;
    }
    for (gsize i = 0; i < G_N_ELEMENTS(uri_params); i++) {
        const xmt_form_param *p = xmt_form_find(q, uri_params[i].key);
        if (!p)
            continue;
        xmt_span span = req->kind == XMT_INPUT_URI_QUERY ? xmt_kit_value_span(p) : xmt_span_make(XMT_LAYER_INPUT, 0, 0);
        xmt_message_add_fact(msg, uri_params[i].fact, xmt_kit_param_text(msg, q, p), 0, span);
    }
}

/* gzip=, instant_event= and the Dry-Run header. */
static gint64 add_transport_facts(const xmt_request *req, const xmt_form *form, xmt_message *msg)
{
    gint64 gzip_code = -1;
    const xmt_form_param *p = xmt_form_find(form, "gzip");
    if (p && xmt_form_value_int64(form, p, &gzip_code) && gzip_code >= 0 && gzip_code <= G_MAXUINT32)
        xmt_message_add_fact(msg, XMT_FACT_GZIP_CODE, NULL, gzip_code, xmt_kit_value_span(p));
    else
        gzip_code = -1;
    p = xmt_form_find(form, "instant_event");
    if (p)
        xmt_message_add_fact(msg, XMT_FACT_INSTANT, NULL, xmt_form_value_starts(form, p, "true"),
                             xmt_kit_value_span(p));
    if (req->dry_run)
        xmt_message_add_fact(msg, XMT_FACT_DRY_RUN, NULL, 1, xmt_span_make(XMT_LAYER_INPUT, 0, 0));
    return gzip_code;
}

/* The crc as sent: crc=<n> (Android, iOS) or ext=crc%3D<n> (JS). */
static gboolean find_crc(const xmt_form *form, gint64 *crc, const xmt_form_param **where)
{
    const xmt_form_param *p = xmt_form_find(form, "crc");
    if (p && xmt_form_value_int64(form, p, crc)) {
        *where = p;
        return TRUE;
    }
    p = xmt_form_find(form, "ext");
    if (!p)
        return FALSE;
    char *ext = xmt_form_value_dup(form, p);
    gboolean ok = FALSE;
    if (g_str_has_prefix(ext, "crc=")) {
        const char *digits = ext + 4 + (ext[4] == '-');
        gsize n = strspn(digits, "0123456789");
        ok = n > 0 && n <= 11 && (digits[n] == '\0' || digits[n] == '&');
        if (ok)
            *crc = g_ascii_strtoll(ext + 4, NULL, 10);
    }
    g_free(ext);
    *where = p;
    return ok;
}

/* Java's hashCode() is computed over the value text before percent-encoding. */
static void check_crc(const xmt_request *req, const xmt_form *form, xmt_message *msg, xmt_span text)
{
    gint64 crc;
    const xmt_form_param *where = NULL;
    if (!find_crc(form, &crc, &where) || crc < G_MININT32 || crc > G_MAXINT32)
        return;
    xmt_message_add_fact(msg, XMT_FACT_CRC, NULL, crc, xmt_kit_value_span(where));
    msg->has_crc = TRUE;
    msg->crc_valid = xmt_java_hash(xmt_span_data(msg, req, text), text.len) == (gint32)crc;
}

/* How a message's records are wrapped, when they are: what decides whether
 * anything but the server can open them (docs/formats/sensors-encryption.md,
 * docs/formats/sensors.md "Encryption"). */
typedef enum {
    WRAP_NONE,
    WRAP_NATIVE,     /* data_list, gzip=9: Android/iOS, the session key RSA- or EC-wrapped */
    WRAP_TRANSPORT,  /* data_list, gzip=13: Android/iOS transport encryption */
    WRAP_WEB_SM,     /* data=, gzip=9, ekey: the web SDK's SM plugin (SM2-wrapped SM4 key) */
    WRAP_WEB_SITE,   /* data=, no gzip code, ekey: the web SDK's general plugin (the site's cipher) */
} sensors_wrap;

typedef struct {
    const xmt_request *req;
    gboolean enciphered;     /* gzip 9 or 13 */
    gboolean in_plaintext;   /* records of a decrypted payload: never opened again */
    gboolean list;           /* the payload came as data_list (native SDKs), not data (web) */
    gint64 gzip_code;        /* -1 when absent */
} sensors_ctx;

/* A record that carries its session key ("ekey", or "key_hash" of the JS
 * AES plugin) is enciphered whatever the gzip code said.  One pass over the
 * members: this runs for every event. */
static gboolean has_cipher_key(const xmt_json_doc *doc, guint32 object)
{
    for (guint32 c = xmt_json_first_child(doc, object); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        const char *key = (const char *)doc->buf + n->key_off;
        if ((n->key_len == 4 && memcmp(key, "ekey", 4) == 0) || (n->key_len == 8 && memcmp(key, "key_hash", 8) == 0))
            return TRUE;
    }
    return FALSE;
}

static sensors_wrap wrap_of(const sensors_ctx *ctx)
{
    if (ctx->list)
        return ctx->gzip_code == 13 ? WRAP_TRANSPORT : WRAP_NATIVE;
    return ctx->gzip_code == 9 ? WRAP_WEB_SM : WRAP_WEB_SITE;
}

/* Why a record wrapped with the server's public key stays closed: the
 * session key travels only in that wrap (ekey), and only the server holds
 * the private key.  Capturing the page does not help (it has only the
 * public key). */
static const char *public_key_wrap_why(sensors_wrap wrap)
{
    switch (wrap) {
    case WRAP_WEB_SM:
        return "SM4-CBC under a session key wrapped with the server's SM2 public key (ekey; the web SDK's SM "
               "plugin): a public-key wrap, only the server's private key opens it";
    case WRAP_WEB_SITE:
        return "the site's own cipher, its key wrapped with the site's public key (ekey; the web SDK's general "
               "plugin): a public-key wrap, only the server's private key opens it";
    case WRAP_TRANSPORT:
        return "the batch enciphered under a session key wrapped with the server's public key (ekey; gzip=13 "
               "transport encryption): a public-key wrap, only the server's private key opens it";
    default:
        return "AES under a session key wrapped with the server's RSA or EC public key (ekey; gzip=9): a "
               "public-key wrap, only the server's private key opens it";
    }
}

static void decode_record(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_config *cfg, void *user);

/* A string value's bytes, quotes left out. */
static xmt_span string_span(const xmt_json_node *n, int layer)
{
    return xmt_span_make(layer, n->off + 1, n->len >= 2 ? n->len - 2 : 0);
}

/* The plaintext of an opened payload: one record (a JSON object), decoded
 * like any clear-text upload. */
static void decode_plaintext(xmt_message *msg, const sensors_ctx *ctx, int plain_layer, const xmt_config *cfg)
{
    const xmt_layer *plain = xmt_message_layer(msg, plain_layer);
    xmt_json_doc doc;
    xmt_parse_json_span(msg, ctx->req, xmt_span_make(plain_layer, 0, plain->len), "payload", cfg, &doc);
    sensors_ctx inner = { ctx->req, FALSE, TRUE, FALSE, -1 };
    xmt_for_each_event(msg, &doc, plain_layer, "payload", cfg, decode_record, &inner);
    xmt_json_doc_clear(&doc);
}

/* A plaintext the record's key could have made: the SDK enciphers
 * JSON.stringify of one record, so UTF-8 text that opens a JSON container.
 * With a wrong key, PKCS#7 passes about once in 256 tries; this then tells
 * the garbage apart. */
static const char *not_a_record(const guint8 *plain, gsize len)
{
    if (len == 0)
        return "the plaintext is empty";
    if (plain[0] != '{' && plain[0] != '[')
        return "the plaintext is not JSON (first byte not '{')";
    if (!g_utf8_validate((const char *)plain, (gssize)len, NULL))
        return "the plaintext is not JSON (not UTF-8)";
    return NULL;
}

/* One key on IV || ciphertext: the plaintext, or NULL after an error that
 * names the layer, the key's source and why. */
static guint8 *try_key(xmt_message *msg, const guint8 *bytes, gsize n, xmt_span cipher, const char *key_id,
                       const guint8 *key, gsize key_len, const char *source, const xmt_config *cfg, gsize *plain_len)
{
    xmt_aes_result r = xmt_aes_cbc_decrypt_iv_prefixed(key, key_len, bytes, n, cfg->max_inflated);
    const char *bad = r.kind == XMT_AES_OK ? not_a_record(r.plain, r.plain_len) : NULL;
    if (r.kind != XMT_AES_OK)
        xmt_message_add_error(msg, "AES", cipher, "payload: key_id %s (%s): %s (%s)", key_id, source, r.reason,
                              xmt_aes_kind_name(r.kind));
    else if (bad)
        xmt_message_add_error(msg, "AES", cipher, "payload: key_id %s (%s): %s: the key is not the one used?",
                              key_id, source, bad);
    guint8 *plain = NULL;
    if (r.kind == XMT_AES_OK && !bad) {
        plain = r.plain;
        *plain_len = r.plain_len;
        r.plain = NULL;
    }
    xmt_aes_result_clear(&r);
    return plain;
}

/* Tries the keys known for key_id (the first already looked up), in the
 * caller's order, until one gives a record.  The plaintext's layer, or -1. */
static int try_keys(xmt_message *msg, const guint8 *bytes, gsize n, int b64_layer, const char *key_id,
                    const guint8 *key, gsize key_len, const char *source, const xmt_config *cfg, guint *tried,
                    const char **opened_by)
{
    xmt_span cipher = xmt_span_make(b64_layer, 0, n);
    for (guint nth = 1; key; nth++) {
        source = source ? source : "key table";
        ++*tried;
        gsize plain_len = 0;
        guint8 *plain = try_key(msg, bytes, n, cipher, key_id, key, key_len, source, cfg, &plain_len);
        if (plain) {
            char *label = g_strdup_printf("payload (AES-%u-CBC-decrypted with key_id %s)", (guint)key_len * 8, key_id);
            int plain_layer = xmt_message_add_layer(msg, XMT_LAYER_DECRYPTED, label, plain, plain_len, cipher);
            g_free(label);
            *opened_by = source;
            return plain_layer;
        }
        source = NULL;
        key = nth < XMT_SENSORS_MAX_KEYS_TRIED ? cfg->find_key(cfg->find_key_ctx, msg->sdk, key_id, nth, &key_len,
                                                               &source)
                                               : NULL;
    }
    return -1;
}

/* The web AES plugin's {"key_id","key_hash","nc","payload"}: opened with the
 * first key for its key_id (cfg->find_key) that gives a record, else left
 * as the opaque record it already is, with the reason. */
static void open_aes_record(xmt_message *msg, const sensors_ctx *ctx, xmt_event *record, const xmt_json_doc *doc,
                            guint32 object, int layer, const xmt_config *cfg)
{
    const xmt_json_node *payload = xmt_json_node_at(doc, xmt_json_member(doc, object, "payload"));
    if (!payload || payload->type != XMT_JSON_STRING)
        return;
    const xmt_json_node *id = xmt_json_node_at(doc, xmt_json_member(doc, object, "key_id"));
    if (!id || (id->type != XMT_JSON_NUMBER && id->type != XMT_JSON_STRING)) {
        if (cfg->find_key)
            xmt_message_add_error(msg, "AES", string_span(payload, layer),
                                  "payload: the record names no key_id, so no key can be looked up");
        record->sealed_why = "AES-CBC under the page's key, but the record names no key_id to look it up by";
        return;
    }
    char *key_id = xmt_json_text(doc, id);
    gsize key_len = 0;
    const char *source = NULL;
    const guint8 *key = cfg->find_key ? cfg->find_key(cfg->find_key_ctx, msg->sdk, key_id, 0, &key_len, &source)
                                      : NULL;
    if (!key) {
        record->sealed_why = xmt_message_printf(msg,
            "AES-CBC under the key the site's page hands the SDK (key_id %s): no key for it in the key table, "
            "nor found in the capture so far (a page found later opens it with tshark -2 and in the GUI)", key_id);
        g_free(key_id);
        return;
    }
    xmt_span text = string_span(payload, layer);
    char *b64 = xmt_json_text(doc, payload);
    gsize n = 0;
    char *error = NULL;
    guint8 *bytes = xmt_base64_decode((const guint8 *)b64, strlen(b64), &n, &error);
    g_free(b64);
    if (!bytes) {
        xmt_message_add_error(msg, "base64", text, "payload: %s", error);
        record->sealed_why = "AES-CBC under the page's key, but the payload is not base64";
        g_free(error);
        g_free(key_id);
        return;
    }
    int b64_layer = xmt_message_add_layer(msg, XMT_LAYER_BASE64, "payload (base64-decoded: IV, ciphertext)", bytes, n,
                                          text);
    guint tried = 0;
    const char *opened_by = NULL;
    int plain_layer = try_keys(msg, bytes, n, b64_layer, key_id, key, key_len, source, cfg, &tried, &opened_by);
    if (plain_layer >= 0) {
        msg->decrypted = TRUE;
        record->opened = TRUE;
        xmt_message_add_fact(msg, XMT_FACT_KEY_SOURCE, xmt_message_strdup(msg, opened_by), 0,
                             xmt_span_make(layer, id->off, id->len));
        decode_plaintext(msg, ctx, plain_layer, cfg);
    } else {
        record->sealed_why = tried == 1 ? xmt_message_printf(msg, "AES-CBC under key_id %s: the one key known for it "
                                                             "does not open it (the AES error says why)", key_id)
                                        : xmt_message_printf(msg, "AES-CBC under key_id %s: none of the %u keys known "
                                                             "for it opens it (the AES errors say why)", key_id, tried);
    }
    g_free(key_id);
}

/* key_id names the key of every wrapping (docs/fields.md): for a public-key
 * wrap, pkv, the version of the server key that wrapped ekey. */
static void add_pkv_as_key_id(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object, int layer,
                              const xmt_config *cfg)
{
    const xmt_json_node *pkv = xmt_json_node_at(doc, xmt_json_member(doc, object, "pkv"));
    if (!(cfg->want_facts & XMT_FACT_BIT(XMT_FACT_KEY_ID)) || !pkv ||
        (pkv->type != XMT_JSON_NUMBER && pkv->type != XMT_JSON_STRING))
        return;
    char *text = xmt_json_text(doc, pkv);
    xmt_event_add_fact(ev, XMT_FACT_KEY_ID, xmt_message_strdup(msg, text), 0, xmt_span_make(layer, pkv->off, pkv->len));
    g_free(text);
}

static void decode_record(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_config *cfg, void *user)
{
    const sensors_ctx *ctx = user;
    gboolean opaque = !ctx->in_plaintext && (ctx->enciphered || has_cipher_key(doc, object));
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, opaque ? record_rules : event_rules, cfg);
    if (!opaque)
        return;
    ev->opaque = TRUE;
    ev->name = "encrypted record";
    msg->encrypted = TRUE;
    if (xmt_json_member(doc, object, "ekey") != XMT_JSON_NONE) {
        ev->sealed_why = public_key_wrap_why(wrap_of(ctx));
        add_pkv_as_key_id(msg, ev, doc, object, layer, cfg);
    } else
        open_aes_record(msg, ctx, ev, doc, object, layer, cfg);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const char *what = "data_list";
    const xmt_form_param *payload = xmt_form_find(form, what);
    if (!payload) {
        what = "data";
        payload = xmt_form_find(form, what);
    }
    add_uri_facts(req, form, msg);
    gint64 gzip_code = add_transport_facts(req, form, msg);
    xmt_message_add_fact(msg, XMT_FACT_PAYLOAD_PARAM, what, 0, xmt_span_make(XMT_LAYER_INPUT, payload->key_off, payload->key_len));

    sensors_ctx ctx = { req, gzip_code == 9 || gzip_code == 13, FALSE, strcmp(what, "data_list") == 0, gzip_code };
    msg->encrypted = ctx.enciphered;
    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(payload), what);
    check_crc(req, form, msg, text);

    xmt_span json;
    if (!xmt_peel_to_json(msg, req, text, what, cfg, &json))
        return;
    xmt_decode_json_events(msg, req, json, what, cfg, decode_record, &ctx);
}

/* JS image beacons (docs/formats/sensors.md): data= or data_list= in the query. */
static const char *const query_markers[] = { "data", "data_list", NULL };
/* A sign-up event (login with a new account id) ties the device to the account. */
static const xmt_event_profile profile = { "track_signup" };

const xmt_format xmt_format_sensors = {
    .name = "sensors",
    .title = "Sensors Analytics",
    .shapes = XMT_SHAPE_FORM_BODY | XMT_SHAPE_URI_QUERY,
    .query_markers = query_markers,
    .recognise_form = recognise,
    .decode_form = decode,
    .profile = &profile,
};
