/* console_items.c — online material in the console and the staff API:
 * the items list, an item's page (assessment, hosting correction, routing
 * confirmation, removal and re-appearance, reminders), the directory, the
 * statistics page (charts drawn here as SVG, each with its table) and its
 * CSV and JSON exports. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "classify.h"
#include "core/items.h"
#include "err.h"
#include "form.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "routing.h"
#include "stats.h"
#include "utf8.h"

#define ITEMS_PAGE 50

static const char *label(struct req *r, const char *prefix, const char *value)
{
	char key[96];
	snprintf(key, sizeof key, "%s%s", prefix, value ? value : "");
	const char *s = i18n_get(r->lang, key);
	return s && *s && strcmp(s, key) != 0 ? s : value ? value : "";
}

static bool parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || v <= 0)
		return false;
	*id = v;
	return true;
}

static void put_time(struct buf *b, int64_t t)
{
	char s[21];
	items_format_time(t, s);
	buf_puts(b, t ? s : "—");
}

static const char *dup_buf(struct req *r, struct buf *b)
{
	const char *s = arena_strdup(&r->arena, buf_str(b));
	buf_reset(b);
	return s;
}

/* ---- the list ---- */

static void items_filter_from(struct req *r, struct items_filter *f)
{
	memset(f, 0, sizeof *f);
	static const char *const states[] = {"new", "illegal", "not_illegal", "notified", "removed",
					     NULL};
	const char *st = req_query(r, "state");
	if (st && report_in_list(states, st))
		f->state = st;
	const char *show = req_query(r, "show");
	f->open = show && strcmp(show, "open") == 0;
	f->reminders_due = show && strcmp(show, "due") == 0;
	const char *after = req_query(r, "after");
	int64_t a;
	if (after && parse_id(after, &a))
		f->after = a;
}

void console_items(struct req *r)
{
	struct items_filter f;
	items_filter_from(r, &f);
	struct item_view *rows;
	size_t n;
	if (items_list(r->hl, &f, ITEMS_PAGE + 1, &rows, &n, &r->arena))
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "items.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n && i < ITEMS_PAGE; i++) {
		const struct item_view *it = &rows[i];
		buf_printf(&b, "<tr%s><td><a href=\"/items/%" PRId64 "\">%" PRId64 "</a></td><td><code>",
			   it->reopened || it->reminder_due ? " class=\"overdue\"" : "", it->id, it->id);
		buf_put_html(&b, it->url);
		buf_printf(&b, "</code></td><td class=\"count\">%" PRId64 "</td><td>", it->report_count);
		buf_put_html(&b, label(r, "item.state.", it->state));
		if (it->reopened) {
			buf_puts(&b, " <strong>");
			buf_put_html(&b, i18n_get(r->lang, "item.reopened"));
			buf_puts(&b, "</strong>");
		}
		if (it->reminder_due) {
			buf_puts(&b, " <strong>");
			buf_put_html(&b, i18n_get(r->lang, "item.reminder_due"));
			buf_puts(&b, "</strong>");
		}
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, it->country ? it->country : "");
		buf_puts(&b, "</td><td>");
		if (it->asn)
			buf_printf(&b, "AS%" PRId64 " ", it->asn);
		buf_put_html(&b, it->as_name ? it->as_name : "");
		buf_puts(&b, "</td><td>");
		put_time(&b, it->first_reported_at);
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "rows", n ? dup_buf(r, &b) : NULL);
	if (n > ITEMS_PAGE) {
		char href[160];
		const char *show = req_query(r, "show");
		snprintf(href, sizeof href, "/items?state=%s&show=%s&after=%" PRId64,
			 f.state ? f.state : "", show && (f.open || f.reminders_due) ? show : "",
			 rows[ITEMS_PAGE - 1].id);
		tpl_set(v, "next_href", arena_strdup(&r->arena, href));
	}
	buf_free(&b);
	page_reply(r, 200, "console_items", v);
}

/* ---- an item ---- */

