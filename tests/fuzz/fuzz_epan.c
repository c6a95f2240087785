/* fuzz_epan.c: the whole plugin inside the real libwireshark.
 *
 * The other harnesses call the decoding core; this one builds a whole
 * capture for each input (Ethernet, IPv4, a TCP connection, one HTTP/1.1
 * or HTTP/2 request, a response) and has libwireshark's own frame, IP, TCP,
 * HTTP and HTTP/2 dissectors hand the request to xmtrack, as tshark does.  xmtrack
 * is not loaded from disk: its glue (the sources of plugin/wireshark/) is linked into
 * this program and plugin_register() is called before epan_init(), which is
 * what the plugin loader would do.
 *
 * Each input is one capture, dissected as `tshark -V -2 -Y xmtrack` would:
 * a first pass (tree visible or not, the filter `xmtrack` primed), then a
 * second pass over the same frame data (tree visible, every xmtrack field
 * primed, as -T fields -e xmtrack.* does), every label of the tree formatted
 * (-V), xmtrack's string fields and labels checked to be UTF-8, and with
 * WIRESHARK_ABORT_ON_TOO_MANY_ITEMS set, so too many items aborts.  A
 * dissector bug (a failed DISSECTOR_ASSERT, anywhere in epan) fails the
 * input unless it is epan's own: the same capture, dissected again with
 * xmtrack disabled, shows the same bug (DISSECTOR BUGS below).
 *
 * The input is a grammar, not the request (docs/robustness.md):
 *
 *   byte 0  bits 0-6: format, which SDK request to build (FORMATS below,
 *           modulo their number: a format added keeps the others' inputs
 *           as they were); bit 7: over which transport, HTTP/1.1 when clear,
 *           else HTTP/2 (h2c with prior
 *           knowledge, on a port decoded as HTTP/2), where the bits of
 *           byte 1 mean the same with HTTP/2's means (the body split in
 *           DATA frames and the header block in HEADERS and CONTINUATION
 *           instead of chunks; content-length; content-encoding)
 *   byte 1  transport: bits 0-1 Content-Length / chunked / either with
 *           Content-Encoding: gzip; bits 2-3 Content-Type as the SDK sends
 *           it / none / text/plain / the other one; bits 4-5 the request in
 *           1, 2, 3 TCP segments, or 3 with a one-byte one; bit 6 the first
 *           pass with no visible tree (like -Y alone); bit 7 a tap listener
 *           on xmtrack (statistics: every fact and the personal-data scan)
 *   byte 2  edge: what to vary (EDGES below)
 *   byte 3  target: which parameter, layer or JSON leaf the edge hits
 *           (modulo how many there are)
 *   byte 4  where the segments and chunks are cut
 *   byte 5  the edge's variant (which bad escape, which wrong type, ...)
 *   rest    raw material: DOC [0x00 EXTRA].  DOC, when not empty, replaces
 *           the format's innermost plaintext (a JSON document, or the
 *           ciphertext of the binary formats) and is wrapped in every layer
 *           of the format (gzip, base64, hex of AES, percent-encoding);
 *           EXTRA is the bytes an edge puts in (a raw value, a layer's
 *           replacement).
 *
 * The Sensors web AES row (docs/formats/sensors-encryption.md) enciphers DOC
 * under key_id 7's key of the key table the harness loads (AES_KEYS below);
 * bits 3-7 of byte 5 pick the key_id the upload names (one in the table, one
 * nowhere, one as a string, one with a wrong key before the right one, one
 * only the page knows), and E_CIPHER's variants damage the wrapping (a short
 * IV, the IV alone, a cut block, bad padding, the wrong key, a huge
 * payload, no key_id, bad base64).  Its response is a page that hands out
 * the key of key_id 13 (with EXTRA after it), so the key finder runs on
 * HTML responses and the second pass opens what the first could not.
 *
 * So libFuzzer's byte mutations of the tail become well-wrapped payloads,
 * and one flip of the head moves an input to another format, edge or
 * transport.  Seeds (tests/fuzz/make_seeds.py) are the innermost plaintexts
 * of testdata/ under every format and a spread of heads.
 *
 * Built with clang, -fsanitize=fuzzer,address,undefined by the nested build
 * of tests/fuzz/CMakeLists.txt.  libwireshark itself is the system's, not
 * instrumented: ASan sees xmtrack's own reads and writes (and every malloc,
 * with WIRESHARK_DEBUG_WMEM_OVERRIDE=simple), not epan's. */
#include <wireshark.h>
#include <epan/epan.h>
#include <epan/epan_dissect.h>
#include <epan/expert.h>
#include <epan/column.h>
#include <epan/column-info.h>
#include <epan/frame_data.h>
#include <epan/packet.h>
#include <epan/prefs.h>
#include <epan/proto.h>
#include <epan/tap.h>
#include <epan/timestamp.h>
#include <epan/dfilter/dfilter.h>
#include <wiretap/wtap.h>
#include <wsutil/filesystem.h>
#include <wsutil/privileges.h>
#include <wsutil/wslog.h>

#include <gcrypt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "wireshark/xmt_keys.h"
#include "wireshark/xmt_ws_compat.h"

/* The frame API of 4.5 on: the record carries the frame's bytes (epan makes
 * the tvb of them), is made with room for them, and is set up as a packet by
 * wiretap (which names the record type the frame dissector shows); a label
 * reports where its value starts; configuration_init() and ws_log_init() lost
 * their name arguments. */
#if XMT_WS_VER >= 405
#include <wsutil/buffer.h>
static void record_init(wtap_rec *rec, const guint8 *data, guint len)
{
    wtap_rec_init(rec, len);
    wtap_setup_packet_rec(rec, WTAP_ENCAP_ETHERNET);
    ws_buffer_append(&rec->data, data, len);
}
#define RUN_FRAME(edt, rec, data, len, fd, cinfo) \
    epan_dissect_run_with_taps(edt, wtap_pcap_file_type_subtype(), rec, fd, cinfo)
#define FILL_LABEL(fi, label) do { size_t value_at_; proto_item_fill_label(fi, label, &value_at_); } while (0)
#define CONFIGURATION_INIT(arg0) configuration_init(arg0)
#define LOG_INIT(progname) ws_log_init(NULL)
#else
static void record_init(wtap_rec *rec, const guint8 *data _U_, guint len _U_)
{
    wtap_rec_init(rec);
}
#define RUN_FRAME(edt, rec, data, len, fd, cinfo) \
    epan_dissect_run_with_taps(edt, wtap_pcap_file_type_subtype(), rec, \
                               tvb_new_real_data(data, len, (gint)(len)), fd, cinfo)
#define FILL_LABEL(fi, label) proto_item_fill_label(fi, label)
#define CONFIGURATION_INIT(arg0) configuration_init(arg0, NULL)
#define LOG_INIT(progname) ws_log_init(progname, NULL)
#endif

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* plugin/wireshark/plugin.c, linked in. */
void plugin_register(void);

#define FAIL(...) do { \
        fprintf(stderr, "xmtrack epan fuzz invariant broken: "); \
        fprintf(stderr, __VA_ARGS__); \
        fputc('\n', stderr); \
        abort(); \
    } while (0)

/* ==== bytes ================================================================ */

typedef GByteArray bytes;

static bytes *b_new(void) { return g_byte_array_new(); }
static void b_add(bytes *b, const void *p, gsize n) { g_byte_array_append(b, p, (guint)n); }
static void b_str(bytes *b, const char *s) { b_add(b, s, strlen(s)); }
static bytes *b_dup(const guint8 *p, gsize n) { bytes *b = b_new(); b_add(b, p, n); return b; }
static bytes *b_of(const char *s) { return b_dup((const guint8 *)s, strlen(s)); }
static void b_set(bytes *b, bytes *src) { g_byte_array_set_size(b, 0); b_add(b, src->data, src->len); }

static void b_printf(bytes *b, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void b_printf(bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    b_str(b, s);
    g_free(s);
}

static bytes *gzip_of(const guint8 *p, gsize n, int window_bits)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    bytes *out = b_new();
    if (deflateInit2(&z, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return out;
    g_byte_array_set_size(out, (guint)deflateBound(&z, (uLong)n) + 32);
    z.next_in = (Bytef *)p;
    z.avail_in = (uInt)n;
    z.next_out = out->data;
    z.avail_out = out->len;
    deflate(&z, Z_FINISH);
    g_byte_array_set_size(out, (guint)z.total_out);
    deflateEnd(&z);
    return out;
}

static bytes *base64_of(const guint8 *p, gsize n, gboolean urlsafe)
{
    char *s = g_base64_encode(p, n);
    if (urlsafe)
        for (char *c = s; *c; c++)
            *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    bytes *b = b_of(s);
    g_free(s);
    return b;
}

/* As Android's Uri.Builder and encodeURIComponent escape a value. */
static bytes *percent_of(const guint8 *p, gsize n)
{
    bytes *b = b_new();
    for (gsize i = 0; i < n; i++) {
        if (g_ascii_isalnum(p[i]) || strchr("-_.~", p[i]))
            b_add(b, &p[i], 1);
        else
            b_printf(b, "%%%02X", p[i]);
    }
    return b;
}

static bytes *hex_of(const guint8 *p, gsize n)
{
    bytes *b = b_new();
    for (gsize i = 0; i < n; i++)
        b_printf(b, "%02x", p[i]);
    return b;
}

/* LZString.compressToBase64 (PostHog's lz64) written with literals only: each
 * UTF-16 unit (bytes that are not UTF-8 as Latin-1) as an 8- or 16-bit
 * literal, the code widths growing as lz-string's decoder grows its
 * dictionary (two entries a literal after the first).  No back-references,
 * so not lz-string's own output, but what its decoder and the plugin's read. */
typedef struct {
    bytes *out;
    guint value, used;   /* the bits of the symbol being filled, most significant first */
} lz_symbols;

static void lz_put(lz_symbols *s, guint value, guint nbits)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (guint i = 0; i < nbits; i++) {  /* a code's bits least significant first */
        s->value = (s->value << 1) | ((value >> i) & 1u);
        if (++s->used == 6) {
            b_add(s->out, &alphabet[s->value], 1);
            s->value = s->used = 0;
        }
    }
}

static void lz_literal(lz_symbols *s, guint unit, guint width)
{
    lz_put(s, unit < 256 ? 0 : 1, width);
    lz_put(s, unit, unit < 256 ? 8 : 16);
}

static bytes *lz64_of(const guint8 *p, gsize n)
{
    glong count = 0;
    gunichar2 *units = g_utf8_to_utf16((const gchar *)p, (glong)n, NULL, &count, NULL);
    if (!units) {
        count = (glong)n;
        units = g_new(gunichar2, n + 1);
        for (gsize i = 0; i < n; i++)
            units[i] = p[i];
    }
    lz_symbols s = { b_new(), 0, 0 };
    guint width = 3, enlarge_in = 4;
    if (count == 0) {
        lz_put(&s, 2, 2);  /* the end code first: the empty text */
    } else {
        lz_literal(&s, units[0], 2);
        for (glong i = 1; i < count; i++) {
            lz_literal(&s, units[i], width);
            for (int entry = 0; entry < 2; entry++)  /* the literal, then the phrase it ends */
                if (--enlarge_in == 0) {
                    enlarge_in = 1u << width;
                    width++;
                }
        }
        lz_put(&s, 2, width);
    }
    while (s.used)
        lz_put(&s, 0, 1);
    while (s.out->len % 4)
        b_str(s.out, "=");
    g_free(units);
    return s.out;
}

static char *md5_hex(const char *text)
{
    return g_compute_checksum_for_string(G_CHECKSUM_MD5, text, -1);
}

/* AES-128-ECB with PKCS#7, as MiStat v2 enciphers stat_value. */
static bytes *aes_ecb(const guint8 key[16], const guint8 *p, gsize n)
{
    gsize padded = (n / 16 + 1) * 16;
    bytes *out = b_dup(p, n);
    while (out->len < padded) {
        guint8 pad = (guint8)(padded - n);
        b_add(out, &pad, 1);
    }
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_ECB, 0) == 0) {
        gcry_cipher_setkey(h, key, 16);
        gcry_cipher_encrypt(h, out->data, out->len, NULL, 0);
        gcry_cipher_close(h);
    }
    return out;
}

/* The key table the harness loads (LLVMFuzzerInitialize): key_id 7 is
 * aes_image_http1's real key; key_id 12 has another site's key first, then
 * the same; key_id 13 is in no table, only in the page the response carries. */
static const guint8 AES_KEY[16] = { 0x05, 0xeb, 0x61, 0xe1, 0x8d, 0x4d, 0x6a, 0xab,
                                    0xb8, 0xca, 0x7a, 0xc4, 0xaa, 0xfc, 0x7d, 0xc1 };
