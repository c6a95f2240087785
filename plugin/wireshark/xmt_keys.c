/* xmt_keys.c: the key table and the keys found in the capture (xmt_keys.h).
 *
 * Passes.  What the core may open depends on the keys known when a frame is
 * dissected, so every pass must agree on them:
 *  - keys are FOUND on the first pass only (a frame not yet visited), put in
 *    a file-scope store, and the frame keeps what was found in it (file-scope
 *    proto data, per body);
 *  - every pass READS the store as it stands.  On the first pass that is the
 *    keys of the frames before (an upload after its page opens; one before
 *    says the key is not known yet); on any later pass it is the whole
 *    capture's, and nothing adds to it any more.
 * So tshark's one pass opens uploads after their page, the second pass of
 * tshark -2 opens every upload, and every later dissection in the GUI
 * (clicking a packet, a filter, a tap) reads the same full store and builds
 * the tree the second pass of tshark -2 built.  A frame with a page shows on
 * later passes what its first pass found, read back, not looked for again.
 * A full redissection (a changed preference or key table) starts a new
 * file scope: the frames are first-pass again and the store is refilled.
 * (A live capture grows the store while earlier frames are looked at: those
 * show the keys found up to then.) */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/exceptions.h>
#include <epan/show_exception.h>
#include <epan/proto_data.h>
#include <epan/uat.h>

#include "formats/xmt_dispatch.h"
#include "formats/xmt_sensors_keys.h"
#include "layers/xmt_base64.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_keys.h"
#include "wireshark/xmt_report.h"
#include "wireshark/xmt_ws_compat.h"

/* Keys looked at in one body: a page configures one plugin, a bundle of
 * several sites' code a few. */
#define KEYS_PER_BODY 16u
/* Per-frame keys (xmtrack's proto data): the n-th page body of the frame. */
#define XMT_KEY_PAGE_BASE 0x4000u
#define XMT_KEY_PAGE_COUNT 0x40ffu

/* The SDKs whose payloads take keys from the table, and what opens them. */
static const char *const keyed_sdks[] = { "sensors" };

/* ---- the key table (UAT xmtrack_keys) ------------------------------------ */

typedef struct {
    char *sdk;
    char *key_id;
    char *key;
} key_record;

typedef struct {
    char *sdk, *key_id;
    guint8 *key;
    gsize len;
} table_key;

static key_record *key_records;
static guint key_record_count;
static GArray *table;  /* of table_key, parsed from the records after every change */

UAT_CSTRING_CB_DEF(keys, sdk, key_record)
UAT_CSTRING_CB_DEF(keys, key_id, key_record)
UAT_CSTRING_CB_DEF(keys, key, key_record)

static gboolean all_hex(const char *text, gsize len)
{
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isxdigit(text[i]))
            return FALSE;
    return TRUE;
}

/* A key as the user writes it: 32, 48 or 64 hex digits are hex (base64 of a
 * 16, 24 or 32-byte key is 24, 32 or 44 characters, and 32 base64
 * characters that are all hex digits are as likely as a guessed key); any
 * other text is base64, either alphabet.  The bytes, or NULL with *error. */
static guint8 *parse_key(const char *text, gsize *len, char **error)
{
    gsize n = strlen(text);
    guint8 *key = NULL;
    if ((n == 32 || n == 48 || n == 64) && all_hex(text, n)) {
        key = g_malloc(n / 2);
        for (gsize i = 0; i < n / 2; i++)
            key[i] = (guint8)(g_ascii_xdigit_value(text[2 * i]) << 4 | g_ascii_xdigit_value(text[2 * i + 1]));
        *len = n / 2;
    } else {
        char *why = NULL;
        key = n ? xmt_base64_decode((const guint8 *)text, n, len, &why) : NULL;
        if (!key) {
            *error = g_strdup_printf("The key is neither hex (32, 48 or 64 hex digits) nor base64: %s",
                                     why ? why : "it is empty");
            g_free(why);
            return NULL;
        }
    }
    if (*len != 16 && *len != 24 && *len != 32) {
        *error = g_strdup_printf("The key is %" G_GSIZE_FORMAT " bytes; an AES key is 16, 24 or 32 bytes (AES-128, "
                                 "-192, -256): as the page's k (base64) or as 32, 48 or 64 hex digits", *len);
        g_free(key);
        return NULL;
    }
    return key;
}