static void item_page(struct req *r, int64_t id, unsigned status, const char *error)
{
	struct item_view it;
	int rc = items_get(r->hl, id, &it, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char obj[24];
	snprintf(obj, sizeof obj, "%" PRId64, id);
	if (audit_append(r->hl, r->who.actor, "item.read", "item", obj, NULL))
		return reply_error(r, 503, "store.unavailable"); /* no audit, no page */
	struct tpl_vars *v = console_page_vars(r, "item.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	tpl_set(v, "id", arena_strdup(&r->arena, obj));
	tpl_set(v, "url", it.url);
	tpl_set(v, "host", it.host);
	tpl_set(v, "state_label", label(r, "item.state.", it.state));
	tpl_set(v, "state", it.state);
	if (it.reopened)
		tpl_set(v, "reopened", "1");
	char num[32];
	snprintf(num, sizeof num, "%" PRId64, it.report_count);
	tpl_set(v, "report_count", arena_strdup(&r->arena, num));
	tpl_set(v, "error", error ? i18n_get(r->lang, error) : NULL);
	struct buf b;
	buf_init(&b, 1u << 20);
	/* the timeline */
	static const char *const steps[] = {"first_reported", "assessed", "notified", "removed",
					    "reappeared", "reopened", "last_reported"};
	int64_t times[] = {it.first_reported_at, it.assessed_at, it.notified_at, it.removed_at,
			   it.reappeared_at, it.reopened_at, it.last_reported_at};
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		char key[48];
		snprintf(key, sizeof key, "item.step.%s", steps[i]);
		buf_printf(&b, "<dt>");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_printf(&b, "</dt><dd id=\"t-%s\">", steps[i]);
		put_time(&b, times[i]);
		buf_puts(&b, "</dd>");
	}
	if (it.reminder_due) {
		buf_puts(&b, "<dt>");
		buf_put_html(&b, i18n_get(r->lang, "item.reminder_due"));
		buf_printf(&b, "</dt><dd id=\"reminder-due\">%s</dd>",
			   it.reminder_due == 1 ? "24 h" : it.reminder_due == 2 ? "72 h" : "7 d");
		tpl_set(v, "can_remind", "1");
	}
	tpl_set(v, "timeline", dup_buf(r, &b));
	/* hosting */
	tpl_set(v, "addresses", it.addresses);
	tpl_set(v, "country", it.country);
	if (it.asn) {
		snprintf(num, sizeof num, "%" PRId64, it.asn);
		tpl_set(v, "asn", arena_strdup(&r->arena, num));
	}
	tpl_set(v, "as_name", it.as_name);
	tpl_set(v, "resolve_label", label(r, "item.resolve.", it.resolve_state));
	tpl_set(v, "hosting_note", it.hosting_note);
	/* linked reports */
	const char **numbers;
	size_t nn;
	if (items_report_numbers(r->hl, id, 100, &numbers, &nn, &r->arena) == 0)
		for (size_t i = 0; i < nn; i++)
			buf_printf(&b, "<li><a href=\"/reports/%s\">%s</a></li>", numbers[i], numbers[i]);
	tpl_set(v, "reports", b.len ? dup_buf(r, &b) : NULL);
	/* assessment: outcome and the scheme's fields */
	bool assessable = strcmp(it.state, "new") == 0 || it.reopened ||
			  strcmp(it.state, "illegal") == 0 || strcmp(it.state, "not_illegal") == 0;
	if (assessable) {
		tpl_set(v, "can_assess", "1");
		const struct classify_scheme *sch = r->hl->scheme;
		for (size_t i = 0; i < sch->nfields; i++) {
			const struct classify_field *f = &sch->fields[i];
			buf_printf(&b, "<div class=\"field\"><label for=\"c-%s\">", f->name);
			buf_put_html(&b, f->label);
			buf_printf(&b, "</label><select id=\"c-%s\" name=\"%s\"><option value=\"\"></option>",
				   f->name, f->name);
			for (size_t k = 0; k < f->nvalues; k++) {
				buf_puts(&b, "<option value=\"");
				buf_put_html(&b, f->values[k].value);
				buf_puts(&b, "\">");
				buf_put_html(&b, f->values[k].label);
				buf_puts(&b, "</option>");
			}
			buf_puts(&b, "</select></div>");
		}
		tpl_set(v, "classify_fields", dup_buf(r, &b));
	}
	if (it.classification)
		tpl_set(v, "classification", it.classification);
	/* routing */
	if (strcmp(it.state, "illegal") == 0 || strcmp(it.state, "notified") == 0) {
		struct routing_proposal props[2];
		int np = 0;
		if (routing_propose(r->hl, id, props, &np, &r->arena) == 0) {
			for (int i = 0; i < np; i++) {
				char key[64];
				snprintf(key, sizeof key, "routing.%s", props[i].rule);
				buf_printf(&b, "<li id=\"rule-%s\"><label>", props[i].rule);
				if (props[i].found)
					buf_printf(&b, "<input type=\"checkbox\" name=\"rule_%d\" value=\"%s\" checked> ",
						   i, props[i].rule);
				buf_put_html(&b, i18n_get(r->lang, key));
				buf_puts(&b, ": ");
				if (props[i].found) {
					buf_put_html(&b, props[i].entry.name);
					buf_puts(&b, " &lt;");
					buf_put_html(&b, props[i].entry.email);
					buf_puts(&b, "&gt;");
					if (props[i].entry.sample) {
						buf_puts(&b, " <strong>");
						buf_put_html(&b, i18n_get(r->lang, "directory.sample"));
						buf_puts(&b, "</strong>");
					}
				} else {
					buf_put_html(&b, i18n_get(r->lang, "routing.no_recipient"));
				}
				buf_puts(&b, "</label></li>");
			}
			tpl_set(v, "routing", dup_buf(r, &b));
		}
	}
	if (strcmp(it.state, "notified") == 0 || strcmp(it.state, "illegal") == 0)
		tpl_set(v, "can_remove", "1");
	if (strcmp(it.state, "removed") == 0)
		tpl_set(v, "can_reappear", "1");
	buf_free(&b);
	page_reply(r, status, "console_item", v);
}

void console_item(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	item_page(r, id, 200, NULL);
}

static const char *form_param(void *arg, const char *name)
{
	return arg ? form_get(arg, name) : NULL;
}

static void console_item_act(struct req *r, const char *action)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	const char *code = NULL, *field = NULL;
	int rc;
	if (strcmp(action, "notify") == 0) {
		/* the confirmed rules: one checkbox each */
		struct buf b;
		buf_init(&b, 4096);
		for (int i = 0; i < 4; i++) {
			char name[16];
			snprintf(name, sizeof name, "rule_%d", i);
			const char *v = form_get(r->form, name);
			if (v && *v && strlen(v) < 64) {
				if (b.len)
					buf_putc(&b, ',');
				buf_puts(&b, v);
			}
		}
		rc = routing_send(r->hl, &r->who, id, buf_str(&b), &code, &r->arena);
		buf_free(&b);
	} else if (strcmp(action, "remind") == 0) {
		rc = routing_remind(r->hl, &r->who, id, &code, &r->arena);
	} else {
		rc = items_act(r->hl, &r->who, id, action, form_param, r->form, &code, &field,
			       &r->arena);
	}
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EPERM)
		return reply_error(r, 403, "forbidden");
	if (rc == HL_EINVAL) {
		char key[64];
		snprintf(key, sizeof key, "item.error.%s", code ? code : "invalid");
		return item_page(r, id, 422, arena_strdup(&r->arena, key));
	}
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char loc[48];
	snprintf(loc, sizeof loc, "/items/%" PRId64, id);
	reply_redirect(r, loc);
}

