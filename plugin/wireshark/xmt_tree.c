/* xmt_tree.c: where a decoded message becomes fields.
 *
 * Every decoded layer becomes a data source (a tab in the byte pane, and
 * `tshark -x`), and every item points at its bytes in the layer it came
 * from, so clicking an event highlights it in the inflated JSON. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <wsutil/str_util.h>
#include <wsutil/to_str.h>

#include "core/xmt_pii.h"
#include "core/xmt_watch.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_tree.h"

/* Every item stands on a tvb: proto_tree_add_expert_format() and subtrees
 * assert on a NULL one, and a span without bytes (an empty value, layer or
 * plaintext) is still a place in its layer. */
tvbuff_t *xmt_span_tvb(const xmt_decoded *map, xmt_span span)
{
    tvbuff_t *tvb = span.layer < 0 ? map->input : (guint)span.layer < map->n_layers ? map->layers[span.layer] : NULL;
    DISSECTOR_ASSERT(tvb != NULL);
    return tvb;
}

/* A layer's bytes as a data source (a tab in the byte pane).  An empty
 * layer has no bytes to show: it becomes a zero-length tvb at the place it
 * was decoded from, so what is said about it points there. */
static tvbuff_t *layer_tvb(xmt_decoded *map, xmt_message *msg, guint i)
{
    const xmt_layer *layer = xmt_message_layer(msg, (int)i);
    guint8 *data = xmt_message_steal_layer(msg, (int)i);
    if (layer->len == 0) {
        g_free(data);
        return tvb_new_subset_length(xmt_span_tvb(map, layer->from), (gint)layer->from.off, 0);
    }
    DISSECTOR_ASSERT(data != NULL);
    tvbuff_t *tvb = tvb_new_child_real_data(map->input, data, (guint)layer->len, (gint)layer->len);
    tvb_set_free_cb(tvb, g_free);
    add_new_data_source(map->pinfo, tvb, layer->label);
    return tvb;
}

/* Layers are made from earlier ones (or the input), so each finds its source mapped. */
static void map_layers(xmt_decoded *map, xmt_message *msg)
{
    map->n_layers = msg->layers->len;
    map->layers = wmem_alloc0_array(map->pinfo->pool, tvbuff_t *, MAX(map->n_layers, 1));
    for (guint i = 0; i < map->n_layers; i++)
        map->layers[i] = layer_tvb(map, msg, i);
}

#define SPAN_ARGS(map, span) xmt_span_tvb(map, span), (gint)(span).off, (gint)(span).len

/* An expert item is the item and a subtree of four (protocol, message, severity, group). */
#define EXPERT_ITEMS 5u

/* ---- the tree's item budget ----------------------------------------------
 *
 * Wireshark gives up on a packet past gui.max_tree_items items (a "Dissector
 * bug" instead of the tree), and one message may hold 10,000 events of 4,096
 * members each.  The budget is per PACKET, for all of xmtrack's messages in it
 * together (HTTP pipelines several uploads in one segment; HTTP/2 ends several
 * bodies in one):
 *  - xmtrack adds at most a third of the limit to a packet, every item counted
 *    (protocol items, fields, notes, expert subtrees): the rest is HTTP's and
 *    the built-in dissectors' that follow;
 *  - of that, events, members, personal data, errors and the JSON tree take at
 *    most a quarter of the limit, so each message's own fields (SDK, host,
 *    checks, counts) still fit after a huge message;
 *  - and nothing is added once the tree's own count (every item, shown or
 *    faked) would pass the limit, whatever was added before. */

/* What xmtrack spent of this packet's tree so far (pinfo->pool proto data). */
#define XMT_KEY_TREE_ITEMS 0x3000u

struct xmt_tree_spent {
    guint all, content;
};

static guint packet_share(void)
{
    return prefs.gui_max_tree_items / 3;
}

static guint content_share(void)
{
    return prefs.gui_max_tree_items / 4;
}

static guint tree_count(proto_tree *tree)
{
    return tree ? PTREE_DATA(tree)->count : 0;
}