static const guint8 AES_OTHER_KEY[16] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
                                          0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
static const char *const AES_KEYS[] = {
    "\"sensors\",\"7\",\"Beth4Y1Naqu4ynrEqvx9wQ==\"",
    "\"sensors\",\"12\",\"WlpaWlpaWlpaWlpaWlpaWg==\"",
    "\"sensors\",\"12\",\"05eb61e18d4d6aabb8ca7ac4aafc7dc1\"",
};
static const char *const AES_KEY_IDS[] = { "7", "99", "\"7\"", "12", "13" };
#define AES_PAGE "<!DOCTYPE html><script>sensors.use(AesEncryption, {k: 'Beth4Y1Naqu4ynrEqvx9wQ==', kid: 13, " \
                 "khash: 'h13'});</script>"

/* The Sensors web SDK's AES plugin: IV[16] || AES-CBC-PKCS#7(key, plaintext),
 * the IV's bytes below 0x80 as the plugin makes them. */
static bytes *aes_cbc(const guint8 key[16], const guint8 *p, gsize n, gboolean bad_padding)
{
    gsize padded = (n / 16 + 1) * 16;
    bytes *plain = b_dup(p, n);
    while (plain->len < padded) {
        guint8 pad = bad_padding ? 0x00 : (guint8)(padded - n);
        b_add(plain, &pad, 1);
    }
    bytes *out = b_new();
    for (int i = 0; i < 16; i++) {
        guint8 iv = (guint8)((i * 7 + 1) & 0x7f);
        b_add(out, &iv, 1);
    }
    gcry_cipher_hd_t h;
    if (gcry_cipher_open(&h, GCRY_CIPHER_AES128, GCRY_CIPHER_MODE_CBC, 0) == 0) {
        gcry_cipher_setkey(h, key, 16);
        gcry_cipher_setiv(h, out->data, 16);
        gcry_cipher_encrypt(h, plain->data, plain->len, NULL, 0);
        gcry_cipher_close(h);
    }
    b_add(out, plain->data, plain->len);
    g_byte_array_free(plain, TRUE);
    return out;
}

static gint32 java_hash(const guint8 *p, gsize n)
{
    guint32 h = 0;
    for (gsize i = 0; i < n; i++)
        h = h * 31 + p[i];
    return (gint32)h;
}

/* ==== the formats ========================================================= */

/* A name=value of a URI query, a form or a header.  Values are as on the wire. */
typedef struct {
    char *name;
    bytes *value;
    gboolean no_eq;   /* "name" alone */
    gboolean payload; /* the value is the encoded payload */
} param;

enum { WHERE_QUERY, WHERE_FORM, WHERE_HEADER };

typedef struct {
    const char *method;
    const char *path;
    const char *host;
    const char *ctype;
    GPtrArray *params[3];   /* by WHERE_* */
    bytes *body;            /* a raw body (no form) */
} request;

/* Layers of a payload, innermost first. */
enum { L_GZIP = 1, L_B64, L_B64URL, L_PCT, L_AESHEX, L_PAD2, L_LZ64, L_AESCBC, L_AESWRAP };

typedef struct {
    const char *name;
    const char *method, *path, *host, *ctype;
    const char *doc;          /* innermost plaintext: JSON; NULL for a binary one */
    const char *params;       /* "where:name=value|..."; value "@" is the payload */
    int layers[5];            /* payload layers, innermost first, 0-terminated */
    int crc;                  /* Sensors crc= over the text before percent-encoding */
} format;

#define SENSORS_EVENT \
    "{\"_track_id\":-1204373925,\"time\":1588291200123,\"type\":\"track\"," \
    "\"distinct_id\":\"3f1c9a2e-6b1d-4c7e-9d35-0a8e4b2f7c11\",\"lib\":{\"$lib\":\"Android\"," \
    "\"$lib_version\":\"3.2.10\"},\"event\":\"search\",\"properties\":{\"$model\":\"Redmi Note 8\"," \
    "\"$os_version\":\"10\",\"$app_id\":\"com.mi.globalbrowser.mini\",\"$device_id\":\"5a1b2c3d4e5f6a7b\"," \
    "\"url\":\"https://www.bing.com/search?q=xiaomi+privacy\",\"search_word\":\"redmi note 8 root\"," \
    "\"$wifi\":true,\"$screen_width\":1080,\"imei\":\"868901041234567\"},\"_flush_time\":1588291215000}"
#define POSTHOG_EVENT \
    "{\"uuid\":\"01a24e91-6fa5-79d4-ba33-b87ee21eee20\",\"event\":\"$pageview\",\"properties\":{\"$os\":\"Linux\"," \
    "\"$current_url\":\"http://shop.example.com/p.html\",\"$lib\":\"web\",\"$time\":1796614483.902," \
    "\"distinct_id\":\"user-4711\",\"$device_id\":\"01a24e91-6f94-7971-bc7b-c125e2b07bca\",\"ph_keyword\":\"earbuds\"," \
    "\"$referrer\":\"https://www.google.com/search?q=earbuds\",\"token\":\"phc_k\",\"$ip\":\"203.0.113.42\"}," \
    "\"$set\":{\"email\":\"jane.doe@example.com\"},\"timestamp\":\"2026-12-07T03:34:43.877Z\"}"
#define POSTHOG_BATCH "{\"api_key\":\"phc_k\",\"batch\":[" POSTHOG_EVENT "],\"sent_at\":\"2026-12-07T03:34:45Z\"}"
/* Snowplow: a site search with a mobile and a location context, as JSON strings (browser POST),
 * base64url (Node POST) and a GET query (docs/formats/snowplow.md). */
#define SNOWPLOW_UE \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0\",\"data\":{\"sche" \
    "ma\":\"iglu:com.snowplowanalytics.snowplow/site_search/jsonschema/1-0-0\",\"data\":{\"terms\":[\"blu" \
    "etooth\",\"speaker\"],\"filters\":{}}}}"
#define SNOWPLOW_CX_B64URL \
    "eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy9jb250ZXh0cy9qc29uc2NoZW1hLzEtMC0wIiwi" \
    "ZGF0YSI6W3sic2NoZW1hIjoiaWdsdTpjb20uc25vd3Bsb3dhbmFseXRpY3Muc25vd3Bsb3cvbW9iaWxlX2NvbnRleHQvanNvbnNj" \
    "aGVtYS8xLTAtMiIsImRhdGEiOnsib3NUeXBlIjoiYW5kcm9pZCIsIm9zVmVyc2lvbiI6IjE0IiwiZGV2aWNlTW9kZWwiOiJQaXhl" \
    "bCA4IiwiYW5kcm9pZElkZmEiOiIzODQwMDAwMC04Y2YwLTExYmQtYjIzZS0xMGI5NmU0MDAwMGQifX0seyJzY2hlbWEiOiJpZ2x1" \
    "OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy9nZW9sb2NhdGlvbl9jb250ZXh0L2pzb25zY2hlbWEvMS0xLTAiLCJkYXRh" \
    "Ijp7ImxhdGl0dWRlIjo0OC44NTg0LCJsb25naXR1ZGUiOjIuMjk0NX19XX0"
#define SNOWPLOW_POST \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[{\"e\":" \
    "\"ue\",\"url\":\"http://shop.example.com/\",\"refr\":\"https://duckduckgo.com/?q=noise+cancelling\"," \
    "\"eid\":\"6bc9ea75-4f6e-4bc7-82fe-6c0498c0902a\",\"tv\":\"js-4.10.1\",\"aid\":\"shop\",\"p\":\"web\"" \
    ",\"uid\":\"user-4711\",\"duid\":\"a925e9bc-b63f-419f-9c1b-737a34cbb4c5\",\"dtm\":\"1796614519131\"," \
    "\"stm\":\"1796614519132\",\"ue_pr\":\"{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/unstru" \
    "ct_event/jsonschema/1-0-0\\\",\\\"data\\\":{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/s" \
    "ite_search/jsonschema/1-0-0\\\",\\\"data\\\":{\\\"terms\\\":[\\\"bluetooth\\\",\\\"speaker\\\"],\\\"" \
    "filters\\\":{}}}}\",\"co\":\"{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/contexts/jsonsc" \
    "hema/1-0-0\\\",\\\"data\\\":[{\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/mobile_context/" \
    "jsonschema/1-0-2\\\",\\\"data\\\":{\\\"osType\\\":\\\"android\\\",\\\"osVersion\\\":\\\"14\\\",\\\"d" \
    "eviceModel\\\":\\\"Pixel 8\\\",\\\"androidIdfa\\\":\\\"38400000-8cf0-11bd-b23e-10b96e40000d\\\"}},{" \
    "\\\"schema\\\":\\\"iglu:com.snowplowanalytics.snowplow/geolocation_context/jsonschema/1-1-0\\\",\\\"" \
    "data\\\":{\\\"latitude\\\":48.8584,\\\"longitude\\\":2.2945}}]}\"},{\"e\":\"pv\",\"page\":\"Home\"," \
    "\"tv\":\"js-4.10.1\",\"duid\":\"d\",\"dtm\":\"1796614519000\"}]}"
#define SNOWPLOW_POST_B64 \
    "{\"schema\":\"iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4\",\"data\":[{\"e\":" \
    "\"ue\",\"url\":\"http://shop.example.com/\",\"refr\":\"https://duckduckgo.com/?q=noise+cancelling\"," \
    "\"eid\":\"6bc9ea75-4f6e-4bc7-82fe-6c0498c0902a\",\"tv\":\"node-4.8.0\",\"aid\":\"shop\",\"p\":\"mob" \
    "\",\"uid\":\"user-4711\",\"duid\":\"a925e9bc-b63f-419f-9c1b-737a34cbb4c5\",\"dtm\":\"1796614519131\"" \
    ",\"stm\":\"1796614519132\",\"ip\":\"203.0.113.42\",\"ue_px\":\"eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd" \
    "2FuYWx5dGljcy5zbm93cGxvdy91bnN0cnVjdF9ldmVudC9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6eyJzY2hlbWEiOiJpZ2x1O" \
    "mNvbS5zbm93cGxvd2FuYWx5dGljcy5zbm93cGxvdy9zaXRlX3NlYXJjaC9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6eyJ0ZXJtc" \
    "yI6WyJibHVldG9vdGgiLCJzcGVha2VyIl0sImZpbHRlcnMiOnt9fX19\",\"cx\":\"eyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93c" \
    "Gxvd2FuYWx5dGljcy5zbm93cGxvdy9jb250ZXh0cy9qc29uc2NoZW1hLzEtMC0wIiwiZGF0YSI6W3sic2NoZW1hIjoiaWdsdTpjb" \
    "20uc25vd3Bsb3dhbmFseXRpY3Muc25vd3Bsb3cvbW9iaWxlX2NvbnRleHQvanNvbnNjaGVtYS8xLTAtMiIsImRhdGEiOnsib3NUe" \
    "XBlIjoiYW5kcm9pZCIsIm9zVmVyc2lvbiI6IjE0IiwiZGV2aWNlTW9kZWwiOiJQaXhlbCA4IiwiYW5kcm9pZElkZmEiOiIzODQwM" \
    "DAwMC04Y2YwLTExYmQtYjIzZS0xMGI5NmU0MDAwMGQifX0seyJzY2hlbWEiOiJpZ2x1OmNvbS5zbm93cGxvd2FuYWx5dGljcy5zb" \
    "m93cGxvdy9nZW9sb2NhdGlvbl9jb250ZXh0L2pzb25zY2hlbWEvMS0xLTAiLCJkYXRhIjp7ImxhdGl0dWRlIjo0OC44NTg0LCJsb" \
    "25naXR1ZGUiOjIuMjk0NX19XX0\"}]}"
#define SENSORS_PROFILE "{\"type\":\"profile_set\",\"distinct_id\":\"u\",\"original_id\":\"v\",\"properties\":{\"a\":[1,null]}}"

#define MIXPANEL_EVENT \
    "{\"event\":\"Search\",\"properties\":{\"$os\":\"Linux\",\"time\":1796614423.099," \
    "\"distinct_id\":\"$device:3aefe970-290c-4cf6-99f8-28ab9735173f\",\"$device_id\":\"3aefe970-290c-4cf6-99f8-28ab9735173f\"," \
    "\"$referrer\":\"https://www.google.com/search?q=wireless+earbuds&hl=en\",\"mp_keyword\":\"wireless earbuds\"," \
    "\"$initial_referrer\":\"$direct\",\"ip\":\"203.0.113.42\",\"$latitude\":48.8584,\"$longitude\":2.2945," \
    "\"search_term\":\"bluetooth speaker\",\"token\":\"xmtrack0mixpanel0token0000000001\"}}"
