/* test_search.c: search terms from search-engine URLs (core/xmt_search.h). */
#include <glib.h>
#include <string.h>

#include "core/xmt_search.h"

static void expect_term(const char *url, const char *term)
{
    char *got = xmt_search_term_from_url(url);
    if (g_strcmp0(got, term) != 0)
        g_test_message("URL %s", url);
    g_assert_cmpstr(got, ==, term);
    g_free(got);
}

static void test_engines(void)
{
    expect_term("https://www.google.co.uk/search?q=a+b", "a b");
    expect_term("https://www.google.com/search?hl=en&q=xiaomi+privacy&oq=xiaomi", "xiaomi privacy");
    expect_term("https://www.bing.com/search?q=mint+browser&form=QBLH", "mint browser");
    expect_term("https://duckduckgo.com/?q=tracking&t=h_", "tracking");
    expect_term("https://www.baidu.com/s?ie=utf-8&wd=hello", "hello");
    expect_term("https://m.baidu.com/s?word=hello", "hello");
    expect_term("https://yandex.ru/search/?text=weather&lr=213", "weather");
    expect_term("https://search.yahoo.com/search?p=news&fr=yfp", "news");
    expect_term("https://search.naver.com/search.naver?where=nexearch&query=seoul", "seoul");
    expect_term("https://www.sogou.com/web?query=beijing", "beijing");
    expect_term("https://www.sogou.com/web?keyword=shanghai", "shanghai");
    expect_term("https://www.ecosia.org/search?q=trees", "trees");
    expect_term("https://www.startpage.com/do/search?query=private", "private");
}

/* The engines sa-sdk-javascript reads $latest_search_keyword from. */
static void test_js_sdk_engines(void)
{
    expect_term("https://www.so.com/s?ie=utf-8&q=%E5%B0%8F%E7%B1%B3", "\xe5\xb0\x8f\xe7\xb1\xb3");
    expect_term("https://m.sm.cn/s?q=redmi", "redmi");
    expect_term("https://tieba.baidu.com/f?kw=xiaomi", "xiaomi");
    expect_term("https://www.baidu.com/s?keyword=mint", "mint");
    expect_term("https://also.com/s?q=redmi", NULL);            /* "so.com" only as whole labels */
    expect_term("https://so.example.org/s?q=redmi", NULL);
    expect_term("https://www.sm.example/s?q=redmi", NULL);
}

static void test_placeholders(void)
{
    static const char *const sdk[] = { "未取到值", "未取到值_直接打开", "未取到值_非http的url", "取值异常",
                                       "取值异常_referrer异常_[object Object]", "url的domain解析失败",
                                       "url解析失败", "hostname解析异常", "url_host取值异常", "获取url异常",
                                       "url_domain异常_http://x", "$direct" };
    for (gsize i = 0; i < G_N_ELEMENTS(sdk); i++)
        g_assert_true(xmt_search_is_placeholder(sdk[i]));
    g_assert_false(xmt_search_is_placeholder("未取到"));          /* a search for these words */
    g_assert_false(xmt_search_is_placeholder("xiaomi 未取到值"));
    g_assert_false(xmt_search_is_placeholder("https://www.google.com/"));
    g_assert_false(xmt_search_is_placeholder(""));
    g_assert_false(xmt_search_is_placeholder("$direct_mail"));  /* a value, not the placeholder */
}

static void test_percent_encoded(void)
{
    /* UTF-8 in escapes; '+' is a space, %2B a plus. */
    expect_term("https://www.baidu.com/s?wd=%E4%B8%AD%E5%9B%BD%E7%A7%BB%E5%8A%A8",
                "\xe4\xb8\xad\xe5\x9b\xbd\xe7\xa7\xbb\xe5\x8a\xa8");
    expect_term("https://www.google.com/search?q=caf%C3%A9+au+lait", "caf\xc3\xa9 au lait");
    expect_term("https://www.google.com/search?q=c%2B%2B+tutorial", "c++ tutorial");
    expect_term("https://www.google.com/search?q=a%26b%3Dc", "a&b=c");
    expect_term("https://yandex.ru/search/?text=%D0%BF%D0%BE%D0%B3%D0%BE%D0%B4%D0%B0",
                "\xd0\xbf\xd0\xbe\xd0\xb3\xd0\xbe\xd0\xb4\xd0\xb0");
}

