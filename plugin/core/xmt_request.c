/* xmt_request.c: the request and the decoding options (xmt_request.h). */
#include "core/xmt_request.h"

#include <string.h>

void xmt_config_init(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->want_facts = XMT_FACTS_ALL;
    cfg->want_members = TRUE;
    cfg->max_inflated = XMT_DEFAULT_MAX_INFLATED;
    cfg->max_events = XMT_DEFAULT_MAX_EVENTS;
    cfg->max_json_depth = XMT_DEFAULT_MAX_JSON_DEPTH;
    cfg->max_json_nodes = XMT_DEFAULT_MAX_JSON_NODES;
    cfg->max_members = XMT_DEFAULT_MAX_MEMBERS;
}

void xmt_request_init(xmt_request *req)
{
    memset(req, 0, sizeof *req);
    req->gzip_header = -1;
}

const char *xmt_request_header(const xmt_request *req, const char *lower_name)
{
    return req->header ? req->header(req->header_ctx, lower_name) : NULL;
}

gboolean xmt_request_path_ends(const xmt_request *req, const char *suffix)
{
    if (!req->uri)
        return FALSE;
    gsize path_len = strcspn(req->uri, "?#"), n = strlen(suffix);
    return path_len >= n && g_ascii_strncasecmp(req->uri + path_len - n, suffix, n) == 0;
}

gboolean xmt_request_host_in(const xmt_request *req, const char *domain)
{
    if (!req->host)
        return FALSE;
    gsize host_len = strcspn(req->host, ":"), n = strlen(domain);
    if (host_len < n || g_ascii_strncasecmp(req->host + host_len - n, domain, n) != 0)
        return FALSE;
    return host_len == n || req->host[host_len - n - 1] == '.';
}