#define MIXPANEL_UPDATE \
    "{\"$set\":{\"$email\":\"jane.doe@example.com\",\"$phone\":\"+1-202-555-0143\"},\"$token\":\"t\"," \
    "\"$distinct_id\":\"user-4711\",\"$device_id\":\"3aefe970\",\"$time\":1796614423003}"
#define MIXPANEL_GROUP "{\"$token\":\"t\",\"$group_key\":\"company\",\"$group_id\":\"42\",\"$union\":{\"tags\":[\"a\"]}}"

static const format FORMATS[] = {
    { "sensors android", "POST", "/sa", "sa.api.intl.miui.com", "application/x-www-form-urlencoded",
      "[" SENSORS_EVENT "," SENSORS_PROFILE "]",
      "q:project=global_browser_mini|q:r=IN|f:crc=0|f:gzip=1|f:data_list=@|h:Dry-Run=false",
      { L_GZIP, L_B64, L_PCT }, 1 },
    { "sensors gzip=0 (Java)", "POST", "/sa", "collector.example.net", "application/x-www-form-urlencoded",
      "[" SENSORS_EVENT "]", "q:project=production|f:gzip=0|f:data_list=@", { L_B64, L_PCT }, 0 },
    { "sensors JS GET beacon", "GET", "/sa.gif", "sa.api.intl.miui.com", NULL, SENSORS_EVENT,
      "q:project=default|q:data=@|q:ext=crc%3D0", { L_B64, L_PCT }, 0 },
    { "sensors JS POST", "POST", "/sa", "sa.api.intl.miui.com", "text/plain;charset=UTF-8", SENSORS_EVENT,
      "q:project=default|f:data=@|f:ext=crc%3D0", { L_B64, L_PCT }, 0 },
    { "sensors JS batch_send", "POST", "/sa", "sa.api.intl.miui.com", "application/x-www-form-urlencoded",
      "[" SENSORS_EVENT "," SENSORS_PROFILE "]", "q:project=default|f:data_list=@", { L_B64, L_PCT }, 0 },
    { "sensors python", "POST", "/sa", "collector.example.net", "application/x-www-form-urlencoded", SENSORS_EVENT,
      "q:project=default|f:data=@|f:gzip=1", { L_GZIP, L_B64, L_PCT }, 0 },
    { "sensors encrypted", "POST", "/sa", "sa.api.intl.miui.com", "application/x-www-form-urlencoded",
      "[{\"ekey\":\"QUJDRA==\",\"pkv\":3,\"payloads\":[\"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\",\"AAAA\"],"
      "\"flush_time\":1588291215000}]",
      "q:project=global_browser_mini|f:crc=0|f:gzip=9|f:data_list=@", { L_PCT }, 1 },
    { "miui analytics", "POST", "/track/v1", "tracking.miui.com", "application/x-www-form-urlencoded",
      "{\"H\":{\"model\":\"Redmi Note 8\",\"miui\":\"V11.0.5.0.PCOMIXM\",\"sender\":\"com.miui.securitycenter\","
      "\"userid\":\"1234567890\",\"imei\":\"868901041234567\",\"mac\":\"3c:bd:3e:4a:5b:6c\",\"st\":1588291215000},"
      "\"B\":[{\"H\":{\"sid\":\"7d3f2a10\",\"pk\":\"com.android.browser\",\"key\":\"browser_page_view\","
      "\"eventTime\":1588291200123,\"sn\":1},\"B\":{\"url\":\"https://duckduckgo.com/?q=how+to+hide\","
      "\"search_word\":\"x\"}},{\"H\":{\"key\":\"app_launch\"},\"B\":{\"duration\":12}}]}",
      "f:value=@|f:ts=1588291215000|f:nonce=a3f91c|f:sign=0123456789abcdef0123456789abcdef|h:gzip=0",
      { L_B64URL, L_PCT }, 0 },
    { "miui analytics gzip", "POST", "/track/spock", "tracking.intl.miui.com", "application/x-www-form-urlencoded",
      "{\"H\":{\"sender\":\"com.miui.systemAdSolution\",\"st\":1588291215000},\"B\":[{\"H\":{\"key\":\"ad_click\","
      "\"eventTime\":1588291200123},\"B\":{\"landing\":\"https://www.example.com/private/page?id=42\"}}]}",
      "f:value=@|f:ts=1588291215000|f:nonce=5be204|f:sign=00|h:gzip=1", { L_GZIP, L_B64URL, L_PCT }, 0 },
    { "miui tracker", "POST", "/tracks", "tracking.miui.com", "application/x-www-form-urlencoded; charset=UTF-8",
      "{\"imei\":\"868901041234567\",\"model\":\"Redmi Note 8\",\"rom_version\":\"V11.0.5.0.PCOMIXM\","
      "\"_event_id_\":\"open_url\",\"_event_type_\":2,\"_event_track_time_\":1588291200123,"
      "\"_app_package_\":\"com.android.browser\",\"_event_value_\":1,\"url\":\"https://www.bing.com/search?q=a\"}",
      "f:t=miui-track_danfa_com.android.browser|f:value=@|f:s=0123456789abcdef", { L_B64, L_PCT }, 0 },
    { "mistat v2", "POST", "/mistats/v2", "data.mistat.xiaomi.com", "application/x-www-form-urlencoded",
      "[{\"endTS\":1588291206123,\"startTS\":1588291200123,\"content\":[{\"category\":\"mistat_session\","
      "\"values\":[{\"start\":1588291200123,\"end\":1588291206123,\"env\":\"WIFI\"}]},{\"category\":\"mistat_pv\","
      "\"values\":[\"1,2\"],\"source\":[\"\"],\"index\":\"MainActivity,BrowserActivity\"},{\"category\":\"mistat_pt\","
      "\"values\":[{\"key\":\"MainActivity\",\"value\":\"1200\"}]},{\"category\":\"browser\",\"values\":[{\"key\":"
      "\"search\",\"type\":\"event\",\"value\":\"1\",\"params\":{\"url\":\"https://www.bing.com/search?q=b\"}},"
      "{\"key\":\"launch_count\",\"type\":\"count\",\"value\":3}]}]}]",
      "f:app_id=2882303761517123456|f:app_key=5831712345678|f:channel=xiaomi|f:device_id=8f4c2a1b3d5e6f70|"
      "f:interval=90000|f:mistatv=3|f:policy=0|f:size=7|f:stat_value=@|f:version=3.4.0|f:sign=00",
      { L_AESHEX }, 0 },
    { "mistat v3", "POST", "/mistats/v3", "data.mistat.xiaomi.com", "application/x-www-form-urlencoded", NULL,
      "f:ai=2882303761517123456|f:sv=3.0.16|f:pv=3.0|f:p=@", { L_GZIP, L_PAD2, L_B64, L_PCT }, 0 },
    { "onetrack v4", "POST", "/track/v4", "tracking.intl.miui.com", "application/octet-stream", NULL,
      "h:OT_SID=c2f7a1d4-08be-4c53-a7f6-3e9d1b20c4aa|h:OT_ts=1588291215000|h:OT_net=WIFI|"
      "h:OT_sender=com.xiaomi.smarthome|h:OT_protocol=3.0", { 0 }, 0 },
    { "onetrack v4/o", "POST", "/track/v4/o", "tracking.miui.com", "application/json",
      "[{\"H\":{\"event\":\"onetrack_pa\",\"imei\":\"868901041234567\",\"model\":\"Redmi Note 8\",\"os_ver\":\"10\","
      "\"pkg\":\"com.xiaomi.smarthome\",\"app_id\":\"2882303761517200001\",\"sid\":\"c2f7\",\"e_ts\":1588291201123},"
      "\"B\":{\"class\":\"DeviceListActivity\",\"duration\":4200,\"link\":\"https://www.bing.com/search?q=c\"}},"
      "{\"H\":{\"event\":\"mimo_session_start\",\"uid\":\"s\",\"e_ts\":1588291200123},\"B\":{}}]",
      "", { 0 }, 0 },
    { "onetrack key_get", "POST", "/track/key_get", "tracking.intl.miui.com", "application/x-www-form-urlencoded",
      NULL, "f:secretKey=@|f:sign=0123456789abcdef0123456789abcdef", { L_B64, L_PCT }, 0 },
    { "posthog gzip", "POST", "/e/", "ph.example.com", "text/plain", POSTHOG_BATCH, "", { L_GZIP }, 0 },
    { "posthog base64", "POST", "/e/", "ph.example.com", "application/x-www-form-urlencoded", POSTHOG_BATCH,
      "q:compression=base64|f:data=@", { L_B64, L_PCT }, 0 },
    { "posthog lz64", "POST", "/e/", "ph.example.com", "application/x-www-form-urlencoded", "[" POSTHOG_EVENT "]",
      "q:ip=1|q:_=1796614513509|q:ver=1.60.0|f:data=@|f:compression=lz64", { L_LZ64, L_PCT }, 0 },
    { "posthog node", "POST", "/batch/", "127.0.0.1", "application/json", POSTHOG_BATCH, "", { 0 }, 0 },
    { "snowplow GET", "GET", "/i", "sp.example.com", NULL, SNOWPLOW_UE,
      "q:stm=1796614519132|q:e=ue|q:url=http%3A%2F%2Fshop.example.com%2F|q:refr=https%3A%2F%2Fduckduckgo.com%2F%3Fq%3Dx|"
      "q:eid=6bc9ea75|q:tv=js-4.10.1|q:tna=sp1|q:aid=shop|q:uid=user-4711|q:duid=a925e9bc|q:dtm=1796614519131|"
      "q:ue_px=@|q:cx=" SNOWPLOW_CX_B64URL, { L_B64URL }, 0 },
    { "snowplow POST", "POST", "/com.snowplowanalytics.snowplow/tp2", "sp.example.com", "application/json; charset=UTF-8",
      SNOWPLOW_POST, "", { 0 }, 0 },
    { "snowplow POST base64", "POST", "/com.snowplowanalytics.snowplow/tp2", "127.0.0.1", "application/json",
      SNOWPLOW_POST_B64, "", { 0 }, 0 },
    /* Mixpanel (docs/formats/mixpanel.md): the browser's batch to a proxy host (base64), its JSON to
     * *.mixpanel.com (percent-encoded only), the Node SDK's GET. */
    { "mixpanel browser batch", "POST", "/track/", "mp.example.com", "application/x-www-form-urlencoded",
      "[" MIXPANEL_EVENT "," MIXPANEL_UPDATE "]", "q:verbose=1|q:ip=1|q:_=1796614434384|f:data=@", { L_B64, L_PCT }, 0 },
    { "mixpanel browser json", "POST", "/engage/", "api-js.mixpanel.com", "application/x-www-form-urlencoded",
      "[" MIXPANEL_UPDATE "," MIXPANEL_GROUP "]", "q:verbose=1|q:ip=1|q:_=1796614429293|f:data=@", { L_PCT }, 0 },
    { "mixpanel node GET", "GET", "/track", "127.0.0.1:18106", NULL, MIXPANEL_EVENT,
      "q:ip=0|q:verbose=0|q:data=@", { L_B64, L_PCT }, 0 },
    /* GA4 (testdata/vendors/ga4_hits.json): one event in the query of a POST with no body, the page
     * address its payload; shared parameters in the query and one event per body line; the
     * Measurement Protocol's JSON. */
    { "ga4 gtag query", "POST", "/g/collect", "region1.google-analytics.com", NULL,
      "https://d8a-tech.github.io/analytics-playground/index.html",
      "q:v=2|q:tid=G-5T0Z13HKP4|q:_p=1746817938582|q:cid=ag9|q:uap=Linux|q:uapv=6.14.4|q:sid=1746817858|q:dl=@|"
      "q:dr=https%3A%2F%2Fwww.google.com%2Fsearch%3Fq%3Dwireless%2Bearbuds|q:dt=Food%20Shop|q:en=page_view|"
      "q:sessionStamp=127.0.0.1|q:ep.content_group=product", { L_PCT }, 0 },
    { "ga4 gtag lines", "POST", "/g/collect", "ga.example.com", "text/plain;charset=UTF-8",
      "en=page_view&_et=3674\nen=click&_et=799&dt=Test%20Page",
      "q:v=2|q:tid=G-2VEWJC5YPE|q:cid=1369988567.1756151735|q:_p=1758117262938|q:en=page_view", { 0 }, 0 },
    { "ga4 measurement protocol", "POST", "/mp/collect", "www.google-analytics.com", "application/json",
      "{\"client_id\":\"123456.7654321\",\"events\":[{\"name\":\"campaign_details\",\"params\":{\"campaign_id\":"
      "\"google_1234\",\"campaign\":\"Summer_fun\",\"source\":\"google\",\"medium\":\"cpc\",\"term\":"
      "\"summer+travel\",\"content\":\"logolink\",\"session_id\":\"123\",\"engagement_time_msec\":\"100\"}}]}",
      "q:measurement_id=G-XXXXXXXXXX|q:api_secret=xmtrack_api_secret", { 0 }, 0 },
    /* Segment (docs/formats/segment.md): analytics-next's one event as text/plain, analytics-node's batch */
    { "segment browser event", "POST", "/v1/p", "api.segment.io", "text/plain",
      "{\"timestamp\":\"2026-12-07T03:34:02.170Z\",\"integrations\":{},\"type\":\"page\",\"properties\":"
      "{\"url\":\"http://shop.example.com/p?q=x\",\"search\":\"?q=x\"},\"context\":{\"page\":{\"referrer\":"
      "\"https://duckduckgo.com/?q=noise+cancelling\",\"search\":\"?q=x\"},\"referrer\":{\"type\":\"btid\","
      "\"id\":\"x\"}},\"messageId\":\"ajs-next-1\",\"anonymousId\":\"07dccf1e-9826-4d21-9f07-674361ad6c35\","
      "\"writeKey\":\"wk\",\"userId\":null,\"sentAt\":\"2026-12-07T03:34:02.230Z\"}",
      "", { 0 }, 0 },
    { "segment node batch", "POST", "/v1/batch", "api.segment.io", "application/json",
      "{\"batch\":[{\"userId\":\"user-4711\",\"event\":\"Products Searched\",\"properties\":{\"query\":\"q\"},"
      "\"type\":\"track\",\"context\":{\"ip\":\"203.0.113.42\",\"device\":{\"model\":\"Pixel 8\"},\"os\":"
      "{\"version\":\"14\"},\"app\":{\"namespace\":\"com.example.shop\"}},\"timestamp\":\"2026-12-07T03:34:14.750Z\","
      "\"messageId\":\"node-next-1\"},{\"type\":\"screen\",\"name\":\"Checkout\",\"anonymousId\":\"a\"}],"
      "\"writeKey\":\"wk\",\"sentAt\":\"2026-12-07T03:34:15.000Z\"}",
      "", { 0 }, 0 },
    /* Amplitude (docs/formats/amplitude.md): the HTTP API v2's JSON, amplitude-js's checksummed form */
    { "amplitude json", "POST", "/2/httpapi", "api2.amplitude.com", "application/json",
      "{\"api_key\":\"0123456789abcdef0123456789abcdef\",\"events\":[{\"user_id\":\"user-4711\",\"device_id\":"
      "\"e09fb754-9c11-4278-ad3c-fe54d380b660\",\"time\":1796614460178,\"ip\":\"$remote\",\"event_type\":"
      "\"[Amplitude] Page Viewed\",\"event_properties\":{\"referrer\":\"https://www.bing.com/search?q=a+b\"},"
      "\"user_properties\":{\"$set\":{\"email\":\"jane.doe@example.com\"}},\"location_lat\":48.8584,"
      "\"location_lng\":2.2945,\"device_model\":\"Pixel 8\"}],\"options\":{},\"client_upload_time\":"
      "\"2026-12-07T03:34:21.677Z\"}",
      "", { 0 }, 0 },
    { "amplitude legacy form", "POST", "/", "api.amplitude.com", "application/x-www-form-urlencoded; charset=UTF-8",
      "[{\"device_id\":\"-NWX0e4I35YpHzw14z_355\",\"user_id\":null,\"timestamp\":1796614473175,\"event_type\":"
      "\"Viewed Caf\xc3\xa9\",\"event_properties\":{\"url\":\"https://www.bing.com/search?q=c\",\"ip\":"
      "\"203.0.113.42\"},\"os_version\":\"156\",\"device_model\":\"Linux\"}]",
      "f:checksum=0123456789abcdef0123456789abcdef|f:client=0123456789abcdef0123456789abcdef|f:e=@|"
      "f:upload_time=1796614473968|f:v=2", { L_PCT }, 0 },
    { "sensors web AES", "POST", "/sa.gif", "sa.example.com", "application/x-www-form-urlencoded", SENSORS_EVENT,
      "q:project=xmtrack|f:data=@|f:ext=crc%3D0|f:gzip=9", { L_AESCBC, L_B64, L_AESWRAP, L_PCT }, 0 },
};
#define N_FORMATS G_N_ELEMENTS(FORMATS)

