/* xmt_search.c: search-engine result URLs.  GLib's GUri parses the URL; the
 * engine table says which query parameter carries the search. */
#include "core/xmt_search.h"
#include "layers/xmt_percent.h"

#include <string.h>

typedef struct {
    const char *domain;   /* a label of the host: "google" matches www.google.co.uk */
    const char *params;   /* query parameters holding the search, NUL-separated */
} engine;

static const engine engines[] = {
    { "google",     "q\0" },
    { "bing",       "q\0" },
    { "duckduckgo", "q\0" },
    { "baidu",      "wd\0word\0kw\0keyword\0" },
    { "yandex",     "text\0" },
    { "yahoo",      "p\0" },
    { "naver",      "query\0" },
    { "sogou",      "query\0keyword\0" },
    { "ecosia",     "q\0" },
    { "startpage",  "query\0q\0" },
    /* The engines the Sensors JS SDK reads $latest_search_keyword from (its
     * source_type.keyword table) that the list above lacked; two labels, so
     * they do not match any host with a label "so" or "sm". */
    { "so.com",     "q\0" },
    { "sm.cn",      "q\0" },
};

/* What sa-sdk-javascript 1.27.11 sends in $latest_referrer, $first_referrer,
 * $latest_search_keyword and $first_search_keyword (and other preset
 * properties) when it has no value: the string literals of
 * dist/web/sensorsdata.js (npm package sa-sdk-javascript; minified, with the
 * Chinese as \u escapes), found with grep for the properties' names. */
static const char *const placeholders[] = {
    "未取到值",                 /* search page without a keyword */
    "未取到值_直接打开",        /* no referrer: opened directly */
    "未取到值_非http的url",     /* a referrer that is not http(s) */
    "取值异常",                 /* a value that is not a string */
    "url的domain解析失败",      /* the page's domain could not be parsed */
    "url解析失败",
    "hostname解析异常",
    "url_host取值异常",
    "获取url异常",
    /* mixpanel-browser's $initial_referrer (and $initial_referring_domain)
     * of a visit without a referrer (src/mixpanel-persistence.js 213-214);
     * posthog-js writes the same for $referrer. */
    "$direct",
};
/* ... and these followed by the value that failed ("取值异常_referrer异常_" + referrer). */
static const char *const placeholder_prefixes[] = { "取值异常_", "url_domain异常_" };

gboolean xmt_search_is_placeholder(const char *value)
{
    for (gsize i = 0; i < G_N_ELEMENTS(placeholders); i++)
        if (strcmp(value, placeholders[i]) == 0)
            return TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS(placeholder_prefixes); i++)
        if (g_str_has_prefix(value, placeholder_prefixes[i]))
            return TRUE;
    return FALSE;
}

/* The user's engines: pairs of strings (label, parameter) in one array. */
static GPtrArray *user_engines;

void xmt_search_set_user_engines(const char *spec)
{
    if (user_engines)
        g_ptr_array_free(user_engines, TRUE);
    user_engines = g_ptr_array_new_with_free_func(g_free);
    char **pairs = g_strsplit(spec ? spec : "", ",", -1);
    for (char **p = pairs; *p; p++) {
        char *colon = strchr(*p, ':');
        if (!colon)
            continue;
        char *raw_label = g_strndup(*p, (gsize)(colon - *p));
        char *label = g_ascii_strdown(g_strstrip(raw_label), -1);
        g_free(raw_label);
        char *param = g_strstrip(g_strdup(colon + 1));
        if (label[0] && param[0]) {
            g_ptr_array_add(user_engines, label);
            g_ptr_array_add(user_engines, param);
        } else {
            g_free(label);
            g_free(param);
        }
    }
    g_strfreev(pairs);
}

/* TRUE when `label` is one of the dot-separated labels of host. */
static gboolean host_has_label(const char *host, const char *label)
{
    gsize n = strlen(label);
    for (const char *p = host; (p = strstr(p, label)) != NULL; p++) {
        gboolean starts = p == host || p[-1] == '.';
        gboolean ends = p[n] == '\0' || p[n] == '.';
        if (starts && ends)
            return TRUE;
    }
    return FALSE;
}

static char *query_param(const char *query, const char *name)
{
    gsize n = strlen(name);
    for (const char *p = query; p && *p; ) {
        const char *end = strchr(p, '&');
        gsize len = end ? (gsize)(end - p) : strlen(p);
        if (len > n && strncmp(p, name, n) == 0 && p[n] == '=') {
            char *v = xmt_percent_decode_query_value(p + n + 1, len - n - 1);
            if (v[0] != '\0')
                return v;
            g_free(v);
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

char *xmt_search_term_from_url(const char *url)
{
    if (!url || !strchr(url, '?'))
        return NULL;
    GUri *uri = g_uri_parse(url, G_URI_FLAGS_ENCODED_QUERY | G_URI_FLAGS_PARSE_RELAXED, NULL);
    if (!uri)
        return NULL;
    char *term = NULL;
    const char *host = g_uri_get_host(uri);
    const char *query = g_uri_get_query(uri);
    if (host && query) {
        char *lower = g_ascii_strdown(host, -1);
        for (gsize i = 0; i < G_N_ELEMENTS(engines) && !term; i++) {
            if (!host_has_label(lower, engines[i].domain))
                continue;
            for (const char *param = engines[i].params; *param && !term; param += strlen(param) + 1)
                term = query_param(query, param);
        }
        for (guint i = 0; user_engines && i + 1 < user_engines->len && !term; i += 2)
            if (host_has_label(lower, g_ptr_array_index(user_engines, i)))
                term = query_param(query, g_ptr_array_index(user_engines, i + 1));
        g_free(lower);
    }
    g_uri_unref(uri);
    return term;
}
