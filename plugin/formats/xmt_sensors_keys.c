/* xmt_sensors_keys.c: finding the AES plugin's {k, kid, khash} in page code
 * (xmt_sensors_keys.h).
 *
 * Hand-written because what is needed is a bounded look at one object
 * literal around a marker, in JavaScript, JSON, JSON inside a JS string
 * (\"k\") or HTML-escaped JSON (&quot;k&quot;): no library here parses
 * JavaScript, and a full parser of the whole body would cost every page. */
#include "formats/xmt_sensors_keys.h"

#include "layers/xmt_base64.h"

#include <string.h>
#include <wsutil/wmem/wmem_strutl.h>  /* ws_memmem: memmem is a GNU extension */

#define MARKER "khash"
#define MARKER_LEN 5
#define BACK_WINDOW 1024     /* bytes before the marker searched for the object's '{' */
#define MAX_OPEN_TRIES 4     /* '{' candidates tried per marker, nearest first */
#define MAX_STRING 1024      /* bytes of one string literal */
#define MAX_DEPTH 16         /* nesting inside a skipped value */

typedef struct {
    const guint8 *buf;
    gsize end;               /* the parse stops here (object limit or body end) */
} scanner;

/* The spellings of a quote: a JS/JSON quote, one escaped inside a JS string,
 * or an HTML entity (a JSON config in an attribute).  Returns its length at
 * p (0: none) and an id, so a string ends with the quote it began with. */
static gsize quote_at(const scanner *s, gsize p, int *id)
{
    static const struct { const char *text; gsize len; } quotes[] = {
        { "\"", 1 }, { "'", 1 }, { "`", 1 }, { "\\\"", 2 }, { "\\'", 2 },
        { "&quot;", 6 }, { "&#34;", 5 }, { "&#39;", 5 },
    };
    if (p >= s->end || !strchr("\"'`\\&", s->buf[p]) || s->buf[p] == '\0')
        return 0;  /* the common case, cheaply: no quote starts here */
    for (gsize i = 0; i < G_N_ELEMENTS(quotes); i++) {
        if (p + quotes[i].len <= s->end && memcmp(s->buf + p, quotes[i].text, quotes[i].len) == 0) {
            *id = (int)i;
            return quotes[i].len;
        }
    }
    return 0;
}

static gboolean ident_char(guint8 c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '$';
}

/* Spaces and comments ("kid: 1, // the key's number" as the docs write it). */
static gsize skip_space(const scanner *s, gsize p)
{
    while (p < s->end) {
        guint8 c = s->buf[p];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            p++;
        } else if (c == '/' && p + 1 < s->end && s->buf[p + 1] == '/') {
            while (p < s->end && s->buf[p] != '\n')
                p++;
        } else if (c == '/' && p + 1 < s->end && s->buf[p + 1] == '*') {
            const guint8 *close = p + 2 < s->end ? ws_memmem(s->buf + p + 2, s->end - p - 2, "*/", 2) : NULL;
            if (!close)
                return s->end;
            p = (gsize)(close - s->buf) + 2;
        } else {
            break;
        }
    }
    return p;
}

/* A string literal at p: its contents' range, and the position after it. */
static gboolean read_string(const scanner *s, gsize p, gsize *text_off, gsize *text_len, gsize *after)
{
    int id;
    gsize q = quote_at(s, p, &id);
    if (!q)
        return FALSE;
    gsize start = p + q;
    for (gsize i = start; i < s->end && i - start <= MAX_STRING; i++) {
        int close_id;
        gsize cq = quote_at(s, i, &close_id);
        if (cq && close_id == id) {
            *text_off = start;
            *text_len = i - start;
            *after = i + cq;
            return TRUE;
        }
        if (s->buf[i] == '\n' && id != 2)
            return FALSE;  /* only template literals span lines */
        if (s->buf[i] == '\\' && q == 1)
            i++;  /* an escape inside a plain literal: the next byte is not its end */
    }
    return FALSE;
}

/* A number literal (what minifiers write: 7, 1e3, 0x1f, -1, 2.5). */
static gboolean read_number(const scanner *s, gsize p, gsize *len)
{
    gsize i = p;
    if (i < s->end && s->buf[i] == '-')
        i++;
    gsize digits = i;
    while (i < s->end && (g_ascii_isalnum(s->buf[i]) || s->buf[i] == '.' || s->buf[i] == '+' ||
                          (s->buf[i] == '-' && (s->buf[i - 1] == 'e' || s->buf[i - 1] == 'E'))))
        i++;
    if (i == digits || !g_ascii_isdigit(s->buf[digits]) || i - p > 32)
        return FALSE;
    *len = i - p;
    return TRUE;
}

/* The text an upload's key_id carries for that number (JSON.stringify of
 * it): integers in decimal, anything else as written. */
