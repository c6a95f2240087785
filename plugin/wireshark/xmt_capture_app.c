/* xmt_capture_app.c: the app the capturing tool attributed a packet to
 * (xmt_capture_app.h).  The formats are PCAPdroid's, read from its source
 * and described with citations in docs/formats/pcapdroid.md; what is read
 * where, per Wireshark version, is its section 4:
 *
 *   the uid of a pcapng packet   its record's own comments (the EPB options)
 *   uid -> package, label        the custom blocks (PEN 62652), read by a
 *                                postdissector on the first pass into a map
 *                                of the file, used on every pass
 *   uid and label of a pcap      the trailer at the end of the frame's bytes
 *   names a capture lacks        the user's table, UAT xmtrack_apps
 *
 * All three Wireshark versions show custom blocks as frames of their own and
 * keep a packet's comments in its record's block, so the same code serves
 * 4.0, 4.4 and 4.6. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/proto_data.h>
#include <epan/uat.h>
#include <epan/crc32-tvb.h>
#include <wiretap/wtap.h>
#include <wsutil/strtoi.h>

#include "wireshark/xmt_capture_app.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_ws_compat.h"

/* PCAPdroid's constants (pcap_dump.h l. 27-31, 165-178). */
#define PCAPDROID_PEN 62652u            /* Emanuele Faranda's Private Enterprise Number */
#define PCAPDROID_BLOCK_VERSION 1u
#define PCAPDROID_BLOCK_UID_MAP 1u
#define UID_MAP_HEADER 10u              /* version 2, type 1, padding 1, uid 4, two lengths 1 + 1 */
#define TRAILER_MAGIC 0x01072021u
#define TRAILER_LEN 32                  /* magic 4, uid 4, appname 20, fcs 4 */
#define TRAILER_LABEL_LEN 20
#define TRAILER_MIN_FRAME 47            /* PCAPdroid's reader: an Ethernet frame longer than 46 bytes */
#define UID_UNKNOWN (-1)                /* Utils.UID_UNKNOWN: PCAPdroid could not attribute the packet */

static int hf_capture_app = -1, hf_capture_uid = -1, hf_capture_app_label = -1, hf_capture_app_differs = -1;
static expert_field ei_app_mismatch = EI_INIT, ei_mark_bad = EI_INIT, ei_table_conflict = EI_INIT;

/* ---- the capture's own table: uid -> names, per file ------------------ */

typedef struct {
    const char *package, *label;  /* as the block names them (may be empty) */
} uid_names;

/* (pcapng section << 32 | uid) -> uid_names, in file scope: sections are
 * independent, and merged captures may hold two phones' tables. */
static wmem_map_t *capture_table;

static guint64 *table_key(wmem_allocator_t *scope, guint section, gint32 uid)
{
    guint64 *key = wmem_new(scope, guint64);
    *key = ((guint64)section << 32) | (guint32)uid;
    return key;
}

/* Reads one uid-map block (pcap_dump.c dump_pcapng_uid_mapping, l. 459-498):
 * NULL when it was read, else why not. */
