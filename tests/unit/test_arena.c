/* test_arena.c — the request arena: alignment, the maximum it may hand
 * out, large and many small allocations, string copies, reuse after free,
 * and sizes that would wrap around. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdalign.h>
#include <string.h>

#include "arena.h"

static void test_alignment(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	for (size_t n = 0; n < 100; n++) {
		void *p = arena_alloc(&a, n);
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
		memset(p, 0xAB, n);
	}
	arena_free(&a);
}

static void test_max_enforced(void **state)
{
	(void)state;
	struct arena a;
	const size_t al = alignof(max_align_t);
	arena_init(&a, 4 * al);
	assert_non_null(arena_alloc(&a, 2 * al));
	assert_null(arena_alloc(&a, 3 * al));          /* over what is left */
	assert_non_null(arena_alloc(&a, 2 * al));      /* exactly what is left */
	assert_null(arena_alloc(&a, 1));
	assert_int_equal(a.total, 4 * al);
	arena_free(&a);
	assert_int_equal(a.total, 0);
	/* usable again after free */
	assert_non_null(arena_alloc(&a, 4 * al));
	assert_null(arena_alloc(&a, 1));
	arena_free(&a);

	arena_init(&a, 100000);
	assert_null(arena_alloc(&a, 100001));
	assert_null(arena_strndup(&a, "x", 200000));
	assert_non_null(arena_alloc(&a, 50000));
	arena_free(&a);
}

static void test_wrapping_sizes_refused(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	/* rounding these up to the alignment wraps to a tiny size: they must
	 * still be refused, not answered with a 16-byte block */
	assert_null(arena_alloc(&a, SIZE_MAX));
	assert_null(arena_alloc(&a, SIZE_MAX - 1));
	assert_null(arena_alloc(&a, SIZE_MAX - alignof(max_align_t) + 2));
	arena_free(&a);
}

static void test_large_and_many(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 64 << 20);
	/* larger than a chunk */
	unsigned char *big = arena_alloc(&a, 100000);
	assert_non_null(big);
	memset(big, 1, 100000);
	/* many small ones spanning chunks keep their contents */
	char *ptrs[5000];
	for (int i = 0; i < 5000; i++) {
		ptrs[i] = arena_alloc(&a, 24);
		assert_non_null(ptrs[i]);
		memset(ptrs[i], i & 0x7F, 24);
	}
	for (int i = 0; i < 5000; i++)
		for (int k = 0; k < 24; k++)
			assert_int_equal(ptrs[i][k], i & 0x7F);
	for (int i = 0; i < 100000; i++)
		assert_int_equal(big[i], 1);
	arena_free(&a);
	arena_free(&a); /* twice is harmless */
}

static void test_strdup(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 16);
	char *s = arena_strdup(&a, "hello");
	assert_string_equal(s, "hello");
	char *t = arena_strndup(&a, "hello world", 5);
	assert_string_equal(t, "hello");
	char *e = arena_strdup(&a, "");
	assert_non_null(e);
	assert_string_equal(e, "");
	char *z = arena_strndup(&a, "a\0b", 3);
	assert_memory_equal(z, "a\0b\0", 4);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alignment),
		cmocka_unit_test(test_max_enforced),
		cmocka_unit_test(test_large_and_many),
		cmocka_unit_test(test_strdup),
		cmocka_unit_test(test_wrapping_sizes_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
