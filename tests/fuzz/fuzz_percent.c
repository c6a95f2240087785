/* fuzz_percent.c: the percent-encoding layer (layers/xmt_percent.h).
 * The output buffer has exactly the room the API promises (len bytes), so
 * ASan reports any write past it. */
#include "fuzz_common.h"
#include "layers/xmt_percent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *in = g_malloc(size ? size : 1);
    memcpy(in, data, size);
    guint8 *out = g_malloc(size ? size : 1);
    guint bad = 0;
    gsize first_bad = G_MAXSIZE;
    gboolean needed = xmt_percent_needed(in, size);
    gsize n = xmt_percent_decode(in, size, out, &bad, &first_bad);
    if (n > size)
        FUZZ_FAIL("decoded %" G_GSIZE_FORMAT " bytes from %" G_GSIZE_FORMAT, n, size);
    if (!needed && (n != size || memcmp(in, out, size) != 0))
        FUZZ_FAIL("text without '%%' changed by decoding");
    if (bad > 0 && (first_bad >= size || in[first_bad] != '%'))
        FUZZ_FAIL("first malformed escape reported at %" G_GSIZE_FORMAT, first_bad);
    /* NULL counters are allowed. */
    if (xmt_percent_decode(in, size, out, NULL, NULL) != n)
        FUZZ_FAIL("decoding is not repeatable");
    /* Text for a field: valid UTF-8 (xmt_percent.h). */
    char *q = xmt_percent_decode_query_value((const char *)in, size);
    if (!g_utf8_validate(q, -1, NULL) && !fuzz_ignored("utf8"))
        FUZZ_FAIL("query value is not valid UTF-8");
    g_free(q);
    g_free(out);
    g_free(in);
    return 0;
}
