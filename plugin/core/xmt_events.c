/* xmt_events.c: walking a JSON event into facts and members. */
#include "xmt_events.h"
#include "xmt_peel.h"
#include "xmt_pii.h"
#include "xmt_search.h"
#include "xmt_watch.h"

#include <string.h>

/* Rules match the "shape" of a leaf's path: keys joined by '.', "[]" for
 * array elements.  Rule paths are short; a deeper shape matches none. */
#define SHAPE_MAX 128
/* The rules a walk applies: those of the format's table whose fact is
 * needed.  Tables hold at most a dozen or so; a longer one is used whole. */
#define ACTIVE_MAX 32

typedef struct {
    xmt_message *msg;
    const xmt_json_doc *doc;
    int layer;
    const xmt_fact_rule *active[ACTIVE_MAX + 1];  /* NULL-terminated */
    const xmt_config *cfg;
    guint32 need;       /* facts to extract: wanted ones and what they derive from */
    gboolean leaves;    /* every leaf is reported (members, personal data, watch list) */
    xmt_event *ev;
    GString *path;      /* "payloads[1]"; only when leaves is TRUE */
    char shape[SHAPE_MAX];
    gsize shape_len;    /* > SHAPE_MAX - 1 once too deep for any rule */
    guint members;
} walk;

/* The facts a config asks for, plus those the walk derives them from. */
static guint32 needed_facts(const xmt_config *cfg)
{
    guint32 need = cfg->want_facts | XMT_FACT_BIT(XMT_FACT_EVENT) | XMT_FACT_BIT(XMT_FACT_EVENT_TYPE);
    if (need & XMT_FACT_BIT(XMT_FACT_SEARCH_TERM))
        need |= XMT_FACT_BIT(XMT_FACT_URL);  /* search terms are also read off page URLs */
    if (cfg->want_pii)
        need = XMT_FACTS_ALL;                /* personal data is judged on facts too */
    return need;
}

static gboolean shape_fits(const walk *w)
{
    return w->shape_len < SHAPE_MAX;
}

static void choose_rules(walk *w, const xmt_fact_rule *rules)
{
    guint n = 0;
    for (const xmt_fact_rule *r = rules; r && r->path; r++)
        if (w->need & XMT_FACT_BIT(r->fact))
            n++;
    if (n > ACTIVE_MAX)
        w->need = XMT_FACTS_ALL;  /* cannot choose: apply every rule */
    n = 0;
    for (const xmt_fact_rule *r = rules; r && r->path && n < ACTIVE_MAX; r++)
        if (w->need & XMT_FACT_BIT(r->fact))
            w->active[n++] = r;
    w->active[n] = NULL;
}

static const xmt_fact_rule *rule_for(const walk *w)
{
    if (!shape_fits(w))
        return NULL;
    const char *shape = w->shape;
    for (const xmt_fact_rule *const *r = w->active; *r; r++)
        if ((*r)->path[0] == shape[0] && strcmp((*r)->path, shape) == 0)
            return *r;
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
    if (!text)
        text = leaf_text(w, n);
    if (text[0] != '\0')
        xmt_event_add_fact(w->ev, rule->fact, text, 0, span);
}

static void report_leaf(walk *w, const char *text, xmt_span span)
{
    if (w->cfg->want_pii)
        xmt_pii_scan_leaf(w->msg, w->ev, w->path->str, text, span);
    if (!xmt_watchlist_is_empty(w->cfg->watch))
        xmt_watch_scan_leaf(w->cfg->watch, w->msg, w->ev, w->path->str, text, span);
    if (w->cfg->want_members && w->members < w->cfg->max_members) {
        xmt_event_add_member(w->ev, xmt_message_strdup(w->msg, w->path->str), text, span);
        if (++w->members == w->cfg->max_members)
            xmt_message_add_error(w->msg, "limit", span, "event has more than %u members; the rest are not listed",
                                  w->cfg->max_members);
    }
}

