/* tfree.c — per-thread free lists of objects kept for reuse (see tfree.h). */
#include "tfree.h"

#include <stdlib.h>

/* A thread's list: the objects, newest last (taken first, while warm). */
struct tlist {
	struct tfree *f;
	unsigned n;
	void *obj[];
};

static void tlist_free(void *p)
{
	struct tlist *l = p;
	if (!l)
		return;
	while (l->n)
		l->f->destroy(l->obj[--l->n]);
	free(l);
}

static bool tfree_key(struct tfree *f)
{
	int st = __atomic_load_n(&f->state, __ATOMIC_ACQUIRE);
	if (st)
		return st == 1;
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	if (!f->state)
		__atomic_store_n(&f->state, pthread_key_create(&f->key, tlist_free) == 0 ? 1 : 2,
				 __ATOMIC_RELEASE);
	pthread_mutex_unlock(&lock);
	return __atomic_load_n(&f->state, __ATOMIC_ACQUIRE) == 1;
}

/* This thread's list; made when make is set; NULL when there is none. */
static struct tlist *tlist_of(struct tfree *f, bool make)
{
	if (!tfree_key(f))
		return NULL;
	struct tlist *l = pthread_getspecific(f->key);
	if (l || !make)
		return l;
	l = malloc(sizeof *l + (size_t)f->max * sizeof l->obj[0]);
	if (!l)
		return NULL;
	l->f = f;
	l->n = 0;
	if (pthread_setspecific(f->key, l)) {
		free(l);
		return NULL;
	}
	return l;
}

void *tfree_get(struct tfree *f)
{
	struct tlist *l = tlist_of(f, false);
	return l && l->n ? l->obj[--l->n] : NULL;
}

bool tfree_put(struct tfree *f, void *obj)
{
	struct tlist *l = tlist_of(f, true);
	if (!l || l->n >= f->max)
		return false;
	l->obj[l->n++] = obj;
	return true;
}

void tfree_drop(struct tfree *f)
{
	struct tlist *l = tlist_of(f, false);
	if (!l)
		return;
	tlist_free(l);
	pthread_setspecific(f->key, NULL);
}
