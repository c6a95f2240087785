/* xmt_report.c: what a capture adds up to, for reports.
 *
 *   Statistics > Vendor Telemetry, `tshark -z xmtrack,tree`: messages and
 *     events by SDK, event name, sending app, capturing app, host and
 *     personal-data kind, and the keys found in pages, by SDK and key id.
 *   `tshark -q -z xmtrack,csv` and `-z xmtrack,jsonl`: one line per decoded
 *     event, printed as the capture is read (so memory stays flat).
 *   `tshark -q -z xmtrack,keys`: each key found in the capture's pages, once,
 *     ready for the key table.
 *   File > Export Objects > xmtrack, `--export-objects xmtrack,DIR`: each
 *     message's decoded JSON.
 * All read the "xmtrack" tap (Export Objects its own), queued once per
 * decoded message and once per page body that hands out keys. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/tap.h>
#include <epan/stats_tree.h>
#include <epan/stat_tap_ui.h>
#include <epan/export_object.h>
#include <epan/to_str.h>

#include "core/xmt_pii.h"
#include "layers/xmt_json.h"
#include "core/xmt_watch.h"
#include "wireshark/xmt_capture_app.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_report.h"
#include "wireshark/xmt_tree.h"

static int xmt_tap = -1;
static int xmt_eo_tap = -1;
static int expert_tap;

/* Our reports, and Analyze > Expert Information (which dissects with a
 * hidden tree), need the personal-data findings.  The expert tap is looked
 * up on first use: it is registered after plugin handoffs. */
gboolean xmt_report_wanted(void)
{
    if (expert_tap <= 0)
        expert_tap = find_tap_id("expert");
    return have_tap_listener(xmt_tap) || (expert_tap > 0 && have_tap_listener(expert_tap));
}

/* What the "xmtrack" tap carries: a decoded message, or the keys found in
 * one page body. */
typedef struct {
    const xmt_decoded *message;  /* NULL for keys */
    const xmt_report_key *keys;
    guint n_keys;
} report_item;

void xmt_report_queue(packet_info *pinfo, const xmt_decoded *d)
{
    if (have_tap_listener(xmt_tap)) {
        report_item *item = wmem_new0(pinfo->pool, report_item);
        item->message = d;
        tap_queue_packet(xmt_tap, pinfo, item);
    }
    if (have_tap_listener(xmt_eo_tap))
        tap_queue_packet(xmt_eo_tap, pinfo, d);
}

void xmt_report_queue_keys(packet_info *pinfo, const xmt_report_key *keys, guint n)
{
    if (!n || !have_tap_listener(xmt_tap))
        return;
    report_item *item = wmem_new0(pinfo->pool, report_item);
    item->keys = keys;
    item->n_keys = n;
    tap_queue_packet(xmt_tap, pinfo, item);
}

/* ---- the statistics tree ----------------------------------------------- */

static const char *const st_messages = "Messages by SDK";
static const char *const st_hosts = "Messages by host";
static const char *const st_events = "Events by name";
static const char *const st_apps = "Events by app";
static const char *const st_pii = "Events with personal data, by kind";
static const char *const st_watch = "Events with watch-list hits";
static const char *const st_capture_apps = "Events by capturing app";
static const char *const st_keys = "Keys found";
static int st_node_messages, st_node_hosts, st_node_events, st_node_apps, st_node_pii, st_node_watch;
static int st_node_capture_apps, st_node_keys;

static void stats_init(stats_tree *st)
{
    st_node_messages = stats_tree_create_node(st, st_messages, 0, STAT_DT_INT, TRUE);
    st_node_hosts = stats_tree_create_node(st, st_hosts, 0, STAT_DT_INT, TRUE);
    st_node_events = stats_tree_create_node(st, st_events, 0, STAT_DT_INT, TRUE);
    st_node_apps = stats_tree_create_node(st, st_apps, 0, STAT_DT_INT, TRUE);
    st_node_pii = stats_tree_create_node(st, st_pii, 0, STAT_DT_INT, TRUE);
    st_node_watch = stats_tree_create_node(st, st_watch, 0, STAT_DT_INT, TRUE);
    st_node_capture_apps = stats_tree_create_node(st, st_capture_apps, 0, STAT_DT_INT, TRUE);
    st_node_keys = stats_tree_create_node(st, st_keys, 0, STAT_DT_INT, TRUE);
}

