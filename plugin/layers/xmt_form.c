/* xmt_form.c: form and query splitting. */
#include "layers/xmt_form.h"
#include "layers/xmt_percent.h"

#include <string.h>

static gboolean is_key_byte(guint8 c)
{
    return g_ascii_isalnum(c) || c == '_' || c == '-' || c == '.' || c == '$' ||
           c == '%' || c == '[' || c == ']' || c == '*' || c == '+';
}

gboolean xmt_form_parse(const guint8 *in, gsize len, xmt_form *form)
{
    form->base = in;
    form->count = 0;
    form->truncated = FALSE;
    gsize i = 0;
    while (i < len) {
        gsize key_start = i;
        while (i < len && in[i] != '=' && in[i] != '&') {
            if (!is_key_byte(in[i]))
                return FALSE;
            i++;
        }
        gsize key_end = i;
        gsize val_start = i, val_end = i;
        gboolean has_value = i < len && in[i] == '=';
        if (has_value) {
            val_start = ++i;
            const guint8 *amp = memchr(in + i, '&', len - i);
            i = amp ? (gsize)(amp - in) : len;
            val_end = i;
        }
        if (key_end == key_start) {
            /* "a=1&&b=2" and a trailing '&' happen; an empty key with a value does not. */
            if (has_value)
                return FALSE;
        } else if (form->count < XMT_FORM_MAX_PARAMS) {
            xmt_form_param *p = &form->params[form->count++];
            p->key_off = (guint32)key_start;
            p->key_len = (guint32)(key_end - key_start);
            p->val_off = (guint32)val_start;
            p->val_len = (guint32)(val_end - val_start);
        } else {
            form->truncated = TRUE;
        }
        if (i < len)
            i++;  /* the '&' */
    }
    return form->count > 0;
}

const xmt_form_param *xmt_form_find(const xmt_form *form, const char *key)
{
    gsize klen = strlen(key);
    for (guint i = 0; i < form->count; i++) {
        const xmt_form_param *p = &form->params[i];
        if (p->key_len == klen && memcmp(form->base + p->key_off, key, klen) == 0)
            return p;
    }
    return NULL;
}

gboolean xmt_form_value_starts(const xmt_form *form, const xmt_form_param *p, const char *prefix)
{
    gsize n = strlen(prefix);
    return p->val_len >= n && memcmp(form->base + p->val_off, prefix, n) == 0;
}

char *xmt_form_value_dup(const xmt_form *form, const xmt_form_param *p)
{
    return xmt_percent_decode_text(form->base + p->val_off, p->val_len);
}

/* -?[0-9]{1,18}: what fits an int64 safely. */
static gboolean parse_int64(const char *text, gsize len, gint64 *out)
{
    gsize i = len > 0 && text[0] == '-' ? 1 : 0;
    if (len == i || len - i > 18)
        return FALSE;
    gint64 v = 0;
    for (gsize k = i; k < len; k++) {
        if (text[k] < '0' || text[k] > '9')
            return FALSE;
        v = v * 10 + (text[k] - '0');
    }
    *out = i ? -v : v;
    return TRUE;
}

gboolean xmt_form_value_int64(const xmt_form *form, const xmt_form_param *p, gint64 *out)
{
    const char *raw = (const char *)form->base + p->val_off;
    if (!memchr(raw, '%', p->val_len))
        return parse_int64(raw, p->val_len, out);  /* as sent: the common case, no copy */
    char *text = xmt_form_value_dup(form, p);
    gboolean ok = parse_int64(text, strlen(text), out);
    g_free(text);
    return ok;
}

gboolean xmt_form_next(const guint8 *in, gsize len, gsize *pos, xmt_form_param *p)
{
    gsize i = *pos;
    while (i < len && in[i] == '&')
        i++;  /* empty pieces */
    if (i >= len) {
        *pos = len;
        return FALSE;
    }
    const guint8 *amp = memchr(in + i, '&', len - i);
    gsize end = amp ? (gsize)(amp - in) : len;
    const guint8 *eq = memchr(in + i, '=', end - i);
    gsize key_end = eq ? (gsize)(eq - in) : end;
    p->key_off = (guint32)i;
    p->key_len = (guint32)(key_end - i);
    p->val_off = (guint32)(eq ? key_end + 1 : end);
    p->val_len = (guint32)(end - p->val_off);
    *pos = end;
    return TRUE;
}

gboolean xmt_form_has_key(const guint8 *in, gsize len, const char *key)
{
    gsize n = strlen(key);
    if (n == 0)
        return FALSE;
    const guint8 *end = in + len;
    for (const guint8 *p = in; (gsize)(end - p) > n && (p = memchr(p, key[0], (gsize)(end - p - n))) != NULL; p++)
        if ((p == in || p[-1] == '&') && memcmp(p, key, n) == 0 && p[n] == '=')
            return TRUE;
    return FALSE;
}
