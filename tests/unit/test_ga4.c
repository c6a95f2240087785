/* test_ga4.c: Google Analytics 4 through xmt_decode() (formats/xmt_ga4.c).
 *
 * Hits are written here from docs/formats/ga4.md: its parameter reference
 * (section 4) for /g/collect, Google's Measurement Protocol reference for
 * /mp/collect.  The recorded hits (testdata/vendors/ga4_*) carry no uid,
 * ep.search_term, up.* or _uip: those are covered here only. */
#include <glib.h>
#include <string.h>

#include "core/xmt_pii.h"
#include "core/xmt_request.h"
#include "formats/xmt_dispatch.h"
#include "test_common.h"

/* A gtag hit's shared part, parameters in gtag's order. */
#define HIT_START "v=2&tid=G-ABC123XYZ&gtm=45je5580&_p=1746817938582&cid=1369988567.1756151735&ul=en-us&sr=1745x982"

/* One event in the query: a search result page reached from Google, a signed-in user. */
static const char search_hit[] =
    HIT_START "&uaa=x86&uam=Pixel%207&uap=Android&uapv=14.0.0&_s=3&sid=1746817858&sct=2&seg=1"
    "&dl=https%3A%2F%2Fshop.example.com%2Fsearch%3Fq%3Dwireless%2Bearbuds"
    "&dr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Dwireless%2Bearbuds%2B%25E5%25B0%258F%25E7%25B1%25B3"
    "&dt=Search%20results&uid=user-8812&en=view_search_results&ep.search_term=wireless%20earbuds"
    "&epn.results=24&up.plan=gold&up.contact=jane.doe%40example.org&sessionStamp=127.0.0.1&_et=10";

/* ---- helpers ------------------------------------------------------------ */

static void config_all(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
    cfg->want_members = TRUE;
    cfg->want_pii = TRUE;
}

/* A hit with everything in the query: what the transports hand over as the input. */
static void query_request(xmt_request *req, const char *path, const char *query)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_URI_QUERY;
    req->data = (const guint8 *)query;
    req->len = strlen(query);
    req->method = "POST";
    req->uri = g_strdup_printf("%s?%s", path, query);
    req->host = "www.google-analytics.com";
}

/* A POST whose body is the input, its query in the URI. */
static void body_request(xmt_request *req, const char *path, const char *query, const char *body,
                         const char *content_type)
{
    xmt_request_init(req);
    req->kind = XMT_INPUT_BODY;
    req->data = (const guint8 *)body;
    req->len = strlen(body);
    req->method = "POST";
    req->uri = query ? g_strdup_printf("%s?%s", path, query) : g_strdup(path);
    req->host = "analytics.shop.example.com";  /* a first-party collector: no hint */
    req->content_type = content_type;
}

static void request_clear(xmt_request *req)
{
    g_free((char *)req->uri);
}

static void dump_errors(const xmt_message *msg)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        g_test_message("error %u: [%s] %s (layer %d off %u len %u)", i, e->layer, e->reason, e->span.layer,
                       e->span.off, e->span.len);
    }
}

static xmt_message *decode(const xmt_request *req, const xmt_config *cfg)
{
    g_assert_cmpstr(recognised_as(req), ==, "ga4");
    xmt_message *msg = xmt_decode(req, cfg);
    g_assert_nonnull(msg);
    g_assert_cmpstr(msg->sdk, ==, "ga4");
    dump_errors(msg);
    return msg;
}

static const xmt_event *event_at(const xmt_message *msg, guint i)
{
    g_assert_cmpuint(i, <, msg->events->len);
    return g_ptr_array_index(msg->events, i);
}

/* Every string value of a fact, joined by '|'. */
static char *facts_of(const GArray *facts, xmt_fact_id id)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < facts->len; i++) {
        const xmt_fact *f = &g_array_index(facts, xmt_fact, i);
        if (f->id == id && f->str)
            g_string_append_printf(s, "%s%s", s->len ? "|" : "", f->str);
    }
    return g_string_free(s, FALSE);
}

