/* fuzz_format.c: one format of the table, alone.
 *
 * Built once per row of plugin/formats/xmt_format_list.h, with
 * XMT_FUZZ_FORMAT its name (tests/fuzz/harnesses.cmake), so every format
 * has a harness of its own, raw-body decoders (OneTrack's) included.
 * Recognition and decoding go through the dispatch with only that format
 * enabled: unlike fuzz_decode, no other format can claim the input first,
 * so the module sees everything its own recognition accepts.
 * Input layout: as fuzz_decode (fuzz_common.h). */
#include "fuzz_common.h"
#include "formats/xmt_dispatch.h"

static guint64 only_this_format(void)
{
    for (guint i = 0; i < xmt_format_count(); i++)
        if (strcmp(xmt_format_at(i)->name, XMT_FUZZ_FORMAT) == 0)
            return (guint64)1 << i;
    FUZZ_FAIL("no format %s in the table", XMT_FUZZ_FORMAT);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static guint64 enabled;
    if (!enabled)
        enabled = only_this_format();
    fuzz_request f;
    if (!fuzz_request_from(&f, data, size))
        return 0;
    const xmt_format *format = xmt_recognise(&f.req, enabled);
    if (format) {
        xmt_message *msg = xmt_decode_as(&f.req, format, &f.cfg);
        if (!msg)
            FUZZ_FAIL("%s recognised the request and decoded nothing", format->name);
        fuzz_check_message(msg, &f.req);
        xmt_message_free(msg);
    }
    fuzz_request_clear(&f);
    return 0;
}
