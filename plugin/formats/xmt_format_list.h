/* xmt_format_list.h: the one table of vendor formats, a line each.
 *
 * XMT_FORMAT(name): the module formats/xmt_<name>.c defines the row
 * xmt_format_<name> (xmt_format.h).  The order is the order recognition
 * tries them; it matters only between formats that could both claim a
 * request: Mixpanel first (its test of the first record is decisive, while
 * Sensors' data= leans on host and path hints), then Sensors' form (a
 * data=/data_list= with a payload marker), OneTrack's key exchange after
 * Xiaomi's other formats.  Segment and Amplitude after the rest: they claim
 * raw JSON by its own structure (a record type and an id; "events" after
 * "api_key"), which no earlier row's body has, and leave PostHog's
 * {"api_key","batch"} to it. */
XMT_FORMAT(mixpanel)
XMT_FORMAT(sensors)
XMT_FORMAT(miui_tracker)
XMT_FORMAT(miui_analytics)
XMT_FORMAT(mistat)
XMT_FORMAT(onetrack)
XMT_FORMAT(posthog)
XMT_FORMAT(snowplow)
XMT_FORMAT(ga4)
XMT_FORMAT(segment)
XMT_FORMAT(amplitude)
