/* test_json.c: the strict JSON layer (layers/xmt_json.h). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_json.h"

#define DEPTH 64
#define NODES 100000

static void parse(xmt_json_doc *doc, const char *text)
{
    xmt_json_parse(doc, (const guint8 *)text, strlen(text), &(xmt_json_limits){ DEPTH, NODES, 0 });
}

static const xmt_json_node *at(const xmt_json_doc *doc, guint32 i)
{
    const xmt_json_node *n = xmt_json_node_at(doc, i);
    g_assert_nonnull(n);
    return n;
}

/* The bytes of a node's span as a new string. */
static char *span_text(const xmt_json_doc *doc, const xmt_json_node *n)
{
    return g_strndup((const char *)doc->buf + n->off, n->len);
}

/* Parses a document of one string and returns xmt_json_text() of it. */
static char *string_value(const char *json)
{
    xmt_json_doc doc;
    parse(&doc, json);
    if (!doc.complete)
        g_test_message("%s: %s", json, doc.error);
    g_assert_true(doc.complete);
    g_assert_cmpint(at(&doc, 0)->type, ==, XMT_JSON_STRING);
    char *text = xmt_json_text(&doc, at(&doc, 0));
    g_assert_nonnull(text);
    g_assert_true(g_utf8_validate(text, -1, NULL));
    xmt_json_doc_clear(&doc);
    return text;
}

