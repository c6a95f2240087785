/* test_percent.c: the percent-encoding layer (layers/xmt_percent.h). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_percent.h"

/* Decodes a C string; returns the output as a NUL-terminated copy and its
 * length in *out_len.  bad and first may be NULL. */
static char *decode(const char *in, gsize *out_len, guint *bad, gsize *first)
{
    gsize len = strlen(in);
    guint8 *out = g_malloc(len + 1);
    gsize n = xmt_percent_decode((const guint8 *)in, len, out, bad, first);
    g_assert_cmpuint(n, <=, len);
    out[n] = '\0';
    if (out_len)
        *out_len = n;
    return (char *)out;
}

/* Decodes and checks the text, the bad-escape count and the first offset. */
static void check(const char *in, const char *expect, guint expect_bad, gsize expect_first)
{
    guint bad = 12345;
    gsize first = 54321;
    gsize n = 0;
    char *out = decode(in, &n, &bad, &first);
    g_assert_cmpstr(out, ==, expect);
    g_assert_cmpuint(n, ==, strlen(expect));
    g_assert_cmpuint(bad, ==, expect_bad);
    if (expect_bad > 0)
        g_assert_cmpuint(first, ==, expect_first);
    g_free(out);
}

static void test_plain_text(void)
{
    static const char text[] = "crc=156315496&gzip=1&data_list=H4sIAAAA_-.~";
    g_assert_false(xmt_percent_needed((const guint8 *)text, strlen(text)));
    check(text, text, 0, 0);
    check("", "", 0, 0);
}

static void test_needed(void)
{
    g_assert_true(xmt_percent_needed((const guint8 *)"a%2Bb", 5));
    g_assert_true(xmt_percent_needed((const guint8 *)"%", 1));
    /* Only the given length is looked at. */
    g_assert_false(xmt_percent_needed((const guint8 *)"ab%2B", 2));
    g_assert_false(xmt_percent_needed((const guint8 *)"", 0));
}

static void test_hex_upper_and_lower(void)
{
    check("%2B%2F%3D", "+/=", 0, 0);
    check("%2b%2f%3d", "+/=", 0, 0);
    check("%2b%2F%3d%aA%Aa", "+/=\xaa\xaa", 0, 0);
    /* UTF-8 in escapes: 中 is E4 B8 AD. */
    check("%E4%B8%AD%e5%9b%bd", "\xe4\xb8\xad\xe5\x9b\xbd", 0, 0);
    check("H4sIAAAAAAAC%2F5WT%3D%3D", "H4sIAAAAAAAC/5WT==", 0, 0);
}

static void test_nul_escape(void)
{
    /* %00 gives a real NUL byte in the output; the length says so. */
    gsize n = 0;
    guint bad = 1;
    char *out = decode("a%00b", &n, &bad, NULL);
    g_assert_cmpuint(n, ==, 3);
    g_assert_cmpmem(out, n, "a\0b", 3);
    g_assert_cmpuint(bad, ==, 0);
    g_free(out);
}

static void test_plus_kept(void)
{
    /* In base64 and JSON a raw '+' is a '+', never a space. */
    check("a+b%2Bc", "a+b+c", 0, 0);
    check("++", "++", 0, 0);
}

static void test_bad_escapes(void)
{
    check("x%G1y", "x%G1y", 1, 1);      /* not hex */
    check("%1G", "%1G", 1, 0);          /* second digit not hex */
    check("abc%", "abc%", 1, 3);        /* '%' at the end */
    check("ab%4", "ab%4", 1, 2);        /* one digit at the end */
    check("%%41", "%A", 1, 0);          /* the bad '%' does not eat a good escape */
    check("ok%41%zz%4", "okA%zz%4", 2, 5);
    check("%%%", "%%%", 3, 0);
    check("%20%", " %", 1, 3);
}

static void test_null_out_params(void)
{
    /* bad_count and first_bad may both be NULL. */
    gsize n = 0;
    char *out = decode("%G1%41", &n, NULL, NULL);
    g_assert_cmpstr(out, ==, "%G1A");
    g_free(out);
    /* first_bad alone. */
    gsize first = 0;
    out = decode("zz%", NULL, NULL, &first);
    g_assert_cmpuint(first, ==, 2);
    g_free(out);
}

static void test_query_value(void)
{
    char *v = xmt_percent_decode_query_value("a+b%20c%2B", 10);
    g_assert_cmpstr(v, ==, "a b c+");
    g_free(v);
    /* The length bounds the input: "&rest" is not read. */
    v = xmt_percent_decode_query_value("q+x&rest", 3);
    g_assert_cmpstr(v, ==, "q x");
    g_free(v);
    v = xmt_percent_decode_query_value("caf%C3%A9+au+lait", strlen("caf%C3%A9+au+lait"));
    g_assert_cmpstr(v, ==, "caf\xc3\xa9 au lait");
    g_free(v);
    v = xmt_percent_decode_query_value("", 0);
    g_assert_cmpstr(v, ==, "");
    g_free(v);
    /* Bad escapes are kept as sent here too. */
    v = xmt_percent_decode_query_value("50%+off%", 8);
    g_assert_cmpstr(v, ==, "50% off%");
    g_free(v);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/percent/plain-text", test_plain_text);
    g_test_add_func("/percent/needed", test_needed);
    g_test_add_func("/percent/hex-upper-and-lower", test_hex_upper_and_lower);
    g_test_add_func("/percent/nul-escape", test_nul_escape);
    g_test_add_func("/percent/plus-kept", test_plus_kept);
    g_test_add_func("/percent/bad-escapes", test_bad_escapes);
    g_test_add_func("/percent/null-out-params", test_null_out_params);
    g_test_add_func("/percent/query-value", test_query_value);
    return g_test_run();
}
