/* arena.h — a bump allocator for request-scoped memory.
 *
 * Everything allocated from an arena is freed at once by arena_free; no
 * allocation is ever freed alone. Each HTTP request owns one. A thread
 * keeps up to 256 freed chunks of the usual size (8 KB) for its next arenas
 * (freed when the thread ends). */
#ifndef HL_ARENA_H
#define HL_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
	struct arena_chunk *head;
	size_t total; /* bytes handed out, for the limit */
	size_t max;   /* the most this arena may hand out */
};

void arena_init(struct arena *a, size_t max);
/* n bytes aligned for any type, or NULL when out of memory or over max. */
void *arena_alloc(struct arena *a, size_t n);
/* A copy of s[0..n) with a NUL after it. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
void arena_free(struct arena *a);

#endif