static const char *read_uid_map(tvbuff_t *tvb, packet_info *pinfo)
{
    guint len = tvb_captured_length(tvb);
    if (len < 2)
        return "the block is too short for its version";
    /* Written in the phone's byte order, which the version field tells. */
    guint enc = ENC_LITTLE_ENDIAN;
    guint16 version = tvb_get_letohs(tvb, 0);
    if (version != PCAPDROID_BLOCK_VERSION) {
        enc = ENC_BIG_ENDIAN;
        version = tvb_get_ntohs(tvb, 0);
    }
    if (version != PCAPDROID_BLOCK_VERSION)
        return wmem_strdup_printf(pinfo->pool, "version %u is not known (1 is)", tvb_get_letohs(tvb, 0));
    if (len < UID_MAP_HEADER)
        return wmem_strdup_printf(pinfo->pool, "%u bytes are too short for a uid map (%u)", len, UID_MAP_HEADER);
    guint8 type = xmt_tvb_get_u8(tvb, 2);
    if (type != PCAPDROID_BLOCK_UID_MAP)
        return wmem_strdup_printf(pinfo->pool, "block type %u is not known (1, the uid map, is)", type);
    gint32 uid = (gint32)(enc == ENC_LITTLE_ENDIAN ? tvb_get_letohl(tvb, 4) : tvb_get_ntohl(tvb, 4));
    guint package_len = xmt_tvb_get_u8(tvb, 8), label_len = xmt_tvb_get_u8(tvb, 9);
    if (UID_MAP_HEADER + package_len + label_len > len)
        return wmem_strdup_printf(pinfo->pool, "the names of uid %d (%u and %u bytes) run past the block's end",
                                  uid, package_len, label_len);
    if (PINFO_FD_VISITED(pinfo))
        return NULL;  /* read on the first pass */
    uid_names *names = wmem_new(wmem_file_scope(), uid_names);
    /* UTF-8 as PCAPdroid copies it, cut by bytes: made valid for string fields */
    names->package = (const char *)tvb_get_string_enc(wmem_file_scope(), tvb, UID_MAP_HEADER, (gint)package_len, ENC_UTF_8);
    names->label = (const char *)tvb_get_string_enc(wmem_file_scope(), tvb, UID_MAP_HEADER + package_len,
                                                    (gint)label_len, ENC_UTF_8);
    wmem_map_insert(capture_table, table_key(wmem_file_scope(), pinfo->rec->section_number, uid), names);
    return NULL;
}

/* At the end of every packet (the plugin's postdissector, xmt_proto.c),
 * because custom blocks are frames of their own in 4.0, 4.4 and 4.6, and 4.0
 * has no dissector table for them.  Every other frame costs this one test. */
int xmt_capture_app_packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    if (pinfo->rec->rec_type != REC_TYPE_CUSTOM_BLOCK ||
        pinfo->rec->rec_header.custom_block_header.pen != PCAPDROID_PEN)
        return 0;
    const char *problem = read_uid_map(tvb, pinfo);
    if (!problem)
        return 0;  /* nothing shown: the block stays Wireshark's ("PCAPNG Custom Block") */
    proto_tree_add_expert_format(tree, pinfo, &ei_mark_bad, tvb, 0, (gint)tvb_captured_length(tvb),
                                 "PCAPdroid uid map (custom block, PEN 62652): %s; not read", problem);
    return tvb_captured_length(tvb);
}

/* ---- the user's table: UAT xmtrack_apps ------------------------------- */

typedef struct {
    gint32 uid;
    char *package;
    char *label;
} app_record;

static app_record *app_records;
static guint app_record_count;
static GHashTable *apps_by_uid;  /* uid -> its first record; NULL when the table is empty */

UAT_SIGNED_DEC_CB_DEF(apps, uid, app_record)
UAT_CSTRING_CB_DEF(apps, package, app_record)
UAT_CSTRING_CB_DEF(apps, label, app_record)

static void *apps_copy(void *dest, const void *src, size_t len _U_)
{
    app_record *d = dest;
    const app_record *s = src;
    d->uid = s->uid;
    d->package = g_strdup(s->package);
    d->label = g_strdup(s->label);
    return d;
}

static void apps_free(void *r)
{
    app_record *rec = r;
    g_free(rec->package);
    g_free(rec->label);
}

static xmt_uat_cb_result apps_update(void *r, char **error)
{
    const app_record *rec = r;
    if ((!rec->package || !rec->package[0]) && (!rec->label || !rec->label[0])) {
        *error = g_strdup("Give the package name, the label, or both");
        return FALSE;
    }
    return TRUE;
}

static void apps_rebuild(void)
{
    if (apps_by_uid)
        g_hash_table_destroy(apps_by_uid);
    apps_by_uid = NULL;
    if (app_record_count == 0)
        return;
    apps_by_uid = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = app_record_count; i-- > 0;)  /* backwards: the first record of a uid stays */
        g_hash_table_insert(apps_by_uid, GINT_TO_POINTER(app_records[i].uid), &app_records[i]);
}

static const app_record *table_record(gint32 uid)
{
    return apps_by_uid ? g_hash_table_lookup(apps_by_uid, GINT_TO_POINTER(uid)) : NULL;
}

static const char *non_empty(const char *text)
{
    return text && text[0] ? text : NULL;
}

/* ---- a packet's mark --------------------------------------------------- */