static struct xmt_tree_spent *packet_spent(packet_info *pinfo)
{
    struct xmt_tree_spent *spent = p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_TREE_ITEMS);
    if (!spent) {
        spent = wmem_new0(pinfo->pool, struct xmt_tree_spent);
        p_add_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_TREE_ITEMS, spent);
    }
    return spent;
}

static void open_budget(xmt_decoded *map, proto_tree *tree)
{
    map->tree = tree;
    map->spent = packet_spent(map->pinfo);
}

/* Room for n more items; FALSE (and counted as not shown) once spent.
 * Content, once refused, stays refused for the rest of the message: the
 * events that fit, then a note. */
static gboolean spend(xmt_decoded *map, guint n, gboolean content)
{
    if (!map->tree)
        return TRUE;  /* no tree: nothing is added */
    struct xmt_tree_spent *spent = map->spent;
    gboolean room = spent->all + n <= packet_share() && tree_count(map->tree) + n <= prefs.gui_max_tree_items &&
                    !(content && (map->budget_spent || spent->content + n > content_share()));
    if (!room) {
        map->budget_spent |= content;
        map->items_dropped += content ? n : 0;
        return FALSE;
    }
    spent->all += n;
    spent->content += content ? n : 0;
    return TRUE;
}

static gboolean spend_items(xmt_decoded *map, guint n)
{
    return spend(map, n, TRUE);
}

static gboolean spend_fields(xmt_decoded *map, guint n)
{
    return spend(map, n, FALSE);
}

/* Content items the budget still holds (what a JSON tree may take). */
static guint items_left(const xmt_decoded *map)
{
    const struct xmt_tree_spent *spent = map->spent;
    guint all = packet_share(), content = content_share();
    if (map->budget_spent || spent->all >= all || spent->content >= content)
        return 0;
    return MIN(all - spent->all, content - spent->content);
}

static void ms_to_nstime(gint64 ms, nstime_t *t)
{
    gint64 secs = ms / 1000, rem = ms % 1000;
    if (rem < 0) {
        secs--;
        rem += 1000;
    }
    t->secs = (time_t)secs;
    t->nsecs = (int)(rem * 1000000);
}

/* What kind of value each fact holds (core/xmt_facts.h). */
typedef enum { FACT_STRING, FACT_UINT, FACT_INT, FACT_BOOL, FACT_TIME } fact_type;

static fact_type type_of(xmt_fact_id id)
{
    static const fact_type types[XMT_FACT_COUNT] = {
#define XMT_FACT_TYPE(id, abbrev, name, type, blurb) [XMT_FACT_##id] = FACT_##type,
        XMT_FACTS(XMT_FACT_TYPE)
#undef XMT_FACT_TYPE
    };
    return types[id];
}

static void add_fact(proto_tree *tree, const xmt_decoded *map, const xmt_fact *f)
{
    int hf = xmt_fact_field(f->id);
    nstime_t t;
    switch (type_of(f->id)) {
    case FACT_STRING: proto_tree_add_string(tree, hf, SPAN_ARGS(map, f->span), f->str); break;
    case FACT_UINT:   proto_tree_add_uint(tree, hf, SPAN_ARGS(map, f->span), (guint32)f->num); break;
    case FACT_INT:    proto_tree_add_int(tree, hf, SPAN_ARGS(map, f->span), (gint32)f->num); break;
    case FACT_BOOL:   proto_tree_add_boolean(tree, hf, SPAN_ARGS(map, f->span), f->num != 0); break;
    case FACT_TIME:
        ms_to_nstime(f->num, &t);
        proto_tree_add_time(tree, hf, SPAN_ARGS(map, f->span), &t);
        break;
    }
}

/* In contract order (event, type, time, ...), whatever order the JSON had;
 * only those the tree shows or a filter asks for (the others would be faked
 * away by proto_tree_add_*, but only after their arguments were worked out). */
