/* test_stats.c — the statistics' percentiles: median and 90th percentile
 * by nearest rank, from one selection each (the second only above the
 * first), against a full sort, on sizes from 0 to a few thousand, values
 * random, repeated, sorted, reversed and all equal. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "stats.h"

static int cmp_i32(const void *a, const void *b)
{
	int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
	return (x > y) - (x < y);
}

/* nearest rank from a sorted copy: the ceil(p/100 * n)-th smallest */
static int64_t by_sort(const int32_t *v, size_t n, int p)
{
	if (!n)
		return 0;
	int32_t *s = malloc(n * sizeof *s);
	assert_non_null(s);
	memcpy(s, v, n * sizeof *s);
	qsort(s, n, sizeof *s, cmp_i32);
	size_t k = ((size_t)p * n + 99) / 100;
	int64_t r = s[k ? k - 1 : 0];
	free(s);
	return r;
}

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void check(const int32_t *v, size_t n)
{
	int32_t *w = malloc((n ? n : 1) * sizeof *w);
	assert_non_null(w);
	memcpy(w, v, n * sizeof *w);
	int64_t p50 = -1, p90 = -1;
	stats_median_p90(w, n, &p50, &p90);
	if (p50 != by_sort(v, n, 50) || p90 != by_sort(v, n, 90))
		fail_msg("n=%zu: got %lld/%lld, sorted %lld/%lld", n, (long long)p50,
			 (long long)p90, (long long)by_sort(v, n, 50), (long long)by_sort(v, n, 90));
	/* the values are only moved, never lost */
	int32_t *a = malloc((n ? n : 1) * sizeof *a);
	assert_non_null(a);
	memcpy(a, v, n * sizeof *a);
	qsort(a, n, sizeof *a, cmp_i32);
	qsort(w, n, sizeof *w, cmp_i32);
	assert_memory_equal(a, w, n * sizeof *a);
	free(a);
	free(w);
}

static void test_small_and_known(void **state)
{
	(void)state;
	int64_t p50 = -1, p90 = -1;
	stats_median_p90(NULL, 0, &p50, &p90);
	assert_int_equal(p50, 0);
	assert_int_equal(p90, 0);
	int32_t one[] = {42};
	stats_median_p90(one, 1, &p50, &p90);
	assert_int_equal(p50, 42);
	assert_int_equal(p90, 42);
	/* two: ceil(1) = 1st and ceil(1.8) = 2nd smallest */
	int32_t two[] = {14400, 7200};
	stats_median_p90(two, 2, &p50, &p90);
	assert_int_equal(p50, 7200);
	assert_int_equal(p90, 14400);
	/* 1..10: the 5th and the 9th */
	int32_t ten[] = {10, 3, 7, 1, 9, 2, 8, 6, 4, 5};
	stats_median_p90(ten, 10, &p50, &p90);
	assert_int_equal(p50, 5);
	assert_int_equal(p90, 9);
}

static void test_against_a_sort(void **state)
{
	(void)state;
	enum { MAX = 5000 };
	int32_t *v = malloc(MAX * sizeof *v);
	assert_non_null(v);
	for (size_t n = 0; n <= 300; n++) {
		for (int shape = 0; shape < 6; shape++) {
			for (size_t i = 0; i < n; i++) {
				switch (shape) {
				case 0: v[i] = (int32_t)(next() & 0x7FFFFFFF); break; /* distinct-ish */
				case 1: v[i] = (int32_t)(next() % 4); break;          /* many repeats */
				case 2: v[i] = (int32_t)i; break;                     /* sorted */
				case 3: v[i] = (int32_t)(n - i); break;               /* reversed */
				case 4: v[i] = 86400; break;                          /* all equal */
				default: v[i] = (int32_t)(i % 2 ? 0 : INT32_MAX); break; /* two values */
				}
			}
			check(v, n);
		}
	}
	for (size_t n = 301; n <= MAX; n += 977) {
		for (size_t i = 0; i < n; i++)
			v[i] = (int32_t)(next() % 100000);
		check(v, n);
	}
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_and_known),
		cmocka_unit_test(test_against_a_sort),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