/* What xmt_capture_mark_of() found for this packet (pinfo->pool proto data):
 * a packet's messages share it. */
#define XMT_KEY_CAPTURE_MARK 0x4c00u

typedef struct {
    xmt_capture_mark mark;
    gboolean marked;
    xmt_capture_mark_problem problem;
} packet_mark;

/* The packet's block, as the frame dissector takes it: the one the user
 * edited (comments changed in the GUI) if any, else the record's. */
static wtap_block_t packet_block(packet_info *pinfo)
{
    if (pinfo->fd->has_modified_block)
        return epan_get_modified_block(pinfo->epan, pinfo->fd);
    return pinfo->rec->block;
}

/* "u-<uid>" (pcap_dump.c l. 638-652: snprintf "u-%d"): exactly "u-", an
 * optional '-' and decimal digits that fit an int32. */
static gboolean parse_uid_comment(const char *text, gint32 *uid)
{
    const char *digits = text + 2 + (text[2] == '-');
    if (!g_ascii_isdigit(*digits))
        return FALSE;
    for (const char *p = digits; *p; p++)
        if (!g_ascii_isdigit(*p))
            return FALSE;
    return ws_strtoi32(text + 2, NULL, uid);
}

/* The first "u-" comment of the packet: TRUE and the uid when one was
 * found, and the reason in `problem` when it was no uid. */
static gboolean uid_from_comments(packet_info *pinfo, gint32 *uid, xmt_capture_mark_problem *problem)
{
    wtap_block_t block = pinfo->rec->rec_type == REC_TYPE_PACKET ? packet_block(pinfo) : NULL;
    guint n = block ? wtap_block_count_option(block, OPT_COMMENT) : 0;
    for (guint i = 0; i < n; i++) {
        char *text = NULL;
        if (wtap_block_get_nth_string_option_value(block, OPT_COMMENT, i, &text) != WTAP_OPTTYPE_SUCCESS || !text ||
            strncmp(text, "u-", 2) != 0)
            continue;  /* a comment of the user's, not PCAPdroid's */
        if (parse_uid_comment(text, uid))
            return TRUE;
        problem->reason = wmem_strdup_printf(pinfo->pool, "PCAPdroid comment \"%s\": not \"u-\" and a uid; "
                                             "the packet is not attributed", text);
        return FALSE;
    }
    return FALSE;
}

/* Names from the capture's own table, else from the user's. */
static void names_for_comment(packet_info *pinfo, xmt_capture_mark *mark)
{
    guint64 key = ((guint64)pinfo->rec->section_number << 32) | (guint32)mark->uid;
    const uid_names *names = wmem_map_lookup(capture_table, &key);
    if (names && (non_empty(names->package) || non_empty(names->label))) {
        mark->package = non_empty(names->package);
        mark->label = non_empty(names->label);
        return;
    }
    const app_record *rec = table_record(mark->uid);
    if (rec) {
        mark->package = non_empty(rec->package);
        mark->label = non_empty(rec->label);
        mark->from_table = TRUE;
    }
}

/* The frame's own bytes when it is Ethernet (PCAPdroid's pcap writes
 * LINKTYPE_ETHERNET only with its extensions on), else NULL. */
static tvbuff_t *ethernet_frame(packet_info *pinfo)
{
    if (pinfo->rec->rec_type != REC_TYPE_PACKET ||
        pinfo->rec->rec_header.packet_header.pkt_encap != WTAP_ENCAP_ETHERNET || !pinfo->data_src)
        return NULL;
    return get_data_source_tvb((const struct data_source *)pinfo->data_src->data);
}

/* The trailer (pcap_dump.c dump_packet_pcap, l. 365-447): the magic at 32
 * bytes from the end, then the uid (both big-endian), the label in 20 bytes
 * (NUL-padded, at most 19), and a CRC-32 of all before it, little-endian.
 * PCAPdroid's reader decides by the magic alone; the CRC is checked too,
 * so that no frame that merely ends in those four bytes is attributed. */