void console_item_assess(struct req *r) { console_item_act(r, "assess"); }
void console_item_removed(struct req *r) { console_item_act(r, "removed"); }
void console_item_reappeared(struct req *r) { console_item_act(r, "reappeared"); }
void console_item_hosting(struct req *r) { console_item_act(r, "hosting"); }
void console_item_notify(struct req *r) { console_item_act(r, "notify"); }
void console_item_remind(struct req *r) { console_item_act(r, "remind"); }

/* ---- the directory ---- */

static void dir_row(void *arg, const struct store_dir_entry *e)
{
	void **a = arg;
	struct buf *b = a[0];
	struct req *r = a[1];
	buf_printf(b, "<tr id=\"dir-%" PRId64 "\"><td>", e->id);
	buf_put_html(b, label(r, "directory.type.", e->type));
	buf_puts(b, "</td><td>");
	buf_put_html(b, e->name);
	if (e->sample) {
		buf_puts(b, " <strong class=\"sample\">");
		buf_put_html(b, i18n_get(r->lang, "directory.sample"));
		buf_puts(b, "</strong>");
	}
	buf_puts(b, "</td><td>");
	buf_put_html(b, e->country ? e->country : "");
	buf_puts(b, e->scope ? " · " : "");
	buf_put_html(b, e->scope ? label(r, "directory.scope.", e->scope) : "");
	buf_puts(b, "</td><td>");
	if (e->asn)
		buf_printf(b, "AS%" PRId64 " ", e->asn);
	buf_put_html(b, e->domain ? e->domain : "");
	buf_puts(b, "</td><td>");
	buf_put_html(b, e->email);
	buf_puts(b, "</td><td>");
	buf_put_html(b, e->language);
	buf_puts(b, "</td><td>");
	if (tpl_get(a[2], "can_edit")) {
		buf_printf(b, "<a href=\"/directory/%" PRId64 "\" class=\"dir-edit\">", e->id);
		buf_put_html(b, i18n_get(r->lang, "directory.edit"));
		buf_puts(b, "</a> ");
		buf_printf(b, "<form method=\"post\" action=\"/directory/%" PRId64 "/delete\" class=\"inline\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"",
			   e->id);
		buf_put_html(b, r->who.csrf);
		buf_puts(b, "\"><button type=\"submit\">");
		buf_put_html(b, i18n_get(r->lang, "directory.delete"));
		buf_puts(b, "</button></form>");
	}
	buf_puts(b, "</td></tr>");
}

