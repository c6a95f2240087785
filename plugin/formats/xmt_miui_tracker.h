/* xmt_miui_tracker.h: the legacy MIUI tracker (com.xiaomi.miui.analyticstracker,
 * com.miui.internal.analytics.XiaomiServer), formats.md §3.5: POST /tracks,
 * form t=miui-track_danfa_<package>&value=<base64 of a JSON map>&s=<signature>. */
#ifndef XMT_MIUI_TRACKER_H
#define XMT_MIUI_TRACKER_H

#include "../core/xmt_decode.h"
#include "../layers/xmt_form.h"

gboolean xmt_miui_tracker_recognise(const xmt_request *req, const xmt_form *form);
void xmt_miui_tracker_decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg);

#endif
