/* test_exactidx.c — the exact-hash index against a plain list: keys of
 * MD5, SHA-1 and SHA-256 length side by side, one key under several ids,
 * growth, removal (the moved last entry stays findable), the entry limit,
 * lookups from several threads while a writer inserts and removes, and
 * bad input. */
/* cmocka.h needs these first */
/* clang-format off */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
/* clang-format on */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exactidx.h"

static uint64_t rng_state = 7;

static uint64_t rng(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rand_bytes(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rng();
}

/* ---- the plain list ------------------------------------------------------ */

struct item {
	uint8_t key[EXACTIDX_MAX_KEY];
	size_t len;
	uint32_t id;
	bool live;
};

struct list {
	struct item *v;
	size_t n, cap;
};

static void list_add(struct list *l, const uint8_t *key, size_t len, uint32_t id)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 256;
		l->v = realloc(l->v, l->cap * sizeof *l->v);
		assert_non_null(l->v);
	}
	memcpy(l->v[l->n].key, key, len);
	l->v[l->n].len = len;
	l->v[l->n].id = id;
	l->v[l->n].live = true;
	l->n++;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Asserts the index gives exactly the list's ids for key. */
static void check_key(struct exactidx *x, const struct list *l, const uint8_t *key, size_t len)
{
	uint32_t want[64], got[64];
	size_t nw = 0, ng = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].live && l->v[i].len == len && !memcmp(l->v[i].key, key, len)) {
			assert_true(nw < 64);
			want[nw++] = l->v[i].id;
		}
	qsort(want, nw, sizeof *want, u32_cmp);
	assert_int_equal(exactidx_lookup(x, key, len, got, 64, &ng), 0);
	assert_int_equal(ng, nw);
	for (size_t i = 0; i < nw; i++)
		assert_int_equal(got[i], want[i]);
}

static const size_t lens[] = {16, 20, 32}; /* MD5, SHA-1, SHA-256 */

static void test_basic(void **state)
{
	(void)state;
	struct exactidx *x = exactidx_new(0);
	assert_non_null(x);
	uint8_t k[32];
	rand_bytes(k, 32);
	size_t n;
	uint32_t ids[8];
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 8, &n), 0);
	assert_int_equal(n, 0);
	/* the same leading bytes at three lengths are three different keys */
	assert_int_equal(exactidx_insert(x, k, 16, 1), 0);
	assert_int_equal(exactidx_insert(x, k, 20, 2), 0);
	assert_int_equal(exactidx_insert(x, k, 32, 3), 0);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(exactidx_lookup(x, k, lens[i], ids, 8, &n), 0);
		assert_int_equal(n, 1);
		assert_int_equal(ids[0], i + 1);
	}
	assert_int_equal(exactidx_lookup(x, k, 17, ids, 8, &n), 0);
	assert_int_equal(n, 0);
	/* one key, several ids: all, ascending; a short buffer gets the count */
	assert_int_equal(exactidx_insert(x, k, 16, 40), 0);
	assert_int_equal(exactidx_insert(x, k, 16, 30), 0);
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 30);
	assert_int_equal(ids[2], 40);
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 2, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(exactidx_lookup(x, k, 16, NULL, 0, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(exactidx_count(x), 5);
	/* one byte different: no match */
	k[15] ^= 1;
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 8, &n), 0);
	assert_int_equal(n, 0);
	exactidx_free(x);
}

