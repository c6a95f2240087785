/* xmt_facts.h: the one list of facts.
 *
 * A fact is a typed value the core finds in a message or an event (its
 * name, time, identity, a visited page, ...).  Formats say which of their
 * keys feeds which fact (xmt_fact_rule); the Wireshark glue shows each fact
 * as one contract field (docs/fields.md).  Everything about a fact is in
 * its row below, so a new fact is one edit: the enum, the glue's field, its
 * name and type, and the tree's dispatch are all made from this list.
 *
 *   X(ID, abbrev, name, type, blurb)
 *     ID      XMT_FACT_<ID>
 *     abbrev  the field under "xmtrack." (the public filter name)
 *     name    the field's display name
 *     type    STRING (text), UINT, INT (32-bit), BOOL, TIME (epoch
 *             milliseconds, shown as UTC): what the fact's num or str holds
 *     blurb   the field's description
 *
 * The order is the order facts are shown in a tree (the contract's order),
 * whatever order the payload had. */
#ifndef XMT_FACTS_H
#define XMT_FACTS_H

#include <glib.h>

#define XMT_FACTS(X)                                                                                               \
    /* message level */                                                                                            \
    X(PROJECT, "project", "Project", STRING, "Sensors project name, from the request URI's project=")              \
    X(REGION, "region", "Region", STRING, "Region code from the request URI's r=")                                 \
    X(GZIP_CODE, "gzip_code", "Gzip code", UINT, "Sensors gzip= parameter as sent (0, 1, 9, 13)")                  \
    X(CRC, "crc", "CRC", INT, "Sensors crc= parameter as sent (Java String.hashCode of the payload text)")        \
    X(INSTANT, "instant", "Instant event", BOOL, "Sensors instant_event=true")                                     \
    X(DRY_RUN, "dry_run", "Dry run", BOOL, "Sensors debug upload (Dry-Run: true header)")                          \
    X(PAYLOAD_PARAM, "payload_param", "Payload parameter", STRING, "The form parameter that carried the payload")  \
    /* event level */                                                                                              \
    X(EVENT, "event", "Event", STRING, "The event's name (for records without one, their type)")                  \
    X(EVENT_TYPE, "event_type", "Event type", STRING, "Sensors record type (track, profile_set, track_signup, ...)") \
    X(TIME, "time", "Event time", TIME, "The event's own timestamp")                                              \
    X(DISTINCT_ID, "distinct_id", "Distinct ID", STRING, "The user/device identity the SDK attaches")              \
    X(ANONYMOUS_ID, "anonymous_id", "Anonymous ID", STRING,                                                       \
      "The device or browser identifier the SDK generates itself")                                               \
    X(MODEL, "model", "Device model", STRING, "Device model")                                                     \
    X(OS_VERSION, "os_version", "OS version", STRING, "OS or MIUI version string as sent")                         \
    X(APP, "app", "App", STRING, "The sending app")                                                               \
    X(URL, "url", "URL", STRING, "A web page address reported in the event")                                      \
    X(SEARCH_TERM, "search_term", "Search term", STRING, "A search the user typed")                               \
    X(FLUSH_TIME, "flush_time", "Flush time", TIME, "When the SDK sent the batch")                                \
    /* enciphered records */                                                                                       \
    X(EKEY, "enc.ekey", "Encrypted key", STRING, "The session key, enciphered with the server's public key")       \
    X(PKV, "enc.pkv", "Public key version", UINT, "Version of the server key the session key is enciphered with") \
    X(CIPHERTEXT, "enc.payload", "Ciphertext", STRING, "An enciphered payload, as sent")                           \
    /* Xiaomi's own SDKs: fields and headers in the clear, sessions, rebuilt keys */                               \
    X(PARAM, "param", "Parameter", STRING, "A form field or vendor header sent in the clear, as name=value")        \
    X(SESSION_ID, "session_id", "Session ID", STRING,                                                             \
      "The SDK's session (OneTrack OT_SID and H.sid, MIUI Analytics record sid, PostHog $session_id, Snowplow sid)") \
    X(CIPHER_LEN, "enc.length", "Ciphertext length", UINT,                                                        \
      "Bytes of an enciphered payload as sent (OneTrack body, MiStat stat_value)")                                 \
    X(DERIVED_KEY, "enc.key", "Derived key", STRING,                                                              \
      "The key rebuilt from the request itself (MiStat v2: MD5 of app_id, app_key, device_id)")                   \
    /* keys of enciphered payloads (the Sensors web SDK's AES plugin; docs/formats/sensors-encryption.md) */       \
    X(KEY_ID, "key_id", "Key ID", STRING, "The id of the key an enciphered payload names, as sent")                \
    X(KEY_HASH, "key_hash", "Key hash", STRING, "The key hash an enciphered payload names, as sent")               \
    X(KEY_SOURCE, "key_source", "Key source", STRING,                                                             \
      "Where the key that opened an enciphered payload came from (the key table, or the frame it was found in)")

typedef enum {
#define XMT_FACT_ENUM(id, abbrev, name, type, blurb) XMT_FACT_##id,
    XMT_FACTS(XMT_FACT_ENUM)
#undef XMT_FACT_ENUM
    XMT_FACT_COUNT
} xmt_fact_id;

/* A set of facts, one bit per xmt_fact_id. */
#define XMT_FACT_BIT(id) ((guint64)1 << (id))
#define XMT_FACTS_ALL    (XMT_FACT_BIT(XMT_FACT_COUNT) - 1u)
G_STATIC_ASSERT(XMT_FACT_COUNT < 64);

/* The public filter name of a fact, e.g. "xmtrack.url". */
const char *xmt_fact_filter_name(xmt_fact_id id);

#endif /* XMT_FACTS_H */
