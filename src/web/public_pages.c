/* public_pages.c — the public reporting point's HTML pages: home, the
 * report forms, the receipt, the status look-up and help. They work
 * without JavaScript; every text comes from locales/. */
#include <stdio.h>
#include <string.h>

#include "err.h"
#include "form.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "utf8.h"

static struct tpl_vars *vars_new(struct req *r, const char *switch_path)
{
	struct tpl_vars *v = arena_alloc(&r->arena, sizeof *v);
	if (v) {
		memset(v, 0, sizeof *v);
		page_vars(r, v, switch_path);
	}
	return v;
}

static void page_simple(struct req *r, const char *tpl, const char *path, const char *title)
{
	struct tpl_vars *v = vars_new(r, path);
	if (!v)
		return reply_error(r, 500, "internal");
	tpl_set(v, "title", i18n_get(r->lang, title));
	page_reply(r, 200, tpl, v);
}

void public_home(struct req *r)
{
	page_simple(r, "home", "/", "home.title");
}

void public_help(struct req *r)
{
	page_simple(r, "help", "/help", "help.title");
}

void public_status_form(struct req *r)
{
	r->no_store = true;
	page_simple(r, "status_lookup", "/status", "status.title");
}

void public_healthz(struct req *r)
{
	reply_bytes(r, 200, "text/plain; charset=utf-8", "ok\n", 3);
}

