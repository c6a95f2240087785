/* test_base64.c: the base64 layer (layers/xmt_base64.h). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_base64.h"
#include "test_common.h"

/* Vector 2 of docs/formats/sensors.md, "Test vectors": base64(gzip(JSON)), 684 characters. */
static const char vector2_b64[] =
    "H4sIAAAAAAAC/5WTbWvbMBDHv0pR9jJxLD80iWGMMlbIi25jha4whpCls33Uljw9xAul372Su9DmzaAvjPFPd3/d/e/865EwZ7h4YChJtaJZWuSbfJeVS+JwAFLRcrvNdoGnNMsDPI4BkjmFLIlE61AJN2eTvKFixzNYXdZUrgqxgdVO5uUq5Vso6qzZCEpDUo81qR7Jh/lNrpQ0OqQvZ8AOYCxqFdWSLKFp5Hwcz3iRpKfwAVyn491CSzhBCY5jH+CAHpO21zXva6MnCyYRehi0YrW3qMDapE1wseCLxa32RsA19rBYUPK0JHAA5YLGyFtgveaSzYRZx40LN41Gj2Acgn1fMwNXvuHCeQMmHNwj1wPOB6GDWPQPkANefNUOLraRa3surO0b3f8aZIUBUGxC6bowyXSbvsIOsO1Cf1leRDphg6RyxkP4UOAmbR7Yv2H/3F/vo5zgxuBc9J2WvNFqNhwta9BYxyQ/kqrhvY0SEg4o4GUtSk7rTOSygLK55Js6ZHn/noVB5cCEoqL3zgc7aLC/567RZnj15mocQ2wc+Rsv7ihN0qQMz/fP32729zenEAPtS8SX24Ds0ToYWM9V68O8AwbL5hNv4kw650ZbrdfTNCXwlw9jD3GT1ha4Ed2nPx8dWBe3hjW9tx07/3domabp0+9npKkzQmwDAAA=";

/* Every byte value, so the encoding uses all 64 symbols. */
static guint8 all_bytes[256];

static void init_all_bytes(void)
{
    for (int i = 0; i < 256; i++)
        all_bytes[i] = (guint8)i;
}

/* Decodes text (must succeed) and compares with the expected bytes. */
static void expect_decodes_to(const char *text, gsize text_len, const guint8 *expect, gsize expect_len)
{
    gsize n = 0xdead;
    char *error = NULL;
    guint8 *out = xmt_base64_decode((const guint8 *)text, text_len, &n, &error);
    if (!out)
        g_test_message("unexpected error on \"%.*s\": %s", (int)MIN(text_len, 80), text, error);
    g_assert_null(error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, n, expect, expect_len);
    g_free(out);
}

/* Decodes text (must fail); returns the reason, which the caller frees. */
static char *expect_error(const char *text, gsize text_len)
{
    gsize n = 0;
    char *error = NULL;
    guint8 *out = xmt_base64_decode((const guint8 *)text, text_len, &n, &error);
    g_assert_null(out);
    g_assert_nonnull(error);
    g_assert_cmpstr(error, !=, "");
    return error;
}

static void test_standard(void)
{
    expect_decodes_to("SGVsbG8sIHdvcmxkIQ==", 20, (const guint8 *)"Hello, world!", 13);
    expect_decodes_to("QUJD", 4, (const guint8 *)"ABC", 3);
    /* The symbols '+' and '/' of the standard alphabet. */
    expect_decodes_to("++++////", 8, (const guint8 *)"\xfb\xef\xbe\xff\xff\xff", 6);
    /* All 256 byte values, encoded by GLib. */
    char *b64 = g_base64_encode(all_bytes, sizeof all_bytes);
    g_assert_nonnull(strchr(b64, '+'));
    g_assert_nonnull(strchr(b64, '/'));
    expect_decodes_to(b64, strlen(b64), all_bytes, sizeof all_bytes);
    g_free(b64);
}

static void test_vector2(void)
{
    gsize n = 0;
    char *error = NULL;
    guint8 *out = xmt_base64_decode((const guint8 *)vector2_b64, strlen(vector2_b64), &n, &error);
    g_assert_null(error);
    g_assert_nonnull(out);
    g_assert_cmpuint(strlen(vector2_b64), ==, 684);
    g_assert_cmpuint(n, ==, 684 / 4 * 3 - 1);   /* one '=' of padding */
    g_assert_cmpmem(out, 3, "\x1f\x8b\x08", 3);  /* a gzip member */
    g_free(out);
}

