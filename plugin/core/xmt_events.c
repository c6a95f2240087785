/* xmt_events.c: walking a JSON event into facts and members. */
#include "core/xmt_events.h"
#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "core/xmt_search.h"
#include "core/xmt_time.h"
#include "core/xmt_watch.h"
#include "layers/xmt_percent.h"

#include <string.h>

/* A rule's path names a leaf by its keys joined with '.', and "[]" for the
 * elements of an array: "properties.$url", "payloads[]".  The walk follows
 * the rules down the document, component by component: it only enters a
 * subtree some rule leads into, unless every leaf is to be reported.
 *
 * The rules a walk applies are those of the format's table whose fact is
 * needed.  Tables hold a dozen or so, at most ACTIVE_MAX (one bit each). */
#define ACTIVE_MAX 32

/* The rules that still lead somewhere at a node, and how much of each path
 * the node's ancestors matched (at[i] is the next component's offset). */
typedef struct {
    guint32 live;              /* bit i: active[i] */
    guint16 at[ACTIVE_MAX];
} rule_cursor;

typedef struct {
    xmt_message *msg;
    const xmt_json_doc *doc;
    int layer;
    const xmt_fact_rule *active[ACTIVE_MAX];
    guint n_active;
    const xmt_config *cfg;
    guint64 need;       /* facts to extract: wanted ones and what they derive from */
    gboolean leaves;    /* every leaf is reported (members, personal data, watch list) */
    xmt_event *ev;
    GString *path;      /* "payloads[1]"; only when leaves is TRUE */
} walk;

/* The facts a config asks for, plus those the walk derives them from. */
static guint64 needed_facts(const xmt_config *cfg)
{
    guint64 need = cfg->want_facts | XMT_FACT_BIT(XMT_FACT_EVENT) | XMT_FACT_BIT(XMT_FACT_EVENT_TYPE);
    if (need & XMT_FACT_BIT(XMT_FACT_SEARCH_TERM))
        need |= XMT_FACT_BIT(XMT_FACT_URL);  /* search terms are also read off page URLs */
    if (cfg->want_pii)
        need = XMT_FACTS_ALL;                /* personal data is judged on facts too */
    return need;
}

static void choose_rules(walk *w, const xmt_fact_rule *rules)
{
    guint n = 0;
    for (const xmt_fact_rule *r = rules; r && r->path; r++) {
        g_assert(r - rules < ACTIVE_MAX);  /* a format's table: a programming error, met by any test of it */
        if (w->need & XMT_FACT_BIT(r->fact))
            w->active[n++] = r;
    }
    w->n_active = n;
}

static rule_cursor all_rules(const walk *w)
{
    rule_cursor c;
    memset(&c, 0, sizeof c);
    c.live = w->n_active == 32 ? G_MAXUINT32 : (1u << w->n_active) - 1u;
    return c;
}

/* The rules that lead from a node into its member `key` (len bytes). */
static void step_into_member(const walk *w, const rule_cursor *from, const char *key, gsize len, rule_cursor *to)
{
    to->live = 0;
    /* Only the live rules, lowest first: inside "properties" of a walk that
     * reports every leaf, most members have none or a few. */
    for (guint32 live = from->live; live; live &= live - 1) {
        guint i = (guint)__builtin_ctz(live);
        const char *rest = w->active[i]->path + from->at[i];
        if (len == 0 ? (rest[0] != '\0' && rest[0] != '.' && rest[0] != '[')
                     : (rest[0] != key[0] || strncmp(rest, key, len) != 0))
            continue;  /* the first byte rejects most members */
        if (rest[len] != '\0' && rest[len] != '.' && rest[len] != '[')
            continue;
        to->live |= 1u << i;
        to->at[i] = (guint16)(from->at[i] + len + (rest[len] == '.' ? 1 : 0));
    }
}

