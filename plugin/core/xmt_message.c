/* xmt_message.c: construction and teardown of a decoded message. */
#include "core/xmt_message.h"

#include <stdarg.h>
#include <string.h>

const char *xmt_fact_filter_name(xmt_fact_id id)
{
    static const char *const names[XMT_FACT_COUNT] = {
#define XMT_FACT_NAME(id, abbrev, name, type, blurb) [XMT_FACT_##id] = "xmtrack." abbrev,
        XMT_FACTS(XMT_FACT_NAME)
#undef XMT_FACT_NAME
    };
    return (guint)id < XMT_FACT_COUNT ? names[id] : "xmtrack.?";
}

const char *xmt_layer_kind_name(xmt_layer_kind kind)
{
    switch (kind) {
    case XMT_LAYER_PERCENT:   return "percent-encoding";
    case XMT_LAYER_BASE64:    return "base64";
    case XMT_LAYER_GZIP:      return "gzip";
    case XMT_LAYER_ZLIB:      return "zlib";
    case XMT_LAYER_DEFLATE:   return "deflate";
    case XMT_LAYER_DECRYPTED: return "decryption";
    case XMT_LAYER_LZSTRING:  return "LZ-string";
    case XMT_LAYER_JSON_STRING: return "JSON string";
    case XMT_LAYER_JOINED:    return "joined";
    }
    return "?";
}

/* The events and layers of a message live in blocks freed with it: one
 * allocation for a dozen records instead of one each (an upload has a few
 * layers and from one to thousands of events, all freed together). */
#define BLOCK_BYTES 2048u

struct xmt_block {
    struct xmt_block *next;
    gsize used, size;
    G_GNUC_UNUSED gsize pad;  /* keeps data 16-byte aligned after the header */
    guint8 data[];
};