static void test_scalars(void)
{
    static const struct { const char *text; xmt_json_type type; guint32 off, len; } cases[] = {
        { "\"abc\"", XMT_JSON_STRING, 0, 5 },
        { "12", XMT_JSON_NUMBER, 0, 2 },
        { "-1.5e+3", XMT_JSON_NUMBER, 0, 7 },
        { "0", XMT_JSON_NUMBER, 0, 1 },
        { "-0.0E-0", XMT_JSON_NUMBER, 0, 7 },
        { "true", XMT_JSON_TRUE, 0, 4 },
        { "false", XMT_JSON_FALSE, 0, 5 },
        { "null", XMT_JSON_NULL, 0, 4 },
        { "{}", XMT_JSON_OBJECT, 0, 2 },
        { "[]", XMT_JSON_ARRAY, 0, 2 },
        { " \t\r\n true \n", XMT_JSON_TRUE, 5, 4 },
        { "[ ]", XMT_JSON_ARRAY, 0, 3 },
        { "{ \n}", XMT_JSON_OBJECT, 0, 4 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        xmt_json_doc doc;
        parse(&doc, cases[i].text);
        if (!doc.complete)
            g_test_message("%s: %s", cases[i].text, doc.error);
        g_assert_true(doc.complete);
        g_assert_null(doc.error);
        g_assert_cmpuint(doc.nodes->len, ==, 1);
        const xmt_json_node *n = at(&doc, 0);
        g_assert_cmpint(n->type, ==, cases[i].type);
        g_assert_cmpuint(n->off, ==, cases[i].off);
        g_assert_cmpuint(n->len, ==, cases[i].len);
        g_assert_cmpuint(n->depth, ==, 0);
        g_assert_cmpuint(n->next, ==, XMT_JSON_NONE);
        g_assert_cmpuint(n->count, ==, 0);
        g_assert_true(n->flags & XMT_JSON_COMPLETE);
        g_assert_false(n->flags & XMT_JSON_HAS_KEY);
        g_assert_cmpuint(xmt_json_first_child(&doc, 0), ==, XMT_JSON_NONE);
        xmt_json_doc_clear(&doc);
    }
}

static void test_spans_and_links(void)
{
    static const char text[] = "{\"name\":\"Redmi\", \"n\" : [1,\"x\"],\"o\":{\"k\":null}}";
    xmt_json_doc doc;
    parse(&doc, text);
    g_assert_true(doc.complete);
    g_assert_cmpuint(doc.nodes->len, ==, 7);

    /* Document order, parents first. */
    static const xmt_json_type types[] = {
        XMT_JSON_OBJECT, XMT_JSON_STRING, XMT_JSON_ARRAY, XMT_JSON_NUMBER, XMT_JSON_STRING,
        XMT_JSON_OBJECT, XMT_JSON_NULL,
    };
    static const guint16 depths[] = { 0, 1, 1, 2, 2, 1, 2 };
    static const guint32 nexts[] = { XMT_JSON_NONE, 2, 5, 4, XMT_JSON_NONE, XMT_JSON_NONE, XMT_JSON_NONE };
    static const char *const spans[] = {
        text, "\"Redmi\"", "[1,\"x\"]", "1", "\"x\"", "{\"k\":null}", "null",
    };
    for (guint32 i = 0; i < 7; i++) {
        const xmt_json_node *n = at(&doc, i);
        g_assert_cmpint(n->type, ==, types[i]);
        g_assert_cmpuint(n->depth, ==, depths[i]);
        g_assert_cmpuint(n->next, ==, nexts[i]);
        g_assert_true(n->flags & XMT_JSON_COMPLETE);
        char *s = span_text(&doc, n);
        g_assert_cmpstr(s, ==, spans[i]);  /* strings include their quotes */
        g_free(s);
    }
    g_assert_cmpuint(at(&doc, 0)->count, ==, 3);
    g_assert_cmpuint(at(&doc, 2)->count, ==, 2);
    g_assert_cmpuint(at(&doc, 5)->count, ==, 1);

    /* Keys: offsets without the quotes; array elements have none. */
    const xmt_json_node *name = at(&doc, 1);
    g_assert_true(name->flags & XMT_JSON_HAS_KEY);
    g_assert_cmpuint(name->key_off, ==, 2);
    g_assert_cmpuint(name->key_len, ==, 4);
    g_assert_cmpuint(name->off, ==, 8);
    g_assert_cmpuint(name->len, ==, 7);
    const xmt_json_node *n = at(&doc, 2);
    g_assert_cmpuint(n->key_off, ==, 18);
    g_assert_cmpuint(n->key_len, ==, 1);
    g_assert_false(at(&doc, 3)->flags & XMT_JSON_HAS_KEY);
    g_assert_false(at(&doc, 0)->flags & XMT_JSON_HAS_KEY);
    char *key = xmt_json_key(&doc, name);
    g_assert_cmpstr(key, ==, "name");
    g_free(key);

    /* Children and members. */
    g_assert_cmpuint(xmt_json_first_child(&doc, 0), ==, 1);
    g_assert_cmpuint(xmt_json_first_child(&doc, 2), ==, 3);
    g_assert_cmpuint(xmt_json_first_child(&doc, 1), ==, XMT_JSON_NONE);   /* a string */
    g_assert_cmpuint(xmt_json_first_child(&doc, 99), ==, XMT_JSON_NONE);  /* out of range */
    g_assert_cmpuint(xmt_json_member(&doc, 0, "name"), ==, 1);
    g_assert_cmpuint(xmt_json_member(&doc, 0, "n"), ==, 2);
    g_assert_cmpuint(xmt_json_member(&doc, 0, "o"), ==, 5);
    g_assert_cmpuint(xmt_json_member(&doc, 5, "k"), ==, 6);
    g_assert_cmpuint(xmt_json_member(&doc, 0, "k"), ==, XMT_JSON_NONE);   /* not a grandchild */
    g_assert_cmpuint(xmt_json_member(&doc, 0, "nam"), ==, XMT_JSON_NONE);
    g_assert_cmpuint(xmt_json_member(&doc, 0, "names"), ==, XMT_JSON_NONE);
    g_assert_cmpuint(xmt_json_member(&doc, 0, ""), ==, XMT_JSON_NONE);
    g_assert_cmpuint(xmt_json_member(&doc, 2, "n"), ==, XMT_JSON_NONE);   /* an array */
    g_assert_cmpuint(xmt_json_member(&doc, 99, "n"), ==, XMT_JSON_NONE);
    g_assert_null(xmt_json_node_at(&doc, 7));

    /* Texts: strings unescaped without quotes, scalars as written, containers NULL. */
    char *t = xmt_json_text(&doc, name);
    g_assert_cmpstr(t, ==, "Redmi");
    g_free(t);
    t = xmt_json_text(&doc, at(&doc, 3));
    g_assert_cmpstr(t, ==, "1");
    g_free(t);
    t = xmt_json_text(&doc, at(&doc, 6));
    g_assert_cmpstr(t, ==, "null");
    g_free(t);
    g_assert_null(xmt_json_text(&doc, at(&doc, 0)));
    g_assert_null(xmt_json_text(&doc, at(&doc, 2)));
    xmt_json_doc_clear(&doc);
}

static void test_empty_key(void)
{
    xmt_json_doc doc;
    parse(&doc, "{\"\":1,\"a\":2}");
    g_assert_true(doc.complete);
    g_assert_cmpuint(at(&doc, 1)->key_len, ==, 0);
    g_assert_cmpuint(xmt_json_member(&doc, 0, ""), ==, 1);
    g_assert_cmpuint(xmt_json_member(&doc, 0, "a"), ==, 2);
    xmt_json_doc_clear(&doc);
}

static void test_strict(void)
{
    static const struct { const char *text; gsize off; } bad[] = {
        { "{\"a\":tru}", 5 },
        { "[1,,2]", 3 },
        { "{a:1}", 1 },
        { "[1,2,]", 5 },
        { "{\"a\":1,}", 7 },
        { "01", 1 },
        { "[01]", 2 },
        { "-", 0 },
        { "[1] x", 4 },
        { "{} {}", 3 },
        { "\"abc", 0 },
        { "\"a\x01" "b\"", 2 },
        { "\"a\tb\"", 2 },
        { "{\"a\":1", 6 },
        { "[1", 2 },
        { "", 0 },
        { "   ", 3 },
        { "[1 2]", 3 },
        { "{\"a\" 1}", 5 },
        { "{\"a\":}", 5 },
        { ".5", 0 },
        { "1.", 0 },
        { "1e", 0 },
        { "+1", 0 },
        { "NaN", 0 },
        { "'a'", 0 },
        { "nul", 0 },
        { "True", 0 },
        { "\"\\x\"", 1 },
        { "\"\\u12G4\"", 1 },
        { "\"\\u12\"", 1 },
        { "[\"a\"]]", 5 },
        { "{\"a\":1}}", 7 },
        { "{\"a\x01\":1}", 3 },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        xmt_json_doc doc;
        parse(&doc, bad[i].text);
        if (doc.complete || !doc.error || doc.error_off != bad[i].off)
            g_test_message("\"%s\": complete %d, error \"%s\" at %" G_GSIZE_FORMAT, bad[i].text,
                           doc.complete, doc.error ? doc.error : "(none)", doc.error_off);
        g_assert_false(doc.complete);
        g_assert_nonnull(doc.error);
        g_assert_cmpstr(doc.error, !=, "");
        g_assert_cmpuint(doc.error_off, ==, bad[i].off);
        xmt_json_doc_clear(&doc);
    }
}

static void test_partial(void)
{
    static const char text[] = "[{\"a\":1},{\"b\":2},{\"c\":";
    xmt_json_doc doc;
    parse(&doc, text);
    g_assert_false(doc.complete);
    g_assert_nonnull(doc.error);
    g_assert_cmpuint(doc.error_off, ==, strlen(text));

    const xmt_json_node *root = at(&doc, 0);
    g_assert_cmpint(root->type, ==, XMT_JSON_ARRAY);
    g_assert_false(root->flags & XMT_JSON_COMPLETE);
    g_assert_cmpuint(root->count, ==, 2);

    /* The first two objects are complete and linked; the third is not. */
    guint32 first = xmt_json_first_child(&doc, 0);
    g_assert_cmpuint(first, ==, 1);
    const xmt_json_node *o1 = at(&doc, first);
    g_assert_true(o1->flags & XMT_JSON_COMPLETE);
    g_assert_cmpuint(xmt_json_member(&doc, first, "a"), !=, XMT_JSON_NONE);
    guint32 second = o1->next;
    g_assert_cmpuint(second, !=, XMT_JSON_NONE);
    const xmt_json_node *o2 = at(&doc, second);
    g_assert_true(o2->flags & XMT_JSON_COMPLETE);
    g_assert_cmpuint(xmt_json_member(&doc, second, "b"), !=, XMT_JSON_NONE);
    char *s = span_text(&doc, o2);
    g_assert_cmpstr(s, ==, "{\"b\":2}");
    g_free(s);
    g_assert_cmpuint(o2->next, ==, XMT_JSON_NONE);

    /* The third object was started but is not marked complete. */
    gboolean found_third = FALSE;
    for (guint32 i = 0; i < doc.nodes->len; i++) {
        const xmt_json_node *n = at(&doc, i);
        if (n->type == XMT_JSON_OBJECT && n->off == 17) {
            found_third = TRUE;
            g_assert_false(n->flags & XMT_JSON_COMPLETE);
        }
    }
    g_assert_true(found_third);
    xmt_json_doc_clear(&doc);

    /* A syntax error inside the third event behaves the same. */
    parse(&doc, "[{\"a\":1},{\"b\":2},{\"c\":tru}]");
    g_assert_false(doc.complete);
    g_assert_cmpuint(at(&doc, 0)->count, ==, 2);
    g_assert_true(at(&doc, 1)->flags & XMT_JSON_COMPLETE);
    xmt_json_doc_clear(&doc);
}

static char *nested_arrays(guint depth)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < depth; i++)
        g_string_append_c(s, '[');
    for (guint i = 0; i < depth; i++)
        g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

