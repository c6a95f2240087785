/* xmt_media_types.h: the media types whose bodies xmtrack looks into.
 *
 * On Wireshark 4.0 the "http" heuristic list is never consulted for form,
 * JSON, plain-text or application/octet-stream bodies, because built-in
 * dissectors own those media types (docs/versions.md), so xmtrack takes
 * over those media_type entries (xmt_media.c) and always chains to the
 * built-in dissector.  Uploads come in those; the keys some SDKs take come
 * in pages and scripts (HTML, JavaScript), taken over the same way.
 * Transports ask which types carry uploads before they keep a request for
 * its body. */
#ifndef XMT_MEDIA_TYPES_H
#define XMT_MEDIA_TYPES_H

#include <glib.h>

typedef enum {
    XMT_MEDIA_UPLOAD,  /* analytics uploads: offered to the transports, then recognised */
    XMT_MEDIA_PAGE,    /* pages and scripts: their responses may hand out keys (xmt_keys.h) */
} xmt_media_role;

typedef struct {
    const char *media_type;
    xmt_media_role role;
    const char *builtin_name;  /* the built-in owner, called after xmtrack, when the table names none */
    const char *handle_name;   /* each handle distinct: Decode As lists them */
    const char *description;
} xmt_media_type;

#define XMT_MEDIA_TYPE_COUNT 8
extern const xmt_media_type xmt_media_types[XMT_MEDIA_TYPE_COUNT];

/* The bare media type of a Content-Type value is one xmtrack takes over for
 * uploads, so its bodies will be handed to a transport. */
gboolean xmt_media_type_taken(const char *content_type);

#endif /* XMT_MEDIA_TYPES_H */
