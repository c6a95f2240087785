/* xmt_peel.c: percent, base64 and compression layers of a payload value. */
#include "core/xmt_peel.h"

#include "layers/xmt_base64.h"
#include "layers/xmt_inflate.h"
#include "layers/xmt_percent.h"

#include <string.h>

const guint8 *xmt_span_data(const xmt_message *msg, const xmt_request *req, xmt_span span)
{
    if (span.layer < 0)
        return req->data + span.off;
    const xmt_layer *layer = xmt_message_layer(msg, span.layer);
    return layer && layer->data ? layer->data + span.off : NULL;
}

xmt_span xmt_peel_percent(xmt_message *msg, const xmt_request *req, xmt_span raw, const char *what)
{
    const guint8 *in = xmt_span_data(msg, req, raw);
    if (!xmt_percent_needed(in, raw.len))
        return raw;
    guint8 *out = g_malloc(raw.len ? raw.len : 1);
    guint bad = 0;
    gsize first_bad = 0;
    gsize n = xmt_percent_decode(in, raw.len, out, &bad, &first_bad);
    int layer = xmt_message_add_layer(msg, XMT_LAYER_PERCENT,
                                      xmt_message_join(msg, what, " (percent-decoded)"), out, n, raw);
    if (bad)
        xmt_message_add_error(msg, "percent-encoding", xmt_span_make(raw.layer, raw.off + first_bad, 1),
                              "%s: %u malformed %%-escape%s, the first at offset %" G_GSIZE_FORMAT " (kept as sent)",
                              what, bad, bad == 1 ? "" : "s", first_bad);
    return xmt_span_make(layer, 0, n);
}

xmt_span xmt_peel_form_value(xmt_message *msg, const xmt_request *req, xmt_span raw, const char *what)
{
    const guint8 *in = xmt_span_data(msg, req, raw);
    if (!memchr(in, '+', raw.len))
        return xmt_peel_percent(msg, req, raw, what);
    guint8 *spaced = g_malloc(raw.len);
    for (gsize i = 0; i < raw.len; i++)
        spaced[i] = in[i] == '+' ? ' ' : in[i];
    guint8 *out = g_malloc(raw.len);
    guint bad = 0;
    gsize first_bad = 0;
    gsize n = xmt_percent_decode(spaced, raw.len, out, &bad, &first_bad);
    g_free(spaced);
    int layer = xmt_message_add_layer(msg, XMT_LAYER_PERCENT, xmt_message_join(msg, what, " (form-decoded)"), out, n,
                                      raw);
    if (bad)  /* the same offsets as the raw value: '+' for ' ' is one byte for one */
        xmt_message_add_error(msg, "percent-encoding", xmt_span_make(raw.layer, raw.off + first_bad, 1),
                              "%s: %u malformed %%-escape%s, the first at offset %" G_GSIZE_FORMAT " (kept as sent)",
                              what, bad, bad == 1 ? "" : "s", first_bad);
    return xmt_span_make(layer, 0, n);
}

static gboolean looks_like_json(const guint8 *b, gsize len)
{
    gsize i = 0;
    while (i < len && g_ascii_isspace(b[i]))
        i++;
    return i < len && (b[i] == '[' || b[i] == '{');
}

static gboolean peel_base64(xmt_message *msg, const xmt_request *req, xmt_span *cur, const char *what)
{
    char *error = NULL;
    gsize n = 0;
    guint8 *bytes = xmt_base64_decode(xmt_span_data(msg, req, *cur), cur->len, &n, &error);
    if (!bytes) {
        xmt_message_add_error(msg, "base64", *cur, "%s: not valid base64: %s", what, error);
        g_free(error);
        return FALSE;
    }
    int layer = xmt_message_add_layer(msg, XMT_LAYER_BASE64,
                                      xmt_message_join(msg, what, " (base64-decoded)"), bytes, n, *cur);
    *cur = xmt_span_make(layer, 0, n);
    return TRUE;
}