static char *number_key_id(const guint8 *text, gsize len)
{
    char *copy = g_strndup((const char *)text, len);
    char *end = NULL;
    gboolean hex = len > 2 && (copy[0] == '0') && (copy[1] == 'x' || copy[1] == 'X');
    gdouble v = hex ? (gdouble)g_ascii_strtoull(copy + 2, &end, 16) : g_ascii_strtod(copy, &end);
    /* In range before the cast: 1e400 is inf, and casting it is undefined. */
    if (end && *end == '\0' && v > -9007199254740992.0 && v < 9007199254740992.0 && v == (gdouble)(gint64)v) {
        g_free(copy);
        return g_strdup_printf("%" G_GINT64_FORMAT, (gint64)v);
    }
    return copy;
}

/* Any other member's value, passed over: strings, brackets, and whatever
 * expression runs to the next ',' or '}' at this depth. */
static gboolean skip_value(const scanner *s, gsize p, gsize *after)
{
    int depth = 0;
    while (p < s->end) {
        int id;
        gsize tl, to, next;
        if (quote_at(s, p, &id)) {
            if (!read_string(s, p, &to, &tl, &next))
                return FALSE;
            p = next;
            continue;
        }
        guint8 c = s->buf[p];
        if (c == '{' || c == '[' || c == '(') {
            if (++depth > MAX_DEPTH)
                return FALSE;
        } else if (c == '}' || c == ']' || c == ')') {
            if (depth == 0) {
                *after = p;
                return c == '}';
            }
            depth--;
        } else if (c == ',' && depth == 0) {
            *after = p;
            return TRUE;
        }
        p++;
    }
    return FALSE;
}

typedef struct {
    gboolean has_k, has_kid, has_khash_name, khash_literal, kid_quoted;
    gsize k_off, k_len, kid_off, kid_len, khash_off, khash_len;
    gsize khash_name_off;
} members;

static gboolean name_is(const scanner *s, gsize off, gsize len, const char *name)
{
    return len == strlen(name) && memcmp(s->buf + off, name, len) == 0;
}

/* One member "name: value" at p; the position after the value. */
static gboolean read_member(const scanner *s, gsize p, members *m, gsize *after)
{
    gsize name_off, name_len, next;
    if (!read_string(s, p, &name_off, &name_len, &next)) {
        name_off = p;
        while (p < s->end && ident_char(s->buf[p]))
            p++;
        name_len = p - name_off;
        next = p;
        if (name_len == 0)
            return FALSE;
    }
    p = skip_space(s, next);
    if (p >= s->end || s->buf[p] != ':')
        return FALSE;  /* shorthand {k, kid} or not an object literal: the values are not here */
    p = skip_space(s, p + 1);
    gsize off = 0, len = 0;
    gboolean is_string = read_string(s, p, &off, &len, &next);
    gboolean is_number = !is_string && read_number(s, p, &len);
    if (is_number) {
        off = p;
        next = p + len;
    }
    gboolean literal = is_string || is_number;
    if (!literal && !skip_value(s, p, &next))
        return FALSE;
    /* A repeated name: the last one counts, as in JavaScript. */
    if (name_is(s, name_off, name_len, "k")) {
        m->has_k = is_string;
        m->k_off = off;
        m->k_len = len;
    } else if (name_is(s, name_off, name_len, "kid")) {
        m->has_kid = literal;
        m->kid_quoted = is_string;
        m->kid_off = off;
        m->kid_len = len;
    } else if (name_is(s, name_off, name_len, "khash")) {
        m->has_khash_name = TRUE;
        m->khash_name_off = name_off;
        m->khash_literal = is_string;
        m->khash_off = off;
        m->khash_len = is_string ? len : 0;
    }
    *after = next;
    return TRUE;
}

/* The object literal opening at open_pos; its end (after '}') in *close. */
static gboolean read_object(const scanner *s, gsize open_pos, members *m, gsize *close)
{
    memset(m, 0, sizeof *m);
    gsize p = skip_space(s, open_pos + 1);
    while (p < s->end) {
        if (s->buf[p] == '}') {
            *close = p + 1;
            return TRUE;
        }
        if (!read_member(s, p, m, &p))
            return FALSE;
        p = skip_space(s, p);
        if (p < s->end && s->buf[p] == ',')
            p = skip_space(s, p + 1);
        else if (p >= s->end || s->buf[p] != '}')
            return FALSE;
    }
    return FALSE;
}

/* The marker at hit is a member name: not part of a longer word. */
static gboolean marker_is_name(const guint8 *body, gsize len, gsize hit)
{
    if (hit > 0 && ident_char(body[hit - 1]))
        return FALSE;
    return hit + MARKER_LEN >= len || !ident_char(body[hit + MARKER_LEN]);
}

