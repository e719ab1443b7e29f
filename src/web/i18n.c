/* i18n.c — catalogues and language negotiation (see i18n.h). */
#include "i18n.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "err.h"
#include "log.h"
#include "po.h"

const char *const i18n_languages[] = {"en", "fr", "nl", "de", NULL};
#define NLANG 4

static struct po_catalog catalogs[NLANG];

static int lang_index(const char *lang)
{
	for (int i = 0; i < NLANG; i++)
		if (lang && strcmp(lang, i18n_languages[i]) == 0)
			return i;
	return -1;
}

int i18n_init(void)
{
	for (int i = 0; i < NLANG; i++) {
		char name[32];
		snprintf(name, sizeof name, "locales/%s.po", i18n_languages[i]);
		const struct embedded_file *f = embedded_find(name);
		if (!f) {
			log_error("missing catalogue %s", name);
			return HL_EINVAL;
		}
		int bad = 0;
		if (po_parse((const char *)f->data, f->len, &catalogs[i], &bad)) {
			log_error("%s: syntax error on line %d", name, bad);
			return HL_EINVAL;
		}
	}
	return 0;
}

void i18n_free(void)
{
	for (int i = 0; i < NLANG; i++)
		po_free(&catalogs[i]);
}

const char *i18n_get(const char *lang, const char *key)
{
	int i = lang_index(lang);
	const char *t = i >= 0 ? po_get(&catalogs[i], key) : NULL;
	if (!t)
		t = po_get(&catalogs[0], key);
	/* never hand back the caller's buffer: it may not outlive the page */
	return t ? t : "";
}

bool i18n_has(const char *lang, const char *key)
{
	int i = lang_index(lang);
	return i >= 0 && po_get(&catalogs[i], key) != NULL;
}

bool i18n_supported(const char *lang, const char **canon)
{
	int i = lang_index(lang);
	if (i < 0)
		return false;
	if (canon)
		*canon = i18n_languages[i];
	return true;
}

const char *i18n_pick(const char *query, const char *al)
{
	const char *canon;
	if (query && i18n_supported(query, &canon))
		return canon;
	if (!al)
		return "en";
	/* "fr-BE,fr;q=0.9,en;q=0.8": best q wins, earlier wins ties */
	const char *best = "en";
	double best_q = -1;
	const char *p = al;
	for (int items = 0; *p && items < 32; items++) {
		while (*p == ' ' || *p == ',')
			p++;
		char tag[3] = {0};
		size_t n = 0;
		while (isalpha((unsigned char)p[n]) && n < 8)
			n++;
		if (n == 2) {
			tag[0] = (char)tolower((unsigned char)p[0]);
			tag[1] = (char)tolower((unsigned char)p[1]);
		}
		const char *end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		double q = 1.0;
		const char *semi = memchr(p, ';', (size_t)(end - p));
		if (semi) {
			/* "; q = 0.5": spaces are allowed around ';' and '=' */
			const char *qp = semi + 1;
			while (qp < end && (*qp == ' ' || *qp == '\t'))
				qp++;
			if (qp < end && (*qp == 'q' || *qp == 'Q')) {
				qp++;
				while (qp < end && (*qp == ' ' || *qp == '\t'))
					qp++;
				if (qp < end && *qp == '=') {
					qp++;
					while (qp < end && (*qp == ' ' || *qp == '\t'))
						qp++;
					char *e;
					q = strtod(qp, &e);
					if (e == qp || e > end || q < 0 || q > 1)
						q = 0;
				} else {
					q = 0;
				}
			}
		}
		if (tag[0] && q > 0 && q > best_q && i18n_supported(tag, &canon)) {
			best = canon;
			best_q = q;
		}
		p = end;
	}
	return best;
}
