/* embedded_find.c — look-up in the table tools/embed.c generates. */
#include <string.h>

#include "embedded.h"

const struct embedded_file *embedded_find(const char *name)
{
	for (const struct embedded_file *f = embedded_files; f->name; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	return NULL;
}