static void test_url_safe(void)
{
    char *b64 = g_base64_encode(all_bytes, sizeof all_bytes);
    g_strdelimit(b64, "+", '-');
    g_strdelimit(b64, "/", '_');
    g_assert_null(strchr(b64, '+'));
    g_assert_null(strchr(b64, '/'));
    expect_decodes_to(b64, strlen(b64), all_bytes, sizeof all_bytes);
    g_free(b64);
    expect_decodes_to("----____", 8, (const guint8 *)"\xfb\xef\xbe\xff\xff\xff", 6);
    /* Both alphabets mixed in one text. */
    expect_decodes_to("+-/_", 4, (const guint8 *)"\xfb\xef\xff", 3);
}

static void test_unpadded(void)
{
    /* Lengths 1..6 cover 2 and 1 padding characters and none. */
    for (gsize len = 1; len <= 6; len++) {
        char *b64 = g_base64_encode(all_bytes + 200, len);
        char *eq = strchr(b64, '=');
        if (eq)
            *eq = '\0';
        expect_decodes_to(b64, strlen(b64), all_bytes + 200, len);
        g_free(b64);
    }
    expect_decodes_to("QQ", 2, (const guint8 *)"A", 1);
    expect_decodes_to("QUI", 3, (const guint8 *)"AB", 2);
}

static void test_crlf_wrapped(void)
{
    /* Lines of 76 symbols ended by CRLF, and a final CRLF. */
    char *b64 = g_base64_encode(all_bytes, sizeof all_bytes);
    static const char *const breaks[] = { "\r\n", "\n" };  /* LF: as g_base64_encode_step(break_lines) */
    for (gsize k = 0; k < G_N_ELEMENTS(breaks); k++) {
        GString *wrapped = g_string_new(NULL);
        for (gsize i = 0; b64[i]; i++) {
            if (i > 0 && i % 76 == 0)
                g_string_append(wrapped, breaks[k]);
            g_string_append_c(wrapped, b64[i]);
        }
        g_string_append(wrapped, breaks[k]);
        g_assert_nonnull(strstr(wrapped->str, breaks[k]));
        expect_decodes_to(wrapped->str, wrapped->len, all_bytes, sizeof all_bytes);
        g_string_free(wrapped, TRUE);
    }
    g_free(b64);
}

static void test_space_is_plus(void)
{
    /* A form decoder upstream may have turned '+' into ' '. */
    expect_decodes_to("  ++", 4, (const guint8 *)"\xfb\xef\xbe", 3);
    char *b64 = g_base64_encode(all_bytes, sizeof all_bytes);
    g_strdelimit(b64, "+", ' ');
    expect_decodes_to(b64, strlen(b64), all_bytes, sizeof all_bytes);
    g_free(b64);
}

static void test_empty(void)
{
    g_free(expect_error("", 0));
    g_free(expect_error("\r\n", 2));
    g_free(expect_error("==", 2));
}

static void test_invalid_character(void)
{
    char *error = expect_error("QUJD*EFG", 8);
    g_assert_nonnull(strstr(error, "offset 4"));
    g_free(error);
    /* A '%' left over from percent-encoding. */
    error = expect_error("H4sI%2BAAA", 10);
    g_assert_nonnull(strstr(error, "offset 4"));
    g_free(error);
    /* A byte outside ASCII; the offset counts skipped line breaks too. */
    error = expect_error("QU\r\nJD\xc3\xa9", 8);
    g_assert_nonnull(strstr(error, "offset 6"));
    g_free(error);
    /* '.' belongs to no alphabet. */
    error = expect_error("QUJD.", 5);
    g_assert_nonnull(strstr(error, "offset 4"));
    g_free(error);
}

static void test_data_after_padding(void)
{
    char *error = expect_error("QQ==QUJD", 8);
    g_assert_nonnull(strstr(error, "padding"));
    g_assert_nonnull(strstr(error, "offset 4"));
    g_free(error);
    error = expect_error("QUI=x", 5);
    g_assert_nonnull(strstr(error, "offset 4"));
    g_free(error);
    /* A line break after the padding is not data. */
    expect_decodes_to("QQ==\r\n", 6, (const guint8 *)"A", 1);
}

static void test_impossible_length(void)
{
    /* One symbol left over cannot encode a byte. */
    char *error = expect_error("QUJDR", 5);
    g_assert_nonnull(strstr(error, "length"));
    g_free(error);
    g_free(expect_error("Q", 1));
    g_free(expect_error("Q===", 4));
    /* More than two padding characters. */
    g_free(expect_error("QQ===", 5));
}

