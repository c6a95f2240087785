/* test_form.c: form and query splitting (layers/xmt_form.h). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_form.h"

static gboolean parse(const char *text, xmt_form *form)
{
    return xmt_form_parse((const guint8 *)text, strlen(text), form);
}

/* The raw key or value of a parameter, as a new string. */
static char *raw_key(const xmt_form *form, const xmt_form_param *p)
{
    return g_strndup((const char *)form->base + p->key_off, p->key_len);
}

static char *raw_value(const xmt_form *form, const xmt_form_param *p)
{
    return g_strndup((const char *)form->base + p->val_off, p->val_len);
}

static void expect_param(const xmt_form *form, guint index, const char *key, const char *value)
{
    g_assert_cmpuint(index, <, form->count);
    char *k = raw_key(form, &form->params[index]);
    char *v = raw_value(form, &form->params[index]);
    g_assert_cmpstr(k, ==, key);
    g_assert_cmpstr(v, ==, value);
    g_free(k);
    g_free(v);
}

static void test_split(void)
{
    static const char body[] = "crc=156315496&gzip=1&data_list=H4sI%2F5WT%3D";
    xmt_form form;
    g_assert_true(parse(body, &form));
    g_assert_true(form.base == (const guint8 *)body);
    g_assert_cmpuint(form.count, ==, 3);
    g_assert_false(form.truncated);
    expect_param(&form, 0, "crc", "156315496");
    expect_param(&form, 1, "gzip", "1");
    expect_param(&form, 2, "data_list", "H4sI%2F5WT%3D");
    /* Offsets point into the input. */
    g_assert_cmpuint(form.params[0].key_off, ==, 0);
    g_assert_cmpuint(form.params[0].val_off, ==, 4);
    g_assert_cmpuint(form.params[2].key_off, ==, 21);
    g_assert_cmpuint(form.params[2].val_off, ==, 31);
    g_assert_cmpuint(form.params[2].val_len, ==, strlen(body) - 31);

    /* Key bytes that real forms use. */
    g_assert_true(parse("a.b=1&c-d=2&$e=3&f[0]=4&g%20h=5&i*=6&j+k=7", &form));
    g_assert_cmpuint(form.count, ==, 7);
    expect_param(&form, 3, "f[0]", "4");
    expect_param(&form, 4, "g%20h", "5");
}

static void test_find(void)
{
    xmt_form form;
    g_assert_true(parse("data_list=abc&gzip=1&crc=-5", &form));
    const xmt_form_param *p = xmt_form_find(&form, "gzip");
    g_assert_nonnull(p);
    g_assert_true(p == &form.params[1]);
    g_assert_nonnull(xmt_form_find(&form, "crc"));
    g_assert_nonnull(xmt_form_find(&form, "data_list"));
    g_assert_null(xmt_form_find(&form, "data"));       /* a prefix of a key */
    g_assert_null(xmt_form_find(&form, "data_list2")); /* longer than a key */
    g_assert_null(xmt_form_find(&form, "gz"));
    g_assert_null(xmt_form_find(&form, "GZIP"));        /* case matters */
    g_assert_null(xmt_form_find(&form, ""));
    /* The first of repeated keys. */
    g_assert_true(parse("a=1&a=2", &form));
    g_assert_true(xmt_form_find(&form, "a") == &form.params[0]);
}

static void test_empty_pairs(void)
{
    xmt_form form;
    g_assert_true(parse("a=1&&b=2", &form));
    g_assert_cmpuint(form.count, ==, 2);
    expect_param(&form, 0, "a", "1");
    expect_param(&form, 1, "b", "2");

    g_assert_true(parse("a=1&", &form));
    g_assert_cmpuint(form.count, ==, 1);
    expect_param(&form, 0, "a", "1");

    g_assert_true(parse("&a=1", &form));
    g_assert_cmpuint(form.count, ==, 1);

    /* Nothing but separators is no form. */
    g_assert_false(parse("&&", &form));
    g_assert_false(parse("", &form));
}

static void test_key_without_value(void)
{
    xmt_form form;
    g_assert_true(parse("a&b=2", &form));
    g_assert_cmpuint(form.count, ==, 2);
    expect_param(&form, 0, "a", "");
    expect_param(&form, 1, "b", "2");
    g_assert_true(parse("flag", &form));
    g_assert_cmpuint(form.count, ==, 1);
    expect_param(&form, 0, "flag", "");
    /* An empty value after '='. */
    g_assert_true(parse("a=&b=", &form));
    g_assert_cmpuint(form.count, ==, 2);
    expect_param(&form, 1, "b", "");
}

static void test_equals_in_value(void)
{
    xmt_form form;
    g_assert_true(parse("ext=crc=-5&x=a==b&y==", &form));
    g_assert_cmpuint(form.count, ==, 3);
    expect_param(&form, 0, "ext", "crc=-5");
    expect_param(&form, 1, "x", "a==b");
    expect_param(&form, 2, "y", "=");
    /* Values may hold any byte but '&'. */
    g_assert_true(parse("data={\"a\": [1, 2]}\x01\xff", &form));
    g_assert_cmpuint(form.count, ==, 1);
}

