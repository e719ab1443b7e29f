/* test_ratelimit.c — failed look-ups counted per client: blocked only once
 * the limit is reached, other clients unaffected, keyed client hashes, the
 * window ending, many clients and many threads. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

#include "ratelimit.h"

static int group_setup(void **state)
{
	(void)state;
	return sodium_init() < 0 ? -1 : 0;
}

static uint64_t key_of(struct ratelimit *rl, const char *ip)
{
	unsigned char a[16];
	if (strchr(ip, ':')) {
		assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
		return ratelimit_key(rl, a, 16);
	}
	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	return ratelimit_key(rl, a, 4);
}

static void test_blocked_only_after_limit(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(3, 600);
	assert_non_null(rl);
	uint64_t c = key_of(rl, "192.0.2.10");
	unsigned retry = 12345;
	assert_false(ratelimit_blocked(rl, c, &retry));
	ratelimit_fail(rl, c);
	assert_false(ratelimit_blocked(rl, c, &retry));
	ratelimit_fail(rl, c);
	assert_false(ratelimit_blocked(rl, c, &retry));
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, &retry));
	assert_in_range(retry, 1, 600);
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, NULL));
	ratelimit_free(rl);

	rl = ratelimit_new(1, 600);
	c = key_of(rl, "2001:db8::1");
	assert_false(ratelimit_blocked(rl, c, NULL));
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, NULL));
	ratelimit_free(rl);
	ratelimit_free(NULL);
}

static void test_per_client(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(2, 600);
	uint64_t a = key_of(rl, "192.0.2.1"), b = key_of(rl, "192.0.2.2");
	ratelimit_fail(rl, a);
	ratelimit_fail(rl, a);
	assert_true(ratelimit_blocked(rl, a, NULL));
	assert_false(ratelimit_blocked(rl, b, NULL));
	ratelimit_fail(rl, b);
	assert_false(ratelimit_blocked(rl, b, NULL));
	ratelimit_fail(rl, b);
	assert_true(ratelimit_blocked(rl, b, NULL));
	ratelimit_free(rl);
}

static void test_keys(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(5, 60);
	uint64_t a = key_of(rl, "192.0.2.1");
	assert_int_equal(a, key_of(rl, "192.0.2.1"));
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, key_of(rl, "192.0.2.2"));
	assert_int_not_equal(a, key_of(rl, "198.51.100.1"));
	assert_int_not_equal(key_of(rl, "2001:db8::1"), key_of(rl, "2001:db8::2"));
	/* the key is not the address itself */
	assert_int_not_equal(key_of(rl, "0.0.0.1"), 1);
	/* many addresses, all different keys */
	enum { N = 4096 };
	static uint64_t keys[N];
	for (uint32_t i = 0; i < N; i++) {
		uint32_t ip = htonl(0x0A000000u + i);
		keys[i] = ratelimit_key(rl, &ip, 4);
		assert_int_not_equal(keys[i], 0);
		for (uint32_t k = 0; k < i; k++)
			if (keys[k] == keys[i])
				fail_msg("addresses %u and %u share a key", k, i);
	}
	/* keyed: another limiter (another start) gives other keys */
	struct ratelimit *rl2 = ratelimit_new(5, 60);
	assert_int_not_equal(key_of(rl, "192.0.2.1"), key_of(rl2, "192.0.2.1"));
	ratelimit_free(rl2);
	ratelimit_free(rl);
}

static void test_window_ends(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(2, 1);
	uint64_t c = key_of(rl, "192.0.2.77");
	ratelimit_fail(rl, c);
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, NULL));
	sleep(3);
	assert_false(ratelimit_blocked(rl, c, NULL));
	ratelimit_fail(rl, c);
	assert_false(ratelimit_blocked(rl, c, NULL));
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, NULL));
	ratelimit_free(rl);
}

static void test_many_clients(void **state)
{
	(void)state;
	struct ratelimit *rl = ratelimit_new(3, 600);
	/* more clients than the table holds: nothing breaks, and a client seen
	 * once is never blocked */
	for (uint32_t i = 0; i < 50000; i++) {
		uint32_t ip = htonl(0x0A000000u + i);
		uint64_t k = ratelimit_key(rl, &ip, 4);
		ratelimit_fail(rl, k);
		assert_false(ratelimit_blocked(rl, k, NULL));
	}
	/* and a recent offender is still known */
	uint64_t bad = key_of(rl, "203.0.113.5");
	for (int i = 0; i < 3; i++)
		ratelimit_fail(rl, bad);
	assert_true(ratelimit_blocked(rl, bad, NULL));
	ratelimit_free(rl);
}

struct thread_arg {
	struct ratelimit *rl;
	uint64_t client;
	int times;
};

static void *fail_many(void *p)
{
	struct thread_arg *a = p;
	for (int i = 0; i < a->times; i++)
		ratelimit_fail(a->rl, a->client);
	return NULL;
}

static void test_threads_count_exactly(void **state)
{
	(void)state;
	/* 4 threads x 250 failures of one client: exactly 1000 are counted */
	struct ratelimit *rl = ratelimit_new(1001, 600);
	struct ratelimit *rl2 = ratelimit_new(1000, 600);
	uint64_t c = key_of(rl, "192.0.2.99"), c2 = key_of(rl2, "192.0.2.99");
	pthread_t t[8];
	struct thread_arg a = {rl, c, 250}, b = {rl2, c2, 250};
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_create(&t[i], NULL, fail_many, &a), 0);
		assert_int_equal(pthread_create(&t[4 + i], NULL, fail_many, &b), 0);
	}
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	assert_false(ratelimit_blocked(rl, c, NULL));
	assert_true(ratelimit_blocked(rl2, c2, NULL));
	ratelimit_fail(rl, c);
	assert_true(ratelimit_blocked(rl, c, NULL));
	ratelimit_free(rl);
	ratelimit_free(rl2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocked_only_after_limit),
		cmocka_unit_test(test_per_client),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_many_clients),
		cmocka_unit_test(test_threads_count_exactly),
		cmocka_unit_test(test_window_ends),
	};
	return cmocka_run_group_tests(tests, group_setup, NULL);
}
