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

/* ---- multipart/form-data ------------------------------------------------ */

#include <microhttpd.h>
#include <stdlib.h>

#include "buf.h"

struct mp_state {
	struct {
		char *name;
		struct buf value;
	} p[FORM_MAX_FIELDS];
	int n;
	int rc;
	size_t max;
};

static enum MHD_Result mp_iter(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	struct mp_state *s = cls;
	if (!key)
		return MHD_YES;
	int i = s->n - 1;
	/* a new part starts at offset 0 (or a new name) */
	if (i < 0 || off == 0 || strcmp(s->p[i].name, key) != 0) {
		if (s->n == FORM_MAX_FIELDS) {
			s->rc = HL_ETOOBIG;
			return MHD_NO;
		}
		i = s->n++;
		s->p[i].name = strdup(key);
		buf_init(&s->p[i].value, s->max);
		if (!s->p[i].name) {
			s->rc = HL_ENOMEM;
			return MHD_NO;
		}
	}
	if (size && (memchr(data, '\0', size) || buf_append(&s->p[i].value, data, size))) {
		s->rc = memchr(data, '\0', size) ? HL_EINVAL : HL_ETOOBIG;
		return MHD_NO;
	}
	return MHD_YES;
}

int form_parse_multipart(struct MHD_Connection *conn, const char *body, size_t len, struct form *f,
			 struct arena *a)
{
	memset(f, 0, sizeof *f);
	struct mp_state *s = calloc(1, sizeof *s);
	if (!s)
		return HL_ENOMEM;
	s->max = len + 1;
	struct MHD_PostProcessor *pp = MHD_create_post_processor(conn, 65536, mp_iter, s);
	int rc = 0;
	if (!pp) {
		rc = HL_EINVAL;
	} else {
		if (MHD_post_process(pp, body, len) != MHD_YES && !s->rc)
			s->rc = HL_EINVAL;
		if (MHD_destroy_post_processor(pp) != MHD_YES && !s->rc)
			s->rc = HL_EINVAL;
		rc = s->rc;
	}
	for (int i = 0; i < s->n; i++) {
		if (!rc) {
			f->f[f->n].name = arena_strdup(a, s->p[i].name);
			f->f[f->n].value = arena_strndup(a, s->p[i].value.len ? buf_str(&s->p[i].value) : "",
							 s->p[i].value.len);
			if (!f->f[f->n].name || !f->f[f->n].value)
				rc = HL_ENOMEM;
			f->n++;
		}
		free(s->p[i].name);
		buf_free(&s->p[i].value);
	}
	free(s);
	return rc;
}
