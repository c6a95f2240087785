/* xmt_decode.c: the pipeline's entry: which format is this, and decode it.
 *
 * Recognition only looks at parameter names, payload prefixes, vendor
 * headers and host/path hints, so the cost on the many HTTP bodies that are
 * not analytics is a few header look-ups and a form split that stops at the
 * first byte no form has. */
#include "xmt_decode.h"

#include <string.h>

#include "../formats/xmt_miui_analytics.h"
#include "../formats/xmt_miui_tracker.h"
#include "../formats/xmt_mistat.h"
#include "../formats/xmt_onetrack.h"
#include "../formats/xmt_sensors.h"
#include "../layers/xmt_form.h"

void xmt_config_init(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->want_facts = XMT_FACTS_ALL;
    cfg->want_members = TRUE;
    cfg->max_inflated = XMT_DEFAULT_MAX_INFLATED;
    cfg->max_events = XMT_DEFAULT_MAX_EVENTS;
    cfg->max_json_depth = XMT_DEFAULT_MAX_JSON_DEPTH;
    cfg->max_json_nodes = XMT_DEFAULT_MAX_JSON_NODES;
    cfg->max_members = XMT_DEFAULT_MAX_MEMBERS;
}

void xmt_request_init(xmt_request *req)
{
    memset(req, 0, sizeof *req);
    req->gzip_header = -1;
}

const char *xmt_request_header(const xmt_request *req, const char *lower_name)
{
    return req->header ? req->header(req->header_ctx, lower_name) : NULL;
}

gboolean xmt_request_path_ends(const xmt_request *req, const char *suffix)
{
    if (!req->uri)
        return FALSE;
    gsize path_len = strcspn(req->uri, "?#"), n = strlen(suffix);
    return path_len >= n && g_ascii_strncasecmp(req->uri + path_len - n, suffix, n) == 0;
}

gboolean xmt_request_host_in(const xmt_request *req, const char *domain)
{
    if (!req->host)
        return FALSE;
    gsize host_len = strcspn(req->host, ":"), n = strlen(domain);
    if (host_len < n || g_ascii_strncasecmp(req->host + host_len - n, domain, n) != 0)
        return FALSE;
    return host_len == n || req->host[host_len - n - 1] == '.';
}

/* Formats whose body is not a form (OneTrack's binary and JSON uploads):
 * told apart by vendor headers and payload markers, before any form split. */
static xmt_sdk recognise_body(const xmt_request *req)
{
    if (xmt_onetrack_recognise_body(req))
        return XMT_SDK_ONETRACK;
    return XMT_SDK_NONE;
}

static xmt_sdk recognise_form(const xmt_request *req, const xmt_form *form)
{
    if (xmt_sensors_recognise(req, form))
        return XMT_SDK_SENSORS;
    if (xmt_miui_tracker_recognise(req, form))
        return XMT_SDK_MIUI_TRACKER;
    if (xmt_miui_analytics_recognise(req, form))
        return XMT_SDK_MIUI_ANALYTICS;
    if (xmt_mistat_recognise(req, form))
        return XMT_SDK_MISTAT;
    if (xmt_onetrack_recognise(req, form))
        return XMT_SDK_ONETRACK;
    return XMT_SDK_NONE;
}

xmt_sdk xmt_recognise(const xmt_request *req)
{
    xmt_form form;
    if (!req->data || req->len == 0)
        return XMT_SDK_NONE;
    xmt_sdk sdk = recognise_body(req);
    if (sdk != XMT_SDK_NONE || !xmt_form_parse(req->data, req->len, &form))
        return sdk;
    return recognise_form(req, &form);
}

static xmt_message *decode_form(const xmt_request *req, xmt_sdk sdk, const xmt_config *cfg)
{
    xmt_form form;
    if (!xmt_form_parse(req->data, req->len, &form))
        return NULL;
    xmt_message *msg = xmt_message_new(sdk);
    switch (sdk) {
    case XMT_SDK_SENSORS:
        xmt_sensors_decode(req, &form, cfg, msg);
        break;
    case XMT_SDK_MIUI_TRACKER:
        xmt_miui_tracker_decode(req, &form, cfg, msg);
        break;
    case XMT_SDK_MIUI_ANALYTICS:
        xmt_miui_analytics_decode(req, &form, cfg, msg);
        break;
    case XMT_SDK_MISTAT:
        xmt_mistat_decode(req, &form, cfg, msg);
        break;
    case XMT_SDK_ONETRACK:
        xmt_onetrack_decode(req, &form, cfg, msg);
        break;
    case XMT_SDK_NONE:
        break;
    }
    return msg;
}

xmt_message *xmt_decode_as(const xmt_request *req, xmt_sdk sdk, const xmt_config *cfg)
{
    if (sdk == XMT_SDK_NONE || !req->data || req->len == 0)
        return NULL;
    xmt_message *msg;
    if (sdk == XMT_SDK_ONETRACK && recognise_body(req) == sdk) {  /* its binary and JSON uploads: not forms */
        msg = xmt_message_new(sdk);
        xmt_onetrack_decode_body(req, cfg, msg);
    } else {
        msg = decode_form(req, sdk, cfg);
    }
    if (!msg)
        return NULL;
    for (guint i = 0; i < msg->events->len; i++)
        if (!((xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
            msg->event_count++;
    return msg;
}

xmt_message *xmt_decode(const xmt_request *req, const xmt_config *cfg)
{
    return xmt_decode_as(req, xmt_recognise(req), cfg);
}
