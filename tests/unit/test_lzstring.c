/* test_lzstring.c: the LZ-string layer (layers/xmt_lzstring.h), against the
 * lz-string library's own output (tests/unit/vectors/lzstring/, made by its
 * generate.js with lz-string 1.5.0; malformed.tsv says how each bad_* input
 * was made and what lz-string's own decoder returns for it). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_lzstring.h"

#define MiB (1024u * 1024u)

static const char *const valid_vectors[] = {
    "ascii", "repetitive", "posthog_batch", "posthog_event", "emoji", "chinese",
    "latin1", "empty", "one_char", "nul", "lone_surrogates",
};

/* A committed vector file; g_malloc'd, *len set. */
static char *vector(const char *file, gsize *len)
{
    char *path = g_build_filename(XMT_LZSTRING_VECTORS, file, NULL);
    char *text = NULL;
    GError *err = NULL;
    if (!g_file_get_contents(path, &text, len, &err))
        g_error("%s: %s", path, err->message);
    g_free(path);
    return text;
}

static char *vector_of(const char *name, const char *ext, gsize *len)
{
    char *file = g_strconcat(name, ext, NULL);
    char *text = vector(file, len);
    g_free(file);
    return text;
}

/* Valid UTF-8 where U+0000 counts as a character (GLib's check stops at it). */
static gboolean utf8_with_nul(const guint8 *s, gsize len)
{
    gsize i = 0;
    while (i < len) {
        const guint8 *nul = memchr(s + i, 0, len - i);
        gsize seg = nul ? (gsize)(nul - (s + i)) : len - i;
        if (seg && !g_utf8_validate((const char *)s + i, (gssize)seg, NULL))
            return FALSE;
        i += seg + (nul ? 1 : 0);
    }
    return TRUE;
}

typedef struct {
    guint8 *out;
    gsize len;
    xmt_lzstring_result result;
    char *error;
} decoded;

static decoded run(const void *in, gsize len, gsize max_out)
{
    decoded d = { NULL, 12345, XMT_LZSTRING_OK, NULL };
    d.out = xmt_lzstring_decompress(in, len, max_out, &d.len, &d.result, &d.error);
    /* The contract every call keeps. */
    g_assert_true(d.out != NULL || d.len == 0);
    g_assert_true(d.out == NULL || d.len > 0);
    g_assert_cmpuint(d.len, <=, max_out);
    g_assert_true(utf8_with_nul(d.out, d.len));
    g_assert_true((d.result == XMT_LZSTRING_OK) == (d.error == NULL));
    if (d.error)
        g_assert_true(g_utf8_validate(d.error, -1, NULL));
    return d;
}

static void clear(decoded *d)
{
    g_free(d->out);
    g_free(d->error);
}

static gboolean contains(const guint8 *hay, gsize len, const char *needle, gsize n)
{
    for (gsize i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return TRUE;
    return FALSE;
}

static gboolean is_prefix(const decoded *d, const char *text, gsize text_len)
{
    return d->len <= text_len && (d->len == 0 || memcmp(d->out, text, d->len) == 0);
}

/* Every vector, in both of lz-string's alphabets, decodes to its text. */
static void test_library_vectors(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(valid_vectors); i++) {
        const char *name = valid_vectors[i];
        gsize text_len = 0, b64_len = 0, uri_len = 0;
        char *text = vector_of(name, ".txt", &text_len);
        char *b64 = vector_of(name, ".lz64", &b64_len);
        char *uri = vector_of(name, ".uri", &uri_len);
        g_test_message("%s: %" G_GSIZE_FORMAT " bytes of text", name, text_len);
        decoded a = run(b64, b64_len, 16 * MiB);
        decoded b = run(uri, uri_len, 16 * MiB);
        g_assert_cmpint(a.result, ==, XMT_LZSTRING_OK);
        g_assert_cmpint(b.result, ==, XMT_LZSTRING_OK);
        g_assert_cmpmem(a.out, a.len, text, text_len);
        g_assert_cmpmem(b.out, b.len, text, text_len);
        clear(&a);
        clear(&b);
        g_free(text);
        g_free(b64);
        g_free(uri);
    }
}