static void test_has_payload_prefix(void)
{
    static const struct { const char *text; gboolean expect; } cases[] = {
        { "H4sIAAAAAAAA", TRUE },  /* gzip */
        { "H4sI", TRUE },
        { "eJxLTEoGAAJNASc=", TRUE },  /* zlib 78 9c */
        { "eyJh", TRUE },          /* {" */
        { "W3si", TRUE },          /* [{ */
        { "W3", TRUE },
        { "H4s", FALSE },          /* too short for the gzip marker */
        { "e", FALSE },
        { "W", FALSE },
        { "", FALSE },
        { "SGVsbG8=", FALSE },
        { "aGVsbG8=", FALSE },
        { "hello", FALSE },
        { "ex", FALSE },
        { "W4", FALSE },
        { "h4sI", FALSE },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean got = xmt_base64_has_payload_prefix((const guint8 *)cases[i].text, strlen(cases[i].text));
        if (got != cases[i].expect)
            g_test_message("prefix of \"%s\"", cases[i].text);
        g_assert_cmpint(got, ==, cases[i].expect);
    }
    /* The length bounds what is read. */
    g_assert_false(xmt_base64_has_payload_prefix((const guint8 *)"H4sI", 3));
    g_assert_false(xmt_base64_has_payload_prefix((const guint8 *)"eyJh", 1));

    /* The markers are those of real encodings. */
    static const char json_array[] = "[{\"event\":\"x\"}]";
    static const char json_object[] = "{\"event\":\"x\"}";
    gsize n = 0;
    guint8 *gz = test_gzip(json_array, strlen(json_array), &n);
    guint8 *zl = test_compress(json_array, strlen(json_array), TEST_WBITS_ZLIB, 6, &n);
    char *texts[] = {
        g_base64_encode(gz, 16),
        g_base64_encode(zl, 16),
        g_base64_encode((const guint8 *)json_array, strlen(json_array)),
        g_base64_encode((const guint8 *)json_object, strlen(json_object)),
    };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_assert_true(xmt_base64_has_payload_prefix((const guint8 *)texts[i], strlen(texts[i])));
        g_free(texts[i]);
    }
    g_free(gz);
    g_free(zl);
}

/* Decodes text and checks it gives exactly want[0..n). */
static void assert_decodes_to(const char *text, const guint8 *want, gsize n)
{
    gsize out_len = 0;
    char *error = NULL;
    guint8 *out = xmt_base64_decode((const guint8 *)text, strlen(text), &out_len, &error);
    g_assert_null(error);
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, want, n);
    g_free(out);
}

static void test_every_length(void)
{
    /* Whole quads are decoded four symbols at a time, the rest one by one:
     * every length 1..64, in each spelling, against GLib's encoder. */
    guint8 bytes[64];
    for (gsize i = 0; i < sizeof bytes; i++)
        bytes[i] = (guint8)(i * 37 + 11);
    for (gsize n = 1; n <= sizeof bytes; n++) {
        char *std = g_base64_encode(bytes, n);
        assert_decodes_to(std, bytes, n);
        char *unpadded = g_strdup(std);
        g_strdelimit(unpadded, "=", '\0');
        assert_decodes_to(unpadded, bytes, n);
        char *url = g_strdup(std);
        g_strdelimit(url, "+", '-');
        g_strdelimit(url, "/", '_');
        assert_decodes_to(url, bytes, n);
        /* a line break after every 5th symbol breaks the quads up */
        GString *wrapped = g_string_new(NULL);
        for (gsize i = 0; std[i]; i++) {
            g_string_append_c(wrapped, std[i]);
            if (i % 5 == 4)
                g_string_append(wrapped, "\r\n");
        }
        assert_decodes_to(wrapped->str, bytes, n);
        g_string_free(wrapped, TRUE);
        g_free(url);
        g_free(unpadded);
        g_free(std);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    init_all_bytes();
    g_test_add_func("/base64/standard", test_standard);
    g_test_add_func("/base64/vector2", test_vector2);
    g_test_add_func("/base64/url-safe", test_url_safe);
    g_test_add_func("/base64/unpadded", test_unpadded);
    g_test_add_func("/base64/crlf-wrapped", test_crlf_wrapped);
    g_test_add_func("/base64/space-is-plus", test_space_is_plus);
    g_test_add_func("/base64/empty", test_empty);
    g_test_add_func("/base64/invalid-character", test_invalid_character);
    g_test_add_func("/base64/data-after-padding", test_data_after_padding);
    g_test_add_func("/base64/impossible-length", test_impossible_length);
    g_test_add_func("/base64/has-payload-prefix", test_has_payload_prefix);
    g_test_add_func("/base64/every-length", test_every_length);
    return g_test_run();
}