/* <option>s for one of the report's value lists, the chosen one selected. */
static const char *options_html(struct req *r, const char *const *values, const char *prefix,
				const char *chosen)
{
	struct buf b;
	buf_init(&b, 16384);
	buf_puts(&b, "<option value=\"\">");
	buf_put_html(&b, i18n_get(r->lang, "form.choose"));
	buf_puts(&b, "</option>");
	for (const char *const *v = values; *v; v++) {
		char key[64];
		snprintf(key, sizeof key, "%s.%s", prefix, *v);
		buf_printf(&b, "<option value=\"%s\"%s>", *v,
			   chosen && strcmp(chosen, *v) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

static const char *kind_or_null(const char *k)
{
	return report_in_list(report_kinds, k) ? k : NULL;
}

/* Fills the variables of the report form for kind, with values from a
 * submitted form (f may be NULL) and its errors (errs may be NULL). */
static void form_vars(struct req *r, struct tpl_vars *v, const char *kind, const struct form *f,
		      const struct field_errors *errs)
{
	char key[64];
	snprintf(key, sizeof key, "report.%s.title", kind);
	tpl_set(v, "title", i18n_get(r->lang, key));
	tpl_set(v, "kind", kind);
	tpl_set(v, strcmp(kind, "abuse_material") == 0	 ? "kind_abuse_material"
		   : strcmp(kind, "exploitation") == 0 ? "kind_exploitation"
						       : "kind_immediate_danger",
		"1");
	static const char *const fields[] = {"urls", "description", "location", "contact_name",
					     "contact_email", "contact_phone", NULL};
	for (const char *const *fl = fields; *fl; fl++) {
		char name[40];
		snprintf(name, sizeof name, "v_%s", *fl);
		tpl_set(v, arena_strdup(&r->arena, name), f ? form_get(f, *fl) : NULL);
	}
	const char *cw = f ? form_get(f, "contact_wanted") : NULL;
	tpl_set(v, "v_contact_wanted", cw && strcmp(cw, "yes") == 0 ? "1" : NULL);
	tpl_set(v, "where_options", options_html(r, report_where_values, "where",
						 f ? form_get(f, "where") : NULL));
	tpl_set(v, "exploitation_options",
		options_html(r, report_exploitation_types, "exploitation_type",
			     f ? form_get(f, "exploitation_type") : NULL));
	if (!errs || !errs->n)
		return;
	/* one message per form field; the API's paths map onto form fields */
	struct buf sum;
	buf_init(&sum, 16384);
	tpl_set(v, "has_errors", "1");
	for (int i = 0; i < errs->n; i++) {
		char field[40];
		snprintf(field, sizeof field, "%s", errs->e[i].field);
		char *br = strchr(field, '[');
		if (br)
			*br = '\0';
		char var[48];
		snprintf(var, sizeof var, "err_%s", field);
		for (char *p = var; *p; p++)
			if (*p == '.')
				*p = '_';
		if (tpl_get(v, var))
			continue;
		const char *msg = page_error_message(r, field, errs->e[i].code);
		tpl_set(v, arena_strdup(&r->arena, var), msg);
		char anchor[48];
		snprintf(anchor, sizeof anchor, "%s", field);
		buf_puts(&sum, "<li><a href=\"#f-");
		buf_put_html(&sum, anchor);
		buf_puts(&sum, "\">");
		buf_put_html(&sum, msg);
		buf_puts(&sum, "</a></li>");
	}
	tpl_set(v, "error_list", arena_strdup(&r->arena, buf_str(&sum)));
	buf_free(&sum);
}

void public_report_form(struct req *r)
{
	const char *kind = kind_or_null(req_query(r, "kind"));
	if (!kind) {
		/* no kind chosen: the home page is the chooser */
		return page_simple(r, "home", "/report", "home.title");
	}
	char path[64];
	snprintf(path, sizeof path, "/report?kind=%s", kind);
	struct tpl_vars *v = vars_new(r, path);
	if (!v)
		return reply_error(r, 500, "internal");
	form_vars(r, v, kind, NULL, NULL);
	page_reply(r, 200, "report_form", v);
}

/* Decodes a form body, answering 400/415 itself when it cannot. */
static struct form *read_form(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0) {
		reply_error(r, 415, "content_type.unsupported");
		return NULL;
	}
	struct form *f = arena_alloc(&r->arena, sizeof *f);
	if (!f) {
		reply_error(r, 500, "internal");
		return NULL;
	}
	int rc = form_parse(buf_str(&r->body), r->body.len, f, &r->arena);
	if (rc) {
		reply_error(r, rc == HL_ETOOBIG ? 413 : 400, rc == HL_ETOOBIG ? "body.too_large" : "form.malformed");
		return NULL;
	}
	for (int i = 0; i < f->n; i++)
		if (!utf8_valid(f->f[i].value, strlen(f->f[i].value))) {
			reply_error(r, 400, "utf8.invalid");
			return NULL;
		}
	/* the form carries the page's language */
	const char *canon;
	if (i18n_supported(form_get(f, "lang"), &canon))
		r->lang = canon;
	return f;
}

static void report_committed(struct req *r)
{
	if (r->job_rc)
		return reply_html_error(r, 503, "store.unavailable");
	struct report *rep = r->state;
	struct tpl_vars *v = vars_new(r, "/status");
	if (!v)
		return reply_error(r, 500, "internal");
	r->no_store = true;
	tpl_set(v, "title", i18n_get(r->lang, "receipt.title"));
	tpl_set(v, "number", r->receipt.number);
	tpl_set(v, "secret", r->receipt.secret);
	if (strcmp(rep->kind, "immediate_danger") == 0)
		tpl_set(v, "kind_immediate_danger", "1");
	page_reply(r, 200, "receipt", v);
}

void public_report_submit(struct req *r)
{
	struct form *f = read_form(r);
	if (!f)
		return;
	const char *kind = kind_or_null(form_get(f, "kind"));
	if (!kind) {
		r->status = 0;
		return public_home(r);
	}
	struct report *rep = arena_alloc(&r->arena, sizeof *rep);
	if (!rep)
		return reply_error(r, 500, "internal");
	memset(rep, 0, sizeof *rep);
	rep->kind = kind;
	rep->channel = "web";
	rep->where_seen = form_get(f, "where");
	rep->exploitation_type = form_get(f, "exploitation_type");
	rep->description = form_get(f, "description");
	rep->location = form_get(f, "location");
	rep->language = r->lang;
	const char *cw = form_get(f, "contact_wanted");
	rep->may_contact = cw && strcmp(cw, "yes") == 0;
	rep->contact_name = form_get(f, "contact_name");
	rep->contact_email = form_get(f, "contact_email");
	rep->contact_phone = form_get(f, "contact_phone");
	struct field_errors errs = {0};
	int rc = report_split_lines(form_get(f, "urls"), REPORT_MAX_URLS + 1, &rep->urls, &rep->nurls,
				    &r->arena);
	if (rc == HL_ETOOBIG)
		field_errors_add(&errs, "urls", "too_many");
	else if (rc)
		return reply_error(r, 500, "internal");
	if (!errs.n)
		rc = report_validate(rep, &errs, &r->arena);
	if (rc == HL_ENOMEM)
		return reply_error(r, 500, "internal");
	if (errs.n) {
		char path[64];
		snprintf(path, sizeof path, "/report?kind=%s", kind);
		struct tpl_vars *v = vars_new(r, path);
		if (!v)
			return reply_error(r, 500, "internal");
		form_vars(r, v, kind, f, &errs);
		return page_reply(r, 422, "report_form", v);
	}
	r->state = rep;
	req_suspend(r, report_committed);
	if (intake_submit_report(r->hl, rep, &r->arena, &r->receipt, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

/* Shows the status page for a report found by number and secret. */
static void status_page(struct req *r, const struct report_view *view, const char *secret,
			const char *notice, const struct field_errors *errs, const struct form *f)
{
	struct tpl_vars *v = vars_new(r, "/status");
	if (!v)
		return reply_error(r, 500, "internal");
	r->no_store = true;
	char key[64];
	tpl_set(v, "title", i18n_get(r->lang, "status.title"));
	tpl_set(v, "number", view->number);
	tpl_set(v, "secret", secret);
	tpl_set(v, "state", arena_strdup(&r->arena, view->state));
	snprintf(key, sizeof key, "state.%s", view->state);
	tpl_set(v, "state_label", i18n_get(r->lang, key));
	snprintf(key, sizeof key, "state.%s.help", view->state);
	tpl_set(v, "state_help", i18n_get(r->lang, key));
	tpl_set(v, "message", view->message);
	if (notice)
		tpl_set(v, "notice", i18n_get(r->lang, notice));
	if (errs && errs->n) {
		const char *code = field_errors_get(errs, "text");
		if (code)
			tpl_set(v, "add_error_text", page_error_message(r, "additions", code));
		code = field_errors_get(errs, "urls");
		if (code)
			tpl_set(v, "add_error_urls", page_error_message(r, "urls", code));
		tpl_set(v, "v_text", f ? form_get(f, "text") : NULL);
		tpl_set(v, "v_urls", f ? form_get(f, "urls") : NULL);
	}
	page_reply(r, errs && errs->n ? 422 : 200, "status", v);
}

/* Looks up number+secret from the form, answering 404/429 itself. */
static bool form_lookup(struct req *r, const struct form *f, struct report_view *view)
{
	uint64_t client = req_client(r);
	unsigned retry = 0;
	bool blocked = ratelimit_blocked(r->hl->lookups, client, &retry);
	int rc = hotline_lookup(r->hl, form_get(f, "number"), form_get(f, "secret"), view, &r->arena);
	if (rc == 0)
		return true; /* the right secret is never turned away */
	if (rc != HL_ENOTFOUND) {
		reply_html_error(r, 503, "store.unavailable");
		return false;
	}
	if (blocked) {
		reply_html_error(r, 429, "rate_limited");
		char s[16];
		snprintf(s, sizeof s, "%u", retry);
		reply_header(r, "Retry-After", s);
		return false;
	}
	ratelimit_fail(r->hl->lookups, client);
	reply_html_error(r, 404, "report.not_found");
	return false;
}

void public_status_lookup(struct req *r)
{
	struct form *f = read_form(r);
	if (!f)
		return;
	struct report_view view;
	if (!form_lookup(r, f, &view))
		return;
	status_page(r, &view, form_get(f, "secret"), NULL, NULL, NULL);
}

struct add_state {
	struct report_view view;
	const char *secret;
};

static void addition_committed(struct req *r)
{
	struct add_state *st = r->state;
	if (r->job_rc)
		return reply_html_error(r, 503, "store.unavailable");
	status_page(r, &st->view, st->secret, "status.added", NULL, NULL);
}

void public_status_add(struct req *r)
{
	struct form *f = read_form(r);
	if (!f)
		return;
	struct add_state *st = arena_alloc(&r->arena, sizeof *st);
	if (!st)
		return reply_error(r, 500, "internal");
	if (!form_lookup(r, f, &st->view))
		return;
	st->secret = form_get(f, "secret");
	const char *text = report_trim(form_get(f, "text"), &r->arena);
	report_newlines_normalise(text);
	const char **urls = NULL;
	size_t nurls = 0;
	struct field_errors errs = {0};
	if (report_split_lines(form_get(f, "urls"), REPORT_MAX_URLS, &urls, &nurls, &r->arena))
		field_errors_add(&errs, "urls", "too_many");
	const char **norms = arena_alloc(&r->arena, (nurls + 1) * sizeof *norms);
	if (!norms)
		return reply_error(r, 500, "internal");
	for (size_t i = 0; i < nurls && !errs.n; i++) {
		const char *code = NULL;
		norms[i] = report_url_normalise(urls[i], &code, &r->arena);
		if (!norms[i])
			field_errors_add(&errs, "urls", code ? code : "url.invalid");
	}
	if (text && utf8_length(text) > REPORT_MAX_TEXT)
		field_errors_add(&errs, "text", "too_long");
	else if (text && utf8_has_controls(text, true))
		field_errors_add(&errs, "text", "control_chars");
	if (!text && !nurls && !errs.n)
		field_errors_add(&errs, "text", "required");
	if (errs.n)
		return status_page(r, &st->view, st->secret, NULL, &errs, f);
	r->state = st;
	req_suspend(r, addition_committed);
	if (intake_submit_addition(r->hl, st->view.id, text, urls, norms, nurls, &r->arena,
				   req_resume, r))
		req_resume(r, HL_ENOMEM);
}
