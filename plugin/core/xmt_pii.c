/* xmt_pii.c: recognising personal data in decoded events.
 *
 * Each rule pairs a key hint (the last component of the leaf's path, lower
 * case, without a leading '$' or array index) with a validation of the
 * value.  Formats specific enough to stand alone (e-mail, MAC, E.164 phone,
 * IMEI with a known reporting-body prefix) need no key hint. */
#include "core/xmt_pii.h"

#include <string.h>

static const char *const pii_names[XMT_PII_COUNT] = {
    [XMT_PII_IMEI] = "imei",         [XMT_PII_ANDROID_ID] = "android_id", [XMT_PII_OAID] = "oaid",
    [XMT_PII_GAID] = "gaid",         [XMT_PII_MAC] = "mac",               [XMT_PII_IMSI] = "imsi",
    [XMT_PII_SERIAL] = "serial",     [XMT_PII_EMAIL] = "email",           [XMT_PII_PHONE] = "phone",
    [XMT_PII_LOCATION] = "location", [XMT_PII_URL] = "url",               [XMT_PII_SEARCH] = "search",
    [XMT_PII_ACCOUNT_ID] = "account_id", [XMT_PII_IP] = "ip",
};

const char *xmt_pii_name(xmt_pii_kind kind)
{
    return kind < XMT_PII_COUNT ? pii_names[kind] : "?";
}

/* ---- value validators -------------------------------------------------- */

