/* test_receipt.c — report numbers (Damm check digit: every single wrong
 * digit and every swap of neighbours is caught), their parsing as people
 * type them, receipt secrets (Crockford base32, forgiving reading) and the
 * keyed secret hash. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "receipt.h"

static int group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* The number of a random report id. */
static void new_number(char out[RECEIPT_NUMBER_SIZE])
{
	unsigned long long id = 1 + randombytes_uniform((uint32_t)RECEIPT_MAX_ID);
	assert_true(receipt_number_for_id(id, out));
}

/* The 9 digits of a formatted number. */
static void digits_of(const char *num, char d[10])
{
	size_t k = 0;
	for (const char *p = num; *p; p++)
		if (isdigit((unsigned char)*p))
			d[k++] = *p;
	d[k] = '\0';
}

static void test_damm_known_vectors(void **state)
{
	(void)state;
	assert_int_equal(receipt_damm("572", 3), 4);
	assert_int_equal(receipt_damm("5724", 4), 0);
	assert_int_equal(receipt_damm("", 0), 0);
	assert_int_equal(receipt_damm("12345678", 8), 6);
	assert_int_equal(receipt_damm("123456786", 9), 0);
	assert_int_equal(receipt_damm("00000000", 8), 0);
	assert_int_equal(receipt_damm("99999999", 8), 9);
	assert_int_equal(receipt_damm("31415926", 8), 6);
	/* only n digits are read */
	assert_int_equal(receipt_damm("5729999", 3), 4);
}

static void test_number_format(void **state)
{
	(void)state;
	for (int i = 0; i < 1000; i++) {
		char num[RECEIPT_NUMBER_SIZE];
		new_number(num);
		assert_int_equal(strlen(num), 11);
		for (int k = 0; k < 11; k++) {
			if (k == 3 || k == 7)
				assert_int_equal(num[k], '-');
			else
				assert_true(isdigit((unsigned char)num[k]));
		}
		char d[10];
		digits_of(num, d);
		assert_int_equal(receipt_damm(d, 9), 0);
		char out[RECEIPT_NUMBER_SIZE];
		assert_true(receipt_number_parse(num, out));
		assert_string_equal(out, num);
	}
}

static void test_number_for_id(void **state)
{
	(void)state;
	char out[RECEIPT_NUMBER_SIZE];
	memset(out, 0, sizeof out);
	assert_false(receipt_number_for_id(0, out));
	assert_false(receipt_number_for_id(RECEIPT_MAX_ID + 1, out));
	assert_false(receipt_number_for_id(~0ULL, out));

	/* the first id: 10000001 and its check digit */
	assert_true(receipt_number_for_id(1, out));
	char want[RECEIPT_NUMBER_SIZE];
	snprintf(want, sizeof want, "100-000-01%d", receipt_damm("10000001", 8));
	assert_string_equal(out, want);
	assert_true(receipt_number_for_id(RECEIPT_MAX_ID, out));
	snprintf(want, sizeof want, "999-999-99%d", receipt_damm("99999999", 8));
	assert_string_equal(out, want);
	/* 12345678 - 10000000 = 2345678, whose check digit is 6 */
	assert_true(receipt_number_for_id(2345678, out));
	assert_string_equal(out, "123-456-786");

	/* different ids give different numbers, each one parses back */
	char prev[RECEIPT_NUMBER_SIZE] = "";
	for (unsigned long long id = 1; id <= 5000; id++) {
		assert_true(receipt_number_for_id(id, out));
		assert_string_not_equal(out, prev);
		char back[RECEIPT_NUMBER_SIZE];
		assert_true(receipt_number_parse(out, back));
		assert_string_equal(back, out);
		memcpy(prev, out, sizeof prev);
	}
}

static void test_every_single_digit_error_rejected(void **state)
{
	(void)state;
	for (int t = 0; t < 300; t++) {
		char num[RECEIPT_NUMBER_SIZE], d[10], out[RECEIPT_NUMBER_SIZE];
		new_number(num);
		digits_of(num, d);
		for (int pos = 0; pos < 9; pos++) {
			char orig = d[pos];
			for (char c = '0'; c <= '9'; c++) {
				if (c == orig)
					continue;
				d[pos] = c;
				if (receipt_number_parse(d, out))
					fail_msg("%s accepted (from %s)", d, num);
			}
			d[pos] = orig;
		}
		assert_true(receipt_number_parse(d, out));
	}
}

