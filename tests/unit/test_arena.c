/* test_arena.c — the request arena: alignment, the maximum it may hand
 * out, large and many small allocations, string copies, reuse after free,
 * sizes that would wrap around, and the chunk a thread keeps for its next
 * arena. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stdlib.h>
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

/* A freed arena's chunk serves the thread's next arena, never two live
 * arenas at once, and the contents of each arena stay its own. */
static void test_spare_chunk(void **state)
{
	(void)state;
	struct arena a, b, c;
	arena_init(&a, 1 << 20);
	char *p = arena_alloc(&a, 100);
	assert_non_null(p);
	arena_free(&a);
	/* a chunk freed to malloc would serve this block (or be split for it) */
	void *other = malloc(4000);
	assert_non_null(other);
	arena_init(&b, 1 << 20);
	char *q = arena_alloc(&b, 100);
	assert_ptr_equal(q, p); /* the same chunk, taken again */
	arena_init(&c, 1 << 20);
	char *r = arena_alloc(&c, 100);
	assert_non_null(r);
	assert_ptr_not_equal(r, q); /* b holds it: c gets its own */
	memset(q, 'b', 100);
	memset(r, 'c', 100);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(q[i], 'b');
		assert_int_equal(r[i], 'c');
	}
	/* a chunk bigger than the usual one is not kept */
	struct arena d;
	arena_init(&d, 1 << 20);
	char *big = arena_alloc(&d, 50000);
	assert_non_null(big);
	arena_free(&b); /* b's and c's chunks are kept (c's on top); d's is freed */
	arena_free(&c);
	arena_free(&d);
	arena_init(&a, 1 << 20);
	arena_init(&b, 1 << 20);
	assert_ptr_equal(arena_alloc(&a, 10), r);
	assert_ptr_equal(arena_alloc(&b, 10), p);
	arena_free(&a);
	arena_free(&b);
	free(other);
}

/* Many arenas alive at once (requests waiting for a commit) each get a
 * chunk of their own, and once freed those same chunks serve the next
 * ones, still one chunk to one arena. */
static void test_spare_chunks_many(void **state)
{
	(void)state;
	enum { N = 40 };
	struct arena a[N];
	void *first[N];
	for (int i = 0; i < N; i++) {
		arena_init(&a[i], 1 << 20);
		first[i] = arena_alloc(&a[i], 100);
		assert_non_null(first[i]);
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(first[i], first[j]);
	}
	for (int i = 0; i < N; i++)
		arena_free(&a[i]);
	/* malloc would reuse the freed blocks for these, were they freed */
	void *other[N];
	for (int i = 0; i < N; i++)
		assert_non_null(other[i] = malloc(100));
	unsigned char *second[N];
	for (int i = 0; i < N; i++) {
		arena_init(&a[i], 1 << 20);
		unsigned char *p = arena_alloc(&a[i], 100);
		assert_non_null(p);
		bool seen = false;
		for (int j = 0; j < N; j++)
			seen = seen || (void *)p == first[j];
		assert_true(seen); /* a kept chunk, taken again */
		for (int j = 0; j < i; j++)
			assert_ptr_not_equal(p, second[j]);
		second[i] = p;
		memset(p, i, 100);
	}
	for (int i = 0; i < N; i++) {
		const unsigned char *p = second[i];
		for (int k = 0; k < 100; k++)
			assert_int_equal(p[k], i);
		arena_free(&a[i]);
		free(other[i]);
	}
}

/* A thread that ends with a kept chunk frees it (the sanitizers' leak
 * check fails this test otherwise), and another thread's chunk is not
 * this thread's. */
static void *spare_thread(void *arg)
{
	struct arena a;
	arena_init(&a, 1 << 20);
	void *p = arena_alloc(&a, 64);
	arena_free(&a); /* kept for this thread until it ends */
	*(void **)arg = p;
	return NULL;
}

static void test_spare_chunk_threads(void **state)
{
	(void)state;
	struct arena a;
	arena_init(&a, 1 << 20);
	void *mine = arena_alloc(&a, 64);
	assert_non_null(mine);
	pthread_t t;
	void *theirs = NULL;
	assert_int_equal(pthread_create(&t, NULL, spare_thread, &theirs), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_non_null(theirs);
	assert_ptr_not_equal(theirs, mine);
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
		cmocka_unit_test(test_spare_chunk),
		cmocka_unit_test(test_spare_chunk_threads),
		cmocka_unit_test(test_spare_chunks_many),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