/* A digits-only string, for a quoted kid. */
static gboolean all_digits(const guint8 *p, gsize len)
{
    if (len == 0 || len > 20)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isdigit(p[i]))
            return FALSE;
    return TRUE;
}

/* A string value that can become field text: no NUL (a C string would cut
 * it short) and valid UTF-8. */
static gboolean usable_text(const guint8 *p, gsize len)
{
    return !memchr(p, 0, len) && g_utf8_validate((const char *)p, (gssize)len, NULL);
}

/* The members of a complete configuration as a found key; FALSE when one is
 * missing, k does not decode, or a value is not text. */
static gboolean make_key(const guint8 *body, gsize open_pos, gsize close, const members *m, xmt_sensors_key *key)
{
    if (!m->has_k || !m->has_kid || m->k_len == 0)
        return FALSE;
    if (m->kid_quoted && !all_digits(body + m->kid_off, m->kid_len))
        return FALSE;
    if (!usable_text(body + m->k_off, m->k_len) ||
        (m->khash_literal && !usable_text(body + m->khash_off, m->khash_len)))
        return FALSE;
    gsize key_len = 0;
    char *error = NULL;
    guint8 *bytes = xmt_base64_decode(body + m->k_off, m->k_len, &key_len, &error);
    if (!bytes || key_len == 0) {
        g_free(error);
        g_free(bytes);
        return FALSE;
    }
    memset(key, 0, sizeof *key);
    key->key = bytes;
    key->key_len = key_len;
    key->k_text = g_strndup((const char *)body + m->k_off, m->k_len);
    key->kid_quoted = m->kid_quoted;
    key->key_id = m->kid_quoted ? g_strndup((const char *)body + m->kid_off, m->kid_len)
                                : number_key_id(body + m->kid_off, m->kid_len);
    key->khash = m->khash_literal ? g_strndup((const char *)body + m->khash_off, m->khash_len) : NULL;
    key->object_off = open_pos;
    key->object_len = close - open_pos;
    key->k_off = m->k_off;
    key->k_len = m->k_len;
    key->kid_off = m->kid_off;
    key->kid_len = m->kid_len;
    key->khash_off = m->khash_literal ? m->khash_off : 0;
    key->khash_len = m->khash_len;
    return TRUE;
}

/* The object whose member name is the marker at hit: tries the nearest '{'
 * before it, then farther ones (a '{' inside an earlier string value).
 * *end is set past the object whenever one was read. */
static gboolean object_around(const guint8 *body, gsize len, gsize hit, xmt_sensors_key *key, gsize *end)
{
    gsize floor = hit > BACK_WINDOW ? hit - BACK_WINDOW : 0;
    int tries = 0;
    for (gsize i = hit; i-- > floor && tries < MAX_OPEN_TRIES;) {
        if (body[i] != '{')
            continue;
        tries++;
        scanner s = { body, MIN(len, i + XMT_SENSORS_KEYS_MAX_OBJECT) };
        members m;
        gsize close = 0;
        if (!read_object(&s, i, &m, &close) || !m.has_khash_name || close <= hit)
            continue;
        /* The marker must be this object's own member, not a nested one's. */
        if (m.khash_name_off != hit)
            continue;
        *end = close;
        return make_key(body, i, close, &m, key);
    }
    return FALSE;
}

gboolean xmt_sensors_body_may_have_keys(const guint8 *body, gsize len)
{
    return body && len >= MARKER_LEN && ws_memmem(body, len, MARKER, MARKER_LEN) != NULL;
}

GArray *xmt_sensors_find_keys(const guint8 *body, gsize len, guint max_keys)
{
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(xmt_sensors_key));
    if (!body)
        return keys;
    gsize from = 0;
    for (guint hits = 0; hits < XMT_SENSORS_KEYS_MAX_HITS && keys->len < max_keys && from < len; hits++) {
        const guint8 *found = ws_memmem(body + from, len - from, MARKER, MARKER_LEN);
        if (!found)
            break;
        gsize hit = (gsize)(found - body);
        from = hit + MARKER_LEN;
        if (!marker_is_name(body, len, hit))
            continue;
        xmt_sensors_key key;
        gsize end = 0;
        if (object_around(body, len, hit, &key, &end))
            g_array_append_val(keys, key);
        if (end > from)
            from = end;  /* the rest of that object holds no other configuration */
    }
    return keys;
}

void xmt_sensors_keys_free(GArray *keys)
{
    if (!keys)
        return;
    for (guint i = 0; i < keys->len; i++) {
        xmt_sensors_key *k = &g_array_index(keys, xmt_sensors_key, i);
        g_free(k->key_id);
        g_free(k->key);
        g_free(k->k_text);
        g_free(k->khash);
    }
    g_array_free(keys, TRUE);
}
