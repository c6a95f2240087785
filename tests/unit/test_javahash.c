/* test_javahash.c: Java String.hashCode() over UTF-8 (layers/xmt_javahash.h). */
#include <glib.h>
#include <string.h>

#include "layers/xmt_javahash.h"
#include "test_common.h"

static gint32 hash(const char *s)
{
    return xmt_java_hash((const guint8 *)s, strlen(s));
}

static void test_ascii(void)
{
    g_assert_cmpint(hash(""), ==, 0);
    g_assert_cmpint(xmt_java_hash(NULL, 0), ==, 0);
    g_assert_cmpint(hash("a"), ==, 97);
    g_assert_cmpint(hash("ab"), ==, 97 * 31 + 98);
    g_assert_cmpint(hash("hello"), ==, 99162322);
    /* Only len bytes are read. */
    g_assert_cmpint(xmt_java_hash((const guint8 *)"hello world", 5), ==, 99162322);
    /* A NUL byte is a code unit like any other: 'a'*31^2 + 0*31 + 'b'. */
    g_assert_cmpint(xmt_java_hash((const guint8 *)"a\0b", 3), ==, 97 * 961 + 98);
}

static void test_negative(void)
{
    /* Known Java values: "polygenelubricants".hashCode() == Integer.MIN_VALUE. */
    g_assert_cmpint(hash("polygenelubricants"), ==, G_MININT32);
    /* The overflow wraps modulo 2^32: 31 * 99162322 + 33 ("hello!"). */
    g_assert_cmpint(hash("hello!"), ==, (gint32)(31u * 99162322u + 33u));
    g_assert_cmpint(hash("hello world"), ==, 1794106052);
    g_assert_cmpint(hash("Hello, World!"), ==, 1498789909);
    g_assert_cmpint(hash("The quick brown fox jumps over the lazy dog"), <, 0);
    g_assert_cmpint(hash("The quick brown fox jumps over the lazy dog"), ==,
                    test_java_hash_ref("The quick brown fox jumps over the lazy dog"));
}

static void test_non_ascii(void)
{
    /* 中国移动: U+4E2D U+56FD U+79FB U+52A8, one UTF-16 unit each:
     * 0x4E2D*31^3 + 0x56FD*31^2 + 0x79FB*31 + 0x52A8
     * = 20013*29791 + 22269*961 + 31227*31 + 21160 = 618596989. */
    g_assert_cmpint(hash("\xe4\xb8\xad\xe5\x9b\xbd\xe7\xa7\xbb\xe5\x8a\xa8"), ==, 618596989);
    /* é (2 UTF-8 bytes, one unit 0xE9). */
    g_assert_cmpint(hash("caf\xc3\xa9"), ==, ((99 * 31 + 97) * 31 + 102) * 31 + 0xE9);
    /* U+FFFD itself, written validly (EF BF BD). */
    g_assert_cmpint(hash("\xef\xbf\xbd"), ==, 0xFFFD);
}

static void test_supplementary(void)
{
    /* U+1F600 is the surrogate pair D83D DE00 in UTF-16. */
    g_assert_cmpint(hash("\xf0\x9f\x98\x80"), ==, 0xD83D * 31 + 0xDE00);
    g_assert_cmpint(hash("\xf0\x9f\x98\x80"), ==, 1772899);
    /* U+10000 (D800 DC00) and U+10FFFF (DBFF DFFF). */
    g_assert_cmpint(hash("\xf0\x90\x80\x80"), ==, 0xD800 * 31 + 0xDC00);
    g_assert_cmpint(hash("\xf4\x8f\xbf\xbf"), ==, 0xDBFF * 31 + 0xDFFF);
    g_assert_cmpint(hash("a\xf0\x9f\x98\x80z"), ==, ((97 * 31 + 0xD83D) * 31 + 0xDE00) * 31 + 'z');
}

static void test_invalid_utf8(void)
{
    /* An invalid byte counts as U+FFFD. */
    g_assert_cmpint(hash("a\xff" "b"), ==, 97 * 961 + 0xFFFD * 31 + 98);
    g_assert_cmpint(hash("a\xff" "b"), ==, 2124838);
    g_assert_cmpint(hash("\x80"), ==, 0xFFFD);
    g_assert_cmpint(hash("\xfe\xff"), ==, 0xFFFD * 31 + 0xFFFD);
    /* A sequence cut by the end of the data: one U+FFFD per byte, as documented. */
    g_assert_cmpint(hash("\xe4\xb8"), ==, 0xFFFD * 31 + 0xFFFD);
    /* ... and the text after a bad byte is read normally. */
    g_assert_cmpint(hash("\xc3" "A"), ==, 0xFFFD * 31 + 'A');
    /* The length cuts a valid sequence in two. */
    g_assert_cmpint(xmt_java_hash((const guint8 *)"\xc3\xa9", 1), ==, 0xFFFD);
}

