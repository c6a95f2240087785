/* xmt_json.c: strict JSON parsing into a flat node array.
 *
 * Why not Wireshark's wsutil/wsjson (jsmn)?  Measured on 4.0.17: it accepts
 * `{"a":tru}` and `[1,,2]`, needs a NUL-terminated copy, parses twice (count,
 * then fill), has no depth bound and no parent links, and stops with nothing
 * usable on the first error.  Investigators must be able to trust that what
 * we show was valid JSON, and a broken third event must not hide the first
 * two, so the parser is our own: one pass, iterative with an explicit
 * stack of open containers (no C recursion, a depth limit), spans for
 * highlighting.
 */
#include "layers/xmt_json.h"

#include <string.h>
#include <wsutil/bits_ctz.h>  /* ws_ctz(): count trailing zeros, portably */

typedef struct {
    xmt_json_doc *doc;
    const guint8 *buf;   /* doc->buf and doc->len, kept here so the hot loops */
    gsize len;           /* below read them without going through doc */
    gsize pos;
    guint max_depth;
    guint max_nodes;
    guint max_root_elements;  /* 0: all */
    xmt_json_node *nodes;  /* doc->nodes->data, written directly: doc->nodes */
    guint32 used, cap;     /* holds cap slots while parsing, cut to used after */
} parser;