/* What an input varies (byte 2). */
enum {
    E_NONE,          /* the format as sent */
    E_EMPTY,         /* parameter: name= */
    E_MISSING,       /* parameter left out */
    E_DUPLICATE,     /* parameter twice: first empty, or first EXTRA (variant) */
    E_NO_EQ,         /* parameter: the name alone */
    E_BAD_ESCAPE,    /* parameter: a bad percent escape inserted */
    E_SHORT,         /* parameter: its first byte only */
    E_HUGE,          /* parameter: its value repeated to 64 KiB .. 1 MiB */
    E_RAW,           /* parameter: EXTRA, escaped or not */
    E_LAYER_EMPTY,   /* layer: nothing */
    E_LAYER_RAW,     /* layer: EXTRA instead */
    E_LAYER_CUT,     /* layer: cut short */
    E_LAYER_FLIP,    /* layer: one byte changed */
    E_B64_SMALL,     /* base64 of 0-3 bytes of EXTRA */
    E_GZIP,          /* gzip: empty, damaged, wrong wrapper, concatenated */
    E_JSON_LEAF,     /* JSON: a leaf of another type */
    E_JSON_NODE,     /* JSON: an object or array replaced */
    E_CIPHER,        /* MiStat: bad hex, an empty plaintext, the wrong key */
    E_TRANSPORT,     /* HTTP: lengths, chunks, content coding, pipelining */
    E_COUNT
};

typedef struct {
    int edge, target, variant, cut;
    const guint8 *extra;
    gsize extra_len;
    gboolean layer_hit;  /* a layer edge applied */
} grammar;

/* ---- JSON edits ------------------------------------------------------------ */

/* Where the n-th leaf value (not a key) or container of a JSON text starts
 * and ends; count how many there are when n < 0. */
static int json_find(const bytes *doc, gboolean containers, int n, gsize *start, gsize *end)
{
    const guint8 *p = doc->data;
    gsize len = doc->len, i = 0;
    int seen = 0;
    while (i < len) {
        guint8 c = p[i];
        if (c == '"') {
            gsize j = i + 1;
            while (j < len && p[j] != '"')
                j += p[j] == '\\' ? 2 : 1;
            j = MIN(j + 1, len);
            gsize k = j;
            while (k < len && g_ascii_isspace(p[k]))
                k++;
            gboolean key = k < len && p[k] == ':';
            if (!containers && !key && seen++ == n) {
                *start = i;
                *end = j;
                return seen;
            }
            i = j;
        } else if (containers && (c == '{' || c == '[')) {
            if (seen++ == n) {
                int depth = 0;
                gsize j = i;
                for (; j < len; j++) {
                    if (p[j] == '"') {
                        j++;
                        while (j < len && p[j] != '"')
                            j += p[j] == '\\' ? 2 : 1;
                    } else if (p[j] == '{' || p[j] == '[') {
                        depth++;
                    } else if ((p[j] == '}' || p[j] == ']') && --depth == 0) {
                        break;
                    }
                }
                *start = i;
                *end = MIN(j + 1, len);
                return seen;
            }
            i++;
        } else if (!containers && (c == '-' || g_ascii_isdigit(c) || c == 't' || c == 'f' || c == 'n')) {
            gsize j = i;
            while (j < len && !strchr(",]} \t\r\n", p[j]))
                j++;
            if (seen++ == n) {
                *start = i;
                *end = j;
                return seen;
            }
            i = j;
        } else {
            i++;
        }
    }
    return seen;
}

static const char *const WRONG_TYPES[] = {
    "{}", "[]", "{\"a\":{\"b\":[1]}}", "[1,\"x\",null]", "0", "-1", "1e999", "-9223372036854775809",
    "18446744073709551616", "1.5", "\"\"", "\"x\"", "true", "false", "null", "\"\\u0000\"",
    "\"\\ud800\"", "\"\\uZZZZ\"", "\"http://\"", "\"%\"", "1588291200123", "-0", "\"\xff\xfe\"", "@",
};

/* The n-th leaf (or container) of doc replaced by a value of another type. */
static void json_edit(bytes *doc, gboolean containers, const grammar *g)
{
    gsize start = 0, end = 0;
    int count = json_find(doc, containers, -1, &start, &end);
    if (count == 0)
        return;
    json_find(doc, containers, g->target % count, &start, &end);
    const char *with = WRONG_TYPES[(gsize)g->variant % G_N_ELEMENTS(WRONG_TYPES)];
    bytes *out = b_dup(doc->data, start);
    if (strcmp(with, "@") == 0) {   /* EXTRA as a string's content */
        b_str(out, "\"");
        b_add(out, g->extra, g->extra_len);
        b_str(out, "\"");
    } else {
        b_str(out, with);
    }
    b_add(out, doc->data + end, doc->len - end);
    b_set(doc, out);
    g_byte_array_free(out, TRUE);
}

/* ---- payload layers ------------------------------------------------------- */

static const guint8 MISTAT_KEY_SEED[] = "seed:2882303761517123456-5831712345678-8f4c2a1b3d5e6f70";

static void mistat_key(guint8 key[16], gboolean wrong)
{
    char *md5 = md5_hex(wrong ? "seed:2882303761517123456-5831712345678-8f4c2a1b3d5e6f71"
                              : (const char *)MISTAT_KEY_SEED);
    for (int i = 0; i < 16; i++)
        key[i] = (guint8)g_ascii_toupper(md5[i]);
    g_free(md5);
}

static void gzip_edge(bytes *b, const guint8 *in, gsize n, const grammar *g)
{
    bytes *z;
    switch (g->variant % 10) {
    case 0: z = gzip_of(NULL, 0, 31); break;                          /* gzip of nothing */
    case 1: z = gzip_of(in, n, 31); g_byte_array_set_size(z, MIN(z->len, 10)); break;  /* header only */
    case 2: z = gzip_of(in, n, 31); if (z->len >= 8) z->data[z->len - 8] ^= 0x55; break;  /* CRC */
    case 3: z = gzip_of(in, n, 31); if (z->len >= 4) z->data[z->len - 4] ^= 0x01; break;  /* ISIZE */
    case 4: z = gzip_of(in, n, 31); b_add(z, g->extra, g->extra_len); b_str(z, "garbage"); break;
    case 5: z = gzip_of(in, n, 15); break;                            /* zlib wrapper */
    case 6: z = gzip_of(in, n, -15); break;                           /* raw deflate */
    case 7: {                                                         /* two members */
        z = gzip_of(in, n / 2, 31);
        bytes *second = gzip_of(in + n / 2, n - n / 2, 31);
        b_add(z, second->data, second->len);
        g_byte_array_free(second, TRUE);
        break;
    }
    case 8: z = gzip_of(in, n, 31); g_byte_array_set_size(z, z->len / 2); break;
    default: z = gzip_of(in, n, 31); if (z->len) z->data[0] = 0x1e; break;  /* bad magic */
    }
    b_set(b, z);
    g_byte_array_free(z, TRUE);
}

/* One layer over b; `index` is its place among the payload's layers, and
 * the layer edges hit the layer whose index is the target. */