static void add_facts(proto_tree *tree, xmt_decoded *map, const GArray *facts, gboolean content)
{
    guint64 present = 0;
    for (guint i = 0; i < facts->len; i++)
        present |= XMT_FACT_BIT(g_array_index(facts, xmt_fact, i).id);
    for (int id = 0; id < XMT_FACT_COUNT; id++) {
        if (!(present & XMT_FACT_BIT(id)) || !proto_field_is_referenced(tree, xmt_fact_field((xmt_fact_id)id)))
            continue;
        for (guint i = 0; i < facts->len; i++)
            if (g_array_index(facts, xmt_fact, i).id == (xmt_fact_id)id && spend(map, 1, content))
                add_fact(tree, map, &g_array_index(facts, xmt_fact, i));
    }
}

/* The first path component of a member that sits in a container: "lib" of
 * "lib.$lib", "payloads" of "payloads[0]"; 0 for a top-level leaf. */
static gsize group_key_len(const char *path)
{
    gsize n = strcspn(path, ".[");
    return path[n] ? n : 0;
}

/* One xmtrack.member item: the value "path=value", the label "Member: path
 * = value", exactly as proto_tree_add_string_format_value(..., "%s = %s")
 * writes it.  The value is put together with memcpy in a buffer on the stack
 * (tshark copies it into the item), not allocated per member.  Values longer
 * than the buffer take the pool.
 *
 * On 4.0 the label of a shown item is also written here, by memcpy: it is
 * the largest single cost of -T fields there (tshark 4.0 builds the whole
 * tree for it), and 4.0's item_label_t is just the text, set by
 * proto_tree_set_representation_value() with two printf calls and no
 * escaping.  From 4.2 on labels carry more (value position, escaping by
 * ws_label_strcpy) and tshark 4.4+ does not build unasked items under
 * -T fields at all, so there Wireshark writes the label itself. */
#define MEMBER_BUF 512

#if XMT_WS_VER < 402
static gboolean is_shown_item(proto_item *it, proto_tree *parent)
{
    return it != NULL && it != (proto_item *)parent && PTREE_DATA(it)->visible && !proto_item_is_hidden(it);
}

static void add_member_item(proto_tree *tree, xmt_decoded *map, const xmt_member *m)
{
    static const char *name;
    static gsize name_len;
    if (!name) {
        name = proto_registrar_get_name(xmt_hf.member);
        name_len = strlen(name);
    }
    gsize path_len = strlen(m->path), value_len = strlen(m->value);
    gsize label_len = name_len + 2 + path_len + 3 + value_len;
    char buf[MEMBER_BUF];
    if (path_len + 1 + value_len >= sizeof buf || label_len >= ITEM_LABEL_LENGTH) {
        /* tshark marks a label that does not fit as truncated: its own path */
        proto_tree_add_string_format_value(tree, xmt_hf.member, SPAN_ARGS(map, m->span),
                                           wmem_strconcat(map->pinfo->pool, m->path, "=", m->value, NULL),
                                           "%s = %s", m->path, m->value);
        return;
    }
    memcpy(buf, m->path, path_len);
    buf[path_len] = '=';
    memcpy(buf + path_len + 1, m->value, value_len + 1);
    proto_item *it = proto_tree_add_string(tree, xmt_hf.member, SPAN_ARGS(map, m->span), buf);
    if (!is_shown_item(it, tree))
        return;
    /* The label as proto_tree_set_representation_value() writes it. */
    field_info *fi = PITEM_FINFO(it);
    if (!fi->rep)
        fi->rep = wmem_new(PNODE_POOL(it), item_label_t);
    char *at = fi->rep->representation;
    memcpy(at, name, name_len);
    at += name_len;
    *at++ = ':';
    *at++ = ' ';
    memcpy(at, m->path, path_len);
    at += path_len;
    *at++ = ' ';
    *at++ = '=';
    *at++ = ' ';
    memcpy(at, m->value, value_len + 1);  /* with its NUL */
}
#else
static void add_member_item(proto_tree *tree, xmt_decoded *map, const xmt_member *m)
{
    gsize path_len = strlen(m->path), value_len = strlen(m->value);
    char buf[MEMBER_BUF];
    const char *value = buf;
    if (path_len + 1 + value_len < sizeof buf) {
        memcpy(buf, m->path, path_len);
        buf[path_len] = '=';
        memcpy(buf + path_len + 1, m->value, value_len + 1);
    } else {
        value = wmem_strconcat(map->pinfo->pool, m->path, "=", m->value, NULL);
    }
    proto_tree_add_string_format_value(tree, xmt_hf.member, SPAN_ARGS(map, m->span), value,
                                       "%s = %s", m->path, m->value);
}
#endif