static gboolean peel_compression(xmt_message *msg, const xmt_request *req, xmt_span *cur,
                                 xmt_compression kind, const char *what, const xmt_config *cfg)
{
    static const xmt_layer_kind layer_kind[] = {
        [XMT_COMPRESSION_GZIP] = XMT_LAYER_GZIP,
        [XMT_COMPRESSION_ZLIB] = XMT_LAYER_ZLIB,
        [XMT_COMPRESSION_DEFLATE] = XMT_LAYER_DEFLATE,
    };
    const char *name = xmt_layer_kind_name(layer_kind[kind]);
    char *error = NULL;
    gsize n = 0;
    guint8 *bytes = xmt_inflate(xmt_span_data(msg, req, *cur), cur->len, kind, cfg->max_inflated, &n, &error);
    if (error) {
        gboolean limit = n >= cfg->max_inflated;
        xmt_message_add_error(msg, limit ? "limit" : name, *cur, "%s: %s%s", what, error,
                              bytes ? " (the part inflated so far is shown)" : "");
        g_free(error);
    }
    if (!bytes)
        return FALSE;
    static const char *const suffix[] = {
        [XMT_COMPRESSION_GZIP] = " (gzip-inflated)",
        [XMT_COMPRESSION_ZLIB] = " (zlib-inflated)",
        [XMT_COMPRESSION_DEFLATE] = " (deflate-inflated)",
    };
    int layer = xmt_message_add_layer(msg, layer_kind[kind], xmt_message_join(msg, what, suffix[kind]), bytes, n, *cur);
    *cur = xmt_span_make(layer, 0, n);
    return TRUE;
}

gboolean xmt_peel_inflate(xmt_message *msg, const xmt_request *req, xmt_span *cur, const char *what,
                          const xmt_config *cfg)
{
    xmt_compression kind = xmt_inflate_sniff(xmt_span_data(msg, req, *cur), cur->len);
    return kind == XMT_COMPRESSION_NONE || peel_compression(msg, req, cur, kind, what, cfg);
}

gboolean xmt_peel_to_json(xmt_message *msg, const xmt_request *req, xmt_span text,
                          const char *what, const xmt_config *cfg, xmt_span *json)
{
    xmt_span cur = text;
    if (cur.len == 0) {
        xmt_message_add_error(msg, "payload", cur, "%s: empty value", what);
        return FALSE;
    }
    if (!looks_like_json(xmt_span_data(msg, req, cur), cur.len) && !peel_base64(msg, req, &cur, what))
        return FALSE;

    const guint8 *b = xmt_span_data(msg, req, cur);
    xmt_compression kind = xmt_inflate_sniff(b, cur.len);
    if (kind != XMT_COMPRESSION_NONE) {
        if (!peel_compression(msg, req, &cur, kind, what, cfg))
            return FALSE;
        b = xmt_span_data(msg, req, cur);
    }
    if (!looks_like_json(b, cur.len)) {
        /* Raw deflate has no signature: try it before giving up. */
        char *error = NULL;
        gsize n = 0;
        guint8 *probe = xmt_inflate(b, MIN(cur.len, (gsize)64), XMT_COMPRESSION_DEFLATE, 16, &n, &error);
        gboolean deflate = probe && looks_like_json(probe, n);
        g_free(probe);
        g_free(error);
        if (!deflate || !peel_compression(msg, req, &cur, XMT_COMPRESSION_DEFLATE, what, cfg) ||
            !looks_like_json(xmt_span_data(msg, req, cur), cur.len)) {
            if (!deflate)
                xmt_message_add_error(msg, "payload", cur, "%s: decoded bytes are neither gzip, zlib nor JSON "
                                      "(first byte 0x%02x)", what, cur.len ? b[0] : 0);
            return FALSE;
        }
    }
    *json = cur;
    return TRUE;
}
