/* xmt_fields.c: the xmtrack protocol's fields (xmt_fields.h): the contract of
 * docs/fields.md, fact fields made from core/xmt_facts.h. */
#include <wireshark.h>
#include <epan/packet.h>

#include "formats/xmt_dispatch.h"
#include "wireshark/xmt_fields.h"

int proto_xmtrack = -1;
xmt_hf_ids xmt_hf;
xmt_ett_ids xmt_ett = { -1, -1, -1, -1, -1, -1, -1 };
xmt_ei_ids xmt_ei = { EI_INIT, EI_INIT, EI_INIT, EI_INIT, EI_INIT, EI_INIT, EI_INIT };
xmt_prefs xmt_pref = { TRUE, FALSE, XMT_DEFAULT_MAX_INFLATED / (1024 * 1024), XMT_DEFAULT_MAX_EVENTS, XMT_ALL_FORMATS };

static int fact_hf[XMT_FACT_COUNT];

#define STR(hf, name, abbrev, blurb) \
    { &(hf), { name, "xmtrack." abbrev, FT_STRING, BASE_NONE, NULL, 0x0, blurb, HFILL } }
#define UINT(hf, name, abbrev, blurb) \
    { &(hf), { name, "xmtrack." abbrev, FT_UINT32, BASE_DEC, NULL, 0x0, blurb, HFILL } }
#define BOOL(hf, name, abbrev, blurb) \
    { &(hf), { name, "xmtrack." abbrev, FT_BOOLEAN, BASE_NONE, NULL, 0x0, blurb, HFILL } }

/* What each fact type is as a field (core/xmt_facts.h). */
#define XMT_FT_STRING FT_STRING, BASE_NONE
#define XMT_FT_UINT   FT_UINT32, BASE_DEC
#define XMT_FT_INT    FT_INT32, BASE_DEC
#define XMT_FT_BOOL   FT_BOOLEAN, BASE_NONE
#define XMT_FT_TIME   FT_ABSOLUTE_TIME, ABSOLUTE_TIME_UTC

static hf_register_info hf[] = {
    /* the message's own */
    STR(xmt_hf.sdk, "SDK", "sdk", "Which analytics format: sensors, miui_analytics, miui_tracker, mistat, onetrack, "
        "mixpanel, segment, amplitude, posthog, snowplow, ga4 (a row of formats/xmt_format_list.h each)"),
    STR(xmt_hf.host, "Host", "host", "The HTTP Host the message was sent to"),
    BOOL(xmt_hf.crc_valid, "CRC valid", "crc_valid", "The CRC recomputed over the payload text equals xmtrack.crc"),
    BOOL(xmt_hf.sign_valid, "Signature valid", "sign_valid", "The request's signature (MiStat v2 and OneTrack form sign, "
         "amplitude-js's checksum) recomputed equals the one sent"),
    BOOL(xmt_hf.encrypted, "Encrypted", "encrypted", "The payload is enciphered on the wire"),
    BOOL(xmt_hf.decrypted, "Decrypted", "decrypted", "An enciphered payload whose plaintext was recovered"),
    UINT(xmt_hf.event_count, "Event count", "event_count", "Number of events decoded from this message"),
    STR(xmt_hf.layers, "Layers", "layers", "The encodings peeled off the payload, outermost first"),
    STR(xmt_hf.error, "Decode error", "error", "Why a layer could not be decoded"),
    /* every event's */
    STR(xmt_hf.member, "Member", "member", "A decoded JSON leaf of the event, as path=value"),
    STR(xmt_hf.pii, "Personal data", "pii", "The kind of each personal datum found in the event: imei, android_id, oaid, "
        "gaid, mac, imsi, serial, email, phone, location, url, search, account_id, ip"),
    STR(xmt_hf.watch, "Watch-list hit", "watch", "The label of a watch-list entry found in the event"),
    /* a key found in a page or script the server sent (xmt_keys.h) */
    STR(xmt_hf.found_sdk, "SDK of the key found", "found.sdk", "The SDK whose uploads a key found in a page opens"),
    STR(xmt_hf.found_key_id, "Key ID found", "found.key_id", "The id of a key found in a page, as uploads name it "
        "(the kid the page hands the Sensors web SDK's AES plugin)"),
    STR(xmt_hf.found_key, "Key found", "found.key", "A key found in a page, in base64 (the k the page hands the "
        "Sensors web SDK's AES plugin)"),
    /* the facts, one field each */
#define XMT_FACT_HF(id, abbrev, name, type, blurb) \
    { &fact_hf[XMT_FACT_##id], { name, "xmtrack." abbrev, XMT_FT_##type, NULL, 0x0, blurb, HFILL } },
    XMT_FACTS(XMT_FACT_HF)
#undef XMT_FACT_HF
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
    { &xmt_ei.key_found, { "xmtrack.key_found", PI_SECURITY, PI_NOTE,
                           "A key that opens enciphered uploads was found in a page", EXPFILL } },
};

void xmt_fields_register(int proto)
{
    for (int i = 0; i < XMT_FACT_COUNT; i++)
        fact_hf[i] = -1;
    proto_register_field_array(proto, hf, array_length(hf));
    gint *ett[] = { &xmt_ett.message, &xmt_ett.layers, &xmt_ett.event, &xmt_ett.group,
                    &xmt_ett.record, &xmt_ett.errors, &xmt_ett.found_key };
    proto_register_subtree_array(ett, array_length(ett));
    expert_register_field_array(expert_register_protocol(proto), ei, array_length(ei));
}

int xmt_fact_field(xmt_fact_id id)
{
    return (guint)id < XMT_FACT_COUNT ? fact_hf[id] : -1;
}
