/* test_exacthash.c — MD5, SHA-1 and SHA-256 against the published test
 * vectors: RFC 1321's suite for MD5, FIPS 180's "abc", two-block and
 * million-'a' messages for SHA-1 and SHA-256, the empty input, and the
 * hex helper. */
/* cmocka needs these first, in this order */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exacthash.h"

static void hex_of(const uint8_t *b, size_t n, char *out)
{
	exacthash_to_hex(b, n, out);
}

static void check(const char *msg, size_t len, const char *md5, const char *sha1,
                  const char *sha256)
{
	struct exacthash h;
	char hex[65];
	assert_int_equal(exacthash_all(msg, len, &h), 0);
	hex_of(h.md5, sizeof h.md5, hex);
	if (md5)
		assert_string_equal(hex, md5);
	hex_of(h.sha1, sizeof h.sha1, hex);
	if (sha1)
		assert_string_equal(hex, sha1);
	hex_of(h.sha256, sizeof h.sha256, hex);
	if (sha256)
		assert_string_equal(hex, sha256);
}

static void test_abc(void **state)
{
	(void)state;
	check("abc", 3, "900150983cd24fb0d6963f7d28e17f72",
	      "a9993e364706816aba3e25717850c26c9cd0d89d",
	      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_empty(void **state)
{
	(void)state;
	check("", 0, "d41d8cd98f00b204e9800998ecf8427e", "da39a3ee5e6b4b0d3255bfef95601890afd80709",
	      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* NULL is allowed for an empty buffer */
	struct exacthash h;
	char hex[65];
	assert_int_equal(exacthash_all(NULL, 0, &h), 0);
	hex_of(h.sha256, sizeof h.sha256, hex);
	assert_string_equal(hex,
	                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

static void test_rfc1321_suite(void **state)
{
	(void)state;
	static const char *const v[][2] = {
	    {"a", "0cc175b9c0f1b6a831c399e269772661"},
	    {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
	    {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
	    {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
	     "d174ab98d277d9f5a5611c2c9f419d9f"},
	    {"1234567890123456789012345678901234567890123456789012345678901234567890123456789"
	     "0",
	     "57edf4a22be3c955ac49da2e2107b67a"},
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		uint8_t d[EXACTHASH_MD5_LEN];
		char hex[33];
		assert_int_equal(exacthash_md5(v[i][0], strlen(v[i][0]), d), 0);
		hex_of(d, sizeof d, hex);
		assert_string_equal(hex, v[i][1]);
	}
}

static void test_fips_two_blocks(void **state)
{
	(void)state;
	const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	check(m, strlen(m), NULL, "84983e441c3bd26ebaae4aa1f95129e5e54670f1",
	      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_million_a(void **state)
{
	(void)state;
	size_t n = 1000000;
	char *m = malloc(n);
	assert_non_null(m);
	memset(m, 'a', n);
	uint8_t s1[EXACTHASH_SHA1_LEN], s256[EXACTHASH_SHA256_LEN];
	char hex[65];
	assert_int_equal(exacthash_sha1(m, n, s1), 0);
	hex_of(s1, sizeof s1, hex);
	assert_string_equal(hex, "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
	assert_int_equal(exacthash_sha256(m, n, s256), 0);
	hex_of(s256, sizeof s256, hex);
	assert_string_equal(hex,
	                    "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
	free(m);
}

static void test_hex(void **state)
{
	(void)state;
	const uint8_t b[] = {0x00, 0x01, 0x7f, 0x80, 0xab, 0xff};
	char hex[13];
	exacthash_to_hex(b, sizeof b, hex);
	assert_string_equal(hex, "00017f80abff");
	exacthash_to_hex(b, 0, hex);
	assert_string_equal(hex, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_abc),           cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_rfc1321_suite), cmocka_unit_test(test_fips_two_blocks),
	    cmocka_unit_test(test_million_a),     cmocka_unit_test(test_hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
