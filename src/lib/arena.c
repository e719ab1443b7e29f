/* arena.c — bump allocator (see arena.h). */
#include "arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tfree.h"

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	alignas(max_align_t) unsigned char mem[];
};

#define ARENA_CHUNK 8192

/* Each thread keeps the spent chunks of the usual size, up to 256 (2 MB),
 * for its next arenas (tfree.h), so a request's arena, made and freed in
 * the thread that serves it, costs no malloc and free of 8 KB (a large
 * block to glibc, slower than the small ones it keeps per thread). A server
 * thread has a few hundred requests waiting for a commit at once under load,
 * each with its arena: one kept chunk served one of them. */
static struct tfree spare = TFREE_INIT(256, free);

static struct arena_chunk *chunk_new(size_t cap)
{
	struct arena_chunk *c = cap == ARENA_CHUNK ? tfree_get(&spare) : NULL;
	return c ? c : malloc(sizeof(struct arena_chunk) + cap);
}

static void chunk_free(struct arena_chunk *c)
{
	if (c->cap != ARENA_CHUNK || !tfree_put(&spare, c))
		free(c);
}

void arena_init(struct arena *a, size_t max)
{
	a->head = NULL;
	a->total = 0;
	a->max = max;
}

void *arena_alloc(struct arena *a, size_t n)
{
	const size_t align = alignof(max_align_t);
	if (n > a->max - a->total || n > SIZE_MAX - align)
		return NULL;
	n = (n + align - 1) & ~(align - 1);
	if (n == 0)
		n = align;
	if (n > a->max - a->total)
		return NULL;
	struct arena_chunk *c = a->head;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
		c = chunk_new(cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = a->head;
		a->head = c;
	}
	void *p = c->mem + c->used;
	c->used += n;
	a->total += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (!p)
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_free(struct arena *a)
{
	struct arena_chunk *c = a->head;
	while (c) {
		struct arena_chunk *next = c->next;
		chunk_free(c);
		c = next;
	}
	a->head = NULL;
	a->total = 0;
}
