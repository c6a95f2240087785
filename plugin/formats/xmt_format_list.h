/* xmt_format_list.h: the one table of vendor formats, a line each.
 *
 * XMT_FORMAT(name): the module formats/xmt_<name>.c defines the row
 * xmt_format_<name> (xmt_format.h).  The order is the order recognition
 * tries them; it matters only between formats that could both claim a
 * request: Sensors' form first (its data=/data_list= with a payload marker
 * is the most specific), OneTrack's key exchange last. */
XMT_FORMAT(sensors)
XMT_FORMAT(miui_tracker)
XMT_FORMAT(miui_analytics)
XMT_FORMAT(mistat)
XMT_FORMAT(onetrack)
XMT_FORMAT(ga4)