static void apply_layer(bytes *b, int layer, int index, int n_layers, grammar *g)
{
    bytes *out = NULL;
    gboolean hit = index == g->target % n_layers;
    switch (layer) {
    case L_GZIP:
        if (hit && g->edge == E_GZIP) {
            out = b_new();
            gzip_edge(out, b->data, b->len, g);
            g->layer_hit = TRUE;
        } else {
            out = gzip_of(b->data, b->len, 31);
        }
        break;
    case L_PAD2:   /* MiStat v3: two zero bytes after the gzip stream */
        out = b_dup(b->data, b->len);
        b_add(out, "\0\0", 2);
        break;
    case L_B64:
    case L_B64URL:
        if (hit && g->edge == E_B64_SMALL) {
            out = base64_of(g->extra, MIN(g->extra_len, (gsize)g->variant % 4), layer == L_B64URL);
            g->layer_hit = TRUE;
        } else {
            out = base64_of(b->data, b->len, layer == L_B64URL);
        }
        break;
    case L_PCT:
        out = percent_of(b->data, b->len);
        break;
    case L_LZ64:
        out = lz64_of(b->data, b->len);
        break;
    case L_AESHEX: {
        guint8 key[16];
        mistat_key(key, g->edge == E_CIPHER && g->variant % 8 == 5);
        bytes *c = g->edge == E_CIPHER && g->variant % 8 == 4 ? aes_ecb(key, NULL, 0) : aes_ecb(key, b->data, b->len);
        if (g->edge == E_CIPHER && g->variant % 8 == 7) {   /* EXTRA as the ciphertext */
            g_byte_array_set_size(c, 0);
            b_add(c, g->extra, g->extra_len);
        }
        out = hex_of(c->data, c->len);
        g_byte_array_free(c, TRUE);
        if (g->edge == E_CIPHER) {
            switch (g->variant % 8) {
            case 0: if (out->len) g_byte_array_set_size(out, out->len - 1); break;       /* odd length */
            case 1: if (out->len) out->data[out->len / 2] = 'g'; break;                  /* not hex */
            case 2: if (out->len >= 2) g_byte_array_set_size(out, out->len - 2); break;  /* not whole blocks */
            case 3: for (guint i = 0; i < out->len; i++) out->data[i] = (guint8)g_ascii_toupper(out->data[i]); break;
            case 6: b_str(out, "00"); break;
            default: break;
            }
        }
        break;
    }
    case L_AESCBC: {   /* E_CIPHER: 0 short IV, 1 IV alone, 2 a cut block, 3 bad padding, 4 wrong key, 5 huge */
        int v = g->edge == E_CIPHER ? g->variant % 8 : -1;
        bytes *plain = b_dup(b->data, b->len);
        if (v == 5) {   /* 256 KiB to 1 MiB of plaintext: a record padded with spaces */
            gsize want = (gsize)256 * 1024 << (g->variant / 8 % 3);
            while (plain->len < want)
                b_add(plain, "        ", 8);
        }
        out = aes_cbc(v == 4 ? AES_OTHER_KEY : AES_KEY, plain->data, plain->len, v == 3);
        g_byte_array_free(plain, TRUE);
        if (v == 0)
            g_byte_array_set_size(out, 10);
        else if (v == 1)
            g_byte_array_set_size(out, 16);
        else if (v == 2)
            g_byte_array_set_size(out, out->len - 3);
        break;
    }
    case L_AESWRAP: {   /* E_CIPHER: 6 no key_id, 7 a character that is not base64 */
        int v = g->edge == E_CIPHER ? g->variant % 8 : -1;
        out = b_of("{");
        if (v != 6)
            b_printf(out, "\"key_id\":%s,", AES_KEY_IDS[(gsize)g->variant / 8 % G_N_ELEMENTS(AES_KEY_IDS)]);
        b_str(out, "\"key_hash\":\"a9b132e3fa9f85c54ffb766c13df927230cb5f6be666047e6de928c80c9e8740\",\"nc\":1,"
                   "\"payload\":\"");
        gsize at = v == 7 ? (gsize)g->cut * b->len / 256 : b->len;
        b_add(out, b->data, at);
        if (v == 7)
            b_str(out, "*");
        b_add(out, b->data + at, b->len - at);
        b_str(out, "\"}");
        break;
    }
    default:   /* the plaintext (layer 0): as it is */
        break;
    }
    if (out) {
        b_set(b, out);
        g_byte_array_free(out, TRUE);
    }
    if (!hit)
        return;
    /* The generic layer edges, on this layer's output. */
    switch (g->edge) {
    case E_LAYER_EMPTY: g_byte_array_set_size(b, 0); break;
    case E_LAYER_RAW: g_byte_array_set_size(b, 0); b_add(b, g->extra, g->extra_len); break;
    case E_LAYER_CUT: g_byte_array_set_size(b, (guint)((gsize)b->len * (gsize)(g->variant % 16) / 16)); break;
    case E_LAYER_FLIP:
        if (b->len)
            b->data[(gsize)g->variant * 7919 % b->len] ^= (guint8)(1u << (g->variant % 8));
        break;
    default: return;
    }
    g->layer_hit = TRUE;
}

/* ---- building the request ----------------------------------------------------- */

static void param_free(gpointer p)
{
    param *pa = p;
    g_free(pa->name);
    g_byte_array_free(pa->value, TRUE);
    g_free(pa);
}

static param *param_new(const char *name, const guint8 *v, gsize n)
{
    param *p = g_new0(param, 1);
    p->name = g_strdup(name);
    p->value = b_dup(v, n);
    return p;
}

static const char *const BAD_ESCAPES[] = { "%G1", "%", "%4", "%%", "%zz", "%00", "%FF", "%u0041", "%2", "%C3" };

static void param_edge(GPtrArray *list, guint i, const grammar *g)
{
    param *p = g_ptr_array_index(list, i);
    bytes *v = p->value;
    switch (g->edge) {
    case E_EMPTY: g_byte_array_set_size(v, 0); break;
    case E_MISSING: g_ptr_array_remove_index(list, i); break;
    case E_DUPLICATE: {
        param *first = param_new(p->name, g->extra, g->variant % 2 ? g->extra_len : 0);
        g_ptr_array_insert(list, (gint)i, first);
        break;
    }
    case E_NO_EQ: p->no_eq = TRUE; g_byte_array_set_size(v, 0); break;
    case E_BAD_ESCAPE: {
        const char *esc = BAD_ESCAPES[(gsize)g->variant % G_N_ELEMENTS(BAD_ESCAPES)];
        gsize at = v->len ? (gsize)g->cut * v->len / 256 : 0;
        if (g->variant & 0x80)
            at = v->len;   /* at the very end */
        bytes *tail = b_dup(v->data + at, v->len - at);
        g_byte_array_set_size(v, (guint)at);
        b_str(v, esc);
        b_add(v, tail->data, tail->len);
        g_byte_array_free(tail, TRUE);
        break;
    }
    case E_SHORT: g_byte_array_set_size(v, MIN(v->len, 1)); break;
    case E_HUGE: {
        gsize want = (gsize)64 * 1024 << (g->variant % 5);   /* 64 KiB .. 1 MiB */
        bytes *unit = v->len ? b_dup(v->data, v->len) : b_of("A");
        while (v->len < want)
            b_add(v, unit->data, unit->len);
        g_byte_array_free(unit, TRUE);
        break;
    }
    case E_RAW:
        g_byte_array_set_size(v, 0);
        if (g->variant % 2) {
            bytes *e = percent_of(g->extra, g->extra_len);
            b_add(v, e->data, e->len);
            g_byte_array_free(e, TRUE);
        } else {
            b_add(v, g->extra, g->extra_len);
        }
        break;
    default: break;
    }
}

static void request_clear(request *r)
{
    for (int i = 0; i < 3; i++)
        g_ptr_array_free(r->params[i], TRUE);
    if (r->body)
        g_byte_array_free(r->body, TRUE);
}

/* The request of format f, the payload made of DOC, the edge applied. */
static void build_request(request *r, const format *f, const guint8 *doc, gsize doc_len, grammar *g)
{
    memset(r, 0, sizeof *r);
    r->method = f->method;
    r->path = f->path;
    r->host = f->host;
    r->ctype = f->ctype;
    for (int i = 0; i < 3; i++)
        r->params[i] = g_ptr_array_new_with_free_func(param_free);

    /* The innermost plaintext. */
    bytes *payload;
    if (doc_len)
        payload = b_dup(doc, doc_len);
    else if (f->doc)
        payload = b_of(f->doc);
    else {  /* a stand-in ciphertext, 30 AES blocks */
        payload = b_new();
        for (int i = 0; i < 480; i++) {
            guint8 c = (guint8)(i * 37 + 11);
            b_add(payload, &c, 1);
        }
    }
    if (g->edge == E_JSON_LEAF || g->edge == E_JSON_NODE)
        json_edit(payload, g->edge == E_JSON_NODE, g);

    int n_layers = 1;   /* the plaintext counts as layer 0 */
    while (n_layers < 6 && f->layers[n_layers - 1])
        n_layers++;
    /* Layer 0: the plaintext itself. */
    if (g->target % n_layers == 0 && g->edge >= E_LAYER_EMPTY && g->edge <= E_LAYER_FLIP)
        apply_layer(payload, -1, 0, n_layers, g);
    bytes *before_pct = NULL;
    for (int i = 0; i + 1 < n_layers; i++) {
        if (f->layers[i] == L_PCT)
            before_pct = b_dup(payload->data, payload->len);
        apply_layer(payload, f->layers[i], i + 1, n_layers, g);
    }

    gchar **items = g_strsplit(f->params, "|", -1);
    for (gchar **it = items; *it && **it; it++) {
        int where = (*it)[0] == 'q' ? WHERE_QUERY : (*it)[0] == 'f' ? WHERE_FORM : WHERE_HEADER;
        const char *nv = *it + 2;
        const char *eq = strchr(nv, '=');
        char *name = g_strndup(nv, (gsize)(eq - nv));
        param *p;
        if (strcmp(eq + 1, "@") == 0) {
            p = param_new(name, payload->data, payload->len);
            p->payload = TRUE;
        } else if (strcmp(name, "crc") == 0 && f->crc) {
            const bytes *t = before_pct ? before_pct : payload;
            char *crc = g_strdup_printf("%d", java_hash(t->data, t->len));
            p = param_new(name, (const guint8 *)crc, strlen(crc));
            g_free(crc);
        } else {
            p = param_new(name, (const guint8 *)eq + 1, strlen(eq + 1));
        }
        g_ptr_array_add(r->params[where], p);
        g_free(name);
    }
    g_strfreev(items);
    if (!strchr(f->params, '@'))   /* a binary body */
        r->body = b_dup(payload->data, payload->len);
    g_byte_array_free(payload, TRUE);
    if (before_pct)
        g_byte_array_free(before_pct, TRUE);

    /* A parameter edge: the target-th of all parameters, query, form and vendor headers. */
    if (g->edge >= E_EMPTY && g->edge <= E_RAW) {
        guint total = r->params[0]->len + r->params[1]->len + r->params[2]->len;
        if (total) {
            guint i = (guint)g->target % total;
            for (int w = 0; w < 3; w++) {
                if (i < r->params[w]->len) {
                    param_edge(r->params[w], i, g);
                    break;
                }
                i -= r->params[w]->len;
            }
        } else if (r->body) {   /* OneTrack v4/o: the body is the only value */
            GPtrArray *one = g_ptr_array_new_with_free_func(param_free);
            g_ptr_array_add(one, param_new("body", r->body->data, r->body->len));
            param_edge(one, 0, g);
            if (one->len) {
                param *p = g_ptr_array_index(one, one->len - 1);
                b_set(r->body, p->value);
            } else {
                g_byte_array_set_size(r->body, 0);
            }
            g_ptr_array_free(one, TRUE);
        }
    }
}

static void join_params(bytes *out, GPtrArray *list)
{
    for (guint i = 0; i < list->len; i++) {
        const param *p = g_ptr_array_index(list, i);
        if (i)
            b_str(out, "&");
        b_str(out, p->name);
        if (!p->no_eq) {
            b_str(out, "=");
            b_add(out, p->value->data, p->value->len);
        }
    }
}

/* Header values cannot hold line ends: they would end the header block. */
static void add_header_value(bytes *out, const bytes *v)
{
    for (guint i = 0; i < v->len; i++)
        if (v->data[i] != '\r' && v->data[i] != '\n')
            b_add(out, &v->data[i], 1);
}

static const char *content_type_for(const request *r, int choice)
{
    switch (choice) {
    case 1: return NULL;
    case 2: return "text/plain";
    case 3: return r->ctype && strstr(r->ctype, "form") ? "application/json" : "application/x-www-form-urlencoded";
    default: return r->ctype;
    }
}

/* What E_TRANSPORT damages (its variant % 9); the HTTP/2 meaning after the slash. */
enum {
    D_LENGTH_SHORT,   /* Content-Length one short / content-length one short */
    D_LENGTH_LONG,    /* Content-Length 100 past the body / the same */
    D_GZIP_FLIPPED,   /* the gzip content coding damaged */
    D_CHUNK_SIZE,     /* a chunk size that is not hex / a DATA frame padded past its end */
    D_NO_END,         /* no last chunk / no END_STREAM */
    D_DEFLATE,        /* Content-Encoding: deflate over gzip bytes */
    D_GZIP_EMPTY,     /* gzip of nothing */
    D_TWICE,          /* the request again, pipelined / on stream 3 */
    D_HEAD_APART,     /* the header block and the body in segments of their own; HTTP/2 with a split
                       * block: HEADERS (with an empty-valued header) and CONTINUATION (with
                       * content-type) in segments of their own too */
    D_COUNT
};

static int transport_damage(const grammar *g)
{
    return g->edge == E_TRANSPORT ? g->variant % D_COUNT : -1;
}

static gboolean is_get(const request *r)
{
    return strcmp(r->method, "GET") == 0;
}

/* The body as sent: the form or raw body, gzip-coded when asked. */
static bytes *request_body(const request *r, gboolean coded, int damage)
{
    bytes *body = b_new();
    if (r->body)
        b_add(body, r->body->data, r->body->len);
    else
        join_params(body, r->params[WHERE_FORM]);
    if (coded) {
        bytes *z = damage == D_GZIP_EMPTY ? gzip_of(NULL, 0, 31) : gzip_of(body->data, body->len, 31);
        if (damage == D_GZIP_FLIPPED && z->len > 12)
            z->data[z->len / 2] ^= 0xa5;
        b_set(body, z);
        g_byte_array_free(z, TRUE);
    }
    return body;
}

