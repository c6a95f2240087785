/* xmt_media.h: where bodies come in (the media_type takeover). */
#ifndef XMT_MEDIA_H
#define XMT_MEDIA_H

void xmt_media_handoff(void);

#endif /* XMT_MEDIA_H */
