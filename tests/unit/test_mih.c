/* test_mih.c — the PDQ index against a linear scan: random data with
 * planted near-duplicates at many distances, every search strategy,
 * duplicates of one hash under several ids, entries added after the build
 * (tail, new segments, merges), removal and compaction, queries from
 * several threads while a writer adds and removes, the reference
 * needles/haystack vectors, and bad input. */
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mih.h"

#define HB MIH_HASH_BYTES

static uint64_t rng_state = 42;

static uint64_t rng(void) /* splitmix64 */
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void rand_hash(uint8_t *h)
{
	for (int i = 0; i < HB; i += 8) {
		uint64_t v = rng();
		memcpy(h + i, &v, 8);
	}
}

/* out = in with exactly k distinct bits flipped (k <= 256). */
static void flip(uint8_t *out, const uint8_t *in, unsigned k)
{
	uint8_t done[HB] = {0};
	memcpy(out, in, HB);
	while (k > 0) {
		unsigned b = (unsigned)(rng() & 255);
		if (done[b >> 3] & (1u << (b & 7)))
			continue;
		done[b >> 3] |= (uint8_t)(1u << (b & 7));
		out[b >> 3] ^= (uint8_t)(1u << (b & 7));
		k--;
	}
}

#if defined(__x86_64__) || defined(__i386__)
#define POPCNT_TARGET __attribute__((target("popcnt")))
#else
#define POPCNT_TARGET
#endif

/* The distance, the plainest way (the linear scan's; popcnt for speed). */
POPCNT_TARGET static unsigned ref_dist(const uint8_t *a, const uint8_t *b)
{
	unsigned d = 0;
	for (int i = 0; i < HB; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		d += (unsigned)__builtin_popcountll(x ^ y);
	}
	return d;
}

/* ---- the reference: every entry ever added, and whether it is live ---- */

struct ref {
	uint8_t (*h)[HB];
	uint32_t *id;
	bool *live;
	size_t n, cap;
};

static void ref_add(struct ref *r, const uint8_t *h, uint32_t id)
{
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 1024;
		r->h = realloc(r->h, r->cap * HB);
		r->id = realloc(r->id, r->cap * sizeof *r->id);
		r->live = realloc(r->live, r->cap * sizeof *r->live);
		assert_non_null(r->h);
		assert_non_null(r->id);
		assert_non_null(r->live);
	}
	memcpy(r->h[r->n], h, HB);
	r->id[r->n] = id;
	r->live[r->n] = true;
	r->n++;
}

static void ref_free(struct ref *r)
{
	free(r->h);
	free(r->id);
	free(r->live);
	memset(r, 0, sizeof *r);
}

static ptrdiff_t ref_find(const struct ref *r, uint32_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->id[i] == id && r->live[i])
			return (ptrdiff_t)i;
	return -1;
}

static int match_cmp(const void *a, const void *b)
{
	const struct mih_match *x = a, *y = b;
	if (x->distance != y->distance)
		return x->distance < y->distance ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* The linear scan's answer, sorted as mih_query sorts; *n its size. */
static struct mih_match *ref_query(const struct ref *r, const uint8_t *q, unsigned d, size_t *n)
{
	struct mih_match *v = malloc((r->n + 1) * sizeof *v);
	assert_non_null(v);
	size_t k = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (!r->live[i])
			continue;
		unsigned dist = ref_dist(r->h[i], q);
		if (dist <= d) {
			v[k].id = r->id[i];
			v[k].distance = dist;
			k++;
		}
	}
	qsort(v, k, sizeof *v, match_cmp);
	*n = k;
	return v;
}

/* Asserts that the index answers q at d exactly as the linear scan. */
static void check_query(struct mih *m, const struct ref *r, const uint8_t *q, unsigned d,
                        struct mih_results *res)
{
	size_t n;
	struct mih_match *want = ref_query(r, q, d, &n);
	assert_int_equal(mih_query(m, q, d, res), 0);
	if (res->n != n)
		fprintf(stderr, "d=%u: index %zu matches, scan %zu\n", d, res->n, n);
	assert_int_equal(res->n, n);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(res->match[i].id, want[i].id);
		assert_int_equal(res->match[i].distance, want[i].distance);
	}
	free(want);
}

