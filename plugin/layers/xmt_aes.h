/* xmt_aes.h: the AES-CBC layer of enciphered payloads whose key the user
 * holds or the capture revealed (the Sensors web SDK's AES plugin:
 * base64(IV[16] || AES-CBC-PKCS#7(key, plaintext)), key 16, 24 or 32 bytes;
 * docs/formats/sensors-encryption.md).
 *
 * The cipher is libgcrypt's, through Wireshark's wrapper header, as MiStat's
 * AES-ECB is: the core includes it without epan.  What is written here is
 * only the framing (IV, block multiple, PKCS#7), which libgcrypt leaves to
 * its caller. */
#ifndef XMT_AES_H
#define XMT_AES_H

#include <glib.h>

#define XMT_AES_BLOCK 16

/* Why a decryption gave no plaintext, or that it did. */
typedef enum {
    XMT_AES_OK = 0,
    XMT_AES_BAD_KEY_LENGTH,   /* the key is not 16, 24 or 32 bytes */
    XMT_AES_NO_IV,            /* fewer bytes than the 16-byte IV */
    XMT_AES_NO_CIPHERTEXT,    /* the IV and nothing after it */
    XMT_AES_NOT_BLOCKS,       /* the ciphertext is not a whole number of 16-byte blocks */
    XMT_AES_TOO_LONG,         /* more ciphertext than the caller allows */
    XMT_AES_BAD_PADDING,      /* PKCS#7 padding broken after decryption: the usual sign of a wrong key */
    XMT_AES_CIPHER_ERROR,     /* libgcrypt refused (reason says why) */
} xmt_aes_kind;

typedef struct {
    xmt_aes_kind kind;
    char *reason;        /* g_malloc'd, one line, names the layer's problem; NULL when ok */
    guint8 *plain;       /* g_malloc'd plaintext (NUL after its last byte); NULL unless ok */
    gsize plain_len;
} xmt_aes_result;

/* A short stable name of a kind ("ok", "bad key length", "bad padding", ...). */
const char *xmt_aes_kind_name(xmt_aes_kind kind);

/* Decrypts AES-CBC with PKCS#7 padding: ct_len bytes of ciphertext under key
 * (16, 24 or 32 bytes) and a 16-byte iv.  At most max_len bytes of ciphertext
 * are accepted (0: no limit).  Never reads outside its inputs. */
xmt_aes_result xmt_aes_cbc_decrypt(const guint8 *key, gsize key_len, const guint8 *iv,
                                   const guint8 *ct, gsize ct_len, gsize max_len);

/* The same over IV[16] || ciphertext in one buffer (the Sensors AES plugin's payload). */
xmt_aes_result xmt_aes_cbc_decrypt_iv_prefixed(const guint8 *key, gsize key_len, const guint8 *in, gsize len,
                                               gsize max_len);

void xmt_aes_result_clear(xmt_aes_result *r);

#endif
