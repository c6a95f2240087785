/* xmt_miui_tracker.c: legacy MIUI tracker uploads (docs/formats/miui_tracker.md).
 *
 *   t=miui-track_danfa_<package>&value=<base64(JSON map)>&s=<salted signature>
 *
 * One map per request, one event: the dispatcher writes _event_id_,
 * _event_type_ (1 log, 2 track, 3 page view), _event_track_time_ and
 * _app_package_, the tracker's default parameters (imei, model,
 * rom_version, app_version) and the event's own parameters, flat.
 */
#include "formats/xmt_format.h"

#include "formats/xmt_format_kit.h"
#include "core/xmt_peel.h"
#include "layers/xmt_base64.h"

#include <string.h>

#define TRACKER_PREFIX "miui-track_danfa_"

static const xmt_fact_rule map_rules[] = {
    { "_event_id_",         XMT_FACT_EVENT,      XMT_RULE_STRING },
    { "_event_type_",       XMT_FACT_EVENT_TYPE, XMT_RULE_STRING },
    { "_event_track_time_", XMT_FACT_TIME,       XMT_RULE_NUMBER },
    { "_app_package_",      XMT_FACT_APP,        XMT_RULE_STRING },
    { "model",              XMT_FACT_MODEL,      XMT_RULE_STRING },
    { "rom_version",        XMT_FACT_OS_VERSION, XMT_RULE_STRING },
    XMT_RULES_END
};

static gboolean recognise(const xmt_request *req, const xmt_form *form)
{
    const xmt_form_param *t = xmt_form_find(form, "t");
    const xmt_form_param *value = xmt_form_find(form, "value");
    if (!t || !value)
        return FALSE;
    if (xmt_form_value_starts(form, t, TRACKER_PREFIX))
        return TRUE;
    return xmt_form_find(form, "s") && xmt_request_path_ends(req, "/tracks") &&
           xmt_base64_has_payload_prefix(form->base + value->val_off, value->val_len);
}

/* The package named in t=, shared with the event (which may name it again in _app_package_). */
static void add_app_from_t(const xmt_form *form, xmt_message *msg, xmt_shared *shared)
{
    const xmt_form_param *t = xmt_form_find(form, "t");
    gsize prefix = strlen(TRACKER_PREFIX);
    if (!xmt_form_value_starts(form, t, TRACKER_PREFIX) || t->val_len <= prefix)
        return;
    char *value = xmt_form_value_dup(form, t);
    if (value[prefix] != '\0' && strcmp(value + prefix, "null") != 0)
        xmt_shared_add_fact(shared, XMT_FACT_APP, xmt_kit_text(msg, value + prefix, -1), 0,
                            xmt_span_make(XMT_LAYER_INPUT, t->val_off + prefix, t->val_len - prefix));
    g_free(value);
}

static void decode_map(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                       const xmt_config *cfg, void *user)
{
    (void)user;
    xmt_event *ev = xmt_event_from_json(msg, doc, object, layer, map_rules, cfg);
    xmt_kit_add_url_facts(msg, ev, doc, object, layer, cfg);
}

static void decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg)
{
    const xmt_form_param *value = xmt_kit_payload_param(msg, form, "value");
    xmt_shared sender;
    xmt_shared_init(&sender, msg, "");
    add_app_from_t(form, msg, &sender);

    xmt_span text = xmt_peel_percent(msg, req, xmt_kit_value_span(value), "value");
    xmt_span json;
    if (xmt_peel_to_json(msg, req, text, "value", cfg, &json)) {
        xmt_decode_json_events(msg, req, json, "value", cfg, decode_map, NULL);
    }
    xmt_shared_finish(&sender, msg);
}

const xmt_format xmt_format_miui_tracker = {
    .name = "miui_tracker",
    .title = "MIUI tracker",
    .shapes = XMT_SHAPE_FORM_BODY,
    .recognise_form = recognise,
    .decode_form = decode,
};