/* Queries: random hashes and stored ones with 0..48 bits flipped. */
static void make_queries(const struct ref *r, uint8_t (*q)[HB], size_t nq)
{
	for (size_t i = 0; i < nq; i++) {
		if (i % 3 == 0)
			rand_hash(q[i]);
		else
			flip(q[i], r->h[rng() % r->n], (unsigned)(rng() % 49));
	}
}

static void check_all(struct mih *m, const struct ref *r, size_t nq, const unsigned *ds, size_t nd)
{
	uint8_t(*q)[HB] = malloc(nq * HB);
	assert_non_null(q);
	make_queries(r, q, nq);
	struct mih_results res = {0};
	static const enum mih_strategy strat[] = {MIH_STRATEGY_AUTO, MIH_STRATEGY_INDEX,
	                                          MIH_STRATEGY_SCAN};
	for (size_t s = 0; s < 3; s++) {
		mih_set_strategy(m, strat[s]);
		for (size_t k = 0; k < nd; k++) {
			/* far distances return most of the data: fewer queries */
			size_t nqk = ds[k] <= 32 ? nq : nq / 6 + 1;
			for (size_t i = 0; i < nqk; i++)
				check_query(m, r, q[i], ds[k], &res);
		}
	}
	mih_set_strategy(m, MIH_STRATEGY_AUTO);
	mih_results_free(&res);
	free(q);
}

/* n random hashes, a fifth of them near-duplicates (1..40 bits) of
 * earlier ones, ids from id0 by step 3 (not dense). */
static void add_random(struct mih *m, struct ref *r, size_t n, uint32_t id0, bool batch)
{
	uint8_t *hs = malloc(n * HB);
	uint32_t *ids = malloc(n * sizeof *ids);
	assert_non_null(hs);
	assert_non_null(ids);
	for (size_t i = 0; i < n; i++) {
		if (r->n + i > 0 && rng() % 5 == 0) {
			size_t src = rng() % (r->n + i);
			const uint8_t *from = src < r->n ? r->h[src] : hs + (src - r->n) * HB;
			flip(hs + i * HB, from, 1 + (unsigned)(rng() % 40));
		} else {
			rand_hash(hs + i * HB);
		}
		ids[i] = id0 + (uint32_t)i * 3;
	}
	if (batch) {
		assert_int_equal(mih_add_batch(m, hs, ids, n), 0);
	} else {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(mih_add(m, hs + i * HB, ids[i]), 0);
	}
	for (size_t i = 0; i < n; i++)
		ref_add(r, hs + i * HB, ids[i]);
	free(hs);
	free(ids);
}

static const unsigned all_d[] = {0, 1, 8, 31, 32, 64, 255, 256};

static void test_random_many_distances(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	assert_non_null(m);
	add_random(m, &r, 12000, 7, true);
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, 12000);
	assert_int_equal(st.segments, 1);
	assert_int_equal(st.tail, 0);
	check_all(m, &r, 30, all_d, sizeof all_d / sizeof all_d[0]);
	/* every d from 0 to 40 through the index, on near-duplicate queries */
	mih_set_strategy(m, MIH_STRATEGY_INDEX);
	struct mih_results res = {0};
	for (unsigned d = 0; d <= 40; d++) {
		uint8_t q[HB];
		flip(q, r.h[rng() % r.n], (unsigned)(rng() % 41));
		check_query(m, &r, q, d, &res);
	}
	mih_results_free(&res);
	mih_free(m);
	ref_free(&r);
}

/* The hardest matches for multi-index hashing: d bits flipped spread as
 * evenly as possible over the index's 11 chunks (white-box: its layout),
 * so that no chunk is closer than d / 11 bits. Each is found at d, not at
 * d - 1, in both strategies. */
