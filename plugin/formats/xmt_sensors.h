/* xmt_sensors.h: Sensors Analytics (神策), the SDK of Xiaomi's browsers.
 * Every variant of formats.md §1: Android/iOS batch POST (gzip 1), Java
 * gzip 0, JS beacon GET and POST, JS batch, Python single message, and the
 * enciphered gzip 9 / 13 records. */
#ifndef XMT_SENSORS_H
#define XMT_SENSORS_H

#include "../core/xmt_decode.h"
#include "../layers/xmt_form.h"

gboolean xmt_sensors_recognise(const xmt_request *req, const xmt_form *form);
void xmt_sensors_decode(const xmt_request *req, const xmt_form *form, const xmt_config *cfg, xmt_message *msg);

#endif
