/* xmt_events.h: from a JSON object to an event: its members and typed facts.
 *
 * Each format module gives a table of rules that say which JSON path feeds
 * which contract fact; the walk below applies them and records every leaf as
 * a member "path=value".  Paths are dotted keys from the event's root, with
 * [i] for array elements; rules match the path with the indices left out
 * ("payloads[]"), so one rule covers every element. */
#ifndef XMT_EVENTS_H
#define XMT_EVENTS_H

#include "core/xmt_request.h"
#include "core/xmt_message.h"
#include "layers/xmt_form.h"
#include "layers/xmt_json.h"

typedef enum {
    XMT_RULE_STRING,   /* the leaf's text */
    XMT_RULE_NUMBER,   /* an integer (JSON number or string of digits) */
    XMT_RULE_QUERY,    /* text as a URL query holds it: %XX and '+' decoded */
    XMT_RULE_ISO8601,  /* an ISO 8601 date and time, as epoch milliseconds (xmt_time.h) */
} xmt_rule_kind;

typedef struct {
    const char *path;
    xmt_fact_id fact;
    xmt_rule_kind kind;
} xmt_fact_rule;

#define XMT_RULES_END { NULL, XMT_FACT_COUNT, XMT_RULE_STRING }

/* Decodes the object at `object` of doc (whose bytes are layer `layer`) into
 * a new event of msg.  URL facts also yield search terms (xmt_search.h); SDK
 * placeholders ("未取到值", ...) are never URL or search-term facts. */
xmt_event *xmt_event_from_json(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                               const xmt_fact_rule *rules, const xmt_config *cfg);

/* The leaves under `node`, added to an event made before: its facts by the
 * rules, its members, personal data and watch-list hits.  `name` is the
 * member of the event's root that node is ("" for the root itself): paths
 * and rules start from the root either way.  Several calls may fill one
 * event (a batch's envelope, then the event's own object); then
 * xmt_event_finish().  xmt_event_from_json() is the one-call case. */
void xmt_event_add_json(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 node, const char *name,
                        int layer, const xmt_fact_rule *rules, const xmt_config *cfg);

/* As xmt_event_add_json(), for a document an event carries inside itself
 * in another layer (Snowplow's encoded contexts): the rules are matched
 * from `object`, the members' paths start with prefix ("cx" gives
 * "cx.data[0].id"; NULL: none). */
void xmt_event_add_json_under(xmt_message *msg, xmt_event *ev, const xmt_json_doc *doc, guint32 object,
                              const char *prefix, int layer, const xmt_fact_rule *rules, const xmt_config *cfg);

/* The pairs of a form (a URI query, a form body) in layer `layer` added to
 * ev as xmt_event_from_pairs() adds its pairs: each a member "key=value"
 * (the value percent-decoded, '+' kept), rules matched on the whole key.
 * For events sent as query parameters (a Snowplow GET); then
 * xmt_event_finish(). */
void xmt_event_add_form(xmt_message *msg, xmt_event *ev, const xmt_form *form, int layer,
                        const xmt_fact_rule *rules, const xmt_config *cfg);

/* What follows from a whole event: search terms from its URL facts,
 * personal data that needs every leaf, and its name. */
void xmt_event_finish(xmt_message *msg, xmt_event *ev, const xmt_config *cfg);

/* Items of ev in `layer` that lie past `past` are shown at `to`, zero bytes
 * long.  For values an event shares with bytes after it (a batch header
 * sent after its records, an envelope after the events array): Wireshark
 * 4.6 stops a dissection after 50,000 tree items of one data source that do
 * not move forward, and one item far ahead makes every item after it count. */
void xmt_event_pull_spans_back(xmt_event *ev, int layer, gsize past, gsize to);

/* One parameter of a flat event (a form or query pair), as text. */
typedef struct {
    const char *name;    /* as the message keeps it: it becomes the member's path */
    const char *value;   /* as the message keeps it */
    xmt_span span;       /* the value's bytes */
    gboolean not_pii;    /* the format knows it holds none of xmt_pii.h's kinds, whatever its name suggests */
} xmt_pair;

/* A new event of msg from name=value pairs: a rule whose path is a pair's
 * whole name feeds its fact (XMT_RULE_NUMBER reads decimal text), every
 * pair is a member "name=value" and is looked at for personal data and the
 * watch list, and the event is finished (xmt_event_finish()).  For formats
 * whose events are parameter lists rather than JSON. */
xmt_event *xmt_event_from_pairs(xmt_message *msg, xmt_span span, const xmt_pair *pairs, gsize n,
                                const xmt_fact_rule *rules, const xmt_config *cfg);

/* Parses the JSON at span into doc, reporting a failure as a "JSON" error. */
void xmt_parse_json_span(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                         const xmt_config *cfg, xmt_json_doc *doc);

/* The events at a node: the elements of an array, or the object itself.
 * Calls decode_one for each complete object; stops at the first element cut
 * by a syntax error or a limit, and when the message holds cfg->max_events
 * events (every element counts, objects or not: each other one is an error).
 * Formats with events nested in their document call it for each array. */
typedef void (*xmt_event_fn)(xmt_message *msg, const xmt_json_doc *doc, guint32 object, int layer,
                             const xmt_config *cfg, void *user);
void xmt_for_each_object(xmt_message *msg, const xmt_json_doc *doc, guint32 node, int layer, const char *what,
                         const xmt_config *cfg, xmt_event_fn decode_one, void *user);

/* The events of a document: those of its root. */
void xmt_for_each_event(xmt_message *msg, const xmt_json_doc *doc, int layer, const char *what,
                        const xmt_config *cfg, xmt_event_fn decode_one, void *user);

/* The JSON payload at span is the message's document, whose root holds its
 * events (an array of them, or one): parsed, no further into a root array
 * than the events shown (cfg->max_events) and one more, then walked with
 * xmt_for_each_event(). */
void xmt_decode_json_events(xmt_message *msg, const xmt_request *req, xmt_span span, const char *what,
                            const xmt_config *cfg, xmt_event_fn decode_one, void *user);

#endif
