/* xmt_ws.h: what the Wireshark glue's files share: the protocol's field ids,
 * subtree ids, expert fields and preferences. */
#ifndef XMT_WS_H
#define XMT_WS_H

#include <epan/packet.h>
#include <epan/expert.h>
#include <epan/prefs.h>

#include "core/xmt_decode.h"
#include "xmt_ws_compat.h"

typedef struct {
    /* message */
    int sdk, host, project, region, payload_param, gzip_code, crc, crc_valid, sign_valid;
    int encrypted, decrypted, event_count, layers, instant, dry_run, error;
    /* event */
    int event, event_type, time, distinct_id, model, os_version, app, url, search_term, member, flush_time;
    int pii, watch;
    /* enciphered records */
    int ekey, pkv, ciphertext;
    /* Xiaomi's own SDKs: fields and headers in the clear, sessions, rebuilt keys */
    int param, session_id, cipher_len, derived_key;
} xmt_hf_ids;

typedef struct {
    gint message, layers, event, group, record, errors;
} xmt_ett_ids;

typedef struct {
    expert_field crc_bad, sign_bad, decode_error, encrypted_payload, pii_leak, watch_hit;
} xmt_ei_ids;

typedef struct {
    xmt_pref_bool decode_bodies;   /* look into HTTP bodies at all */
    xmt_pref_bool show_json_tree;  /* also hand the decoded JSON to the built-in JSON dissector */
    guint max_inflate_mib;
    guint max_events;
} xmt_prefs;

extern int proto_xmtrack;
extern xmt_hf_ids xmt_hf;
extern xmt_ett_ids xmt_ett;
extern xmt_ei_ids xmt_ei;
extern xmt_prefs xmt_pref;

void xmt_register_proto(void);
void xmt_register_handoff(void);

/* The field (hf id) of a fact. */
int xmt_fact_field(xmt_fact_id id);

/* The decoding options for this dissection: limits from the preferences, and
 * members only when the tree shows them or a filter asks for them. */
void xmt_config_for_tree(xmt_config *cfg, proto_tree *tree);

/* A decoded message as the rest of the packet sees it: each layer now a tvb
 * (data source).  Lives in pinfo->pool; handed to the taps. */
typedef struct {
    packet_info *pinfo;
    tvbuff_t *input;      /* the body, or the URI query */
    tvbuff_t **layers;    /* one tvb per message layer */
    guint n_layers;
    xmt_message *msg;
    const char *host;
    /* The tree's item budget (xmt_tree.c): the tree, what the packet's
     * messages spent of it, and what this message did not show once its
     * share was spent. */
    proto_tree *tree;
    struct xmt_tree_spent *spent;
    gboolean budget_spent;
    guint events_dropped, items_dropped;
} xmt_decoded;

/* Builds the xmtrack tree of a decoded message on top of `input`, adding
 * each decoded layer as a data source. */
xmt_decoded *xmt_tree_add_message(tvbuff_t *input, packet_info *pinfo, proto_tree *tree,
                                  xmt_message *msg, const char *host);

/* The tvb a span points into: the input, or its layer's; never NULL (an
 * empty layer is a zero-length tvb where it was found), so every item of
 * the tree stands on a tvb.  The span's offset and length apply as they are. */
tvbuff_t *xmt_span_tvb(const xmt_decoded *d, xmt_span span);

/* Statistics, per-event export and Export Objects (xmt_report.c). */
void xmt_report_register(void);
void xmt_report_handoff(void);
gboolean xmt_report_wanted(void);
void xmt_report_queue(packet_info *pinfo, const xmt_decoded *d);

/* The watch list and the user's search engines (xmt_privacy.c). */
void xmt_privacy_register(module_t *module);
void xmt_privacy_apply_prefs(void);
const struct xmt_watchlist *xmt_privacy_watchlist(void);

/* Where requests come in: the transports and the media_type takeover
 * (xmt_request.h). */
void xmt_transports_register(void);
void xmt_transports_handoff(void);

#endif
