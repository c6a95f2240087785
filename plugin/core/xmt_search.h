/* xmt_search.h: the search a user typed, read back from a search engine URL. */
#ifndef XMT_SEARCH_H
#define XMT_SEARCH_H

#include <glib.h>

/* The query of a known search engine's result URL (Google q=, Bing q=,
 * DuckDuckGo q=, Baidu wd=/word=/kw=/keyword=, Yandex text=, Yahoo p=,
 * Naver query=, Sogou query=, Ecosia q=, Startpage query=, 360 so.com q=,
 * Shenma sm.cn q=), decoded, as a new string;
 * NULL when the URL is not one. */
char *xmt_search_term_from_url(const char *url);

/* TRUE when the value is a text an SDK puts in a referrer or search
 * property when it has none (e.g. the JS SDK's "未取到值_直接打开" for a
 * visit without a referrer): shown as sent, but never a URL or search term. */
gboolean xmt_search_is_placeholder(const char *value);

/* Adds the user's own engines, "label:param,label:param" (e.g. "qwant:q"),
 * replacing those set before; NULL or "" removes them.  Called when
 * preferences change, like Wireshark's own settings: not thread-safe. */
void xmt_search_set_user_engines(const char *spec);

#endif
