/* xmt_transports.c: the transports, as rows (xmt_transport.h).
 *
 * The order is the order bodies are offered in: HTTP/2 tells its own bodies
 * apart (it hands them with no header map, and its layer is in the packet),
 * HTTP/1 takes every other caller of the media_type table and rejects what
 * is not a request; HTTP/3 hands no bodies before Wireshark 4.7. */
#include <wireshark.h>

#include "wireshark/xmt_transport.h"
#include "wireshark/xmt_transports.h"

static const xmt_transport *const transports[] = {
    &xmt_transport_http2,
    &xmt_transport_http1,
    &xmt_transport_http3,
};

void xmt_transports_register(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(transports); i++)
        if (transports[i]->register_fn)
            transports[i]->register_fn();
}

void xmt_transports_handoff(void)
{
    for (gsize i = 0; i < G_N_ELEMENTS(transports); i++)
        transports[i]->handoff();
}

void xmt_transports_media_body(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree, void *data)
{
    for (gsize i = 0; i < G_N_ELEMENTS(transports); i++)
        if (transports[i]->media_body && transports[i]->media_body(tvb, pinfo, tree, data))
            return;
}

int xmt_transports_packet_end(tvbuff_t *tvb, packet_info *pinfo, proto_tree *tree)
{
    int taken = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(transports); i++) {
        int len = transports[i]->packet_end ? transports[i]->packet_end(tvb, pinfo, tree) : 0;
        taken = MAX(taken, len);  /* (MAX evaluates its arguments twice: no calls inside) */
    }
    return taken;
}

const char *xmt_transports_page_host(packet_info *pinfo, void *data)
{
    for (gsize i = 0; i < G_N_ELEMENTS(transports); i++) {
        const char *host = transports[i]->page_host ? transports[i]->page_host(pinfo, data) : NULL;
        if (host)
            return host;
    }
    return NULL;
}
