/* xmt_json.h: the JSON layer.
 *
 * A strict RFC 8259 parser that turns a document into a flat array of nodes
 * in document order (parents before children, siblings linked), with the byte
 * span of every value so the dissector can highlight it in the decoded tab.
 * On a syntax error or a limit, the nodes parsed so far stay usable: every
 * container that was closed before the error is marked complete, so a batch
 * whose third event is broken still yields the first two.
 */
#ifndef XMT_JSON_H
#define XMT_JSON_H

#include <glib.h>

typedef enum {
    XMT_JSON_OBJECT,
    XMT_JSON_ARRAY,
    XMT_JSON_STRING,
    XMT_JSON_NUMBER,
    XMT_JSON_TRUE,
    XMT_JSON_FALSE,
    XMT_JSON_NULL,
} xmt_json_type;

enum {
    XMT_JSON_HAS_KEY     = 1 << 0,  /* a member of an object */
    XMT_JSON_KEY_ESCAPED = 1 << 1,  /* the key holds backslash escapes */
    XMT_JSON_ESCAPED     = 1 << 2,  /* the string value holds backslash escapes */
    XMT_JSON_COMPLETE    = 1 << 3,  /* the value (and all it contains) was parsed to its end */
};

#define XMT_JSON_NONE G_MAXUINT32

typedef struct {
    guint32 off, len;          /* the value's bytes; strings include their quotes */
    guint32 key_off, key_len;  /* the member name without quotes */
    guint32 next;              /* next sibling's index, XMT_JSON_NONE at the end */
    guint32 count;             /* number of children of a container */
    guint16 depth;             /* 0 for the root */
    guint8 type;               /* xmt_json_type */
    guint8 flags;
} xmt_json_node;

/* Why a parse stopped: a typed kind, as libdeflate returns one, so callers
 * need not read the reason's text. */
typedef enum {
    XMT_JSON_OK,              /* the whole text is one valid JSON value */
    XMT_JSON_SYNTAX,          /* not valid JSON at error_off */
    XMT_JSON_LIMIT_DEPTH,     /* nested deeper than max_depth */
    XMT_JSON_LIMIT_VALUES,    /* more values than max_values */
    XMT_JSON_LIMIT_ELEMENTS,  /* a root array with more elements than max_root_elements */
    XMT_JSON_TOO_LARGE,       /* more than 4 GiB */
} xmt_json_status;

/* A limit, not a fault of the text. */
static inline gboolean xmt_json_status_is_limit(xmt_json_status status)
{
    return status == XMT_JSON_LIMIT_DEPTH || status == XMT_JSON_LIMIT_VALUES || status == XMT_JSON_LIMIT_ELEMENTS;
}

typedef struct {
    guint max_depth;          /* containers open at once */
    guint max_values;         /* values in the document */
    /* When the root is an array, stop after this many elements (0: read
     * them all): a caller that shows N events needs no more than N + 1
     * (to say there were more), and a 20 KB gzip can hold 600,000. */
    guint max_root_elements;
} xmt_json_limits;

typedef struct {
    const guint8 *buf;
    gsize len;
    GArray *nodes;             /* of xmt_json_node; node 0 is the root */
    gboolean complete;         /* the whole text is one valid JSON value */
    xmt_json_status status;
    char *error;               /* g_malloc'd reason when not complete */
    gsize error_off;
} xmt_json_doc;

void xmt_json_parse(xmt_json_doc *doc, const guint8 *buf, gsize len, const xmt_json_limits *limits);
void xmt_json_doc_clear(xmt_json_doc *doc);

static inline const xmt_json_node *xmt_json_node_at(const xmt_json_doc *doc, guint32 index)
{
    return index < doc->nodes->len ? &g_array_index(doc->nodes, xmt_json_node, index) : NULL;
}

/* First child of a container (XMT_JSON_NONE when empty or not a container). */
guint32 xmt_json_first_child(const xmt_json_doc *doc, guint32 index);

/* The member of an object with this (unescaped ASCII) key, XMT_JSON_NONE if absent. */
guint32 xmt_json_member(const xmt_json_doc *doc, guint32 object, const char *key);

/* The text of a value as a new string: strings unescaped and made valid
 * UTF-8 (\u0000 is kept as the six characters "\u0000", since a field value
 * cannot hold a NUL), other scalars as written, containers as NULL. */
char *xmt_json_text(const xmt_json_doc *doc, const xmt_json_node *node);

/* The text of a scalar as it stands in the buffer, when it needs no
 * unescaping or repair (a string without escapes that is valid UTF-8, a
 * number, a literal): *text points into doc->buf.  FALSE otherwise; then
 * use xmt_json_text().  Saves a copy per leaf on the common path. */
gboolean xmt_json_raw_text(const xmt_json_doc *doc, const xmt_json_node *node, const char **text, gsize *len);

/* The member name, unescaped, as a new string. */
char *xmt_json_key(const xmt_json_doc *doc, const xmt_json_node *node);

/* An integer value (a JSON number without fraction or exponent, or a string
 * of digits); FALSE otherwise. */
gboolean xmt_json_int64(const xmt_json_doc *doc, const xmt_json_node *node, gint64 *out);

/* A value's text without the whitespace between its tokens: one line,
 * whatever the sender's layout (exports write one record per line).
 * Strings are copied as sent, escapes and all.  `text` must be a value the
 * parser read to its end (XMT_JSON_COMPLETE), so its strings are closed;
 * returns a new NUL-terminated string (bytes as sent: not repaired). */
char *xmt_json_compact(const guint8 *text, gsize len);

#endif
