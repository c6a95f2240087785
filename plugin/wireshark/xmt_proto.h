/* xmt_proto.h: the one registration root of the xmtrack protocol. */
#ifndef XMT_PROTO_H
#define XMT_PROTO_H

void xmt_proto_register(void);
void xmt_proto_handoff(void);

#endif /* XMT_PROTO_H */
