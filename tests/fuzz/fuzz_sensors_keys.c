/* fuzz_sensors_keys.c: the Sensors AES key finder (formats/xmt_sensors_keys.h)
 * over any body: every key it returns must lie inside the body and agree
 * with the bytes there. */
#include "fuzz_common.h"
#include "formats/xmt_sensors_keys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    guint8 *body = g_malloc(size ? size : 1);
    memcpy(body, data, size);
    gboolean marker = xmt_sensors_body_may_have_keys(body, size);
    GArray *keys = xmt_sensors_find_keys(body, size, 8);
    if (keys->len > 8)
        FUZZ_FAIL("%u keys, more than asked", keys->len);
    if (keys->len && !marker)
        FUZZ_FAIL("keys in a body without the marker");
    for (guint i = 0; i < keys->len; i++) {
        const xmt_sensors_key *k = &g_array_index(keys, xmt_sensors_key, i);
        if (k->object_off + k->object_len > size || k->object_len > XMT_SENSORS_KEYS_MAX_OBJECT)
            FUZZ_FAIL("object %" G_GSIZE_FORMAT "+%" G_GSIZE_FORMAT " outside the body", k->object_off, k->object_len);
        if (k->k_off < k->object_off || k->k_off + k->k_len > k->object_off + k->object_len ||
            k->kid_off < k->object_off || k->kid_off + k->kid_len > k->object_off + k->object_len ||
            (k->khash_len && k->khash_off + k->khash_len > k->object_off + k->object_len))
            FUZZ_FAIL("a value outside its object");
        if (strlen(k->k_text) != k->k_len || memcmp(k->k_text, body + k->k_off, k->k_len) != 0)
            FUZZ_FAIL("k_text is not the bytes at k_off");
        if (!k->key || k->key_len == 0 || !k->key_id || !k->key_id[0])
            FUZZ_FAIL("a key without bytes or id");
        if (k->khash && (strlen(k->khash) != k->khash_len || memcmp(k->khash, body + k->khash_off, k->khash_len) != 0))
            FUZZ_FAIL("khash is not the bytes at khash_off");
    }
    xmt_sensors_keys_free(keys);
    g_free(body);
    return 0;
}
