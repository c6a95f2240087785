/* xmt_onetrack.c: OneTrack uploads and key exchange (docs/formats/onetrack.md).
 *
 * The OT_* headers are the authoritative marker of a binary upload; the
 * path and host are hints, used alone only when the headers are unknown
 * (Wireshark 4.0's http heuristic hands over no headers).
 */
#include "formats/xmt_format.h"

#include "formats/xmt_sign.h"
#include "formats/xmt_format_kit.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"

#include <string.h>

#define AES_BLOCK 16

/* One record of the plain variant; any web address in it is found by
 * xmt_kit_add_url_facts(). */
static const xmt_fact_rule record_rules[] = {
    { "H.event",       XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "H.e_ts",        XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "H.model",       XMT_FACT_MODEL,       XMT_RULE_STRING },
    { "H.os_ver",      XMT_FACT_OS_VERSION,  XMT_RULE_STRING },
    { "H.miui",        XMT_FACT_OS_VERSION,  XMT_RULE_STRING },
    { "H.pkg",         XMT_FACT_APP,         XMT_RULE_STRING },
    { "H.app_id",      XMT_FACT_APP,         XMT_RULE_STRING },
    { "H.uid",         XMT_FACT_DISTINCT_ID, XMT_RULE_STRING },
    { "H.instance_id", XMT_FACT_DISTINCT_ID, XMT_RULE_STRING },
    { "H.sid",         XMT_FACT_SESSION_ID,  XMT_RULE_STRING },
    XMT_RULES_END
};

/* The vendor headers of /track/v4, as the SDK spells them (h/u.java). */
static const struct {
    const char *lower;
    const char *display;
} ot_headers[] = {
    { "ot_sid",      "OT_SID" },
    { "ot_ts",       "OT_ts" },
    { "ot_net",      "OT_net" },
    { "ot_sender",   "OT_sender" },
    { "ot_protocol", "OT_protocol" },
};

/* ---- recognition -------------------------------------------------------- */

static gboolean has_ot_headers(const xmt_request *req)
{
    for (gsize i = 0; i < G_N_ELEMENTS(ot_headers); i++)
        if (xmt_request_header(req, ot_headers[i].lower))
            return TRUE;
    return FALSE;
}

static const guint8 *skip_space(const xmt_request *req)
{
    const guint8 *p = req->data, *end = req->data + req->len;
    while (p < end && g_ascii_isspace(*p))
        p++;
    return p;
}

static gboolean looks_like_json(const xmt_request *req)
{
    const guint8 *p = skip_space(req);
    return p < req->data + req->len && (*p == '[' || *p == '{');
}

/* [{"H":{ : the start of a batch of OneTrack records. */
static gboolean record_marker(const xmt_request *req)
{
    static const char marker[] = "[{\"H\":{";
    const guint8 *p = skip_space(req);
    return (gsize)(req->data + req->len - p) >= sizeof marker - 1 && memcmp(p, marker, sizeof marker - 1) == 0;
}

static gboolean recognise_body(const xmt_request *req)
{
    if (req->kind != XMT_INPUT_BODY || xmt_request_path_ends(req, "/key_get"))
        return FALSE;
    if (has_ot_headers(req) || record_marker(req))
        return TRUE;
    if (xmt_request_path_ends(req, "/track/v4/o"))
        return looks_like_json(req);
    return !req->header && xmt_request_path_ends(req, "/track/v4") && xmt_request_host_in(req, "miui.com");
}

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    return xmt_form_find(form, "secretKey") &&
           (xmt_form_find(form, "sign") || xmt_request_path_ends(req, "/key_get"));
}

/* ---- decoding ----------------------------------------------------------- */

/* The OT_* headers in the clear; the session and the sending app also as typed facts. */
static void add_header_facts(const xmt_request *req, xmt_message *msg, xmt_shared *shared)
{
    xmt_span nowhere = xmt_span_make(XMT_LAYER_INPUT, 0, 0);
    for (gsize i = 0; i < G_N_ELEMENTS(ot_headers); i++)
        xmt_kit_add_header_param(msg, req, ot_headers[i].lower, ot_headers[i].display);
    const char *sid = xmt_request_header(req, "ot_sid");
    if (sid)
        xmt_shared_add_fact(shared, XMT_FACT_SESSION_ID, xmt_kit_text(msg, sid, -1), 0, nowhere);
    const char *sender = xmt_request_header(req, "ot_sender");
    if (sender)
        xmt_shared_add_fact(shared, XMT_FACT_APP, xmt_kit_text(msg, sender, -1), 0, nowhere);
    const char *ts = xmt_request_header(req, "ot_ts");
    gint64 ms;
    if (ts && ts[0] && strspn(ts, "0123456789") == strlen(ts) && strlen(ts) <= 18 &&
        (ms = g_ascii_strtoll(ts, NULL, 10)) > 0)
        xmt_message_add_fact(msg, XMT_FACT_FLUSH_TIME, NULL, ms, nowhere);
}