static void test_evenly_spread(void **state)
{
	(void)state;
	static const unsigned start[11] = {0, 24, 48, 72, 95, 118, 141, 164, 187, 210, 233};
	static const unsigned bits[11] = {24, 24, 24, 23, 23, 23, 23, 23, 23, 23, 23};
	struct mih *m = mih_new(0);
	struct ref r = {0};
	add_random(m, &r, 8000, 1, true);
	uint8_t(*orig)[HB] = malloc(257 * HB);
	uint8_t *var = malloc(257 * HB);
	uint32_t *ids = malloc(257 * sizeof *ids);
	assert_non_null(orig);
	assert_non_null(var);
	assert_non_null(ids);
	for (unsigned d = 0; d <= 256; d++) {
		rand_hash(orig[d]);
		memcpy(var + d * HB, orig[d], HB);
		unsigned per[11], left = d;
		for (unsigned t = 0; t < 11; t++)
			per[t] = d / 11;
		left -= 11 * (d / 11);
		while (left > 0) { /* the rest, one more to random chunks with room */
			unsigned t = (unsigned)(rng() % 11);
			if (per[t] < bits[t]) {
				per[t]++;
				left--;
			}
		}
		for (unsigned t = 0; t < 11; t++) {
			unsigned k = per[t];
			assert_true(k <= bits[t]);
			while (k > 0) {
				unsigned b = start[t] + (unsigned)(rng() % bits[t]);
				uint8_t *byte = var + d * HB + (b >> 3),
				        mask = (uint8_t)(1u << (b & 7));
				if ((*byte ^ orig[d][b >> 3]) & mask)
					continue;
				*byte ^= mask;
				k--;
			}
		}
		assert_int_equal(mih_distance(orig[d], var + d * HB), d);
		ids[d] = 100000 + d;
	}
	assert_int_equal(mih_add_batch(m, var, ids, 257), 0);
	for (unsigned d = 0; d <= 256; d++)
		ref_add(&r, var + d * HB, ids[d]);
	/* more entries, so that the variants leave the tail for a segment */
	add_random(m, &r, MIH_TAIL_MAX, 500000, true);
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.tail, 0);
	struct mih_results res = {0};
	for (int s = 0; s < 2; s++) {
		mih_set_strategy(m, s ? MIH_STRATEGY_INDEX : MIH_STRATEGY_AUTO);
		for (unsigned d = 0; d <= 256; d += d < 70 ? 1 : 31) {
			check_query(m, &r, orig[d], d, &res);
			bool found = false;
			for (size_t i = 0; i < res.n; i++)
				if (res.match[i].id == ids[d])
					found = res.match[i].distance == d;
			assert_true(found);
			if (d > 0 && d < 70) {
				check_query(m, &r, orig[d], d - 1, &res);
				for (size_t i = 0; i < res.n; i++)
					assert_int_not_equal(res.match[i].id, ids[d]);
			}
		}
	}
	mih_results_free(&res);
	free(orig);
	free(var);
	free(ids);
	mih_free(m);
	ref_free(&r);
}

static void test_small_and_empty(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	struct mih_results res = {0};
	uint8_t q[HB];
	rand_hash(q);
	/* empty */
	assert_int_equal(mih_query(m, q, 256, &res), 0);
	assert_int_equal(res.n, 0);
	/* a handful of entries: the tail only */
	add_random(m, &r, 10, 1, false);
	check_all(m, &r, 12, all_d, sizeof all_d / sizeof all_d[0]);
	mih_results_free(&res);
	mih_free(m);
	ref_free(&r);
}

