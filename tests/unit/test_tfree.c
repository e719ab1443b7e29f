/* Per-thread free lists (src/lib/tfree.c): what a thread keeps comes back
 * to it and to no other thread, the cap holds, and kept objects are
 * destroyed when their thread ends or the list is dropped. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>

#include "tfree.h"

static int destroyed; /* objects destroyed (under the tests' lock) */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void destroy(void *p)
{
	pthread_mutex_lock(&lock);
	destroyed++;
	pthread_mutex_unlock(&lock);
	free(p);
}

/* read under the lock, asserted outside it (a failed assertion leaves) */
static int ndestroyed(void)
{
	pthread_mutex_lock(&lock);
	int n = destroyed;
	pthread_mutex_unlock(&lock);
	return n;
}

static struct tfree objs = TFREE_INIT(4, destroy);

static void test_get_put(void **state)
{
	(void)state;
	assert_null(tfree_get(&objs)); /* nothing kept yet */
	void *a = malloc(16), *b = malloc(16);
	assert_true(tfree_put(&objs, a));
	assert_true(tfree_put(&objs, b));
	assert_ptr_equal(tfree_get(&objs), b); /* the newest first */
	assert_ptr_equal(tfree_get(&objs), a);
	assert_null(tfree_get(&objs));
	free(a);
	free(b);
}

static void test_cap(void **state)
{
	(void)state;
	void *v[5];
	for (int i = 0; i < 5; i++)
		v[i] = malloc(16);
	for (int i = 0; i < 4; i++)
		assert_true(tfree_put(&objs, v[i]));
	assert_false(tfree_put(&objs, v[4])); /* full: the caller frees it */
	free(v[4]);
	for (int i = 3; i >= 0; i--)
		assert_ptr_equal(tfree_get(&objs), v[i]);
	assert_null(tfree_get(&objs));
	for (int i = 0; i < 4; i++)
		free(v[i]);
}

struct seen {
	void *got;
	int kept;
};

/* Takes nothing of the main thread's, keeps two of its own and ends. */
static void *other_thread(void *arg)
{
	struct seen *s = arg;
	s->got = tfree_get(&objs);
	s->kept = tfree_put(&objs, malloc(16)) + tfree_put(&objs, malloc(16));
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	void *mine = malloc(16);
	assert_true(tfree_put(&objs, mine));
	int before = ndestroyed();
	struct seen s = {0};
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, other_thread, &s), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_null(s.got);          /* another thread's list is not this one's */
	assert_int_equal(s.kept, 2); /* its own two, destroyed when it ended: */
	assert_int_equal(ndestroyed() - before, 2);
	assert_ptr_equal(tfree_get(&objs), mine); /* still here */
	free(mine);
}

static void test_drop(void **state)
{
	(void)state;
	assert_true(tfree_put(&objs, malloc(16)));
	assert_true(tfree_put(&objs, malloc(16)));
	int before = ndestroyed();
	tfree_drop(&objs);
	assert_int_equal(ndestroyed() - before, 2);
	assert_null(tfree_get(&objs));
	tfree_drop(&objs); /* nothing kept: nothing happens */
	assert_int_equal(ndestroyed() - before, 2);
	assert_true(tfree_put(&objs, malloc(16))); /* usable again */
	tfree_drop(&objs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_put),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_drop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
