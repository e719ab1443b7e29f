/* form.c — URL-encoded form decoding (see form.h). */
#include "form.h"

#include <string.h>

#include "err.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes s[0..n) into the arena; NULL on a bad escape or a NUL byte. */
static char *form_decode(const char *s, size_t n, struct arena *a, int *rc)
{
	char *out = arena_alloc(a, n + 1);
	if (!out) {
		*rc = HL_ENOMEM;
		return NULL;
	}
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+') {
			c = ' ';
		} else if (c == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
			if (hi < 0 || lo < 0) {
				*rc = HL_EINVAL;
				return NULL;
			}
			c = (char)(hi * 16 + lo);
			i += 2;
		}
		if (c == '\0') {
			*rc = HL_EINVAL;
			return NULL;
		}
		out[k++] = c;
	}
	out[k] = '\0';
	return out;
}

int form_parse(const char *body, size_t len, struct form *f, struct arena *a)
{
	f->n = 0;
	const char *p = body, *end = body + len;
	int rc = 0;
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		if (amp > p) {
			const char *eq = memchr(p, '=', (size_t)(amp - p));
			const char *nend = eq ? eq : amp;
			if (f->n == FORM_MAX_FIELDS)
				return HL_ETOOBIG;
			char *name = form_decode(p, (size_t)(nend - p), a, &rc);
			char *value = name ? form_decode(eq ? eq + 1 : amp, eq ? (size_t)(amp - eq - 1) : 0,
							 a, &rc)
					   : NULL;
			if (!name || !value)
				return rc;
			f->f[f->n].name = name;
			f->f[f->n].value = value;
			f->n++;
		}
		p = amp < end ? amp + 1 : end;
	}
	return 0;
}

const char *form_get(const struct form *f, const char *name)
{
	for (int i = 0; i < f->n; i++)
		if (strcmp(f->f[i].name, name) == 0)
			return f->f[i].value;
	return NULL;
}