static void test_duplicates(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	add_random(m, &r, 6000, 1000000, true);
	uint8_t h[HB], near[HB];
	rand_hash(h);
	/* the same hash under five ids, in two batches and one by one */
	uint8_t two[2 * HB];
	memcpy(two, h, HB);
	memcpy(two + HB, h, HB);
	uint32_t ids2[2] = {11, 12};
	assert_int_equal(mih_add_batch(m, two, ids2, 2), 0);
	assert_int_equal(mih_add(m, h, 13), 0);
	assert_int_equal(mih_add(m, h, 14), 0);
	assert_int_equal(mih_add(m, h, 15), 0);
	for (uint32_t id = 11; id <= 15; id++)
		ref_add(&r, h, id);
	flip(near, h, 5);
	assert_int_equal(mih_add(m, near, 16), 0);
	ref_add(&r, near, 16);

	struct mih_results res = {0};
	assert_int_equal(mih_query(m, h, 0, &res), 0);
	assert_int_equal(res.n, 5);
	for (size_t i = 0; i < 5; i++) {
		assert_int_equal(res.match[i].id, 11 + i);
		assert_int_equal(res.match[i].distance, 0);
	}
	assert_int_equal(mih_query(m, h, 31, &res), 0);
	assert_int_equal(res.n, 6);
	assert_int_equal(res.match[5].id, 16);
	assert_int_equal(res.match[5].distance, 5);
	/* the limit: stops at 3 and says so */
	res.limit = 3;
	assert_int_equal(mih_query(m, h, 31, &res), HL_ETOOBIG);
	assert_int_equal(res.n, 3);
	res.limit = 6;
	assert_int_equal(mih_query(m, h, 31, &res), 0);
	assert_int_equal(res.n, 6);
	res.limit = 0;

	/* index them into a segment too, then check again */
	add_random(m, &r, MIH_TAIL_MAX, 2000000, true);
	check_query(m, &r, h, 31, &res);
	assert_true(res.n >= 6); /* the new entries hold near-duplicates too */
	assert_int_equal(mih_remove(m, 13), 0);
	r.live[ref_find(&r, 13)] = false;
	check_query(m, &r, h, 0, &res);
	assert_int_equal(res.n, 4);
	mih_results_free(&res);
	mih_free(m);
	ref_free(&r);
}

static void test_add_after_build(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	static const unsigned ds[] = {0, 8, 31, 32, 64};
	add_random(m, &r, 12000, 1, true);
	/* one by one: the tail fills, becomes a segment, merges */
	add_random(m, &r, 3 * MIH_TAIL_MAX + 100, 500000, false);
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, r.n);
	assert_true(st.segments >= 2);
	assert_true(st.tail < MIH_TAIL_MAX);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);
	/* a larger batch merges everything smaller than twice its size */
	add_random(m, &r, 16000, 900000, true);
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, r.n);
	assert_int_equal(st.tail, 0);
	assert_int_equal(st.segments, 1);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);
	/* small batches after that */
	for (int i = 0; i < 5; i++)
		add_random(m, &r, 1500, 2000000 + (uint32_t)i * 10000, true);
	mih_get_stats(m, &st);
	assert_true(st.segments >= 2);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);
	mih_free(m);
	ref_free(&r);
}

static void test_remove(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	static const unsigned ds[] = {0, 8, 31, 32, 64};
	add_random(m, &r, 12000, 1, true);
	add_random(m, &r, 1000, 100000, false); /* some in the tail */
	/* remove a third, from the segment and the tail */
	for (size_t i = 0; i < r.n; i += 3) {
		assert_int_equal(mih_remove(m, r.id[i]), 0);
		r.live[i] = false;
	}
	assert_int_equal(mih_remove(m, r.id[0]), HL_ENOTFOUND);
	assert_int_equal(mih_remove(m, 2), HL_ENOTFOUND); /* never added */
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, 13000 - 4334);
	assert_int_equal(st.removed, 4334);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);

	/* a removed id may come back, with another hash */
	uint8_t h[HB];
	rand_hash(h);
	assert_int_equal(mih_add(m, h, r.id[0]), 0);
	ref_add(&r, h, r.id[0]);
	struct mih_results res = {0};
	check_query(m, &r, h, 0, &res);
	assert_int_equal(res.n, 1);
	assert_int_equal(res.match[0].id, r.id[0]);

	/* compaction keeps the answers and drops the removed */
	assert_int_equal(mih_compact(m), 0);
	mih_get_stats(m, &st);
	assert_int_equal(st.removed, 0);
	assert_int_equal(st.entries, 13000 - 4334 + 1);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);
	/* ids still map to the right entries after compaction */
	for (size_t i = 1; i < r.n; i += 7)
		if (r.live[i]) {
			assert_int_equal(mih_remove(m, r.id[i]), 0);
			r.live[i] = false;
		}
	check_all(m, &r, 12, ds, sizeof ds / sizeof ds[0]);
	assert_true(ref_find(&r, r.id[1]) < 0);
	mih_results_free(&res);
	mih_free(m);
	ref_free(&r);
}

