/* xmt_format_kit.c: what format modules share (xmt_format_kit.h). */
#include "formats/xmt_format_kit.h"

#include "core/xmt_peel.h"
#include "core/xmt_pii.h"
#include "core/xmt_search.h"
#include "core/xmt_watch.h"

#include <string.h>
#include <wsutil/wmem/wmem_strutl.h>  /* ws_memmem: memmem is a GNU extension */

xmt_span xmt_kit_value_span(const xmt_form_param *p)
{
    return xmt_span_make(XMT_LAYER_INPUT, p->val_off, p->val_len);
}

/* ---- form fields and headers shown as sent ------------------------------ */

const char *xmt_kit_text(xmt_message *msg, const char *bytes, gssize len)
{
    char *valid = g_utf8_make_valid(bytes, len);
    const char *kept = xmt_message_strdup(msg, valid);
    g_free(valid);
    return kept;
}

static gboolean named_in(const xmt_form *form, const xmt_form_param *p, const char *const *names)
{
    for (; names && *names; names++)
        if (strlen(*names) == p->key_len && memcmp(form->base + p->key_off, *names, p->key_len) == 0)
            return TRUE;
    return FALSE;
}

void xmt_kit_add_form_params(xmt_message *msg, const xmt_form *form, const char *const *skip)
{
    for (guint i = 0; i < form->count; i++) {
        const xmt_form_param *p = &form->params[i];
        if (named_in(form, p, skip))
            continue;
        char *value = xmt_form_value_dup(form, p);
        const char *text = xmt_message_printf(msg, "%.*s=%s", (int)p->key_len,
                                              (const char *)form->base + p->key_off,
                                              xmt_kit_text(msg, value, -1));
        g_free(value);
        xmt_span span = xmt_span_make(XMT_LAYER_INPUT, p->key_off, p->val_off + p->val_len - p->key_off);
        xmt_message_add_fact(msg, XMT_FACT_PARAM, text, 0, span);
    }
}

const xmt_form_param *xmt_kit_payload_param(xmt_message *msg, const xmt_form *form, const char *name)
{
    const char *const skip[] = { name, NULL };
    const xmt_form_param *p = xmt_form_find(form, name);
    xmt_kit_add_form_params(msg, form, skip);
    xmt_message_add_fact(msg, XMT_FACT_PAYLOAD_PARAM, name, 0, xmt_span_make(XMT_LAYER_INPUT, p->key_off, p->key_len));
    return p;
}

const char *xmt_kit_param_text(xmt_message *msg, const xmt_form *form, const xmt_form_param *p)
{
    const char *raw = (const char *)form->base + p->val_off;
    if (!memchr(raw, '%', p->val_len) && g_utf8_validate(raw, (gssize)p->val_len, NULL))
        return xmt_message_strndup(msg, raw, p->val_len);  /* as sent: the common case, one copy */
    char *value = xmt_form_value_dup(form, p);
    const char *kept = xmt_message_strdup(msg, value);
    g_free(value);
    return kept;
}

const char *xmt_kit_form_value(xmt_message *msg, const xmt_form *form, const char *key)
{
    const xmt_form_param *p = xmt_form_find(form, key);
    return p ? xmt_kit_param_text(msg, form, p) : NULL;
}

const char *xmt_kit_add_header_param(xmt_message *msg, const xmt_request *req, const char *lower_name,
                                        const char *display)
{
    const char *value = xmt_request_header(req, lower_name);
    if (value)
        xmt_message_add_fact(msg, XMT_FACT_PARAM,
                             xmt_message_printf(msg, "%s=%s", display, xmt_kit_text(msg, value, -1)), 0,
                             xmt_span_make(XMT_LAYER_INPUT, 0, 0));  /* headers are not in the body */
    return value;
}

/* ---- web addresses anywhere in an event --------------------------------- */

