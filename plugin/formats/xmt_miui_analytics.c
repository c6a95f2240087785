/* xmt_miui_analytics.c: MIUI Analytics uploads (docs/formats/miui_analytics.md).
 *
 *   value=<base64url(JSON | gzip(JSON))>&ts=<ms>&nonce=<n>&sign=<..>   + header "gzip: 0|1"
 *   JSON: {"H":{model,android,miui,sender,userid,imei,mac,..},
 *          "B":[{"H":{sid,pk,key,eventTime,..},"B":{..event body..}},..]}
 *
 * Each record of "B" is an event.  The batch's "H" describes the device and
 * the sending app, and so belongs to every record: its facts go on every
 * event and its leaves become members "H.<key>" of every event, ahead of
 * the record's own header (whose keys are different ones: key, eventTime..).
 */
#include "formats/xmt_format.h"

#include "formats/xmt_format_kit.h"
#include "core/xmt_peel.h"
#include "layers/xmt_base64.h"

/* The batch header, paths from inside "H". */
static const xmt_fact_rule device_rules[] = {
    { "model",   XMT_FACT_MODEL,       XMT_RULE_STRING },
    { "miui",    XMT_FACT_OS_VERSION,  XMT_RULE_STRING },
    { "android", XMT_FACT_OS_VERSION,  XMT_RULE_STRING },
    { "sender",  XMT_FACT_APP,         XMT_RULE_STRING },
    { "userid",  XMT_FACT_DISTINCT_ID, XMT_RULE_STRING },
    XMT_RULES_END
};

/* One record; any web address in it is found by xmt_kit_add_url_facts(). */
static const xmt_fact_rule record_rules[] = {
    { "H.key",         XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "H.eventTime",   XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "H.sid",         XMT_FACT_SESSION_ID,  XMT_RULE_STRING },
    { "B.search_word", XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    XMT_RULES_END
};

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *value = xmt_form_find(form, "value");
    if (!value)
        return FALSE;
    if (xmt_form_find(form, "sign") && (xmt_form_find(form, "ts") || xmt_form_find(form, "nonce")))
        return TRUE;
    /* Without the signature fields, the path is only a hint: the value must look like a payload too. */
    return (xmt_request_path_ends(req, "/track/v1") || xmt_request_path_ends(req, "/track/spock")) &&
           xmt_base64_has_payload_prefix(form->base + value->val_off, value->val_len);
}

static void add_transport_facts(const xmt_request *req, const xmt_form *form, xmt_message *msg)
{
    static const char *const payload[] = { "value", NULL };
    xmt_kit_add_form_params(msg, form, payload);
    const xmt_form_param *ts = xmt_form_find(form, "ts");
    gint64 ms;
    if (ts && xmt_form_value_int64(form, ts, &ms))
        xmt_message_add_fact(msg, XMT_FACT_FLUSH_TIME, NULL, ms, xmt_kit_value_span(ts));
    if (req->gzip_header >= 0)
        xmt_message_add_fact(msg, XMT_FACT_PARAM, req->gzip_header ? "gzip=1" : "gzip=0", 0,
                             xmt_span_make(XMT_LAYER_INPUT, 0, 0));
}

static void decode_record(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_config *cfg, void *user)
{
    (void)user;
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, record_rules, cfg);
    xmt_kit_add_url_facts(msg, ev, doc, object, layer, cfg);
}

static void decode_batch(xmt_message *msg, const xmt_json_doc *doc, int layer, const xmt_config *cfg)
{
    const xmt_json_node *root = xmt_json_node_at(doc, 0);
    if (!root || root->type != XMT_JSON_OBJECT) {
        if (root)
            xmt_message_add_error(msg, "JSON", xmt_span_make(layer, root->off, root->len),
                                  "value: expected an object with \"H\" and \"B\"");
        return;
    }
    xmt_shared device;
    xmt_shared_init(&device, msg, "H.");
    guint32 header = xmt_json_member(doc, 0, "H");
    const xmt_json_node *h = header != XMT_JSON_NONE ? xmt_json_node_at(doc, header) : NULL;
    if (h && h->type == XMT_JSON_OBJECT && (h->flags & XMT_JSON_COMPLETE))
        xmt_shared_from_json(&device, msg, doc, header, layer, device_rules, cfg);
    guint32 records = xmt_json_member(doc, 0, "B");
    if (records != XMT_JSON_NONE)
        xmt_for_each_object(msg, doc, records, layer, "value: B", cfg, decode_record, NULL);
    else if (root->flags & XMT_JSON_COMPLETE)
        xmt_message_add_error(msg, "JSON", xmt_span_make(layer, root->off, root->len),
                              "value: no \"B\" array of records");
    xmt_shared_finish(&device, msg);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const xmt_form_param *value = xmt_form_find(form, "value");
    add_transport_facts(req, form, msg);
    xmt_message_add_fact(msg, XMT_FACT_PAYLOAD_PARAM, "value", 0,
                         xmt_span_make(XMT_LAYER_INPUT, value->key_off, value->key_len));
    /* Base64 in either alphabet, then gzip when the bytes say so: the
     * "gzip:" header is shown, but the bytes decide. */
    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(value), "value");
    xmt_span json;
    if (!xmt_peel_to_json(msg, req, text, "value", cfg, &json))
        return;
    msg->has_json = TRUE;
    msg->json = json;
    xmt_json_doc doc;
    xmt_parse_json_span(msg, req, json, "value", cfg, &doc);
    decode_batch(msg, &doc, json.layer, cfg);
    xmt_json_doc_clear(&doc);
}

const xmt_format xmt_format_miui_analytics = {
    .name = "miui_analytics",
    .title = "MIUI Analytics",
    .shapes = XMT_SHAPE_FORM_BODY,
    .recognise_form = recognise,
    .decode_form = decode,
};