static void test_against_list(void **state)
{
	(void)state;
	struct exactidx *x = exactidx_new(0);
	struct list l = {0};
	uint32_t next = 1;
	/* 10,000 keys of three lengths, a tenth repeating an earlier key */
	for (int i = 0; i < 10000; i++) {
		uint8_t k[32];
		size_t len;
		if (l.n && rng() % 10 == 0) {
			const struct item *it = &l.v[rng() % l.n];
			len = it->len;
			memcpy(k, it->key, len);
		} else {
			len = lens[rng() % 3];
			rand_bytes(k, len);
		}
		uint32_t id = next;
		next += 1 + (uint32_t)(rng() % 3);
		assert_int_equal(exactidx_insert(x, k, len, id), 0);
		list_add(&l, k, len, id);
	}
	assert_int_equal(exactidx_count(x), l.n);
	for (size_t i = 0; i < l.n; i += 7)
		check_key(x, &l, l.v[i].key, l.v[i].len);
	/* remove a third at random, by id */
	size_t removed = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (rng() % 3)
			continue;
		assert_int_equal(exactidx_remove(x, l.v[i].id), 0);
		assert_int_equal(exactidx_remove(x, l.v[i].id), HL_ENOTFOUND);
		l.v[i].live = false;
		removed++;
	}
	assert_int_equal(exactidx_count(x), l.n - removed);
	for (size_t i = 0; i < l.n; i += 3)
		check_key(x, &l, l.v[i].key, l.v[i].len);
	/* removed ids are free again; every remaining id still removable */
	for (size_t i = 0; i < l.n; i++) {
		if (l.v[i].live)
			continue;
		assert_int_equal(exactidx_insert(x, l.v[i].key, l.v[i].len, l.v[i].id), 0);
		l.v[i].live = true;
		if (i > 3000)
			break;
	}
	for (size_t i = 0; i < l.n; i += 5)
		check_key(x, &l, l.v[i].key, l.v[i].len);
	for (size_t i = 0; i < l.n; i++)
		if (l.v[i].live)
			assert_int_equal(exactidx_remove(x, l.v[i].id), 0);
	assert_int_equal(exactidx_count(x), 0);
	for (size_t i = 0; i < l.n; i += 11)
		check_key(x, &(struct list){0}, l.v[i].key, l.v[i].len);
	free(l.v);
	exactidx_free(x);
}

