/* exacthash.h — the exact (cryptographic) digests hash lists carry: MD5,
 * SHA-1 and SHA-256 of a buffer, through OpenSSL's libcrypto EVP. MD5 and
 * SHA-1 are here only because the lists shared between hotlines use them;
 * they identify known files, they protect nothing. */
#ifndef HL_EXACTHASH_H
#define HL_EXACTHASH_H

#include <stddef.h>
#include <stdint.h>

#define EXACTHASH_MD5_LEN 16
#define EXACTHASH_SHA1_LEN 20
#define EXACTHASH_SHA256_LEN 32

struct exacthash {
	uint8_t md5[EXACTHASH_MD5_LEN];
	uint8_t sha1[EXACTHASH_SHA1_LEN];
	uint8_t sha256[EXACTHASH_SHA256_LEN];
};

/* All three digests of data (len bytes; data may be NULL when len is 0).
 * Returns 0 or HL_ECRYPTO (libcrypto failed). */
int exacthash_all(const void *data, size_t len, struct exacthash *out);

/* One digest each; out must hold the _LEN bytes. 0 or HL_ECRYPTO. */
int exacthash_md5(const void *data, size_t len, uint8_t out[EXACTHASH_MD5_LEN]);
int exacthash_sha1(const void *data, size_t len, uint8_t out[EXACTHASH_SHA1_LEN]);
int exacthash_sha256(const void *data, size_t len, uint8_t out[EXACTHASH_SHA256_LEN]);

/* len bytes as 2*len lowercase hex digits and a NUL into out (which must
 * hold 2*len + 1 bytes). */
void exacthash_to_hex(const uint8_t *bytes, size_t len, char *out);

#endif
