/* test_event_pairs.c: events built from parameter lists and from several
 * JSON subtrees (core/xmt_events.h: xmt_event_from_pairs, xmt_event_add_json,
 * xmt_event_finish), with no format involved. */
#include <glib.h>
#include <string.h>

#include "core/xmt_events.h"
#include "core/xmt_pii.h"

static void config_all(xmt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    xmt_config_init(cfg);
    cfg->want_members = TRUE;
    cfg->want_pii = TRUE;
}

static const xmt_fact_rule pair_rules[] = {
    { "name",    XMT_FACT_EVENT,       XMT_RULE_STRING },
    { "page",    XMT_FACT_URL,         XMT_RULE_STRING },
    { "ref",     XMT_FACT_URL,         XMT_RULE_STRING },
    { "ts",      XMT_FACT_TIME,        XMT_RULE_NUMBER },
    { "kw",      XMT_FACT_SEARCH_TERM, XMT_RULE_QUERY },
    { "p.model", XMT_FACT_MODEL,       XMT_RULE_STRING },
    XMT_RULES_END
};

static xmt_pair pair(const char *name, const char *value, guint off)
{
    xmt_pair p = { name, value, xmt_span_make(XMT_LAYER_INPUT, off, strlen(value)), FALSE };
    return p;
}

/* Every value of a fact, joined by '|'. */
static char *facts_of(const xmt_event *ev, xmt_fact_id id)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < ev->facts->len; i++) {
        const xmt_fact *f = &g_array_index(ev->facts, xmt_fact, i);
        if (f->id == id)
            g_string_append_printf(s, "%s%s", s->len ? "|" : "", f->str ? f->str : "#");
    }
    return g_string_free(s, FALSE);
}

static void expect_facts(const xmt_event *ev, xmt_fact_id id, const char *want)
{
    char *got = facts_of(ev, id);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static char *members_of(const xmt_event *ev)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ev->members && i < ev->members->len; i++) {
        const xmt_member *m = &g_array_index(ev->members, xmt_member, i);
        g_string_append_printf(s, "%s%s=%s", s->len ? " " : "", m->path, m->value);
    }
    return g_string_free(s, FALSE);
}

static void expect_members(const xmt_event *ev, const char *want)
{
    char *got = members_of(ev);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static char *pii_of(const xmt_event *ev)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; ev->pii && i < ev->pii->len; i++) {
        const xmt_pii_finding *f = &g_array_index(ev->pii, xmt_pii_finding, i);
        g_string_append_printf(s, "%s%s@%s", s->len ? " " : "", xmt_pii_name(f->kind), f->path);
    }
    return g_string_free(s, FALSE);
}

static void expect_pii(const xmt_event *ev, const char *want)
{
    char *got = pii_of(ev);
    g_assert_cmpstr(got, ==, want);
    g_free(got);
}

static void test_pairs_facts_members_pii(void)
{
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = xmt_message_new("test");
    const xmt_pair pairs[] = {
        pair("name", "view", 0),
        pair("page", "https://example.com/a", 10),
        pair("ref", "https://www.google.com/search?q=red+shoes", 40),
        pair("ts", "1700000000123", 90),
        pair("kw", "blue+suede%20shoes", 110),
        pair("p.model", "Pixel 7", 130),
        pair("mail", "someone@example.org", 140),
        pair("uid", "42", 170),
    };
    xmt_event *ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 180), pairs, G_N_ELEMENTS(pairs),
                                         pair_rules, &cfg);
    g_assert_cmpuint(msg->events->len, ==, 1);
    g_assert_true(g_ptr_array_index(msg->events, 0) == ev);
    g_assert_cmpstr(ev->name, ==, "view");
    expect_facts(ev, XMT_FACT_URL, "https://example.com/a|https://www.google.com/search?q=red+shoes");
    /* XMT_RULE_QUERY decodes; a search engine's URL gives its query */
    expect_facts(ev, XMT_FACT_SEARCH_TERM, "blue suede shoes|red shoes");
    expect_facts(ev, XMT_FACT_MODEL, "Pixel 7");
    const xmt_fact *ts = xmt_event_fact(ev, XMT_FACT_TIME);
    g_assert_nonnull(ts);
    g_assert_cmpint(ts->num, ==, G_GINT64_CONSTANT(1700000000123));
    g_assert_cmpuint(ts->span.off, ==, 90);
    /* every pair a member, in order, its name as the path */
    expect_members(ev, "name=view page=https://example.com/a ref=https://www.google.com/search?q=red+shoes "
                       "ts=1700000000123 kw=blue+suede%20shoes p.model=Pixel 7 mail=someone@example.org uid=42");
    const xmt_member *m = &g_array_index(ev->members, xmt_member, 6);
    g_assert_cmpuint(m->span.off, ==, 140);
    g_assert_cmpuint(m->span.len, ==, strlen("someone@example.org"));
    g_assert_true(m->path == pairs[6].name);  /* kept by the message already: not copied per event */
    expect_pii(ev, "email@mail account_id@uid url@xmtrack.url search@xmtrack.search_term");
    xmt_message_free(msg);
}