static void test_reserve_and_limit(void **state)
{
	(void)state;
	struct exactidx *x = exactidx_new(1000);
	size_t b0 = exactidx_bytes(x);
	assert_int_equal(exactidx_reserve(x, 32, 900), 0);
	size_t b1 = exactidx_bytes(x);
	assert_true(b1 > b0 + 900 * 32);
	assert_int_equal(exactidx_reserve(x, 32, 1001), HL_ETOOBIG);
	uint8_t k[32];
	for (uint32_t i = 0; i < 900; i++) {
		rand_bytes(k, 32);
		assert_int_equal(exactidx_insert(x, k, 32, i), 0);
	}
	assert_int_equal(exactidx_bytes(x), b1); /* reserved: no growth */
	for (uint32_t i = 900; i < 1000; i++) {
		rand_bytes(k, 16);
		assert_int_equal(exactidx_insert(x, k, 16, i), 0);
	}
	rand_bytes(k, 32);
	assert_int_equal(exactidx_insert(x, k, 32, 5000), HL_ETOOBIG);
	assert_int_equal(exactidx_remove(x, 3), 0);
	assert_int_equal(exactidx_insert(x, k, 32, 5000), 0);
	assert_int_equal(exactidx_count(x), 1000);
	size_t n;
	uint32_t id;
	assert_int_equal(exactidx_lookup(x, k, 32, &id, 1, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(id, 5000);
	exactidx_free(x);
}

static void test_bad_input(void **state)
{
	(void)state;
	struct exactidx *x = exactidx_new(0);
	uint8_t k[EXACTIDX_MAX_KEY + 1] = {1, 2, 3};
	uint32_t ids[4];
	size_t n;
	assert_int_equal(exactidx_insert(NULL, k, 16, 1), HL_EINVAL);
	assert_int_equal(exactidx_insert(x, NULL, 16, 1), HL_EINVAL);
	assert_int_equal(exactidx_insert(x, k, 0, 1), HL_EINVAL);
	assert_int_equal(exactidx_insert(x, k, EXACTIDX_MAX_KEY + 1, 1), HL_EINVAL);
	assert_int_equal(exactidx_insert(x, k, EXACTIDX_MAX_KEY, 1), 0);
	assert_int_equal(exactidx_insert(x, k, 1, 2), 0);
	assert_int_equal(exactidx_lookup(NULL, k, 16, ids, 4, &n), HL_EINVAL);
	assert_int_equal(exactidx_lookup(x, NULL, 16, ids, 4, &n), HL_EINVAL);
	assert_int_equal(exactidx_lookup(x, k, 0, ids, 4, &n), HL_EINVAL);
	assert_int_equal(exactidx_lookup(x, k, 65, ids, 4, &n), HL_EINVAL);
	assert_int_equal(exactidx_lookup(x, k, 16, NULL, 4, &n), HL_EINVAL);
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 4, NULL), HL_EINVAL);
	assert_int_equal(exactidx_reserve(NULL, 16, 1), HL_EINVAL);
	assert_int_equal(exactidx_reserve(x, 0, 1), HL_EINVAL);
	/* an id reused: with the same key or another, refused, nothing changes */
	assert_int_equal(exactidx_insert(x, k, 16, 7), 0);
	assert_int_equal(exactidx_insert(x, k, 16, 7), HL_EEXIST);
	assert_int_equal(exactidx_insert(x, k, 20, 7), HL_EEXIST);
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 4, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(exactidx_lookup(x, k, 20, ids, 4, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(exactidx_count(x), 3);
	assert_int_equal(exactidx_remove(NULL, 7), HL_EINVAL);
	assert_int_equal(exactidx_remove(x, 8), HL_ENOTFOUND);
	assert_int_equal(exactidx_insert(x, k, 16, UINT32_MAX), 0);
	assert_int_equal(exactidx_insert(x, k, 16, 0), 0);
	assert_int_equal(exactidx_lookup(x, k, 16, ids, 4, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ids[0], 0);
	assert_int_equal(ids[2], UINT32_MAX);
	assert_int_equal(exactidx_count(NULL), 0);
	assert_int_equal(exactidx_bytes(NULL), 0);
	exactidx_free(x);
	exactidx_free(NULL);
}

/* ---- concurrency ---------------------------------------------------------- */

#define STABLE 2000

struct conc {
	struct exactidx *x;
	uint8_t (*keys)[32];
	atomic_bool stop;
	atomic_int errors;
	atomic_long lookups;
};

static void *reader(void *arg)
{
	struct conc *c = arg;
	uint64_t s = (uint64_t)(uintptr_t)&s;
	long n = 0;
	while (!atomic_load(&c->stop) || n < 100) {
		s = s * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t i = (uint32_t)((s >> 33) % STABLE);
		uint32_t ids[4];
		size_t found;
		if (exactidx_lookup(c->x, c->keys[i], 32, ids, 4, &found) != 0 || found != 1 ||
		    ids[0] != i)
			atomic_fetch_add(&c->errors, 1);
		n++;
	}
	atomic_fetch_add(&c->lookups, n);
	return NULL;
}

static void test_concurrent_lookups(void **state)
{
	(void)state;
	struct conc c = {0};
	c.x = exactidx_new(0);
	size_t total = STABLE + 40000;
	c.keys = malloc(total * 32);
	assert_non_null(c.keys);
	rand_bytes((uint8_t *)c.keys, total * 32);
	for (uint32_t i = 0; i < STABLE; i++)
		assert_int_equal(exactidx_insert(c.x, c.keys[i], 32, i), 0);
	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, reader, &c), 0);
	/* the writer grows the tables several times and removes as it goes,
	 * which moves stable entries inside the arrays */
	for (uint32_t i = STABLE; i < total; i++) {
		assert_int_equal(exactidx_insert(c.x, c.keys[i], 32, i), 0);
		if (i % 3 == 0)
			assert_int_equal(exactidx_remove(c.x, i - 1), 0);
	}
	atomic_store(&c.stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&c.errors), 0);
	assert_true(atomic_load(&c.lookups) >= 300);
	free(c.keys);
	exactidx_free(c.x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_basic),
	    cmocka_unit_test(test_against_list),
	    cmocka_unit_test(test_reserve_and_limit),
	    cmocka_unit_test(test_bad_input),
	    cmocka_unit_test(test_concurrent_lookups),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