/* Members, with those under one top-level object ("lib", "properties") in a
 * subtree of their own. */
static void add_members(proto_tree *tree, xmt_decoded *map, const xmt_event *ev)
{
    if (!ev->members)
        return;
    proto_tree *group = NULL;
    proto_item *group_item = NULL;
    const char *group_path = NULL;
    gsize group_len = 0;
    guint32 group_start = 0;
    gint group_item_len = -1;  /* the group's length once a later member extends it; set when it closes */
    for (guint i = 0; i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        gsize key_len = group_key_len(m->path);
        gboolean new_group = key_len && (!group || key_len != group_len || strncmp(m->path, group_path, key_len) != 0);
        if (!spend_items(map, new_group ? 2 : 1))
            continue;
        if ((key_len == 0 || new_group) && group_item_len >= 0) {
            proto_item_set_len(group_item, group_item_len);
            group_item_len = -1;
        }
        if (key_len == 0) {
            group = NULL;
        } else if (new_group) {
            group_path = m->path;
            group_len = key_len;
            group_start = m->span.off;
            group = proto_tree_add_subtree_format(tree, SPAN_ARGS(map, m->span), xmt_ett.group, &group_item,
                                                  "%.*s", (int)key_len, m->path);
        } else if (m->span.off + m->span.len > group_start) {
            group_item_len = (gint)(m->span.off + m->span.len - group_start);
        }
        add_member_item(group ? group : tree, map, m);
    }
    if (group_item_len >= 0)
        proto_item_set_len(group_item, group_item_len);
}

/* An expert message that fits its label.  Wireshark 4.0 formats expert
 * messages into ITEM_LABEL_LENGTH bytes and cuts a longer one at a byte
 * (expert.c; 4.2 on cut at a character), which can split a UTF-8 character
 * of a payload value and put invalid UTF-8 in the tree, in -V output and
 * in exports (found by fuzz_epan: a long URL of U+FFFD in a personal-data
 * message).  So a message too long for the label is cut here, at a
 * character, and ends with an ellipsis. */
static const char *expert_text(packet_info *pinfo, const char *format, ...) G_GNUC_PRINTF(2, 3);
static const char *expert_text(packet_info *pinfo, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    char *text = wmem_strdup_vprintf(pinfo->pool, format, ap);
    va_end(ap);
    static const char ellipsis[] = "\xe2\x80\xa6";
    const gsize keep = ITEM_LABEL_LENGTH - 1 - (sizeof ellipsis - 1);
    if (strlen(text) < ITEM_LABEL_LENGTH)
        return text;
    /* The start of the character holding byte `keep`: what precedes it is whole characters. */
    char *cut = g_utf8_find_prev_char(text, text + keep + 1);
    if (!cut)
        cut = text;
    memcpy(cut, ellipsis, sizeof ellipsis);
    return text;
}

/* One xmtrack.pii item and one expert item per kind of personal data. */
static void add_pii(proto_tree *tree, xmt_decoded *map, const xmt_event *ev)
{
    for (guint i = 0; ev->pii && i < ev->pii->len; i++) {
        const xmt_pii_finding *f = &g_array_index(ev->pii, xmt_pii_finding, i);
        if (!spend_items(map, EXPERT_ITEMS))
            continue;
        proto_item *it = proto_tree_add_string(tree, xmt_hf.pii, SPAN_ARGS(map, f->span), xmt_pii_name(f->kind));
        expert_add_info_format(map->pinfo, it, &xmt_ei.pii_leak, "%s",
                               expert_text(map->pinfo, "Personal data (%s): %s = %s", xmt_pii_name(f->kind),
                                           f->path, f->value));
    }
}

