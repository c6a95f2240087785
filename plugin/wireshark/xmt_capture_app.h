/* xmt_capture_app.h: the app the capturing tool attributed a packet to.
 *
 * PCAPdroid records, for every packet, the Android uid of the app behind it
 * (docs/formats/pcapdroid.md): in pcapng as an EPB comment "u-<uid>" and a
 * custom block per uid naming its package and label; in pcap as a trailer
 * after the IP packet with the uid and the first 19 bytes of the label.  This
 * module reads both, keeps the capture's uid table per file, takes names the
 * capture lacks from the user's table (UAT xmtrack_apps), and shows the
 * result on every xmtrack message of a marked packet.
 *
 * Nothing is read for a packet until one of its messages is decoded: a
 * capture without marks, or a packet without a message, costs one test per
 * frame (is this a PCAPdroid custom block?). */
#ifndef XMT_CAPTURE_APP_H
#define XMT_CAPTURE_APP_H

#include <epan/packet.h>
#include <epan/prefs.h>

#include "core/xmt_message.h"

typedef enum {
    XMT_MARK_COMMENT,  /* pcapng: the packet's comment "u-<uid>" */
    XMT_MARK_TRAILER,  /* pcap: PCAPdroid's trailer at the frame's end */
} xmt_mark_source;

/* One packet's mark: what PCAPdroid recorded, and the names found for it.
 * Lives in pinfo->pool. */
typedef struct {
    xmt_mark_source source;
    gint32 uid;             /* as recorded; -1: PCAPdroid could not attribute the packet */
    const char *package;    /* the package name, or NULL when neither the capture nor the table names one */
    const char *label;      /* the app's label (cut to 19 bytes in a trailer), or NULL */
    const char *app;        /* xmtrack.capture_app: the package, else the label; NULL when the uid has no name */
    gboolean from_table;    /* the names came from the user's table (xmtrack_apps), not from the capture */
    const char *table_conflict;  /* the table names another app than the trailer: why it was not used */
    /* where the uid and label are in the frame (the trailer), else NULL */
    tvbuff_t *frame;
    gint uid_offset, label_offset;
} xmt_capture_mark;

/* A mark PCAPdroid wrote but that could not be read (a "u-" comment that is
 * no uid, a trailer whose CRC is wrong): the reason, for an expert item. */
typedef struct {
    const char *reason;
    tvbuff_t *frame;   /* the trailer's frame, or NULL (a comment) */
    gint offset, length;
} xmt_capture_mark_problem;

/* Registers the fields and expert items of protocol `proto` (with the
 * protocol's registration). */
void xmt_capture_app_register(int proto);
/* The custom-block reader, at the end of every packet (the plugin's
 * postdissector, xmt_proto.c): reads a PCAPdroid uid map; returns the bytes
 * shown (a map that could not be read), else 0. */
int xmt_capture_app_packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree);
/* Registers the table of apps (UAT xmtrack_apps) in `module`. */
void xmt_capture_app_register_prefs(module_t *module);

/* This packet's mark, or NULL when it has none.  A mark that could not be
 * read gives NULL and, when `problem` is not NULL, its reason there. */
const xmt_capture_mark *xmt_capture_mark_of(packet_info *pinfo, xmt_capture_mark_problem *problem);

/* The verdict on the apps an event (or the message) names in `facts`
 * against the capture's package (docs/formats/pcapdroid.md, section 4), and
 * in `which` the app fact it rests on (the first that differs, else the
 * first that agrees). */
typedef enum {
    XMT_APPS_NO_VERDICT,  /* the capture names no package (or uid -1), or the facts name no package */
    XMT_APPS_AGREE,
    XMT_APPS_DISAGREE,
} xmt_apps_verdict;
xmt_apps_verdict xmt_capture_app_verdict(const xmt_capture_mark *mark, const GArray *facts, const xmt_fact **which);

/* The facts the verdict needs decoded when the tree is built: the apps, for
 * a packet whose capture app has a package (its expert item is shown however
 * the tree is asked for) and for a filter on xmtrack.capture_app_differs or
 * xmtrack.app_mismatch. */
guint64 xmt_capture_app_facts_wanted(packet_info *pinfo, proto_tree *tree);

/* The tree: the mark's fields under a message (`input` its tvb), and the
 * verdict under an event or the message, at the bytes of the app it rests
 * on.  The *_items functions say first how many tree items each adds, an
 * expert item counting `expert_items`, so the tree's budget is asked. */
guint xmt_capture_app_message_items(const xmt_capture_mark *mark, const xmt_capture_mark_problem *problem,
                                    guint expert_items);
void xmt_capture_app_add_message_fields(proto_tree *tree, packet_info *pinfo, tvbuff_t *input,
                                        const xmt_capture_mark *mark, const xmt_capture_mark_problem *problem);
guint xmt_capture_app_verdict_items(xmt_apps_verdict verdict, guint expert_items);
void xmt_capture_app_add_verdict(proto_tree *tree, packet_info *pinfo, tvbuff_t *tvb, gint offset, gint length,
                                 const xmt_capture_mark *mark, xmt_apps_verdict verdict, const xmt_fact *which);

#endif /* XMT_CAPTURE_APP_H */
