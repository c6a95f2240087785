/* xmt_media_types.h: the media types whose bodies xmtrack looks into.
 *
 * On Wireshark 4.0 the "http" heuristic list is never consulted for form,
 * JSON, plain-text or application/octet-stream bodies, because built-in
 * dissectors own those media types (docs/versions.md), so xmtrack takes
 * over those media_type entries (xmt_media.c) and always chains to the
 * built-in dissector.  Transports ask which types these are before they
 * keep a request for its body. */
#ifndef XMT_MEDIA_TYPES_H
#define XMT_MEDIA_TYPES_H

#include <glib.h>

typedef struct {
    const char *media_type;
    const char *builtin_name;  /* the built-in owner, called after xmtrack */
    const char *handle_name;   /* each handle distinct: Decode As lists them */
    const char *description;
} xmt_media_type;

#define XMT_MEDIA_TYPE_COUNT 4
extern const xmt_media_type xmt_media_types[XMT_MEDIA_TYPE_COUNT];

/* The bare media type of a Content-Type value is one xmtrack takes over, so
 * its bodies will be handed to a transport. */
gboolean xmt_media_type_taken(const char *content_type);

#endif /* XMT_MEDIA_TYPES_H */
