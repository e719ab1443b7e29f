/* receipt.h — what a reporter keeps to follow up: a report number that is
 * easy to read aloud, and a secret shown once.
 *
 * Number: 9 digits "NNN-NNN-NNN": 8 digits that follow the report's place
 * in the store (so inserts append to the index, which keeps intake fast;
 * the secret, not the number, is what protects a report) and a Damm check
 * digit, which catches every single wrong digit and every swap of
 * neighbours.
 * Secret: 28 Crockford base32 characters (140 random bits), shown as 7
 * groups of 4. Only a keyed hash of the secret is stored. */
#ifndef HL_RECEIPT_H
#define HL_RECEIPT_H

#include <stdbool.h>
#include <stddef.h>

#define RECEIPT_NUMBER_DIGITS 9
#define RECEIPT_NUMBER_SIZE 12 /* "NNN-NNN-NNN" + NUL */
#define RECEIPT_SECRET_CHARS 28
#define RECEIPT_SECRET_SIZE 35 /* 7 groups of 4, 6 dashes, NUL */
#define RECEIPT_HASH_BYTES 32

/* The Damm check digit (0-9) of the n ASCII digits in d. */
int receipt_damm(const char *d, size_t n);
/* The number of the report stored as id (1 .. RECEIPT_MAX_ID), formatted
 * "NNN-NNN-NNN". Returns false past the range. */
#define RECEIPT_MAX_ID 89999999ULL
bool receipt_number_for_id(unsigned long long id, char out[RECEIPT_NUMBER_SIZE]);
/* The id of the report a valid canonical number names (the inverse of
 * receipt_number_for_id), or 0 when it names none. */
unsigned long long receipt_number_id(const char *canonical);
/* Reads a number as a person typed it (digits with any spaces or dashes);
 * writes the canonical "NNN-NNN-NNN" form. Returns false when it is not 9
 * digits or its check digit is wrong. */
bool receipt_number_parse(const char *in, char out[RECEIPT_NUMBER_SIZE]);
/* A new random secret, formatted in groups "XXXX-XXXX-...". */
void receipt_secret_new(char out[RECEIPT_SECRET_SIZE]);
/* Reads a secret as typed: case-insensitive, spaces and dashes ignored,
 * O read as 0, I and L as 1. Writes the 28 canonical characters and a NUL.
 * Returns false when it cannot be a secret. */
bool receipt_secret_parse(const char *in, char out[RECEIPT_SECRET_CHARS + 1]);
/* The stored form of a canonical secret: BLAKE2b keyed with key (32 bytes). */
void receipt_secret_hash(const char *canonical, const unsigned char key[32],
			 unsigned char out[RECEIPT_HASH_BYTES]);
/* Constant-time comparison of two hashes. */
bool receipt_hash_equal(const unsigned char a[RECEIPT_HASH_BYTES],
			const unsigned char b[RECEIPT_HASH_BYTES]);

#endif
