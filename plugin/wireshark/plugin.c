/* plugin.c: the symbols Wireshark's plugin loader looks for. */
#define WS_BUILD_DLL
#include <wireshark.h>
#include <epan/proto.h>

#include "wireshark/xmt_proto.h"

/* Wireshark 4.2 and later read a plugin's kind from plugin_describe(); the
 * flag is in wsutil/plugins.h, which 4.0 does not install.  Without it the
 * plugin loads but is listed as "unknown" by tshark -G plugins. */
#if WIRESHARK_VERSION_MAJOR > 4 || (WIRESHARK_VERSION_MAJOR == 4 && WIRESHARK_VERSION_MINOR >= 2)
#include <wsutil/plugins.h>
#endif

#ifndef PLUGIN_VERSION
#error PLUGIN_VERSION must be defined by the build
#endif

WS_DLL_PUBLIC_DEF const gchar plugin_version[] = PLUGIN_VERSION;
WS_DLL_PUBLIC_DEF const int plugin_want_major = WIRESHARK_VERSION_MAJOR;
WS_DLL_PUBLIC_DEF const int plugin_want_minor = WIRESHARK_VERSION_MINOR;

WS_DLL_PUBLIC void plugin_register(void);
#ifdef WS_PLUGIN_DESC_DISSECTOR
WS_DLL_PUBLIC uint32_t plugin_describe(void);

uint32_t plugin_describe(void)
{
    return WS_PLUGIN_DESC_DISSECTOR;
}
#endif

void plugin_register(void)
{
    static proto_plugin plug;
    plug.register_protoinfo = xmt_proto_register;
    plug.register_handoff = xmt_proto_handoff;
    proto_register_plugin(&plug);
}