static void test_auto_compaction(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct ref r = {0};
	static const unsigned ds[] = {0, 31, 32};
	add_random(m, &r, 100000, 1, true);
	/* removing most entries reclaims them without being asked */
	for (size_t i = 0; i < 70000; i++) {
		assert_int_equal(mih_remove(m, r.id[i]), 0);
		r.live[i] = false;
	}
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, 30000);
	assert_true(st.removed < 70000);
	check_all(m, &r, 16, ds, sizeof ds / sizeof ds[0]);
	mih_free(m);
	ref_free(&r);
}

/* ---- concurrency ---------------------------------------------------------- */

#define CONC_STABLE 4000
#define CONC_ADDED 12000
#define CONC_IDS (CONC_STABLE + CONC_ADDED)

struct conc {
	struct mih *m;
	uint8_t (*h)[HB]; /* hash of id i */
	atomic_bool stop;
	atomic_int errors;
	atomic_long queries;
};

static void *conc_reader(void *arg)
{
	struct conc *c = arg;
	struct mih_results res = {0};
	uint64_t seed = (uint64_t)(uintptr_t)&res;
	long n = 0;
	while (!atomic_load(&c->stop) || n < 50) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		uint32_t id = (uint32_t)((seed >> 33) % CONC_STABLE);
		uint8_t q[HB];
		memcpy(q, c->h[id], HB);
		q[(seed >> 20) & 31] ^= 0x11; /* 2 bits off */
		if (mih_query(c->m, q, 31, &res) != 0) {
			atomic_fetch_add(&c->errors, 1);
			continue;
		}
		bool found = false;
		for (size_t i = 0; i < res.n; i++) {
			uint32_t mid = res.match[i].id;
			if (mid >= CONC_IDS || res.match[i].distance != ref_dist(q, c->h[mid]) ||
			    res.match[i].distance > 31 ||
			    (i && match_cmp(&res.match[i - 1], &res.match[i]) >= 0))
				atomic_fetch_add(&c->errors, 1);
			if (mid == id)
				found = res.match[i].distance == 2;
		}
		if (!found) /* a stable entry is never missing */
			atomic_fetch_add(&c->errors, 1);
		n++;
	}
	atomic_fetch_add(&c->queries, n);
	mih_results_free(&res);
	return NULL;
}

static void test_concurrent_queries_during_updates(void **state)
{
	(void)state;
	struct conc c = {0};
	c.m = mih_new(0);
	c.h = malloc((size_t)CONC_IDS * HB);
	assert_non_null(c.h);
	for (size_t i = 0; i < CONC_IDS; i++) {
		if (i >= CONC_STABLE && i % 4 == 0)
			flip(c.h[i], c.h[rng() % i], 1 + (unsigned)(rng() % 30));
		else
			rand_hash(c.h[i]);
	}
	uint32_t *ids = malloc((size_t)CONC_IDS * sizeof *ids);
	assert_non_null(ids);
	for (uint32_t i = 0; i < CONC_IDS; i++)
		ids[i] = i;
	assert_int_equal(mih_add_batch(c.m, (const uint8_t *)c.h, ids, CONC_STABLE), 0);

	pthread_t th[3];
	for (int i = 0; i < 3; i++)
		assert_int_equal(pthread_create(&th[i], NULL, conc_reader, &c), 0);
	/* the writer: batches (tail, segments, merges), single adds, removals
	 * of added entries, a compaction */
	uint32_t next = CONC_STABLE;
	bool *removed = calloc(CONC_IDS, sizeof *removed);
	assert_non_null(removed);
	for (int round = 0; round < 6; round++) {
		uint32_t n = 1500;
		assert_int_equal(mih_add_batch(c.m, (const uint8_t *)c.h[next], ids + next, n), 0);
		next += n;
		for (int k = 0; k < 200; k++, next++)
			assert_int_equal(mih_add(c.m, c.h[next], next), 0);
		for (uint32_t id = CONC_STABLE + (uint32_t)round; id < next; id += 5)
			if (mih_remove(c.m, id) == 0)
				removed[id] = true;
		if (round == 3)
			assert_int_equal(mih_compact(c.m), 0);
	}
	atomic_store(&c.stop, true);
	for (int i = 0; i < 3; i++)
		pthread_join(th[i], NULL);
	assert_int_equal(atomic_load(&c.errors), 0);
	assert_true(atomic_load(&c.queries) >= 150);

	/* afterwards, exactly the linear scan's answers */
	struct ref r = {0};
	for (uint32_t i = 0; i < next; i++)
		ref_add(&r, c.h[i], i);
	for (uint32_t id = 0; id < next; id++)
		r.live[id] = !removed[id];
	static const unsigned ds[] = {0, 31, 32};
	check_all(c.m, &r, 30, ds, 3);
	ref_free(&r);
	free(removed);
	free(ids);
	free(c.h);
	mih_free(c.m);
}

