/* xmt_header_blocks.c: reading the "Decompressed Header" data sources of
 * HTTP/2 and HTTP/3 (xmt_header_blocks.h). */
#include <wireshark.h>
#include <epan/packet.h>
#include <epan/charsets.h>

#include "wireshark/xmt_header_blocks.h"

/* Bounds that no real header block exceeds (HTTP/2 stops at 200 fields). */
#define MAX_FIELDS 256
#define MAX_NAME_LEN 1024u

gboolean xmt_packet_has_layer(packet_info *pinfo, int proto)
{
    for (wmem_list_frame_t *f = wmem_list_head(pinfo->layers); f; f = wmem_list_frame_next(f))
        if (GPOINTER_TO_INT(wmem_list_frame_data(f)) == proto)
            return TRUE;
    return FALSE;
}

/* A field name as HTTP/2 and HTTP/3 send them: lower-case token characters,
 * after a ':' for pseudo-headers. */
static gboolean field_name_char(guint8 c)
{
    return g_ascii_islower(c) || g_ascii_isdigit(c) || (c && strchr("-_.!#$%&'*+^`|~:", c));
}

/* The data source starts like a header block: a plausible name length, then
 * name characters.  Rejects the frame and TLS/TCP payloads at once. */
static gboolean looks_like_block(tvbuff_t *tvb)
{
    guint len = tvb_captured_length(tvb);
    if (len < 9)
        return FALSE;
    guint32 name_len = tvb_get_ntohl(tvb, 0);
    return name_len >= 1 && name_len <= MAX_NAME_LEN && name_len + 8 <= len && field_name_char(*tvb_get_ptr(tvb, 4, 1));
}

static void take_field(xmt_header_block *b, packet_info *pinfo, char *name, char *value)
{
    if (name[0] != ':') {
        if (!b->w.headers)
            b->w.headers = wmem_map_new(pinfo->pool, g_str_hash, g_str_equal);
        wmem_map_insert(b->w.headers, name, value);
    } else if (strcmp(name, ":method") == 0) {
        b->w.method = value;
        b->opens_request = TRUE;
    } else if (strcmp(name, ":path") == 0) {
        b->w.uri = value;
    } else if (strcmp(name, ":authority") == 0) {
        b->w.host = value;
    }
}

/* Reads every field; FALSE unless the fields fill the source exactly (then
 * it was no header block) or it is a response's. */
static gboolean read_block(tvbuff_t *tvb, packet_info *pinfo, xmt_header_block *b)
{
    guint len = tvb_captured_length(tvb), off = 0;
    memset(b, 0, sizeof *b);
    b->tvb = tvb;
    for (int n = 0; off < len; n++) {
        if (n == MAX_FIELDS || len - off < 8)
            return FALSE;
        guint32 name_len = tvb_get_ntohl(tvb, off);
        if (name_len == 0 || name_len > MAX_NAME_LEN || name_len > len - off - 8)
            return FALSE;
        guint32 value_len = tvb_get_ntohl(tvb, off + 4 + name_len);
        if (value_len > len - off - 8 - name_len)
            return FALSE;
        char *name = (char *)tvb_get_string_enc(pinfo->pool, tvb, off + 4, name_len, ENC_ASCII);
        if (strcmp(name, ":status") == 0)
            return FALSE;  /* a response: never ours */
        char *value = (char *)tvb_get_string_enc(pinfo->pool, tvb, off + 8 + name_len, value_len, ENC_UTF_8);
        take_field(b, pinfo, name, value);
        off += 8 + name_len + value_len;
    }
    return off == len && off > 0;
}

gboolean xmt_header_block_from_text(tvbuff_t *tvb, packet_info *pinfo, xmt_header_block *b)
{
    guint len = tvb_captured_length(tvb);
    memset(b, 0, sizeof *b);
    b->tvb = tvb;
    if (len < 4)
        return FALSE;
    const char *text = (const char *)tvb_get_ptr(tvb, 0, (gint)len), *end = text + len;
    if (text[0] != ':')
        return FALSE;
    for (int n = 0; text < end && n < MAX_FIELDS; n++) {
        const char *eol = memchr(text, '\n', (size_t)(end - text));
        const char *line_end = eol ? eol : end;
        if (line_end > text && line_end[-1] == '\r')
            line_end--;
        if (line_end == text)
            break;  /* the empty line that ends the block */
        const char *colon = memchr(text + 1, ':', (size_t)(line_end - text - 1));  /* past a pseudo-header's own ':' */
        if (!colon || (guint)(colon - text) > MAX_NAME_LEN)
            return FALSE;
        const char *value = colon + 1 + (colon + 1 < line_end && colon[1] == ' ');
        char *name = (char *)get_ascii_string(pinfo->pool, (const guint8 *)text, (gint)(colon - text));
        if (strcmp(name, ":status") == 0)
            return FALSE;  /* a response: never ours */
        take_field(b, pinfo, name, (char *)get_utf_8_string(pinfo->pool, (const guint8 *)value, (gint)(line_end - value)));
        text = eol ? eol + 1 : end;
    }
    return b->opens_request;
}

wmem_array_t *xmt_header_blocks_of_packet(packet_info *pinfo)
{
    wmem_array_t *blocks = NULL;
    for (GSList *s = pinfo->data_src; s; s = s->next) {
        tvbuff_t *tvb = get_data_source_tvb(s->data);
        xmt_header_block b;
        if (!looks_like_block(tvb) || !read_block(tvb, pinfo, &b))
            continue;
        if (!blocks)
            blocks = wmem_array_new(pinfo->pool, sizeof(xmt_header_block));
        wmem_array_append_one(blocks, b);
    }
    return blocks;
}