static void visit_leaf(walk *w, const xmt_json_node *n)
{
    xmt_span span = xmt_span_make(w->layer, n->off, n->len);
    const xmt_fact_rule *rule = rule_for(w);
    const char *text = w->leaves ? leaf_text(w, n) : NULL;
    if (rule)
        apply_rule(w, rule, n, text, span);
    if (w->leaves)
        report_leaf(w, text, span);
}

/* Appends a member name to the shape (and the path), unescaped and valid
 * UTF-8, since paths become field text. */
static gboolean is_ascii(const gchar *s, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if ((guchar)s[i] >= 0x80)
            return FALSE;
    return TRUE;
}

static void append_key(walk *w, const xmt_json_node *n)
{
    const gchar *raw = (const gchar *)w->doc->buf + n->key_off;
    gsize len = n->key_len;
    char *key = NULL;
    if ((n->flags & XMT_JSON_KEY_ESCAPED) || (!is_ascii(raw, len) && !g_utf8_validate(raw, (gssize)len, NULL))) {
        key = xmt_json_key(w->doc, n);
        raw = key;
        len = strlen(key);
    }
    gsize at = w->shape_len + (w->shape_len ? 1 : 0);
    if (at + len < SHAPE_MAX) {
        if (w->shape_len)
            w->shape[w->shape_len] = '.';
        memcpy(w->shape + at, raw, len);
        w->shape[at + len] = '\0';
        w->shape_len = at + len;
    } else {
        w->shape_len = SHAPE_MAX;  /* too deep for any rule */
    }
    if (w->path) {
        if (w->path->len)
            g_string_append_c(w->path, '.');
        g_string_append_len(w->path, raw, (gssize)len);
    }
    g_free(key);
}

static void append_index(walk *w, guint32 i)
{
    if (w->shape_len + 2 < SHAPE_MAX) {
        memcpy(w->shape + w->shape_len, "[]", 3);
        w->shape_len += 2;
    } else {
        w->shape_len = SHAPE_MAX;
    }
    if (w->path)
        g_string_append_printf(w->path, "[%u]", i);
}

/* TRUE when only rules need the leaves and no wanted rule lies inside this
 * container (w->shape is its path): the whole subtree can be passed over.
 * The common filter case ("xmtrack.event == ...") skips "properties" and
 * "lib" this way. */
static gboolean skippable(const walk *w, const xmt_json_node *child)
{
    if (child->type != XMT_JSON_OBJECT && child->type != XMT_JSON_ARRAY)
        return FALSE;
    if (w->leaves)
        return FALSE;
    if (!shape_fits(w))
        return TRUE;
    gsize n = w->shape_len;
    for (const xmt_fact_rule *const *r = w->active; *r; r++)
        if (strncmp((*r)->path, w->shape, n) == 0 && ((*r)->path[n] == '.' || (*r)->path[n] == '['))
            return FALSE;
    return TRUE;
}

static void visit(walk *w, guint32 index)
{
    const xmt_json_node *n = xmt_json_node_at(w->doc, index);
    if (!n || !(n->flags & XMT_JSON_COMPLETE))
        return;
    if (n->type != XMT_JSON_OBJECT && n->type != XMT_JSON_ARRAY) {
        visit_leaf(w, n);
        return;
    }
    guint32 i = 0;
    for (guint32 c = xmt_json_first_child(w->doc, index); c != XMT_JSON_NONE; c = xmt_json_node_at(w->doc, c)->next, i++) {
        gsize path_len = w->path ? w->path->len : 0, shape_len = w->shape_len;
        const xmt_json_node *child = xmt_json_node_at(w->doc, c);
        if (n->type == XMT_JSON_OBJECT)
            append_key(w, child);
        else
            append_index(w, i);
        if (!skippable(w, child))
            visit(w, c);
        if (w->path)
            g_string_truncate(w->path, path_len);
        w->shape_len = shape_len;
        if (shape_len < SHAPE_MAX)
            w->shape[shape_len] = '\0';
    }
}