static void test_pairs_not_pii(void)
{
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = xmt_message_new("test");
    /* "cid" reads as a cell id to the scanner; the format says it is not one */
    xmt_pair pairs[] = { pair("cid", "1369988567.1756151735", 0), pair("location", "Berlin", 30) };
    xmt_event *ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 40), pairs, 1, pair_rules, &cfg);
    expect_pii(ev, "location@cid");
    pairs[0].not_pii = TRUE;
    ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 40), pairs, 2, pair_rules, &cfg);
    expect_pii(ev, "location@location");  /* a real location after it is still found */
    expect_members(ev, "cid=1369988567.1756151735 location=Berlin");
    g_assert_null(ev->name);
    xmt_message_free(msg);
}

static void test_pairs_limits_and_filters(void)
{
    xmt_config cfg;
    config_all(&cfg);
    cfg.max_members = 2;
    xmt_message *msg = xmt_message_new("test");
    const xmt_pair pairs[] = { pair("name", "a", 0), pair("x", "1", 5), pair("y", "2", 9), pair("z", "3", 13) };
    xmt_event *ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 20), pairs, 4, pair_rules, &cfg);
    expect_members(ev, "name=a x=1");
    g_assert_cmpuint(msg->errors->len, ==, 1);  /* said once, at the first one left out */
    const xmt_error *e = &g_array_index(msg->errors, xmt_error, 0);
    g_assert_cmpstr(e->layer, ==, "limit");
    g_assert_cmpuint(e->span.off, ==, 9);

    /* A display filter on the event name alone: no members, no other facts. */
    config_all(&cfg);
    cfg.want_members = FALSE;
    cfg.want_pii = FALSE;
    cfg.want_facts = XMT_FACT_BIT(XMT_FACT_EVENT);
    const xmt_pair more[] = { pair("page", "https://www.google.com/search?q=x", 0), pair("name", "b", 40),
                              pair("ts", "12", 50), pair("ts", "not a number", 55) };
    ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 60), more, 4, pair_rules, &cfg);
    g_assert_null(ev->members);
    g_assert_null(ev->pii);
    g_assert_cmpstr(ev->name, ==, "b");
    g_assert_cmpuint(ev->facts->len, ==, 1);
    /* and with times wanted, text that is no number gives no time */
    cfg.want_facts = XMT_FACTS_ALL;
    ev = xmt_event_from_pairs(msg, xmt_span_make(XMT_LAYER_INPUT, 0, 60), more + 3, 1, pair_rules, &cfg);
    g_assert_null(xmt_event_fact(ev, XMT_FACT_TIME));
    xmt_message_free(msg);
}

static const xmt_fact_rule envelope_rules[] = {
    { "client_id",    XMT_FACT_ANONYMOUS_ID, XMT_RULE_STRING },
    { "device.model", XMT_FACT_MODEL,        XMT_RULE_STRING },
    XMT_RULES_END
};

static const xmt_fact_rule own_rules[] = {
    { "name",             XMT_FACT_EVENT, XMT_RULE_STRING },
    { "params.page_location", XMT_FACT_URL, XMT_RULE_STRING },
    XMT_RULES_END
};

static void parse(xmt_json_doc *doc, const char *text)
{
    const xmt_json_limits limits = { 64, 100000, 0 };
    xmt_json_parse(doc, (const guint8 *)text, strlen(text), &limits);
    g_assert_true(doc->complete);
}