/* ---- the reference vectors ------------------------------------------------ */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static bool parse_hex(const char *s, uint8_t *out)
{
	for (int i = 0; i < HB; i++) {
		int a = hexval(s[2 * i]), b = hexval(s[2 * i + 1]);
		if (a < 0 || b < 0)
			return false;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return hexval(s[2 * HB]) < 0;
}

/* Reads one hash per line; returns their number. */
static size_t read_hashes(const char *name, uint8_t (**out)[HB])
{
	char path[512];
	int w = snprintf(path, sizeof path, "%s/pdq-vectors/data/reg-test-input/%s",
	                 HOTLINE_SHARED_DIR, name);
	assert_true(w > 0 && (size_t)w < sizeof path);
	FILE *f = fopen(path, "r");
	if (!f)
		fprintf(stderr, "cannot open %s\n", path);
	assert_non_null(f);
	size_t n = 0, cap = 0;
	uint8_t(*v)[HB] = NULL;
	char line[256];
	while (fgets(line, sizeof line, f)) {
		if (line[0] == '\n' || line[0] == '#')
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			v = realloc(v, cap * HB);
			assert_non_null(v);
		}
		assert_true(parse_hex(line, v[n]));
		n++;
	}
	fclose(f);
	*out = v;
	return n;
}

static void test_reference_vectors(void **state)
{
	(void)state;
	uint8_t(*needles)[HB], (*hay)[HB];
	size_t nn = read_hashes("needles.txt", &needles);
	size_t nh = read_hashes("haystack.txt", &hay);
	assert_int_equal(nn, 100);
	assert_int_equal(nh, 1350);
	struct mih *m = mih_new(0);
	struct ref r = {0};
	uint32_t *ids = malloc(nh * sizeof *ids);
	assert_non_null(ids);
	/* ids are 1-based line numbers, as the reference's idx= */
	for (size_t i = 0; i < nh; i++) {
		ids[i] = (uint32_t)i + 1;
		ref_add(&r, hay[i], ids[i]);
	}
	assert_int_equal(mih_add_batch(m, (const uint8_t *)hay, ids, nh), 0);

	/* the reference mih-query output: "needle=HEX", then "d=N,match=HEX,idx=I" */
	char path[512];
	int w = snprintf(path, sizeof path,
	                 "%s/pdq-vectors/expected/mih-query-needles-vs-haystack-d31.txt",
	                 HOTLINE_SHARED_DIR);
	assert_true(w > 0 && (size_t)w < sizeof path);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	struct mih_results res = {0};
	static const enum mih_strategy strat[] = {MIH_STRATEGY_AUTO, MIH_STRATEGY_INDEX,
	                                          MIH_STRATEGY_SCAN};
	char line[512];
	size_t needle = 0, total = 0, got = 0, pending = 0;
	uint8_t q[HB];
	while (fgets(line, sizeof line, f)) {
		if (!strncmp(line, "needle=", 7)) {
			assert_int_equal(pending, 0);
			assert_true(parse_hex(line + 7, q));
			assert_memory_equal(q, needles[needle], HB);
			for (int s = 0; s < 3; s++) {
				mih_set_strategy(m, strat[s]);
				check_query(m, &r, q, 31, &res);
			}
			got += res.n;
			pending = res.n;
			needle++;
		} else if (!strncmp(line, "d=", 2)) {
			unsigned d, idx;
			char hex[80];
			assert_int_equal(
			    sscanf(line, "d=%u,match=%70[0-9a-f],idx=%u", &d, hex, &idx), 3);
			/* listed in the same order: by distance (ties by idx) */
			size_t k = res.n - pending;
			assert_true(pending > 0);
			assert_int_equal(res.match[k].id, idx);
			assert_int_equal(res.match[k].distance, d);
			pending--;
			total++;
		}
	}
	fclose(f);
	assert_int_equal(pending, 0);
	assert_int_equal(needle, 100);
	assert_int_equal(total, 250);
	assert_int_equal(got, 250);
	mih_results_free(&res);
	mih_free(m);
	ref_free(&r);
	free(ids);
	free(needles);
	free(hay);
}