static void expect_facts(const xmt_event *ev, xmt_fact_id id, const char *want)
{
    char *got = facts_of(ev->facts, id);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static char *pii_of(const xmt_event *ev)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ev->pii && i < ev->pii->len; i++) {
        const xmt_pii_finding *f = &g_array_index(ev->pii, xmt_pii_finding, i);
        g_string_append_printf(s, "%s%s", s->len ? " " : "", xmt_pii_name(f->kind));
    }
    return g_string_free(s, FALSE);
}

static void expect_pii(const xmt_event *ev, const char *want)
{
    char *got = pii_of(ev);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static const xmt_member *find_member(const xmt_event *ev, const char *path)
{
    for (guint i = 0; ev->members && i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        if (strcmp(m->path, path) == 0)
            return m;
    }
    return NULL;
}

static void expect_member(const xmt_event *ev, const char *path, const char *value)
{
    const xmt_member *m = find_member(ev, path);
    if (!m)
        g_test_message("no member %s", path);
    g_assert_nonnull(m);
    g_assert_cmpstr(m->value, ==, value);
}

/* The bytes a span points at, as a new string. */
static char *span_text(const xmt_message *msg, const xmt_request *req, xmt_span span)
{
    const guint8 *base;
    if (span.layer < 0) {
        base = req->data;
        g_assert_cmpuint((gsize)span.off + span.len, <=, req->len);
    } else {
        const xmt_layer *layer = xmt_message_layer(msg, span.layer);
        g_assert_nonnull(layer);
        g_assert_cmpuint((gsize)span.off + span.len, <=, layer->len);
        base = layer->data;
    }
    return g_strndup((const char *)base + span.off, span.len);
}

static void expect_span(const xmt_message *msg, const xmt_request *req, xmt_span span, const char *want)
{
    char *got = span_text(msg, req, span);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static const xmt_error *find_error(const xmt_message *msg, const char *layer, const char *needle)
{
    for (guint i = 0; i < msg->errors->len; i++) {
        const xmt_error *e = &g_array_index(msg->errors, xmt_error, i);
        if (strcmp(e->layer, layer) == 0 && (!needle || strstr(e->reason, needle)))
            return e;
    }
    return NULL;
}

static guint count_params(const char *query)
{
    guint n = 1;
    for (const char *p = query; *p; p++)
        n += *p == '&';
    return n;
}

/* ---- recognition --------------------------------------------------------- */

static const char *query_recognised(const char *query)
{
    xmt_request req;
    query_request(&req, "/g/collect", query);
    const char *name = recognised_as(&req);
    request_clear(&req);
    return name;
}

static const char *body_recognised(const char *path, const char *query, const char *body)
{
    xmt_request req;
    body_request(&req, path, query, body, "text/plain");
    const char *name = recognised_as(&req);
    request_clear(&req);
    return name;
}

static void test_recognise_query(void)
{
    g_assert_cmpstr(query_recognised(search_hit), ==, "ga4");
    g_assert_cmpstr(query_recognised("v=2&tid=G-1&en=page_view"), ==, "ga4");
    /* not GA4: Universal Analytics, Snowplow, Matomo, a page's own query, parts missing */
    g_assert_null(query_recognised("v=1&_v=j101&tid=UA-12345-1&cid=1.2&t=pageview&dl=https%3A%2F%2Fa.example%2F"));
    /* Snowplow's GET (e= and tv=) is its own format's, not GA4's */
    g_assert_cmpstr(query_recognised("stm=1&e=pv&url=https%3A%2F%2Fa.example%2F&tv=js-4.10.1&tid=1&p=web"), ==, "snowplow");
    g_assert_null(query_recognised("idsite=1&rec=1&url=https%3A%2F%2Fa.example%2F&tid=3"));
    g_assert_null(query_recognised("v=2&tid=G-1&dl=x"));            /* no event name */
    g_assert_null(query_recognised("v=2&cid=1.2&en=page_view"));     /* no measurement id */
    g_assert_null(query_recognised("v=2&tid=&en=page_view"));        /* an empty one */
    g_assert_null(query_recognised("v=20&tid=G-1&en=page_view"));    /* another version */
    g_assert_null(query_recognised("tid=G-1&en=page_view"));
    /* en= past the first XMT_FORM_MAX_PARAMS parameters (an ecommerce hit's items come first) */
    GString *q = g_string_new("v=2&tid=G-1&cid=1.2");
    for (int i = 1; i <= XMT_FORM_MAX_PARAMS; i++)
        g_string_append_printf(q, "&pr%d=id%d~nmItem%d", i, i, i);
    g_string_append(q, "&en=purchase");
    g_assert_cmpstr(query_recognised(q->str), ==, "ga4");
    g_string_free(q, TRUE);
}

static void test_recognise_body(void)
{
    /* body lines to a hit's query, with or without en= in the query */
    g_assert_cmpstr(body_recognised("/g/collect", HIT_START, "en=page_view&_et=5\nen=scroll"), ==, "ga4");
    g_assert_cmpstr(body_recognised("/g/collect", HIT_START "&en=page_view", "_et=5"), ==, "ga4");
    g_assert_cmpstr(body_recognised("/x", HIT_START, "_et=1&en=click"), ==, "ga4");  /* any path */
    /* no event name anywhere, no query, another protocol's query */
    g_assert_null(body_recognised("/g/collect", HIT_START, "_et=5\n_et=6"));
    g_assert_null(body_recognised("/g/collect", NULL, "en=page_view"));
    g_assert_null(body_recognised("/collect", "v=1&tid=UA-1-1&cid=1", "en=page_view"));
    /* the Measurement Protocol: its query and a JSON object */
    static const char mp[] = "{\"client_id\":\"1.2\",\"events\":[{\"name\":\"login\"}]}";
    g_assert_cmpstr(body_recognised("/mp/collect", "measurement_id=G-1&api_secret=s3cr3t", mp), ==, "ga4");
    g_assert_cmpstr(body_recognised("/mp/collect", "api_secret=s&firebase_app_id=1:2:android:3", mp), ==, "ga4");
    g_assert_cmpstr(body_recognised("/proxy", "api_secret=s&measurement_id=G-1", " \n{\"events\":[]}"), ==, "ga4");
    g_assert_null(body_recognised("/mp/collect", "measurement_id=G-1", mp));           /* no secret */
    g_assert_null(body_recognised("/mp/collect", "api_secret=s", mp));                 /* no stream */
    g_assert_null(body_recognised("/mp/collect", "measurement_id=G-1&api_secret=s", "[{\"name\":\"x\"}]"));
    g_assert_null(body_recognised("/mp/collect", NULL, mp));
}

/* ---- one event in the query ---------------------------------------------- */

static void test_query_hit(void)
{
    xmt_request req;
    query_request(&req, "/g/collect", search_hit);
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 1);
    g_assert_cmpuint(msg->layers->len, ==, 0);  /* the input is the query */
    g_assert_false(msg->has_json);
    const xmt_event *ev = event_at(msg, 0);
    g_assert_cmpstr(ev->name, ==, "view_search_results");
    expect_span(msg, &req, ev->span, search_hit);
    expect_facts(ev, XMT_FACT_URL, "https://shop.example.com/search?q=wireless+earbuds|"
                                   "https://www.google.com/search?q=wireless+earbuds+%E5%B0%8F%E7%B1%B3");
    /* typed on the site (ep.search_term) and on Google (its result page, '+' a space) */
    expect_facts(ev, XMT_FACT_SEARCH_TERM, "wireless earbuds|wireless earbuds 小米");
    expect_facts(ev, XMT_FACT_DISTINCT_ID, "user-8812");  /* uid, not cid */
    expect_facts(ev, XMT_FACT_ANONYMOUS_ID, "1369988567.1756151735");
    expect_facts(ev, XMT_FACT_MODEL, "Pixel 7");
    expect_facts(ev, XMT_FACT_OS_VERSION, "14.0.0");
    /* _p is a page-load id and sid a session start: gtag sends no event time */
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));
    /* every parameter a member, decoded, its span the value as sent */
    g_assert_cmpuint(ev->members->len, ==, count_params(search_hit));
    expect_member(ev, "dt", "Search results");
    expect_member(ev, "ep.search_term", "wireless earbuds");
    expect_member(ev, "epn.results", "24");
    expect_member(ev, "up.plan", "gold");
    expect_member(ev, "sid", "1746817858");
    expect_member(ev, "sct", "2");
    expect_member(ev, "_p", "1746817938582");
    expect_span(msg, &req, find_member(ev, "up.contact")->span, "jane.doe%40example.org");
    expect_span(msg, &req, xmt_event_fact(ev, XMT_FACT_DISTINCT_ID)->span, "user-8812");
    /* the user property's e-mail, uid an account; cid is no cell id and
     * sessionStamp=127.0.0.1 no address under its name: neither is flagged */
    expect_pii(ev, "account_id email url search");
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_query_hit_personal_data(void)
{
    xmt_request req;
    query_request(&req, "/g/collect",
                  "v=2&tid=G-1&cid=1.2&en=page_view&_uip=203.0.113.7&ep.user_id=4711&ep.location=Berlin");
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    const xmt_event *ev = event_at(msg, 0);
    /* server-side tagging's _uip is the visitor's address; event parameters by their names */
    expect_pii(ev, "account_id location ip");
    expect_facts(ev, XMT_FACT_DISTINCT_ID, "1.2");  /* no uid: cid */
    const xmt_pii_finding *ip = &g_array_index(ev->pii, xmt_pii_finding, 2);
    g_assert_cmpstr(ip->path, ==, "_uip");
    expect_span(msg, &req, ip->span, "203.0.113.7");
    xmt_message_free(msg);
    request_clear(&req);
}