/* Node's encoder wrote the texts; these pin what they must hold. */
static void test_unicode(void)
{
    gsize len = 0;
    char *b64 = vector("lone_surrogates.lz64", &len);
    decoded d = run(b64, len, 100);
    g_assert_cmpmem(d.out, d.len, "x\xef\xbf\xbdy\xef\xbf\xbdz\xef\xbf\xbd", 12);
    clear(&d);
    g_free(b64);

    b64 = vector("nul.lz64", &len);
    d = run(b64, len, 100);
    g_assert_cmpmem(d.out, d.len, "a\0b", 3);
    clear(&d);
    g_free(b64);

    b64 = vector("emoji.lz64", &len);
    d = run(b64, len, 100);
    g_assert_true(contains(d.out, d.len, "\xf0\x9f\x8e\x89", 4));    /* U+1F389, a surrogate pair */
    g_assert_true(contains(d.out, d.len, "\xf0\x9d\x84\x9e", 4));    /* U+1D11E */
    clear(&d);
    g_free(b64);
}

static void test_empty_text(void)
{
    gsize len = 0;
    char *b64 = vector("empty.lz64", &len);
    g_assert_cmpstr(b64, ==, "Q===");
    decoded d = run(b64, len, 100);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OK);
    g_assert_null(d.out);
    g_assert_cmpuint(d.len, ==, 0);
    clear(&d);
    d = run("Q", 1, 100);  /* the URI-safe form: no padding */
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OK);
    clear(&d);
    g_free(b64);
}

/* A form decoder turns an unescaped '+' into a space. */
static void test_space_is_plus(void)
{
    gsize len = 0, text_len = 0;
    char *b64 = vector("posthog_batch.lz64", &len);
    char *text = vector("posthog_batch.txt", &text_len);
    g_assert_nonnull(strchr(b64, '+'));
    g_strdelimit(b64, "+", ' ');
    decoded d = run(b64, len, 16 * MiB);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OK);
    g_assert_cmpmem(d.out, d.len, text, text_len);
    clear(&d);
    g_free(b64);
    g_free(text);
}

static void test_json_prefix(void)
{
    static const char *const json[] = { "posthog_batch.lz64", "posthog_batch.uri", "posthog_event.lz64", "posthog_event.uri" };
    static const char *const other[] = { "ascii.lz64", "chinese.lz64", "emoji.lz64", "empty.lz64", "one_char.lz64", "repetitive.lz64" };
    for (gsize i = 0; i < G_N_ELEMENTS(json); i++) {
        gsize len = 0;
        char *s = vector(json[i], &len);
        g_assert_true(xmt_lzstring_has_json_prefix((const guint8 *)s, len));
        g_free(s);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(other); i++) {
        gsize len = 0;
        char *s = vector(other[i], &len);
        g_assert_false(xmt_lzstring_has_json_prefix((const guint8 *)s, len));
        g_free(s);
    }
    /* Ordinary base64 of JSON and a form value are not LZ-string. */
    g_assert_false(xmt_lzstring_has_json_prefix((const guint8 *)"W3siZXZlbnQiOiJ4In1d", 20));
    g_assert_false(xmt_lzstring_has_json_prefix((const guint8 *)"eyJldmVudCI6IngifQ==", 20));
    g_assert_false(xmt_lzstring_has_json_prefix((const guint8 *)"N", 1));
}