/* The form's values: an entry being edited (id set), or what was sent. */
static void directory_form(struct req *r, struct tpl_vars *v, const struct store_dir_entry *e)
{
	/* the template marks <option>s selected by "sel_<value>" */
	static const char *const sel[] = {"sel_hotline", "sel_police", "sel_provider",
					  "sel_national", "sel_international", "sel_en",
					  "sel_fr", "sel_nl", "sel_de"};
	const char *chosen[] = {e ? e->type : NULL, e ? e->scope : NULL, e ? e->language : NULL};
	for (size_t i = 0; i < sizeof sel / sizeof *sel; i++)
		for (size_t k = 0; k < sizeof chosen / sizeof *chosen; k++)
			if (chosen[k] && strcmp(chosen[k], sel[i] + 4) == 0)
				tpl_set(v, sel[i], "1");
	if (e) {
		tpl_set(v, "f_name", e->name);
		tpl_set(v, "f_country", e->country);
		tpl_set(v, "f_domain", e->domain);
		tpl_set(v, "f_email", e->email);
		if (e->asn > 0) {
			char asn[24];
			snprintf(asn, sizeof asn, "%" PRId64, e->asn);
			tpl_set(v, "f_asn", arena_strdup(&r->arena, asn));
		}
	}
	if (e && e->id) {
		char action[48];
		snprintf(action, sizeof action, "/directory/%" PRId64, e->id);
		tpl_set(v, "form_action", arena_strdup(&r->arena, action));
		tpl_set(v, "editing", "1");
		tpl_set(v, "form_title", i18n_get(r->lang, "directory.edit.title"));
		tpl_set(v, "form_button", i18n_get(r->lang, "directory.save"));
	} else {
		tpl_set(v, "form_action", "/directory");
		tpl_set(v, "form_title", i18n_get(r->lang, "directory.add"));
		tpl_set(v, "form_button", i18n_get(r->lang, "directory.add"));
	}
}

static void directory_page(struct req *r, unsigned status, const char *error,
			   const struct store_dir_entry *form)
{
	struct tpl_vars *v = console_page_vars(r, "directory.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	if (role_bit(r->who.role) & (ROLE_ADMIN | ROLE_SUPERVISOR))
		tpl_set(v, "can_edit", "1");
	directory_form(r, v, form);
	struct buf b;
	buf_init(&b, 1u << 20);
	void *args[3] = {&b, r, v};
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_dir_list(db, dir_row, args, &r->arena) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc) {
		buf_free(&b);
		return reply_error(r, 503, "store.unavailable");
	}
	tpl_set(v, "rows", dup_buf(r, &b));
	buf_free(&b);
	tpl_set(v, "error", error);
	page_reply(r, status, "console_directory", v);
}

void console_directory(struct req *r)
{
	directory_page(r, 200, NULL, NULL);
}

/* GET /directory/{id}: the page with the entry in the form, to edit. */
void console_directory_entry(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	struct store_dir_entry e;
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_dir_get(db, id, &e, &r->arena) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	directory_page(r, 200, NULL, &e);
}

static const char *nz(const char *s)
{
	return s && *s ? s : NULL;
}

/* Adds an entry (id 0) or replaces entry id with the form's values; an
 * edited sample entry is no longer marked as a sample. */
static void directory_save(struct req *r, int64_t id)
{
	struct form *f = r->form;
	for (int i = 0; i < f->n; i++)
		if (!utf8_valid(f->f[i].value, strlen(f->f[i].value)))
			return reply_error(r, 400, "utf8.invalid");
	struct store_dir_entry e = {0};
	e.id = id;
	e.type = nz(form_get(f, "type"));
	e.name = nz(report_trim(form_get(f, "name"), &r->arena));
	e.country = nz(report_trim(form_get(f, "country"), &r->arena));
	e.scope = nz(form_get(f, "scope"));
	e.domain = nz(report_trim(form_get(f, "domain"), &r->arena));
	e.email = nz(report_trim(form_get(f, "email"), &r->arena));
	e.language = nz(form_get(f, "language"));
	const char *asn = nz(report_trim(form_get(f, "asn"), &r->arena));
	char *end = NULL;
	if (asn && (asn[0] == 'A' || asn[0] == 'a'))
		asn += 2;
	e.asn = asn ? strtoll(asn, &end, 10) : 0;
	const char *field = NULL;
	int64_t out_id = 0;
	int rc = (asn && (!*asn || *end)) ? (field = "asn", HL_EINVAL)
					  : routing_dir_put(r->hl, &r->who, &e, &out_id, &field);
	if (rc == HL_EINVAL) {
		char key[64];
		snprintf(key, sizeof key, "directory.field.%s", field ? field : "name");
		if (e.asn < 0 || (asn && (!*asn || *end)))
			e.asn = 0;
		return directory_page(r, 422, arena_strdup(&r->arena, i18n_get(r->lang, key)),
				      &e);
	}
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	reply_redirect(r, "/directory");
}

