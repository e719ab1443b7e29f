/* po.c — gettext .po reader (see po.h). */
#include "po.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

enum po_field { PO_NONE, PO_ID, PO_STR };

/* Decodes one quoted string starting at p (pointing at '"') onto out.
 * Returns the position after the closing quote, or NULL on error. */
static const char *po_string(const char *p, const char *end, struct buf *out)
{
	if (p >= end || *p != '"')
		return NULL;
	p++;
	while (p < end && *p != '"') {
		char c = *p++;
		if (c == '\n')
			return NULL;
		if (c == '\\') {
			if (p >= end)
				return NULL;
			char e = *p++;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '"': c = '"'; break;
			case '\\': c = '\\'; break;
			default: return NULL;
			}
		}
		if (buf_putc(out, c))
			return NULL;
	}
	if (p >= end)
		return NULL;
	return p + 1;
}

static int po_cmp(const void *a, const void *b)
{
	return strcmp(((const struct po_entry *)a)->key, ((const struct po_entry *)b)->key);
}

/* By key, then by position: qsort need not be stable. */
static int po_cmp_order(const void *a, const void *b)
{
	const struct po_entry *x = a, *y = b;
	int c = strcmp(x->key, y->key);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static int po_add(struct po_catalog *cat, size_t *cap, struct buf *id, struct buf *str, bool fuzzy)
{
	if (fuzzy || id->len == 0 || str->len == 0)
		return 0;
	if (cat->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		struct po_entry *e = realloc(cat->entries, ncap * sizeof *e);
		if (!e)
			return HL_ENOMEM;
		cat->entries = e;
		*cap = ncap;
	}
	struct po_entry *e = &cat->entries[cat->n];
	e->order = cat->n;
	e->key = strdup(buf_str(id));
	e->text = strdup(buf_str(str));
	if (!e->key || !e->text) {
		free(e->key);
		free(e->text);
		return HL_ENOMEM;
	}
	cat->n++;
	return 0;
}

int po_parse(const char *src, size_t len, struct po_catalog *cat, int *bad_line)
{
	struct buf id, str;
	buf_init(&id, 1 << 16);
	buf_init(&str, 1 << 16);
	size_t cap = 0;
	cat->entries = NULL;
	cat->n = 0;
	enum po_field field = PO_NONE;
	bool fuzzy = false, next_fuzzy = false;
	int line = 0, rc = 0;
	const char *p = src, *end = src + len;

	while (p < end && !rc) {
		line++;
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			eol = end;
		const char *q = p;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		const char *lend = eol;
		while (lend > q && (lend[-1] == '\r' || lend[-1] == ' ' || lend[-1] == '\t'))
			lend--;
		if (q == lend) {
			/* blank line */
		} else if (*q == '#') {
			if (lend - q >= 2 && q[1] == ',' && memmem(q, (size_t)(lend - q), "fuzzy", 5))
				next_fuzzy = true;
		} else if (*q == '"') {
			struct buf *dst = field == PO_ID ? &id : field == PO_STR ? &str : NULL;
			const char *after = dst ? po_string(q, lend, dst) : NULL;
			if (!after || after != lend)
				rc = HL_EINVAL;
		} else if (lend - q > 6 && strncmp(q, "msgid ", 6) == 0) {
			if (field == PO_STR)
				rc = po_add(cat, &cap, &id, &str, fuzzy);
			buf_reset(&id);
			buf_reset(&str);
			fuzzy = next_fuzzy;
			next_fuzzy = false;
			field = PO_ID;
			q += 6;
			if (!rc) {
				const char *after = po_string(q, lend, &id);
				if (!after || after != lend)
					rc = HL_EINVAL;
			}
		} else if (lend - q > 7 && strncmp(q, "msgstr ", 7) == 0 && field == PO_ID) {
			field = PO_STR;
			q += 7;
			const char *after = po_string(q, lend, &str);
			if (!after || after != lend)
				rc = HL_EINVAL;
		} else {
			rc = HL_EINVAL;
		}
		p = eol < end ? eol + 1 : end;
	}
	if (!rc && field == PO_STR)
		rc = po_add(cat, &cap, &id, &str, fuzzy);
	else if (!rc && field == PO_ID)
		rc = HL_EINVAL;
	buf_free(&id);
	buf_free(&str);
	if (rc) {
		if (bad_line)
			*bad_line = line;
		po_free(cat);
		return rc == HL_ENOMEM ? rc : HL_EINVAL;
	}
	if (cat->n == 0)
		return 0;
	qsort(cat->entries, cat->n, sizeof *cat->entries, po_cmp_order);
	/* a key given twice: keep the last one, drop the earlier */
	size_t w = 0;
	for (size_t r = 0; r < cat->n; r++) {
		if (w > 0 && strcmp(cat->entries[w - 1].key, cat->entries[r].key) == 0) {
			free(cat->entries[w - 1].key);
			free(cat->entries[w - 1].text);
			cat->entries[w - 1] = cat->entries[r];
		} else {
			cat->entries[w++] = cat->entries[r];
		}
	}
	cat->n = w;
	return 0;
}

const char *po_get(const struct po_catalog *cat, const char *key)
{
	if (cat->n == 0)
		return NULL;
	struct po_entry k = {.key = (char *)key};
	const struct po_entry *e = bsearch(&k, cat->entries, cat->n, sizeof k, po_cmp);
	return e ? e->text : NULL;
}

void po_free(struct po_catalog *cat)
{
	for (size_t i = 0; i < cat->n; i++) {
		free(cat->entries[i].key);
		free(cat->entries[i].text);
	}
	free(cat->entries);
	cat->entries = NULL;
	cat->n = 0;
}