/* The request's bytes as HTTP/1.1 sends them. */
static bytes *serialise(const request *r, int transport, const grammar *g)
{
    gboolean get = is_get(r);
    gboolean chunked = !get && (transport & 1);
    gboolean coded = !get && (transport & 2);
    int damage = transport_damage(g);
    bytes *body = request_body(r, coded, damage);

    bytes *out = b_new();
    b_printf(out, "%s %s", r->method, r->path);
    if (r->params[WHERE_QUERY]->len) {
        b_str(out, "?");
        join_params(out, r->params[WHERE_QUERY]);
    }
    b_printf(out, " HTTP/1.1\r\nHost: %s\r\n", r->host);
    const char *ctype = get ? NULL : content_type_for(r, (transport >> 2) & 3);
    if (ctype)
        b_printf(out, "Content-Type: %s\r\n", ctype);
    for (guint i = 0; i < r->params[WHERE_HEADER]->len; i++) {
        const param *p = g_ptr_array_index(r->params[WHERE_HEADER], i);
        b_str(out, p->name);
        if (!p->no_eq) {
            b_str(out, ": ");
            add_header_value(out, p->value);
        }
        b_str(out, "\r\n");
    }
    b_str(out, "User-Agent: Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8)\r\n");
    if (coded)
        b_str(out, damage == D_DEFLATE ? "Content-Encoding: deflate\r\n" : "Content-Encoding: gzip\r\n");
    if (chunked) {
        b_str(out, "Transfer-Encoding: chunked\r\n\r\n");
        gsize pos = 0, size = MAX((gsize)(g->cut % 64) * 16 + 1, body->len / 3 + 1);
        while (pos < body->len) {
            gsize n = MIN(size, body->len - pos);
            if (damage == D_CHUNK_SIZE && pos == 0)
                b_str(out, "zz\r\n");
            else
                b_printf(out, "%" G_GSIZE_MODIFIER "x\r\n", damage == D_LENGTH_SHORT ? n + 5 : n);
            b_add(out, body->data + pos, n);
            b_str(out, "\r\n");
            pos += n;
        }
        if (damage != D_NO_END)
            b_str(out, "0\r\n\r\n");
    } else if (!get) {
        gsize cl = body->len;
        if (damage == D_LENGTH_SHORT)
            cl = cl ? cl - 1 : 0;
        else if (damage == D_LENGTH_LONG)
            cl += 100;
        b_printf(out, "Content-Length: %" G_GSIZE_MODIFIER "u\r\n\r\n", cl);
        b_add(out, body->data, body->len);
    } else {
        b_str(out, "\r\n");
    }
    g_byte_array_free(body, TRUE);
    if (damage == D_TWICE) {   /* the same request again, pipelined on the connection */
        bytes *copy = b_dup(out->data, out->len);
        b_add(out, copy->data, copy->len);
        g_byte_array_free(copy, TRUE);
    }
    return out;
}

/* ==== HTTP/2 ================================================================ */

/* The same request as an h2c client with prior knowledge sends it (RFC 9113):
 * the preface, SETTINGS, the header block (HEADERS, and CONTINUATION when
 * split) and the body in DATA frames, on stream 1.  The header block is HPACK
 * literals without indexing (RFC 7541 6.2.2): no Huffman coding and no
 * dynamic table, which any decoder reads; what is fuzzed is what xmtrack does
 * with the decoded headers and the reassembled body, not HPACK. */

enum { H2_DATA = 0x0, H2_HEADERS = 0x1, H2_SETTINGS = 0x4, H2_CONTINUATION = 0x9 };
enum { H2_END_STREAM = 0x1, H2_ACK = 0x1, H2_END_HEADERS = 0x4, H2_PADDED = 0x8 };
#define H2_MAX_FRAME 16384   /* SETTINGS_MAX_FRAME_SIZE's initial value */
#define H2C_PORT 20080       /* Decode As HTTP/2, as `tshark -d tcp.port==20080,http2` */

static const char h2_preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

static void h2_frame(bytes *out, int type, int flags, guint32 stream, const guint8 *p, gsize n)
{
    guint8 head[9] = { (guint8)(n >> 16), (guint8)(n >> 8), (guint8)n, (guint8)type, (guint8)flags,
                       (guint8)(stream >> 24 & 0x7f), (guint8)(stream >> 16), (guint8)(stream >> 8),
                       (guint8)stream };
    b_add(out, head, sizeof head);
    if (n)
        b_add(out, p, n);
}

/* An HPACK integer: `first` holds the bits above the prefix (RFC 7541 5.1). */
static void hpack_int(bytes *out, guint8 first, int prefix_bits, gsize v)
{
    gsize max = ((gsize)1 << prefix_bits) - 1;
    guint8 b = (guint8)(first | MIN(v, max));
    b_add(out, &b, 1);
    if (v < max)
        return;
    for (v -= max; v >= 0x80; v >>= 7) {
        b = (guint8)(0x80 | (v & 0x7f));
        b_add(out, &b, 1);
    }
    b = (guint8)v;
    b_add(out, &b, 1);
}

static void hpack_literal(bytes *block, const char *name, const guint8 *value, gsize n)
{
    hpack_int(block, 0x00, 4, 0);   /* without indexing, new name */
    hpack_int(block, 0x00, 7, strlen(name));
    b_str(block, name);
    hpack_int(block, 0x00, 7, n);
    b_add(block, value, n);
}

static void hpack_text(bytes *block, const char *name, const char *value)
{
    hpack_literal(block, name, (const guint8 *)value, strlen(value));
}

/* A split block whose content-type comes after the split and whose HEADERS
 * half holds an empty-valued header, as a browser with large cookies sends
 * (the request then must be kept whole across segments: issue 20). */
static gboolean late_content_type(int transport, int damage)
{
    return damage == D_HEAD_APART && (transport & 1);
}

/* The request's header block; HTTP/2 field names are lower case. */
static bytes *h2_header_block(const request *r, int transport, int damage, gsize body_len)
{
    gboolean get = is_get(r);
    gboolean late = late_content_type(transport, damage);
    bytes *block = b_new();
    hpack_text(block, ":method", r->method);
    hpack_text(block, ":scheme", "http");
    hpack_text(block, ":authority", r->host);
    bytes *path = b_of(r->path);
    if (r->params[WHERE_QUERY]->len) {
        b_str(path, "?");
        join_params(path, r->params[WHERE_QUERY]);
    }
    hpack_literal(block, ":path", path->data, path->len);
    g_byte_array_free(path, TRUE);
    if (late)
        hpack_text(block, "x-empty", "");
    const char *ctype = get ? NULL : content_type_for(r, (transport >> 2) & 3);
    if (ctype && !late)
        hpack_text(block, "content-type", ctype);
    for (guint i = 0; i < r->params[WHERE_HEADER]->len; i++) {
        const param *p = g_ptr_array_index(r->params[WHERE_HEADER], i);
        char *name = g_ascii_strdown(p->name, -1);
        hpack_literal(block, name, p->value->data, p->no_eq ? 0 : p->value->len);
        g_free(name);
    }
    hpack_text(block, "user-agent", "Dalvik/2.1.0 (Linux; U; Android 10; Redmi Note 8)");
    if (!get && (transport & 2))
        hpack_text(block, "content-encoding", damage == D_DEFLATE ? "deflate" : "gzip");
    if (!get && !(transport & 1)) {   /* content-length is optional in HTTP/2: sent unless the body is split */
        gsize cl = damage == D_LENGTH_SHORT ? (body_len ? body_len - 1 : 0)
                 : damage == D_LENGTH_LONG ? body_len + 100 : body_len;
        char text[24];
        g_snprintf(text, sizeof text, "%" G_GSIZE_MODIFIER "u", cl);
        hpack_text(block, "content-length", text);
    }
    if (ctype && late)
        hpack_text(block, "content-type", ctype);
    return block;
}

/* One request on one stream.  With `split`, the header block goes in a
 * HEADERS and a CONTINUATION frame and the body in several DATA frames.
 * Returns where the header block's frames end in `out`, and in *headers_frame_end
 * where its HEADERS frame ends. */
static gsize h2_stream(bytes *out, guint32 stream, const bytes *block, const bytes *body, gboolean get,
                      gboolean split, int damage, int cut, gsize *headers_frame_end)
{
    int end_stream = get && damage != D_NO_END ? H2_END_STREAM : 0;
    gsize first = split && block->len > 1 ? block->len / 2 : block->len;
    h2_frame(out, H2_HEADERS, end_stream | (first == block->len ? H2_END_HEADERS : 0), stream, block->data, first);
    *headers_frame_end = out->len;
    if (first < block->len)
        h2_frame(out, H2_CONTINUATION, H2_END_HEADERS, stream, block->data + first, block->len - first);
    gsize headers_end = out->len;
    if (get)
        return headers_end;
    gsize size = split ? MAX((gsize)(cut % 64) * 16 + 1, body->len / 3 + 1) : H2_MAX_FRAME;
    size = MIN(size, H2_MAX_FRAME - 1);
    gsize pos = 0;
    do {
        gsize n = MIN(size, body->len - pos);
        int flags = pos + n == body->len && damage != D_NO_END ? H2_END_STREAM : 0;
        if (damage == D_CHUNK_SIZE && pos == 0) {
            /* a pad length past the frame's end: a protocol error HTTP/2 must report */
            bytes *padded = b_new();
            guint8 pad = 200;
            b_add(padded, &pad, 1);
            b_add(padded, body->data, n);
            h2_frame(out, H2_DATA, flags | H2_PADDED, stream, padded->data, padded->len);
            g_byte_array_free(padded, TRUE);
        } else {
            h2_frame(out, H2_DATA, flags, stream, n ? body->data + pos : NULL, n);
        }
        pos += n;
    } while (pos < body->len);
    return headers_end;
}

/* The request's bytes as an h2c client sends them; *headers_end is where
 * the first stream's header block ends, *headers_frame_end where its HEADERS
 * frame does. */
static bytes *serialise_h2(const request *r, int transport, const grammar *g, gsize *headers_end,
                           gsize *headers_frame_end)
{
    gboolean get = is_get(r);
    int damage = transport_damage(g);
    bytes *body = request_body(r, !get && (transport & 2), damage);
    bytes *block = h2_header_block(r, transport, damage, body->len);
    bytes *out = b_of(h2_preface);
    h2_frame(out, H2_SETTINGS, 0, 0, NULL, 0);
    *headers_end = h2_stream(out, 1, block, body, get, transport & 1, damage, g->cut, headers_frame_end);
    if (damage == D_TWICE) {
        gsize ignored;
        h2_stream(out, 3, block, body, get, transport & 1, damage, g->cut, &ignored);
    }
    g_byte_array_free(block, TRUE);
    g_byte_array_free(body, TRUE);
    return out;
}

/* The server's side: its SETTINGS, the ACK of the client's, and a 200
 * (HPACK static index 8, ":status: 200") on each stream. */
static bytes *h2_response(gboolean twice)
{
    static const guint8 status_200 = 0x88;
    bytes *out = b_new();
    h2_frame(out, H2_SETTINGS, 0, 0, NULL, 0);
    h2_frame(out, H2_SETTINGS, H2_ACK, 0, NULL, 0);
    h2_frame(out, H2_HEADERS, H2_END_HEADERS | H2_END_STREAM, 1, &status_200, 1);
    if (twice)
        h2_frame(out, H2_HEADERS, H2_END_HEADERS | H2_END_STREAM, 3, &status_200, 1);
    return out;
}

/* ==== frames ================================================================ */

typedef struct {
    guint8 *data;
    guint len;
} frame_bytes;

static guint16 ip_checksum(const guint8 *p, gsize n)
{
    guint32 s = 0;
    for (gsize i = 0; i + 1 < n; i += 2)
        s += (guint32)(p[i] << 8 | p[i + 1]);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (guint16)~s;
}

static void put16(guint8 *p, guint v) { p[0] = (guint8)(v >> 8); p[1] = (guint8)v; }
static void put32(guint8 *p, guint32 v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }

enum { SYN = 0x02, ACK = 0x10, PSH = 0x08, FIN = 0x01 };

/* Each input's connection comes from a client address and port of its own,
 * so that inputs sharing an epan session never share a conversation. */
static guint32 connection_number;
/* 80 (HTTP) or H2C_PORT (HTTP/2 by Decode As), for the current input. */
static guint server_port = 80;