static gboolean keyed_sdk(const char *sdk)
{
    for (gsize i = 0; i < G_N_ELEMENTS(keyed_sdks); i++)
        if (sdk && strcmp(sdk, keyed_sdks[i]) == 0)
            return TRUE;
    return FALSE;
}

static xmt_uat_cb_result keys_update(void *r, char **error)
{
    const key_record *rec = r;
    if (!keyed_sdk(rec->sdk)) {
        *error = g_strdup_printf("SDK \"%s\" takes no keys: the SDK column is one of: sensors", rec->sdk ? rec->sdk : "");
        return FALSE;
    }
    if (!rec->key_id || !rec->key_id[0] || strpbrk(rec->key_id, " \t\r\n")) {
        *error = g_strdup("The key id must be the id the uploads name (key_id, the page's kid), without spaces");
        return FALSE;
    }
    gsize len = 0;
    guint8 *key = parse_key(rec->key ? rec->key : "", &len, error);
    g_free(key);
    return key != NULL;
}

static void *keys_copy(void *dest, const void *src, size_t len _U_)
{
    key_record *d = dest;
    const key_record *s = src;
    d->sdk = g_strdup(s->sdk);
    d->key_id = g_strdup(s->key_id);
    d->key = g_strdup(s->key);
    return d;
}

static void keys_free(void *r)
{
    key_record *rec = r;
    g_free(rec->sdk);
    g_free(rec->key_id);
    g_free(rec->key);
}

static void table_clear(void)
{
    for (guint i = 0; table && i < table->len; i++) {
        table_key *k = &g_array_index(table, table_key, i);
        g_free(k->sdk);
        g_free(k->key_id);
        g_free(k->key);
    }
    if (table)
        g_array_set_size(table, 0);
}

/* Records that fail the update check never reach the table; parsed again
 * here (a file may have been edited by hand), a bad one is left out. */
static void keys_rebuild(void)
{
    if (!table)
        table = g_array_new(FALSE, TRUE, sizeof(table_key));
    table_clear();
    for (guint i = 0; i < key_record_count; i++) {
        const key_record *rec = &key_records[i];
        char *error = NULL;
        table_key k = { g_strdup(rec->sdk), g_strdup(rec->key_id), NULL, 0 };
        k.key = keyed_sdk(rec->sdk) && rec->key_id ? parse_key(rec->key ? rec->key : "", &k.len, &error) : NULL;
        g_free(error);
        if (k.key) {
            g_array_append_val(table, k);
        } else {
            g_free(k.sdk);
            g_free(k.key_id);
        }
    }
}

/* The table lives as long as the UAT, which Wireshark never frees: released
 * at shutdown so a leak check sees only real leaks. */
static void keys_shutdown(void)
{
    table_clear();
    if (table)
        g_array_free(table, TRUE);
    table = NULL;
}

/* ---- keys found in the capture ------------------------------------------- */

typedef struct {
    const char *sdk, *key_id;
    guint8 *key;
    gsize key_len;
    char *key_base64;       /* the key in standard base64, as the key table takes it */
    const char *host;       /* the page's Host, or NULL */
    guint32 frame;          /* where it was first found */
    char *source;           /* "found in frame N", what the upload's key_source says */
    gboolean kid_quoted;    /* kid written as a string: the plugin refuses it and sends in clear */
} found_key;

/* Where a key stands in one body, for the items that point at it. */
typedef struct {
    const found_key *key;
    guint32 object_off, object_len, k_off, k_len, kid_off, kid_len;
} key_place;

typedef struct {
    guint n;
    key_place places[];
} body_keys;

/* "sdk\nkey_id" -> wmem_array of found_key *, in the order found (file scope). */
static wmem_map_t *found;

static char *store_name(const char *sdk, const char *key_id)
{
    return g_strconcat(sdk, "\n", key_id, NULL);
}

static wmem_array_t *found_for(const char *sdk, const char *key_id)
{
    char *name = store_name(sdk, key_id);
    wmem_array_t *keys = wmem_map_lookup(found, name);
    g_free(name);
    return keys;
}

/* A key is stored once, with the first frame that carried it (a page may be
 * loaded many times); several keys may share an id (several sites). */
