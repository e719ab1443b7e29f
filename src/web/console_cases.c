/* console_cases.c — the console's case pages: the list, a new case, a case
 * page with its reports, notes, tasks, referrals and court details, and the
 * forms that change them. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cases.h"
#include "err.h"
#include "form.h"
#include "http.h"
#include "i18n.h"
#include "page.h"

static bool case_id(const char *s, int64_t *id)
{
	char *end;
	long long v = s ? strtoll(s, &end, 10) : 0;
	if (!s || !*s || *end || v <= 0)
		return false;
	*id = v;
	return true;
}

static void put_label(struct buf *b, struct req *r, const char *prefix, const char *value)
{
	char key[64];
	snprintf(key, sizeof key, "%s%s", prefix, value ? value : "");
	buf_put_html(b, i18n_get(r->lang, key));
}

void console_cases(struct req *r)
{
	const char *state = req_query(r, "state");
	if (state && !report_in_list(case_states, state))
		state = NULL;
	struct case_view *rows;
	size_t n;
	if (cases_list(r->hl, state, &rows, &n, &r->arena))
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "console.cases", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		buf_printf(&b, "<tr%s><td><a href=\"/cases/%" PRId64 "\">%" PRId64 "</a></td><td>",
			   rows[i].overdue_tasks ? " class=\"overdue\"" : "", rows[i].id, rows[i].id);
		buf_put_html(&b, rows[i].title);
		buf_puts(&b, "</td><td>");
		put_label(&b, r, "case.state.", rows[i].state);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, rows[i].owner);
		buf_printf(&b, "</td><td>%" PRId64, rows[i].open_tasks);
		if (rows[i].overdue_tasks) {
			buf_printf(&b, " <strong class=\"overdue-count\">(%" PRId64 " ", rows[i].overdue_tasks);
			buf_put_html(&b, i18n_get(r->lang, "case.overdue"));
			buf_puts(&b, ")</strong>");
		}
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "rows", n ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_free(&b);
	page_reply(r, 200, "console_cases", v);
}

static const char *form_param(void *arg, const char *name)
{
	return arg ? form_get(arg, name) : NULL;
}

void console_case_create(struct req *r)
{
	int64_t id;
	const char *code, *field;
	int rc = cases_create(r->hl, &r->who, form_get(r->form, "title"), form_get(r->form, "report"),
			      &id, &code, &field, &r->arena);
	if (rc == HL_EINVAL)
		return reply_error(r, 422, code ? code : "invalid");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char loc[48];
	snprintf(loc, sizeof loc, "/cases/%" PRId64, id);
	reply_redirect(r, loc);
}

static const char *options(struct req *r, const char *const *values, const char *prefix,
			   const char *chosen)
{
	struct buf b;
	buf_init(&b, 4096);
	for (const char *const *v = values; *v; v++) {
		buf_printf(&b, "<option value=\"%s\"%s>", *v,
			   chosen && strcmp(*v, chosen) == 0 ? " selected" : "");
		put_label(&b, r, prefix, *v);
		buf_puts(&b, "</option>");
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

void console_case(struct req *r)
{
	int64_t id;
	struct case_view c;
	if (!case_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	int rc = cases_read(r->hl, &r->who, id, &c, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "console.case", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	char idbuf[24];
	snprintf(idbuf, sizeof idbuf, "%" PRId64, c.id);
	tpl_set(v, "case_id", arena_strdup(&r->arena, idbuf));
	tpl_set(v, "case_title", c.title);
	tpl_set(v, "case_state", c.state);
	tpl_set(v, "owner", c.owner);
	tpl_set(v, "civil_party", c.civil_party ? "1" : NULL);
	tpl_set(v, "court", c.court);
	tpl_set(v, "court_case_number", c.court_case_number);
	tpl_set(v, "state_options", options(r, case_states, "case.state.", c.state));
	tpl_set(v, "referral_options", options(r, referral_targets, "referral.", NULL));
	struct buf b, tasks, refs, notes, hearings;
	buf_init(&b, 1u << 20);
	buf_init(&tasks, 1u << 20);
	buf_init(&refs, 1u << 20);
	buf_init(&notes, 1u << 20);
	buf_init(&hearings, 1u << 20);
	for (size_t i = 0; i < c.nreports; i++)
		buf_printf(&b, "<li><a href=\"/reports/%s\">%s</a></li>", c.reports[i], c.reports[i]);
	for (size_t i = 0; i < c.nentries; i++) {
		const struct case_entry *e = &c.entries[i];
		if (strcmp(e->type, "task") == 0) {
			buf_printf(&tasks, "<li id=\"task-%" PRId64 "\" class=\"%s\">", e->id,
				   e->done_at ? "done" : e->overdue ? "overdue" : "open");
			buf_put_html(&tasks, e->text);
			buf_puts(&tasks, " · ");
			buf_put_html(&tasks, i18n_get(r->lang, "case.due"));
			buf_puts(&tasks, " ");
			buf_put_html(&tasks, e->due_on);
			if (e->overdue) {
				buf_puts(&tasks, " <strong>");
				buf_put_html(&tasks, i18n_get(r->lang, "case.overdue"));
				buf_puts(&tasks, "</strong>");
			}
			if (e->done_at) {
				buf_puts(&tasks, " · ");
				buf_put_html(&tasks, i18n_get(r->lang, "case.done"));
				buf_puts(&tasks, " ");
				buf_put_html(&tasks, e->done_at);
			} else {
				buf_printf(&tasks,
					   " <form method=\"post\" action=\"/cases/%" PRId64
					   "/task_done\" class=\"inline\"><input type=\"hidden\" name=\"csrf\" "
					   "value=\"%s\"><input type=\"hidden\" name=\"entry\" value=\"%" PRId64
					   "\"><button type=\"submit\" class=\"link\">",
					   c.id, r->who.csrf, e->id);
				buf_put_html(&tasks, i18n_get(r->lang, "case.mark_done"));
				buf_puts(&tasks, "</button></form>");
			}
			buf_puts(&tasks, "</li>");
		} else if (strcmp(e->type, "referral") == 0) {
			buf_printf(&refs, "<li id=\"referral-%" PRId64 "\"><strong>", e->id);
			put_label(&refs, r, "referral.", e->to_type);
			buf_puts(&refs, "</strong>: ");
			buf_put_html(&refs, e->recipient);
			buf_puts(&refs, " · ");
			buf_put_html(&refs, e->sent_on);
			if (e->reference) {
				buf_puts(&refs, " · ");
				buf_put_html(&refs, i18n_get(r->lang, "case.reference"));
				buf_puts(&refs, " ");
				buf_put_html(&refs, e->reference);
			}
			if (e->outcome) {
				buf_puts(&refs, "<br>");
				buf_put_html(&refs, i18n_get(r->lang, "case.outcome"));
				buf_puts(&refs, ": ");
				buf_put_html(&refs, e->outcome);
				if (e->outcome_on) {
					buf_puts(&refs, " (");
					buf_put_html(&refs, e->outcome_on);
					buf_puts(&refs, ")");
				}
			} else {
				buf_printf(&refs,
					   "<form method=\"post\" action=\"/cases/%" PRId64
					   "/outcome\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
					   "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">",
					   c.id, r->who.csrf, e->id);
				buf_printf(&refs, "<label for=\"outcome-%" PRId64 "\">", e->id);
				buf_put_html(&refs, i18n_get(r->lang, "case.outcome"));
				buf_printf(&refs, "</label><input type=\"text\" id=\"outcome-%" PRId64
						  "\" name=\"outcome\"> <input type=\"date\" name=\"outcome_on\"> "
						  "<button type=\"submit\">",
					   e->id);
				buf_put_html(&refs, i18n_get(r->lang, "console.save"));
				buf_puts(&refs, "</button></form>");
			}
			buf_puts(&refs, "</li>");
		} else if (strcmp(e->type, "hearing") == 0) {
			buf_puts(&hearings, "<li>");
			buf_put_html(&hearings, e->due_on);
			if (e->text) {
				buf_puts(&hearings, " · ");
				buf_put_html(&hearings, e->text);
			}
			buf_puts(&hearings, "</li>");
		} else {
			buf_puts(&notes, "<li><p class=\"hint\">");
			buf_put_html(&notes, e->author);
			buf_puts(&notes, " · ");
			buf_put_html(&notes, e->created_at);
			buf_puts(&notes, "</p><blockquote class=\"message\">");
			buf_put_html(&notes, e->text);
			buf_puts(&notes, "</blockquote></li>");
		}
	}
	tpl_set(v, "reports", b.len ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	tpl_set(v, "tasks", tasks.len ? arena_strdup(&r->arena, buf_str(&tasks)) : NULL);
	tpl_set(v, "referrals", refs.len ? arena_strdup(&r->arena, buf_str(&refs)) : NULL);
	tpl_set(v, "notes", notes.len ? arena_strdup(&r->arena, buf_str(&notes)) : NULL);
	tpl_set(v, "hearings", hearings.len ? arena_strdup(&r->arena, buf_str(&hearings)) : NULL);
	buf_free(&b);
	buf_free(&tasks);
	buf_free(&refs);
	buf_free(&notes);
	buf_free(&hearings);
	page_reply(r, 200, "console_case", v);
}

static void case_act(struct req *r, const char *action)
{
	int64_t id;
	if (!case_id(r->arg, &id))
		return reply_error(r, 404, "not_found");
	const char *code, *field;
	int rc = cases_act(r->hl, &r->who, id, action, form_param, r->form, &code, &field, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EINVAL)
		return reply_error(r, 422, code ? code : "invalid");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char loc[48];
	snprintf(loc, sizeof loc, "/cases/%" PRId64, id);
	reply_redirect(r, loc);
}

void console_case_link(struct req *r) { case_act(r, "link"); }
void console_case_note(struct req *r) { case_act(r, "note"); }
void console_case_task(struct req *r) { case_act(r, "task"); }
void console_case_task_done(struct req *r) { case_act(r, "task_done"); }
void console_case_referral(struct req *r) { case_act(r, "referral"); }
void console_case_outcome(struct req *r) { case_act(r, "outcome"); }
void console_case_hearing(struct req *r) { case_act(r, "hearing"); }
void console_case_state(struct req *r) { case_act(r, "state"); }
void console_case_owner(struct req *r) { case_act(r, "owner"); }
void console_case_civil(struct req *r) { case_act(r, "civil_party"); }