/* The rules that lead from a node into each of its elements. */
static void step_into_element(const walk *w, const rule_cursor *from, rule_cursor *to)
{
    to->live = 0;
    for (guint i = 0; i < w->n_active; i++) {
        if (!(from->live & (1u << i)))
            continue;
        const char *rest = w->active[i]->path + from->at[i];
        if (rest[0] != '[' || rest[1] != ']')
            continue;
        to->live |= 1u << i;
        to->at[i] = (guint16)(from->at[i] + 2 + (rest[2] == '.' ? 1 : 0));
    }
}

/* The first rule whose whole path leads to this leaf. */
static const xmt_fact_rule *rule_for(const walk *w, const rule_cursor *at)
{
    for (guint32 live = at->live; live; live &= live - 1) {
        guint i = (guint)__builtin_ctz(live);
        if (w->active[i]->path[at->at[i]] == '\0')
            return w->active[i];
    }
    return NULL;
}

/* The leaf's text in the message's string chunk: copied once, straight from
 * the JSON when it needs no unescaping. */
static const char *leaf_text(walk *w, const xmt_json_node *n)
{
    const char *raw;
    gsize len;
    if (xmt_json_raw_text(w->doc, n, &raw, &len))
        return xmt_message_strndup(w->msg, raw, len);
    char *text = xmt_json_text(w->doc, n);
    const char *kept = xmt_message_strdup(w->msg, text);
    g_free(text);
    return kept;
}

/* The JS SDK sends search keywords as its referrer's query had them
 * ("how+to+hide"): decoded like a browser's query value. */
static const char *query_text(xmt_message *msg, const char *text)
{
    if (!strpbrk(text, "%+"))
        return text;
    char *decoded = xmt_percent_decode_query_value(text, strlen(text));
    const char *kept = xmt_message_strdup(msg, decoded);
    g_free(decoded);
    return kept;
}

/* Facts that SDK placeholders must not feed. */
static gboolean is_page_fact(xmt_fact_id fact)
{
    return fact == XMT_FACT_URL || fact == XMT_FACT_SEARCH_TERM;
}

/* A fact read from a leaf's text (in the message) by a rule of any kind but
 * XMT_RULE_NUMBER. */
static void add_text_fact(xmt_message *msg, xmt_event *ev, const xmt_fact_rule *rule, const char *text, xmt_span span)
{
    if (rule->kind == XMT_RULE_ISO8601) {
        gint64 ms;
        if (xmt_time_from_iso8601(text, &ms))
            xmt_event_add_fact(ev, rule->fact, NULL, ms, span);
        return;
    }
    if (rule->kind == XMT_RULE_QUERY)
        text = query_text(msg, text);
    if (text[0] == '\0')
        return;
    /* $referrer and $latest_referrer are often the same page, an SDK's own id
     * is often sent under two keys: one fact. */
    if (is_page_fact(rule->fact) && xmt_search_is_placeholder(text))
        return;
    if ((is_page_fact(rule->fact) || rule->fact == XMT_FACT_ANONYMOUS_ID) && xmt_event_has_string(ev, rule->fact, text))
        return;
    xmt_event_add_fact(ev, rule->fact, text, 0, span);
}

static void apply_rule(walk *w, const xmt_fact_rule *rule, const xmt_json_node *n, const char *text, xmt_span span)
{
    if (rule->kind == XMT_RULE_NUMBER) {
        gint64 v;
        if (xmt_json_int64(w->doc, n, &v))
            xmt_event_add_fact(w->ev, rule->fact, NULL, v, span);
        return;
    }
    if (n->type == XMT_JSON_NULL)
        return;
    add_text_fact(w->msg, w->ev, rule, text ? text : leaf_text(w, n), span);
}

/* One leaf of an event, whatever it came from: personal data, the watch
 * list, and its member.  `path` is copied into the message unless `kept`
 * says it lives there already. */