static gboolean all_digits(const char *s, gsize n)
{
    if (strlen(s) != n)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

static gboolean all_hex(const char *s, gsize n)
{
    if (strlen(s) != n)
        return FALSE;
    for (gsize i = 0; i < n; i++)
        if (!g_ascii_isxdigit(s[i]))
            return FALSE;
    return TRUE;
}

/* Zeros mean "not available" (limited ad tracking, no permission). */
static gboolean all_zero(const char *s)
{
    for (; *s; s++)
        if (*s != '0' && *s != '-' && *s != ':')
            return FALSE;
    return TRUE;
}

gboolean xmt_pii_luhn_ok(const char *digits)
{
    gsize n = strlen(digits);
    guint sum = 0;
    for (gsize i = 0; i < n; i++) {
        if (!g_ascii_isdigit(digits[n - 1 - i]))
            return FALSE;
        guint d = (guint)(digits[n - 1 - i] - '0');
        if (i % 2 == 1) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return n > 0 && sum % 10 == 0;
}

gboolean xmt_pii_is_imei(const char *value)
{
    return all_digits(value, 15) && xmt_pii_luhn_ok(value) && !all_zero(value);
}

/* IMEIs whose reporting-body prefix is a common one (GSMA: 01, 35, 86, 99)
 * are recognised under any key; others need an imei-like key. */
static gboolean is_common_imei(const char *value)
{
    return xmt_pii_is_imei(value) &&
           (strncmp(value, "01", 2) == 0 || strncmp(value, "35", 2) == 0 ||
            strncmp(value, "86", 2) == 0 || strncmp(value, "99", 2) == 0);
}

gboolean xmt_pii_is_mac(const char *value)
{
    if (strlen(value) != 17)
        return FALSE;
    char sep = value[2];
    if (sep != ':' && sep != '-')
        return FALSE;
    for (int i = 0; i < 17; i++) {
        if (i % 3 == 2 ? value[i] != sep : !g_ascii_isxdigit(value[i]))
            return FALSE;
    }
    /* 02:00:00:00:00:00 is what Android answers apps that may not see the MAC. */
    return !all_zero(value) && g_ascii_strcasecmp(value, "02:00:00:00:00:00") != 0;
}

gboolean xmt_pii_is_email(const char *value)
{
    const char *at = strchr(value, '@');
    if (!at || at == value || strchr(at + 1, '@') || strlen(value) > 254)
        return FALSE;
    for (const char *p = value; p < at; p++)
        if (!g_ascii_isalnum(*p) && !strchr("._%+-", *p))
            return FALSE;
    const char *dot = strrchr(at + 1, '.');
    if (!dot || dot == at + 1 || strlen(dot + 1) < 2)
        return FALSE;
    for (const char *p = at + 1; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-')
            return FALSE;
    for (const char *p = dot + 1; *p; p++)
        if (!g_ascii_isalpha(*p))
            return FALSE;
    return TRUE;
}

/* An IPv4 or IPv6 literal, not the unspecified address (0.0.0.0, ::), which
 * SDKs send for "none".  Amplitude's "$remote" (take the packet's) is no
 * address either. */
gboolean xmt_pii_is_ip(const char *value)
{
    return g_hostname_is_ip_address(value) && strcmp(value, "0.0.0.0") != 0 && strcmp(value, "::") != 0;
}

gboolean xmt_pii_is_uuid(const char *value)
{
    static const int dashes[] = { 8, 13, 18, 23 };
    if (strlen(value) != 36)
        return FALSE;
    for (int i = 0, d = 0; i < 36; i++) {
        if (d < 4 && i == dashes[d]) {
            if (value[i] != '-')
                return FALSE;
            d++;
        } else if (!g_ascii_isxdigit(value[i])) {
            return FALSE;
        }
    }
    return !all_zero(value);
}

/* E.164: '+', then 8 to 15 digits, the first not 0. */
static gboolean is_e164(const char *value)
{
    gsize n = strlen(value);
    return value[0] == '+' && n >= 9 && n <= 16 && value[1] != '0' && all_digits(value + 1, n - 1);
}

/* A national number: 7 to 15 digits, spaces, dashes, dots and parentheses allowed. */
static gboolean is_national_phone(const char *value)
{
    guint digits = 0;
    for (const char *p = value; *p; p++) {
        if (g_ascii_isdigit(*p))
            digits++;
        else if (!strchr(" -.()+", *p))
            return FALSE;
    }
    return digits >= 7 && digits <= 15;
}

/* How a coordinate is written.  The Sensors Android and iOS SDKs send
 * $latitude/$longitude as integers of millionths of a degree
 * (sa-sdk-android SensorsDataAPI.setGPSLocation: (long)(latitude * 10^6);
 * sa-sdk-ios SALocationManager.m: (NSInteger)(latitude * 10^6)); others send
 * degrees.  An integer within the range of degrees is read as degrees, so
 * each value has one form, and a pair must agree on it. */
enum { COORD_NONE = 0, COORD_DEGREES = 1, COORD_SCALED = 2 };

#define COORD_SCALE 1e6

static gboolean is_integer(const char *value)
{
    const char *p = value + (value[0] == '-');
    return *p && strspn(p, "0123456789") == strlen(p);
}

static guint8 coordinate_form(const char *value, double limit)
{
    char *end = NULL;
    double v = g_ascii_strtod(value, &end);
    if (!end || end == value || *end != '\0' || v == 0.0 || v != v)
        return COORD_NONE;  /* zeros are "no fix", as the SDKs send before one */
    if (v >= -limit && v <= limit)
        return COORD_DEGREES;
    if (is_integer(value) && v >= -limit * COORD_SCALE && v <= limit * COORD_SCALE)
        return COORD_SCALED;
    return COORD_NONE;
}

/* ---- key hints --------------------------------------------------------- */

/* The last path component, without '$' or an array index: where it starts
 * in the path, and its length (at most size - 1). */
static const char *leaf_key_span(const char *path, gsize size, gsize *len)
{
    const char *dot = strrchr(path, '.');
    const char *key = dot ? dot + 1 : path;
    if (*key == '$')
        key++;
    gsize n = strlen(key);
    const char *bracket = memchr(key, '[', n);
    if (bracket)
        n = (gsize)(bracket - key);
    *len = MIN(n, size - 1);
    return key;
}

/* The key in lower case, as the lists hold them. */
static void lower_key(const char *key, gsize len, char *out)
{
    for (gsize i = 0; i < len; i++)
        out[i] = g_ascii_tolower(key[i]);
    out[len] = '\0';
}

static gboolean key_has(const char *key, const char *const *parts)
{
    for (; *parts; parts++)
        if (strstr(key, *parts))
            return TRUE;
    return FALSE;
}

static const char *const imei_keys[] = { "imei", "meid", "imei1", "imei2", "device_imei", "deviceimei", NULL };
static const char *const android_id_keys[] = { "android_id", "androidid", "device_id", "deviceid",
                                               "ssaid", "identity_android_id", "aid", NULL };
static const char *const oaid_parts[] = { "oaid", NULL };
static const char *const gaid_keys[] = { "gaid", "adid", "advertising_id", "advertisingid", "idfa",
                                         "google_ad_id", "googleadid", "gps_adid", "ad_id",
                                         "androididfa", "appleidfa", NULL };  /* Snowplow mobile_context */
static const char *const imsi_parts[] = { "imsi", NULL };
static const char *const serial_keys[] = { "serial", "serialno", "serial_no", "serial_number", "sn",
                                           "ro.serialno", NULL };
/* Whole keys, not parts: "tel" is inside "hotel", "ad_id" inside "load_id". */
static const char *const phone_keys[] = { "phone", "phone_number", "phonenumber", "phone_num", "mobile",
                                          "mobile_number", "mobile_phone", "msisdn", "tel", "telephone",
                                          "identity_mobile", NULL };  /* Sensors ID-Mapping 3 */
/* Sensors Android with disableDeviceId: base64 of the Android ID
 * (sa-sdk-android SAPresetPropertyPlugin.java, Base64Coder.encodeString). */
static const char *const encoded_android_id_keys[] = { "anonymization_id", NULL };
/* location_lat/location_lng: the HTTP API's event keys (Amplitude). */
static const char *const lat_keys[] = { "latitude", "lat", "location_lat", NULL };
static const char *const lon_keys[] = { "longitude", "lon", "lng", "location_lng", NULL };
static const char *const location_keys[] = { "curloc", "location", "gps", "cell_id", "cellid", "cid",
                                             "lac", "bssid", "wifi_list", "wifilist", "cell_info", NULL };
/* Keys that hold the client's address when an SDK or proxy puts it into the
 * payload (Segment context.ip, Mixpanel $ip, Snowplow's ip, GA's uip).  A
 * dotted quad alone is no address: version numbers look the same. */
static const char *const ip_keys[] = { "ip", "ip_address", "ipaddress", "ip_addr", "client_ip", "clientip",
                                       "user_ip", "userip", "remote_ip", "remote_addr", "remoteaddr",
                                       "x_forwarded_for", "uip", NULL };
static const char *const account_keys[] = { "login_id", "identity_login_id", "userid", "user_id", "uid",
                                             "xiaomi_id", "xiaomiid", "mi_id", "miid", "account_id",
                                             "mi_account", "xiaomi_account", NULL };

/* Which of the whole-key lists above a key is in, as one bit per list.
 * Looked up once per leaf in a table made on first use: checking each list
 * in turn cost some 60 string comparisons per leaf, most of an export's
 * time in this file. */
enum {
    IMEI_KEY = 1 << 0, GAID_KEY = 1 << 1, ANDROID_ID_KEY = 1 << 2, SERIAL_KEY = 1 << 3, PHONE_KEY = 1 << 4,
    LAT_KEY = 1 << 5, LON_KEY = 1 << 6, LOCATION_KEY = 1 << 7, ACCOUNT_KEY = 1 << 8, ENCODED_ANDROID_ID_KEY = 1 << 9,
    IP_KEY = 1 << 10,
};

/* Bit n of lengths_by_first[c]: some listed key starts with c and is n
 * bytes long (n < 32; longer ones set bit 31).  Most keys of an event are
 * in no list, and this tells so without hashing them. */
static guint32 lengths_by_first[256];

static void add_keys(GHashTable *table, const char *const *names, guint bit)
{
    for (; *names; names++) {
        guint bits = GPOINTER_TO_UINT(g_hash_table_lookup(table, *names));
        g_hash_table_insert(table, (gpointer)*names, GUINT_TO_POINTER(bits | bit));
        lengths_by_first[(guchar)**names] |= 1u << MIN(strlen(*names), 31);
    }
}

/* Key name -> the lists it is in; made on first use, freed by xmt_pii_cleanup(). */
static gsize key_table_ready;
static GHashTable *key_lists_by_name;

static GHashTable *key_table(void)
{
    if (g_once_init_enter(&key_table_ready)) {
        GHashTable *t = g_hash_table_new(g_str_hash, g_str_equal);
        add_keys(t, imei_keys, IMEI_KEY);
        add_keys(t, gaid_keys, GAID_KEY);
        add_keys(t, android_id_keys, ANDROID_ID_KEY);
        add_keys(t, serial_keys, SERIAL_KEY);
        add_keys(t, phone_keys, PHONE_KEY);
        add_keys(t, lat_keys, LAT_KEY);
        add_keys(t, lon_keys, LON_KEY);
        add_keys(t, location_keys, LOCATION_KEY);
        add_keys(t, account_keys, ACCOUNT_KEY);
        add_keys(t, ip_keys, IP_KEY);
        add_keys(t, encoded_android_id_keys, ENCODED_ANDROID_ID_KEY);
        key_lists_by_name = t;
        g_once_init_leave(&key_table_ready, 1);
    }
    return key_lists_by_name;
}

void xmt_pii_cleanup(void)
{
    if (key_lists_by_name)
        g_hash_table_destroy(key_lists_by_name);
    key_lists_by_name = NULL;
    key_table_ready = 0;  /* a later scan makes it again */
}

/* The lists a key (not yet lower-cased, len bytes) is in.  When it may be
 * in one, the lower-cased key is left in out and *lowered is set. */
static guint key_lists(const char *raw_key, gsize len, char *out, gboolean *lowered)
{
    GHashTable *table = key_table();  /* made first: it also fills lengths_by_first */
    if (!(lengths_by_first[(guchar)g_ascii_tolower(raw_key[0])] & (1u << MIN(len, 31))))
        return 0;
    lower_key(raw_key, len, out);
    *lowered = TRUE;
    return GPOINTER_TO_UINT(g_hash_table_lookup(table, out));
}

/* ---- findings ---------------------------------------------------------- */

void xmt_pii_record(xmt_message *msg, xmt_event *ev, xmt_pii_kind kind, const char *path,
                    const char *value, xmt_span span)
{
    if (ev->pii_seen & (1u << kind))
        return;
    ev->pii_seen |= 1u << kind;
    if (!ev->pii)
        ev->pii = g_array_new(FALSE, FALSE, sizeof(xmt_pii_finding));
    xmt_pii_finding f = { kind, xmt_message_strdup(msg, path), value, span };
    g_array_append_val(ev->pii, f);
}

/* base64 of 16 hex digits: 24 characters ending "==". */
static gboolean is_encoded_android_id(const char *value)
{
    if (strlen(value) != 24 || !g_str_has_suffix(value, "=="))
        return FALSE;
    gsize n = 0;
    guchar *raw = g_base64_decode(value, &n);
    char text[17] = "";
    if (n == 16)
        memcpy(text, raw, 16);
    g_free(raw);
    return n == 16 && all_hex(text, 16) && !all_zero(text);
}

gboolean xmt_pii_withdraw(xmt_event *ev, xmt_pii_kind kind, const char *path, xmt_pii_finding *out)
{
    for (guint i = 0; ev->pii && i < ev->pii->len; i++) {
        const xmt_pii_finding *f = &g_array_index(ev->pii, xmt_pii_finding, i);
        if (f->kind != kind || strcmp(f->path, path) != 0)
            continue;
        if (out)
            *out = *f;
        g_array_remove_index(ev->pii, i);
        ev->pii_seen &= ~(1u << kind);
        return TRUE;
    }
    return FALSE;
}

/* Which kind a key (in the lists `lists`) and value show, or XMT_PII_COUNT for none. */
static xmt_pii_kind classify(const char *key, guint lists, const char *value)
{
    if (xmt_pii_is_imei(value) && ((lists & IMEI_KEY) || is_common_imei(value)))
        return XMT_PII_IMEI;
    if (key_has(key, imsi_parts) && all_digits(value, 15) && value[0] >= '2' && value[0] <= '7')
        return XMT_PII_IMSI;
    if (key_has(key, oaid_parts) && (xmt_pii_is_uuid(value) || ((strlen(value) == 16 || strlen(value) == 64) &&
                                                                 all_hex(value, strlen(value)) && !all_zero(value))))
        return XMT_PII_OAID;
    if ((lists & GAID_KEY) && xmt_pii_is_uuid(value))
        return XMT_PII_GAID;
    if ((lists & ANDROID_ID_KEY) && all_hex(value, 16) && !all_zero(value))
        return XMT_PII_ANDROID_ID;
    if ((lists & ENCODED_ANDROID_ID_KEY) && is_encoded_android_id(value))
        return XMT_PII_ANDROID_ID;
    if (xmt_pii_is_mac(value))
        return XMT_PII_MAC;
    if (xmt_pii_is_email(value))
        return XMT_PII_EMAIL;
    if (is_e164(value) || ((lists & PHONE_KEY) && is_national_phone(value)))
        return XMT_PII_PHONE;
    if ((lists & SERIAL_KEY) && strlen(value) >= 6 && g_ascii_strcasecmp(value, "unknown") != 0)
        return XMT_PII_SERIAL;
    if ((lists & LOCATION_KEY) && value[0] && strcmp(value, "null") != 0)
        return XMT_PII_LOCATION;
    if ((lists & ACCOUNT_KEY) && value[0] && strcmp(value, "null") != 0 && !all_zero(value))
        return XMT_PII_ACCOUNT_ID;
    if ((lists & IP_KEY) && xmt_pii_is_ip(value))
        return XMT_PII_IP;
    return XMT_PII_COUNT;
}

/* Whether classify() could find anything: the key is in a list, or the
 * value has the shape of a kind recognised without one or by a part of the
 * key (IMEI and IMSI: 15 digits; OAID: 16, 36 or 64; MAC: 17; E.164: '+';
 * e-mail: '@').  Most leaves fail this, and are looked at no further. */
static gboolean may_classify(guint lists, const char *value, gsize len)
{
    if (lists)
        return TRUE;
    switch (len) {
    case 15: case 16: case 17: case 36: case 64:
        return TRUE;
    default:
        return value[0] == '+' || memchr(value, '@', len) != NULL;
    }
}

void xmt_pii_scan_leaf(xmt_message *msg, xmt_event *ev, const char *path, const char *value, xmt_span span)
{
    if (!value || !value[0])
        return;
    char key[64];
    gsize key_len;
    const char *raw_key = leaf_key_span(path, sizeof key, &key_len);
    gboolean lowered = FALSE;
    guint lists = key_lists(raw_key, key_len, key, &lowered);
    if (!may_classify(lists, value, strlen(value)))
        return;  /* and no coordinate either: those need a listed key */
    if (!lowered)
        lower_key(raw_key, key_len, key);
    xmt_pii_kind kind = classify(key, lists, value);
    if (kind != XMT_PII_COUNT) {
        xmt_pii_record(msg, ev, kind, path, value, span);
        return;
    }
    guint8 form;
    if ((lists & LAT_KEY) && (form = coordinate_form(value, 90.0)) != COORD_NONE) {
        ev->geo_lat = value;
        ev->geo_lat_form = form;
        ev->geo_span = span;
    } else if ((lists & LON_KEY) && (form = coordinate_form(value, 180.0)) != COORD_NONE) {
        ev->geo_lon = value;
        ev->geo_lon_form = form;
    }
}

/* "39908692,116397477 (39.908692,116.397477 in degrees)" for scaled pairs. */
static const char *location_text(xmt_message *msg, const xmt_event *ev)
{
    if (ev->geo_lat_form != COORD_SCALED)
        return xmt_message_printf(msg, "%s,%s", ev->geo_lat, ev->geo_lon);
    char lat[G_ASCII_DTOSTR_BUF_SIZE], lon[G_ASCII_DTOSTR_BUF_SIZE];
    g_ascii_formatd(lat, sizeof lat, "%.6f", g_ascii_strtod(ev->geo_lat, NULL) / COORD_SCALE);
    g_ascii_formatd(lon, sizeof lon, "%.6f", g_ascii_strtod(ev->geo_lon, NULL) / COORD_SCALE);
    return xmt_message_printf(msg, "%s,%s (%s,%s in degrees)", ev->geo_lat, ev->geo_lon, lat, lon);
}

/* A fact's value as personal data, found at the fact's field. */
static void facts_as_pii(xmt_message *msg, xmt_event *ev, xmt_fact_id fact, xmt_pii_kind kind, const char *path)
{
    const xmt_fact *f = xmt_event_fact(ev, fact);
    if (f && f->str)
        xmt_pii_record(msg, ev, kind, path ? path : xmt_fact_filter_name(fact), f->str, f->span);
}

void xmt_pii_scan_event(xmt_message *msg, xmt_event *ev)
{
    if (ev->geo_lat && ev->geo_lon && ev->geo_lat_form == ev->geo_lon_form)
        xmt_pii_record(msg, ev, XMT_PII_LOCATION, "latitude/longitude", location_text(msg, ev), ev->geo_span);
    facts_as_pii(msg, ev, XMT_FACT_URL, XMT_PII_URL, NULL);
    facts_as_pii(msg, ev, XMT_FACT_SEARCH_TERM, XMT_PII_SEARCH, NULL);
    /* A sign-up ties the device to the account: its distinct_id is the
     * account id.  Which record type signs up is the format's to say. */
    const char *signup = msg->profile ? msg->profile->signup_type : NULL;
    const xmt_fact *type = signup ? xmt_event_fact(ev, XMT_FACT_EVENT_TYPE) : NULL;
    if (type && type->str && strcmp(type->str, signup) == 0)
        facts_as_pii(msg, ev, XMT_FACT_DISTINCT_ID, XMT_PII_ACCOUNT_ID,
                     xmt_message_printf(msg, "distinct_id (%s)", signup));
}