static void add_watch_hits(proto_tree *tree, xmt_decoded *map, const xmt_event *ev)
{
    for (guint i = 0; ev->watch && i < ev->watch->len; i++) {
        const xmt_watch_hit *h = &g_array_index(ev->watch, xmt_watch_hit, i);
        if (!spend_items(map, EXPERT_ITEMS))
            continue;
        proto_item *it = proto_tree_add_string(tree, xmt_hf.watch, SPAN_ARGS(map, h->span), h->label);
        expert_add_info_format(map->pinfo, it, &xmt_ei.watch_hit, "%s",
                               expert_text(map->pinfo, "Watch-list entry \"%s\" found (%s) at %s", h->label, h->form,
                                           h->path));
    }
}

/* Whether the apps the facts name are the capture app (xmt_capture_app.c):
 * a verdict at the bytes of the app it rests on. */
static void add_capture_verdict(proto_tree *tree, xmt_decoded *map, const GArray *facts, gboolean content)
{
    const xmt_fact *app;
    xmt_apps_verdict verdict = xmt_capture_app_verdict(map->capture, facts, &app);
    if (verdict == XMT_APPS_NO_VERDICT || !spend(map, xmt_capture_app_verdict_items(verdict, EXPERT_ITEMS), content))
        return;
    xmt_capture_app_add_verdict(tree, map->pinfo, SPAN_ARGS(map, app->span), map->capture, verdict, app);
}

static void add_event(proto_tree *tree, xmt_decoded *map, const xmt_event *ev, guint number)
{
    if (!spend_items(map, ev->opaque ? 1 + EXPERT_ITEMS : 1)) {
        map->events_dropped++;
        return;
    }
    proto_item *item;
    proto_tree *et = proto_tree_add_subtree_format(tree, SPAN_ARGS(map, ev->span),
                                                   ev->opaque ? xmt_ett.record : xmt_ett.event, &item,
                                                   "%s %u: %s", ev->opaque ? "Record" : "Event", number,
                                                   ev->name ? ev->name : "(unnamed)");
    add_facts(et, map, ev->facts, TRUE);
    add_capture_verdict(et, map, ev->facts, TRUE);
    add_pii(et, map, ev);
    add_watch_hits(et, map, ev);
    /* A record opened with a key says so in its facts (key_source); one that
     * stays closed says why, when its format knows. */
    if (ev->opaque && !ev->opened && ev->sealed_why)
        expert_add_info_format(map->pinfo, item, &xmt_ei.encrypted_payload, "%s",
                               expert_text(map->pinfo, "Enciphered payload, not opened: %s", ev->sealed_why));
    else if (ev->opaque && !ev->opened)
        expert_add_info(map->pinfo, item, &xmt_ei.encrypted_payload);
    add_members(et, map, ev);
}

/* What the budget left out, in one item, after the events it cut. */
static void add_budget_summary(proto_tree *tree, xmt_decoded *map)
{
    if ((map->events_dropped == 0 && map->items_dropped == 0) || !spend_fields(map, EXPERT_ITEMS))
        return;
    proto_tree_add_expert_format(tree, map->pinfo, &xmt_ei.decode_error, map->input, 0, 0,
                                 "limit: xmtrack shows at most %u tree items of events in one packet (a quarter "
                                 "of gui.max_tree_items), for all its messages: %u events and %u other items "
                                 "of this message are not shown",
                                 content_share(), map->events_dropped, map->items_dropped);
}

static void add_layers_summary(proto_tree *tree, xmt_decoded *map)
{
    if (!proto_field_is_referenced(tree, xmt_hf.layers) || !spend_fields(map, 1))
        return;
    const xmt_message *msg = map->msg;
    wmem_strbuf_t *s = wmem_strbuf_new(map->pinfo->pool, "");
    for (guint i = 0; i < msg->layers->len; i++) {
        const xmt_layer *layer = xmt_message_layer(msg, (int)i);
        wmem_strbuf_append_printf(s, "%s%s", i ? ", " : "", xmt_layer_kind_name(layer->kind));
    }
    if (msg->has_json)
        wmem_strbuf_append_printf(s, "%sJSON", msg->layers->len ? ", " : "");
    if (wmem_strbuf_get_len(s))
        proto_item_set_generated(proto_tree_add_string(tree, xmt_hf.layers, map->input, 0, 0, wmem_strbuf_get_str(s)));
}

