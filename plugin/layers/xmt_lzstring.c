/* xmt_lzstring.c: LZ-string decompression (xmt_lzstring.h).
 *
 * Hand-written because no library does it: Debian packages no C (or C++)
 * LZ-string, and the reference is the JavaScript of pieroxy/lz-string
 * (libs/lz-string.js, _decompress), whose format this follows bit for bit:
 *
 *   - each character carries 6 bits, read from its highest bit down;
 *   - a code is numBits bits, assembled lowest bit first; numBits starts at
 *     2 for the first code and 3 after it, and grows by one each time
 *     `enlargeIn` (2^numBits entries added) runs out;
 *   - code 0 and 1: an 8- or 16-bit UTF-16 code unit follows, a new
 *     dictionary entry; code 2: end of stream; code >= 3: a dictionary entry,
 *     or the entry being defined (w + w[0]) when it equals the next index;
 *   - after each code the entry w + entry[0] is added.
 *
 * Where the JavaScript is lenient this decoder says what it found instead:
 * JS reads a character outside the alphabet, or bits past the end, as zero
 * bits and returns "" on some cuts; here they are XMT_LZSTRING_BAD_CHARACTER
 * and XMT_LZSTRING_TRUNCATED with their offsets.
 *
 * Bounded: each entry is kept as (offset, length) into the UTF-16 output,
 * because every entry but a literal is w + entry[0], and w and the entry
 * after it were written one after the other (the classic LZW trick, so no
 * entry is ever copied).  The output holds at most max_out units (every unit
 * is at least one UTF-8 byte).  Each step reads at least 3 bits and writes at
 * least one unit, and adds at most two entries of 8 bytes (two only for a
 * literal, which costs at least 11 bits).  So work is O(len + max_out) and
 * memory at most 2 bytes per output unit plus about 9 per input character,
 * plus the UTF-8 copy of at most max_out bytes.
 *
 * UTF-16 to UTF-8: a high surrogate followed by a low one is one code point;
 * every unpaired surrogate becomes U+FFFD, as the WHATWG encoders (Node's
 * Buffer, TextEncoder) write it, so the text is always valid UTF-8. */
#include "layers/xmt_lzstring.h"

#include <string.h>

enum { BAD = 255, PAD = 254 };

/* 0..63: the symbol's value in compressToBase64's alphabet (+ /) and in
 * compressToEncodedURIComponent's (+ -): one table reads both, as neither
 * symbol of one is in the other.  A space is '+' a form decoder turned into
 * one (lz-string's own URI decoder does the same replacement). */
static guint8 symbol_value(guint8 c)
{
    if (c >= 'A' && c <= 'Z')
        return (guint8)(c - 'A');
    if (c >= 'a' && c <= 'z')
        return (guint8)(c - 'a' + 26);
    if (c >= '0' && c <= '9')
        return (guint8)(c - '0' + 52);
    switch (c) {
    case '+': case ' ': return 62;
    case '/': case '-': return 63;
    case '=':           return PAD;
    default:            return BAD;
    }
}

const char *xmt_lzstring_result_name(xmt_lzstring_result result)
{
    switch (result) {
    case XMT_LZSTRING_OK:            return "ok";
    case XMT_LZSTRING_BAD_CHARACTER: return "bad character";
    case XMT_LZSTRING_TRUNCATED:     return "truncated";
    case XMT_LZSTRING_BAD_CODE:      return "bad code";
    case XMT_LZSTRING_TRAILING_DATA: return "trailing data";
    case XMT_LZSTRING_OUTPUT_LIMIT:  return "output limit";
    }
    return "unknown";
}

gboolean xmt_lzstring_has_json_prefix(const guint8 *in, gsize len)
{
    return len >= 2 && in[0] == 'N' &&
           ((in[1] >= 'o' && in[1] <= 'r') || (in[1] >= '4' && in[1] <= '7'));
}

/* ---- the bit reader ------------------------------------------------------- */

