/* xmt_proto.c: the xmtrack protocol: its fields (the contract of
 * shared/FIELDS.md plus our own), subtrees, expert items and preferences. */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/prefs.h>

#include "xmt_ws.h"
#include "core/xmt_pii.h"

int proto_xmtrack = -1;
xmt_hf_ids xmt_hf;
xmt_ett_ids xmt_ett = { -1, -1, -1, -1, -1, -1 };
xmt_ei_ids xmt_ei = { EI_INIT, EI_INIT, EI_INIT, EI_INIT, EI_INIT, EI_INIT };
xmt_prefs xmt_pref = { TRUE, FALSE, XMT_DEFAULT_MAX_INFLATED / (1024 * 1024), XMT_DEFAULT_MAX_EVENTS };

#define STR(id, name, abbrev, blurb) \
    { &xmt_hf.id, { name, "xmtrack." abbrev, FT_STRING, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define UINT(id, name, abbrev, blurb) \
    { &xmt_hf.id, { name, "xmtrack." abbrev, FT_UINT32, BASE_DEC, NULL, 0x0, blurb, HFILL } }
#define BOOL(id, name, abbrev, blurb) \
    { &xmt_hf.id, { name, "xmtrack." abbrev, FT_BOOLEAN, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define TIME(id, name, abbrev, blurb) \
    { &xmt_hf.id, { name, "xmtrack." abbrev, FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC, NULL, 0x0, blurb, HFILL } }

static hf_register_info hf[] = {
    /* message fields */
    STR(sdk, "SDK", "sdk", "Which analytics format: sensors, miui_analytics, miui_tracker, mistat, onetrack"),
    STR(host, "Host", "host", "The HTTP Host the message was sent to"),
    STR(project, "Project", "project", "Sensors project name, from the request URI's project="),
    STR(region, "Region", "region", "Region code from the request URI's r="),
    STR(payload_param, "Payload parameter", "payload_param", "The form parameter that carried the payload"),
    UINT(gzip_code, "Gzip code", "gzip_code", "Sensors gzip= parameter as sent (0, 1, 9, 13)"),
    { &xmt_hf.crc, { "CRC", "xmtrack.crc", FT_INT32, BASE_DEC, NULL, 0x0,
                     "Sensors crc= parameter as sent (Java String.hashCode of the payload text)", HFILL } },
    BOOL(crc_valid, "CRC valid", "crc_valid", "The CRC recomputed over the payload text equals xmtrack.crc"),
    BOOL(sign_valid, "Signature valid", "sign_valid", "The request's signature (MiStat v2 and OneTrack form sign) "
         "recomputed equals the one sent"),
    BOOL(encrypted, "Encrypted", "encrypted", "The payload is enciphered on the wire"),
    BOOL(decrypted, "Decrypted", "decrypted", "An enciphered payload whose plaintext was recovered"),
    UINT(event_count, "Event count", "event_count", "Number of events decoded from this message"),
    STR(layers, "Layers", "layers", "The encodings peeled off the payload, outermost first"),
    BOOL(instant, "Instant event", "instant", "Sensors instant_event=true"),
    BOOL(dry_run, "Dry run", "dry_run", "Sensors debug upload (Dry-Run: true header)"),
    STR(error, "Decode error", "error", "Why a layer could not be decoded"),
    /* event fields */
    STR(event, "Event", "event", "The event's name (for records without one, their type)"),
    STR(event_type, "Event type", "event_type", "Sensors record type (track, profile_set, track_signup, ...)"),
    TIME(time, "Event time", "time", "The event's own timestamp"),
    STR(distinct_id, "Distinct ID", "distinct_id", "The user/device identity the SDK attaches"),
    STR(model, "Device model", "model", "Device model"),
    STR(os_version, "OS version", "os_version", "OS or MIUI version string as sent"),
    STR(app, "App", "app", "The sending app"),
    STR(url, "URL", "url", "A web page address reported in the event"),
    STR(search_term, "Search term", "search_term", "A search the user typed"),
    STR(member, "Member", "member", "A decoded JSON leaf of the event, as path=value"),
    TIME(flush_time, "Flush time", "flush_time", "When the SDK sent the batch"),
    STR(pii, "Personal data", "pii", "The kind of each personal datum found in the event: imei, android_id, oaid, "
        "gaid, mac, imsi, serial, email, phone, location, url, search, account_id"),
    STR(watch, "Watch-list hit", "watch", "The label of a watch-list entry found in the event"),
    /* enciphered records */
    STR(ekey, "Encrypted key", "enc.ekey", "The session key, enciphered with the server's public key"),
    UINT(pkv, "Public key version", "enc.pkv", "Version of the server key the session key is enciphered with"),
    STR(ciphertext, "Ciphertext", "enc.payload", "An enciphered payload, as sent"),
    UINT(cipher_len, "Ciphertext length", "enc.length", "Bytes of an enciphered payload as sent (OneTrack body, MiStat stat_value)"),
    STR(derived_key, "Derived key", "enc.key", "The key rebuilt from the request itself (MiStat v2: MD5 of app_id, app_key, device_id)"),
    /* Xiaomi's own SDKs */
    STR(param, "Parameter", "param", "A form field or vendor header sent in the clear, as name=value"),
    STR(session_id, "Session ID", "session_id", "The SDK's session (OneTrack OT_SID and H.sid, MIUI Analytics record sid)"),
};

static ei_register_info ei[] = {
    { &xmt_ei.crc_bad, { "xmtrack.crc_bad", PI_CHECKSUM, PI_WARN,
                         "CRC does not match the payload", EXPFILL } },
    { &xmt_ei.sign_bad, { "xmtrack.sign_bad", PI_CHECKSUM, PI_WARN,
                          "Signature does not match the request", EXPFILL } },
    { &xmt_ei.decode_error, { "xmtrack.decode_error", PI_MALFORMED, PI_ERROR,
                              "A layer could not be decoded", EXPFILL } },
    { &xmt_ei.encrypted_payload, { "xmtrack.encrypted_payload", PI_SECURITY, PI_NOTE,
                                   "Enciphered payload; the key is not in the capture", EXPFILL } },
    { &xmt_ei.pii_leak, { "xmtrack.pii_leak", PI_SECURITY, PI_WARN,
                          "The event carries personal data", EXPFILL } },
    { &xmt_ei.watch_hit, { "xmtrack.watch_hit", PI_SECURITY, PI_WARN,
                           "A watch-list entry was found", EXPFILL } },
};

static void register_prefs(void)
{
    module_t *m = prefs_register_protocol(proto_xmtrack, xmt_privacy_apply_prefs);
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
    xmt_privacy_register(m);
}

void xmt_register_proto(void)
{
    proto_xmtrack = proto_register_protocol("Xiaomi Telemetry", "XMTRACK", "xmtrack");
    proto_register_field_array(proto_xmtrack, hf, array_length(hf));
    gint *ett[] = { &xmt_ett.message, &xmt_ett.layers, &xmt_ett.event, &xmt_ett.group,
                    &xmt_ett.record, &xmt_ett.errors };
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto_xmtrack), ei, array_length(ei));
    register_prefs();
    xmt_transports_register();
    xmt_report_register();
    register_shutdown_routine(xmt_pii_cleanup);
}

void xmt_register_handoff(void)
{
    xmt_transports_handoff();
    xmt_report_handoff();
}

int xmt_fact_field(xmt_fact_id id)
{
    static int *const fields[XMT_FACT_COUNT] = {
        [XMT_FACT_PROJECT] = &xmt_hf.project,         [XMT_FACT_REGION] = &xmt_hf.region,
        [XMT_FACT_GZIP_CODE] = &xmt_hf.gzip_code,     [XMT_FACT_CRC] = &xmt_hf.crc,
        [XMT_FACT_INSTANT] = &xmt_hf.instant,         [XMT_FACT_DRY_RUN] = &xmt_hf.dry_run,
        [XMT_FACT_PAYLOAD_PARAM] = &xmt_hf.payload_param,
        [XMT_FACT_EVENT] = &xmt_hf.event,             [XMT_FACT_EVENT_TYPE] = &xmt_hf.event_type,
        [XMT_FACT_TIME] = &xmt_hf.time,               [XMT_FACT_DISTINCT_ID] = &xmt_hf.distinct_id,
        [XMT_FACT_MODEL] = &xmt_hf.model,             [XMT_FACT_OS_VERSION] = &xmt_hf.os_version,
        [XMT_FACT_APP] = &xmt_hf.app,                 [XMT_FACT_URL] = &xmt_hf.url,
        [XMT_FACT_SEARCH_TERM] = &xmt_hf.search_term, [XMT_FACT_FLUSH_TIME] = &xmt_hf.flush_time,
        [XMT_FACT_EKEY] = &xmt_hf.ekey,               [XMT_FACT_PKV] = &xmt_hf.pkv,
        [XMT_FACT_CIPHERTEXT] = &xmt_hf.ciphertext,   [XMT_FACT_PARAM] = &xmt_hf.param,
        [XMT_FACT_SESSION_ID] = &xmt_hf.session_id,   [XMT_FACT_CIPHER_LEN] = &xmt_hf.cipher_len,
        [XMT_FACT_DERIVED_KEY] = &xmt_hf.derived_key,
    };
    return (guint)id < XMT_FACT_COUNT && fields[id] ? *fields[id] : -1;
}

/* The facts this dissection shows or filters on: all of them in a shown
 * tree, only the referenced ones when a display filter alone needs the
 * tree, none without a tree. */
static guint32 facts_for_tree(proto_tree *tree)
{
    guint32 want = 0;
    for (int id = 0; tree && id < XMT_FACT_COUNT; id++)
        if (proto_field_is_referenced(tree, xmt_fact_field((xmt_fact_id)id)))
            want |= XMT_FACT_BIT(id);
    return want;
}

void xmt_config_for_tree(xmt_config *cfg, proto_tree *tree)
{
    xmt_config_init(cfg);
    cfg->max_inflated = (gsize)MAX(xmt_pref.max_inflate_mib, 1u) * 1024 * 1024;
    cfg->max_events = MAX(xmt_pref.max_events, 1u);
    cfg->want_members = tree != NULL && proto_field_is_referenced(tree, xmt_hf.member);
    /* Statistics and exports count personal data even with no tree. */
    cfg->want_pii = xmt_report_wanted() ||
                    (tree != NULL && (proto_field_is_referenced(tree, xmt_hf.pii) ||
                                      proto_field_is_referenced(tree, xmt_ei.pii_leak.hf)));
    cfg->watch = xmt_privacy_watchlist();
    /* Statistics and exports read every fact, whatever the tree shows. */
    cfg->want_facts = xmt_report_wanted() ? XMT_FACTS_ALL : facts_for_tree(tree);
}