/* The capturing app as the statistics name it: its package or label, else
 * its uid; "" when the packet has no mark. */
static const char *capture_app_name(const xmt_capture_mark *mark, char *buf, gsize size)
{
    if (!mark)
        return "";
    if (mark->app)
        return mark->app;
    g_snprintf(buf, (gulong)size, "(uid %d)", mark->uid);
    return buf;
}

static void stats_event(stats_tree *st, const xmt_event *ev, const xmt_capture_mark *capture)
{
    if (ev->opaque)
        return;
    char uid_name[32];
    const char *capture_app = capture_app_name(capture, uid_name, sizeof uid_name);
    tick_stat_node(st, st_capture_apps, 0, FALSE);
    tick_stat_node(st, capture_app[0] ? capture_app : "(not recorded)", st_node_capture_apps, FALSE);
    tick_stat_node(st, st_events, 0, FALSE);
    tick_stat_node(st, ev->name ? ev->name : "(unnamed)", st_node_events, FALSE);
    const xmt_fact *app = xmt_event_fact(ev, XMT_FACT_APP);
    tick_stat_node(st, st_apps, 0, FALSE);
    tick_stat_node(st, app && app->str ? app->str : "(not reported)", st_node_apps, FALSE);
    if (ev->pii && ev->pii->len) {
        tick_stat_node(st, st_pii, 0, FALSE);
        for (guint i = 0; i < ev->pii->len; i++)
            tick_stat_node(st, xmt_pii_name(g_array_index(ev->pii, xmt_pii_finding, i).kind), st_node_pii, FALSE);
    }
    if (ev->watch && ev->watch->len) {
        tick_stat_node(st, st_watch, 0, FALSE);
        for (guint i = 0; i < ev->watch->len; i++)
            tick_stat_node(st, g_array_index(ev->watch, xmt_watch_hit, i).label, st_node_watch, FALSE);
    }
}

/* Each key, under its SDK and id (two sites may share an id), counted once
 * per page body that hands it out. */
static void stats_keys(stats_tree *st, const report_item *item)
{
    for (guint i = 0; i < item->n_keys; i++) {
        const xmt_report_key *k = &item->keys[i];
        char *id = g_strdup_printf("%s key_id %s", k->sdk, k->key_id);
        tick_stat_node(st, st_keys, 0, FALSE);
        int node = tick_stat_node(st, id, st_node_keys, TRUE);
        tick_stat_node(st, k->key_base64, node, FALSE);
        g_free(id);
    }
}

static tap_packet_status stats_packet(stats_tree *st, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                      const void *data, tap_flags_t flags _U_)
{
    const report_item *item = data;
    if (!item->message) {
        stats_keys(st, item);
        return TAP_PACKET_REDRAW;
    }
    const xmt_decoded *d = item->message;
    tick_stat_node(st, st_messages, 0, FALSE);
    tick_stat_node(st, d->msg->sdk, st_node_messages, FALSE);
    tick_stat_node(st, st_hosts, 0, FALSE);
    tick_stat_node(st, d->host ? d->host : "(unknown)", st_node_hosts, FALSE);
    for (guint i = 0; i < d->msg->events->len; i++)
        stats_event(st, g_ptr_array_index(d->msg->events, i), d->capture);
    return TAP_PACKET_REDRAW;
}

/* ---- one line per event ------------------------------------------------ */

typedef enum { ROWS_CSV, ROWS_JSONL } row_format;

/* New columns go at the end: readers of older exports index by name, and
 * by position too. */
static const char *const row_columns[] = {
    "frame", "capture_time", "event_time", "client", "server", "host", "sdk", "app", "event",
    "url", "search_term", "pii", "event_json", "capture_app", "capture_uid", "distinct_id", "anonymous_id",
};
#define EVENT_JSON_COLUMN 12  /* written as the JSON object it is in JSON lines */
G_STATIC_ASSERT(G_N_ELEMENTS(row_columns) == 17);  /* row_values() fills each */

static void iso_time(GString *out, time_t secs, int msecs)
{
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        g_string_append(out, "");
        return;
    }
    g_string_append_printf(out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                           tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, msecs);
}