static gboolean uid_from_trailer(packet_info *pinfo, xmt_capture_mark *mark, const guint8 **raw_label,
                                 xmt_capture_mark_problem *problem)
{
    tvbuff_t *frame = ethernet_frame(pinfo);
    guint len = frame ? tvb_captured_length(frame) : 0;
    if (len < TRAILER_MIN_FRAME || len < 14 + TRAILER_LEN || tvb_get_ntohl(frame, len - TRAILER_LEN) != TRAILER_MAGIC)
        return FALSE;
    guint32 crc = crc32_ccitt_tvb_offset(frame, 0, len - 4), sent = tvb_get_letohl(frame, len - 4);
    if (crc != sent) {
        problem->reason = wmem_strdup_printf(pinfo->pool, "PCAPdroid trailer: its CRC-32 0x%08x does not match the "
                                             "frame's (0x%08x); the packet is not attributed", sent, crc);
        problem->frame = frame;
        problem->offset = (gint)(len - TRAILER_LEN);
        problem->length = TRAILER_LEN;
        return FALSE;
    }
    mark->source = XMT_MARK_TRAILER;
    mark->frame = frame;
    mark->uid_offset = (gint)(len - 28);
    mark->label_offset = (gint)(len - 24);
    mark->uid = (gint32)tvb_get_ntohl(frame, (gint)(len - 28));
    const guint8 *label = tvb_get_ptr(frame, mark->label_offset, TRAILER_LABEL_LEN);
    gsize label_len = strnlen((const char *)label, TRAILER_LABEL_LEN);
    if (label_len) {
        /* strncpy of at most 19 bytes: the cut may end inside a character */
        char *valid = g_utf8_make_valid((const char *)label, (gssize)label_len);
        mark->label = wmem_strdup(pinfo->pool, valid);
        g_free(valid);
        *raw_label = (const guint8 *)wmem_strndup(pinfo->pool, (const char *)label, label_len);
    }
    return TRUE;
}

/* A trailer carries no package: the user's table gives it, if its label
 * begins with the trailer's (uids are per phone: a table made on another
 * phone would name other apps). */
static void names_for_trailer(packet_info *pinfo, xmt_capture_mark *mark, const guint8 *raw_label)
{
    const app_record *rec = table_record(mark->uid);
    if (!rec)
        return;
    if (raw_label && !g_str_has_prefix(rec->label ? rec->label : "", (const char *)raw_label)) {
        mark->table_conflict = wmem_strdup_printf(pinfo->pool, "xmtrack_apps names uid %d \"%s\" (%s), the "
                                                  "capture's trailer \"%s\": the table is not used for this uid "
                                                  "(made on another phone?)", mark->uid, rec->label ? rec->label : "",
                                                  rec->package ? rec->package : "", mark->label);
        return;
    }
    mark->package = non_empty(rec->package);
    if (!mark->label)
        mark->label = non_empty(rec->label);
    mark->from_table = TRUE;
}

static void read_mark(packet_info *pinfo, packet_mark *pm)
{
    xmt_capture_mark *mark = &pm->mark;
    if (uid_from_comments(pinfo, &mark->uid, &pm->problem)) {
        mark->source = XMT_MARK_COMMENT;
        names_for_comment(pinfo, mark);
        pm->marked = TRUE;
    } else if (!pm->problem.reason) {
        const guint8 *raw_label = NULL;
        pm->marked = uid_from_trailer(pinfo, mark, &raw_label, &pm->problem);
        if (pm->marked)
            names_for_trailer(pinfo, mark, raw_label);
    }
    mark->app = mark->package ? mark->package : mark->label;
}

const xmt_capture_mark *xmt_capture_mark_of(packet_info *pinfo, xmt_capture_mark_problem *problem)
{
    packet_mark *pm = p_get_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_CAPTURE_MARK);
    if (!pm) {
        pm = wmem_new0(pinfo->pool, packet_mark);
        read_mark(pinfo, pm);
        p_add_proto_data(pinfo->pool, pinfo, proto_xmtrack, XMT_KEY_CAPTURE_MARK, pm);
    }
    if (problem)
        *problem = pm->problem;
    return pm->marked ? &pm->mark : NULL;
}

/* ---- payload and capture: the same app? -------------------------------- */

/* An Android package name (two or more Java identifiers joined by dots), as
 * payloads send it ($app_id, sender, pkg); app ids of other namespaces
 * (MiStat's "2882303761517123456", OneTrack's "31000000893") say nothing
 * about the package and are not compared. */