/* 4,000,000 units from 4,984 symbols: stopped at the limit, exact at it. */
static void test_bomb(void)
{
    const gsize units = 4000000;
    gsize len = 0;
    char *b64 = vector("bomb.lz64", &len);
    g_assert_cmpuint(len, <, 5000);

    decoded d = run(b64, len, 1 * MiB);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OUTPUT_LIMIT);
    g_assert_cmpuint(d.len, ==, 1 * MiB);
    g_assert_nonnull(strstr(d.error, "output limit"));
    for (gsize i = 0; i < d.len; i++)
        g_assert_cmpint(d.out[i], ==, 'a');
    clear(&d);

    d = run(b64, len, units);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OK);
    g_assert_cmpuint(d.len, ==, units);
    clear(&d);

    d = run(b64, len, units - 1);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OUTPUT_LIMIT);
    g_assert_cmpuint(d.len, ==, units - 1);
    clear(&d);

    d = run(b64, len, 0);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_OUTPUT_LIMIT);
    g_assert_null(d.out);
    clear(&d);
    g_free(b64);
}

/* The limit counts UTF-8 bytes and never splits a character. */
static void test_limit_on_characters(void)
{
    static const char *const names[] = { "chinese", "emoji", "lone_surrogates", "latin1" };
    for (gsize v = 0; v < G_N_ELEMENTS(names); v++) {
        gsize text_len = 0, len = 0;
        char *text = vector_of(names[v], ".txt", &text_len);
        char *b64 = vector_of(names[v], ".lz64", &len);
        for (gsize max = 0; max <= text_len; max++) {
            decoded d = run(b64, len, max);
            g_assert_true(is_prefix(&d, text, text_len));
            g_assert_cmpint(d.result, ==, max == text_len ? XMT_LZSTRING_OK : XMT_LZSTRING_OUTPUT_LIMIT);
            /* Cut at a boundary: nothing more than 3 bytes short of the limit. */
            g_assert_cmpuint(d.len + 3, >=, max);
            clear(&d);
        }
        g_free(text);
        g_free(b64);
    }
}

/* ---- malformed input -------------------------------------------------------- */

static decoded run_file(const char *file)
{
    gsize len = 0;
    char *s = vector(file, &len);
    decoded d = run(s, len, 16 * MiB);
    g_test_message("%s: %s: %s", file, xmt_lzstring_result_name(d.result), d.error ? d.error : "");
    g_free(s);
    return d;
}

static void test_malformed_files(void)
{
    gsize text_len = 0;
    char *text = vector("posthog_batch.txt", &text_len);

    decoded d = run_file("bad_cut_half.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRUNCATED);
    g_assert_nonnull(d.out);
    g_assert_true(is_prefix(&d, text, text_len));
    g_assert_cmpuint(d.len, <, text_len);
    g_assert_nonnull(strstr(d.error, "offset 776"));
    clear(&d);

    /* lz-string itself reads the missing bits as zeros and returns the text. */
    d = run_file("bad_cut_tail.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRUNCATED);
    g_assert_cmpmem(d.out, d.len, text, text_len);
    clear(&d);

    d = run_file("bad_char.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_BAD_CHARACTER);
    g_assert_nonnull(strstr(d.error, "0x21 at offset 10"));
    clear(&d);

    d = run_file("bad_pad_inside.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_BAD_CHARACTER);
    g_assert_nonnull(strstr(d.error, "offset 8"));
    g_assert_nonnull(strstr(d.error, "padding"));
    clear(&d);

    d = run_file("bad_trailing.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRAILING_DATA);
    g_assert_cmpmem(d.out, d.len, text, text_len);
    g_assert_nonnull(strstr(d.error, "offset 1552"));
    clear(&d);

    /* lz-string's decoder returns null for this one. */
    d = run_file("bad_code.lz64");
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_BAD_CODE);
    g_assert_nonnull(strstr(d.error, "names no entry"));
    clear(&d);
    g_free(text);
}

/* Every cut of a real stream: truncated (or complete, when only padding and
 * the final flush symbol are gone), and what came out is the text's start. */
static void test_every_cut(void)
{
    gsize text_len = 0, len = 0;
    char *text = vector("posthog_batch.txt", &text_len);
    char *b64 = vector("posthog_batch.lz64", &len);
    gsize unpadded = len;
    while (unpadded > 0 && b64[unpadded - 1] == '=')
        unpadded--;
    for (gsize cut = 0; cut < len; cut++) {
        decoded d = run(b64, cut, 16 * MiB);
        g_assert_true(is_prefix(&d, text, text_len));
        if (cut + 1 < unpadded)
            g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRUNCATED);
        else if (cut >= unpadded)
            g_assert_cmpint(d.result, ==, XMT_LZSTRING_OK);
        clear(&d);
    }
    g_free(text);
    g_free(b64);
}

static void test_handmade(void)
{
    decoded d = run("", 0, 100);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRUNCATED);
    g_assert_nonnull(strstr(d.error, "empty input"));
    clear(&d);

    /* 'w' = 110000: the first 2-bit code is 3, neither a literal nor the end. */
    d = run("w", 1, 100);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_BAD_CODE);
    clear(&d);

    /* 'g' = 100000: code 1, a 16-bit literal with no bits after it. */
    d = run("g", 1, 100);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_TRUNCATED);
    g_assert_nonnull(strstr(d.error, "offset 1"));
    clear(&d);

    /* A byte outside ASCII is no symbol either. */
    d = run("No\xc3\xa9", 4, 100);
    g_assert_cmpint(d.result, ==, XMT_LZSTRING_BAD_CHARACTER);
    g_assert_nonnull(strstr(d.error, "0xc3 at offset 2"));
    clear(&d);
}