static const found_key *remember(const char *sdk, const xmt_sensors_key *k, guint32 frame, const char *host)
{
    wmem_array_t *keys = found_for(sdk, k->key_id);
    for (guint i = 0; keys && i < wmem_array_get_count(keys); i++) {
        const found_key *f = *(found_key **)wmem_array_index(keys, i);
        if (f->key_len == k->key_len && memcmp(f->key, k->key, k->key_len) == 0)
            return f;
    }
    wmem_allocator_t *scope = wmem_file_scope();
    if (!keys) {
        char *name = store_name(sdk, k->key_id);
        keys = wmem_array_new(scope, sizeof(found_key *));
        wmem_map_insert(found, wmem_strdup(scope, name), keys);
        g_free(name);
    }
    found_key *f = wmem_new0(scope, found_key);
    f->sdk = wmem_strdup(scope, sdk);
    f->key_id = wmem_strdup(scope, k->key_id);
    f->key = wmem_memdup(scope, k->key, k->key_len);
    f->key_len = k->key_len;
    char *b64 = g_base64_encode(k->key, k->key_len);
    f->key_base64 = wmem_strdup(scope, b64);
    g_free(b64);
    f->host = host ? wmem_strdup(scope, host) : NULL;
    f->frame = frame;
    f->source = wmem_strdup_printf(scope, "found in frame %u", frame);
    f->kid_quoted = k->kid_quoted;
    wmem_array_append_one(keys, f);
    return f;
}

const guint8 *xmt_keys_find(void *ctx _U_, const char *sdk, const char *key_id, guint nth, gsize *len,
                            const char **source)
{
    for (guint i = 0; table && i < table->len; i++) {
        const table_key *k = &g_array_index(table, table_key, i);
        if (strcmp(k->sdk, sdk) != 0 || strcmp(k->key_id, key_id) != 0 || nth-- > 0)
            continue;
        *len = k->len;
        if (source)
            *source = "key table";
        return k->key;
    }
    wmem_array_t *keys = found_for(sdk, key_id);
    if (!keys || nth >= wmem_array_get_count(keys))
        return NULL;
    const found_key *f = *(found_key **)wmem_array_index(keys, nth);
    *len = f->key_len;
    if (source)
        *source = f->source;
    return f->key;
}

/* ---- pages and scripts ---------------------------------------------------- */

static gboolean sensors_enabled(void)
{
    for (guint i = 0; i < xmt_format_count(); i++)
        if (strcmp(xmt_format_at(i)->name, "sensors") == 0)
            return (xmt_pref.formats >> i) & 1;
    return FALSE;
}

/* The n-th page body of this frame gets the n-th slot. */
static guint next_page_slot(packet_info *pinfo)
{
    guint n = GPOINTER_TO_UINT(p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_PAGE_COUNT));
    p_set_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_PAGE_COUNT, GUINT_TO_POINTER(n + 1));
    return XMT_KEY_PAGE_BASE + MIN(n, 0xfeu);
}

/* First pass: the keys a body hands out, stored and kept with the frame.
 * An ordinary page costs one memmem (xmt_sensors_body_may_have_keys). */
static const body_keys *find_in_body(tvbuff_t *body, packet_info *pinfo, xmt_page_host_fn host_of, void *host_data,
                                     guint slot)
{
    guint len = tvb_captured_length(body);
    const guint8 *bytes = len ? tvb_get_ptr(body, 0, (gint)len) : NULL;
    if (!bytes || !xmt_sensors_body_may_have_keys(bytes, len))
        return NULL;
    GArray *keys = xmt_sensors_find_keys(bytes, len, KEYS_PER_BODY);
    body_keys *b = NULL;
    if (keys->len) {
        const char *host = host_of(pinfo, host_data);
        b = wmem_alloc(wmem_file_scope(), sizeof *b + keys->len * sizeof(key_place));
        b->n = keys->len;
        for (guint i = 0; i < keys->len; i++) {
            const xmt_sensors_key *k = &g_array_index(keys, xmt_sensors_key, i);
            key_place *p = &b->places[i];
            p->key = remember("sensors", k, pinfo->num, host);
            p->object_off = (guint32)k->object_off;
            p->object_len = (guint32)k->object_len;
            p->k_off = (guint32)k->k_off;
            p->k_len = (guint32)k->k_len;
            p->kid_off = (guint32)k->kid_off;
            p->kid_len = (guint32)k->kid_len;
        }
        p_add_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, slot, b);
    }
    xmt_sensors_keys_free(keys);
    return b;
}