static void *message_alloc0(xmt_message *msg, gsize size)
{
    size = (size + 15u) & ~(gsize)15u;
    struct xmt_block *b = msg->blocks;
    if (!b || b->used + size > b->size) {
        gsize cap = MAX((gsize)BLOCK_BYTES, size);
        b = g_malloc(sizeof *b + cap);
        b->next = msg->blocks;
        b->used = 0;
        b->size = cap;
        msg->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    memset(p, 0, size);
    return p;
}

static void free_blocks(struct xmt_block *b)
{
    while (b) {
        struct xmt_block *next = b->next;
        g_free(b);
        b = next;
    }
}

static void layer_free(gpointer p)
{
    xmt_layer *layer = p;
    g_free(layer->data);  /* the record itself is in the message's blocks */
}

static void event_free(gpointer p)
{
    xmt_event *ev = p;
    g_array_free(ev->facts, TRUE);
    if (ev->members)
        g_array_free(ev->members, TRUE);
    if (ev->pii)
        g_array_free(ev->pii, TRUE);
    if (ev->watch)
        g_array_free(ev->watch, TRUE);
    /* the record itself is in the message's blocks */
}

xmt_message *xmt_message_new(const char *sdk)
{
    xmt_message *msg = g_new0(xmt_message, 1);
    msg->sdk = sdk;
    msg->layers = g_ptr_array_new_with_free_func(layer_free);
    msg->facts = g_array_sized_new(FALSE, FALSE, sizeof(xmt_fact), 8);
    msg->events = g_ptr_array_new_with_free_func(event_free);
    msg->errors = g_array_new(FALSE, FALSE, sizeof(xmt_error));
    msg->strings = g_string_chunk_new(1024);
    return msg;
}

void xmt_message_free(xmt_message *msg)
{
    if (!msg)
        return;
    g_ptr_array_free(msg->layers, TRUE);
    g_array_free(msg->facts, TRUE);
    g_ptr_array_free(msg->events, TRUE);
    g_array_free(msg->errors, TRUE);
    g_string_chunk_free(msg->strings);
    free_blocks(msg->blocks);
    g_free(msg);
}

const char *xmt_message_strdup(xmt_message *msg, const char *s)
{
    return s ? g_string_chunk_insert(msg->strings, s) : NULL;
}

const char *xmt_message_strndup(xmt_message *msg, const char *s, gsize len)
{
    return g_string_chunk_insert_len(msg->strings, s, (gssize)len);
}

const char *xmt_message_join(xmt_message *msg, const char *a, const char *b)
{
    gsize na = strlen(a), nb = strlen(b);
    char small[128];
    char *both = na + nb < sizeof small ? small : g_malloc(na + nb + 1);
    memcpy(both, a, na);
    memcpy(both + na, b, nb + 1);
    const char *kept = g_string_chunk_insert_len(msg->strings, both, (gssize)(na + nb));
    if (both != small)
        g_free(both);
    return kept;
}

const char *xmt_message_printf(xmt_message *msg, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *tmp = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    const char *s = g_string_chunk_insert(msg->strings, tmp);
    g_free(tmp);
    return s;
}

int xmt_message_add_layer(xmt_message *msg, xmt_layer_kind kind, const char *label,
                          guint8 *data, gsize len, xmt_span from)
{
    xmt_layer *layer = message_alloc0(msg, sizeof *layer);
    layer->kind = kind;
    layer->label = xmt_message_strdup(msg, label);
    layer->data = data;
    layer->len = len;
    layer->from = from;
    g_ptr_array_add(msg->layers, layer);
    return (int)msg->layers->len - 1;
}

const xmt_layer *xmt_message_layer(const xmt_message *msg, int index)
{
    if (index < 0 || (guint)index >= msg->layers->len)
        return NULL;
    return g_ptr_array_index(msg->layers, index);
}

guint8 *xmt_message_steal_layer(xmt_message *msg, int index)
{
    if (index < 0 || (guint)index >= msg->layers->len)
        return NULL;
    xmt_layer *layer = g_ptr_array_index(msg->layers, index);
    guint8 *data = layer->data;
    layer->data = NULL;
    return data;
}

void xmt_message_add_fact(xmt_message *msg, xmt_fact_id id, const char *str, gint64 num, xmt_span span)
{
    xmt_fact fact = { id, str, num, span };
    g_array_append_val(msg->facts, fact);
}

void xmt_message_add_error(xmt_message *msg, const char *layer, xmt_span span, const char *fmt, ...)
{
    if (msg->errors->len >= XMT_MAX_ERRORS) {
        msg->errors_dropped++;  /* not even formatted: there may be hundreds of thousands */
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char *tmp = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    xmt_error err = { layer, g_string_chunk_insert(msg->strings, tmp), span };
    g_free(tmp);
    g_array_append_val(msg->errors, err);
}

xmt_event *xmt_message_add_event(xmt_message *msg, xmt_span span)
{
    xmt_event *ev = message_alloc0(msg, sizeof *ev);
    ev->span = span;
    /* room for the usual number of facts: no regrowth on the common path */
    ev->facts = g_array_sized_new(FALSE, FALSE, sizeof(xmt_fact), 8);
    g_ptr_array_add(msg->events, ev);
    return ev;
}

void xmt_event_add_fact(xmt_event *ev, xmt_fact_id id, const char *str, gint64 num, xmt_span span)
{
    xmt_fact fact = { id, str, num, span };
    g_array_append_val(ev->facts, fact);
}

void xmt_event_add_member(xmt_event *ev, const char *path, const char *value, xmt_span span)
{
    if (!ev->members)
        ev->members = g_array_sized_new(FALSE, FALSE, sizeof(xmt_member), 32);
    xmt_member m = { path, value, span };
    g_array_append_val(ev->members, m);
}

static const xmt_fact *find_fact(const GArray *facts, xmt_fact_id id)
{
    for (guint i = 0; i < facts->len; i++) {
        const xmt_fact *f = &g_array_index(facts, xmt_fact, i);
        if (f->id == id)
            return f;
    }
    return NULL;
}

const xmt_fact *xmt_event_fact(const xmt_event *ev, xmt_fact_id id)
{
    return find_fact(ev->facts, id);
}

gboolean xmt_event_has_string(const xmt_event *ev, xmt_fact_id id, const char *value)
{
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id == id && f->str && strcmp(f->str, value) == 0)
            return TRUE;
    }
    return FALSE;
}

const xmt_fact *xmt_message_fact(const xmt_message *msg, xmt_fact_id id)
{
    return find_fact(msg->facts, id);
}

void xmt_message_count_events(xmt_message *msg)
{
    msg->event_count = 0;
    for (guint i = 0; i < msg->events->len; i++)
        if (!((const xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
            msg->event_count++;
}
