/* fuzz_json.c: the JSON layer (layers/xmt_json.h) and the event walk
 * (core/xmt_events.h) that turns its objects into facts and members.
 *
 * Input: one byte choosing the configuration (fuzz_config_from(): limits,
 * members, privacy scans), then the JSON text.  Checks the node array's
 * invariants (spans inside the text, siblings forward, children counted),
 * reads every value back as the tree does, then walks the events with a
 * rule table that has every rule kind (strings, numbers, array elements,
 * URLs that feed search terms). */
#include "fuzz_common.h"
#include "core/xmt_events.h"
#include "layers/xmt_json.h"

static const xmt_fact_rule rules[] = {
    { "event",                  XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "type",                   XMT_FACT_EVENT_TYPE,  XMT_RULE_STRING },
    { "time",                   XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "properties.$url",        XMT_FACT_URL,         XMT_RULE_STRING },
    { "properties.search_word", XMT_FACT_SEARCH_TERM, XMT_RULE_STRING },
    { "payloads[]",             XMT_FACT_CIPHERTEXT,  XMT_RULE_STRING },
    { "a[][].b",                XMT_FACT_PKV,         XMT_RULE_NUMBER },
    { "url",                    XMT_FACT_URL,         XMT_RULE_STRING },
    XMT_RULES_END
};

static void check_doc(const xmt_json_doc *doc)
{
    const guint n = doc->nodes->len;
    for (guint32 i = 0; i < n; i++) {
        const xmt_json_node *node = xmt_json_node_at(doc, i);
        if ((guint64)node->off + node->len > doc->len)
            FUZZ_FAIL("node %u at %u+%u past the %" G_GSIZE_FORMAT " bytes", i, node->off, node->len, doc->len);
        if ((node->flags & XMT_JSON_HAS_KEY) && (guint64)node->key_off + node->key_len > doc->len)
            FUZZ_FAIL("key of node %u past the end", i);
        if (node->next != XMT_JSON_NONE && (node->next <= i || node->next >= n))
            FUZZ_FAIL("node %u: next sibling %u", i, node->next);
        if (node->type > XMT_JSON_NULL)
            FUZZ_FAIL("node %u: type %u", i, node->type);
        if (i > 0 && node->depth == 0)
            FUZZ_FAIL("node %u at depth 0", i);
        if (node->type == XMT_JSON_OBJECT || node->type == XMT_JSON_ARRAY) {
            guint32 count = 0;
            for (guint32 c = xmt_json_first_child(doc, i); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
                if (xmt_json_node_at(doc, c)->depth != node->depth + 1)
                    FUZZ_FAIL("child %u of node %u at depth %u", c, i, xmt_json_node_at(doc, c)->depth);
                if (++count > node->count)
                    break;
            }
            if (count != node->count)
                FUZZ_FAIL("node %u counts %u children, links %u", i, node->count, count);
            (void)xmt_json_member(doc, i, "event");
            (void)xmt_json_member(doc, i, "");
        } else if (node->flags & XMT_JSON_COMPLETE) {
            char *text = xmt_json_text(doc, node);
            if (!text || !g_utf8_validate(text, -1, NULL))
                FUZZ_FAIL("value of node %u is not UTF-8 text", i);
            g_free(text);
            gint64 v;
            (void)xmt_json_int64(doc, node, &v);
        }
        if ((node->flags & XMT_JSON_HAS_KEY) && (node->flags & XMT_JSON_COMPLETE)) {
            char *key = xmt_json_key(doc, node);
            if (!g_utf8_validate(key, -1, NULL))
                FUZZ_FAIL("key of node %u is not UTF-8", i);
            g_free(key);
        }
    }
    if (doc->complete && (n == 0 || !(xmt_json_node_at(doc, 0)->flags & XMT_JSON_COMPLETE)))
        FUZZ_FAIL("a complete document with an incomplete root");
    if (!doc->complete && !doc->error)
        FUZZ_FAIL("incomplete document without an error");
}

static void decode_one(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                       const xmt_config *cfg, void *user)
{
    (void)user;
    xmt_event_from_json(msg, doc, object, layer, rules, cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    xmt_config cfg;
    fuzz_config_from(&cfg, data[0]);
    data++;
    size--;

    /* The JSON as a decoded layer of a message, as xmt_peel leaves it. */
    xmt_request req;
    xmt_request_init(&req);
    guint8 *input = g_malloc(size ? size : 1);
    memcpy(input, data, size);
    req.data = input;
    req.len = size;
    xmt_message *msg = xmt_message_new("sensors");
    guint8 *bytes = g_malloc(size ? size : 1);
    memcpy(bytes, data, size);
    int layer = xmt_message_add_layer(msg, XMT_LAYER_BASE64, "fuzz (base64-decoded)", bytes, size,
                                      xmt_span_make(XMT_LAYER_INPUT, 0, size));
    xmt_span json = xmt_span_make(layer, 0, size);

    xmt_json_doc doc;
    xmt_parse_json_span(msg, &req, json, "fuzz", &cfg, &doc);
    check_doc(&doc);
    xmt_for_each_event(msg, &doc, layer, "fuzz", &cfg, decode_one, NULL);
    for (guint i = 0; i < msg->events->len; i++)
        if (!((xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
            msg->event_count++;
    fuzz_check_message(msg, &req);
    xmt_json_doc_clear(&doc);
    xmt_message_free(msg);
    g_free(input);
    return 0;
}