static void test_depth_limit(void)
{
    xmt_json_doc doc;
    char *text = nested_arrays(100);
    xmt_json_parse(&doc, (const guint8 *)text, strlen(text), &(xmt_json_limits){ 64, NODES, 0 });
    g_assert_false(doc.complete);
    g_assert_nonnull(doc.error);
    g_assert_nonnull(strstr(doc.error, "(limit)"));
    g_assert_cmpuint(doc.error_off, ==, 64);
    xmt_json_doc_clear(&doc);
    g_free(text);

    /* 64 levels of containers are allowed with max_depth 64, 65 are not. */
    text = nested_arrays(64);
    xmt_json_parse(&doc, (const guint8 *)text, strlen(text), &(xmt_json_limits){ 64, NODES, 0 });
    g_assert_true(doc.complete);
    g_assert_cmpuint(at(&doc, 63)->depth, ==, 63);
    xmt_json_doc_clear(&doc);
    g_free(text);
    text = nested_arrays(65);
    xmt_json_parse(&doc, (const guint8 *)text, strlen(text), &(xmt_json_limits){ 64, NODES, 0 });
    g_assert_false(doc.complete);
    g_assert_nonnull(strstr(doc.error, "(limit)"));
    xmt_json_doc_clear(&doc);
    g_free(text);

    /* Scalars do not count as a level. */
    xmt_json_parse(&doc, (const guint8 *)"[[1]]", 5, &(xmt_json_limits){ 2, NODES, 0 });
    g_assert_true(doc.complete);
    xmt_json_doc_clear(&doc);
    xmt_json_parse(&doc, (const guint8 *)"[[[1]]]", 7, &(xmt_json_limits){ 2, NODES, 0 });
    g_assert_false(doc.complete);
    xmt_json_doc_clear(&doc);

    /* A very deep document does not exhaust the stack. */
    text = nested_arrays(200000);
    xmt_json_parse(&doc, (const guint8 *)text, strlen(text), &(xmt_json_limits){ 64, NODES, 0 });
    g_assert_false(doc.complete);
    g_assert_nonnull(strstr(doc.error, "(limit)"));
    xmt_json_doc_clear(&doc);
    g_free(text);
}