static gboolean looks_like_package(const char *text)
{
    guint parts = 0;
    for (const char *p = text; *p;) {
        if (!g_ascii_isalpha(*p) && *p != '_')
            return FALSE;
        while (g_ascii_isalnum(*p) || *p == '_')
            p++;
        parts++;
        if (*p == '.')
            p++;
        else if (*p)
            return FALSE;
        else
            break;
    }
    return parts >= 2 && text[strlen(text) - 1] != '.';
}

xmt_apps_verdict xmt_capture_app_verdict(const xmt_capture_mark *mark, const GArray *facts, const xmt_fact **which)
{
    *which = NULL;
    if (!mark || !mark->package || mark->uid == UID_UNKNOWN || !facts)
        return XMT_APPS_NO_VERDICT;
    xmt_apps_verdict verdict = XMT_APPS_NO_VERDICT;
    for (guint i = 0; i < facts->len; i++) {
        const xmt_fact *f = &g_array_index(facts, xmt_fact, i);
        if (f->id != XMT_FACT_APP || !f->str || !looks_like_package(f->str))
            continue;
        if (strcmp(f->str, mark->package) != 0) {
            *which = f;
            return XMT_APPS_DISAGREE;
        }
        if (!*which)
            *which = f;
        verdict = XMT_APPS_AGREE;
    }
    return verdict;
}

guint64 xmt_capture_app_facts_wanted(packet_info *pinfo, proto_tree *tree)
{
    if (!tree)
        return 0;
    if (proto_field_is_referenced(tree, hf_capture_app_differs) || proto_field_is_referenced(tree, ei_app_mismatch.hf))
        return XMT_FACT_BIT(XMT_FACT_APP);
    const xmt_capture_mark *mark = xmt_capture_mark_of(pinfo, NULL);
    return mark && mark->package && mark->uid != UID_UNKNOWN ? XMT_FACT_BIT(XMT_FACT_APP) : 0;
}

/* ---- the tree ----------------------------------------------------------- */

guint xmt_capture_app_message_items(const xmt_capture_mark *mark, const xmt_capture_mark_problem *problem,
                                    guint expert_items)
{
    if (!mark)
        return problem && problem->reason ? expert_items : 0;
    return 1 + (mark->app != NULL) + (mark->label != NULL) + (mark->table_conflict ? expert_items : 0);
}

static proto_item *generated_unless(proto_item *item, gboolean from_bytes)
{
    if (!from_bytes)
        proto_item_set_generated(item);
    return item;
}

void xmt_capture_app_add_message_fields(proto_tree *tree, packet_info *pinfo, tvbuff_t *input,
                                        const xmt_capture_mark *mark, const xmt_capture_mark_problem *problem)
{
    if (!mark) {
        if (problem && problem->reason)
            proto_tree_add_expert_format(tree, pinfo, &ei_mark_bad, problem->frame ? problem->frame : input,
                                         problem->frame ? problem->offset : 0, problem->frame ? problem->length : 0,
                                         "%s", problem->reason);
        return;
    }
    /* From the trailer, the uid and the label point at their bytes in the frame. */
    gboolean trailer = mark->source == XMT_MARK_TRAILER;
    gboolean app_is_trailer_label = trailer && mark->app == mark->label && !mark->from_table;
    if (mark->app)
        generated_unless(proto_tree_add_string(tree, hf_capture_app, app_is_trailer_label ? mark->frame : input,
                                               app_is_trailer_label ? mark->label_offset : 0,
                                               app_is_trailer_label ? TRAILER_LABEL_LEN : 0, mark->app),
                         app_is_trailer_label);
    generated_unless(proto_tree_add_int(tree, hf_capture_uid, trailer ? mark->frame : input,
                                        trailer ? mark->uid_offset : 0, trailer ? 4 : 0, mark->uid), trailer);
    if (mark->label) {
        gboolean label_in_frame = trailer && (!mark->from_table || mark->label != mark->app);
        generated_unless(proto_tree_add_string(tree, hf_capture_app_label, label_in_frame ? mark->frame : input,
                                               label_in_frame ? mark->label_offset : 0,
                                               label_in_frame ? TRAILER_LABEL_LEN : 0, mark->label),
                         label_in_frame);
    }
    if (mark->table_conflict)
        proto_tree_add_expert_format(tree, pinfo, &ei_table_conflict, input, 0, 0, "%s", mark->table_conflict);
}

