/* test_seal.c — the key file (created 0600, refused when others may read
 * it or when it is not 32 bytes) and sealing of contact details (round
 * trip, tampering, another key, fresh nonces). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "err.h"
#include "seal.h"
#include "unit_util.h"

struct fx {
	char dir[64];
	char key[128];
};

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof f);
	if (sodium_init() < 0 || ut_tmpdir(f.dir, sizeof f.dir))
		return -1;
	snprintf(f.key, sizeof f.key, "%s/secret.key", f.dir);
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	ut_rmtree(f->dir);
	return 0;
}

static void test_key_created_0600(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct stat st;
	assert_int_equal(stat(f->key, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);

	/* an existing key is left alone */
	size_t n1, n2;
	char *before = ut_read_file(f->key, &n1);
	assert_int_equal(seal_key_create(f->key), 0);
	char *after = ut_read_file(f->key, &n2);
	assert_int_equal(n1, 32);
	assert_int_equal(n2, 32);
	assert_memory_equal(before, after, 32);
	free(before);
	free(after);

	struct seal_keys k;
	assert_int_equal(seal_keys_load(f->key, &k), 0);
	assert_memory_not_equal(k.contact, k.receipt, 32);
}

static void test_key_creation_fails_cleanly(void **state)
{
	struct fx *f = *state;
	char p[256];
	snprintf(p, sizeof p, "%s/no/such/dir/secret.key", f->dir);
	assert_int_equal(seal_key_create(p), HL_EIO);
}

static void test_load_refuses_unsafe_modes(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct seal_keys k;
	const mode_t bad[] = {0644, 0640, 0604, 0660, 0606, 0620, 0602, 0610};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(chmod(f->key, bad[i]), 0);
		assert_int_equal(seal_keys_load(f->key, &k), HL_EPERM);
	}
	assert_int_equal(chmod(f->key, 0400), 0);
	assert_int_equal(seal_keys_load(f->key, &k), 0);
	assert_int_equal(chmod(f->key, 0600), 0);
	assert_int_equal(seal_keys_load(f->key, &k), 0);
}

static void test_load_refuses_wrong_size(void **state)
{
	struct fx *f = *state;
	unsigned char bytes[64];
	randombytes_buf(bytes, sizeof bytes);
	struct seal_keys k;
	const size_t sizes[] = {0, 1, 16, 31, 33, 64};
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(ut_write_file(f->key, bytes, sizes[i], 0600), 0);
		assert_int_equal(seal_keys_load(f->key, &k), HL_EINVAL);
	}
	assert_int_equal(ut_write_file(f->key, bytes, 32, 0600), 0);
	assert_int_equal(seal_keys_load(f->key, &k), 0);
}

static void test_load_missing(void **state)
{
	struct fx *f = *state;
	struct seal_keys k;
	assert_int_equal(seal_keys_load(f->key, &k), HL_EIO);
}

static void test_load_is_deterministic(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct seal_keys a, b;
	assert_int_equal(seal_keys_load(f->key, &a), 0);
	assert_int_equal(seal_keys_load(f->key, &b), 0);
	assert_memory_equal(a.contact, b.contact, 32);
	assert_memory_equal(a.receipt, b.receipt, 32);
	/* the subkeys are not the master key itself */
	size_t n;
	char *master = ut_read_file(f->key, &n);
	assert_memory_not_equal(master, a.contact, 32);
	assert_memory_not_equal(master, a.receipt, 32);
	free(master);
}

