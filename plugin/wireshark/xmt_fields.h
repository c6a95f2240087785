/* xmt_fields.h: the xmtrack protocol's fields, subtrees, expert items and
 * preferences: the ids every other part of the glue fills in.
 *
 * Fact fields come from the one list of facts (core/xmt_facts.h), one per
 * row; the message's own fields (SDK, host, checks, counts) and the event's
 * members, personal data and watch-list hits are listed here.  The contract
 * they keep is docs/fields.md. */
#ifndef XMT_FIELDS_H
#define XMT_FIELDS_H

#include <epan/packet.h>
#include <epan/expert.h>

#include "core/xmt_facts.h"
#include "wireshark/xmt_ws_compat.h"

typedef struct {
    /* message */
    int sdk, host, crc_valid, sign_valid, encrypted, decrypted, event_count, layers, error;
    /* event */
    int member, pii, watch;
    /* a key found in a page (xmt_keys.h) */
    int found_sdk, found_key_id, found_key;
} xmt_hf_ids;

typedef struct {
    gint message, layers, event, group, record, errors, found_key;
} xmt_ett_ids;

typedef struct {
    expert_field crc_bad, sign_bad, decode_error, encrypted_payload, pii_leak, watch_hit, key_found;
} xmt_ei_ids;

typedef struct {
    xmt_pref_bool decode_bodies;   /* look into HTTP bodies at all */
    xmt_pref_bool show_json_tree;  /* also hand the decoded JSON to the built-in JSON dissector */
    guint max_inflate_mib;
    guint max_events;
    guint64 formats;               /* the formats decoded: bit i is row i of formats/xmt_format_list.h */
} xmt_prefs;

extern int proto_xmtrack;
extern xmt_hf_ids xmt_hf;
extern xmt_ett_ids xmt_ett;
extern xmt_ei_ids xmt_ei;
extern xmt_prefs xmt_pref;

/* Registers the fields, subtrees and expert items of protocol `proto`. */
void xmt_fields_register(int proto);

/* The field (hf id) of a fact. */
int xmt_fact_field(xmt_fact_id id);

#endif /* XMT_FIELDS_H */