void console_directory_add(struct req *r)
{
	directory_save(r, 0);
}

/* POST /directory/{id}: the entry edited in place. */
void console_directory_edit(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	directory_save(r, id);
}

void console_directory_delete(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	int rc = routing_dir_delete(r->hl, &r->who, id);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	reply_redirect(r, "/directory");
}

/* ---- statistics ---- */

/* The range from ?from=YYYY-MM-DD&to=YYYY-MM-DD (both inclusive); the last
 * 30 days by default. false when given and malformed. */
static bool stats_range(struct req *r, int64_t *from, int64_t *to)
{
	const char *f = req_query(r, "from"), *t = req_query(r, "to");
	int64_t now = items_now();
	*to = (now / 86400 + 1) * 86400;
	*from = *to - 30 * 86400;
	if (f && *f && (strlen(f) != 10 || !items_parse_time(f, from)))
		return false;
	if (t && *t) {
		if (strlen(t) != 10 || !items_parse_time(t, to))
			return false;
		*to += 86400;
	}
	return *to > *from && *to - *from <= 20LL * 366 * 86400;
}

static void fmt_dur(char *out, size_t n, int64_t s, int64_t count)
{
	if (!count)
		snprintf(out, n, "—");
	else if (s < 3600)
		snprintf(out, n, "%" PRId64 " min", s / 60);
	else if (s < 3 * 86400)
		snprintf(out, n, "%.1f h", (double)s / 3600.0);
	else
		snprintf(out, n, "%.1f d", (double)s / 86400.0);
}

/* A horizontal bar chart: one bar per row, value v[i], and its table. */
static void svg_bars(struct buf *b, struct req *r, const char *id, const char *title_key,
		     const char *const *keys, const int64_t *vals, size_t n)
{
	int64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (vals[i] > max)
			max = vals[i];
	size_t shown = n > 30 ? 30 : n;
	int h = (int)shown * 18 + 10;
	buf_printf(b, "<figure class=\"chart\" id=\"%s\"><figcaption>", id);
	buf_put_html(b, i18n_get(r->lang, title_key));
	buf_printf(b, "</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"640\" height=\"%d\" "
		      "viewBox=\"0 0 640 %d\" role=\"img\" aria-label=\"",
		   h, h);
	buf_put_html(b, i18n_get(r->lang, title_key));
	buf_puts(b, "\">");
	for (size_t i = 0; i < shown; i++) {
		int w = (int)(vals[i] * 400 / max);
		buf_printf(b, "<text x=\"0\" y=\"%zu\" font-size=\"12\">", i * 18 + 14);
		buf_put_html(b, keys[i]);
		buf_printf(b, "</text><rect x=\"180\" y=\"%zu\" width=\"%d\" height=\"14\" fill=\"#3b6e8f\"/>"
			      "<text x=\"%d\" y=\"%zu\" font-size=\"12\">%" PRId64 "</text>",
			   i * 18 + 3, w, 186 + w, i * 18 + 14, vals[i]);
	}
	buf_puts(b, "</svg></figure>");
}

static void stats_table(struct buf *b, struct req *r, const char *dim, const struct stats_row *rows,
			size_t n)
{
	buf_printf(b, "<table class=\"queue stats\" id=\"table-%s\"><thead><tr><th scope=\"col\">", dim);
	char key[64];
	snprintf(key, sizeof key, "stats.dim.%s", dim);
	buf_put_html(b, i18n_get(r->lang, key));
	static const char *const cols[] = {"stats.items",     "stats.reports",   "stats.removed",
					   "stats.within_1d", "stats.within_3d", "stats.within_7d"};
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		buf_puts(b, "</th><th scope=\"col\">");
		buf_put_html(b, i18n_get(r->lang, cols[i]));
	}
	for (int k = 0; k < STATS_SPANS; k++) {
		snprintf(key, sizeof key, "stats.span.%s", stats_spans[k]);
		buf_puts(b, "</th><th scope=\"col\">");
		buf_put_html(b, i18n_get(r->lang, key));
		buf_puts(b, " (");
		buf_put_html(b, i18n_get(r->lang, "stats.median_p90"));
		buf_puts(b, ")");
	}
	buf_puts(b, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < n; i++) {
		const struct stats_row *row = &rows[i];
		buf_puts(b, "<tr><th scope=\"row\">");
		buf_put_html(b, row->key);
		buf_printf(b, "</th><td>%" PRId64 "</td><td>%" PRId64 "</td><td>%" PRId64 "</td>",
			   row->items, row->reports, row->removed);
		for (int k = 0; k < 3; k++)
			buf_printf(b, "<td>%" PRId64 "%%</td>",
				   row->illegal ? row->within[k] * 100 / row->illegal : 0);
		for (int k = 0; k < STATS_SPANS; k++) {
			char m[32], p[32];
			fmt_dur(m, sizeof m, row->p50[k], row->n[k]);
			fmt_dur(p, sizeof p, row->p90[k], row->n[k]);
			buf_printf(b, "<td data-median=\"%" PRId64 "\" data-p90=\"%" PRId64 "\">%s / %s</td>",
				   row->p50[k], row->p90[k], m, p);
		}
		buf_puts(b, "</tr>");
	}
	buf_puts(b, "</tbody></table>");
}