static void test_node_limit(void)
{
    xmt_json_doc doc;
    xmt_json_parse(&doc, (const guint8 *)"[1,2,3,4,5]", 11, &(xmt_json_limits){ DEPTH, 3, 0 });
    g_assert_false(doc.complete);
    g_assert_nonnull(strstr(doc.error, "(limit)"));
    g_assert_cmpuint(doc.nodes->len, ==, 3);
    /* What fitted is there. */
    g_assert_cmpuint(at(&doc, 0)->count, ==, 2);
    g_assert_true(at(&doc, 2)->flags & XMT_JSON_COMPLETE);
    xmt_json_doc_clear(&doc);

    /* Six values with a limit of six is fine. */
    xmt_json_parse(&doc, (const guint8 *)"[1,2,3,4,5]", 11, &(xmt_json_limits){ DEPTH, 6, 0 });
    g_assert_true(doc.complete);
    g_assert_cmpuint(doc.nodes->len, ==, 6);
    xmt_json_doc_clear(&doc);

    /* A large array within the limit. */
    GString *s = g_string_new("[");
    for (int i = 0; i < 10000; i++)
        g_string_append_printf(s, "%s{\"i\":%d}", i ? "," : "", i);
    g_string_append_c(s, ']');
    xmt_json_parse(&doc, (const guint8 *)s->str, s->len, &(xmt_json_limits){ DEPTH, NODES, 0 });
    g_assert_true(doc.complete);
    g_assert_cmpuint(at(&doc, 0)->count, ==, 10000);
    g_assert_cmpuint(doc.nodes->len, ==, 20001);
    xmt_json_doc_clear(&doc);
    g_string_free(s, TRUE);
}

