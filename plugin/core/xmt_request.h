/* xmt_request.h: what the decoding core is asked about, and how.
 *
 * The Wireshark glue (or a unit test, or a fuzzer) describes one HTTP request
 * as an xmt_request, and the decoding options as an xmt_config; the formats
 * (formats/xmt_dispatch.h) recognise and decode it. */
#ifndef XMT_REQUEST_H
#define XMT_REQUEST_H

#include <glib.h>

#include "core/xmt_message.h"

typedef enum {
    XMT_INPUT_BODY,      /* the HTTP entity body (already de-chunked and decompressed) */
    XMT_INPUT_URI_QUERY, /* the query string of the request URI (GET beacons) */
} xmt_input_kind;

typedef struct {
    xmt_input_kind kind;
    const guint8 *data;       /* the body, or the query string without '?' */
    gsize len;
    const char *method;       /* "POST", "GET", or NULL when unknown */
    const char *uri;          /* request URI, or NULL */
    const char *host;         /* Host header, or NULL */
    const char *content_type; /* bare media type, lower case, or NULL */
    const char *user_agent;   /* or NULL */
    gboolean dry_run;         /* "Dry-Run: true" header seen */
    int gzip_header;          /* value of a "gzip:" request header, -1 when absent */
    /* Any other request header, by lower-case name (NULL when absent).  NULL
     * when the headers are unknown: the http heuristic on 4.0 gets none. */
    const char *(*header)(void *ctx, const char *lower_name);
    void *header_ctx;
} xmt_request;

/* Keys for an enciphered payload: sdk ("sensors") and the key id the payload
 * names, as sent ("7").  Returns the nth key known for them (nth = 0, 1, ...:
 * two sites may give one id different keys, so the caller tries each until
 * one opens the payload), its bytes (*len set; they must stay valid while the
 * message is decoded) and, when source is not NULL, where it came from ("key
 * table", "found in frame 32"); NULL past the last.  The glue answers from
 * the xmtrack_keys table and from keys found in the capture
 * (formats/xmt_sensors_keys.h). */
typedef const guint8 *(*xmt_find_key_fn)(void *ctx, const char *sdk, const char *key_id, guint nth, gsize *len,
                                         const char **source);

/* Hard limits and options.  Hitting a limit ends decoding of that layer with
 * an error naming the limit; what was decoded before it is kept. */
typedef struct {
    /* The event facts to extract (XMT_FACTS_ALL by default).  A display
     * filter on one field needs only that one: the walk then passes over
     * every subtree no wanted rule reaches.  The event name (and the type
     * it falls back to) is always extracted; a search term needs the URLs. */
    guint64 want_facts;
    gboolean want_members;   /* report every JSON leaf (costly; only when shown or filtered) */
    gboolean want_pii;       /* look for personal data in every leaf (xmt_pii.h) */
    const struct xmt_watchlist *watch;  /* the user's identifiers (xmt_watch.h), or NULL */
    gsize max_inflated;      /* bytes one inflate may produce */
    guint max_events;        /* events decoded from one message */
    guint max_json_depth;    /* nesting of JSON containers */
    guint max_json_nodes;    /* JSON values in one document */
    guint max_members;       /* JSON leaves reported per event */
    xmt_find_key_fn find_key;  /* NULL: no keys, enciphered payloads are shown as sent */
    void *find_key_ctx;
} xmt_config;

#define XMT_DEFAULT_MAX_INFLATED   (16u * 1024u * 1024u)
#define XMT_DEFAULT_MAX_EVENTS     10000u
#define XMT_DEFAULT_MAX_JSON_DEPTH 64u
#define XMT_DEFAULT_MAX_JSON_NODES 2000000u
#define XMT_DEFAULT_MAX_MEMBERS    4096u

void xmt_config_init(xmt_config *cfg);
void xmt_request_init(xmt_request *req);

/* A request header by lower-case name; NULL when absent or unknown. */
const char *xmt_request_header(const xmt_request *req, const char *lower_name);
/* The request URI's path (query left out) ends with suffix, in any case. */
gboolean xmt_request_path_ends(const xmt_request *req, const char *suffix);
/* The Host (port left out) is domain or one of its subdomains. */
gboolean xmt_request_host_in(const xmt_request *req, const char *domain);

#endif /* XMT_REQUEST_H */