static gboolean has_string_fact(const xmt_event *ev, xmt_fact_id id, const char *value)
{
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id == id && f->str && strcmp(f->str, value) == 0)
            return TRUE;
    }
    return FALSE;
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
        if (term && !has_string_fact(ev, XMT_FACT_SEARCH_TERM, term))
            xmt_event_add_fact(ev, XMT_FACT_SEARCH_TERM, xmt_message_strdup(msg, term), 0, f.span);
        g_free(term);
    }
}

xmt_event *xmt_event_from_json(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                               const xmt_fact_rule *rules, const xmt_config *cfg)
{
    const xmt_json_node *n = xmt_json_node_at(doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(layer, n->off, n->len));
    walk w = { .msg = msg, .doc = doc, .layer = layer, .cfg = cfg, .ev = ev };
    w.need = needed_facts(cfg);
    choose_rules(&w, rules);
    w.leaves = cfg->want_members || cfg->want_pii || !xmt_watchlist_is_empty(cfg->watch);
    if (w.leaves)
        w.path = g_string_sized_new(64);
    visit(&w, object);
    if (w.path)
        g_string_free(w.path, TRUE);
    if (w.need & XMT_FACT_BIT(XMT_FACT_SEARCH_TERM))
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
    return ev;
}

void xmt_parse_json_span(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                         const xmt_config *cfg, xmt_json_doc *doc)
{
    xmt_json_parse(doc, xmt_span_data(msg, req, span), span.len, cfg->max_json_depth, cfg->max_json_nodes);
    if (!doc->complete) {
        gboolean limit = strstr(doc->error, "(limit)") != NULL;
        /* An error at the end of the data points at the last byte. */
        gsize at = span.len == 0 ? 0 : MIN(doc->error_off, (gsize)span.len - 1);
        xmt_message_add_error(msg, limit ? "limit" : "JSON",
                              xmt_span_make(span.layer, span.off + at, span.len ? 1 : 0),
                              "%s: %s JSON at offset %" G_GSIZE_FORMAT ": %s", what,
                              limit ? "stopped reading" : "invalid", doc->error_off, doc->error);
    }
}

static gboolean event_limit_reached(xmt_message *msg, const xmt_json_node *n, int layer, const xmt_config *cfg, guint done)
{
    if (done < cfg->max_events)
        return FALSE;
    xmt_message_add_error(msg, "limit", xmt_span_make(layer, n->off, n->len),
                          "more than %u events in one message; the rest are not decoded", cfg->max_events);
    return TRUE;
}

void xmt_for_each_event(xmt_message *msg, const xmt_json_doc *doc, int layer, const char *what,
                        const xmt_config *cfg, xmt_event_fn decode_one, void *user)
{
    const xmt_json_node *root = xmt_json_node_at(doc, 0);
    if (!root)
        return;
    if (root->type == XMT_JSON_OBJECT) {
        if (root->flags & XMT_JSON_COMPLETE)
            decode_one(msg, doc, 0, layer, cfg, user);
        return;
    }
    if (root->type != XMT_JSON_ARRAY) {
        xmt_message_add_error(msg, "JSON", xmt_span_make(layer, root->off, root->len),
                              "%s: expected an array or object of events", what);
        return;
    }
    guint done = 0, index = 0;
    for (guint32 c = xmt_json_first_child(doc, 0); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next, index++) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        if (!(n->flags & XMT_JSON_COMPLETE))
            break;  /* cut by a syntax error or a limit, already reported */
        if (event_limit_reached(msg, n, layer, cfg, done))
            break;
        if (n->type != XMT_JSON_OBJECT) {
            xmt_message_add_error(msg, "JSON", xmt_span_make(layer, n->off, n->len),
                                  "%s: element %u is not an event object", what, index);
            continue;
        }
        decode_one(msg, doc, c, layer, cfg, user);
        done++;
    }
}
