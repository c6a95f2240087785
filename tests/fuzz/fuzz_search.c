/* fuzz_search.c: reading a search back from a result URL (core/xmt_search.h,
 * GLib's GUri underneath), and the Sensors CRC (layers/xmt_javahash.h) over
 * the same bytes. */
#include "fuzz_common.h"
#include "core/xmt_search.h"
#include "layers/xmt_javahash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *in = g_malloc(size ? size : 1);
    memcpy(in, data, size);
    (void)xmt_java_hash(in, size);
    g_free(in);

    /* Facts are NUL-terminated, valid UTF-8 strings (xmt_json_text()). */
    char *url = g_utf8_make_valid((const char *)data, (gssize)strnlen((const char *)data, size));
    char *term = xmt_search_term_from_url(url);
    if (term) {
        if (term[0] == '\0')
            FUZZ_FAIL("empty search term");
        /* The term becomes a string field: it must be valid UTF-8. */
        if (!g_utf8_validate(term, -1, NULL) && !fuzz_ignored("utf8"))
            FUZZ_FAIL("search term is not valid UTF-8");
        g_free(term);
    }
    g_free(url);
    return 0;
}
