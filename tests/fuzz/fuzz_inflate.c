/* fuzz_inflate.c: the compression layer (layers/xmt_inflate.h).
 *
 * Input: one byte choosing the stream kind (low 2 bits: as sniffed, gzip,
 * zlib, raw deflate) and the output limit (bits 2-3: 1 byte, 64 bytes,
 * 64 KiB, the plugin's default 16 MiB), then the compressed bytes.  A
 * decompression bomb must stop at the limit. */
#include "fuzz_common.h"
#include "layers/xmt_inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const gsize limits[4] = { 1, 64, 64 * 1024, XMT_DEFAULT_MAX_INFLATED };
    if (size < 1)
        return 0;
    const uint8_t sel = data[0];
    guint8 *in = g_malloc(size - 1 ? size - 1 : 1);
    memcpy(in, data + 1, size - 1);
    gsize len = size - 1;

    xmt_compression kind = xmt_inflate_sniff(in, len);
    switch (sel & 3) {
    case 1: kind = XMT_COMPRESSION_GZIP; break;
    case 2: kind = XMT_COMPRESSION_ZLIB; break;
    case 3: kind = XMT_COMPRESSION_DEFLATE; break;
    default: break;  /* as sniffed, NONE included */
    }
    const gsize limit = limits[(sel >> 2) & 3];
    gsize n = 12345;
    char *error = NULL;
    guint8 *out = xmt_inflate(in, len, kind, limit, &n, &error);
    if (out) {
        if (n == 0 || n > limit)
            FUZZ_FAIL("%" G_GSIZE_FORMAT " bytes inflated with a limit of %" G_GSIZE_FORMAT, n, limit);
        guint8 sum = 0;
        for (gsize i = 0; i < n; i++)
            sum ^= out[i];
        (void)sum;
        g_free(out);
    } else {
        if (!error)
            FUZZ_FAIL("no bytes and no error");
        if (n != 0)
            FUZZ_FAIL("no bytes, but a length of %" G_GSIZE_FORMAT, n);
    }
    if (error && !g_utf8_validate(error, -1, NULL))
        FUZZ_FAIL("error not UTF-8");
    g_free(error);
    g_free(in);
    return 0;
}
