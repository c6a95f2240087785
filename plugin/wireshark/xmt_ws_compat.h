/* xmt_ws_compat.h: the Wireshark API differences between 4.0, 4.2 and 4.4
 * that this plugin meets, in one place (see shared notes, wireshark-4.0.md §3).
 * Only 4.0 can be compiled on the project's machines; the other branches
 * follow the 4.4 headers as read, and are marked where 4.2 is inferred. */
#ifndef XMT_WS_COMPAT_H
#define XMT_WS_COMPAT_H

#include <ws_version.h>

#define XMT_WS_VER (WIRESHARK_VERSION_MAJOR * 100 + WIRESHARK_VERSION_MINOR)

/* Heuristic dissectors return gboolean in 4.0, bool from 4.4 (4.2 inferred). */
#if XMT_WS_VER >= 404
typedef bool xmt_heur_result;
typedef bool xmt_pref_bool;
#else
typedef gboolean xmt_heur_result;
typedef gboolean xmt_pref_bool;
#endif

/* What HTTP hands a media_type subdissector. */
#if XMT_WS_VER >= 404
#include <epan/dissectors/packet-media-type.h>
typedef media_content_info_t xmt_http_message_info;
#define XMT_HTTP_IS_REQUEST(info) ((info)->type == MEDIA_CONTAINER_HTTP_REQUEST)
#else
#include <epan/dissectors/packet-http.h>
typedef http_message_info_t xmt_http_message_info;
#define XMT_HTTP_IS_REQUEST(info) ((info)->type == HTTP_REQUEST)
#endif

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

#endif