/* Every value of one fact, joined by '|'. */
static char *joined_facts(const xmt_event *ev, xmt_fact_id id)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id == id && f->str)
            g_string_append_printf(s, "%s%s", s->len ? "|" : "", f->str);
    }
    return g_string_free(s, FALSE);
}

static char *joined_pii(const xmt_event *ev)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ev->pii && i < ev->pii->len; i++)
        g_string_append_printf(s, "%s%s", s->len ? "|" : "", xmt_pii_name(g_array_index(ev->pii, xmt_pii_finding, i).kind));
    return g_string_free(s, FALSE);
}

/* The event's JSON on one line (a payload may be pretty-printed), valid
 * UTF-8; empty for events that are no JSON (a GA4 hit's parameter list). */
static char *event_json(const xmt_decoded *d, const xmt_event *ev)
{
    if (ev->span.len == 0 || !d->msg->has_json)
        return g_strdup("");
    tvbuff_t *tvb = xmt_span_tvb(d, ev->span);
    const guint8 *bytes = tvb_get_ptr(tvb, (gint)ev->span.off, (gint)ev->span.len);
    char *compact = xmt_json_compact(bytes, ev->span.len);
    char *valid = g_utf8_make_valid(compact, -1);
    g_free(compact);
    return valid;
}

/* The values of one row, in row_columns order (all g_malloc'd). */
static void row_values(const xmt_decoded *d, const xmt_event *ev, packet_info *pinfo, char **v)
{
    GString *t = g_string_new(NULL);
    iso_time(t, pinfo->abs_ts.secs, pinfo->abs_ts.nsecs / 1000000);
    v[0] = g_strdup_printf("%u", pinfo->num);
    v[1] = g_string_free(t, FALSE);
    const xmt_fact *time = xmt_event_fact(ev, XMT_FACT_TIME);
    t = g_string_new(NULL);
    if (time) {
        gint64 secs = time->num / 1000, ms = time->num % 1000;
        if (ms < 0) {
            secs--;
            ms += 1000;
        }
        iso_time(t, (time_t)secs, (int)ms);
    }
    v[2] = g_string_free(t, FALSE);
    v[3] = g_strdup_printf("%s:%u", address_to_str(pinfo->pool, &pinfo->src), pinfo->srcport);
    v[4] = g_strdup_printf("%s:%u", address_to_str(pinfo->pool, &pinfo->dst), pinfo->destport);
    v[5] = g_strdup(d->host ? d->host : "");
    v[6] = g_strdup(d->msg->sdk);
    v[7] = joined_facts(ev, XMT_FACT_APP);
    v[8] = g_strdup(ev->name ? ev->name : "");
    v[9] = joined_facts(ev, XMT_FACT_URL);
    v[10] = joined_facts(ev, XMT_FACT_SEARCH_TERM);
    v[11] = joined_pii(ev);
    v[12] = event_json(d, ev);
    v[13] = g_strdup(d->capture && d->capture->app ? d->capture->app : "");  /* as xmtrack.capture_app */
    v[14] = d->capture ? g_strdup_printf("%d", d->capture->uid) : g_strdup("");
    v[15] = joined_facts(ev, XMT_FACT_DISTINCT_ID);
    v[16] = joined_facts(ev, XMT_FACT_ANONYMOUS_ID);
}

static void csv_field(GString *line, const char *v, gboolean last)
{
    g_string_append_c(line, '"');
    for (const char *p = v; *p; p++) {
        if (*p == '"')
            g_string_append_c(line, '"');
        g_string_append_c(line, *p);
    }
    g_string_append(line, last ? "\"\n" : "\",");
}