static void test_url_forms(void)
{
    /* Case of scheme and host, ports, fragments. */
    expect_term("HTTPS://WWW.GOOGLE.COM/search?q=Upper", "Upper");
    expect_term("https://www.google.com:443/search?q=port", "port");
    expect_term("http://www.google.de/search?q=plain+http#top", "plain http");
    /* The parameter must be named exactly. */
    expect_term("https://www.google.com/search?qq=x&aq=1&q=real", "real");
    /* An empty value is skipped for the next one. */
    expect_term("https://www.google.com/search?q=&q=second", "second");
}

static void test_not_engines(void)
{
    static const char *const urls[] = {
        "https://example.com/?q=x",
        "https://www.example.com/search?q=test",
        "https://notgoogle.com/search?q=x",           /* an engine name inside a label */
        "https://googlex.com/search?q=x",
        "https://www.mybing.net/search?q=x",
        "https://www.google.com/search",              /* no query */
        "https://www.google.com/search?",             /* empty query */
        "https://www.google.com/search?hl=en",        /* no search parameter */
        "https://www.google.com/search?q=",           /* empty search */
        "https://www.google.com/search?hl=en#q=frag", /* in the fragment only */
        "https://www.baidu.com/s?q=x",                /* Baidu does not use q */
        "https://example.com/google?q=x",             /* the name in the path */
        "https://example.com/?u=https://www.google.com/search?q=x",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(urls); i++)
        expect_term(urls[i], NULL);
}

static void test_garbage(void)
{
    static const char *const urls[] = {
        "", "?", "?q=x", "not a url", "not a url?q=x", "http://[::1/?q=x", "://?q=x",
        "\x01\x02?q=x", "https://?q=x", "google?q=x",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(urls); i++)
        expect_term(urls[i], NULL);
    g_assert_null(xmt_search_term_from_url(NULL));
}

static void test_user_engines(void)
{
    /* Not known by default. */
    expect_term("https://www.qwant.com/?q=privacy", NULL);

    /* "label:param" pairs; spaces and case of the label do not matter;
     * malformed entries are skipped. */
    xmt_search_set_user_engines("qwant:q, Searx : query ,noparam,:q,empty:");
    expect_term("https://www.qwant.com/?q=privacy", "privacy");
    expect_term("https://searx.example.org/search?query=open+source", "open source");
    expect_term("https://www.qwant.com/?query=x", NULL);       /* its parameter only */
    expect_term("https://notqwant.com/?q=x", NULL);            /* labels, as for built-ins */
    expect_term("https://www.google.com/search?q=still", "still");
    expect_term("https://noparam.com/?q=x", NULL);
    expect_term("https://empty.com/?q=x", NULL);

    /* A new spec replaces the old one; NULL removes them all. */
    xmt_search_set_user_engines("searx:q");
    expect_term("https://www.qwant.com/?q=privacy", NULL);
    expect_term("https://searx.example.org/search?q=y", "y");
    xmt_search_set_user_engines(NULL);
    expect_term("https://searx.example.org/search?q=y", NULL);
    xmt_search_set_user_engines("");
    expect_term("https://www.qwant.com/?q=privacy", NULL);
}

static void test_invalid_utf8_escape(void)
{
    /* A term becomes an FT_STRING field value, like the JSON strings that
     * xmt_json_text() makes valid UTF-8.  An escape of a byte that is not
     * UTF-8 (%FF) should not give invalid UTF-8. */
    char *term = xmt_search_term_from_url("https://www.google.com/search?q=a%FFb");
    g_assert_nonnull(term);
    g_assert_true(g_utf8_validate(term, -1, NULL));
    g_free(term);
}

int main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/search/engines", test_engines);
    g_test_add_func("/search/js-sdk-engines", test_js_sdk_engines);
    g_test_add_func("/search/placeholders", test_placeholders);
    g_test_add_func("/search/percent-encoded", test_percent_encoded);
    g_test_add_func("/search/url-forms", test_url_forms);
    g_test_add_func("/search/not-engines", test_not_engines);
    g_test_add_func("/search/garbage", test_garbage);
    g_test_add_func("/search/user-engines", test_user_engines);
    g_test_add_func("/search/invalid-utf8-escape", test_invalid_utf8_escape);
    return g_test_run();
}
