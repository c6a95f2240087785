/* xmt_decode.c: the pipeline's entry: which format is this, and decode it.
 *
 * Recognition only looks at parameter names, payload prefixes and host/path
 * hints, so the cost on the many HTTP bodies that are not analytics is a
 * form split that stops at the first byte no form has. */
#include "xmt_decode.h"

#include <string.h>

#include "../formats/xmt_sensors.h"
#include "../layers/xmt_form.h"

void xmt_config_init(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
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

static xmt_sdk recognise_form(const xmt_request *req, const xmt_form *form)
{
    if (xmt_sensors_recognise(req, form))
        return XMT_SDK_SENSORS;
    return XMT_SDK_NONE;
}

xmt_sdk xmt_recognise(const xmt_request *req)
{
    xmt_form form;
    if (!req->data || req->len == 0 || !xmt_form_parse(req->data, req->len, &form))
        return XMT_SDK_NONE;
    return recognise_form(req, &form);
}

xmt_message *xmt_decode(const xmt_request *req, const xmt_config *cfg)
{
    xmt_form form;
    if (!req->data || req->len == 0 || !xmt_form_parse(req->data, req->len, &form))
        return NULL;
    xmt_sdk sdk = recognise_form(req, &form);
    if (sdk == XMT_SDK_NONE)
        return NULL;
    xmt_message *msg = xmt_message_new(sdk);
    switch (sdk) {
    case XMT_SDK_SENSORS:
        xmt_sensors_decode(req, &form, cfg, msg);
        break;
    default:
        break;
    }
    for (guint i = 0; i < msg->events->len; i++)
        if (!((xmt_event *)g_ptr_array_index(msg->events, i))->opaque)
            msg->event_count++;
    return msg;
}
