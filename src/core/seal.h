/* seal.h — the secret key file and what it protects.
 *
 * One 32-byte master key lives in DATA/secret.key (mode 0600, outside the
 * database). Subkeys are derived from it with libsodium's KDF: one seals
 * reporters' contact details (XSalsa20-Poly1305), one keys the receipt
 * secret hash, one keys the rate limiter's address hash. */
#ifndef HL_SEAL_H
#define HL_SEAL_H

#include <stddef.h>

#define SEAL_OVERHEAD (24 + 16) /* nonce + MAC */

struct seal_keys {
	unsigned char contact[32];
	unsigned char receipt[32];
	unsigned char tokens[32]; /* keys the hashes of session tokens and API keys */
};

/* Creates path with a new random key when it does not exist (mode 0600,
 * synced). Returns 0, HL_EIO. */
int seal_key_create(const char *path);
/* Loads path and derives the subkeys. Refuses (HL_EPERM) a file that group
 * or others can read or write, and (HL_EINVAL) one that is not 32 bytes. */
int seal_keys_load(const char *path, struct seal_keys *keys);
/* Seals msg[0..len) into out, which must hold len + SEAL_OVERHEAD bytes. */
void seal_box(const struct seal_keys *keys, const void *msg, size_t len, unsigned char *out);
/* Opens sealed[0..len) into out (len - SEAL_OVERHEAD bytes). Returns 0, or
 * HL_ECRYPTO when it was tampered with or sealed under another key. */
int seal_open(const struct seal_keys *keys, const unsigned char *sealed, size_t len, void *out);

#endif
