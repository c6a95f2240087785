/* fuzz_decode.c: the whole chain, from an HTTP body or GET query to events.
 *
 * Input: two selector bytes (fuzz_common.h: body or URI query, request URI,
 * Host, Content-Type, headers, limits), then the body or query.  Exercises
 * xmt_recognise() and xmt_decode() exactly as the Wireshark glue calls them,
 * so every format of the table (formats/xmt_format_list.h) is fuzzed here, and checks the decoded message's invariants. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request f;
    if (!fuzz_request_from(&f, data, size))
        return 0;
    const xmt_format *recognised = xmt_recognise(&f.req, XMT_ALL_FORMATS);
    xmt_message *msg = xmt_decode(&f.req, &f.cfg);
    if (msg) {
        /* The http heuristic decodes only what xmt_recognise() accepts; the
         * media-type hooks decode directly.  Both must agree on the SDK. */
        if (!recognised || strcmp(msg->sdk, recognised->name) != 0)
            FUZZ_FAIL("xmt_decode() gave SDK %s, xmt_recognise() said %s", msg->sdk,
                      recognised ? recognised->name : "none");
        fuzz_check_message(msg, &f.req);
        /* What the tree does with each layer: take its bytes over. */
        for (guint i = 0; i < msg->layers->len; i++)
            g_free(xmt_message_steal_layer(msg, (int)i));
        xmt_message_free(msg);
    } else if (recognised) {
        FUZZ_FAIL("xmt_recognise() said SDK %s, xmt_decode() gave nothing", recognised->name);
    }
    fuzz_request_clear(&f);
    return 0;
}
