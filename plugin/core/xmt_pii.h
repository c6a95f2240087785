/* xmt_pii.h: personal data in decoded events, whatever key carries it.
 *
 * Key names are hints, values are validated: a 15-digit number is an IMEI
 * only if it passes the Luhn check, a hex string is an Android ID only under
 * an id-like key.  Each kind is reported once per event, with the first key
 * path and value that showed it. */
#ifndef XMT_PII_H
#define XMT_PII_H

#include <glib.h>
#include "core/xmt_message.h"

typedef enum {
    XMT_PII_IMEI,
    XMT_PII_ANDROID_ID,
    XMT_PII_OAID,
    XMT_PII_GAID,
    XMT_PII_MAC,
    XMT_PII_IMSI,
    XMT_PII_SERIAL,
    XMT_PII_EMAIL,
    XMT_PII_PHONE,
    XMT_PII_LOCATION,
    XMT_PII_URL,
    XMT_PII_SEARCH,
    XMT_PII_ACCOUNT_ID,
    XMT_PII_IP,          /* an IP address the payload itself carries (not the packet's) */
    XMT_PII_COUNT
} xmt_pii_kind;

/* The contract name (xmtrack.pii), e.g. "imei". */
const char *xmt_pii_name(xmt_pii_kind kind);

typedef struct {
    xmt_pii_kind kind;
    const char *path;    /* key path in the event, e.g. "properties.$device_id" */
    const char *value;
    xmt_span span;
} xmt_pii_finding;

/* Scans one leaf ("properties.imei" = "490154203237518"); a finding is
 * recorded in ev unless the event already has that kind. */
void xmt_pii_scan_leaf(xmt_message *msg, xmt_event *ev, const char *path, const char *value, xmt_span span);

/* Records a finding unless the event already has that kind (for modules
 * that know what a key holds). */
void xmt_pii_record(xmt_message *msg, xmt_event *ev, xmt_pii_kind kind, const char *path,
                    const char *value, xmt_span span);

/* Takes back the finding of `kind` made at `path`, for a key that proved to
 * mean something else once the whole event was read (OneTrack's H.uid
 * beside a uid_type).  FALSE when there was none; else the finding in *out
 * (may be NULL). */
gboolean xmt_pii_withdraw(xmt_event *ev, xmt_pii_kind kind, const char *path, xmt_pii_finding *out);

/* After all leaves: kinds that need the whole event (a latitude/longitude
 * pair, URLs and searches from facts, the account id of a sign-up). */
void xmt_pii_scan_event(xmt_message *msg, xmt_event *ev);

/* Frees the tables the scan makes on first use (at shutdown: the plugin is unloaded after it,
 * and what only its static variables held would be lost). Nothing may scan meanwhile. */
void xmt_pii_cleanup(void);

/* Validators, exposed for the unit tests. */
gboolean xmt_pii_luhn_ok(const char *digits);
gboolean xmt_pii_is_imei(const char *value);
gboolean xmt_pii_is_mac(const char *value);
gboolean xmt_pii_is_email(const char *value);
gboolean xmt_pii_is_uuid(const char *value);
gboolean xmt_pii_is_ip(const char *value);

#endif
