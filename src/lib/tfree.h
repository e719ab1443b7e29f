/* tfree.h — per-thread free lists of objects kept for reuse.
 *
 * A server thread makes and drops many objects of one kind with hundreds
 * alive at once (requests waiting for a commit), more than glibc's
 * per-thread cache keeps. A tfree keeps up to max dropped objects per
 * thread for that thread's next use: an object is taken off the list
 * before it is used, so two users never share one, and only the owning
 * thread touches its list. A thread's list is emptied (destroy on each)
 * when the thread ends.
 *
 *     static struct tfree chunks = TFREE_INIT(256, free);
 *     void *p = tfree_get(&chunks);          // NULL: none kept
 *     if (!tfree_put(&chunks, p)) free(p);   // false: the list is full
 */
#ifndef HL_TFREE_H
#define HL_TFREE_H

#include <pthread.h>
#include <stdbool.h>

struct tfree {
	unsigned max;               /* objects a thread keeps at most */
	void (*destroy)(void *obj); /* frees one object */
	int state;                  /* 0: no key yet, 1: key, 2: no key possible */
	pthread_key_t key;
};

#define TFREE_INIT(max_, destroy_) {.max = (max_), .destroy = (destroy_)}

/* An object this thread kept, or NULL. */
void *tfree_get(struct tfree *f);
/* Keeps obj for this thread; false when it cannot (the list is full, or
 * no memory for it): the caller frees obj then. */
bool tfree_put(struct tfree *f, void *obj);
/* Frees what this thread keeps now (for a thread that will not end, such
 * as the main thread before exit). */
void tfree_drop(struct tfree *f);

#endif