static void test_result_names(void)
{
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (int r = XMT_LZSTRING_OK; r <= XMT_LZSTRING_OUTPUT_LIMIT; r++) {
        const char *name = xmt_lzstring_result_name((xmt_lzstring_result)r);
        g_assert_cmpstr(name, !=, "unknown");
        g_assert_false(g_hash_table_contains(seen, name));
        g_hash_table_add(seen, (gpointer)name);
    }
    g_hash_table_destroy(seen);
}

/* Random symbol strings: every contract of run() holds, whatever comes out. */
static void test_random_symbols(void)
{
    static const char symbols[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-= ";
    GRand *rand = g_rand_new_with_seed(20240505);
    char buf[512];
    guint results[XMT_LZSTRING_OUTPUT_LIMIT + 1] = { 0 };
    for (int i = 0; i < 20000; i++) {
        gsize len = (gsize)g_rand_int_range(rand, 0, sizeof buf);
        for (gsize k = 0; k < len; k++)
            buf[k] = symbols[g_rand_int_range(rand, 0, sizeof symbols - 1)];
        decoded d = run(buf, len, (gsize)g_rand_int_range(rand, 0, 4096));
        results[d.result]++;
        clear(&d);
    }
    g_rand_free(rand);
    for (int r = 0; r <= XMT_LZSTRING_OUTPUT_LIMIT; r++)
        g_test_message("%s: %u", xmt_lzstring_result_name((xmt_lzstring_result)r), results[r]);
    /* Random bits mostly name entries that do not exist yet. */
    g_assert_cmpuint(results[XMT_LZSTRING_BAD_CODE], >, 0);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/lzstring/library_vectors", test_library_vectors);
    g_test_add_func("/lzstring/unicode", test_unicode);
    g_test_add_func("/lzstring/empty_text", test_empty_text);
    g_test_add_func("/lzstring/space_is_plus", test_space_is_plus);
    g_test_add_func("/lzstring/json_prefix", test_json_prefix);
    g_test_add_func("/lzstring/bomb", test_bomb);
    g_test_add_func("/lzstring/limit_on_characters", test_limit_on_characters);
    g_test_add_func("/lzstring/malformed_files", test_malformed_files);
    g_test_add_func("/lzstring/every_cut", test_every_cut);
    g_test_add_func("/lzstring/handmade", test_handmade);
    g_test_add_func("/lzstring/result_names", test_result_names);
    g_test_add_func("/lzstring/random_symbols", test_random_symbols);
    return g_test_run();
}