/* ---- shared query, one event per body line ------------------------------- */

static void test_body_lines(void)
{
    static const char query[] = HIT_START "&dl=https%3A%2F%2Fshop.example.com%2F&dt=Shop&en=page_view";
    static const char body[] = "en=page_view&_et=3674\r\n\nen=click&_et=799&dt=Test%20Page&ep.link_url=https%3A%2F%2Fa.example%2F\n"
                               "en=form_start&up.email=a%40b.example\n";
    xmt_request req;
    body_request(&req, "/g/collect", query, body, "text/plain");
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_cmpuint(msg->event_count, ==, 3);
    /* one layer: the query, a newline, the body */
    g_assert_cmpuint(msg->layers->len, ==, 1);
    const xmt_layer *layer = xmt_message_layer(msg, 0);
    g_assert_cmpint(layer->kind, ==, XMT_LAYER_JOINED);
    g_assert_cmpstr(xmt_layer_kind_name(layer->kind), ==, "joined");
    char *joined = g_strdup_printf("%s\n%s", query, body);
    g_assert_cmpuint(layer->len, ==, strlen(joined));
    g_assert_cmpint(memcmp(layer->data, joined, layer->len), ==, 0);
    g_free(joined);
    g_assert_cmpint(layer->from.layer, ==, XMT_LAYER_INPUT);
    g_assert_cmpuint(layer->from.len, ==, strlen(body));

    const xmt_event *a = event_at(msg, 0), *b = event_at(msg, 1), *c = event_at(msg, 2);
    g_assert_cmpstr(a->name, ==, "page_view");
    g_assert_cmpstr(b->name, ==, "click");
    g_assert_cmpstr(c->name, ==, "form_start");
    /* each event is its line (no CR), and the empty line is none */
    expect_span(msg, &req, a->span, "en=page_view&_et=3674");
    expect_span(msg, &req, b->span, "en=click&_et=799&dt=Test%20Page&ep.link_url=https%3A%2F%2Fa.example%2F");
    /* the query's parameters are every event's; the line's win */
    expect_member(a, "dt", "Shop");
    expect_member(b, "dt", "Test Page");
    expect_member(c, "dt", "Shop");
    expect_member(b, "tid", "G-ABC123XYZ");
    expect_member(b, "_et", "799");
    g_assert_cmpuint(count_params(query) + 1, ==, a->members->len);      /* en and _et: one new, one again */
    g_assert_cmpuint(count_params(query) - 2 + 4, ==, b->members->len);  /* en, dt again; _et, ep.link_url new */
    expect_facts(b, XMT_FACT_EVENT, "click");  /* one name, not the query's too */
    expect_facts(b, XMT_FACT_URL, "https://shop.example.com/|https://a.example/");
    expect_facts(c, XMT_FACT_DISTINCT_ID, "1369988567.1756151735");
    /* shared values point at the query, a line's at the line */
    expect_span(msg, &req, find_member(b, "tid")->span, "G-ABC123XYZ");
    g_assert_cmpuint(find_member(b, "tid")->span.off, <, strlen(query));
    g_assert_cmpuint(find_member(b, "dt")->span.off, >, strlen(query));
    expect_span(msg, &req, find_member(b, "dt")->span, "Test%20Page");
    expect_pii(a, "url");
    expect_pii(c, "email url");
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_body_without_lines(void)
{
    xmt_request req;
    body_request(&req, "/g/collect", "v=2&tid=G-1&cid=1.2&en=page_view", "\r\n\n", NULL);
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->event_count, ==, 1);  /* the query alone is the event */
    g_assert_cmpstr(event_at(msg, 0)->name, ==, "page_view");
    expect_span(msg, &req, event_at(msg, 0)->span, "v=2&tid=G-1&cid=1.2&en=page_view");
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_body_malformed(void)
{
    xmt_request req;
    /* a parameter without a name, a line without an event name, a bad escape kept as sent */
    body_request(&req, "/g/collect", "v=2&tid=G-1&cid=1.2", "en=a&=orphan\n_et=5\nen=b%ZZc&x=%E0%A4", "text/plain");
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->events->len, ==, 3);
    const xmt_error *e = find_error(msg, "form", "line 1: a parameter without a name");
    g_assert_nonnull(e);
    expect_span(msg, &req, e->span, "=orphan");
    e = find_error(msg, "GA4", "without a name");
    g_assert_nonnull(e);
    expect_span(msg, &req, e->span, "_et=5");
    g_assert_null(event_at(msg, 1)->name);
    g_assert_cmpstr(event_at(msg, 2)->name, ==, "b%ZZc");
    const xmt_member *x = find_member(event_at(msg, 2), "x");
    g_assert_true(g_utf8_validate(x->value, -1, NULL));  /* a cut UTF-8 sequence repaired */
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_body_limits(void)
{
    xmt_request req;
    body_request(&req, "/g/collect", "v=2&tid=G-1&cid=1.2&a=1&b=2", "en=1\nen=2\nen=3\nen=4\nen=5", "text/plain");
    xmt_config cfg;
    config_all(&cfg);
    cfg.max_events = 2;
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->events->len, ==, 2);
    const xmt_error *e = find_error(msg, "limit", "line 3");
    g_assert_nonnull(e);
    expect_span(msg, &req, e->span, "en=3");
    xmt_message_free(msg);
    /* the parameters every line repeats count: 6 an event here */
    config_all(&cfg);
    cfg.max_json_nodes = 13;
    msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->events->len, ==, 3);
    g_assert_nonnull(find_error(msg, "limit", "line 4: the events before it hold 18 parameters, each line repeating the query's 5 (limit 13)"));
    xmt_message_free(msg);
    request_clear(&req);
}