static void test_not_a_form(void)
{
    static const char *const texts[] = {
        "{\"data_list\":\"H4sI\"}",
        "[{\"event\":\"x\"}]",
        "hello world",
        "=value",
        "a=1&=2",
        "a b=1",
        "key\xd0\xb9=1",
        "<html><body>",
        "line1\r\nline2",
    };
    xmt_form form;
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        if (parse(texts[i], &form))
            g_test_message("accepted as a form: \"%s\"", texts[i]);
        g_assert_false(parse(texts[i], &form));
    }
    /* Binary: a gzip header and a PNG signature. */
    g_assert_false(xmt_form_parse((const guint8 *)"\x1f\x8b\x08\x00\x00", 5, &form));
    g_assert_false(xmt_form_parse((const guint8 *)"\x89PNG\r\n\x1a\n", 8, &form));
    g_assert_false(xmt_form_parse((const guint8 *)"a\0=1", 4, &form));
}

static void test_empty_key_empty_value(void)
{
    /* "=" is a pair whose key is empty: the header says such text is not a
     * form, and xmt_form_parse() has a check meant for it
     * ((i < len && in[i] == '=') after the value), which can never be true
     * there: i is at the '&' or at the end by then. */
    xmt_form form;
    g_assert_false(parse("=", &form));  /* no parameter at all */
    g_assert_false(parse("a=1&=&b=2", &form));  /* an empty key with a value part */
}

static void test_truncated(void)
{
    xmt_form form;
    /* Exactly XMT_FORM_MAX_PARAMS parameters fit. */
    GString *text = g_string_new(NULL);
    for (int i = 0; i < XMT_FORM_MAX_PARAMS; i++)
        g_string_append_printf(text, "%sk%d=%d", i ? "&" : "", i, i);
    g_assert_true(parse(text->str, &form));
    g_assert_cmpuint(form.count, ==, XMT_FORM_MAX_PARAMS);
    g_assert_false(form.truncated);

    /* More are counted as truncated; the first ones stay findable. */
    for (int i = XMT_FORM_MAX_PARAMS; i < XMT_FORM_MAX_PARAMS + 6; i++)
        g_string_append_printf(text, "&k%d=%d", i, i);
    g_assert_true(parse(text->str, &form));
    g_assert_cmpuint(form.count, ==, XMT_FORM_MAX_PARAMS);
    g_assert_true(form.truncated);
    g_assert_nonnull(xmt_form_find(&form, "k0"));
    g_assert_nonnull(xmt_form_find(&form, "k63"));
    g_assert_null(xmt_form_find(&form, "k64"));
    g_string_free(text, TRUE);

    /* A reused form is reset by the next parse. */
    g_assert_true(parse("a=1", &form));
    g_assert_cmpuint(form.count, ==, 1);
    g_assert_false(form.truncated);
}

static void test_value_starts(void)
{
    xmt_form form;
    g_assert_true(parse("ext=crc%3D-5&d=H4", &form));
    const xmt_form_param *ext = xmt_form_find(&form, "ext");
    g_assert_true(xmt_form_value_starts(&form, ext, "crc%3D"));
    g_assert_true(xmt_form_value_starts(&form, ext, ""));
    g_assert_false(xmt_form_value_starts(&form, ext, "crc="));
    const xmt_form_param *d = xmt_form_find(&form, "d");
    g_assert_true(xmt_form_value_starts(&form, d, "H4"));
    g_assert_false(xmt_form_value_starts(&form, d, "H4sI"));  /* longer than the value */
}

static void test_value_dup(void)
{
    xmt_form form;
    g_assert_true(parse("data=a%2Bb+c%3D&e=&bad=%G1", &form));
    char *v = xmt_form_value_dup(&form, xmt_form_find(&form, "data"));
    g_assert_cmpstr(v, ==, "a+b+c=");  /* '+' kept */
    g_free(v);
    v = xmt_form_value_dup(&form, xmt_form_find(&form, "e"));
    g_assert_cmpstr(v, ==, "");
    g_free(v);
    v = xmt_form_value_dup(&form, xmt_form_find(&form, "bad"));
    g_assert_cmpstr(v, ==, "%G1");
    g_free(v);
}

