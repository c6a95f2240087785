/* xmt_ws_compat.h: every Wireshark API difference between 4.0, 4.2, 4.4 and
 * 4.6 that this plugin meets, in one place, each named for what it covers.
 *
 * Compiled and tested: 4.0 (Debian 12), 4.4 (Debian 13), 4.6 (Debian sid);
 * scripts/matrix.sh builds and tests all three.  4.2 (Ubuntu 24.04) has no
 * Debian package: its branches are inferred from the 4.2 sources and from
 * out-of-tree plugins that build against 4.2 (docs/versions.md). */
#ifndef XMT_WS_COMPAT_H
#define XMT_WS_COMPAT_H

#include <ws_version.h>
#include <stdbool.h>

#define XMT_WS_VER (WIRESHARK_VERSION_MAJOR * 100 + WIRESHARK_VERSION_MINOR)

/* Return types of callbacks: GLib's gboolean until the C99 switch.  wmem
 * callbacks switched in 4.1 (so 4.2 has bool); heuristics, preferences and UAT
 * callbacks in 4.3; the statistics tap UI's init callback in 4.5. */
#if XMT_WS_VER >= 402
typedef bool xmt_wmem_cb_result;
#else
typedef gboolean xmt_wmem_cb_result;
#endif

#if XMT_WS_VER >= 404
typedef bool xmt_heur_result;
typedef bool xmt_pref_bool;
typedef bool xmt_uat_cb_result;
#else
typedef gboolean xmt_heur_result;
typedef gboolean xmt_pref_bool;
typedef gboolean xmt_uat_cb_result;
#endif

#if XMT_WS_VER >= 406
typedef bool xmt_stat_init_result;
#define XMT_STAT_INIT_DONE return true
#else
typedef void xmt_stat_init_result;
#define XMT_STAT_INIT_DONE return
#endif

/* What HTTP hands a media_type subdissector: its own struct in 4.0, a shared
 * media_content_info_t from the header that replaced it (4.2 on).  Tested by
 * the header's presence, so 4.2 needs no guess at the version. */
#include <epan/dissectors/packet-http.h>
#if __has_include(<epan/dissectors/packet-media-type.h>)
#include <epan/dissectors/packet-media-type.h>
typedef media_content_info_t xmt_http_message_info;
#define XMT_HTTP_IS_REQUEST(info) ((info)->type == MEDIA_CONTAINER_HTTP_REQUEST)
#define XMT_HTTP_IS_OTHERS(info) ((info)->type == MEDIA_CONTAINER_HTTP_OTHERS)
#else
typedef http_message_info_t xmt_http_message_info;
#define XMT_HTTP_IS_REQUEST(info) ((info)->type == HTTP_REQUEST)
#define XMT_HTTP_IS_OTHERS(info) ((info)->type == HTTP_OTHERS)
#endif

/* Where HTTP keeps a request's URI and Host: on the connection in 4.0 (the
 * last request parsed), per exchange once packet-http.h names the key. */
#ifdef HTTP_PROTO_DATA_REQRES
#define XMT_HTTP_REQUEST_PER_EXCHANGE 1
#else
#define XMT_HTTP_REQUEST_PER_EXCHANGE 0
#endif

/* What HTTP/2's "http2_follow" tap hands its listeners: packet-http2.c's
 * http2_follow_tap_data_t, in no installed header.  The same two members in
 * 4.0, 4.4 and 4.6 (read in their sources). */
typedef struct {
    tvbuff_t *tvb;
    guint64 stream_id;
} xmt_http2_follow_data;

/* field_info holds its value inline in 4.0 and by pointer later. */
#if XMT_WS_VER >= 402
#define XMT_FINFO_VALUE(fi) ((fi)->value)
#else
#define XMT_FINFO_VALUE(fi) (&(fi)->value)
#endif

/* Statistics submenus: "A/B" in 4.0, STATS_TREE_MENU_SEPARATOR later. */
#ifdef STATS_TREE_MENU_SEPARATOR
#define XMT_STATS_MENU(group, name) group STATS_TREE_MENU_SEPARATOR name
#else
#define XMT_STATS_MENU(group, name) group "/" name
#endif

/* Decimal text of a number without printf: renamed in 4.3, the old name
 * deprecated (an error with -Werror). */
#if XMT_WS_VER >= 404
#define xmt_uint32_to_str_buf uint32_to_str_buf
#else
#define xmt_uint32_to_str_buf guint32_to_str_buf
#endif

/* One byte of a tvb: tvb_get_guint8 is deprecated from 4.3 on (an error with
 * -Werror), for tvb_get_uint8. */
#if XMT_WS_VER >= 404
#define xmt_tvb_get_u8 tvb_get_uint8
#else
#define xmt_tvb_get_u8 tvb_get_guint8
#endif

/* plugin_describe() and WS_PLUGIN_DESC_DISSECTOR came with 4.4's
 * wsutil/plugins.h; 4.0 and 4.2 describe no plugin types. */
#if XMT_WS_VER >= 404
#include <wsutil/plugins.h>
#endif

#endif