/* A display filter on the event name only: no members, no other facts. */
static void test_filter_only(void)
{
    xmt_request req;
    body_request(&req, "/g/collect", HIT_START "&dl=https%3A%2F%2Fa.example%2F", "en=a\nen=b", "text/plain");
    xmt_config cfg;
    memset(&cfg, 0, sizeof cfg);
    xmt_config_init(&cfg);
    cfg.want_facts = XMT_FACT_BIT(XMT_FACT_EVENT);
    cfg.want_members = FALSE;
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->events->len, ==, 2);
    for (guint i = 0; i < 2; i++) {
        const xmt_event *ev = event_at(msg, i);
        g_assert_null(ev->members);
        g_assert_null(ev->pii);
        g_assert_cmpuint(ev->facts->len, ==, 1);
    }
    g_assert_cmpstr(event_at(msg, 1)->name, ==, "b");
    xmt_message_free(msg);
    request_clear(&req);
}

/* ---- Measurement Protocol -------------------------------------------------- */

static void test_mp(void)
{
    /* Google's reference: user_id, timestamp_micros, user_properties, user_data, device;
     * events with their own time or the request's. */
    static const char body[] =
        "{\"client_id\":\"123456.7654321\",\"user_id\":\"u-42\",\"timestamp_micros\":1700000000123456,"
        "\"device\":{\"model\":\"Pixel 7\",\"operating_system_version\":\"14\"},"
        "\"events\":[{\"name\":\"search\",\"params\":{\"search_term\":\"red shoes\","
        "\"page_location\":\"https://shop.example.com/s?q=red\"}},"
        "{\"name\":\"purchase\",\"timestamp_micros\":1700000001000999,\"params\":{\"value\":9.5}}],"
        "\"ip_override\":\"198.51.100.23\",\"user_location\":{\"city\":\"Berlin\",\"country_id\":\"DE\"},"
        "\"user_data\":{\"sha256_email_address\":\"8a2a1b0c\"},\"user_properties\":{\"tier\":{\"value\":\"gold\"}}}";
    xmt_request req;
    body_request(&req, "/mp/collect", "measurement_id=G-XYZ&api_secret=s3cr3t", body, "application/json");
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    g_assert_cmpuint(msg->errors->len, ==, 0);
    g_assert_true(msg->has_json);
    g_assert_cmpuint(msg->event_count, ==, 2);
    char *params = facts_of(msg->facts, XMT_FACT_PARAM);
    g_assert_cmpstr(params, ==, "measurement_id=G-XYZ|api_secret=s3cr3t");
    g_free(params);
    const xmt_event *a = event_at(msg, 0), *b = event_at(msg, 1);
    g_assert_cmpstr(a->name, ==, "search");
    g_assert_cmpstr(b->name, ==, "purchase");
    expect_span(msg, &req, a->span,
                "{\"name\":\"search\",\"params\":{\"search_term\":\"red shoes\","
                "\"page_location\":\"https://shop.example.com/s?q=red\"}}");
    for (guint i = 0; i < 2; i++) {
        const xmt_event *ev = event_at(msg, i);
        expect_facts(ev, XMT_FACT_DISTINCT_ID, "u-42");
        expect_facts(ev, XMT_FACT_ANONYMOUS_ID, "123456.7654321");
        expect_facts(ev, XMT_FACT_MODEL, "Pixel 7");
        expect_facts(ev, XMT_FACT_OS_VERSION, "14");
        expect_member(ev, "client_id", "123456.7654321");
        expect_member(ev, "user_properties.tier.value", "gold");
        expect_member(ev, "device.model", "Pixel 7");
    }
    /* microseconds, as milliseconds: the event's own, else the request's */
    g_assert_cmpint(xmt_event_fact(a, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1700000000123));
    g_assert_cmpint(xmt_event_fact(b, XMT_FACT_TIME)->num, ==, G_GINT64_CONSTANT(1700000001000));
    expect_facts(a, XMT_FACT_SEARCH_TERM, "red shoes");
    expect_facts(a, XMT_FACT_URL, "https://shop.example.com/s?q=red");
    expect_member(a, "params.search_term", "red shoes");
    expect_member(b, "params.value", "9.5");
    g_assert_null(find_member(a, "params.value"));
    expect_pii(a, "account_id ip location email url search");
    expect_pii(b, "account_id ip location email");
    /* the envelope after the events array is shown at the array's start,
     * before it where it is */
    const char *events_at = strstr(body, "\"events\"") + strlen("\"events\":");
    const xmt_member *tier = find_member(b, "user_properties.tier.value");
    g_assert_cmpuint(tier->span.off, ==, (guint)(events_at - body));
    g_assert_cmpuint(tier->span.len, ==, 0);
    expect_span(msg, &req, find_member(b, "client_id")->span, "\"123456.7654321\"");
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_mp_app_stream(void)
{
    static const char body[] = "{\"app_instance_id\":\"a1b2c3\",\"events\":[{\"name\":\"tutorial_begin\",\"params\":{}}]}";
    xmt_request req;
    body_request(&req, "/mp/collect", "firebase_app_id=1:23:android:45&api_secret=s", body, "application/json");
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = decode(&req, &cfg);
    const xmt_event *ev = event_at(msg, 0);
    expect_facts(ev, XMT_FACT_APP, "1:23:android:45");
    expect_facts(ev, XMT_FACT_DISTINCT_ID, "a1b2c3");
    expect_facts(ev, XMT_FACT_ANONYMOUS_ID, "a1b2c3");
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));
    expect_pii(ev, "");
    xmt_message_free(msg);
    request_clear(&req);
}