static void test_text_unescape(void)
{
    static const struct { const char *json; const char *expect; } cases[] = {
        { "\"a\\nb\"", "a\nb" },
        { "\"q\\\"q\"", "q\"q" },
        { "\"\\\\\\/\\b\\f\\r\\t\"", "\\/\b\f\r\t" },
        { "\"\\u00e9\"", "\xc3\xa9" },
        { "\"\\u00E9t\\u00e9\"", "\xc3\xa9t\xc3\xa9" },
        { "\"\\u4e2d\"", "\xe4\xb8\xad" },
        { "\"\\ud83d\\ude00\"", "\xf0\x9f\x98\x80" },         /* a surrogate pair */
        { "\"x\\uD83D\\uDE00y\"", "x\xf0\x9f\x98\x80y" },
        { "\"\\ud83d\"", "\xef\xbf\xbd" },                     /* a lone high surrogate */
        { "\"\\ude00x\"", "\xef\xbf\xbdx" },                   /* a lone low surrogate */
        { "\"\\ud83d\\u0041\"", "\xef\xbf\xbd" "A" },          /* high then not low */
        { "\"\\ud83d\\ud83d\\ude00\"", "\xef\xbf\xbd\xf0\x9f\x98\x80" },
        { "\"a\\u0000b\"", "a\\u0000b" },                      /* NUL kept as six characters */
        { "\"\\u0041\"", "A" },
        { "\"plain\"", "plain" },
        { "\"\"", "" },
        { "\"\xe4\xb8\xad\"", "\xe4\xb8\xad" },                /* raw UTF-8 kept */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *text = string_value(cases[i].json);
        if (strcmp(text, cases[i].expect) != 0)
            g_test_message("%s", cases[i].json);
        g_assert_cmpstr(text, ==, cases[i].expect);
        g_free(text);
    }

    /* The escaped flag says whether unescaping is needed. */
    xmt_json_doc doc;
    parse(&doc, "[\"a\\nb\",\"ab\"]");
    g_assert_true(at(&doc, 1)->flags & XMT_JSON_ESCAPED);
    g_assert_false(at(&doc, 2)->flags & XMT_JSON_ESCAPED);
    xmt_json_doc_clear(&doc);

    /* Escaped keys. */
    parse(&doc, "{\"a\\u0062\":1,\"c\\\"d\":2}");
    g_assert_true(doc.complete);
    const xmt_json_node *k1 = at(&doc, 1);
    g_assert_true(k1->flags & XMT_JSON_KEY_ESCAPED);
    g_assert_false(k1->flags & XMT_JSON_ESCAPED);
    char *key = xmt_json_key(&doc, k1);
    g_assert_cmpstr(key, ==, "ab");
    g_free(key);
    key = xmt_json_key(&doc, at(&doc, 2));
    g_assert_cmpstr(key, ==, "c\"d");
    g_free(key);
    xmt_json_doc_clear(&doc);
}

static void test_invalid_utf8(void)
{
    /* Bytes that are not UTF-8 come out as U+FFFD, so the text is valid. */
    char *text = string_value("\"a\xff" "b\"");
    g_assert_cmpstr(text, ==, "a\xef\xbf\xbd" "b");
    g_free(text);
    text = string_value("\"\\n\xc3\"");  /* escaped, then a cut sequence */
    g_assert_cmpstr(text, ==, "\n\xef\xbf\xbd");
    g_free(text);
    text = string_value("\"\xed\xa0\x80\"");  /* a surrogate encoded in UTF-8 */
    g_assert_true(g_utf8_validate(text, -1, NULL));
    g_assert_null(strstr(text, "\xed\xa0\x80"));
    g_free(text);

    xmt_json_doc doc;
    parse(&doc, "{\"k\xfe\":1}");
    g_assert_true(doc.complete);
    char *key = xmt_json_key(&doc, at(&doc, 1));
    g_assert_true(g_utf8_validate(key, -1, NULL));
    g_assert_cmpstr(key, ==, "k\xef\xbf\xbd");
    g_free(key);
    xmt_json_doc_clear(&doc);
}