/* ---- bad input -------------------------------------------------------------- */

static void test_bad_input(void **state)
{
	(void)state;
	struct mih *m = mih_new(0);
	struct mih_results res = {0};
	uint8_t h[HB] = {1, 2, 3};
	uint32_t ids[3] = {5, 6, 5};
	uint8_t hs[3 * HB] = {0};

	assert_int_equal(mih_add(NULL, h, 1), HL_EINVAL);
	assert_int_equal(mih_add(m, NULL, 1), HL_EINVAL);
	assert_int_equal(mih_add_batch(m, NULL, ids, 3), HL_EINVAL);
	assert_int_equal(mih_add_batch(m, hs, NULL, 3), HL_EINVAL);
	assert_int_equal(mih_add_batch(m, NULL, NULL, 0), 0); /* nothing to do */
	assert_int_equal(mih_query(NULL, h, 31, &res), HL_EINVAL);
	assert_int_equal(mih_query(m, NULL, 31, &res), HL_EINVAL);
	assert_int_equal(mih_query(m, h, 31, NULL), HL_EINVAL);
	assert_int_equal(mih_query(m, h, 257, &res), HL_EINVAL);
	assert_int_equal(mih_query(m, h, 256, &res), 0);
	assert_int_equal(mih_remove(NULL, 1), HL_EINVAL);
	assert_int_equal(mih_remove(m, 1), HL_ENOTFOUND);
	assert_int_equal(mih_compact(NULL), HL_EINVAL);

	/* an id reused: refused, in one call or across calls; all or nothing */
	assert_int_equal(mih_add_batch(m, hs, ids, 3), HL_EEXIST);
	struct mih_stats st;
	mih_get_stats(m, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(mih_add(m, h, 5), 0);
	assert_int_equal(mih_add(m, h, 5), HL_EEXIST);
	assert_int_equal(mih_add_batch(m, hs, ids + 1, 2), HL_EEXIST); /* 6 new, 5 not */
	assert_int_equal(mih_add(m, h, 6), 0);                         /* so 6 is free */
	assert_int_equal(mih_add(m, h, UINT32_MAX), 0);                /* any id is fine */
	assert_int_equal(mih_add(m, h, 0), 0);
	assert_int_equal(mih_query(m, h, 0, &res), 0);
	assert_int_equal(res.n, 4);
	assert_int_equal(res.match[0].id, 0);
	assert_int_equal(res.match[3].id, UINT32_MAX);

	/* max_entries */
	struct mih *small = mih_new(2);
	assert_int_equal(mih_add(small, h, 1), 0);
	assert_int_equal(mih_add_batch(small, hs, ids, 2), HL_ETOOBIG);
	assert_int_equal(mih_add(small, h, 2), 0);
	assert_int_equal(mih_add(small, h, 3), HL_ETOOBIG);
	assert_int_equal(mih_remove(small, 1), 0);
	assert_int_equal(mih_add(small, h, 3), 0);

	assert_int_equal(mih_distance(h, h), 0);
	uint8_t all[HB], none[HB] = {0};
	memset(all, 0xff, HB);
	assert_int_equal(mih_distance(all, none), 256);

	mih_get_stats(NULL, &st);
	assert_int_equal(st.entries, 0);
	mih_set_strategy(NULL, MIH_STRATEGY_SCAN);
	mih_results_free(&res);
	mih_results_free(NULL);
	mih_free(small);
	mih_free(m);
	mih_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_random_many_distances),
	    cmocka_unit_test(test_evenly_spread),
	    cmocka_unit_test(test_small_and_empty),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_add_after_build),
	    cmocka_unit_test(test_remove),
	    cmocka_unit_test(test_auto_compaction),
	    cmocka_unit_test(test_concurrent_queries_during_updates),
	    cmocka_unit_test(test_reference_vectors),
	    cmocka_unit_test(test_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