static void test_json_in_parts(void)
{
    static const char text[] =
        "{\"client_id\":\"c.1\",\"events\":[{\"name\":\"x\",\"params\":{\"page_location\":"
        "\"https://www.bing.com/search?q=tea\"}}],\"device\":{\"model\":\"Pixel\",\"os\":\"14\"},\"user_id\":\"u9\"}";
    xmt_json_doc doc;
    parse(&doc, text);
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = xmt_message_new("test");
    guint32 events = xmt_json_member(&doc, 0, "events");
    guint32 object = xmt_json_first_child(&doc, events);
    const xmt_json_node *n = xmt_json_node_at(&doc, object);
    xmt_event *ev = xmt_message_add_event(msg, xmt_span_make(XMT_LAYER_INPUT, n->off, n->len));
    /* the envelope's members by name, then the event's own object */
    for (guint32 c = xmt_json_first_child(&doc, 0); c != XMT_JSON_NONE; c = xmt_json_node_at(&doc, c)->next) {
        if (c == events)
            continue;
        char *key = xmt_json_key(&doc, xmt_json_node_at(&doc, c));
        xmt_event_add_json(msg, ev, &doc, c, key, XMT_LAYER_INPUT, envelope_rules, &cfg);
        g_free(key);
    }
    xmt_event_add_json(msg, ev, &doc, object, "", XMT_LAYER_INPUT, own_rules, &cfg);
    xmt_event_finish(msg, ev, &cfg);
    g_assert_cmpstr(ev->name, ==, "x");
    expect_facts(ev, XMT_FACT_ANONYMOUS_ID, "c.1");
    expect_facts(ev, XMT_FACT_MODEL, "Pixel");
    expect_facts(ev, XMT_FACT_URL, "https://www.bing.com/search?q=tea");
    expect_facts(ev, XMT_FACT_SEARCH_TERM, "tea");
    expect_members(ev, "client_id=c.1 device.model=Pixel device.os=14 user_id=u9 name=x "
                       "params.page_location=https://www.bing.com/search?q=tea");
    expect_pii(ev, "account_id@user_id url@xmtrack.url search@xmtrack.search_term");
    /* the spans are the leaves' bytes */
    const xmt_member *m = &g_array_index(ev->members, xmt_member, 1);
    g_assert_cmpuint(m->span.off, ==, (guint)(strstr(text, "\"Pixel\"") - text));

    /* The member limit holds for the event, over every call. */
    cfg.max_members = 3;
    ev = xmt_message_add_event(msg, xmt_span_make(XMT_LAYER_INPUT, n->off, n->len));
    xmt_event_add_json(msg, ev, &doc, xmt_json_member(&doc, 0, "device"), "device", XMT_LAYER_INPUT, envelope_rules, &cfg);
    xmt_event_add_json(msg, ev, &doc, object, "", XMT_LAYER_INPUT, own_rules, &cfg);
    xmt_event_add_json(msg, ev, &doc, xmt_json_member(&doc, 0, "user_id"), "user_id", XMT_LAYER_INPUT, envelope_rules,
                       &cfg);
    xmt_event_finish(msg, ev, &cfg);
    expect_members(ev, "device.model=Pixel device.os=14 name=x");
    guint limit_errors = 0;
    for (guint i = 0; i < msg->errors->len; i++)
        limit_errors += strcmp(g_array_index(msg->errors, xmt_error, i).layer, "limit") == 0;
    g_assert_cmpuint(limit_errors, ==, 1);
    xmt_message_free(msg);
    xmt_json_doc_clear(&doc);
}

/* xmt_event_from_json is xmt_event_add_json of the root, then finished. */
static void test_from_json_is_the_one_call_case(void)
{
    static const char text[] = "{\"name\":\"y\",\"params\":{\"page_location\":\"https://example.com/\",\"a\":1}}";
    xmt_json_doc doc;
    parse(&doc, text);
    xmt_config cfg;
    config_all(&cfg);
    xmt_message *msg = xmt_message_new("test");
    xmt_event *one = xmt_event_from_json(msg, &doc, 0, XMT_LAYER_INPUT, own_rules, &cfg);
    xmt_event *two = xmt_message_add_event(msg, one->span);
    xmt_event_add_json(msg, two, &doc, 0, "", XMT_LAYER_INPUT, own_rules, &cfg);
    xmt_event_finish(msg, two, &cfg);
    char *a = members_of(one), *b = members_of(two);
    g_assert_cmpstr(a, ==, "name=y params.page_location=https://example.com/ params.a=1");
    g_assert_cmpstr(a, ==, b);
    g_free(a);
    g_free(b);
    g_assert_cmpstr(one->name, ==, two->name);
    g_assert_cmpuint(one->facts->len, ==, two->facts->len);
    xmt_message_free(msg);
    xmt_json_doc_clear(&doc);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/event-pairs/facts-members-pii", test_pairs_facts_members_pii);
    g_test_add_func("/event-pairs/not-pii", test_pairs_not_pii);
    g_test_add_func("/event-pairs/limits-and-filters", test_pairs_limits_and_filters);
    g_test_add_func("/event-json/in-parts", test_json_in_parts);
    g_test_add_func("/event-json/from-json-is-one-call", test_from_json_is_the_one_call_case);
    return g_test_run();
}