static void test_int64(void)
{
    static const char text[] =
        "[0,-5,1588291200123,\"1588291200123\",1.5,1e3,\"\",\"-\",\"12a\",true,null,"
        "123456789012345678,1234567890123456789,-123456789012345678,\"-42\",{},[],-0]";
    static const struct { gboolean ok; gint64 value; } expect[] = {
        { TRUE, 0 }, { TRUE, -5 }, { TRUE, G_GINT64_CONSTANT(1588291200123) },
        { TRUE, G_GINT64_CONSTANT(1588291200123) }, { FALSE, 0 }, { FALSE, 0 }, { FALSE, 0 },
        { FALSE, 0 }, { FALSE, 0 }, { FALSE, 0 }, { FALSE, 0 },
        { TRUE, G_GINT64_CONSTANT(123456789012345678) }, { FALSE, 0 },
        { TRUE, -G_GINT64_CONSTANT(123456789012345678) }, { TRUE, -42 }, { FALSE, 0 }, { FALSE, 0 },
        { TRUE, 0 },
    };
    xmt_json_doc doc;
    parse(&doc, text);
    g_assert_true(doc.complete);
    g_assert_cmpuint(at(&doc, 0)->count, ==, G_N_ELEMENTS(expect));
    guint k = 0;
    for (guint32 c = xmt_json_first_child(&doc, 0); c != XMT_JSON_NONE; c = at(&doc, c)->next, k++) {
        gint64 v = 777;
        gboolean ok = xmt_json_int64(&doc, at(&doc, c), &v);
        if (ok != expect[k].ok)
            g_test_message("element %u", k);
        g_assert_cmpint(ok, ==, expect[k].ok);
        g_assert_cmpint(v, ==, ok ? expect[k].value : 777);
    }
    g_assert_cmpuint(k, ==, G_N_ELEMENTS(expect));
    xmt_json_doc_clear(&doc);
}

static void test_clear(void)
{
    xmt_json_doc doc;
    parse(&doc, "{\"a\":");
    g_assert_nonnull(doc.error);
    xmt_json_doc_clear(&doc);
    g_assert_null(doc.nodes);
    g_assert_null(doc.error);
    xmt_json_doc_clear(&doc);  /* twice is harmless */
}

static void test_string_runs(void)
{
    /* Strings are scanned eight bytes at a time: a quote, a backslash or a
     * control byte at every position of a long string must still be seen. */
    for (gsize at = 0; at < 40; at++) {
        char text[64];
        memset(text, 'x', sizeof text);
        text[0] = '"';
        text[at + 1] = '"';   /* the string ends here ... */
        text[at + 2] = '\0';  /* ... and so does the document */
        xmt_json_doc doc;
        xmt_json_parse(&doc, (const guint8 *)text, at + 2, &(xmt_json_limits){ 8, 8, 0 });
        g_assert_true(doc.complete);
        g_assert_cmpuint(xmt_json_node_at(&doc, 0)->len, ==, at + 2);
        xmt_json_doc_clear(&doc);

        memset(text, 'x', sizeof text);
        text[0] = '"';
        text[at + 1] = '\x01';  /* a control byte is an error where it stands */
        text[45] = '"';
        xmt_json_parse(&doc, (const guint8 *)text, 46, &(xmt_json_limits){ 8, 8, 0 });
        g_assert_false(doc.complete);
        g_assert_cmpuint(doc.error_off, ==, at + 1);
        xmt_json_doc_clear(&doc);

        memset(text, 'x', sizeof text);
        text[0] = '"';
        text[at + 1] = '\\';  /* an escape is noticed wherever it stands */
        text[at + 2] = 'n';
        text[45] = '"';
        xmt_json_parse(&doc, (const guint8 *)text, 46, &(xmt_json_limits){ 8, 8, 0 });
        g_assert_true(doc.complete);
        g_assert_true(xmt_json_node_at(&doc, 0)->flags & XMT_JSON_ESCAPED);
        xmt_json_doc_clear(&doc);
    }
    /* bytes of UTF-8 (0x80 and above) are plain string bytes */
    const char *utf8 = "\"\xe4\xb8\xad\xe5\x9b\xbd\xe7\xa7\xbb\xe5\x8a\xa8\xc3\xa9\"";
    xmt_json_doc doc;
    xmt_json_parse(&doc, (const guint8 *)utf8, strlen(utf8), &(xmt_json_limits){ 8, 8, 0 });
    g_assert_true(doc.complete);
    xmt_json_doc_clear(&doc);
}