static void add_url(xmt_message *msg, xmt_event *ev, const char *url, xmt_span span)
{
    if (xmt_event_has_string(ev, XMT_FACT_URL, url))
        return;
    xmt_event_add_fact(ev, XMT_FACT_URL, url, 0, span);
    char *term = xmt_search_term_from_url(url);
    if (term && !xmt_event_has_string(ev, XMT_FACT_SEARCH_TERM, term))
        xmt_event_add_fact(ev, XMT_FACT_SEARCH_TERM, xmt_kit_text(msg, term, -1), 0, span);
    g_free(term);
}

void xmt_kit_add_url_facts(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              int layer, const xmt_config *cfg)
{
    const xmt_json_node *root = xmt_json_node_at(doc, object);
    if (!root || !(root->flags & XMT_JSON_COMPLETE))
        return;
    guint urls_before = ev->facts->len;
    /* Nodes are in document order: the object's descendants follow it. */
    for (guint32 i = object + 1; i < doc->nodes->len; i++) {
        const xmt_json_node *n = xmt_json_node_at(doc, i);
        if (n->off >= root->off + root->len)
            break;
        /* "\"http" also catches Android's escaped "https:\/\/". */
        if (n->type != XMT_JSON_STRING || n->len < 10 || memcmp(doc->buf + n->off, "\"http", 5) != 0)
            continue;
        char *text = xmt_json_text(doc, n);
        if (g_str_has_prefix(text, "http://") || g_str_has_prefix(text, "https://"))
            add_url(msg, ev, xmt_message_strdup(msg, text), xmt_span_make(layer, n->off, n->len));
        g_free(text);
    }
    /* The privacy scan ran when the event was built: show it the new addresses. */
    if (cfg->want_pii && ev->facts->len > urls_before)
        xmt_pii_scan_event(msg, ev);
}

/* ---- what every event shares -------------------------------------------- */

/* The template lives outside msg->events, so loops over events and the
 * event limit never see it; it goes back in only to be freed the way the
 * message frees its events. */
static xmt_event *detach_last_event(xmt_message *msg)
{
    return g_ptr_array_steal_index(msg->events, msg->events->len - 1);
}

static void free_detached(xmt_message *msg, xmt_event *ev)
{
    g_ptr_array_add(msg->events, ev);
    g_ptr_array_remove_index(msg->events, msg->events->len - 1);
}

void xmt_shared_init(xmt_shared *s, xmt_message *msg, const char *prefix)
{
    xmt_message_add_event(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 0));
    s->tmpl = detach_last_event(msg);
    s->prefix = prefix ? prefix : "";
}

void xmt_shared_add_fact(xmt_shared *s, xmt_fact_id id, const char *str, gint64 num, xmt_span span)
{
    xmt_event_add_fact(s->tmpl, id, str, num, span);
}

void xmt_shared_from_json(xmt_shared *s, xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                          const xmt_fact_rule *rules, const xmt_config *cfg)
{
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, rules, cfg);
    detach_last_event(msg);
    g_array_append_vals(ev->facts, s->tmpl->facts->data, s->tmpl->facts->len);  /* those added before */
    free_detached(msg, s->tmpl);
    s->tmpl = ev;
}

static gboolean same_fact(const xmt_fact *a, const xmt_fact *b)
{
    return a->id == b->id && (a->str && b->str ? strcmp(a->str, b->str) == 0 : a->str == b->str && a->num == b->num);
}

static void share_facts(const xmt_event *tmpl, xmt_event *ev)
{
    guint own = ev->facts->len;
    for (guint i = 0; i < tmpl->facts->len; i++) {
        const xmt_fact *f = &g_array_index(tmpl->facts, xmt_fact, i);
        gboolean known = FALSE;
        for (guint j = 0; j < own && !known; j++)
            known = same_fact(f, &g_array_index(ev->facts, xmt_fact, j));
        if (!known)
            g_array_append_vals(ev->facts, f, 1);
    }
}

/* The shared leaves go first: a record's own header then reads as the
 * continuation of the device header it inherits. */
