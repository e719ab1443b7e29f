/* tpl.c — the template renderer (see tpl.h). */
#include "tpl.h"

#include <stdio.h>
#include <string.h>

#include "embedded.h"
#include "err.h"
#include "i18n.h"

void tpl_set(struct tpl_vars *vars, const char *name, const char *value)
{
	for (int i = 0; i < vars->n; i++)
		if (strcmp(vars->v[i].name, name) == 0) {
			vars->v[i].value = value;
			return;
		}
	if (vars->n < TPL_MAX_VARS) {
		vars->v[vars->n].name = name;
		vars->v[vars->n].value = value;
		vars->n++;
	}
}

static const char *tpl_lookup(const struct tpl_vars *vars, const char *name, size_t n)
{
	for (int i = 0; i < vars->n; i++)
		if (strlen(vars->v[i].name) == n && memcmp(vars->v[i].name, name, n) == 0)
			return vars->v[i].value;
	return NULL;
}

const char *tpl_get(const struct tpl_vars *vars, const char *name)
{
	return tpl_lookup(vars, name, strlen(name));
}

int tpl_put_message(const char *key, const struct tpl_vars *vars, struct buf *out)
{
	const char *msg = i18n_get(vars->lang, key);
	struct buf tmp;
	buf_init(&tmp, 1 << 16);
	int rc = 0;
	for (const char *p = msg; *p && !rc;) {
		const char *close;
		if (*p == '{' && (close = strchr(p + 1, '}')) && close - p > 1 &&
		    strspn(p + 1, "abcdefghijklmnopqrstuvwxyz_0123456789") == (size_t)(close - p - 1)) {
			const char *v = tpl_lookup(vars, p + 1, (size_t)(close - p - 1));
			rc = buf_puts(&tmp, v ? v : "");
			p = close + 1;
		} else {
			rc = buf_putc(&tmp, *p++);
		}
	}
	if (!rc)
		rc = buf_put_html(out, buf_str(&tmp));
	buf_free(&tmp);
	return rc;
}

/* Finds the {{/name}} closing the section whose body starts at p. */
static const char *tpl_section_end(const char *p, const char *end, const char *name, size_t n,
				   const char **after)
{
	int depth = 1;
	while (p < end) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2);
		if (!open)
			return NULL;
		const char *close = memmem(open, (size_t)(end - open), "}}", 2);
		if (!close)
			return NULL;
		const char *t = open + 2;
		if ((*t == '#' || *t == '^' || *t == '/') && (size_t)(close - t - 1) == n &&
		    memcmp(t + 1, name, n) == 0) {
			depth += *t == '/' ? -1 : 1;
			if (depth == 0) {
				*after = close + 2;
				return open;
			}
		}
		p = close + 2;
	}
	return NULL;
}

static _Thread_local int tpl_depth;

int tpl_render_text(const char *src, size_t len, const struct tpl_vars *vars, struct buf *out)
{
	const char *p = src, *end = src + len;
	int rc = 0;
	while (p < end && !rc) {
		const char *open = memmem(p, (size_t)(end - p), "{{", 2);
		if (!open)
			return buf_append(out, p, (size_t)(end - p));
		rc = buf_append(out, p, (size_t)(open - p));
		if (rc)
			break;
		const char *close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (!close)
			return HL_EINVAL;
		const char *t = open + 2;
		char sigil = *t;
		if (sigil == '_' || sigil == '&' || sigil == '>' || sigil == '#' || sigil == '^')
			t++;
		while (*t == ' ')
			t++;
		size_t n = (size_t)(close - t);
		while (n && t[n - 1] == ' ')
			n--;
		char name[96];
		if (n == 0 || n >= sizeof name)
			return HL_EINVAL;
		memcpy(name, t, n);
		name[n] = '\0';
		p = close + 2;
		switch (sigil) {
		case '_':
			rc = tpl_put_message(name, vars, out);
			break;
		case '&': {
			const char *v = tpl_lookup(vars, name, n);
			rc = buf_puts(out, v ? v : "");
			break;
		}
		case '>': {
			char file[128];
			int w = snprintf(file, sizeof file, "web/templates/%s.html", name);
			if (w < 0 || (size_t)w >= sizeof file || tpl_depth > 8)
				return HL_EINVAL;
			tpl_depth++;
			rc = tpl_render(name, vars, out);
			tpl_depth--;
			break;
		}
		case '#':
		case '^': {
			const char *after;
			const char *body_end = tpl_section_end(p, end, name, n, &after);
			if (!body_end)
				return HL_EINVAL;
			const char *v = tpl_lookup(vars, name, n);
			int set = v && *v;
			if ((sigil == '#') == set)
				rc = tpl_render_text(p, (size_t)(body_end - p), vars, out);
			p = after;
			break;
		}
		case '/':
			return HL_EINVAL; /* a close with no open */
		default: {
			const char *v = tpl_lookup(vars, name, n);
			rc = buf_put_html(out, v ? v : "");
		}
		}
	}
	return rc;
}

int tpl_render(const char *name, const struct tpl_vars *vars, struct buf *out)
{
	char file[128];
	int w = snprintf(file, sizeof file, "web/templates/%s.html", name);
	if (w < 0 || (size_t)w >= sizeof file)
		return HL_EINVAL;
	const struct embedded_file *f = embedded_find(file);
	if (!f)
		return HL_ENOTFOUND;
	return tpl_render_text((const char *)f->data, f->len, vars, out);
}