static frame_bytes tcp_frame(gboolean from_client, guint32 seq, guint32 ack, guint8 flags,
                             const guint8 *payload, gsize n)
{
    static const guint8 server[4] = { 192, 0, 2, 80 };
    guint8 client[4] = { 10, (guint8)(connection_number >> 16), (guint8)(connection_number >> 8),
                         (guint8)connection_number };
    guint cport = 1024 + connection_number % 60000;
    frame_bytes f;
    f.len = (guint)(14 + 20 + 20 + n);
    f.data = g_malloc0(f.len);
    guint8 *eth = f.data, *ip = eth + 14, *tcp = ip + 20;
    memcpy(eth, from_client ? "\x00\x00\x5e\x00\x53\x01\x02\x00\x00\x00\x00\x02"
                            : "\x02\x00\x00\x00\x00\x02\x00\x00\x5e\x00\x53\x01", 12);
    put16(eth + 12, 0x0800);
    ip[0] = 0x45;
    put16(ip + 2, (guint)(20 + 20 + n));
    put16(ip + 4, 1);
    ip[6] = 0x40;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, from_client ? client : server, 4);
    memcpy(ip + 16, from_client ? server : client, 4);
    put16(ip + 10, ip_checksum(ip, 20));
    put16(tcp, from_client ? cport : server_port);
    put16(tcp + 2, from_client ? server_port : cport);
    put32(tcp + 4, seq);
    put32(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    if (n)
        memcpy(tcp + 20, payload, n);
    return f;
}

static const char http1_response[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: application/json\r\n\r\n{}";

/* The page of the AES row: it hands out key_id 13's key, with up to 8 KiB of
 * EXTRA after it for the key finder. */
static bytes *aes_page(const grammar *g)
{
    bytes *page = b_of(AES_PAGE);
    b_add(page, g->extra, MIN(g->extra_len, (gsize)8192));
    return page;
}

static bytes *http1_page_response(const grammar *g)
{
    bytes *page = aes_page(g);
    bytes *out = b_new();
    b_printf(out, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\nContent-Type: text/html; charset=utf-8\r\n\r\n",
             page->len);
    b_add(out, page->data, page->len);
    g_byte_array_free(page, TRUE);
    return out;
}

/* HTTP/2: the 200 with content-type text/html (HPACK: a literal with the
 * static table's name 31), the page in one DATA frame. */
static bytes *h2_page_response(const grammar *g)
{
    static const guint8 head[] = { 0x88, 0x5f, 0x09, 't', 'e', 'x', 't', '/', 'h', 't', 'm', 'l' };
    bytes *page = aes_page(g);
    bytes *out = b_new();
    h2_frame(out, H2_SETTINGS, 0, 0, NULL, 0);
    h2_frame(out, H2_SETTINGS, H2_ACK, 0, NULL, 0);
    h2_frame(out, H2_HEADERS, H2_END_HEADERS, 1, head, sizeof head);
    h2_frame(out, H2_DATA, H2_END_STREAM, 1, page->data, page->len);
    g_byte_array_free(page, TRUE);
    return out;
}

static gboolean hands_out_a_key(const format *f)
{
    for (int i = 0; i < 5 && f->layers[i]; i++)
        if (f->layers[i] == L_AESWRAP)
            return TRUE;
    return FALSE;
}

/* The connection: handshake, the request in 1-3 segments, a response, the close. */
static GArray *connection(const bytes *req, gsize cut1, gsize cut2, const bytes *response)
{
    GArray *frames = g_array_new(FALSE, FALSE, sizeof(frame_bytes));
    guint32 c = 1000, s = 5000;
    frame_bytes fb;
#define ADD(...) (fb = tcp_frame(__VA_ARGS__), g_array_append_val(frames, fb))
    ADD(TRUE, c, 0, SYN, NULL, 0);
    ADD(FALSE, s, c + 1, SYN | ACK, NULL, 0);
    ADD(TRUE, c + 1, s + 1, ACK, NULL, 0);
    gsize cuts[3] = { cut1, cut2, req->len };
    guint32 seq = c + 1;
    gsize prev = 0;
    for (int i = 0; i < 3; i++) {
        gsize upto = MIN(cuts[i], req->len);
        if (upto > prev) {
            ADD(TRUE, seq, s + 1, PSH | ACK, req->data + prev, upto - prev);
            seq += (guint32)(upto - prev);
            prev = upto;
        }
    }
    ADD(FALSE, s + 1, seq, PSH | ACK | FIN, response->data, response->len);
    ADD(TRUE, seq, s + 2 + response->len, ACK | FIN, NULL, 0);
#undef ADD
    return frames;
}

/* XMT_FUZZ_PCAP=FILE: the last input's capture written as a pcap, to open a
 * finding in Wireshark or tshark (-d tcp.port==20080,http2 for HTTP/2). */
static void write_pcap(const char *path, GArray *frames)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        FAIL("cannot write %s", path);
    const guint32 file_header[6] = { 0xa1b2c3d4, 0x00040002, 0, 0, 65535, 1 /* Ethernet */ };
    fwrite(file_header, sizeof file_header, 1, f);
    for (guint i = 0; i < frames->len; i++) {
        const frame_bytes *fb = &g_array_index(frames, frame_bytes, i);
        const guint32 record[4] = { 1588291215 + i, 0, fb->len, fb->len };
        fwrite(record, sizeof record, 1, f);
        fwrite(fb->data, fb->len, 1, f);
    }
    fclose(f);
}

/* ==== epan ================================================================= */

/* The frames of the current input; frame numbers run on through a session. */
struct packet_provider_data {
    frame_data *fds;
    guint32 first;
    guint n;
};

/* Frames of earlier inputs (the frame before the first, for its time delta)
 * are gone: they were at time zero. */
static const nstime_t *frame_ts(struct packet_provider_data *prov, guint32 num)
{
    static const nstime_t gone = NSTIME_INIT_ZERO;
    return num >= prov->first && num - prov->first < prov->n ? &prov->fds[num - prov->first].abs_ts : &gone;
}

static const struct packet_provider_funcs provider_funcs = { .get_frame_ts = frame_ts };

/* A session (epan_new: every protocol's init routine) costs a third of a
 * second, some thirty captures' worth: inputs share one, each on its own
 * connection, and it is renewed every SESSION_INPUTS inputs so that what
 * it keeps (conversations, reassemblies, xmtrack's per-frame state) stays
 * bounded.  XMT_FUZZ_SESSION_INPUTS=1 gives each input a session of its own.
 *
 * Not too often either: libwireshark 4.0 keeps some 13 MB of every session
 * after epan_free() (measured: 870 inputs run 8 times grow the peak RSS from
 * 239 to 427 MB with a session per 500 inputs, the same with xmtrack
 * disabled, XMT_FUZZ_XMTRACK_OFF=1, and to 287 MB in one session), which cut
 * a long run off at the 2 GB RSS limit after 12 minutes.  Within a session an
 * input keeps ~10 KB of file-scope state, so 5,000 inputs hold ~50 MB. */
#define SESSION_INPUTS 5000
static epan_t *session;
static struct packet_provider_data provider;
static guint session_inputs, session_limit = SESSION_INPUTS;
static guint32 next_frame = 1;

static void session_begin(void)
{
    if (session && session_inputs < session_limit)
        return;
    if (session)
        epan_free(session);
    session = epan_new(&provider, &provider_funcs);
    session_inputs = 0;
    next_frame = 1;
}

static dfilter_t *filter;
static GArray *xmtrack_fields;   /* every xmtrack.* hf id, as -T fields -e would prime them */
static column_info columns;
static int proto_xmtrack_id = -1;

typedef struct {
    gboolean in_xmtrack;
    guint items, xmtrack_items;
} walk_state;

/* XMT_FUZZ_VERBOSE=1: each request, and what each pass made of each frame. */
static int verbose;

/* What tshark -V does with each item: format its label; and what the
 * robustness runs check in the output: xmtrack's labels and strings are UTF-8. */
static void walk(proto_node *node, gpointer data)
{
    walk_state *st = data;
    field_info *fi = PNODE_FINFO(node);
    gboolean was = st->in_xmtrack;
    if (fi && fi->hfinfo) {
        char label[ITEM_LABEL_LENGTH];
        const char *text = label;
        if (fi->rep)
            text = fi->rep->representation;
        else
            FILL_LABEL(fi, label);
        st->items++;
        if (fi->hfinfo->id == proto_xmtrack_id)
            st->in_xmtrack = TRUE;
        if (st->in_xmtrack)
            st->xmtrack_items++;
        if (verbose > 1 && st->in_xmtrack)
            fprintf(stderr, "      %s\n", text);
        gboolean ours = st->in_xmtrack || g_str_has_prefix(fi->hfinfo->abbrev, "xmtrack");
        if (ours && !g_utf8_validate(text, -1, NULL))
            FAIL("the label of %s is not UTF-8", fi->hfinfo->abbrev);
        if (ours && fi->hfinfo->type == FT_STRING && g_str_has_prefix(fi->hfinfo->abbrev, "xmtrack.")) {
            const char *s = fvalue_get_string(XMT_FINFO_VALUE(fi));
            if (s && !g_utf8_validate(s, -1, NULL))
                FAIL("the value of %s is not UTF-8", fi->hfinfo->abbrev);
        }
    }
    proto_tree_children_foreach(node, walk, st);
    st->in_xmtrack = was;
}

static tap_packet_status tap_packet(void *tapdata, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                    const void *data _U_, tap_flags_t flags _U_)
{
    (*(guint *)tapdata)++;
    return TAP_PACKET_DONT_REDRAW;
}

/* ==== DISSECTOR BUGS =========================================================
 *
 * Wireshark 4.0's own JSON dissector asserts on some bodies (README
 * "Robustness"), with xmtrack or without it.  Aborting on every dissector bug
 * (WIRESHARK_ABORT_ON_DISSECTOR_BUG) stopped long runs there, on a bug that is
 * not ours.  Dissector bugs are instead caught as tshark and the GUI catch them
 * (a "[Dissector bug, protocol P: ...]" item and its expert info, whose tap
 * fires in every pass, tree or not), and each is judged: a bug that the same
 * capture also shows with xmtrack disabled is epan's and is reported once; any
 * other fails the input. */
typedef struct {
    char *protocol, *message;
} dissector_bug;

static GArray *dissector_bugs;   /* dissector_bug, of the capture being dissected */
static int hf_dissector_bug = -1; /* 4.0's _ws.malformed.dissector_bug */
static GHashTable *upstream_bugs_seen;

static gboolean is_dissector_bug(const expert_info_t *ei)
{
#ifdef PI_DISSECTOR_BUG
    if (ei->group == PI_DISSECTOR_BUG)
        return TRUE;  /* 4.4 on: an expert group of its own */
#endif
    return hf_dissector_bug >= 0 && ei->hf_index == hf_dissector_bug;  /* 4.0 */
}

static tap_packet_status note_dissector_bug(void *tapdata _U_, packet_info *pinfo _U_, epan_dissect_t *edt _U_,
                                            const void *data, tap_flags_t flags _U_)
{
    const expert_info_t *ei = data;
    if (!is_dissector_bug(ei))
        return TAP_PACKET_DONT_REDRAW;
    dissector_bug bug = { g_strdup(ei->protocol ? ei->protocol : "?"), g_strdup(ei->summary ? ei->summary : "") };
    g_array_append_val(dissector_bugs, bug);
    return TAP_PACKET_DONT_REDRAW;
}

static void bugs_clear(GArray *bugs)
{
    for (guint i = 0; i < bugs->len; i++) {
        dissector_bug *bug = &g_array_index(bugs, dissector_bug, i);
        g_free(bug->protocol);
        g_free(bug->message);
    }
    g_array_set_size(bugs, 0);
}

static void dissector_bugs_init(void)
{
    dissector_bugs = g_array_new(FALSE, FALSE, sizeof(dissector_bug));
    upstream_bugs_seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    hf_dissector_bug = proto_registrar_get_id_byname("_ws.malformed.dissector_bug");
#ifndef PI_DISSECTOR_BUG
    if (hf_dissector_bug < 0)
        FAIL("no _ws.malformed.dissector_bug expert field");
#endif
    GString *err = register_tap_listener("expert", &dissector_bugs, NULL, TL_REQUIRES_NOTHING, NULL,
                                         note_dissector_bug, NULL, NULL);
    if (err)
        FAIL("register_tap_listener(expert): %s", err->str);
}