static void share_members(const xmt_shared *s, xmt_message *msg, xmt_event *ev)
{
    const GArray *shared = s->tmpl->members;
    if (!shared || shared->len == 0)
        return;
    guint own = ev->members ? ev->members->len : 0;
    GArray *all = g_array_sized_new(FALSE, FALSE, sizeof(xmt_member), shared->len + own);
    for (guint i = 0; i < shared->len; i++) {
        xmt_member m = g_array_index(shared, xmt_member, i);
        m.path = xmt_message_printf(msg, "%s%s", s->prefix, m.path);
        g_array_append_val(all, m);
    }
    if (ev->members) {
        g_array_append_vals(all, ev->members->data, own);
        g_array_free(ev->members, TRUE);
    }
    ev->members = all;
}

static void share_pii(const xmt_shared *s, xmt_message *msg, xmt_event *ev)
{
    for (guint i = 0; s->tmpl->pii && i < s->tmpl->pii->len; i++) {
        xmt_pii_finding f = g_array_index(s->tmpl->pii, xmt_pii_finding, i);
        if (ev->pii_seen & (1u << f.kind))
            continue;
        ev->pii_seen |= 1u << f.kind;
        if (!ev->pii)
            ev->pii = g_array_new(FALSE, FALSE, sizeof(xmt_pii_finding));
        f.path = xmt_message_printf(msg, "%s%s", s->prefix, f.path);
        g_array_append_val(ev->pii, f);
    }
}

static gboolean has_watch_label(const xmt_event *ev, const char *label)
{
    for (guint i = 0; ev->watch && i < ev->watch->len; i++)
        if (strcmp(g_array_index(ev->watch, xmt_watch_hit, i).label, label) == 0)
            return TRUE;
    return FALSE;
}

static void share_watch_hits(const xmt_shared *s, xmt_message *msg, xmt_event *ev)
{
    for (guint i = 0; s->tmpl->watch && i < s->tmpl->watch->len; i++) {
        xmt_watch_hit h = g_array_index(s->tmpl->watch, xmt_watch_hit, i);
        if (has_watch_label(ev, h.label))
            continue;
        if (!ev->watch)
            ev->watch = g_array_new(FALSE, FALSE, sizeof(xmt_watch_hit));
        h.path = xmt_message_printf(msg, "%s%s", s->prefix, h.path);
        g_array_append_val(ev->watch, h);
    }
}

void xmt_shared_finish(xmt_shared *s, xmt_message *msg)
{
    guint decoded = 0;
    for (guint i = 0; i < msg->events->len; i++) {
        xmt_event *ev = g_ptr_array_index(msg->events, i);
        if (ev->opaque)
            continue;
        share_facts(s->tmpl, ev);
        share_members(s, msg, ev);
        share_pii(s, msg, ev);
        share_watch_hits(s, msg, ev);
        /* a header sent after the records is shown where each record ends */
        gsize end = ev->span.off + ev->span.len;
        xmt_event_pull_spans_back(ev, ev->span.layer, end, end);
        decoded++;
    }
    if (decoded == 0)
        g_array_append_vals(msg->facts, s->tmpl->facts->data, s->tmpl->facts->len);
    free_detached(msg, s->tmpl);
    s->tmpl = NULL;
}

xmt_event *xmt_kit_add_opaque_record(xmt_message *msg, const char *name, xmt_span span)
{
    xmt_event *ev = xmt_message_add_event(msg, span);
    ev->opaque = TRUE;
    ev->name = name;
    msg->encrypted = TRUE;
    return ev;
}

xmt_event *xmt_kit_add_cipher_value(xmt_message *msg, const xmt_request *req, const char *what,
                                       const char *name, xmt_span text, xmt_fact_id fact)
{
    xmt_event *rec = xmt_kit_add_opaque_record(msg, name, text);
    if (text.len == 0) {
        /* Still a record, empty, at the value's place: the request says it is enciphered. */
        xmt_message_add_error(msg, "payload", text, "%s: empty value (no ciphertext)", what);
        return rec;
    }
    const char *sent = xmt_kit_text(msg, (const char *)xmt_span_data(msg, req, text), text.len);
    xmt_event_add_fact(rec, fact, sent, 0, text);
    return rec;
}