typedef struct {
    const guint8 *in;
    gsize len;
    gsize next;        /* index of the next character to load */
    guint8 value;      /* the 6 bits of the character being read */
    guint8 mask;       /* its next bit; 0 when a character must be loaded */
    gsize code_start;  /* offset of the character the current code began in */
} bit_reader;

/* Reads `bits` bits (at most 32) lowest first; XMT_LZSTRING_OK or why not. */
static xmt_lzstring_result read_code(bit_reader *r, guint bits, guint32 *code)
{
    guint32 v = 0;
    r->code_start = r->mask ? r->next - 1 : r->next;
    for (guint i = 0; i < bits; i++) {
        if (r->mask == 0) {
            if (r->next >= r->len)
                return XMT_LZSTRING_TRUNCATED;
            guint8 s = symbol_value(r->in[r->next]);
            if (s >= 64)
                return XMT_LZSTRING_BAD_CHARACTER;
            r->value = s;
            r->mask = 32;
            r->next++;
        }
        if (r->value & r->mask)
            v |= (guint32)1 << i;
        r->mask >>= 1;
    }
    *code = v;
    return XMT_LZSTRING_OK;
}

/* ---- the decoder state ----------------------------------------------------- */

typedef struct {
    guint32 off, len;  /* an entry: units[off .. off + len) of the output */
} entry;

typedef struct {
    bit_reader r;
    gunichar2 *units;  /* the output so far, UTF-16 */
    gsize n_units, units_cap, max_units;
    entry *dict;       /* entries 0..2 are the codes 0, 1, 2 and unused */
    gsize n_dict, dict_cap;
    guint num_bits;
    guint64 enlarge_in;
    entry w;           /* the entry written last */
    char *error;
} decoder;

static xmt_lzstring_result fail(decoder *d, xmt_lzstring_result result, char *reason)
{
    d->error = reason;
    return result;
}

static xmt_lzstring_result reader_failure(decoder *d, xmt_lzstring_result result)
{
    if (result == XMT_LZSTRING_TRUNCATED)
        return fail(d, result, g_strdup_printf("input ends at offset %" G_GSIZE_FORMAT
                                               " inside a code (no end-of-stream code)", d->r.len));
    const guint8 c = d->r.in[d->r.next];
    return fail(d, result, g_strdup_printf("character 0x%02x at offset %" G_GSIZE_FORMAT " %s", c, d->r.next,
                                           c == '=' ? "is padding before the end of the stream"
                                                    : "is not in LZ-string's base64 alphabets"));
}

/* Room for `more` units, or for as many as the output limit leaves; returns
 * how many fit (the caller writes those, then stops when they are fewer). */
static gsize reserve_units(decoder *d, gsize more)
{
    gsize fit = MIN(more, d->max_units - d->n_units);
    if (d->n_units + fit > d->units_cap) {
        gsize cap = MAX(d->units_cap * 2, d->n_units + fit);
        d->units_cap = MIN(MAX(cap, (gsize)256), d->max_units);
        d->units = g_renew(gunichar2, d->units, d->units_cap);
    }
    return fit;
}

