/* xmt_message.h: what the decoding core produces from one HTTP message.
 *
 * A message is the result of peeling every layer of one analytics upload:
 * the decoded layers themselves (so the Wireshark side can show and export
 * their bytes), the typed facts found at message and event level, every JSON
 * leaf of each event, and the errors met on the way.  Nothing here knows about
 * epan: spans are (layer, offset, length) triples that the Wireshark glue maps
 * onto tvbs.
 *
 * All strings of a message live in one GStringChunk and are freed together
 * with the message.
 */
#ifndef XMT_MESSAGE_H
#define XMT_MESSAGE_H

#include <glib.h>

#include "core/xmt_facts.h"

/* The input the message was decoded from: the HTTP entity body, or the
 * query string of the request URI for GET beacons. */
#define XMT_LAYER_INPUT (-1)

/* A byte range inside a layer (or inside the input when layer < 0).  An
 * empty range (len == 0) is still a place, at off: an empty value, or an
 * empty layer; what has no place in the bytes (a header, a derived key)
 * gets (XMT_LAYER_INPUT, 0, 0).  Either way off + len lies inside the layer. */
typedef struct {
    int layer;
    guint32 off;
    guint32 len;
} xmt_span;



typedef enum {
    XMT_LAYER_PERCENT,   /* %XX escapes undone */
    XMT_LAYER_BASE64,    /* base64 (any alphabet) decoded */
    XMT_LAYER_GZIP,      /* gzip stream inflated */
    XMT_LAYER_ZLIB,      /* zlib stream inflated */
    XMT_LAYER_DEFLATE,   /* raw deflate inflated */
    XMT_LAYER_DECRYPTED, /* plaintext recovered from a cipher */
    XMT_LAYER_LZSTRING,  /* LZ-string (compressToBase64) decompressed */
    XMT_LAYER_JSON_STRING, /* a JSON string value unescaped (JSON sent inside JSON) */
    XMT_LAYER_JOINED,    /* parts of the request put together to be read as one (a URI query, then the body) */
} xmt_layer_kind;

const char *xmt_layer_kind_name(xmt_layer_kind kind);

typedef struct {
    xmt_layer_kind kind;
    const char *label;   /* e.g. "data_list (base64-decoded)"; in the string chunk */
    guint8 *data;        /* g_malloc'd, owned; see xmt_message_steal_layer() */
    gsize len;
    xmt_span from;       /* the span of the layer below that produced it */
} xmt_layer;

/* Typed facts: the list, and what each one is, is xmt_facts.h. */

typedef struct {
    xmt_fact_id id;
    const char *str;   /* NULL for numeric facts */
    gint64 num;
    xmt_span span;
} xmt_fact;

/* One decoded JSON leaf: "properties.$model" = "Redmi Note 8". */
typedef struct {
    const char *path;
    const char *value;
    xmt_span span;
} xmt_member;

typedef struct {
    xmt_span span;       /* the event's JSON object */
    const char *name;    /* XMT_FACT_EVENT, or the record type; may be NULL */
    gboolean opaque;     /* an enciphered record shown as sent, not a decoded event */
    gboolean opened;     /* an opaque record whose payload was decrypted: its plaintext's events follow it */
    const char *sealed_why;  /* why an opaque record stays closed, for its note; NULL: the generic note */
    GArray *facts;       /* of xmt_fact */
    GArray *members;     /* of xmt_member */
    guint members_seen;  /* leaves offered as members, those past cfg->max_members too (xmt_events.c) */
    GArray *pii;         /* of xmt_pii_finding (xmt_pii.h), NULL when none or not scanned */
    guint32 pii_seen;    /* bit per xmt_pii_kind already reported */
    GArray *watch;       /* of xmt_watch_hit (xmt_watch.h), NULL when none */
    const char *geo_lat, *geo_lon;  /* a latitude and a longitude leaf, paired at the end */
    guint8 geo_lat_form, geo_lon_form;  /* how each is written: in degrees or scaled (xmt_pii.c) */
    xmt_span geo_span;
} xmt_event;

/* Where an error happened, and why: "base64: invalid character '*' at offset 12". */
typedef struct {
    const char *layer;   /* "percent-encoding", "base64", "gzip", "JSON", "limit", ... */
    const char *reason;
    xmt_span span;
} xmt_error;