static void test_mp_malformed(void)
{
    static const struct {
        const char *body, *layer, *needle;
    } cases[] = {
        { "{\"client_id\":\"1\",\"events\":[{\"name\":\"a\"},", "JSON", "invalid JSON" },
        { "{\"client_id\":\"1\"}", "JSON", "\"events\" array" },
        { "{\"events\":{\"name\":\"a\"},\"x\":[1]}", NULL, NULL },  /* one object: one event */
        { "{\"events\":[1,{\"name\":\"b\"}]}", "JSON", "element 0 is not an event object" },
        { "{\"events\":\"no\"}", "JSON", "expected an array or object of events" },
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        xmt_request req;
        body_request(&req, "/mp/collect", "measurement_id=G-1&api_secret=s", cases[i].body, "application/json");
        xmt_config cfg;
        config_all(&cfg);
        xmt_message *msg = decode(&req, &cfg);
        if (cases[i].layer)
            g_assert_nonnull(find_error(msg, cases[i].layer, cases[i].needle));
        else
            g_assert_cmpuint(msg->errors->len, ==, 0);
        xmt_message_free(msg);
        request_clear(&req);
    }
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/ga4/recognise-query", test_recognise_query);
    g_test_add_func("/ga4/recognise-body", test_recognise_body);
    g_test_add_func("/ga4/query-hit", test_query_hit);
    g_test_add_func("/ga4/query-hit-personal-data", test_query_hit_personal_data);
    g_test_add_func("/ga4/body-lines", test_body_lines);
    g_test_add_func("/ga4/body-without-lines", test_body_without_lines);
    g_test_add_func("/ga4/body-malformed", test_body_malformed);
    g_test_add_func("/ga4/body-limits", test_body_limits);
    g_test_add_func("/ga4/filter-only", test_filter_only);
    g_test_add_func("/ga4/mp", test_mp);
    g_test_add_func("/ga4/mp-app-stream", test_mp_app_stream);
    g_test_add_func("/ga4/mp-malformed", test_mp_malformed);
    return g_test_run();
}
