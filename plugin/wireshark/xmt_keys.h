/* xmt_keys.h: the keys of enciphered payloads whose key is not secret.
 *
 * Two sources, both read by the decoding core through cfg->find_key:
 *  - the user's key table, the UAT xmtrack_keys (sdk, key_id, key in base64
 *    or hex), for captures without the page that set the key;
 *  - keys found in the capture: the page (HTML or JavaScript response) that
 *    hands the Sensors web SDK's AES plugin its key
 *    (formats/xmt_sensors_keys.h), kept per sdk and key_id with the frame
 *    that carried it.
 * Pages and scripts come from the media_type takeover (xmt_media.c); what
 * was found is shown in their frame and handed to the reports (statistics,
 * -z xmtrack,keys). */
#ifndef XMT_KEYS_H
#define XMT_KEYS_H

#include <epan/packet.h>
#include <epan/prefs.h>

/* Registers the key table in the protocol's preferences `module`. */
void xmt_keys_register(module_t *module);

/* The core's find_key (core/xmt_request.h): the table's keys for sdk and
 * key_id first, in table order, then those found in the capture so far, in
 * the order they were found.  `ctx` is unused. */
const guint8 *xmt_keys_find(void *ctx, const char *sdk, const char *key_id, guint nth, gsize *len,
                            const char **source);

/* A page or script a server sent (an HTML or JavaScript response body):
 * the keys it hands out are remembered (first pass) and shown with an expert
 * note (every pass).  host_of(pinfo, host_data) gives the Host of the
 * request it answers, or NULL when not known; it is asked only for a page
 * that hands out keys (finding the Host costs more than looking for keys in
 * an ordinary page).  Exceptions stay inside. */
typedef const char *(*xmt_page_host_fn)(packet_info *pinfo, void *host_data);
void xmt_keys_page_body(tvbuff_t *body, packet_info *pinfo, proto_tree *tree, xmt_page_host_fn host_of,
                        void *host_data);

#endif /* XMT_KEYS_H */