static void report_leaf(xmt_message *msg, xmt_event *ev, const xmt_config *cfg, const char *path, gboolean kept,
                        const char *text, xmt_span span, gboolean scan_pii)
{
    if (cfg->want_pii && scan_pii)
        xmt_pii_scan_leaf(msg, ev, path, text, span);
    if (!xmt_watchlist_is_empty(cfg->watch))
        xmt_watch_scan_leaf(cfg->watch, msg, ev, path, text, span);
    if (!cfg->want_members || ev->members_seen > cfg->max_members)
        return;
    if (ev->members_seen < cfg->max_members)
        xmt_event_add_member(ev, kept ? path : xmt_message_strdup(msg, path), text, span);
    else  /* the first leaf past the limit: said once, where it is */
        xmt_message_add_error(msg, "limit", span, "event has more than %u members; the rest are not listed",
                              cfg->max_members);
    ev->members_seen++;
}

static void visit_leaf(walk *w, const xmt_json_node *n, const rule_cursor *at)
{
    xmt_span span = xmt_span_make(w->layer, n->off, n->len);
    const xmt_fact_rule *rule = rule_for(w, at);
    const char *text = w->leaves ? leaf_text(w, n) : NULL;
    if (rule)
        apply_rule(w, rule, n, text, span);
    if (w->leaves && w->path)  /* the path is kept whenever leaves are reported */
        report_leaf(w->msg, w->ev, w->cfg, w->path->str, FALSE, text, span, TRUE);
}

static gboolean is_ascii(const gchar *s, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if ((guchar)s[i] >= 0x80)
            return FALSE;
    return TRUE;
}

/* Follows the rules into a member, by its name as text: unescaped, and for
 * the path (field text) valid UTF-8.  Rule paths are ASCII, so a name with
 * other bytes matches none whatever is done to it. */
static void enter_member(walk *w, const rule_cursor *from, const xmt_json_node *n, rule_cursor *to)
{
    const gchar *raw = (const gchar *)w->doc->buf + n->key_off;
    gsize len = n->key_len;
    char *key = NULL;
    if ((n->flags & XMT_JSON_KEY_ESCAPED) ||
        (w->path && !is_ascii(raw, len) && !g_utf8_validate(raw, (gssize)len, NULL))) {
        key = xmt_json_key(w->doc, n);
        raw = key;
        len = strlen(key);
    }
    step_into_member(w, from, raw, len, to);
    if (w->path) {
        if (w->path->len)
            g_string_append_c(w->path, '.');
        g_string_append_len(w->path, raw, (gssize)len);
    }
    g_free(key);
}

static void visit(walk *w, guint32 index, const rule_cursor *at)
{
    const xmt_json_node *n = xmt_json_node_at(w->doc, index);
    if (!n || !(n->flags & XMT_JSON_COMPLETE))
        return;
    if (n->type != XMT_JSON_OBJECT && n->type != XMT_JSON_ARRAY) {
        visit_leaf(w, n, at);
        return;
    }
    if (!w->leaves && !at->live)
        return;
    /* When only rules need the leaves, what no rule leads into is passed
     * over: the common filter "xmtrack.event == ..." skips "properties". */
    rule_cursor element, member;
    if (n->type == XMT_JSON_ARRAY)
        step_into_element(w, at, &element);
    guint32 i = 0;
    for (guint32 c = xmt_json_first_child(w->doc, index); c != XMT_JSON_NONE; c = xmt_json_node_at(w->doc, c)->next, i++) {
        gsize path_len = w->path ? w->path->len : 0;
        const rule_cursor *to = &element;
        if (n->type == XMT_JSON_OBJECT) {
            enter_member(w, at, xmt_json_node_at(w->doc, c), &member);
            to = &member;
        } else if (w->path) {
            g_string_append_printf(w->path, "[%u]", i);
        }
        if (w->leaves || to->live)
            visit(w, c, to);
        if (w->path)
            g_string_truncate(w->path, path_len);
    }
}

/* A search typed into a search engine shows up in the page URL's query. */
static void add_search_terms_from_urls(xmt_message *msg, xmt_event *ev)
{
    guint n = ev->facts->len;
    for (guint i = 0; i < n; i++) {
        xmt_fact f = g_array_index(ev->facts, xmt_fact, i);
        if (f.id != XMT_FACT_URL)
            continue;
        char *term = xmt_search_term_from_url(f.str);
        if (term && !xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, term))
            xmt_event_add_fact(ev, XMT_FACT_SEARCH_TERM, xmt_message_strdup(msg, term), 0, f.span);
        g_free(term);
    }
}

