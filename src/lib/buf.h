/* buf.h — a growable byte buffer with a hard maximum size.
 *
 * Like curl's dynbuf: a buffer is created with the most it may ever hold,
 * so no input can grow memory without bound. The contents are always
 * NUL-terminated (the NUL is not counted in len). */
#ifndef HL_BUF_H
#define HL_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;  /* NULL until the first append; owned by the buf */
	size_t len;  /* bytes used, not counting the trailing NUL */
	size_t cap;  /* bytes allocated */
	size_t max;  /* the most len may ever reach */
};

/* Sets up an empty buffer that will refuse to grow past max bytes. */
void buf_init(struct buf *b, size_t max);
/* Frees the contents; the buf may be reused after buf_init. */
void buf_free(struct buf *b);
/* Empties the buffer, keeping its memory. */
void buf_reset(struct buf *b);
/* Makes room for n bytes in all (at most max) without changing the contents.
 * Returns 0, HL_ETOOBIG or HL_ENOMEM. */
int buf_reserve(struct buf *b, size_t n);
/* Appends n bytes. Returns 0, or HL_ETOOBIG past max, HL_ENOMEM. */
int buf_append(struct buf *b, const void *p, size_t n);
/* Appends a NUL-terminated string. */
int buf_puts(struct buf *b, const char *s);
/* Appends one byte. */
int buf_putc(struct buf *b, char c);
/* Appends formatted text; fails with HL_ETOOBIG rather than truncating. */
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with HTML's five special characters escaped. */
int buf_put_html(struct buf *b, const char *s);
/* Returns the contents (never NULL: "" when empty). */
const char *buf_str(const struct buf *b);
/* Hands the contents over to the caller (free() them); the buf is empty after. */
char *buf_steal(struct buf *b);

#endif
