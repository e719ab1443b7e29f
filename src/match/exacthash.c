/* exacthash.c — MD5, SHA-1 and SHA-256 through libcrypto's EVP interface
 * (the one OpenSSL 3 keeps; the MD5()/SHA1() shortcuts are deprecated).
 * exacthash_all() walks the buffer once per digest: the buffer is in
 * memory already, and each pass runs at memory speed. */
#include "exacthash.h"

#include <openssl/evp.h>

#include "err.h"

static int digest(const EVP_MD *md, const void *data, size_t len, uint8_t *out, unsigned int want)
{
	static const uint8_t empty[1];
	unsigned int got = 0;
	if (!md)
		return HL_ECRYPTO;
	if (EVP_Digest(len ? data : empty, len, out, &got, md, NULL) != 1 || got != want)
		return HL_ECRYPTO;
	return 0;
}

int exacthash_md5(const void *data, size_t len, uint8_t out[EXACTHASH_MD5_LEN])
{
	return digest(EVP_md5(), data, len, out, EXACTHASH_MD5_LEN);
}

int exacthash_sha1(const void *data, size_t len, uint8_t out[EXACTHASH_SHA1_LEN])
{
	return digest(EVP_sha1(), data, len, out, EXACTHASH_SHA1_LEN);
}

int exacthash_sha256(const void *data, size_t len, uint8_t out[EXACTHASH_SHA256_LEN])
{
	return digest(EVP_sha256(), data, len, out, EXACTHASH_SHA256_LEN);
}

int exacthash_all(const void *data, size_t len, struct exacthash *out)
{
	int rc = exacthash_md5(data, len, out->md5);
	if (!rc)
		rc = exacthash_sha1(data, len, out->sha1);
	if (!rc)
		rc = exacthash_sha256(data, len, out->sha256);
	return rc;
}

void exacthash_to_hex(const uint8_t *bytes, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = hex[bytes[i] >> 4];
		out[2 * i + 1] = hex[bytes[i] & 15];
	}
	out[2 * len] = '\0';
}