/* Whether every leaf is reported: members, personal data, the watch list. */
static gboolean wants_leaves(const xmt_config *cfg)
{
    return cfg->want_members || cfg->want_pii || !xmt_watchlist_is_empty(cfg->watch);
}

/* Walks the JSON under node into ev: member paths start with `prefix`, and
 * the rules are matched from node, or from its parent when node is member
 * `name` of it (name NULL: from node itself). */
static void walk_json(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 node, const char *prefix,
                      const char *name, int layer, const xmt_fact_rule *rules, const xmt_config *cfg)
{
    walk w = { .msg = msg, .doc = doc, .layer = layer, .cfg = cfg, .ev = ev };
    w.need = needed_facts(cfg);
    choose_rules(&w, rules);
    w.leaves = wants_leaves(cfg);
    if (w.leaves) {
        w.path = g_string_sized_new(64);
        g_string_append(w.path, prefix ? prefix : "");
    }
    rule_cursor start = all_rules(&w), member;
    gsize name_len = name ? strlen(name) : 0;
    if (name_len) {
        step_into_member(&w, &start, name, name_len, &member);
        start = member;
    }
    visit(&w, node, &start);
    if (w.path)
        g_string_free(w.path, TRUE);
}

void xmt_event_add_json(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 node, const char *name,
                        int layer, const xmt_fact_rule *rules, const xmt_config *cfg)
{
    walk_json(msg, ev, doc, node, name, name, layer, rules, cfg);
}

void xmt_event_add_json_under(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              const char *prefix, int layer, const xmt_fact_rule *rules, const xmt_config *cfg)
{
    walk_json(msg, ev, doc, object, prefix, NULL, layer, rules, cfg);
}

static void pull_back(GArray *array, gsize span_at, int layer, gsize past, gsize to)
{
    for (guint i = 0; array && i < array->len; i++) {
        xmt_span *s = (xmt_span *)(void *)(array->data + (gsize)i * g_array_get_element_size(array) + span_at);
        if (s->layer == layer && s->off > past)
            *s = xmt_span_make(layer, to, 0);
    }
}

void xmt_event_pull_spans_back(xmt_event *ev, int layer, gsize past, gsize to)
{
    pull_back(ev->facts, G_STRUCT_OFFSET(xmt_fact, span), layer, past, to);
    pull_back(ev->members, G_STRUCT_OFFSET(xmt_member, span), layer, past, to);
    pull_back(ev->pii, G_STRUCT_OFFSET(xmt_pii_finding, span), layer, past, to);
    pull_back(ev->watch, G_STRUCT_OFFSET(xmt_watch_hit, span), layer, past, to);
}

void xmt_event_finish(xmt_message *msg, xmt_event *ev, const xmt_config *cfg)
{
    if (needed_facts(cfg) & XMT_FACT_BIT(XMT_FACT_SEARCH_TERM))
        add_search_terms_from_urls(msg, ev);
    if (cfg->want_pii)
        xmt_pii_scan_event(msg, ev);
    const xmt_fact *name = xmt_event_fact(ev, XMT_FACT_EVENT);
    if (!name) {
        /* The contract: records without an event name are named by their type.
         * Copy the fact before adding: adding may move the facts array. */
        const xmt_fact *type = xmt_event_fact(ev, XMT_FACT_EVENT_TYPE);
        if (type) {
            xmt_fact named = *type;
            xmt_event_add_fact(ev, XMT_FACT_EVENT, named.str, 0, named.span);
        }
        name = xmt_event_fact(ev, XMT_FACT_EVENT);
    }
    ev->name = name ? name->str : NULL;
}