/* ---- JSON bodies -------------------------------------------------------- */

static const guint8 *skip_blanks(const guint8 *p, const guint8 *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

const guint8 *xmt_kit_json_key_value(const guint8 *p, gsize len, const char *key)
{
    char quoted[64];
    gsize n = (gsize)g_snprintf(quoted, sizeof quoted, "\"%s\"", key);
    g_assert(n < sizeof quoted);  /* a module's own key: a programming error, met by any test of it */
    const guint8 *end = p + len;
    for (const guint8 *at = p; (gsize)(end - at) >= n; at += n) {
        at = ws_memmem(at, (gsize)(end - at), quoted, n);
        if (!at)
            return NULL;
        const guint8 *colon = skip_blanks(at + n, end);
        if (colon < end && *colon == ':')
            return skip_blanks(colon + 1, end);
    }
    return NULL;
}

/* The node at a dotted path of members from `object`, or XMT_JSON_NONE.
 * Paths are the module's own, short ASCII keys. */
static guint32 json_path(const xmt_json_doc *doc, guint32 object, const char *path)
{
    guint32 node = object;
    char key[64];
    while (node != XMT_JSON_NONE) {
        gsize n = strcspn(path, ".");
        g_assert(n < sizeof key);  /* a module's table: a programming error, met by any test of it */
        memcpy(key, path, n);
        key[n] = '\0';
        node = xmt_json_member(doc, node, key);
        if (path[n] == '\0')
            break;
        path += n + 1;
    }
    return node;
}

void xmt_kit_add_first_string(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              int layer, xmt_fact_id fact, const char *const *paths)
{
    for (; *paths; paths++) {
        const xmt_json_node *n = xmt_json_node_at(doc, json_path(doc, object, *paths));
        if (!n || n->type != XMT_JSON_STRING || n->len <= 2 || !(n->flags & XMT_JSON_COMPLETE))
            continue;  /* absent, null (before identify), not text, or empty */
        char *text = xmt_json_text(doc, n);
        xmt_event_add_fact(ev, fact, xmt_message_strdup(msg, text), 0, xmt_span_make(layer, n->off, n->len));
        g_free(text);
        return;
    }
}

guint32 xmt_kit_json_root_member(const xmt_json_doc *doc, const char *key)
{
    const xmt_json_node *root = xmt_json_node_at(doc, 0);
    if (!root || root->type != XMT_JSON_OBJECT)
        return XMT_JSON_NONE;
    guint32 found = xmt_json_member(doc, 0, key);
    if (found != XMT_JSON_NONE || (root->flags & XMT_JSON_COMPLETE))
        return found;
    /* Cut short: the members in document order, the last one unlinked. */
    gsize n = strlen(key);
    for (guint32 i = 1; i < doc->nodes->len; i++) {
        const xmt_json_node *c = xmt_json_node_at(doc, i);
        if (c->depth == 1 && c->key_len == n && memcmp(doc->buf + c->key_off, key, n) == 0)
            return i;
    }
    return XMT_JSON_NONE;
}

void xmt_kit_add_json_params(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                             const char *skip)
{
    for (guint32 c = xmt_json_first_child(doc, object); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        if (!(n->flags & XMT_JSON_COMPLETE))
            break;  /* cut by a syntax error or a limit, already reported */
        char *key = xmt_json_key(doc, n);
        if (skip && strcmp(key, skip) == 0) {
            g_free(key);
            continue;
        }
        gboolean container = n->type == XMT_JSON_OBJECT || n->type == XMT_JSON_ARRAY;
        char *value = container ? xmt_json_compact(doc->buf + n->off, n->len) : xmt_json_text(doc, n);
        const char *text = xmt_message_printf(msg, "%s=%s", key, xmt_kit_text(msg, value, -1));
        xmt_message_add_fact(msg, XMT_FACT_PARAM, text, 0,
                             xmt_span_make(layer, n->key_off - 1, n->off + n->len - (n->key_off - 1)));
        g_free(key);
        g_free(value);
    }
}