static void test_every_adjacent_transposition_rejected(void **state)
{
	(void)state;
	for (int t = 0; t < 2000; t++) {
		char num[RECEIPT_NUMBER_SIZE], d[10], out[RECEIPT_NUMBER_SIZE];
		new_number(num);
		digits_of(num, d);
		for (int pos = 0; pos < 8; pos++) {
			if (d[pos] == d[pos + 1])
				continue;
			char s[10];
			memcpy(s, d, 10);
			s[pos] = d[pos + 1];
			s[pos + 1] = d[pos];
			if (receipt_number_parse(s, out))
				fail_msg("%s accepted (from %s)", s, num);
		}
	}
	/* and exhaustively over every pair of neighbours after every prefix state */
	for (int a = 0; a < 10; a++)
		for (int b = 0; b < 10; b++) {
			if (a == b)
				continue;
			for (int p = 0; p < 10; p++) {
				char x[3] = {(char)('0' + p), (char)('0' + a), (char)('0' + b)};
				char y[3] = {(char)('0' + p), (char)('0' + b), (char)('0' + a)};
				assert_int_not_equal(receipt_damm(x, 3), receipt_damm(y, 3));
			}
		}
}

static void test_number_parse_separators(void **state)
{
	(void)state;
	char out[RECEIPT_NUMBER_SIZE];
	const char *good[] = {"123-456-786", "123456786", "123 456 786", " 123-456-786 ",
			      "1 2 3 4 5 6 7 8 6", "123--456  786", "123.456.786"};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		memset(out, 0, sizeof out);
		if (!receipt_number_parse(good[i], out))
			fail_msg("%s refused", good[i]);
		assert_string_equal(out, "123-456-786");
	}
}

static void test_number_parse_rejects(void **state)
{
	(void)state;
	char out[RECEIPT_NUMBER_SIZE];
	const char *bad[] = {"",
			     "12345678",      /* 8 digits */
			     "12345678 6 0",  /* 10 digits */
			     "1234567860",
			     "123-456-78",
			     "123-456-787",   /* wrong check digit */
			     "123-456-78a",
			     "a23-456-786",
			     "l23-456-786",   /* letter l for 1 */
			     "O23-456-786",   /* letter O for 0 */
			     "123_456_786",
			     "123/456/786",
			     "123-456-786\n",
			     "+123456786",
			     "\xD9\xA1\xD9\xA2\xD9\xA3", /* Arabic-Indic digits */
			     "\xEF\xBC\x91\xEF\xBC\x92\xEF\xBC\x93"}; /* fullwidth digits */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (receipt_number_parse(bad[i], out))
			fail_msg("\"%s\" accepted", bad[i]);
	assert_false(receipt_number_parse(NULL, out));
	/* a long run of digits does not overflow anything */
	char many[4096];
	memset(many, '7', sizeof many - 1);
	many[sizeof many - 1] = '\0';
	assert_false(receipt_number_parse(many, out));
}

static void test_secret_format(void **state)
{
	(void)state;
	for (int i = 0; i < 500; i++) {
		char s[RECEIPT_SECRET_SIZE];
		receipt_secret_new(s);
		assert_int_equal(strlen(s), RECEIPT_SECRET_SIZE - 1);
		int chars = 0;
		for (int k = 0; s[k]; k++) {
			if (k % 5 == 4) {
				assert_int_equal(s[k], '-');
			} else {
				assert_non_null(strchr(crockford, s[k]));
				chars++;
			}
		}
		assert_int_equal(chars, RECEIPT_SECRET_CHARS);
		/* 7 groups of 4 */
		int groups = 1;
		for (int k = 0; s[k]; k++)
			groups += s[k] == '-';
		assert_int_equal(groups, 7);
		assert_null(strpbrk(s, "ILOUilou"));

		char canon[RECEIPT_SECRET_CHARS + 1], want[RECEIPT_SECRET_CHARS + 1];
		size_t w = 0;
		for (int k = 0; s[k]; k++)
			if (s[k] != '-')
				want[w++] = s[k];
		want[w] = '\0';
		assert_true(receipt_secret_parse(s, canon));
		assert_string_equal(canon, want);
	}
}

static void test_secret_parse_forgiving(void **state)
{
	(void)state;
	const char *canon_want = "0123456789ABCDEFGHJKMNPQRSTV";
	char out[RECEIPT_SECRET_CHARS + 1];
	const char *same[] = {
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV",
		"0123456789ABCDEFGHJKMNPQRSTV",
		"0123 4567 89ab cdef ghjk mnpq rstv",
		"o123-4567-89ab-cdef-ghjk-mnpq-rstv",  /* o read as 0 */
		"OI23-4567-89AB-CDEF-GHJK-MNPQ-RSTV",  /* O as 0, I as 1 */
		"0L23-4567-89AB-CDEF-GHJK-MNPQ-RSTV",  /* L as 1 */
		"0i23-4567-89AB-CDEF-GHJK-MNPQ-RSTV",
		"0l23-4567-89AB-CDEF-GHJK-MNPQ-RSTV",
		"  0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV  ",
		"0-1-2-3-4-5-6-7-8-9-A-B-C-D-E-F-G-H-J-K-M-N-P-Q-R-S-T-V",
	};
	for (size_t i = 0; i < sizeof same / sizeof same[0]; i++) {
		memset(out, 0, sizeof out);
		if (!receipt_secret_parse(same[i], out))
			fail_msg("%s refused", same[i]);
		assert_string_equal(out, canon_want);
	}
}