static void test_reference(void)
{
    /* Valid UTF-8 of every width agrees with the UTF-16 reference. */
    static const char *const texts[] = {
        "data_list", "{\"a\":\"\xe8\x8b\xb9\xe6\x9e\x9c\"}", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82",
        "mixed \xc3\xa9 \xe4\xb8\xad \xf0\x9f\x98\x80 end", "\x7f\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++)
        g_assert_cmpint(hash(texts[i]), ==, test_java_hash_ref(texts[i]));
}

static void test_vectors(void)
{
    /* docs/formats/sensors.md, "Test vectors", vector 1: the base64 text of the logstash sample
     * (its percent-encoding undone), hashed by Java to 287666751. */
    static const char vector1_b64[] =
        "H4sIAAAAAAAA/1WPQU7DMBBF7zJlmcZJ2xSRJWuQ2MAGoWqwp+20bhzZ06Kqygm4AuIMLNhwoYpjYEe0iJX93x/9P/N4AMNBuNEyYwM1lKPx"
        "pJpCBsIbgrqcRFlNr8ZVURQR7tsIQTzqdZyhHTUS9QPTy513Zqsl0ta7lrwwBagPSSXep/fh2Rk1mCrg+/Xr+P4Gf1xbDIHn++gdPz7/e61n"
        "3e/VZWD5OTVc9C/cuEUQDMs4nMhsRz6wa6JT5GVenvCGZOnSpeKcDSdqSJBtSsF2K2joFvW1c+thPCu3TqMdDNR9iJFqTs1ixbhiUn2Esr/F"
        "58/wMhUqg4IjhdB1Tz8MgoViZwEAAA==";
    g_assert_cmpint(hash(vector1_b64), ==, 287666751);

    /* Vector 3: the JS beacon's base64 data, crc -729583015. */
    static const char vector3_b64[] =
        "eyJkaXN0aW5jdF9pZCI6IjE3MThhMmIzYzRkLTBlNWY2YTdiOGM5ZDBlLTEyMzQ1Njc4LTFmYTQwMC0xNzE4YTJiM2M0ZTVmIiwibGliIjp7"
        "IiRsaWIiOiJqcyIsIiRsaWJfbWV0aG9kIjoiY29kZSIsIiRsaWJfdmVyc2lvbiI6IjEuMTUuMTYifSwicHJvcGVydGllcyI6eyIkdGltZXpv"
        "bmVfb2Zmc2V0IjotMTIwLCIkc2NyZWVuX2hlaWdodCI6ODAwLCIkc2NyZWVuX3dpZHRoIjoxMjgwLCIkbGliIjoianMiLCIkbGliX3ZlcnNp"
        "b24iOiIxLjE1LjE2IiwiJHVybCI6Imh0dHBzOi8vZXhhbXBsZS5jb20vIiwiJHRpdGxlIjoiRXhhbXBsZSJ9LCJ0eXBlIjoidHJhY2siLCJl"
        "dmVudCI6IiRwYWdldmlldyIsIl90cmFja19pZCI6NDEyMzQ1Njc4LCJfZmx1c2hfdGltZSI6MTU4ODI5MTIxNTAwMH0=";
    g_assert_cmpint(hash(vector3_b64), ==, -729583015);
}

static void test_every_length(void)
{
    /* Four characters are hashed at a time while they are ASCII: every
     * prefix (each alignment, each meeting with a multi-byte character)
     * must agree with the one-unit-at-a-time reference. */
    const char *text = "ab\xc3\xa9" "cdefg\xf0\x9f\x98\x80hijklmnopqrstu\xe4\xb8\xadvw";
    guint checked = 0;
    for (gsize n = 0; n <= strlen(text); n++) {
        char *prefix = g_strndup(text, n);
        if (g_utf8_validate(prefix, -1, NULL)) {
            g_assert_cmpint(hash(prefix), ==, test_java_hash_ref(prefix));
            checked++;
        }
        g_free(prefix);
    }
    g_assert_cmpuint(checked, ==, g_utf8_strlen(text, -1) + 1);  /* every character boundary */
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/javahash/ascii", test_ascii);
    g_test_add_func("/javahash/negative", test_negative);
    g_test_add_func("/javahash/non-ascii", test_non_ascii);
    g_test_add_func("/javahash/supplementary", test_supplementary);
    g_test_add_func("/javahash/invalid-utf8", test_invalid_utf8);
    g_test_add_func("/javahash/reference", test_reference);
    g_test_add_func("/javahash/vectors", test_vectors);
    g_test_add_func("/javahash/every-length", test_every_length);
    return g_test_run();
}
