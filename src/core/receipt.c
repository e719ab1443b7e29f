/* receipt.c — report numbers and receipt secrets (see receipt.h). */
#include "receipt.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const unsigned char damm_table[10][10] = {
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9}, {1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5}, {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

int receipt_damm(const char *d, size_t n)
{
	int interim = 0;
	for (size_t i = 0; i < n; i++)
		interim = damm_table[interim][d[i] - '0'];
	return interim;
}

static void receipt_number_format(const char digits[9], char out[RECEIPT_NUMBER_SIZE])
{
	memcpy(out, digits, 3);
	out[3] = '-';
	memcpy(out + 4, digits + 3, 3);
	out[7] = '-';
	memcpy(out + 8, digits + 6, 3);
	out[11] = '\0';
}

bool receipt_number_for_id(unsigned long long id, char out[RECEIPT_NUMBER_SIZE])
{
	if (id < 1 || id > RECEIPT_MAX_ID)
		return false;
	/* start at 100-000-00x so every number has its nine digits */
	unsigned long long v = 10000000ULL + id;
	char d[9];
	for (int i = 7; i >= 0; i--) {
		d[i] = (char)('0' + v % 10);
		v /= 10;
	}
	d[8] = (char)('0' + receipt_damm(d, 8));
	receipt_number_format(d, out);
	return true;
}

unsigned long long receipt_number_id(const char *canonical)
{
	unsigned long long v = 0;
	int digits = 0;
	for (const char *p = canonical; *p && digits < 8; p++) {
		if (*p >= '0' && *p <= '9') {
			v = v * 10 + (unsigned long long)(*p - '0');
			digits++;
		}
	}
	if (digits != 8 || v <= 10000000ULL || v - 10000000ULL > RECEIPT_MAX_ID)
		return 0;
	return v - 10000000ULL;
}

bool receipt_number_parse(const char *in, char out[RECEIPT_NUMBER_SIZE])
{
	char d[9];
	size_t n = 0;
	if (!in)
		return false;
	for (const char *p = in; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n == 9)
				return false;
			d[n++] = *p;
		} else if (*p != ' ' && *p != '-' && *p != '.') {
			return false;
		}
	}
	if (n != 9 || receipt_damm(d, 9) != 0)
		return false;
	receipt_number_format(d, out);
	return true;
}

void receipt_secret_new(char out[RECEIPT_SECRET_SIZE])
{
	/* 18 random bytes = 144 bits; each 5-bit group picks one of the 32
	 * symbols, so the 28 characters carry 140 uniform bits */
	/* random bytes come from a per-thread pool refilled 1 KiB at a time:
	 * one generator call per 56 secrets instead of one per secret */
	static _Thread_local unsigned char pool[1008];
	static _Thread_local size_t left;
	if (left < 18) {
		randombytes_buf(pool, sizeof pool);
		left = sizeof pool;
	}
	unsigned char r[18];
	memcpy(r, pool + sizeof pool - left, sizeof r);
	sodium_memzero(pool + sizeof pool - left, sizeof r);
	left -= sizeof r;
	size_t k = 0;
	for (int i = 0; i < RECEIPT_SECRET_CHARS; i++) {
		int bit = i * 5;
		unsigned v = ((unsigned)r[bit / 8] << 8 | r[bit / 8 + 1]) >> (11 - bit % 8);
		if (i && i % 4 == 0)
			out[k++] = '-';
		out[k++] = crockford[v & 31];
	}
	out[k] = '\0';
	sodium_memzero(r, sizeof r);
}

bool receipt_secret_parse(const char *in, char out[RECEIPT_SECRET_CHARS + 1])
{
	size_t n = 0;
	if (!in)
		return false;
	for (const char *p = in; *p; p++) {
		int c = toupper((unsigned char)*p);
		if (c == ' ' || c == '-')
			continue;
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (!c || !strchr(crockford, c) || n == RECEIPT_SECRET_CHARS)
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == RECEIPT_SECRET_CHARS;
}

void receipt_secret_hash(const char *canonical, const unsigned char key[32],
			 unsigned char out[RECEIPT_HASH_BYTES])
{
	crypto_generichash(out, RECEIPT_HASH_BYTES, (const unsigned char *)canonical,
			   strlen(canonical), key, 32);
}

bool receipt_hash_equal(const unsigned char a[RECEIPT_HASH_BYTES],
			const unsigned char b[RECEIPT_HASH_BYTES])
{
	return sodium_memcmp(a, b, RECEIPT_HASH_BYTES) == 0;
}