/* The core keeps the first XMT_MAX_ERRORS errors of a message and counts the rest. */
static void add_errors(proto_tree *tree, xmt_decoded *map)
{
    const xmt_message *msg = map->msg;
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        if (!spend_items(map, EXPERT_ITEMS))
            continue;
        proto_tree_add_expert_format(tree, map->pinfo, &xmt_ei.decode_error, SPAN_ARGS(map, e->span), "%s",
                                     expert_text(map->pinfo, "%s: %s", e->layer, e->reason));
    }
    if (msg->errors_dropped && spend_items(map, EXPERT_ITEMS))
        proto_tree_add_expert_format(tree, map->pinfo, &xmt_ei.decode_error, map->input, 0, 0,
                                     "limit: %u more decode errors in this message are not shown (the first %u are)",
                                     msg->errors_dropped, XMT_MAX_ERRORS);
}

/* A check recomputed from the request itself (the Sensors CRC, a form
 * signature): its verdict, and a warning when it fails. */
static void add_check(proto_tree *tree, xmt_decoded *map, int hf, gboolean valid, expert_field *bad)
{
    if (!spend_fields(map, valid ? 1 : 1 + EXPERT_ITEMS))
        return;
    proto_item *it = proto_tree_add_boolean(tree, hf, map->input, 0, 0, valid);
    proto_item_set_generated(it);
    if (!valid)
        expert_add_info(map->pinfo, it, bad);
}

/* The built-in JSON dissector adds up to three items a value (a member, its
 * key, its value) and knows no budget: a small gzip can inflate to a million
 * values.  Past what the budget has left it is not called. */
#define JSON_TREE_ITEMS_PER_VALUE 3u

static void add_json_tree(packet_info *pinfo, proto_tree *tree, xmt_decoded *map, const xmt_message *msg)
{
    static dissector_handle_t json;
    if (!json)
        json = find_dissector("json");
    if (!json || msg->json.len == 0)
        return;
    guint left = items_left(map);
    if (map->tree && msg->json_cut) {
        /* read only in part (a limit): how many values the whole holds is not known */
        if (spend_fields(map, EXPERT_ITEMS))
            proto_tree_add_expert_format(tree, pinfo, &xmt_ei.decode_error, map->input, 0, 0,
                                         "limit: the JSON tree of the payload is not shown: it was read only "
                                         "in part (%u values), so its size is not known",
                                         msg->json_values);
        return;
    }
    if (map->tree && msg->json_values > left / JSON_TREE_ITEMS_PER_VALUE) {
        if (spend_fields(map, EXPERT_ITEMS))
            proto_tree_add_expert_format(tree, pinfo, &xmt_ei.decode_error, map->input, 0, 0,
                                         "limit: the JSON tree of the payload is not shown: its %u values would "
                                         "take more than the %u tree items left of xmtrack's budget in this packet "
                                         "(a quarter of gui.max_tree_items)",
                                         msg->json_values, left);
        return;
    }
    spend_items(map, msg->json_values * JSON_TREE_ITEMS_PER_VALUE);
    tvbuff_t *tvb = xmt_span_tvb(map, msg->json);
    const char *saved = pinfo->match_string;
    pinfo->match_string = "application/json";  /* the JSON dissector names itself after it */
    call_dissector(json, tvb_new_subset_length(tvb, (gint)msg->json.off, (gint)msg->json.len), pinfo, tree);
    pinfo->match_string = saved;
}

/* " [xmtrack sensors: 5 events]" after the Info column's text.  Put
 * together without a printf, which would cost more than the rest of it: this
 * runs for every message, shown or not. */