static void json_string(GString *line, const char *v)
{
    g_string_append_c(line, '"');
    for (const guchar *p = (const guchar *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_printf(line, "\\%c", *p);
        else if (*p < 0x20)
            g_string_append_printf(line, "\\u%04x", *p);
        else
            g_string_append_c(line, (gchar)*p);
    }
    g_string_append_c(line, '"');
}

static void print_row(row_format format, char **v)
{
    GString *line = g_string_new(NULL);
    gsize n = G_N_ELEMENTS(row_columns);
    if (format == ROWS_CSV) {
        for (gsize i = 0; i < n; i++)
            csv_field(line, v[i], i + 1 == n);
    } else {
        g_string_append_c(line, '{');
        for (gsize i = 0; i < n; i++) {
            g_string_append_printf(line, "%s\"%s\":", i ? "," : "", row_columns[i]);
            if (i == EVENT_JSON_COLUMN && v[i][0])
                g_string_append(line, v[i]);  /* the event itself, as the JSON it is */
            else
                json_string(line, v[i]);
        }
        g_string_append(line, "}\n");
    }
    fputs(line->str, stdout);
    g_string_free(line, TRUE);
}

static tap_packet_status rows_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    row_format format = GPOINTER_TO_INT(tapdata) - 1;
    const xmt_decoded *d = ((const report_item *)data)->message;
    if (!d)
        return TAP_PACKET_DONT_REDRAW;
    for (guint i = 0; i < d->msg->events->len; i++) {
        const xmt_event *ev = g_ptr_array_index(d->msg->events, i);
        if (ev->opaque)
            continue;
        char *v[G_N_ELEMENTS(row_columns)];
        row_values(d, ev, pinfo, v);
        print_row(format, v);
        for (gsize k = 0; k < G_N_ELEMENTS(row_columns); k++)
            g_free(v[k]);
    }
    return TAP_PACKET_DONT_REDRAW;
}

static void rows_init(row_format format, const char *opt_arg)
{
    /* -z xmtrack,csv[,filter] */
    const char *filter = strchr(opt_arg, ',') ? strchr(strchr(opt_arg, ',') + 1, ',') : NULL;
    GString *error = register_tap_listener("xmtrack", GINT_TO_POINTER(format + 1), filter ? filter + 1 : NULL,
                                           TL_REQUIRES_NOTHING, NULL, rows_packet, NULL, NULL);
    if (error) {
        fprintf(stderr, "tshark: xmtrack rows: %s\n", error->str);
        g_string_free(error, TRUE);
        return;
    }
    if (format == ROWS_CSV) {
        GString *header = g_string_new(NULL);
        for (gsize i = 0; i < G_N_ELEMENTS(row_columns); i++)
            g_string_append_printf(header, "%s%s", i ? "," : "", row_columns[i]);
        printf("%s\n", header->str);
        g_string_free(header, TRUE);
    }
}

static xmt_stat_init_result csv_init(const char *opt_arg, void *userdata _U_)
{
    rows_init(ROWS_CSV, opt_arg);
    XMT_STAT_INIT_DONE;
}

static xmt_stat_init_result jsonl_init(const char *opt_arg, void *userdata _U_)
{
    rows_init(ROWS_JSONL, opt_arg);
    XMT_STAT_INIT_DONE;
}

/* ---- the keys found ------------------------------------------------------ */

/* Every key once (by SDK, id and bytes), in the order first found. */
typedef struct {
    GPtrArray *keys;    /* of xmt_report_key, strings g_malloc'd */
    GHashTable *seen;   /* "sdk\nkey_id\nkey" */
} key_list;

static void key_list_free(gpointer p)
{
    xmt_report_key *k = p;
    g_free((char *)k->sdk);
    g_free((char *)k->key_id);
    g_free((char *)k->key_base64);
    g_free((char *)k->host);
    g_free(k);
}

static tap_packet_status keys_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                     const void *data, tap_flags_t flags _U_)
{
    key_list *list = tapdata;
    const report_item *item = data;
    for (guint i = 0; i < item->n_keys; i++) {
        const xmt_report_key *k = &item->keys[i];
        char *name = g_strconcat(k->sdk, "\n", k->key_id, "\n", k->key_base64, NULL);
        if (g_hash_table_contains(list->seen, name)) {
            g_free(name);
            continue;
        }
        g_hash_table_add(list->seen, name);
        xmt_report_key *copy = g_new0(xmt_report_key, 1);
        copy->sdk = g_strdup(k->sdk);
        copy->key_id = g_strdup(k->key_id);
        copy->key_base64 = g_strdup(k->key_base64);
        copy->host = g_strdup(k->host);
        copy->frame = k->frame;
        g_ptr_array_add(list->keys, copy);
    }
    return TAP_PACKET_DONT_REDRAW;
}

/* One line per key (tab-separated: sdk, key_id, key, frame, host), then each
 * as the -o option that puts it in the key table, for captures of the same
 * sites without the page. */