static gboolean stop(parser *p, xmt_json_status status, gsize at, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean stop(parser *p, xmt_json_status status, gsize at, const char *fmt, ...)
{
    if (!p->doc->error) {
        va_list ap;
        va_start(ap, fmt);
        p->doc->error = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        p->doc->error_off = at;
        p->doc->status = status;
    }
    return FALSE;
}

#define fail(p, at, ...) stop((p), XMT_JSON_SYNTAX, (at), __VA_ARGS__)

static inline gboolean is_space(guint8 c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static inline void skip_space(parser *p)
{
    if (p->pos < p->len && p->buf[p->pos] > ' ')
        return;  /* compact JSON, as SDKs send it, has no space at all */
    gsize pos = p->pos;
    while (pos < p->len && is_space(p->buf[pos]))
        pos++;
    p->pos = pos;
}

/* A new node, last in document order.  The array grows by doubling; nodes
 * are written in place rather than appended one call at a time, since a
 * payload has one per ~20 bytes. */
static guint32 add_node(parser *p, guint8 type, gsize off, guint depth, guint32 key_off, guint32 key_len,
                        guint8 flags)
{
    if (p->used == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 16;
        g_array_set_size(p->doc->nodes, p->cap);
        p->nodes = (xmt_json_node *)(void *)p->doc->nodes->data;
    }
    xmt_json_node *n = &p->nodes[p->used];
    n->off = (guint32)off;
    n->len = 0;
    n->key_off = key_off;
    n->key_len = key_len;
    n->next = XMT_JSON_NONE;
    n->count = 0;
    n->depth = (guint16)MIN(depth, G_MAXUINT16);
    n->type = type;
    n->flags = flags;
    return p->used++;
}

static const char *describe_byte(parser *p, char *tmp, gsize size)
{
    if (p->pos >= p->len)
        return "end of data";
    guint8 c = p->buf[p->pos];
    if (c >= 0x20 && c < 0x7f)
        g_snprintf(tmp, size, "'%c'", c);
    else
        g_snprintf(tmp, size, "byte 0x%02x", c);
    return tmp;
}

/* Checks the escape at b[pos] (a backslash); returns its length, 0 if bad. */
static gsize escape_len(parser *p, gsize pos)
{
    const guint8 *b = p->buf;
    if (pos + 1 >= p->len)
        return 0;
    guint8 e = b[pos + 1];
    if (e == 'u') {
        for (gsize i = 2; i < 6; i++)
            if (pos + i >= p->len || !g_ascii_isxdigit(b[pos + i]))
                return fail(p, pos, "bad \\u escape in a string"), 0;
        return 6;
    }
    if (e == '\0' || !strchr("\"\\/bfnrt", e))
        return fail(p, pos, "bad escape '\\%c' in a string", e >= 0x20 && e < 0x7f ? e : '?'), 0;
    return 2;
}

/* Where the plain run of a string ends: the first quote, backslash or
 * control byte at or after pos (len if none).  Eight bytes at a time with the
 * classic has-zero-byte test, (v - 0x01..) & ~v & 0x80.., applied to
 * v ^ '"'.., to v ^ '\\'.. and (as has-less-than) to v against 0x20..: the
 * lowest flagged byte is exactly the first one that matches, since borrows
 * only run upwards.  Strings are most of a payload's bytes; this reads them
 * at a fraction of a byte loop's cost. */
static gsize plain_run_end(const guint8 *b, gsize pos, gsize len)
{
    const guint64 ones = G_GUINT64_CONSTANT(0x0101010101010101);
    const guint64 highs = G_GUINT64_CONSTANT(0x8080808080808080);
    for (; pos + 8 <= len; pos += 8) {
        guint64 v;
        memcpy(&v, b + pos, sizeof v);
        v = GUINT64_FROM_LE(v);  /* byte i in bits 8i..8i+7 */
        guint64 quote = v ^ (ones * '"'), slash = v ^ (ones * '\\');
        guint64 hit = (((quote - ones) & ~quote) | ((slash - ones) & ~slash) | ((v - ones * 0x20) & ~v)) & highs;
        if (hit)
            return pos + (gsize)(ws_ctz(hit) / 8);
    }
    while (pos < len && b[pos] != '"' && b[pos] != '\\' && b[pos] >= 0x20)
        pos++;
    return pos;
}

/* Scans a string starting at the opening quote; sets *escaped. */
static gboolean scan_string(parser *p, gboolean *escaped)
{
    const guint8 *b = p->buf;
    gsize start = p->pos, pos = p->pos + 1, len = p->len;
    *escaped = FALSE;
    for (;;) {
        pos = plain_run_end(b, pos, len);  /* most strings hold no escapes at all */
        if (pos >= len)
            break;
        guint8 c = b[pos];
        if (c == '"') {
            p->pos = pos + 1;
            return TRUE;
        }
        if (c < 0x20)
            return fail(p, pos, "control byte 0x%02x inside a string", c);
        *escaped = TRUE;
        gsize n = escape_len(p, pos);
        if (n == 0) {
            if (p->doc->error)
                return FALSE;
            break;  /* a backslash at the very end */
        }
        pos += n;
    }
    return fail(p, start, "string not terminated");
}

static gsize skip_digits(const guint8 *b, gsize pos, gsize len)
{
    while (pos < len && b[pos] >= '0' && b[pos] <= '9')
        pos++;
    return pos;
}

static gboolean scan_number(parser *p)
{
    const guint8 *b = p->buf;
    gsize n = p->len, start = p->pos, pos = p->pos;
    if (pos < n && b[pos] == '-')
        pos++;
    if (pos >= n || !g_ascii_isdigit(b[pos]))
        return fail(p, start, "bad number");
    pos = b[pos] == '0' ? pos + 1 : skip_digits(b, pos, n);
    if (pos < n && b[pos] == '.') {
        pos++;
        if (pos >= n || !g_ascii_isdigit(b[pos]))
            return fail(p, start, "bad number");
        pos = skip_digits(b, pos, n);
    }
    if (pos < n && (b[pos] == 'e' || b[pos] == 'E')) {
        pos++;
        if (pos < n && (b[pos] == '+' || b[pos] == '-'))
            pos++;
        if (pos >= n || !g_ascii_isdigit(b[pos]))
            return fail(p, start, "bad number");
        pos = skip_digits(b, pos, n);
    }
    p->pos = pos;
    return TRUE;
}

static gboolean scan_literal(parser *p, const char *word)
{
    gsize n = strlen(word);
    if (p->pos + n > p->len || memcmp(p->buf + p->pos, word, n) != 0)
        return fail(p, p->pos, "bad literal (expected %s)", word);
    p->pos += n;
    return TRUE;
}

/* A container still open, innermost last. */
typedef struct {
    guint32 index;   /* its node */
    guint32 last;    /* its last complete child, XMT_JSON_NONE before the first */
} open_container;

/* A child of the innermost open container parsed to its end: count it and
 * link it after its elder sibling.  (A child cut by an error is neither.) */
static void child_done(parser *p, open_container *top, guint32 child)
{
    if (!top)
        return;
    if (top->last != XMT_JSON_NONE)
        p->nodes[top->last].next = child;
    top->last = child;
    p->nodes[top->index].count++;
}

static void complete(parser *p, guint32 index)
{
    xmt_json_node *n = &p->nodes[index];
    n->len = (guint32)(p->pos - n->off);
    n->flags |= XMT_JSON_COMPLETE;
}

/* A scalar at p->pos; FALSE (error set) when it is not a valid one. */
static gboolean parse_scalar(parser *p, guint depth, guint32 key_off, guint32 key_len, guint8 key_flags)
{
    char tmp[16];
    gsize start = p->pos;
    guint8 c = p->buf[start], type;
    gboolean escaped = FALSE, ok;
    if (c == '"') {
        type = XMT_JSON_STRING;
        ok = scan_string(p, &escaped);
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        type = XMT_JSON_NUMBER;
        ok = scan_number(p);
    } else if (c == 't') {
        type = XMT_JSON_TRUE;
        ok = scan_literal(p, "true");
    } else if (c == 'f') {
        type = XMT_JSON_FALSE;
        ok = scan_literal(p, "false");
    } else if (c == 'n') {
        type = XMT_JSON_NULL;
        ok = scan_literal(p, "null");
    } else {
        return fail(p, p->pos, "unexpected %s", describe_byte(p, tmp, sizeof tmp));
    }
    if (!ok)
        return FALSE;
    guint32 index = add_node(p, type, start, depth, key_off, key_len,
                             (guint8)(key_flags | (escaped ? XMT_JSON_ESCAPED : 0)));
    complete(p, index);
    return TRUE;
}

/* A member name and its colon, inside an object; sets the key. */
static gboolean parse_key(parser *p, guint32 *key_off, guint32 *key_len, guint8 *key_flags)
{
    char tmp[16];
    skip_space(p);
    if (p->pos >= p->len || p->buf[p->pos] != '"')
        return fail(p, p->pos, "expected a member name, found %s", describe_byte(p, tmp, sizeof tmp));
    gboolean escaped;
    gsize start = p->pos;
    if (!scan_string(p, &escaped))
        return FALSE;
    *key_off = (guint32)(start + 1);
    *key_len = (guint32)(p->pos - start - 2);
    *key_flags = XMT_JSON_HAS_KEY | (escaped ? XMT_JSON_KEY_ESCAPED : 0);
    skip_space(p);
    if (p->pos >= p->len || p->buf[p->pos] != ':')
        return fail(p, p->pos, "expected ':', found %s", describe_byte(p, tmp, sizeof tmp));
    p->pos++;
    return TRUE;
}

/* The document's one value.  Iterative, with the open containers on an
 * explicit stack (at most max_depth deep), so nesting costs no C stack and
 * the cursor stays in one place.  Returns FALSE at the first error. */
static gboolean parse_root(parser *p, open_container *stack)
{
    char tmp[16];
    guint depth = 0;  /* open containers */
    guint32 key_off = 0, key_len = 0;
    guint8 key_flags = 0;
    for (;;) {
        /* a value: the root, an element, or a member's value */
        skip_space(p);
        if (p->pos >= p->len)
            return fail(p, p->pos, "value expected, found end of data");
        if (p->used >= p->max_nodes)
            return stop(p, XMT_JSON_LIMIT_VALUES, p->pos, "more than %u JSON values (limit)", p->max_nodes);
        guint8 c = p->buf[p->pos];
        open_container *top = depth ? &stack[depth - 1] : NULL;
        if (c == '{' || c == '[') {
            if (depth >= p->max_depth)
                return stop(p, XMT_JSON_LIMIT_DEPTH, p->pos, "nesting deeper than %u levels (limit)", p->max_depth);
            guint32 index = add_node(p, c == '{' ? XMT_JSON_OBJECT : XMT_JSON_ARRAY, p->pos, depth,
                                     key_off, key_len, key_flags);
            stack[depth++] = (open_container){ index, XMT_JSON_NONE };
            p->pos++;
            skip_space(p);
            if (p->pos >= p->len || p->buf[p->pos] != (c == '{' ? '}' : ']')) {
                key_off = key_len = 0;
                key_flags = 0;
                if (c == '{' && !parse_key(p, &key_off, &key_len, &key_flags))
                    return FALSE;
                continue;  /* its first child */
            }
            p->pos++;  /* empty */
        } else {
            if (!parse_scalar(p, depth, key_off, key_len, key_flags))
                return FALSE;
            child_done(p, top, p->used - 1);
        }
        /* After a complete value: close every container that ends here, then
         * go on with the next sibling, or finish with the root. */
        for (;;) {
            if (c == '{' || c == '[') {
                /* the container just closed (empty, or by the bracket below) */
                guint32 index = stack[--depth].index;
                complete(p, index);
                child_done(p, depth ? &stack[depth - 1] : NULL, index);
            }
            if (depth == 0)
                return TRUE;
            top = &stack[depth - 1];
            gboolean object = p->nodes[top->index].type == XMT_JSON_OBJECT;
            skip_space(p);
            if (p->pos >= p->len)
                return fail(p, p->pos, "%s not closed", object ? "object" : "array");
            c = p->buf[p->pos];
            if (c == ',') {
                if (depth == 1 && !object && p->max_root_elements &&
                    p->nodes[top->index].count >= p->max_root_elements)
                    return stop(p, XMT_JSON_LIMIT_ELEMENTS, p->pos,
                                "more than %u elements in the root array; the rest is not read (limit)",
                                p->max_root_elements);
                p->pos++;
                key_off = key_len = 0;
                key_flags = 0;
                if (object && !parse_key(p, &key_off, &key_len, &key_flags))
                    return FALSE;
                break;  /* the next sibling */
            }
            if (c != (object ? '}' : ']'))
                return fail(p, p->pos, "expected ',' or '%c', found %s", object ? '}' : ']',
                            describe_byte(p, tmp, sizeof tmp));
            p->pos++;
            c = object ? '{' : '[';  /* close it on the next round */
        }
    }
}

void xmt_json_parse(xmt_json_doc *doc, const guint8 *buf, gsize len, const xmt_json_limits *limits)
{
    memset(doc, 0, sizeof *doc);
    doc->buf = buf;
    doc->len = MIN(len, (gsize)G_MAXUINT32);
    doc->nodes = g_array_new(FALSE, FALSE, sizeof(xmt_json_node));
    parser p = { .doc = doc, .buf = buf, .len = doc->len, .max_depth = MAX(limits->max_depth, 1u),
                 .max_nodes = MAX(limits->max_values, 1u), .max_root_elements = limits->max_root_elements };
    if (len > G_MAXUINT32) {
        stop(&p, XMT_JSON_TOO_LARGE, 0, "document larger than 4 GiB");
        return;
    }
    /* A rough size guess avoids most regrowth: one value per ~12 bytes of JSON. */
    p.cap = (guint32)MIN(len / 12 + 8, (gsize)65536);
    g_array_set_size(doc->nodes, p.cap);
    p.nodes = (xmt_json_node *)(void *)doc->nodes->data;
    /* No more containers can be open than the limit, or than there are bytes. */
    gsize stack_size = MIN((gsize)p.max_depth, len + 1);
    open_container small[64];
    open_container *stack = stack_size <= G_N_ELEMENTS(small) ? small : g_new(open_container, stack_size);
    gboolean ok = parse_root(&p, stack);
    if (stack != small)
        g_free(stack);
    g_array_set_size(doc->nodes, p.used);
    if (!ok)
        return;
    skip_space(&p);
    if (p.pos < doc->len) {
        char tmp[16];
        fail(&p, p.pos, "unexpected %s after the JSON value", describe_byte(&p, tmp, sizeof tmp));
        return;
    }
    doc->complete = TRUE;
    doc->status = XMT_JSON_OK;
}

void xmt_json_doc_clear(xmt_json_doc *doc)
{
    if (doc->nodes)
        g_array_free(doc->nodes, TRUE);
    g_free(doc->error);
    memset(doc, 0, sizeof *doc);
}

guint32 xmt_json_first_child(const xmt_json_doc *doc, guint32 index)
{
    const xmt_json_node *n = xmt_json_node_at(doc, index);
    if (!n || (n->type != XMT_JSON_OBJECT && n->type != XMT_JSON_ARRAY) || n->count == 0)
        return XMT_JSON_NONE;
    return index + 1;
}

guint32 xmt_json_member(const xmt_json_doc *doc, guint32 object, const char *key)
{
    const xmt_json_node *o = xmt_json_node_at(doc, object);
    if (!o || o->type != XMT_JSON_OBJECT)
        return XMT_JSON_NONE;
    gsize klen = strlen(key);
    for (guint32 c = xmt_json_first_child(doc, object); c != XMT_JSON_NONE; c = xmt_json_node_at(doc, c)->next) {
        const xmt_json_node *n = xmt_json_node_at(doc, c);
        if (!n)
            break;
        if (n->key_len == klen && memcmp(doc->buf + n->key_off, key, klen) == 0)
            return c;
    }
    return XMT_JSON_NONE;
}

static gunichar hex4(const guint8 *h)
{
    gunichar u = 0;
    for (int k = 0; k < 4; k++)
        u = u << 4 | (gunichar)MAX(g_ascii_xdigit_value((gchar)h[k]), 0);
    return u;
}

/* Appends the unescaped JSON string body b[0..len) to out. */
static void unescape(GString *out, const guint8 *b, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (b[i] != '\\' || i + 1 >= len) {
            g_string_append_c(out, (gchar)b[i]);
            continue;
        }
        guint8 e = b[++i];
        switch (e) {
        case 'b': g_string_append_c(out, '\b'); continue;
        case 'f': g_string_append_c(out, '\f'); continue;
        case 'n': g_string_append_c(out, '\n'); continue;
        case 'r': g_string_append_c(out, '\r'); continue;
        case 't': g_string_append_c(out, '\t'); continue;
        case 'u': break;
        default:  g_string_append_c(out, (gchar)e); continue;
        }
        if (i + 4 >= len) {  /* cannot happen after scan_string(); stay safe */
            g_string_append(out, "\\u");
            continue;
        }
        gunichar u = hex4(b + i + 1);
        i += 4;
        if (u == 0) {
            g_string_append(out, "\\u0000");
            continue;
        }
        if (u >= 0xD800 && u <= 0xDBFF && i + 6 < len && b[i + 1] == '\\' && b[i + 2] == 'u') {
            gunichar lo = hex4(b + i + 3);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if (u >= 0xD800 && u <= 0xDFFF)
            u = 0xFFFD;  /* a lone surrogate */
        g_string_append_unichar(out, u);
    }
}

static char *valid_utf8(GString *s)
{
    if (g_utf8_validate(s->str, (gssize)s->len, NULL) && memchr(s->str, '\0', s->len) == NULL)
        return g_string_free(s, FALSE);
    /* NUL bytes cannot reach here from JSON (control bytes are rejected), but
     * stay safe: g_utf8_make_valid() replaces bad sequences with U+FFFD. */
    char *valid = g_utf8_make_valid(s->str, (gssize)s->len);
    g_string_free(s, TRUE);
    return valid;
}

static char *string_text(const guint8 *b, gsize len, gboolean escaped)
{
    GString *out = g_string_sized_new(len + 1);
    if (escaped)
        unescape(out, b, len);
    else
        g_string_append_len(out, (const gchar *)b, (gssize)len);
    return valid_utf8(out);
}

char *xmt_json_text(const xmt_json_doc *doc, const xmt_json_node *node)
{
    switch ((xmt_json_type)node->type) {
    case XMT_JSON_OBJECT:
    case XMT_JSON_ARRAY:
        return NULL;
    case XMT_JSON_STRING:
        return string_text(doc->buf + node->off + 1, node->len - 2, (node->flags & XMT_JSON_ESCAPED) != 0);
    default:
        return g_strndup((const gchar *)doc->buf + node->off, node->len);
    }
}

/* Valid UTF-8; ASCII, the common case, checked a word at a time first.
 * (A NUL byte never reaches here: the parser rejects control bytes in
 * strings.) */
static gboolean valid_utf8_text(const gchar *b, gsize len)
{
    gsize i = 0;
    for (; i + 8 <= len; i += 8) {
        guint64 v;
        memcpy(&v, b + i, sizeof v);
        if (v & G_GUINT64_CONSTANT(0x8080808080808080))
            return g_utf8_validate(b + i, (gssize)(len - i), NULL);
    }
    for (; i < len; i++)
        if ((guchar)b[i] >= 0x80)
            return g_utf8_validate(b + i, (gssize)(len - i), NULL);
    return TRUE;
}

gboolean xmt_json_raw_text(const xmt_json_doc *doc, const xmt_json_node *node, const char **text, gsize *len)
{
    const gchar *b = (const gchar *)doc->buf + node->off;
    switch ((xmt_json_type)node->type) {
    case XMT_JSON_OBJECT:
    case XMT_JSON_ARRAY:
        return FALSE;
    case XMT_JSON_STRING:
        if ((node->flags & XMT_JSON_ESCAPED) || !valid_utf8_text(b + 1, node->len - 2))
            return FALSE;
        *text = b + 1;
        *len = node->len - 2;
        return TRUE;
    default:
        *text = b;
        *len = node->len;
        return TRUE;
    }
}

char *xmt_json_key(const xmt_json_doc *doc, const xmt_json_node *node)
{
    return string_text(doc->buf + node->key_off, node->key_len, (node->flags & XMT_JSON_KEY_ESCAPED) != 0);
}

gboolean xmt_json_int64(const xmt_json_doc *doc, const xmt_json_node *node, gint64 *out)
{
    const guint8 *b = doc->buf + node->off;
    gsize len = node->len;
    if (node->type == XMT_JSON_STRING) {
        b++;
        len -= 2;
    } else if (node->type != XMT_JSON_NUMBER) {
        return FALSE;
    }
    gsize i = (len > 0 && b[0] == '-') ? 1 : 0;
    if (len == i || len - i > 18)
        return FALSE;  /* empty, or beyond what fits an int64 safely */
    for (gsize k = i; k < len; k++)
        if (!g_ascii_isdigit(b[k]))
            return FALSE;
    char tmp[24];
    memcpy(tmp, b, len);
    tmp[len] = '\0';
    *out = g_ascii_strtoll(tmp, NULL, 10);
    return TRUE;
}

char *xmt_json_compact(const guint8 *text, gsize len)
{
    char *out = g_malloc(len + 1), *at = out;
    gboolean in_string = FALSE;
    for (gsize i = 0; i < len; i++) {
        guint8 c = text[i];
        if (in_string) {
            *at++ = (char)c;
            if (c == '\\' && i + 1 < len)
                *at++ = (char)text[++i];  /* an escaped quote does not end the string */
            else if (c == '"')
                in_string = FALSE;
        } else if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
            *at++ = (char)c;
            in_string = c == '"';
        }
    }
    *at = '\0';
    return out;
}