static void test_value_int64(void)
{
    static const struct { const char *value; gboolean ok; gint64 expect; } cases[] = {
        { "156315496", TRUE, 156315496 },
        { "-729583015", TRUE, -729583015 },
        { "%2D5", TRUE, -5 },           /* percent-decoded first */
        { "007", TRUE, 7 },
        { "0", TRUE, 0 },
        { "999999999999999999", TRUE, G_GINT64_CONSTANT(999999999999999999) },     /* 18 digits */
        { "-999999999999999999", TRUE, -G_GINT64_CONSTANT(999999999999999999) },
        { "1234567890123456789", FALSE, 0 },   /* 19 digits: too long */
        { "99999999999999999999999", FALSE, 0 },
        { "", FALSE, 0 },
        { "-", FALSE, 0 },
        { "--1", FALSE, 0 },
        { "+5", FALSE, 0 },
        { "12a", FALSE, 0 },
        { "1.5", FALSE, 0 },
        { "0x10", FALSE, 0 },
        { "5%20", FALSE, 0 },
        { "yes", FALSE, 0 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = g_strdup_printf("n=%s", cases[i].value);
        xmt_form form;
        g_assert_true(parse(text, &form));
        gint64 out = 4242;
        gboolean ok = xmt_form_value_int64(&form, &form.params[0], &out);
        if (ok != cases[i].ok)
            g_test_message("value \"%s\"", cases[i].value);
        g_assert_cmpint(ok, ==, cases[i].ok);
        g_assert_cmpint(out, ==, ok ? cases[i].expect : 4242);  /* untouched on failure */
        g_free(text);
    }
}

/* Every piece of the text, in order, as "key|value" strings (xmt_form_next). */
static char *pieces(const char *text)
{
    GString *out = g_string_new(NULL);
    gsize pos = 0;
    xmt_form_param p;
    while (xmt_form_next((const guint8 *)text, strlen(text), &pos, &p)) {
        g_string_append_printf(out, "%s%.*s|%.*s", out->len ? " " : "", (int)p.key_len, text + p.key_off,
                               (int)p.val_len, text + p.val_off);
        g_assert_cmpuint(p.val_off + p.val_len, <=, strlen(text));
    }
    g_assert_cmpuint(pos, ==, strlen(text));
    return g_string_free(out, FALSE);
}

static void expect_pieces(const char *text, const char *want)
{
    char *got = pieces(text);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void test_next(void)
{
    expect_pieces("v=2&tid=G-1&en=page_view", "v|2 tid|G-1 en|page_view");
    /* empty pieces are skipped; a key without '=' has an empty value at its end */
    expect_pieces("&&a=1&&b&c=", "a|1 b| c|");
    /* '=' inside a value stays in it; keys may hold any byte but '&' and '=' */
    expect_pieces("x=a=b&ep.a(b) c=1&=v", "x|a=b ep.a(b) c|1 |v");
    expect_pieces("", "");
    expect_pieces("&&&", "");
    /* no cap: every parameter of a long text */
    GString *big = g_string_new(NULL);
    for (int i = 0; i < 3 * XMT_FORM_MAX_PARAMS; i++)
        g_string_append_printf(big, "%sk%d=%d", i ? "&" : "", i, i);
    gsize pos = 0, count = 0;
    xmt_form_param p;
    while (xmt_form_next((const guint8 *)big->str, big->len, &pos, &p))
        count++;
    g_assert_cmpuint(count, ==, 3 * XMT_FORM_MAX_PARAMS);
    /* the offsets of the last one */
    g_assert_cmpstr(big->str + p.key_off, ==, "k191=191");
    g_assert_cmpuint(p.val_len, ==, 3);
    g_string_free(big, TRUE);
}

static gboolean has_key(const char *text, const char *key)
{
    return xmt_form_has_key((const guint8 *)text, strlen(text), key);
}

static void test_has_key(void)
{
    g_assert_true(has_key("v=2&tid=G-1&en=x", "v"));
    g_assert_true(has_key("v=2&tid=G-1&en=x", "tid"));
    g_assert_true(has_key("v=2&tid=G-1&en=x", "en"));
    g_assert_true(has_key("en=", "en"));                  /* an empty value */
    g_assert_false(has_key("v=2&xtid=G-1", "tid"));       /* inside another key */
    g_assert_false(has_key("v=2&a=tid=1", "tid"));        /* inside a value */
    g_assert_false(has_key("v=2&tid", "tid"));            /* no '=' */
    g_assert_false(has_key("v=2&ti", "tid"));             /* the text ends first */
    g_assert_false(has_key("v=2&en_x=1", "en"));
    g_assert_false(has_key("", "en"));
    g_assert_false(has_key("en=1", ""));
    /* Reads no byte past the end: the key at the very end of a cut buffer. */
    static const char cut[] = { 'a', '=', '1', '&', 'e', 'n' };
    g_assert_false(xmt_form_has_key((const guint8 *)cut, sizeof cut, "en"));
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/form/split", test_split);
    g_test_add_func("/form/find", test_find);
    g_test_add_func("/form/empty-pairs", test_empty_pairs);
    g_test_add_func("/form/key-without-value", test_key_without_value);
    g_test_add_func("/form/equals-in-value", test_equals_in_value);
    g_test_add_func("/form/not-a-form", test_not_a_form);
    g_test_add_func("/form/empty-key-empty-value", test_empty_key_empty_value);
    g_test_add_func("/form/truncated", test_truncated);
    g_test_add_func("/form/value-starts", test_value_starts);
    g_test_add_func("/form/value-dup", test_value_dup);
    g_test_add_func("/form/value-int64", test_value_int64);
    g_test_add_func("/form/next", test_next);
    g_test_add_func("/form/has-key", test_has_key);
    return g_test_run();
}
