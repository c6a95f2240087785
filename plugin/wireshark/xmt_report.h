/* xmt_report.h: what a capture adds up to: the statistics tree, the
 * per-event exports (-z xmtrack,csv|jsonl), the keys found
 * (-z xmtrack,keys) and Export Objects. */
#ifndef XMT_REPORT_H
#define XMT_REPORT_H

#include <epan/packet.h>

#include "wireshark/xmt_tree.h"

void xmt_report_register(void);
void xmt_report_handoff(void);

/* A report or Expert Information listens: every fact and the personal-data
 * scan are needed, whatever the tree shows. */
gboolean xmt_report_wanted(void);

/* Hands a decoded message to the reports. */
void xmt_report_queue(packet_info *pinfo, const xmt_decoded *d);

/* A key found in a page, as the reports list it (xmt_keys.c finds them). */
typedef struct {
    const char *sdk;
    const char *key_id;
    const char *key_base64;
    const char *host;    /* the Host the page came from, or NULL when not known */
    guint32 frame;       /* the first frame it was found in */
} xmt_report_key;

/* Hands the keys found in one page body to the reports (n of them, in
 * pinfo->pool). */
void xmt_report_queue_keys(packet_info *pinfo, const xmt_report_key *keys, guint n);

#endif /* XMT_REPORT_H */