/* Export lines: whitespace between tokens goes, strings stay as sent. */
static void test_compact(void)
{
    static const struct { const char *in, *out; } cases[] = {
        { "{\n  \"a\": [ 1, 2 ],\r\n\t\"b\" : {}\n}", "{\"a\":[1,2],\"b\":{}}" },
        { "[ \"x y\" , \"\\\" }\" ]", "[\"x y\",\"\\\" }\"]" },        /* an escaped quote does not end a string */
        { "{ \"k\\\\\" : \" v \" }", "{\"k\\\\\":\" v \"}" },            /* nor does an escaped backslash hide one */
        { "\"\xe4\xb8\xad \\n\"", "\"\xe4\xb8\xad \\n\"" },
        { "", "" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        char *got = xmt_json_compact((const guint8 *)cases[i].in, strlen(cases[i].in));
        g_assert_cmpstr(got, ==, cases[i].out);
        g_free(got);
    }
}

/* A root array read no further than the caller's events need, and every
 * way a parse stops told apart by its kind, not its text. */
static void test_status_and_root_elements(void)
{
    xmt_json_doc doc;
    xmt_json_parse(&doc, (const guint8 *)"[{},{},{},{}]", 13, &(xmt_json_limits){ DEPTH, NODES, 2 });
    g_assert_false(doc.complete);
    g_assert_cmpint(doc.status, ==, XMT_JSON_LIMIT_ELEMENTS);
    g_assert_true(xmt_json_status_is_limit(doc.status));
    g_assert_cmpuint(at(&doc, 0)->count, ==, 2);               /* two elements read, both whole */
    g_assert_true(at(&doc, 2)->flags & XMT_JSON_COMPLETE);
    g_assert_cmpuint(doc.error_off, ==, 6);                     /* at the comma after the second */
    xmt_json_doc_clear(&doc);
    /* no more elements than the limit: complete; objects at the root are not cut */
    xmt_json_parse(&doc, (const guint8 *)"[1,2]", 5, &(xmt_json_limits){ DEPTH, NODES, 2 });
    g_assert_true(doc.complete);
    g_assert_cmpint(doc.status, ==, XMT_JSON_OK);
    xmt_json_doc_clear(&doc);
    xmt_json_parse(&doc, (const guint8 *)"{\"a\":[1,2,3],\"b\":1,\"c\":2}", 25, &(xmt_json_limits){ DEPTH, NODES, 1 });
    g_assert_true(doc.complete);
    xmt_json_doc_clear(&doc);
    static const struct { const char *text; guint depth, values; xmt_json_status status; } stops[] = {
        { "[1,", DEPTH, NODES, XMT_JSON_SYNTAX },
        { "[[[1]]]", 2, NODES, XMT_JSON_LIMIT_DEPTH },
        { "[1,2,3]", DEPTH, 2, XMT_JSON_LIMIT_VALUES },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(stops); i++) {
        xmt_json_parse(&doc, (const guint8 *)stops[i].text, strlen(stops[i].text),
                       &(xmt_json_limits){ stops[i].depth, stops[i].values, 0 });
        g_assert_cmpint(doc.status, ==, stops[i].status);
        g_assert_cmpint(xmt_json_status_is_limit(doc.status), ==, stops[i].status != XMT_JSON_SYNTAX);
        xmt_json_doc_clear(&doc);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/json/scalars", test_scalars);
    g_test_add_func("/json/spans-and-links", test_spans_and_links);
    g_test_add_func("/json/empty-key", test_empty_key);
    g_test_add_func("/json/strict", test_strict);
    g_test_add_func("/json/partial", test_partial);
    g_test_add_func("/json/depth-limit", test_depth_limit);
    g_test_add_func("/json/node-limit", test_node_limit);
    g_test_add_func("/json/text-unescape", test_text_unescape);
    g_test_add_func("/json/invalid-utf8", test_invalid_utf8);
    g_test_add_func("/json/int64", test_int64);
    g_test_add_func("/json/clear", test_clear);
    g_test_add_func("/json/string-runs", test_string_runs);
    g_test_add_func("/json/compact", test_compact);
    g_test_add_func("/json/status-and-root-elements", test_status_and_root_elements);
    return g_test_run();
}
