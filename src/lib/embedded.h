/* embedded.h — files built into the binary by tools/embed.c: templates,
 * the stylesheet, locales, the OpenAPI document and SQL migrations, each
 * named by its path under the source tree ("web/templates/home.html"). */
#ifndef HL_EMBEDDED_H
#define HL_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name;
	const unsigned char *data; /* NUL-terminated, len bytes before the NUL */
	size_t len;
};

/* Terminated by an entry whose name is NULL. */
extern const struct embedded_file embedded_files[];

/* The file called name, or NULL. */
const struct embedded_file *embedded_find(const char *name);

#endif