static void test_round_trip(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct seal_keys k;
	assert_int_equal(seal_keys_load(f->key, &k), 0);
	const char *msg = "{\"name\":\"Ann\",\"email\":\"ann@example.org\"}";
	size_t len = strlen(msg);
	unsigned char sealed[256], opened[256];
	seal_box(&k, msg, len, sealed);
	/* the plain text does not appear in the sealed form */
	assert_null(memmem(sealed, len + SEAL_OVERHEAD, "ann@example.org", 15));
	memset(opened, 0, sizeof opened);
	assert_int_equal(seal_open(&k, sealed, len + SEAL_OVERHEAD, opened), 0);
	assert_memory_equal(opened, msg, len);

	/* an empty message and a large one */
	assert_int_equal(SEAL_OVERHEAD, 40);
	seal_box(&k, "", 0, sealed);
	assert_int_equal(seal_open(&k, sealed, SEAL_OVERHEAD, opened), 0);
	static unsigned char big[100000], bigs[100000 + SEAL_OVERHEAD], bigo[100000];
	randombytes_buf(big, sizeof big);
	seal_box(&k, big, sizeof big, bigs);
	assert_int_equal(seal_open(&k, bigs, sizeof bigs, bigo), 0);
	assert_memory_equal(big, bigo, sizeof big);
}

static void test_tampering_fails(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct seal_keys k;
	assert_int_equal(seal_keys_load(f->key, &k), 0);
	const char *msg = "call me on +32 2 555 01 00";
	size_t len = strlen(msg), slen = len + SEAL_OVERHEAD;
	unsigned char sealed[128], copy[128], opened[128];
	seal_box(&k, msg, len, sealed);
	/* every byte: nonce, MAC and cipher text */
	for (size_t i = 0; i < slen; i++) {
		for (int bit = 0; bit < 8; bit += 7) {
			memcpy(copy, sealed, slen);
			copy[i] ^= (unsigned char)(1u << bit);
			assert_int_equal(seal_open(&k, copy, slen, opened), HL_ECRYPTO);
		}
	}
	/* cut short, or too short to hold nonce and MAC */
	assert_int_equal(seal_open(&k, sealed, slen - 1, opened), HL_ECRYPTO);
	assert_int_equal(seal_open(&k, sealed, SEAL_OVERHEAD - 1, opened), HL_ECRYPTO);
	assert_int_equal(seal_open(&k, sealed, 0, opened), HL_ECRYPTO);
	/* the original still opens */
	assert_int_equal(seal_open(&k, sealed, slen, opened), 0);
	assert_memory_equal(opened, msg, len);
}

static void test_another_key_fails(void **state)
{
	struct fx *f = *state;
	char other[160];
	snprintf(other, sizeof other, "%s/other.key", f->dir);
	assert_int_equal(seal_key_create(f->key), 0);
	assert_int_equal(seal_key_create(other), 0);
	struct seal_keys k1, k2;
	assert_int_equal(seal_keys_load(f->key, &k1), 0);
	assert_int_equal(seal_keys_load(other, &k2), 0);
	assert_memory_not_equal(k1.contact, k2.contact, 32);
	assert_memory_not_equal(k1.receipt, k2.receipt, 32);
	unsigned char sealed[64], opened[64];
	seal_box(&k1, "secret", 6, sealed);
	assert_int_equal(seal_open(&k2, sealed, 6 + SEAL_OVERHEAD, opened), HL_ECRYPTO);
	assert_int_equal(seal_open(&k1, sealed, 6 + SEAL_OVERHEAD, opened), 0);
}

static void test_two_seals_differ(void **state)
{
	struct fx *f = *state;
	assert_int_equal(seal_key_create(f->key), 0);
	struct seal_keys k;
	assert_int_equal(seal_keys_load(f->key, &k), 0);
	unsigned char a[64], b[64], oa[64], ob[64];
	seal_box(&k, "same text", 9, a);
	seal_box(&k, "same text", 9, b);
	assert_memory_not_equal(a, b, 9 + SEAL_OVERHEAD);
	assert_memory_not_equal(a, b, 24); /* fresh nonce */
	assert_int_equal(seal_open(&k, a, 9 + SEAL_OVERHEAD, oa), 0);
	assert_int_equal(seal_open(&k, b, 9 + SEAL_OVERHEAD, ob), 0);
	assert_memory_equal(oa, ob, 9);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_created_0600, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_creation_fails_cleanly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_unsafe_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_refuses_wrong_size, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_is_deterministic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tampering_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_another_key_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_seals_differ, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
