/* xmt_proto.c: the one place the xmtrack protocol is registered, in the
 * style of Wireshark's OPC UA plugin (proto_register_opcua): the protocol,
 * its fields, the preferences (the key table among them: xmt_keys.c), each
 * transport (as rows: xmt_transports.c), the body takeover and the reports.
 * Nothing registers itself elsewhere. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>

#include "core/xmt_pii.h"
#include "formats/xmt_dispatch.h"
#include "wireshark/xmt_capture_app.h"
#include "wireshark/xmt_fields.h"
#include "wireshark/xmt_keys.h"
#include "wireshark/xmt_media.h"
#include "wireshark/xmt_privacy.h"
#include "wireshark/xmt_proto.h"
#include "wireshark/xmt_report.h"
#include "wireshark/xmt_transports.h"
#include "wireshark/xmt_wire.h"

/* One switch per format of the table, "decode_<name>", all on.  Their
 * names and texts must live as long as the preferences: Wireshark keeps the
 * pointers and frees none of them, so they are static rather than heap
 * strings nobody could free (valgrind's "definitely lost"). */
#define FORMAT_PREF_SLOTS 64  /* as many as a mask of formats holds */
static xmt_pref_bool format_enabled[FORMAT_PREF_SLOTS];
static char format_pref_name[FORMAT_PREF_SLOTS][48];
static char format_pref_title[FORMAT_PREF_SLOTS][80];
static char format_pref_blurb[FORMAT_PREF_SLOTS][320];

static void apply_prefs(void)
{
    xmt_pref.formats = 0;
    for (guint i = 0; i < xmt_format_count(); i++)
        if (format_enabled[i])
            xmt_pref.formats |= (guint64)1 << i;
    xmt_privacy_apply_prefs();
}

static void register_format_prefs(module_t *m)
{
    G_STATIC_ASSERT(FORMAT_PREF_SLOTS == 8 * sizeof(xmt_pref.formats));
    for (guint i = 0; i < xmt_format_count() && i < FORMAT_PREF_SLOTS; i++) {
        const xmt_format *f = xmt_format_at(i);
        format_enabled[i] = TRUE;
        g_snprintf(format_pref_name[i], sizeof format_pref_name[i], "decode_%s", f->name);
        g_snprintf(format_pref_title[i], sizeof format_pref_title[i], "Decode %s", f->title);
        g_snprintf(format_pref_blurb[i], sizeof format_pref_blurb[i],
                   "Recognise and decode %s uploads (xmtrack.sdk == \"%s\"). When off, they are left "
                   "to the built-in dissectors.", f->title, f->name);
        prefs_register_bool_preference(m, format_pref_name[i], format_pref_title[i], format_pref_blurb[i],
                                       &format_enabled[i]);
    }
}

static void register_prefs(void)
{
    module_t *m = prefs_register_protocol(proto_xmtrack, apply_prefs);
    prefs_register_bool_preference(m, "decode_bodies", "Look for analytics in HTTP bodies",
        "Recognise vendor analytics in form, JSON and plain-text HTTP bodies and in request URIs. "
        "When off, those bodies go straight to the built-in dissectors.", &xmt_pref.decode_bodies);
    prefs_register_bool_preference(m, "show_json_tree", "Show the built-in JSON tree of decoded payloads",
        "Also dissect each decoded JSON payload with Wireshark's JSON dissector (json.* fields). "
        "Useful, but it costs several times the decoding itself.", &xmt_pref.show_json_tree);
    prefs_register_uint_preference(m, "max_inflate_mib", "Inflation limit (MiB)",
        "The most bytes one compressed payload may inflate to; beyond it decoding stops with an error.",
        10, &xmt_pref.max_inflate_mib);
    prefs_register_uint_preference(m, "max_events", "Events per message limit",
        "The most events decoded from one message; the rest are reported, not decoded.",
        10, &xmt_pref.max_events);
    register_format_prefs(m);
    xmt_privacy_register(m);
    xmt_capture_app_register_prefs(m);
    xmt_keys_register(m);
}

/* The plugin's one postdissector, at the end of every packet: the PCAPdroid
 * custom-block reader, then each transport's (GET beacons, HTTP/2 and HTTP/3
 * header blocks).  One, not one per reader: Wireshark's call of a
 * postdissector (protocol checks, a layer added and removed, an exception
 * frame) costs more than the readers' own first tests, on every packet of
 * every capture. */
static int dissect_packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data _U_)
{
    int custom_block = xmt_capture_app_packet_end(tvb, pinfo, tree);
    int transports = xmt_request_enabled() ? xmt_transports_packet_end(tvb, pinfo, tree) : 0;
    return MAX(custom_block, transports);
}

void xmt_proto_register(void)
{
    proto_xmtrack = proto_register_protocol("Vendor Telemetry", "XMTRACK", "xmtrack");
    xmt_fields_register(proto_xmtrack);
    xmt_capture_app_register(proto_xmtrack);
    register_prefs();
    xmt_transports_register();
    register_postdissector(create_dissector_handle(dissect_packet_end, proto_xmtrack));
    xmt_report_register();
    register_shutdown_routine(xmt_pii_cleanup);
}

void xmt_proto_handoff(void)
{
    xmt_media_handoff();
    xmt_transports_handoff();
    xmt_report_handoff();
}
