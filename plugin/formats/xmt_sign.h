/* xmt_sign.h: the form signatures of Xiaomi's SDKs.
 *
 * MiStat v2 (mistatistic controller/j.java) and OneTrack's form requests
 * (onetrack g/b.java) both sign the same way: every parameter but sign, sorted
 * by key, each key followed by its value, then a salt; the lower-case hex MD5
 * of that text (UTF-8) is sent as sign.  The SDKs sign the values first and
 * form-encode them afterwards with java.net.URLEncoder, so the check undoes
 * the form encoding ('+' is a space) before hashing. */
#ifndef XMT_SIGN_H
#define XMT_SIGN_H

#include "core/xmt_message.h"
#include "layers/xmt_form.h"

#define XMT_SIGN_SALT_MISTAT   "mistats_sdkconfig_jafej!@#)(*e@!#"
#define XMT_SIGN_SALT_ONETRACK "miui_sdkconfig_jafej!@#)(*e@!#"

/* The signature the SDK would have sent for this form (every pair but
 * sign), as 32 lower-case hex digits in out.  plus_is_space: how to read a
 * raw '+' (URLEncoder's space, or a literal '+' from other encoders). */
void xmt_sign_compute(const xmt_form *form, const char *salt, gboolean plus_is_space, char out[33]);

/* Checks the form's sign against the salt and records the outcome in
 * msg->has_sign / msg->sign_valid.  Does nothing when the form has no sign. */
void xmt_sign_check(xmt_message *msg, const xmt_form *form, const char *salt);

#endif