/* What a format tells the core about its events, as data: the core knows
 * no vendor (formats/ hand this over with each message they decode). */
typedef struct {
    const char *signup_type;  /* the record type whose distinct_id is an account id ("track_signup"), or NULL */
} xmt_event_profile;

typedef struct {
    const char *sdk;     /* the format's contract name (xmtrack.sdk), e.g. "sensors"; static */
    const xmt_event_profile *profile;  /* NULL: none */
    gboolean has_crc;
    gboolean crc_valid;
    gboolean has_sign;   /* a form signature whose formula is known was sent (xmt_sign.h) */
    gboolean sign_valid;
    gboolean encrypted;
    gboolean decrypted;
    GPtrArray *layers;   /* of xmt_layer*, in the order they were peeled */
    GArray *facts;       /* message-level facts */
    GPtrArray *events;   /* of xmt_event* */
    GArray *errors;      /* of xmt_error, the first XMT_MAX_ERRORS */
    guint errors_dropped; /* errors met after those */
    guint event_count;   /* decoded (non-opaque) events */
    gboolean has_json;
    xmt_span json;       /* the JSON document the events came from */
    guint json_values;   /* values its parse read (what a JSON tree of it would show) */
    gboolean json_cut;   /* the parse stopped at a limit: json_values counts only what was read */
    GStringChunk *strings;
    struct xmt_block *blocks;  /* where the events and layers live (xmt_message.c) */
} xmt_message;

xmt_message *xmt_message_new(const char *sdk);
/* Sets event_count: the decoded events (opaque records left out).  Once, by
 * the dispatch, when the format has decoded the message. */
void xmt_message_count_events(xmt_message *msg);
void xmt_message_free(xmt_message *msg);

/* Strings copied into the message's chunk. */
const char *xmt_message_strdup(xmt_message *msg, const char *s);
const char *xmt_message_strndup(xmt_message *msg, const char *s, gsize len);
const char *xmt_message_printf(xmt_message *msg, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* a followed by b: the cheap way to name a layer, once per message. */
const char *xmt_message_join(xmt_message *msg, const char *a, const char *b);

/* Takes ownership of data; returns the new layer's index. */
int xmt_message_add_layer(xmt_message *msg, xmt_layer_kind kind, const char *label,
                          guint8 *data, gsize len, xmt_span from);
const xmt_layer *xmt_message_layer(const xmt_message *msg, int index);
/* Hands the layer's bytes to the caller (who frees them with g_free); the
 * layer keeps its length and label. Used to give the bytes to a tvb without
 * copying them. */
guint8 *xmt_message_steal_layer(xmt_message *msg, int index);

/* Errors kept per message: each is a tree item, and hostile input can have
 * one per JSON value (an event array of 300,000 zeros).  The rest are only
 * counted, in errors_dropped. */
#define XMT_MAX_ERRORS 64u

void xmt_message_add_fact(xmt_message *msg, xmt_fact_id id, const char *str, gint64 num, xmt_span span);
void xmt_message_add_error(xmt_message *msg, const char *layer, xmt_span span,
                           const char *fmt, ...) G_GNUC_PRINTF(4, 5);

xmt_event *xmt_message_add_event(xmt_message *msg, xmt_span span);
void xmt_event_add_fact(xmt_event *ev, xmt_fact_id id, const char *str, gint64 num, xmt_span span);
void xmt_event_add_member(xmt_event *ev, const char *path, const char *value, xmt_span span);
/* The first fact with this id, or NULL. */
const xmt_fact *xmt_event_fact(const xmt_event *ev, xmt_fact_id id);
/* The event has a fact with this id and text already (URLs and searches are kept once). */
gboolean xmt_event_has_string(const xmt_event *ev, xmt_fact_id id, const char *value);
const xmt_fact *xmt_message_fact(const xmt_message *msg, xmt_fact_id id);

static inline xmt_span xmt_span_make(int layer, gsize off, gsize len)
{
    xmt_span s = { layer, (guint32)off, (guint32)len };
    return s;
}

#endif /* XMT_MESSAGE_H */