/* H.uid_type as sent, or NULL. */
static char *uid_type(const xmt_json_doc *doc, guint32 record)
{
    guint32 h = xmt_json_member(doc, record, "H");
    guint32 type = h != XMT_JSON_NONE ? xmt_json_member(doc, h, "uid_type") : XMT_JSON_NONE;
    const xmt_json_node *n = type != XMT_JSON_NONE ? xmt_json_node_at(doc, type) : NULL;
    return n && n->type == XMT_JSON_STRING ? xmt_json_text(doc, n) : NULL;
}

/* H.uid is what login(uid, UserIdType) was given: an account of "xiaomi",
 * "weixin", "weibo", "qq", "other", a phone number for "phone_number"
 * (OneTrack.java, SDK 1.1.5); the plain variant sends a session id with
 * "session_id" (docs/formats/onetrack.md).  The key alone said account id. */
static void classify_uid(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 record)
{
    char *type = uid_type(doc, record);
    xmt_pii_finding f;
    if (type && (strstr(type, "session") || strcmp(type, "phone_number") == 0) &&
        xmt_pii_withdraw(ev, XMT_PII_ACCOUNT_ID, "H.uid", &f) && strcmp(type, "phone_number") == 0)
        xmt_pii_record(msg, ev, XMT_PII_PHONE, f.path, f.value, f.span);
    g_free(type);
}

static void decode_record(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_config *cfg, void *user)
{
    (void)user;
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, record_rules, cfg);
    if (cfg->want_pii)
        classify_uid(msg, ev, doc, object);
    xmt_kit_add_url_facts(msg, ev, doc, object, layer, cfg);
}

static void decode_plain(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    xmt_decode_json_events(msg, req, xmt_span_make(XMT_LAYER_INPUT, 0, req->len), "body", cfg, decode_record, NULL);
}

/* AES-128-ECB(gzip(JSON)) under a session key that never crossed the wire in the clear. */
static void decode_enciphered(const xmt_request *req, xmt_message *msg)
{
    xmt_span body = xmt_span_make(XMT_LAYER_INPUT, 0, req->len);
    xmt_message_add_fact(msg, XMT_FACT_CIPHER_LEN, NULL, (gint64)req->len, body);
    xmt_kit_add_opaque_record(msg, "encrypted batch (key from key_get)", body);
    if (req->len % AES_BLOCK)
        xmt_message_add_error(msg, "AES", body,
                              "body of %" G_GSIZE_FORMAT " bytes is not a whole number of 16-byte AES blocks "
                              "(cut short, or not OneTrack ciphertext)", req->len);
}

static void decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg)
{
    xmt_shared shared;
    xmt_shared_init(&shared, msg, "");
    add_header_facts(req, msg, &shared);
    gboolean plain = record_marker(req) || (looks_like_json(req) &&
                     (xmt_request_path_ends(req, "/track/v4/o") || !has_ot_headers(req)));
    if (plain)
        decode_plain(req, cfg, msg);
    else
        decode_enciphered(req, msg);
    xmt_shared_finish(&shared, msg);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    (void)cfg;
    const xmt_form_param *secret = xmt_kit_payload_param(msg, form, "secretKey");
    xmt_sign_check(msg, form, XMT_SIGN_SALT_ONETRACK);  /* every form request (g/b.java) */
    xmt_shared shared;
    xmt_shared_init(&shared, msg, "");
    add_header_facts(req, msg, &shared);
    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(secret), "secretKey");
    /* The client's AES key, wrapped with the server's RSA key: the same kind of
     * datum as Sensors' ekey, so the same field. */
    xmt_kit_add_cipher_value(msg, req, "secretKey", "key exchange (RSA-wrapped AES key)", text, XMT_FACT_EKEY);
    xmt_shared_finish(&shared, msg);
}

const xmt_format xmt_format_onetrack = {
    .name = "onetrack",
    .title = "OneTrack",
    .shapes = XMT_SHAPE_FORM_BODY | XMT_SHAPE_RAW_BODY,
    .recognise_form = recognise,
    .decode_form = decode,
    .recognise_raw = recognise_body,
    .decode_raw = decode_body,
};
