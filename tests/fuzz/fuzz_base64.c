/* fuzz_base64.c: the base64 layer (layers/xmt_base64.h), every alphabet. */
#include "fuzz_common.h"
#include "layers/xmt_base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *in = g_malloc(size ? size : 1);
    memcpy(in, data, size);
    (void)xmt_base64_has_payload_prefix(in, size);
    gsize n = 0;
    char *error = NULL;
    guint8 *out = xmt_base64_decode(in, size, &n, &error);
    if (out) {
        if (error)
            FUZZ_FAIL("bytes and an error");
        if (n > size / 4 * 3 + 3)
            FUZZ_FAIL("%" G_GSIZE_FORMAT " bytes decoded from %" G_GSIZE_FORMAT " symbols", n, size);
        /* Every decoded byte must be readable (ASan) and initialised (MSan, valgrind). */
        guint8 sum = 0;
        for (gsize i = 0; i < n; i++)
            sum ^= out[i];
        (void)sum;
        g_free(out);
    } else {
        if (!error)
            FUZZ_FAIL("no bytes and no error");
        if (!g_utf8_validate(error, -1, NULL))
            FUZZ_FAIL("error not UTF-8");
        g_free(error);
    }
    g_free(in);
    return 0;
}
