/* fuzz_form.c: splitting form bodies and URI queries (layers/xmt_form.h). */
#include "fuzz_common.h"
#include "layers/xmt_form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *in = g_malloc(size ? size : 1);
    memcpy(in, data, size);
    xmt_form form;
    if (xmt_form_parse(in, size, &form)) {
        if (form.count == 0 || form.count > XMT_FORM_MAX_PARAMS)
            FUZZ_FAIL("%u parameters", form.count);
        for (guint i = 0; i < form.count; i++) {
            const xmt_form_param *p = &form.params[i];
            if ((guint64)p->key_off + p->key_len > size || (guint64)p->val_off + p->val_len > size || p->key_len == 0)
                FUZZ_FAIL("parameter %u: key %u+%u, value %u+%u of %" G_GSIZE_FORMAT " bytes",
                          i, p->key_off, p->key_len, p->val_off, p->val_len, size);
            char *key = g_strndup((const char *)in + p->key_off, p->key_len);
            const xmt_form_param *found = xmt_form_find(&form, key);
            if (!found || found > p)
                FUZZ_FAIL("parameter %u not found by its key", i);
            g_free(key);
            char *value = xmt_form_value_dup(&form, p);  /* text for a field (xmt_form.h) */
            if (!g_utf8_validate(value, -1, NULL) && !fuzz_ignored("utf8"))
                FUZZ_FAIL("decoded value is not valid UTF-8");
            g_free(value);
            gint64 v;
            (void)xmt_form_value_int64(&form, p, &v);
            (void)xmt_form_value_starts(&form, p, "crc%3D");
            (void)xmt_form_value_starts(&form, p, "");
        }
        (void)xmt_form_find(&form, "data_list");
    }
    g_free(in);
    return 0;
}
