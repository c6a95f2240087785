/* fuzz_format.c: one format module's own decoder, called directly.
 *
 * Built once per module of plugin/formats/ whose header declares the usual
 * pair (tests/fuzz/CMakeLists.txt finds them):
 *   gboolean xmt_NAME_recognise(const xmt_request *, const xmt_form *);
 *   void     xmt_NAME_decode(const xmt_request *, const xmt_form *, const xmt_config *, xmt_message *);
 * with XMT_FUZZ_FORMAT_HEADER, XMT_FUZZ_RECOGNISE, XMT_FUZZ_DECODE and
 * XMT_FUZZ_SDK defined.  Unlike fuzz_decode, no other module can claim the
 * input first, so the module sees everything its own recognition accepts.
 * Input layout: as fuzz_decode (fuzz_common.h). */
#include "fuzz_common.h"
#include "layers/xmt_form.h"
#include XMT_FUZZ_FORMAT_HEADER

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_request f;
    if (!fuzz_request_from(&f, data, size))
        return 0;
    xmt_form form;
    /* As xmt_decode(): a form split first; decoders are only called on what
     * their recognition accepted. */
    if (f.req.len > 0 && xmt_form_parse(f.req.data, f.req.len, &form) && XMT_FUZZ_RECOGNISE(&f.req, &form)) {
        xmt_message *msg = xmt_message_new(XMT_FUZZ_SDK);
        XMT_FUZZ_DECODE(&f.req, &form, &f.cfg, msg);
        for (guint i = 0; i < msg->events->len; i++)
            if (!((xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
                msg->event_count++;
        fuzz_check_message(msg, &f.req);
        xmt_message_free(msg);
    }
    fuzz_request_clear(&f);
    return 0;
}