void console_stats(struct req *r)
{
	int64_t from, to;
	if (!stats_range(r, &from, &to))
		return reply_error(r, 400, "invalid");
	struct stats s;
	if (stats_compute(r->hl, from, to, &s))
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "stats.title", "/");
	if (!v) {
		stats_free(&s);
		return reply_error(r, 500, "internal");
	}
	char f[21], t[21];
	items_format_time(from, f);
	items_format_time(to - 86400, t);
	f[10] = t[10] = '\0';
	tpl_set(v, "from", arena_strdup(&r->arena, f));
	tpl_set(v, "to", arena_strdup(&r->arena, t));
	struct buf b;
	buf_init(&b, 16u << 20);
	stats_table(&b, r, "all", &s.overall, 1);
	tpl_set(v, "overall", dup_buf(r, &b));
	/* items and reports by period */
	size_t np = s.nperiods;
	const char **keys = arena_alloc(&r->arena, (np + 1) * sizeof *keys);
	int64_t *vals = arena_alloc(&r->arena, (np + 1) * sizeof *vals);
	int64_t *vals2 = arena_alloc(&r->arena, (np + 1) * sizeof *vals2);
	if (!keys || !vals || !vals2) {
		buf_free(&b);
		stats_free(&s);
		return reply_error(r, 500, "internal");
	}
	for (size_t i = 0; i < np; i++) {
		keys[i] = s.periods[np - 1 - i].label; /* newest first */
		vals[i] = s.periods[np - 1 - i].items;
		vals2[i] = s.periods[np - 1 - i].reports;
	}
	svg_bars(&b, r, "chart-period-items", "stats.chart.items_by_period", keys, vals, np);
	svg_bars(&b, r, "chart-period-reports", "stats.chart.reports_by_period", keys, vals2, np);
	buf_puts(&b, "<table class=\"queue stats\" id=\"table-period\"><thead><tr><th scope=\"col\">");
	buf_put_html(&b, i18n_get(r->lang, "stats.period"));
	buf_puts(&b, "</th><th scope=\"col\">");
	buf_put_html(&b, i18n_get(r->lang, "stats.items"));
	buf_puts(&b, "</th><th scope=\"col\">");
	buf_put_html(&b, i18n_get(r->lang, "stats.reports"));
	buf_puts(&b, "</th></tr></thead><tbody>");
	for (size_t i = 0; i < np; i++)
		buf_printf(&b, "<tr><th scope=\"row\">%s</th><td>%" PRId64 "</td><td>%" PRId64 "</td></tr>",
			   keys[i], vals[i], vals2[i]);
	buf_puts(&b, "</tbody></table>");
	tpl_set(v, "periods", dup_buf(r, &b));
	/* by dimension: a chart of items, and the table with every figure */
	for (int d = 0; d < STATS_DIMS; d++) {
		size_t n = s.nby[d];
		const char **k2 = arena_alloc(&r->arena, (n + 1) * sizeof *k2);
		int64_t *v2 = arena_alloc(&r->arena, (n + 1) * sizeof *v2);
		if (!k2 || !v2)
			break;
		for (size_t i = 0; i < n; i++)
			k2[i] = s.by[d][i].key, v2[i] = s.by[d][i].items;
		char id[48], tk[64];
		snprintf(id, sizeof id, "chart-%s", stats_dims[d]);
		snprintf(tk, sizeof tk, "stats.chart.by_%s", stats_dims[d]);
		svg_bars(&b, r, id, tk, k2, v2, n);
		stats_table(&b, r, stats_dims[d], s.by[d], n);
	}
	tpl_set(v, "dims", dup_buf(r, &b));
	char qs[64];
	snprintf(qs, sizeof qs, "from=%s&to=%s", f, t);
	tpl_set(v, "qs", arena_strdup(&r->arena, qs));
	char total[32];
	snprintf(total, sizeof total, "%" PRId64, s.reports_total);
	tpl_set(v, "reports_total", arena_strdup(&r->arena, total));
	buf_free(&b);
	stats_free(&s);
	page_reply(r, 200, "console_stats", v);
}

