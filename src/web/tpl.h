/* tpl.h — HTML templates, escaped by default.
 *
 * Templates live in web/templates/ and are built into the binary. Syntax:
 *   {{name}}        the variable, HTML-escaped
 *   {{& name}}      the variable as is: only for HTML the program made
 *   {{_ key}}       the message key in the page's language, escaped;
 *                   "{name}" inside the message is replaced by the
 *                   variable, escaped
 *   {{#name}}..{{/name}}  the block when the variable is set and not ""
 *   {{^name}}..{{/name}}  the block when it is not
 *   {{> name}}      another template (web/templates/name.html)
 * An unknown variable renders as "". */
#ifndef HL_TPL_H
#define HL_TPL_H

#include "buf.h"

#define TPL_MAX_VARS 128

struct tpl_vars {
	const char *lang;
	int n;
	struct {
		const char *name;
		const char *value;
	} v[TPL_MAX_VARS];
};

/* Sets (or replaces) a variable; value is borrowed and may be NULL. */
void tpl_set(struct tpl_vars *vars, const char *name, const char *value);
const char *tpl_get(const struct tpl_vars *vars, const char *name);
/* Renders template name onto out. Returns 0, HL_ENOTFOUND for an unknown
 * template, HL_EINVAL for a syntax error, HL_ETOOBIG. */
int tpl_render(const char *name, const struct tpl_vars *vars, struct buf *out);
/* Renders template text src (for tests and the renderer itself). */
int tpl_render_text(const char *src, size_t len, const struct tpl_vars *vars, struct buf *out);
/* Writes the message key in vars->lang, with {name} substitution, escaped. */
int tpl_put_message(const char *key, const struct tpl_vars *vars, struct buf *out);

#endif