xmt_event *xmt_event_from_json(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                               const xmt_fact_rule *rules, const xmt_config *cfg)
{
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    xmt_event_add_json(msg, ev, doc, object, "", layer, rules, cfg);
    xmt_event_finish(msg, ev, cfg);
    return ev;
}

/* ---- events that are parameter lists ------------------------------------ */

/* The first rule of the table whose path is the whole name, among the facts needed. */
static const xmt_fact_rule *rule_named(const xmt_fact_rule *rules, guint64 need, const char *name)
{
    for (const xmt_fact_rule *r = rules; r && r->path; r++)
        if ((need & XMT_FACT_BIT(r->fact)) && r->path[0] == name[0] && strcmp(r->path, name) == 0)
            return r;
    return NULL;
}

static void apply_pair_rule(xmt_message *msg, xmt_event *ev, const xmt_fact_rule *rule, const xmt_pair *p)
{
    if (rule->kind != XMT_RULE_NUMBER) {
        add_text_fact(msg, ev, rule, p->value, p->span);
        return;
    }
    gint64 v;
    if (g_ascii_string_to_signed(p->value, 10, G_MININT64, G_MAXINT64, &v, NULL))
        xmt_event_add_fact(ev, rule->fact, NULL, v, p->span);
}

/* One pair: its fact by the rule (if any), then as a leaf. */
static void add_pair(xmt_message *msg, xmt_event *ev, const xmt_fact_rule *rule, gboolean leaves, const xmt_pair *p,
                     const xmt_config *cfg)
{
    if (rule)
        apply_pair_rule(msg, ev, rule, p);
    if (leaves)
        report_leaf(msg, ev, cfg, p->name, TRUE, p->value, p->span, !p->not_pii);
}

xmt_event *xmt_event_from_pairs(xmt_message *msg, xmt_span span, const xmt_pair *pairs, gsize n,
                                const xmt_fact_rule *rules, const xmt_config *cfg)
{
    xmt_event *ev = xmt_message_add_event(msg, span);
    guint64 need = needed_facts(cfg);
    gboolean leaves = wants_leaves(cfg);
    for (gsize i = 0; i < n; i++)
        add_pair(msg, ev, rule_named(rules, need, pairs[i].name), leaves, &pairs[i], cfg);
    xmt_event_finish(msg, ev, cfg);
    return ev;
}

void xmt_event_add_form(xmt_message *msg, xmt_event *ev, const xmt_form *form, int layer,
                        const xmt_fact_rule *rules, const xmt_config *cfg)
{
    guint64 need = needed_facts(cfg);
    gboolean leaves = wants_leaves(cfg);
    for (guint i = 0; i < form->count; i++) {
        const xmt_form_param *p = &form->params[i];
        char *key = g_strndup((const char *)form->base + p->key_off, p->key_len);
        const xmt_fact_rule *rule = rule_named(rules, need, key);
        if (rule || leaves) {
            /* Names that are no UTF-8 become members' paths, which are text. */
            char *name = g_utf8_make_valid(key, -1);
            char *value = xmt_form_value_dup(form, p);
            xmt_pair pair = { xmt_message_strdup(msg, name), xmt_message_strdup(msg, value),
                              xmt_span_make(layer, p->val_off, p->val_len), FALSE };
            add_pair(msg, ev, rule, leaves, &pair, cfg);
            g_free(value);
            g_free(name);
        }
        g_free(key);
    }
}

/* The parser counts offsets from the document's first byte; spans count
 * from their layer's.  A document that starts inside its layer (JSON sent
 * as a form value without escapes sits in the input after "name=") is
 * moved onto the layer, so the spans made from its nodes point at them. */
static void rebase_onto_layer(xmt_json_doc *doc, guint32 off)
{
    if (off == 0 || !doc->nodes)
        return;
    for (guint i = 0; i < doc->nodes->len; i++) {
        xmt_json_node *n = &g_array_index(doc->nodes, xmt_json_node, i);
        n->off += off;
        n->key_off += off;
    }
    doc->buf -= off;
    doc->len += off;
}