static void test_secret_parse_rejects(void **state)
{
	(void)state;
	char out[RECEIPT_SECRET_CHARS + 1];
	const char *bad[] = {
		"",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTU",  /* U is not in the alphabet */
		"u123-4567-89AB-CDEF-GHJK-MNPQ-RSTV",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RST",   /* 27 */
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTVW", /* 29 */
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-0123",
		"0123_4567_89AB_CDEF_GHJK_MNPQ_RSTV",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RST!",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RST\xC3\xA9",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RST\n",
		"' OR 1=1 --",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (receipt_secret_parse(bad[i], out))
			fail_msg("\"%s\" accepted", bad[i]);
	assert_false(receipt_secret_parse(NULL, out));
	char many[2000];
	memset(many, 'A', sizeof many - 1);
	many[sizeof many - 1] = '\0';
	assert_false(receipt_secret_parse(many, out));
}

static int cmp_secret(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_secrets_distinct(void **state)
{
	(void)state;
	enum { N = 1000 };
	char(*s)[RECEIPT_SECRET_SIZE] = calloc(N, RECEIPT_SECRET_SIZE);
	assert_non_null(s);
	for (int i = 0; i < N; i++)
		receipt_secret_new(s[i]);
	/* every symbol turns up at every one of the 28 places: the random bits
	 * reach every character (a miss has odds of about 1e-14 per pair) */
	static int seen[RECEIPT_SECRET_CHARS][32];
	memset(seen, 0, sizeof seen);
	for (int i = 0; i < N; i++) {
		int pos = 0;
		for (const char *c = s[i]; *c; c++) {
			if (*c == '-')
				continue;
			const char *at = strchr(crockford, *c);
			assert_non_null(at);
			seen[pos++][at - crockford]++;
		}
		assert_int_equal(pos, RECEIPT_SECRET_CHARS);
	}
	for (int pos = 0; pos < RECEIPT_SECRET_CHARS; pos++)
		for (int sym = 0; sym < 32; sym++)
			if (!seen[pos][sym])
				fail_msg("symbol %c never at place %d in %d secrets", crockford[sym], pos, N);
	qsort(s, N, RECEIPT_SECRET_SIZE, cmp_secret);
	for (int i = 1; i < N; i++)
		assert_string_not_equal(s[i - 1], s[i]);
	free(s);
}

static void test_hash_keyed(void **state)
{
	(void)state;
	unsigned char k1[32], k2[32];
	randombytes_buf(k1, sizeof k1);
	memcpy(k2, k1, sizeof k2);
	k2[31] ^= 1;
	const char *sec = "0123456789ABCDEFGHJKMNPQRSTV";
	unsigned char h1[RECEIPT_HASH_BYTES], h1b[RECEIPT_HASH_BYTES], h2[RECEIPT_HASH_BYTES],
		h3[RECEIPT_HASH_BYTES];
	receipt_secret_hash(sec, k1, h1);
	receipt_secret_hash(sec, k1, h1b);
	receipt_secret_hash(sec, k2, h2);
	receipt_secret_hash("0123456789ABCDEFGHJKMNPQRSTW", k1, h3);
	assert_true(receipt_hash_equal(h1, h1b));
	assert_memory_equal(h1, h1b, RECEIPT_HASH_BYTES);
	assert_false(receipt_hash_equal(h1, h2));
	assert_memory_not_equal(h1, h2, RECEIPT_HASH_BYTES);
	assert_false(receipt_hash_equal(h1, h3));
	/* the hash is not the secret, nor an unkeyed hash of it */
	unsigned char plain[RECEIPT_HASH_BYTES];
	crypto_generichash(plain, sizeof plain, (const unsigned char *)sec, strlen(sec), NULL, 0);
	assert_false(receipt_hash_equal(h1, plain));
	/* one differing byte anywhere makes them unequal */
	for (int i = 0; i < RECEIPT_HASH_BYTES; i++) {
		unsigned char x[RECEIPT_HASH_BYTES];
		memcpy(x, h1, sizeof x);
		x[i] ^= 0x80;
		assert_false(receipt_hash_equal(h1, x));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_damm_known_vectors),
		cmocka_unit_test(test_number_format),
		cmocka_unit_test(test_number_for_id),
		cmocka_unit_test(test_every_single_digit_error_rejected),
		cmocka_unit_test(test_every_adjacent_transposition_rejected),
		cmocka_unit_test(test_number_parse_separators),
		cmocka_unit_test(test_number_parse_rejects),
		cmocka_unit_test(test_secret_format),
		cmocka_unit_test(test_secret_parse_forgiving),
		cmocka_unit_test(test_secret_parse_rejects),
		cmocka_unit_test(test_secrets_distinct),
		cmocka_unit_test(test_hash_keyed),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