static void show_key(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, const key_place *p)
{
    const found_key *f = p->key;
    proto_item *ti;
    proto_tree *kt = proto_tree_add_subtree_format(tree, body, (gint)p->object_off, (gint)p->object_len,
                                                   xmt_ett.found_key, &ti,
                                                   "Vendor Telemetry: Sensors AES key found, key_id %s (AES-%u)",
                                                   f->key_id, (guint)f->key_len * 8);
    proto_item_set_generated(proto_tree_add_string(kt, xmt_hf.found_sdk, body, (gint)p->object_off,
                                                   (gint)p->object_len, f->sdk));
    proto_tree_add_string(kt, xmt_hf.found_key_id, body, (gint)p->kid_off, (gint)p->kid_len, f->key_id);
    proto_tree_add_string(kt, xmt_hf.found_key, body, (gint)p->k_off, (gint)p->k_len, f->key_base64);
    const char *first = f->frame != pinfo->num ? wmem_strdup_printf(pinfo->pool, " (first found in frame %u)", f->frame)
                                               : "";
    if (f->kid_quoted)
        expert_add_info_format(pinfo, ti, &xmt_ei.key_found,
                               "Sensors AES key key_id %s found in frame %u%s, but its kid is written as a string: "
                               "the SDK's AES plugin refuses it and sends in clear", f->key_id, pinfo->num, first);
    else
        expert_add_info_format(pinfo, ti, &xmt_ei.key_found,
                               "Sensors AES key key_id %s found in frame %u%s: the page hands it to the SDK's AES "
                               "plugin (k, kid); it opens the uploads that name key_id %s", f->key_id, pinfo->num,
                               first, f->key_id);
}

static void report(packet_info *pinfo, const body_keys *b)
{
    xmt_report_key *keys = wmem_alloc_array(pinfo->pool, xmt_report_key, b->n);
    for (guint i = 0; i < b->n; i++) {
        const found_key *f = b->places[i].key;
        xmt_report_key k = { f->sdk, f->key_id, f->key_base64, f->host, f->frame };
        keys[i] = k;
    }
    xmt_report_queue_keys(pinfo, keys, b->n);
}

static void page_body(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, xmt_page_host_fn host_of,
                      void *host_data)
{
    guint slot = next_page_slot(pinfo);
    const body_keys *b = PINFO_FD_VISITED(pinfo) ? p_get_proto_data(wmem_file_scope(), pinfo, proto_xmtrack, slot)
                                                 : find_in_body(body, pinfo, host_of, host_data, slot);
    if (!b)
        return;
    /* Expert items name the protocol they were raised in: ours, not HTTP's. */
    const char *saved_proto = pinfo->current_proto;
    pinfo->current_proto = "XMTRACK";
    for (guint i = 0; tree && i < b->n; i++)
        show_key(body, pinfo, tree, &b->places[i]);
    pinfo->current_proto = saved_proto;
    report(pinfo, b);
}

void xmt_keys_page_body(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, xmt_page_host_fn host_of,
                        void *host_data)
{
    if (!sensors_enabled())
        return;
    TRY {
        page_body(body, pinfo, tree, host_of, host_data);
    }
    CATCH_NONFATAL_ERRORS {
        show_exception(body, pinfo, tree, EXCEPT_CODE, GET_MESSAGE);
    }
    ENDTRY;
}

/* ---- registration ---------------------------------------------------------- */

void xmt_keys_register(module_t *module)
{
    static uat_field_t fields[] = {
        UAT_FLD_CSTRING(keys, sdk, "SDK", "The SDK whose payloads the key opens (xmtrack.sdk): sensors"),
        UAT_FLD_CSTRING(keys, key_id, "Key ID", "The id the uploads name the key by (xmtrack.key_id; the page's kid)"),
        UAT_FLD_CSTRING(keys, key, "Key", "The key: base64, as the page writes it (k), or 32, 48 or 64 hex digits"),
        UAT_END_FIELDS
    };
    uat_t *uat = uat_new("xmtrack keys", sizeof(key_record), "xmtrack_keys", TRUE, &key_records, &key_record_count,
                         UAT_AFFECTS_DISSECTION, NULL, keys_copy, keys_update, keys_free, keys_rebuild, NULL, fields);
    prefs_register_uat_preference(module, "keys", "Keys",
        "Keys of enciphered payloads whose key is not secret: the Sensors web SDK's AES plugin gets its key from the "
        "site's page, so every visitor has it. Keys found in the capture's pages are used too (tshark -z "
        "xmtrack,keys lists them).", uat);
    found = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_str_hash, g_str_equal);
    register_shutdown_routine(keys_shutdown);
}