static void stats_export(struct req *r, bool csv)
{
	int64_t from, to;
	if (!stats_range(r, &from, &to))
		return csv ? reply_error(r, 400, "invalid") : reply_json_error(r, 400, "invalid");
	struct stats s;
	if (stats_compute(r->hl, from, to, &s))
		return reply_error(r, 503, "store.unavailable");
	r->no_store = true;
	if (csv) {
		struct buf b;
		buf_init(&b, 64u << 20);
		int rc = stats_csv(&s, &b);
		stats_free(&s);
		if (rc) {
			buf_free(&b);
			return reply_error(r, 500, "internal");
		}
		reply_bytes(r, 200, "text/csv; charset=utf-8", buf_str(&b), b.len);
		reply_header(r, "Content-Disposition", "attachment; filename=\"hotline-stats.csv\"");
		buf_free(&b);
	} else {
		json_t *j = stats_json(&s);
		stats_free(&s);
		reply_json(r, 200, j);
	}
}

void console_stats_csv(struct req *r) { stats_export(r, true); }
void console_stats_json(struct req *r) { stats_export(r, false); }

/* ---- staff JSON API ---- */

static json_t *item_json(const struct item_view *it, bool full)
{
	char t[8][21];
	int64_t ts[] = {it->first_reported_at, it->last_reported_at, it->assessed_at, it->notified_at,
			it->removed_at, it->reappeared_at, it->reopened_at, 0};
	for (int i = 0; i < 7; i++)
		items_format_time(ts[i], t[i]);
	json_t *addrs = json_array();
	if (it->addresses) {
		char *copy = strdup(it->addresses), *save = NULL;
		for (char *a = copy ? strtok_r(copy, " ", &save) : NULL; a; a = strtok_r(NULL, " ", &save))
			json_array_append_new(addrs, json_string(a));
		free(copy);
	}
	json_t *hosting = json_pack("{s:o, s:s?, s:o, s:s?, s:s}", "addresses", addrs, "country",
				    it->country, "asn", it->asn ? json_integer(it->asn) : json_null(),
				    "as_name", it->as_name, "source", it->resolve_state);
	json_t *o = json_pack("{s:I, s:s, s:I, s:s, s:b, s:s, s:s?, s:s?, s:o, s:s?}", "id",
			      (json_int_t)it->id, "url", it->url, "report_count",
			      (json_int_t)it->report_count, "state", it->state, "reopened",
			      it->reopened, "first_reported_at", t[0], "country", it->country, "as_name",
			      it->as_name, "asn", it->asn ? json_integer(it->asn) : json_null(),
			      "addresses", it->addresses);
	json_object_set_new(o, "hosting", hosting);
	if (!full)
		return o;
	static const char *const names[] = {"first_reported_at", "last_reported_at", "assessed_at",
					    "notified_at",	 "removed_at",	     "reappeared_at",
					    "reopened_at"};
	json_t *tl = json_object();
	for (int i = 0; i < 7; i++)
		json_object_set_new(tl, names[i], ts[i] ? json_string(t[i]) : json_null());
	json_object_set_new(o, "timeline", tl);
	json_object_set_new(o, "host", json_string(it->host));
	json_object_set_new(o, "channel", json_string(it->channel));
	json_t *cls = it->classification ? json_loads(it->classification, 0, NULL) : NULL;
	json_object_set_new(o, "classification", cls ? cls : json_null());
	json_object_set_new(o, "reminder_due", json_integer(it->reminder_due));
	json_object_set_new(o, "reminders_sent", json_integer(it->reminders_sent));
	json_object_set_new(o, "hosting_note", it->hosting_note ? json_string(it->hosting_note)
								: json_null());
	return o;
}

void api_items(struct req *r)
{
	struct items_filter f;
	items_filter_from(r, &f);
	const char *lim = req_query(r, "limit");
	int64_t limit = 50;
	if (lim && (!parse_id(lim, &limit) || limit > 500))
		return reply_json_error(r, 422, "invalid");
	struct item_view *rows;
	size_t n;
	if (items_list(r->hl, &f, limit, &rows, &n, &r->arena))
		return reply_json_error(r, 503, "store.unavailable");
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, item_json(&rows[i], false));
	r->no_store = true;
	json_t *o = json_pack("{s:o}", "items", arr);
	if (n == (size_t)limit && n)
		json_object_set_new(o, "next_after", json_integer(rows[n - 1].id));
	reply_json(r, 200, o);
}

