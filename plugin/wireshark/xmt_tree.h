/* xmt_tree.h: a decoded message as fields, and as the rest of the packet
 * sees it (the reports read it too). */
#ifndef XMT_TREE_H
#define XMT_TREE_H

#include <epan/packet.h>

#include "core/xmt_message.h"
#include "wireshark/xmt_capture_app.h"

/* A decoded message: each layer now a tvb (data source).  Lives in
 * pinfo->pool; handed to the taps. */
typedef struct {
    packet_info *pinfo;
    tvbuff_t *input;      /* the body, or the URI query */
    tvbuff_t **layers;    /* one tvb per message layer */
    guint n_layers;
    xmt_message *msg;
    const char *host;
    const xmt_capture_mark *capture;  /* the app the capture attributed the packet to, or NULL */
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

#endif /* XMT_TREE_H */
