/* po.h — a reader for gettext .po catalogues, used as message tables.
 *
 * Hotline's msgids are message keys ("form.title"), the msgstr the text in
 * one language. Supports comments, multi-line strings and the C escapes
 * gettext writes (\n \t \" \\). Entries marked "#, fuzzy" and the header
 * (empty msgid) are skipped. Includes no application header. */
#ifndef HL_PO_H
#define HL_PO_H

#include <stddef.h>

struct po_entry {
	char *key;
	char *text;
	size_t order; /* position in the file, so the last of duplicates wins */
};

struct po_catalog {
	struct po_entry *entries; /* sorted by key; owned by the catalog */
	size_t n;
};

/* Parses src[0..len) into cat. Returns 0, or HL_EINVAL with *bad_line set
 * to the 1-based line of the first syntax error. Free with po_free. */
int po_parse(const char *src, size_t len, struct po_catalog *cat, int *bad_line);
/* The text for key, or NULL when the catalog has none. */
const char *po_get(const struct po_catalog *cat, const char *key);
void po_free(struct po_catalog *cat);

#endif