static void parse_json(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                       const xmt_json_limits *limits, xmt_json_doc *doc)
{
    xmt_json_parse(doc, xmt_span_data(msg, req, span), span.len, limits);
    rebase_onto_layer(doc, span.off);
    msg->json_values = doc->nodes ? doc->nodes->len : 0;
    msg->json_cut = !doc->complete && xmt_json_status_is_limit(doc->status);
    if (doc->complete || doc->status == XMT_JSON_LIMIT_ELEMENTS)
        return;  /* the events' walk says there were more (xmt_for_each_event) */
    gboolean limit = xmt_json_status_is_limit(doc->status);
    /* An error at the end of the data points at the last byte. */
    gsize at = span.len == 0 ? 0 : MIN(doc->error_off, (gsize)span.len - 1);
    xmt_message_add_error(msg, limit ? "limit" : "JSON", xmt_span_make(span.layer, span.off + at, span.len ? 1 : 0),
                          "%s: %s JSON at offset %" G_GSIZE_FORMAT ": %s", what,
                          limit ? "stopped reading" : "invalid", doc->error_off, doc->error);
}

void xmt_parse_json_span(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                         const xmt_config *cfg, xmt_json_doc *doc)
{
    const xmt_json_limits limits = { cfg->max_json_depth, cfg->max_json_nodes, 0 };
    parse_json(msg, req, span, what, &limits, doc);
}

void xmt_decode_json_events(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                            const xmt_config *cfg, xmt_event_fn decode_one, void *user)
{
    /* The events shown and one more, which says there were more. */
    const xmt_json_limits limits = { cfg->max_json_depth, cfg->max_json_nodes, cfg->max_events + 1 };
    msg->has_json = TRUE;
    msg->json = span;
    xmt_json_doc doc;
    parse_json(msg, req, span, what, &limits, &doc);
    xmt_for_each_event(msg, &doc, span.layer, what, cfg, decode_one, user);
    xmt_json_doc_clear(&doc);
}

void xmt_for_each_object(xmt_message *msg, const xmt_json_doc *doc, guint32 node, int layer, const char *what,
                         const xmt_config *cfg, xmt_event_fn decode_one, void *user)
{
    const xmt_json_node *n = xmt_json_node_at(doc, node);
    if (!n)
        return;
    if (n->type == XMT_JSON_OBJECT) {
        if (n->flags & XMT_JSON_COMPLETE)
            decode_one(msg, doc, node, layer, cfg, user);
        return;
    }
    if (n->type != XMT_JSON_ARRAY) {
        xmt_message_add_error(msg, "JSON", xmt_span_make(layer, n->off, n->len),
                              "%s: expected an array or object of events", what);
        return;
    }
    guint index = 0, skipped = 0;
    for (guint32 c = xmt_json_first_child(doc, node); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next, index++) {
        const xmt_json_node *child = xmt_json_node_at(doc, c);
        if (!(child->flags & XMT_JSON_COMPLETE))
            break;  /* cut by a syntax error or a limit, already reported */
        /* Every element counts, objects or not: each non-object is an
         * error, and an array of 300,000 zeros must not cost 300,000 of them. */
        if (msg->events->len + skipped >= cfg->max_events) {
            xmt_message_add_error(msg, "limit", xmt_span_make(layer, child->off, child->len),
                                  "more than %u events in one message; the rest are not decoded", cfg->max_events);
            break;
        }
        if (child->type != XMT_JSON_OBJECT) {
            xmt_message_add_error(msg, "JSON", xmt_span_make(layer, child->off, child->len),
                                  "%s: element %u is not an event object", what, index);
            skipped++;
            continue;
        }
        decode_one(msg, doc, c, layer, cfg, user);
    }
}

void xmt_for_each_event(xmt_message *msg, const xmt_json_doc *doc, int layer, const char *what,
                        const xmt_config *cfg, xmt_event_fn decode_one, void *user)
{
    xmt_for_each_object(msg, doc, 0, layer, what, cfg, decode_one, user);
}

