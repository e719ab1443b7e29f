/* profile.c — organisation profile (see profile.h). */
#include "profile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

#define PROFILE_MAX_BYTES (256 * 1024)

struct profile {
	char **keys, **values;
	size_t n;
};

void profile_free(struct profile *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->keys[i]);
		free(p->values[i]);
	}
	free(p->keys);
	free(p->values);
	free(p);
}

static char *trim_dup(const char *s, const char *e)
{
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		e--;
	return strndup(s, (size_t)(e - s));
}

int profile_parse(const char *text, size_t len, struct profile **out, int *bad_line)
{
	struct profile *p = calloc(1, sizeof *p);
	if (!p)
		return HL_ENOMEM;
	size_t cap = 0;
	int line = 0;
	const char *s = text, *end = text + len;
	while (s < end) {
		line++;
		const char *eol = memchr(s, '\n', (size_t)(end - s));
		if (!eol)
			eol = end;
		const char *q = s;
		while (q < eol && (*q == ' ' || *q == '\t' || *q == '\r'))
			q++;
		if (q < eol && *q != '#') {
			const char *eq = memchr(q, '=', (size_t)(eol - q));
			if (!eq || eq == q) {
				if (bad_line)
					*bad_line = line;
				profile_free(p);
				return HL_EINVAL;
			}
			if (p->n == cap) {
				cap = cap ? cap * 2 : 32;
				char **k = realloc(p->keys, cap * sizeof *k);
				if (k)
					p->keys = k;
				char **v = realloc(p->values, cap * sizeof *v);
				if (v)
					p->values = v;
				if (!k || !v) {
					profile_free(p);
					return HL_ENOMEM;
				}
			}
			p->keys[p->n] = trim_dup(q, eq);
			p->values[p->n] = trim_dup(eq + 1, eol);
			p->n++;
			if (!p->keys[p->n - 1] || !p->values[p->n - 1]) {
				profile_free(p);
				return HL_ENOMEM;
			}
		}
		s = eol < end ? eol + 1 : end;
	}
	*out = p;
	return 0;
}

int profile_load(const char *path, struct profile **out, int *bad_line)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return HL_EIO;
	struct buf b;
	buf_init(&b, PROFILE_MAX_BYTES);
	char chunk[4096];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = buf_append(&b, chunk, n);
	if (ferror(f))
		rc = HL_EIO;
	fclose(f);
	if (!rc)
		rc = profile_parse(buf_str(&b), b.len, out, bad_line);
	buf_free(&b);
	return rc;
}

const char *profile_get(const struct profile *p, const char *key, const char *lang)
{
	const char *plain = "";
	size_t klen = strlen(key);
	for (size_t i = p->n; i-- > 0;) {
		const char *k = p->keys[i];
		if (lang && strncmp(k, key, klen) == 0 && k[klen] == '.' && strcmp(k + klen + 1, lang) == 0)
			return p->values[i];
	}
	for (size_t i = p->n; i-- > 0;)
		if (strcmp(p->keys[i], key) == 0) {
			plain = p->values[i];
			break;
		}
	return plain;
}
