/* xmt_form.h: splitting application/x-www-form-urlencoded text (bodies and
 * URI queries) into parameters, without copying or decoding anything. */
#ifndef XMT_FORM_H
#define XMT_FORM_H

#include <glib.h>

#define XMT_FORM_MAX_PARAMS 64

typedef struct {
    guint32 key_off, key_len;
    guint32 val_off, val_len;   /* raw, still percent-encoded */
} xmt_form_param;

typedef struct {
    const guint8 *base;
    xmt_form_param params[XMT_FORM_MAX_PARAMS];
    guint count;
    gboolean truncated;         /* more than XMT_FORM_MAX_PARAMS parameters */
} xmt_form;

/* FALSE when the text is not a form: a key that is empty or holds bytes no
 * form key has.  Fails on the first such byte, so binary bodies cost little. */
gboolean xmt_form_parse(const guint8 *in, gsize len, xmt_form *form);

/* The parameter whose raw key equals key, or NULL. */
const xmt_form_param *xmt_form_find(const xmt_form *form, const char *key);

/* TRUE when the parameter's raw value starts with prefix. */
gboolean xmt_form_value_starts(const xmt_form *form, const xmt_form_param *p, const char *prefix);

/* The value percent-decoded ('+' kept), as new text for a field (valid
 * UTF-8, no NUL). */
char *xmt_form_value_dup(const xmt_form *form, const xmt_form_param *p);

/* Parses a decimal integer value (after percent-decoding); FALSE if it is not one. */
gboolean xmt_form_value_int64(const xmt_form *form, const xmt_form_param *p, gint64 *out);

/* The next parameter of form text from *pos on, and *pos past it; FALSE at
 * the end.  Unlike xmt_form_parse(), for decoding what was recognised:
 * every parameter, however many (not the first XMT_FORM_MAX_PARAMS), and
 * a key is whatever precedes its '=' (any bytes but '&' and '='; it may be
 * empty, which the caller reports).  Empty pieces ("a=1&&b=2") are skipped. */
gboolean xmt_form_next(const guint8 *in, gsize len, gsize *pos, xmt_form_param *p);

/* The text names this key: "key=" at its start or right after an '&'.
 * A few byte searches, nothing split: for recognition. */
gboolean xmt_form_has_key(const guint8 *in, gsize len, const char *key);

#endif
