/* xmt_onetrack.h: Xiaomi OneTrack (com.xiaomi.onetrack), formats.md §3.3.
 *   POST /track/v4       OT_* headers, application/octet-stream body:
 *                        AES-128-ECB(gzip(JSON)) under a key_get key, which a
 *                        passive observer never sees: shown, not decrypted
 *   POST /track/v4/o     the plain variant: [{"H":{..},"B":{..}},..] as JSON
 *   POST /track/key_get  secretKey=<RSA-wrapped AES key>&sign=..
 */
#ifndef XMT_ONETRACK_H
#define XMT_ONETRACK_H

#include "../core/xmt_decode.h"
#include "../layers/xmt_form.h"

/* Uploads whose body is not a form (binary, JSON). */
gboolean xmt_onetrack_recognise_body(const xmt_request *req);
void xmt_onetrack_decode_body(const xmt_request *req, const xmt_config *cfg, xmt_message *msg);

/* The key exchange (a form). */
gboolean xmt_onetrack_recognise(const xmt_request *req, const xmt_form *form);
void xmt_onetrack_decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg);

#endif