guint xmt_capture_app_verdict_items(xmt_apps_verdict verdict, guint expert_items)
{
    return verdict == XMT_APPS_NO_VERDICT ? 0 : 1 + (verdict == XMT_APPS_DISAGREE ? expert_items : 0);
}

void xmt_capture_app_add_verdict(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint offset, gint length,
                                 const xmt_capture_mark *mark, xmt_apps_verdict verdict, const xmt_fact *which)
{
    if (verdict == XMT_APPS_NO_VERDICT)
        return;
    proto_item *it = proto_tree_add_boolean(tree, hf_capture_app_differs, tvb, offset, length,
                                            verdict == XMT_APPS_DISAGREE);
    proto_item_set_generated(it);
    if (verdict == XMT_APPS_DISAGREE)
        expert_add_info_format(pinfo, it, &ei_app_mismatch,
                               "The payload names app %s; PCAPdroid attributed the packet to %s (uid %d)",
                               which->str, mark->package, mark->uid);
}

/* ---- registration ------------------------------------------------------ */

void xmt_capture_app_register(int proto)
{
    static hf_register_info hf[] = {
        { &hf_capture_app, { "Capture app", "xmtrack.capture_app", FT_STRING, BASE_NONE, NULL, 0x0,
            "The app the capturing tool attributed the packet to (PCAPdroid's per-packet mark): its package "
            "name, else its label", HFILL } },
        { &hf_capture_uid, { "Capture uid", "xmtrack.capture_uid", FT_INT32, BASE_DEC, NULL, 0x0,
            "The Android uid the capturing tool attributed the packet to, as recorded (-1: not attributed)", HFILL } },
        { &hf_capture_app_label, { "Capture app label", "xmtrack.capture_app_label", FT_STRING, BASE_NONE, NULL, 0x0,
            "The label (app name) of the capture app, as the capture records it (a pcap trailer: its first 19 "
            "bytes), else from the xmtrack_apps table", HFILL } },
        { &hf_capture_app_differs, { "Payload names another app", "xmtrack.capture_app_differs", FT_BOOLEAN,
            BASE_NONE, NULL, 0x0, "The event (or message) names an app package other than the capture app's", HFILL } },
    };
    static ei_register_info ei[] = {
        { &ei_app_mismatch, { "xmtrack.app_mismatch", PI_SECURITY, PI_NOTE,
                              "The payload names another app than the one that sent it", EXPFILL } },
        { &ei_mark_bad, { "xmtrack.capture_mark_bad", PI_MALFORMED, PI_WARN,
                          "A PCAPdroid mark could not be read", EXPFILL } },
        { &ei_table_conflict, { "xmtrack.capture_app_table_conflict", PI_ASSUMPTION, PI_WARN,
                                "The xmtrack_apps table names another app for this uid than the capture", EXPFILL } },
    };
    proto_register_field_array(proto, hf, array_length(hf));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
    capture_table = wmem_map_new_autoreset(wmem_epan_scope(), wmem_file_scope(), g_int64_hash, g_int64_equal);
}

void xmt_capture_app_register_prefs(module_t *module)
{
    static uat_field_t fields[] = {
        UAT_FLD_SIGNED_DEC(apps, uid, "uid", "The Android uid, as PCAPdroid records it (column UID of its "
                                             "Connections CSV)"),
        UAT_FLD_CSTRING(apps, package, "Package", "The app's package name (column PackageName)"),
        UAT_FLD_CSTRING(apps, label, "Label", "The app's name (column App)"),
        UAT_END_FIELDS
    };
    uat_t *uat = uat_new("xmtrack apps", sizeof(app_record), "xmtrack_apps", TRUE, &app_records, &app_record_count,
                         UAT_AFFECTS_DISSECTION, NULL, apps_copy, apps_update, apps_free, apps_rebuild, NULL, fields);
    prefs_register_uat_preference(module, "apps", "Apps by uid",
        "The apps of a phone by Android uid, for captures that record only the uid or the label (PCAPdroid's pcap "
        "trailer): scripts/xmtrack-apps-from-csv makes it from PCAPdroid's Connections CSV.", uat);
}