static void add_info_column(packet_info *pinfo, const xmt_message *msg)
{
    char text[96], count[16];
    xmt_uint32_to_str_buf(msg->event_count, count, sizeof count);
    g_strlcpy(text, " [xmtrack ", sizeof text);
    g_strlcat(text, msg->sdk, sizeof text);
    g_strlcat(text, ": ", sizeof text);
    g_strlcat(text, count, sizeof text);
    g_strlcat(text, msg->event_count == 1 ? " event" : " events", sizeof text);
    g_strlcat(text, msg->encrypted ? ", encrypted]" : "]", sizeof text);
    col_append_str(pinfo->cinfo, COL_INFO, text);
}

/* The message's own fields, all generated but the facts (which point at their bytes). */
static void add_message_fields(proto_tree *mt, xmt_decoded *d, const xmt_capture_mark_problem *capture_problem)
{
    const xmt_message *msg = d->msg;
    if (spend_fields(d, 1))
        proto_item_set_generated(proto_tree_add_string(mt, xmt_hf.sdk, d->input, 0, 0, msg->sdk));
    if (d->host && spend_fields(d, 1))
        proto_item_set_generated(proto_tree_add_string(mt, xmt_hf.host, d->input, 0, 0, d->host));
    if (spend_fields(d, xmt_capture_app_message_items(d->capture, capture_problem, EXPERT_ITEMS)))
        xmt_capture_app_add_message_fields(mt, d->pinfo, d->input, d->capture, capture_problem);
    add_facts(mt, d, msg->facts, FALSE);
    add_capture_verdict(mt, d, msg->facts, FALSE);
    if (msg->has_crc)
        add_check(mt, d, xmt_hf.crc_valid, msg->crc_valid, &xmt_ei.crc_bad);
    if (msg->has_sign)
        add_check(mt, d, xmt_hf.sign_valid, msg->sign_valid, &xmt_ei.sign_bad);
    if (spend_fields(d, 1))
        proto_item_set_generated(proto_tree_add_boolean(mt, xmt_hf.encrypted, d->input, 0, 0, msg->encrypted));
    if (msg->encrypted && spend_fields(d, 1))
        proto_item_set_generated(proto_tree_add_boolean(mt, xmt_hf.decrypted, d->input, 0, 0, msg->decrypted));
    add_layers_summary(mt, d);
    if (spend_fields(d, 1))
        proto_item_set_generated(proto_tree_add_uint(mt, xmt_hf.event_count, d->input, 0, 0, msg->event_count));
}

xmt_decoded *xmt_tree_add_message(tvbuff_t *input, packet_info *pinfo, proto_tree *tree, xmt_message *msg, const char *host)
{
    xmt_decoded *d = wmem_new0(pinfo->pool, xmt_decoded);
    d->pinfo = pinfo;
    d->input = input;
    d->msg = msg;
    d->host = host;
    xmt_capture_mark_problem capture_problem = { NULL, NULL, 0, 0 };
    d->capture = xmt_capture_mark_of(pinfo, &capture_problem);
    map_layers(d, msg);

    add_info_column(pinfo, msg);
    open_budget(d, tree);
    if (!spend_fields(d, 1))
        return d;  /* the packet's share is spent: not even this message's own item fits */

    proto_item *ti = proto_tree_add_item(tree, proto_xmtrack, input, 0, (gint)tvb_captured_length(input), ENC_NA);
    proto_item_append_text(ti, ", %s, %u event%s", msg->sdk, msg->event_count,
                           msg->event_count == 1 ? "" : "s");
    proto_tree *mt = proto_item_add_subtree(ti, xmt_ett.message);
    add_message_fields(mt, d, &capture_problem);

    guint events = 0, records = 0;
    for (guint i = 0; i < msg->events->len; i++) {
        const xmt_event *ev = g_ptr_array_index(msg->events, i);
        add_event(mt, d, ev, ev->opaque ? ++records : ++events);
    }
    /* After the events: items of one data source must move forward (4.6
     * asserts after 50,000 that do not), and an error points where it was
     * met, often past the events before it. */
    add_errors(mt, d);
    add_budget_summary(mt, d);
    if (xmt_pref.show_json_tree && msg->has_json)
        add_json_tree(pinfo, mt, d, msg);
    return d;
}
