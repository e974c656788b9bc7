/* Message digests for States.Hash (sl_digest_*): MD5, SHA-1, SHA-256,
 * SHA-384 and SHA-512 over a byte string, as lowercase hex. */
#ifndef SL_DIGEST_H
#define SL_DIGEST_H

#include <stddef.h>

/* Longest hex digest plus NUL (SHA-512). */
#define SL_DIGEST_HEX_MAX 129

/* Hash len bytes of data with the algorithm named as AWS names it ("MD5",
 * "SHA-1", "SHA-256", "SHA-384", "SHA-512"); writes the lowercase hex into
 * hex (SL_DIGEST_HEX_MAX bytes). 0, or -1 for an unknown name. */
int sl_digest_hex(const char *algorithm, const void *data, size_t len,
    char hex[SL_DIGEST_HEX_MAX]);

#endif
