/* page.c — common page variables and rendering (see page.h). */
#include "page.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "campaign.h"
#include "i18n.h"

static const char *const profile_keys[] = {
	"org_name", "org_phone", "org_email", "org_website", "emergency_number",
	"police_number", "child_helpline_name", "child_helpline_number", "worried_name",
	"worried_phone", "worried_url", "example", NULL,
};

void page_vars(struct req *r, struct tpl_vars *vars, const char *switch_path)
{
	vars->lang = r->lang;
	tpl_set(vars, "lang", r->lang);
	for (const char *const *k = profile_keys; *k; k++) {
		const char *v = profile_get(r->hl->profile, *k, r->lang);
		tpl_set(vars, *k, v);
	}
	/* the language switch: each language named in itself */
	struct buf nav;
	buf_init(&nav, 4096);
	buf_printf(&nav, "<nav class=\"languages\" aria-label=\"");
	buf_put_html(&nav, i18n_get(r->lang, "nav.languages"));
	buf_puts(&nav, "\"><ul>");
	const char *sep = strchr(switch_path, '?') ? "&amp;" : "?";
	for (const char *const *l = i18n_languages; *l; l++) {
		bool here = strcmp(*l, r->lang) == 0;
		buf_puts(&nav, "<li><a href=\"");
		buf_put_html(&nav, switch_path);
		buf_printf(&nav, "%slang=%s\" hreflang=\"%s\" lang=\"%s\"%s>", sep, *l, *l, *l,
			   here ? " aria-current=\"true\"" : "");
		buf_put_html(&nav, i18n_get(*l, "language.name"));
		buf_puts(&nav, "</a></li>");
	}
	buf_puts(&nav, "</ul></nav>");
	tpl_set(vars, "lang_nav", arena_strdup(&r->arena, buf_str(&nav)));
	/* awareness campaign (issue 7): the banner within the campaign dates */
	if (r->hl->campaign &&
	    campaign_dates_active(profile_get(r->hl->profile, "campaign_start", NULL),
				  profile_get(r->hl->profile, "campaign_end", NULL), time(NULL))) {
		tpl_set(vars, "campaign_on", "1");
		tpl_set(vars, "campaign_reason", profile_get(r->hl->profile, "campaign_reason", r->lang));
	}
	buf_free(&nav);
}

void page_reply(struct req *r, unsigned status, const char *tpl, struct tpl_vars *vars)
{
	struct buf out;
	buf_init(&out, 1u << 20);
	int rc = tpl_render(tpl, vars, &out);
	if (rc) {
		buf_free(&out);
		reply_bytes(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
		return;
	}
	reply_bytes(r, status, "text/html; charset=utf-8", out.data, out.len);
	buf_free(&out);
}

const char *page_error_message(struct req *r, const char *field, const char *code)
{
	char key[96];
	if (field) {
		int w = snprintf(key, sizeof key, "error.%s.%s", field, code);
		if (w > 0 && (size_t)w < sizeof key && i18n_has("en", key))
			return i18n_get(r->lang, key);
	}
	snprintf(key, sizeof key, "error.%s", code);
	return i18n_get(r->lang, key);
}

void reply_html_error(struct req *r, unsigned status, const char *code)
{
	struct tpl_vars *vars = arena_alloc(&r->arena, sizeof *vars);
	if (!vars) {
		reply_bytes(r, 500, "text/plain; charset=utf-8", "internal error\n", 15);
		return;
	}
	memset(vars, 0, sizeof *vars);
	page_vars(r, vars, "/");
	char key[64];
	snprintf(key, sizeof key, "page.error.%s", code);
	tpl_set(vars, "error_title_key", code);
	tpl_set(vars, "error_message", page_error_message(r, NULL, code));
	tpl_set(vars, "title", i18n_get(r->lang, i18n_has("en", key) ? key : "page.error.title"));
	page_reply(r, status, "error", vars);
}