void api_item(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_json_error(r, 404, "not_found");
	struct item_view it;
	int rc = items_get(r->hl, id, &it, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_json_error(r, 404, "not_found");
	if (rc || audit_append(r->hl, r->who.actor, "item.read", "item", r->arg, NULL))
		return reply_json_error(r, 503, "store.unavailable");
	json_t *o = item_json(&it, true);
	const char **numbers;
	size_t nn;
	json_t *reps = json_array();
	if (items_report_numbers(r->hl, id, 1000, &numbers, &nn, &r->arena) == 0)
		for (size_t i = 0; i < nn; i++)
			json_array_append_new(reps, json_string(numbers[i]));
	json_object_set_new(o, "reports", reps);
	struct routing_proposal props[2];
	int np = 0;
	json_t *routing = json_array();
	if (routing_propose(r->hl, id, props, &np, &r->arena) == 0)
		for (int i = 0; i < np; i++)
			json_array_append_new(
				routing, json_pack("{s:s, s:s, s:o, s:o}", "rule", props[i].rule, "kind",
						   props[i].kind, "recipient",
						   props[i].found ? json_string(props[i].entry.name) : json_null(),
						   "email",
						   props[i].found ? json_string(props[i].entry.email) : json_null()));
	json_object_set_new(o, "routing", routing);
	r->no_store = true;
	reply_json(r, 200, o);
}

static const char *json_param(void *arg, const char *name)
{
	return json_string_value(json_object_get(arg, name));
}

static void api_item_act(struct req *r, const char *action)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_json_error(r, 404, "not_found");
	json_t *body = req_read_json_strings(r);
	if (!body)
		return;
	const char *code = NULL, *field = NULL;
	int rc;
	if (strcmp(action, "notify") == 0)
		rc = routing_send(r->hl, &r->who, id, json_param(body, "rules"), &code, &r->arena),
		field = "rules";
	else if (strcmp(action, "remind") == 0)
		rc = routing_remind(r->hl, &r->who, id, &code, &r->arena);
	else
		rc = items_act(r->hl, &r->who, id, action, json_param, body, &code, &field, &r->arena);
	json_decref(body);
	if (rc == HL_ENOTFOUND)
		return reply_json_error(r, 404, "not_found");
	if (rc == HL_EPERM)
		return reply_json_error(r, 403, "forbidden");
	if (rc == HL_EINVAL) {
		struct field_errors errs = {0};
		field_errors_add(&errs, field ? field : "", code ? code : "invalid");
		return reply_json_errors(r, 422, &errs);
	}
	if (rc)
		return reply_json_error(r, 503, "store.unavailable");
	reply_json(r, 200, json_pack("{s:I, s:s, s:b}", "id", (json_int_t)id, "action", action,
				     "done", 1));
}

void api_item_assess(struct req *r) { api_item_act(r, "assess"); }
void api_item_removed(struct req *r) { api_item_act(r, "removed"); }
void api_item_reappeared(struct req *r) { api_item_act(r, "reappeared"); }
void api_item_hosting(struct req *r) { api_item_act(r, "hosting"); }
void api_item_notify(struct req *r) { api_item_act(r, "notify"); }
void api_item_remind(struct req *r) { api_item_act(r, "remind"); }

void api_notices(struct req *r);

static void notice_json(void *arg, const struct store_notice *n)
{
	char at[21];
	items_format_time(n->sent_at, at);
	json_array_append_new(arg, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
					     (json_int_t)n->id, "kind", n->kind, "rule", n->rule,
					     "recipient", n->recipient, "email", n->email, "language",
					     n->language, "reference", n->reference, "subject",
					     n->subject, "confirmed_by", n->confirmed_by, "sent_at", at));
}

void api_notices(struct req *r)
{
	int64_t id;
	if (!parse_id(r->arg, &id))
		return reply_json_error(r, 404, "not_found");
	json_t *arr = json_array();
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_notice_list(db, id, notice_json, arr, &r->arena) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc) {
		json_decref(arr);
		return reply_json_error(r, 503, "store.unavailable");
	}
	r->no_store = true;
	reply_json(r, 200, json_pack("{s:o}", "notices", arr));
}

/* Test-only: sets the items' clock (HOTLINE_TEST_CLOCK=1 in the server's
 * environment; otherwise this route answers 404 as if it did not exist). */
void api_test_clock(struct req *r)
{
	if (!items_clock_settable())
		return reply_json_error(r, 404, "not_found");
	json_error_t jerr;
	json_t *body = json_loadb(buf_str(&r->body), r->body.len, 0, &jerr);
	const char *nv = json_string_value(json_object_get(body, "now"));
	const char *now = nv ? arena_strdup(&r->arena, nv) : NULL;
	int64_t t = 0;
	bool ok = now && (strcmp(now, "") == 0 || items_parse_time(now, &t));
	json_decref(body);
	if (!ok)
		return reply_json_error(r, 422, "invalid");
	items_clock_set(t);
	audit_append(r->hl, r->who.actor, "test.clock", NULL, NULL, now);
	reply_json(r, 200, json_pack("{s:I}", "now", (json_int_t)items_now()));
}