static void keys_draw(void *tapdata)
{
    const key_list *list = tapdata;
    printf("==================================================================\n");
    printf("xmtrack keys found in the capture: %u\n", list->keys->len);
    if (list->keys->len)
        printf("sdk\tkey_id\tkey (base64)\tframe\thost\n");
    for (guint i = 0; i < list->keys->len; i++) {
        const xmt_report_key *k = g_ptr_array_index(list->keys, i);
        printf("%s\t%s\t%s\t%u\t%s\n", k->sdk, k->key_id, k->key_base64, k->frame, k->host ? k->host : "");
    }
    if (list->keys->len)
        printf("For captures of these sites without the page, the key table (Preferences > Protocols > XMTRACK > "
               "Keys), or tshark:\n");
    for (guint i = 0; i < list->keys->len; i++) {
        const xmt_report_key *k = g_ptr_array_index(list->keys, i);
        printf("-o 'uat:xmtrack_keys:\"%s\",\"%s\",\"%s\"'\n", k->sdk, k->key_id, k->key_base64);
    }
    printf("==================================================================\n");
}

static void keys_finish(void *tapdata)
{
    key_list *list = tapdata;
    g_ptr_array_free(list->keys, TRUE);
    g_hash_table_destroy(list->seen);
    g_free(list);
}

static xmt_stat_init_result keys_init(const char *opt_arg, void *userdata _U_)
{
    /* -z xmtrack,keys[,filter] */
    const char *filter = strchr(opt_arg, ',') ? strchr(strchr(opt_arg, ',') + 1, ',') : NULL;
    key_list *list = g_new0(key_list, 1);
    list->keys = g_ptr_array_new_with_free_func(key_list_free);
    list->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GString *error = register_tap_listener("xmtrack", list, filter ? filter + 1 : NULL, TL_REQUIRES_NOTHING, NULL,
                                           keys_packet, keys_draw, keys_finish);
    if (error) {
        fprintf(stderr, "tshark: xmtrack keys: %s\n", error->str);
        g_string_free(error, TRUE);
        keys_finish(list);
    }
    XMT_STAT_INIT_DONE;
}

/* ---- Export Objects ---------------------------------------------------- */

static tap_packet_status eo_packet(void *tapdata, packet_info *pinfo, epan_dissect_t *edt _U_,
                                   const void *data, tap_flags_t flags _U_)
{
    export_object_list_t *objects = tapdata;
    const xmt_decoded *d = data;
    if (!d->msg->has_json || d->msg->json.len == 0)
        return TAP_PACKET_DONT_REDRAW;
    tvbuff_t *tvb = xmt_span_tvb(d, d->msg->json);
    export_object_entry_t *entry = g_new0(export_object_entry_t, 1);
    entry->pkt_num = pinfo->num;
    entry->hostname = g_strdup(d->host ? d->host : address_to_str(pinfo->pool, &pinfo->dst));
    entry->content_type = g_strdup("application/json");
    entry->filename = g_strdup_printf("xmtrack-%u-%s.json", pinfo->num, d->msg->sdk);
    entry->payload_len = d->msg->json.len;
    entry->payload_data = tvb_memdup(NULL, tvb, (gint)d->msg->json.off, (gint)d->msg->json.len);
    objects->add_entry(objects->gui_data, entry);
    return TAP_PACKET_REDRAW;
}

/* ---- registration ------------------------------------------------------ */

void xmt_report_register(void)
{
    xmt_tap = register_tap("xmtrack");
    xmt_eo_tap = register_export_object(proto_xmtrack, eo_packet, NULL);
}

void xmt_report_handoff(void)
{
    static stat_tap_ui csv_ui = { REGISTER_STAT_GROUP_GENERIC, NULL, "xmtrack,csv", csv_init, 0, NULL };
    static stat_tap_ui jsonl_ui = { REGISTER_STAT_GROUP_GENERIC, NULL, "xmtrack,jsonl", jsonl_init, 0, NULL };
    static stat_tap_ui keys_ui = { REGISTER_STAT_GROUP_GENERIC, NULL, "xmtrack,keys", keys_init, 0, NULL };
    stats_tree_register_plugin("xmtrack", "xmtrack", XMT_STATS_MENU("Vendor Telemetry", "Messages and Events"), 0, stats_packet, stats_init, NULL);
    register_stat_tap_ui(&csv_ui, NULL);
    register_stat_tap_ui(&jsonl_ui, NULL);
    register_stat_tap_ui(&keys_ui, NULL);
}
