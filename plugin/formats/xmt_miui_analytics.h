/* xmt_miui_analytics.h: the MIUI Analytics system service (com.miui.analytics,
 * "spock"), formats.md §3.4: POST /track/v1 or /track/spock, form
 * value=<URL-safe base64 of JSON, gzipped under "gzip: 1">&ts=&nonce=&sign=. */
#ifndef XMT_MIUI_ANALYTICS_H
#define XMT_MIUI_ANALYTICS_H

#include "../core/xmt_decode.h"
#include "../layers/xmt_form.h"

gboolean xmt_miui_analytics_recognise(const xmt_request *req, const xmt_form *form);
void xmt_miui_analytics_decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg);

#endif