static xmt_lzstring_result output_limit(decoder *d)
{
    return fail(d, XMT_LZSTRING_OUTPUT_LIMIT,
                g_strdup_printf("output limit reached at input offset %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                                " UTF-16 units decoded)", d->r.code_start, d->n_units));
}

static void add_entry(decoder *d, guint32 off, guint32 len)
{
    if (d->n_dict >= d->dict_cap) {
        d->dict_cap = MAX(d->dict_cap * 2, (gsize)256);
        d->dict = g_renew(entry, d->dict, d->dict_cap);
    }
    d->dict[d->n_dict].off = off;
    d->dict[d->n_dict].len = len;
    d->n_dict++;
}

/* lz-string's rule after each entry added: the code width grows once
 * 2^numBits entries have been added at the current width. */
static void count_entry(decoder *d)
{
    if (--d->enlarge_in == 0) {
        d->enlarge_in = (guint64)1 << d->num_bits;
        d->num_bits++;
    }
}

/* Code 0 or 1: a literal unit of 8 or 16 bits, written and made an entry. */
static xmt_lzstring_result read_literal(decoder *d, guint32 code, entry *out)
{
    guint32 unit = 0;
    xmt_lzstring_result res = read_code(&d->r, code == 0 ? 8 : 16, &unit);
    if (res != XMT_LZSTRING_OK)
        return reader_failure(d, res);
    if (reserve_units(d, 1) < 1)
        return output_limit(d);
    out->off = (guint32)d->n_units;
    out->len = 1;
    d->units[d->n_units++] = (gunichar2)unit;
    add_entry(d, out->off, 1);
    return XMT_LZSTRING_OK;
}

/* A code >= 3: the entry it names, or w + w[0] when it names the entry about
 * to be defined; the units are copied forward one by one, so the overlapping
 * w + w[0] reads the unit it has just written. */
static xmt_lzstring_result copy_entry(decoder *d, guint32 code, entry *out)
{
    entry src;
    if (code < d->n_dict) {
        src = d->dict[code];
    } else if (code == d->n_dict) {
        src.off = d->w.off;
        src.len = d->w.len + 1;
    } else {
        return fail(d, XMT_LZSTRING_BAD_CODE,
                    g_strdup_printf("code %u at offset %" G_GSIZE_FORMAT " names no entry (the dictionary has %"
                                    G_GSIZE_FORMAT ")", code, d->r.code_start, d->n_dict));
    }
    gsize fit = reserve_units(d, src.len);
    out->off = (guint32)d->n_units;
    out->len = src.len;
    for (gsize i = 0; i < fit; i++)
        d->units[d->n_units + i] = d->units[src.off + i];
    d->n_units += fit;
    return fit < src.len ? output_limit(d) : XMT_LZSTRING_OK;
}

/* The first code: a literal (2-bit code 0 or 1), or the end of an empty text. */
static xmt_lzstring_result decode_first(decoder *d, gboolean *ended)
{
    guint32 code = 0;
    xmt_lzstring_result res = read_code(&d->r, 2, &code);
    if (res != XMT_LZSTRING_OK)
        return reader_failure(d, res);
    if (code == 2) {
        *ended = TRUE;
        return XMT_LZSTRING_OK;
    }
    if (code == 3)
        return fail(d, XMT_LZSTRING_BAD_CODE,
                    g_strdup("first code is 3 at offset 0: neither a literal nor the end"));
    /* The first literal is entry 3 and does not count towards enlargeIn
     * (lz-string starts with dictSize 4, numBits 3, enlargeIn 4). */
    d->num_bits = 3;
    d->enlarge_in = 4;
    d->n_dict = 3;
    return read_literal(d, code, &d->w);
}

/* Every further code until the end-of-stream code. */
static xmt_lzstring_result decode_codes(decoder *d)
{
    for (;;) {
        guint32 code = 0;
        xmt_lzstring_result res = read_code(&d->r, d->num_bits, &code);
        if (res != XMT_LZSTRING_OK)
            return reader_failure(d, res);
        if (code == 2)
            return XMT_LZSTRING_OK;
        entry e;
        if (code < 2) {
            res = read_literal(d, code, &e);
            if (res != XMT_LZSTRING_OK)
                return res;
            count_entry(d);
        } else {
            res = copy_entry(d, code, &e);
            if (res != XMT_LZSTRING_OK)
                return res;
        }
        /* w + entry[0]: w and e lie one after the other in the output. */
        add_entry(d, d->w.off, d->w.len + 1);
        count_entry(d);
        d->w = e;
        /* The dictionary never outgrows 2^32 entries or 32-bit codes: it
         * holds at most two entries per output unit, and the output is
         * bounded; this only guards the arithmetic. */
        if (d->num_bits > 32 || d->n_dict >= G_MAXUINT32 - 2)
            return fail(d, XMT_LZSTRING_OUTPUT_LIMIT, g_strdup("dictionary too large"));
    }
}

/* After the end code: lz-string's final flush fills the character the code
 * ended in with zero bits, and writes one more all-zero symbol ('A') when
 * the code ended exactly at a character's end; then '=' padding (base64
 * form only).  Anything else is data the stream does not account for. */
static xmt_lzstring_result check_trailing(decoder *d)
{
    gsize i = d->r.next;
    if (d->r.mask == 0 && i < d->r.len && d->r.in[i] == 'A')
        i++;
    for (; i < d->r.len; i++)
        if (d->r.in[i] != '=')
            return fail(d, XMT_LZSTRING_TRAILING_DATA,
                        g_strdup_printf("character 0x%02x at offset %" G_GSIZE_FORMAT
                                        " follows the end-of-stream code", d->r.in[i], i));
    return XMT_LZSTRING_OK;
}

/* ---- UTF-16 to UTF-8 -------------------------------------------------------- */

/* The code point at units[*i] (advancing *i), unpaired surrogates as U+FFFD. */
static gunichar next_code_point(const gunichar2 *units, gsize n, gsize *i)
{
    gunichar2 u = units[(*i)++];
    if (u < 0xd800 || u > 0xdfff)
        return u;
    if (u <= 0xdbff && *i < n && units[*i] >= 0xdc00 && units[*i] <= 0xdfff) {
        gunichar2 low = units[(*i)++];
        return 0x10000 + (((gunichar)u - 0xd800) << 10) + ((gunichar)low - 0xdc00);
    }
    return 0xfffd;
}

/* The units as UTF-8, at most max_out bytes, cut at a character boundary;
 * *cut set when something did not fit. */
static guint8 *to_utf8(const gunichar2 *units, gsize n, gsize max_out, gsize *out_len, gboolean *cut)
{
    gsize cap = n > max_out / 3 ? max_out : n * 3;  /* 3 bytes per unit at most */
    guint8 *out = g_malloc(cap ? cap : 1);
    gsize o = 0, i = 0;
    *cut = FALSE;
    while (i < n) {
        gsize at = i;
        char buf[6];
        gint k = g_unichar_to_utf8(next_code_point(units, n, &i), buf);
        if ((gsize)k > cap - o) {
            i = at;
            *cut = TRUE;
            break;
        }
        memcpy(out + o, buf, (gsize)k);
        o += (gsize)k;
    }
    *out_len = o;
    return out;
}

/* ---- the entry point -------------------------------------------------------- */

static xmt_lzstring_result decode(decoder *d)
{
    if (d->r.len == 0)
        return fail(d, XMT_LZSTRING_TRUNCATED, g_strdup("empty input (no end-of-stream code)"));
    gboolean empty_text = FALSE;
    xmt_lzstring_result res = decode_first(d, &empty_text);
    if (res == XMT_LZSTRING_OK && !empty_text)
        res = decode_codes(d);
    if (res == XMT_LZSTRING_OK)
        res = check_trailing(d);
    return res;
}

guint8 *xmt_lzstring_decompress(const guint8 *in, gsize len, gsize max_out, gsize *out_len,
                                xmt_lzstring_result *result, char **error)
{
    decoder d;
    memset(&d, 0, sizeof d);
    d.r.in = in;
    d.r.len = len;
    /* Each unit is at least one byte of UTF-8; offsets are 32-bit. */
    d.max_units = MIN(max_out, (gsize)G_MAXUINT32);
    *result = decode(&d);
    *out_len = 0;
    guint8 *out = NULL;
    if (d.n_units > 0) {
        gboolean cut = FALSE;
        out = to_utf8(d.units, d.n_units, max_out, out_len, &cut);
        if (cut && (*result == XMT_LZSTRING_OK || *result == XMT_LZSTRING_TRAILING_DATA)) {
            g_free(d.error);
            d.error = g_strdup_printf("output limit of %" G_GSIZE_FORMAT " bytes of UTF-8 reached", max_out);
            *result = XMT_LZSTRING_OUTPUT_LIMIT;
        }
        if (*out_len == 0) {
            g_free(out);
            out = NULL;
        }
    }
    g_free(d.units);
    g_free(d.dict);
    *error = d.error;
    return out;
}
