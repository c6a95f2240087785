/* xmt_report.h: what a capture adds up to: the statistics tree, the
 * per-event exports (-z xmtrack,csv|jsonl) and Export Objects. */
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

#endif /* XMT_REPORT_H */
