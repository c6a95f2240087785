/* xmt_mistat.h: MiStat (com.xiaomi.mistatistic.sdk v2; com.xiaomi.stat v3),
 * docs/formats/mistat.md.  v2 "encrypts" stat_value with AES under a key computed
 * from app_id, app_key and device_id of the same form, so the plaintext is
 * recovered; v3's key comes from a key exchange a passive observer cannot see. */
#ifndef XMT_MISTAT_H
#define XMT_MISTAT_H

#include "core/xmt_request.h"
#include "layers/xmt_form.h"


/* The v2 key: the first 16 characters of the upper-case hex MD5 of
 * "seed:<app_id>-<app_key>-<device_id>" (asyncjobs/c.java), NUL-terminated.
 * Exposed for the unit tests (docs/formats/mistat.md, "Test vector"). */
void xmt_mistat_derive_key(const char *app_id, const char *app_key, const char *device_id, char key[17]);

#endif