static void dissect_capture(GArray *frames, int transport)
{
    session_begin();
    session_inputs++;
    guint n = frames->len;
    frame_data *fds = g_new0(frame_data, n);
    provider.fds = fds;
    provider.first = next_frame;
    provider.n = n;
    static guint tapped;
    if (transport & 0x80) {
        GString *err = register_tap_listener("xmtrack", &tapped, NULL, TL_REQUIRES_NOTHING, NULL, tap_packet, NULL,
                                             NULL);
        if (err)
            FAIL("register_tap_listener(xmtrack): %s", err->str);
    }
    guint32 cum_bytes = 0;
    const frame_data *prev = NULL, *ref = NULL;
    nstime_t elapsed = NSTIME_INIT_ZERO;
    for (int pass = 1; pass <= 2; pass++) {
        gboolean visible = pass == 2 || !(transport & 0x40);
        epan_dissect_t *edt = epan_dissect_new(session, TRUE, visible);
        epan_dissect_prime_with_dfilter(edt, filter);
        if (pass == 2)
            epan_dissect_prime_with_hfid_array(edt, xmtrack_fields);
        for (guint i = 0; i < n; i++) {
            frame_bytes *fb = &g_array_index(frames, frame_bytes, i);
            wtap_rec rec;
            record_init(&rec, fb->data, fb->len);
            rec.rec_type = REC_TYPE_PACKET;
            rec.block = NULL;
            rec.presence_flags = WTAP_HAS_TS | WTAP_HAS_CAP_LEN;
            rec.ts.secs = 1588291215 + (time_t)i;
            rec.ts.nsecs = 0;
            rec.rec_header.packet_header.caplen = fb->len;
            rec.rec_header.packet_header.len = fb->len;
            rec.rec_header.packet_header.pkt_encap = WTAP_ENCAP_ETHERNET;
            if (pass == 1) {
                frame_data_init(&fds[i], next_frame + i, &rec, (gint64)i * 2048, cum_bytes);
                frame_data_set_before_dissect(&fds[i], &elapsed, &ref, prev);
            }
            RUN_FRAME(edt, &rec, fb->data, fb->len, &fds[i], &columns);
            if (pass == 1) {
                frame_data_set_after_dissect(&fds[i], &cum_bytes);
                prev = &fds[i];
            }
            epan_dissect_fill_in_columns(edt, FALSE, TRUE);
            gboolean matched = dfilter_apply_edt(filter, edt);
            walk_state st = { FALSE, 0, 0 };
            if (visible)
                proto_tree_children_foreach(edt->tree, walk, &st);
            if (verbose)
                fprintf(stderr, "  pass %d frame %u: %u bytes, %s, %u items (%u of xmtrack)\n", pass, next_frame + i,
                        fb->len, matched ? "xmtrack" : "-", st.items, st.xmtrack_items);
            epan_dissect_reset(edt);
            wtap_rec_cleanup(&rec);
        }
        epan_dissect_free(edt);
    }
    if (transport & 0x80)
        remove_tap_listener(&tapped);
    for (guint i = 0; i < n; i++)
        frame_data_destroy(&fds[i]);
    next_frame += n;
    provider.fds = NULL;
    provider.n = 0;
    g_free(fds);
}

static void frames_free(GArray *frames)
{
    for (guint i = 0; i < frames->len; i++)
        g_free(g_array_index(frames, frame_bytes, i).data);
    g_array_free(frames, TRUE);
}

static gboolean bug_in(const GArray *bugs, const dissector_bug *bug)
{
    for (guint i = 0; i < bugs->len; i++) {
        const dissector_bug *other = &g_array_index(bugs, dissector_bug, i);
        if (strcmp(other->protocol, bug->protocol) == 0 && strcmp(other->message, bug->message) == 0)
            return TRUE;
    }
    return FALSE;
}

/* The dissector bugs of the capture just dissected: each is epan's own when
 * the same request on a new connection, with xmtrack disabled, shows it too;
 * any other fails the input. */
static void judge_dissector_bugs(const bytes *wire, gsize cut1, gsize cut2, const bytes *response, int transport)
{
    if (dissector_bugs->len == 0)
        return;
    GArray *with_xmtrack = g_array_copy(dissector_bugs);
    g_array_set_size(dissector_bugs, 0);  /* the strings now belong to with_xmtrack */
    connection_number++;
    GArray *frames = connection(wire, cut1, cut2, response);
    gboolean enabled = proto_is_protocol_enabled(find_protocol_by_id(proto_xmtrack_id));
    proto_set_decoding(proto_xmtrack_id, FALSE);
    dissect_capture(frames, transport);
    proto_set_decoding(proto_xmtrack_id, enabled);
    frames_free(frames);
    for (guint i = 0; i < with_xmtrack->len; i++) {
        const dissector_bug *bug = &g_array_index(with_xmtrack, dissector_bug, i);
        if (!bug_in(dissector_bugs, bug))
            FAIL("dissector bug, protocol %s, not shown with xmtrack disabled: %s", bug->protocol, bug->message);
        char *key = g_strdup_printf("%s: %s", bug->protocol, bug->message);
        if (g_hash_table_add(upstream_bugs_seen, key))
            fprintf(stderr, "fuzz_epan: epan's own dissector bug (also with xmtrack disabled), protocol %s\n", key);
    }
    bugs_clear(dissector_bugs);
    bugs_clear(with_xmtrack);
    g_array_free(with_xmtrack, TRUE);
}

int LLVMFuzzerInitialize(int *argc _U_, char ***argv)
{
    /* As the robustness runs start tshark; no user or system preferences. */
    g_setenv("WIRESHARK_DEBUG_WMEM_OVERRIDE", "simple", 0);
    g_setenv("G_SLICE", "always-malloc", 0);
    g_setenv("WIRESHARK_ABORT_ON_TOO_MANY_ITEMS", "1", 0);
    g_setenv("WIRESHARK_CONFIG_DIR", "/nonexistent/xmtrack-fuzz", 1);
    g_setenv("XDG_CONFIG_HOME", "/nonexistent/xmtrack-fuzz", 1);
    g_setenv("WIRESHARK_PLUGIN_DIR", "/nonexistent/xmtrack-fuzz", 1);
    LOG_INIT("fuzz_epan");
    ws_log_set_level(LOG_LEVEL_WARNING);
    init_process_policies();
    char *err = CONFIGURATION_INIT((*argv)[0]);
    g_free(err);
    timestamp_set_type(TS_RELATIVE);
    timestamp_set_precision(TS_PREC_AUTO);
    timestamp_set_seconds_type(TS_SECONDS_DEFAULT);
    wtap_init(FALSE);
    /* What loading xmtrack.so would do: the loader calls plugin_register(),
     * which queues xmtrack's registration for proto_init() inside epan_init(). */
    plugin_register();
    if (!epan_init(NULL, NULL, FALSE))
        FAIL("epan_init failed");
    e_prefs *settings = epan_load_settings();
    /* The key table, as -o 'uat:xmtrack_keys:...' loads it. */
    for (gsize i = 0; i < G_N_ELEMENTS(AES_KEYS); i++) {
        char *pref = g_strconcat("uat:xmtrack_keys:", AES_KEYS[i], NULL), *why = NULL;
        if (prefs_set_pref(pref, &why) != PREFS_SET_OK)
            FAIL("the key table refused %s: %s", AES_KEYS[i], why ? why : "?");
        g_free(pref);
        g_free(why);
    }
    prefs_apply_all();
    gsize key_len = 0;
    if (!xmt_keys_find(NULL, "sensors", "12", 1, &key_len, NULL) || key_len != 16)
        FAIL("the key table is not loaded");
    build_column_format_array(&columns, settings->num_cols, TRUE);
    /* h2c on H2C_PORT, as the suite's captures are read (-d tcp.port==N,http2). */
    dissector_handle_t http2 = find_dissector("http2");
    if (!http2)
        FAIL("no HTTP/2 dissector");
    dissector_change_uint("tcp.port", H2C_PORT, http2);
    proto_xmtrack_id = proto_get_id_by_filter_name("xmtrack");
    if (proto_xmtrack_id < 0)
        FAIL("xmtrack is not registered");
    if (!dfilter_compile("xmtrack", &filter, NULL))  /* its error type differs between versions */
        FAIL("dfilter_compile(xmtrack) failed");
    xmtrack_fields = g_array_new(FALSE, FALSE, sizeof(int));
    void *cookie = NULL;
    for (header_field_info *hf = proto_get_first_protocol_field(proto_xmtrack_id, &cookie); hf;
         hf = proto_get_next_protocol_field(proto_xmtrack_id, &cookie)) {
        if (hf->same_name_prev_id == -1)
            g_array_append_val(xmtrack_fields, hf->id);
    }
    dissector_bugs_init();
    if (gcry_check_version(NULL) == NULL)
        FAIL("libgcrypt");
    verbose = getenv("XMT_FUZZ_VERBOSE") ? atoi(getenv("XMT_FUZZ_VERBOSE")) : 0;
    /* XMT_FUZZ_XMTRACK_OFF=1: the same traffic with xmtrack disabled, to tell
     * what epan itself costs (memory growth, speed) from what xmtrack adds. */
    if (getenv("XMT_FUZZ_XMTRACK_OFF"))
        proto_set_decoding(proto_xmtrack_id, FALSE);
    const char *limit = getenv("XMT_FUZZ_SESSION_INPUTS");
    if (limit && atoi(limit) > 0)
        session_limit = (guint)atoi(limit);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6 || size > 256 * 1024)
        return 0;
    grammar g = { data[2] % E_COUNT, data[3], data[5], data[4], NULL, 0, FALSE };
    const format *f = &FORMATS[(data[0] & 0x7f) % N_FORMATS];
    gboolean http2 = (data[0] & 0x80) != 0;
    int transport = data[1];
    /* Exact-size copies, so ASan sees a read past either. */
    const guint8 *rest = data + 6;
    gsize rest_len = size - 6;
    const guint8 *nul = memchr(rest, 0, rest_len);
    gsize doc_len = nul ? (gsize)(nul - rest) : rest_len;
    guint8 *doc = g_memdup2(rest, doc_len);
    g.extra_len = nul ? rest_len - doc_len - 1 : 0;
    guint8 *extra = g_memdup2(nul ? nul + 1 : rest, g.extra_len);
    g.extra = extra;

    request r;
    build_request(&r, f, doc, doc_len, &g);
    gsize h2_headers_end = 0, h2_headers_frame_end = 0;
    bytes *wire = http2 ? serialise_h2(&r, transport, &g, &h2_headers_end, &h2_headers_frame_end)
                        : serialise(&r, transport, &g);
    /* Where the request is cut into TCP segments. */
    gsize cut1 = 0, cut2 = 0;
    switch ((transport >> 4) & 3) {
    case 1: cut1 = wire->len * (gsize)(g.cut & 0x0f) / 16; break;
    case 2: cut1 = wire->len * (gsize)(g.cut & 0x0f) / 16;
            cut2 = cut1 + (wire->len - cut1) * (gsize)(g.cut >> 4) / 16; break;
    case 3: cut1 = 1; cut2 = 1 + (wire->len - 1) * (gsize)(g.cut >> 4) / 16; break;
    default: break;
    }
    if (transport_damage(&g) == D_HEAD_APART && http2 && late_content_type(transport, D_HEAD_APART)) {
        cut1 = h2_headers_frame_end;  /* HEADERS, CONTINUATION, the body: a segment each */
        cut2 = h2_headers_end;
    } else if (transport_damage(&g) == D_HEAD_APART && http2) {
        cut1 = h2_headers_end;
        cut2 = 0;
    } else if (transport_damage(&g) == D_HEAD_APART) {
        /* the header block and the body in separate segments, cut at the blank line */
        for (gsize i = 0; i + 4 <= wire->len; i++) {
            if (memcmp(wire->data + i, "\r\n\r\n", 4) == 0) {
                cut1 = i + 4;
                cut2 = 0;
                break;
            }
        }
    }
    connection_number++;
    if (verbose)
        fprintf(stderr, "%s over %s, edge %d target %d variant %d, transport 0x%02x, %u bytes:\n%.*s\n", f->name,
                http2 ? "h2c" : "HTTP/1.1", g.edge, g.target, g.variant, (unsigned)transport, wire->len,
                (int)MIN(wire->len, 600), (const char *)wire->data);
    bytes *response = hands_out_a_key(f) && transport_damage(&g) != D_TWICE
                          ? (http2 ? h2_page_response(&g) : http1_page_response(&g))
                          : http2 ? h2_response(transport_damage(&g) == D_TWICE) : b_of(http1_response);
    server_port = http2 ? H2C_PORT : 80;
    GArray *frames = connection(wire, cut1, cut2, response);
    if (getenv("XMT_FUZZ_PCAP"))
        write_pcap(getenv("XMT_FUZZ_PCAP"), frames);
    dissect_capture(frames, transport);
    frames_free(frames);
    judge_dissector_bugs(wire, cut1, cut2, response, transport);
    g_byte_array_free(response, TRUE);
    g_byte_array_free(wire, TRUE);
    request_clear(&r);
    g_free(doc);
    g_free(extra);
    return 0;
}
