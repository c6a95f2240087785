/* xmt_sign.c: recomputing the MD5 form signatures of MiStat and OneTrack. */
#include "formats/xmt_sign.h"

#include "layers/xmt_percent.h"

#include <string.h>
#include <wsutil/wsgcrypt.h>

typedef struct {
    char *key;
    char *value;
} pair;

/* A raw form key or value as the SDK held it before URLEncoder. */
static char *form_decode(const guint8 *raw, gsize len, gboolean plus_is_space)
{
    guint8 *copy = g_malloc(len + 1);  /* a key or value is not NUL-terminated in the form */
    memcpy(copy, raw, len);
    copy[len] = '\0';
    if (plus_is_space)
        for (gsize i = 0; i < len; i++)
            if (copy[i] == '+')
                copy[i] = ' ';
    char *out = g_malloc(len + 1);
    gsize n = xmt_percent_decode(copy, len, (guint8 *)out, NULL, NULL);
    out[n] = '\0';
    g_free(copy);
    return out;
}

static gint pair_cmp(gconstpointer a, gconstpointer b)
{
    /* Java sorts the keys by UTF-16 unit; for the ASCII keys these SDKs use, by byte. */
    return strcmp(((const pair *)a)->key, ((const pair *)b)->key);
}

/* The signed pairs: every one but sign, sorted by key.  A key's leading
 * spaces are OneTrack's "? " GET bug (docs/formats/onetrack.md, "Signature"), not the key. */
static GArray *signed_pairs(const xmt_form *form, gboolean plus_is_space)
{
    GArray *pairs = g_array_sized_new(FALSE, FALSE, sizeof(pair), form->count);
    for (guint i = 0; i < form->count; i++) {
        const xmt_form_param *p = &form->params[i];
        char *key = form_decode(form->base + p->key_off, p->key_len, plus_is_space);
        gsize skip = strspn(key, " ");
        if (strcmp(key + skip, "sign") == 0 || key[skip] == '\0') {
            g_free(key);
            continue;
        }
        memmove(key, key + skip, strlen(key + skip) + 1);
        pair pr = { key, form_decode(form->base + p->val_off, p->val_len, plus_is_space) };
        g_array_append_val(pairs, pr);
    }
    g_array_sort(pairs, pair_cmp);
    return pairs;
}

void xmt_sign_compute(const xmt_form *form, const char *salt, gboolean plus_is_space, char out[33])
{
    GArray *pairs = signed_pairs(form, plus_is_space);
    GString *text = g_string_new(NULL);
    for (guint i = 0; i < pairs->len; i++) {
        pair *pr = &g_array_index(pairs, pair, i);
        g_string_append(text, pr->key);
        g_string_append(text, pr->value);
        g_free(pr->key);
        g_free(pr->value);
    }
    g_array_free(pairs, TRUE);
    g_string_append(text, salt);
    if (!gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
        gcry_check_version(NULL);  /* unit tests and fuzzers; Wireshark has done it */
    guint8 md5[HASH_MD5_LENGTH];
    gcry_md_hash_buffer(GCRY_MD_MD5, md5, text->str, text->len);
    g_string_free(text, TRUE);
    for (int i = 0; i < HASH_MD5_LENGTH; i++)
        g_snprintf(out + 2 * i, 3, "%02x", md5[i]);
}

static gboolean form_has_plus(const xmt_form *form)
{
    for (guint i = 0; i < form->count; i++) {
        const xmt_form_param *p = &form->params[i];
        if (memchr(form->base + p->key_off, '+', p->val_off + p->val_len - p->key_off))
            return TRUE;
    }
    return FALSE;
}

void xmt_sign_check(xmt_message *msg, const xmt_form *form, const char *salt)
{
    const xmt_form_param *sign = xmt_form_find(form, "sign");
    if (!sign || form->truncated)
        return;  /* no signature, or not every signed pair in view */
    char *sent = xmt_form_value_dup(form, sign);
    char expected[33];
    xmt_sign_compute(form, salt, TRUE, expected);
    gboolean valid = strcmp(sent, expected) == 0;
    /* URLEncoder never sends a literal '+', but a client with another
     * encoder may: a signature that verifies either way is genuine. */
    if (!valid && form_has_plus(form)) {
        xmt_sign_compute(form, salt, FALSE, expected);
        valid = strcmp(sent, expected) == 0;
    }
    g_free(sent);
    msg->has_sign = TRUE;
    msg->sign_valid = valid;
}
