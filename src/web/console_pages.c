/* console_pages.c — the staff console: login, logout, password, the triage
 * queue, the report page and the audit log; and the staff JSON API over the
 * same core functions. The permission table in routes.c and the gate in
 * server.c have already checked who may come here. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "cases.h"
#include "casework.h"
#include "classify.h"
#include "err.h"
#include "form.h"
#include "hotline.h"
#include "intake.h"
#include "http.h"
#include "i18n.h"
#include "page.h"
#include "utf8.h"

/* console_hashlists.c: files, hashes and known-hash matches of a report */
void console_report_evidence(struct req *r, struct tpl_vars *v, const struct casework_report *c);
void api_report_evidence(json_t *o, const struct casework_report *c);
/* console_mail.c: what an e-mail report's page shows besides the usual */
void console_mail_report_vars(struct req *r, struct tpl_vars *v, const struct casework_report *c);

struct tpl_vars *console_page_vars(struct req *r, const char *title_key, const char *switch_path)
{
	struct tpl_vars *v = arena_alloc(&r->arena, sizeof *v);
	if (!v)
		return NULL;
	memset(v, 0, sizeof *v);
	page_vars(r, v, switch_path);
	tpl_set(v, "title", i18n_get(r->lang, title_key));
	if (r->authed) {
		if (role_bit(r->who.role) & (ROLE_OPERATOR | ROLE_SUPERVISOR))
			tpl_set(v, "can_calls", "1");
		tpl_set(v, "staff_name", r->who.name);
		tpl_set(v, "csrf", r->who.csrf);
		unsigned bit = role_bit(r->who.role);
		if (bit & (ROLE_ANALYST | ROLE_CASE_WORKER | ROLE_SUPERVISOR))
			tpl_set(v, "can_queue", "1");
		if (bit & ROLE_AUDITOR)
			tpl_set(v, "can_audit", "1");
		if (bit & (ROLE_CASE_WORKER | ROLE_SUPERVISOR))
			tpl_set(v, "can_cases", "1");
		if (bit & ROLE_ADMIN)
			tpl_set(v, "can_admin", "1");
		if (bit & (ROLE_SUPERVISOR | ROLE_ADMIN)) {
			tpl_set(v, "can_mail", "1"); /* the outgoing mail queue */
			tpl_set(v, "can_directory", "1");
		}
	}
	r->no_store = true;
	return v;
}

/* Where each role starts: the first page its work begins on. */
static const char *home_for(const char *role)
{
	unsigned bit = role_bit(role);
	if (bit & (ROLE_ANALYST | ROLE_CASE_WORKER | ROLE_SUPERVISOR))
		return "/";
	if (bit & ROLE_OPERATOR)
		return "/calls";
	if (bit & ROLE_AUDITOR)
		return "/audit";
	if (bit & ROLE_ADMIN)
		return "/admin/users";
	return "/account/password";
}

static bool tls_request(struct req *r)
{
	const char *p = req_header(r, "X-Forwarded-Proto");
	return p && strcasecmp(p, "https") == 0;
}

void console_login_form(struct req *r)
{
	struct tpl_vars *v = console_page_vars(r, "console.login.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	page_reply(r, 200, "console_login", v);
}

void console_login(struct req *r)
{
	const char *ct = req_header(r, "Content-Type");
	struct form f;
	if (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0)
		return reply_error(r, 415, "content_type.unsupported");
	if (form_parse(buf_str(&r->body), r->body.len, &f, &r->arena))
		return reply_error(r, 400, "form.malformed");
	const char *name = form_get(&f, "name");
	char token[65];
	struct staff_who who;
	int rc = staff_login(r->hl, name, form_get(&f, "password"), form_get(&f, "code"), token,
			     &who, &r->arena);
	if (rc) {
		struct tpl_vars *v = console_page_vars(r, "console.login.title", "/");
		if (!v)
			return reply_error(r, 500, "internal");
		tpl_set(v, "login_failed", "1");
		tpl_set(v, "v_name", name && utf8_valid(name, strlen(name)) ? name : NULL);
		return page_reply(r, rc == HL_EIO ? 503 : 401, "console_login", v);
	}
	char cookie[160];
	snprintf(cookie, sizeof cookie, "hl_session=%s; Path=/; HttpOnly; SameSite=Strict%s", token,
		 tls_request(r) ? "; Secure" : "");
	reply_redirect(r, who.must_change ? "/account/password" : home_for(who.role));
	reply_header(r, "Set-Cookie", cookie);
}

void console_logout(struct req *r)
{
	staff_logout(r->hl, &r->who);
	reply_redirect(r, "/login");
	reply_header(r, "Set-Cookie", "hl_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
}

void console_password_form(struct req *r)
{
	struct tpl_vars *v = console_page_vars(r, "console.password.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	if (r->who.must_change)
		tpl_set(v, "must_change", "1");
	page_reply(r, 200, "console_password", v);
}

void console_password(struct req *r)
{
	const char *pw = form_get(r->form, "password"), *confirm = form_get(r->form, "confirm");
	int rc = HL_EINVAL;
	if (pw && confirm && strcmp(pw, confirm) == 0 && utf8_valid(pw, strlen(pw)))
		rc = staff_set_password(r->hl, &r->who, pw);
	if (rc) {
		struct tpl_vars *v = console_page_vars(r, "console.password.title", "/");
		if (!v)
			return reply_error(r, 500, "internal");
		tpl_set(v, "pw_error", "1");
		if (r->who.must_change)
			tpl_set(v, "must_change", "1");
		return page_reply(r, 422, "console_password", v);
	}
	reply_redirect(r, home_for(r->who.role));
}

static const char *const channels[] = {"web", "api", "email", "phone", NULL};

static const char *select_html(struct req *r, const char *const *values, const char *prefix,
			       const char *chosen)
{
	struct buf b;
	buf_init(&b, 8192);
	buf_puts(&b, "<option value=\"\">");
	buf_put_html(&b, i18n_get(r->lang, "console.any"));
	buf_puts(&b, "</option>");
	for (const char *const *v = values; *v; v++) {
		char key[64];
		snprintf(key, sizeof key, "%s%s", prefix, *v);
		const char *label = prefix[0] ? i18n_get(r->lang, key) : *v;
		buf_printf(&b, "<option value=\"%s\"%s>", *v,
			   chosen && strcmp(chosen, *v) == 0 ? " selected" : "");
		buf_put_html(&b, label[0] ? label : *v);
		buf_puts(&b, "</option>");
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

/* A filter value from the query, kept only when it is one of values. */
static const char *query_in(struct req *r, const char *name, const char *const *values)
{
	const char *v = req_query(r, name);
	return v && report_in_list(values, v) ? v : NULL;
}

static int64_t query_int(struct req *r, const char *name, int64_t dflt, int64_t max)
{
	const char *v = req_query(r, name);
	if (!v || !*v)
		return dflt;
	char *end;
	long long n = strtoll(v, &end, 10);
	if (*end || n < 0 || n > max)
		return -1;
	return n;
}

/* The assignee filter: an account name, or "me" for whoever asks. */
static const char *query_assignee(struct req *r)
{
	const char *a = req_query(r, "assignee");
	if (!a || !*a || strlen(a) > 64)
		return NULL;
	return strcmp(a, "me") == 0 ? r->who.name : a;
}

#define QUEUE_PAGE 50

void console_queue(struct req *r)
{
	struct casework_filter f = {query_in(r, "kind", report_phone_kinds),
				    query_in(r, "channel", channels),
				    query_in(r, "state", report_states), query_assignee(r), 0};
	int64_t page = query_int(r, "page", 0, 1000000);
	int64_t after = query_int(r, "after", 0, INT64_MAX / 2);
	if (page < 0 || after < 0)
		return reply_error(r, 400, "invalid");
	/* "after" (the last row's key) seeks straight to the next page; "page"
	 * counts pages from the start and is kept for links made by hand */
	f.after = after;
	struct casework_report *rows;
	size_t n;
	int rc = casework_queue(r->hl, &f, after ? 0 : page * QUEUE_PAGE, QUEUE_PAGE + 1, &rows, &n,
				&r->arena);
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "console.queue", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n && i < QUEUE_PAGE; i++) {
		char key[64];
		buf_printf(&b, "<tr class=\"priority-%d\"><td><a href=\"/reports/%s\">%s</a></td><td>",
			   rows[i].priority, rows[i].number, rows[i].number);
		snprintf(key, sizeof key, "report.%s.title", rows[i].kind);
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, rows[i].channel);
		snprintf(key, sizeof key, "state.%s", rows[i].state);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, rows[i].received_at);
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "rows", n ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_free(&b);
	char href[256];
	if (page > 0 && !after) {
		snprintf(href, sizeof href, "/?kind=%s&channel=%s&state=%s&page=%" PRId64,
			 f.kind ? f.kind : "", f.channel ? f.channel : "", f.state ? f.state : "",
			 page - 1);
		tpl_set(v, "prev_href", arena_strdup(&r->arena, href));
	} else if (after) {
		snprintf(href, sizeof href, "/?kind=%s&channel=%s&state=%s", f.kind ? f.kind : "",
			 f.channel ? f.channel : "", f.state ? f.state : "");
		tpl_set(v, "first_href", arena_strdup(&r->arena, href));
	}
	if (n > QUEUE_PAGE) {
		snprintf(href, sizeof href, "/?kind=%s&channel=%s&state=%s&after=%" PRId64 "%s%s",
			 f.kind ? f.kind : "", f.channel ? f.channel : "", f.state ? f.state : "",
			 rows[QUEUE_PAGE - 1].queue_key, f.assignee ? "&assignee=" : "",
			 f.assignee ? f.assignee : "");
		tpl_set(v, "next_href", arena_strdup(&r->arena, href));
	}
	tpl_set(v, "kind_options", select_html(r, report_phone_kinds, "", f.kind));
	if (f.assignee && r->who.name && strcmp(f.assignee, r->who.name) == 0)
		tpl_set(v, "mine", "1");
	tpl_set(v, "channel_options", select_html(r, channels, "", f.channel));
	tpl_set(v, "state_options", select_html(r, report_states, "state.", f.state));
	page_reply(r, 200, "console_queue", v);
}

struct report_state {
	struct casework_report c;
	bool unsealed;
};

static void console_report_show(struct req *r);

/* Loads the report, then has its read (and any unsealing) audited in the
 * next group commit; the page is drawn only once that row is on disk. */
void console_report(struct req *r)
{
	struct report_state *rs = arena_alloc(&r->arena, sizeof *rs);
	if (!rs)
		return reply_error(r, 500, "internal");
	const char *show = req_query(r, "contact");
	int rc = casework_report_load(r->hl, &r->who, r->arg, show && strcmp(show, "1") == 0, &rs->c,
				      &rs->unsealed, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EPERM)
		return reply_error(r, 403, "forbidden");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	r->state = rs;
	req_suspend(r, console_report_show);
	if (intake_submit_audit(r->hl, r->who.actor, "report.read",
				rs->unsealed ? "contact.unseal" : NULL, "report", rs->c.number,
				&r->arena, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

static void console_report_show(struct req *r)
{
	if (r->job_rc)
		return reply_error(r, 503, "store.unavailable"); /* no audit, no page */
	struct report_state *rs = r->state;
	struct casework_report c = rs->c;
	struct tpl_vars *v = console_page_vars(r, "console.report", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	char key[64];
	tpl_set(v, "number", c.number);
	snprintf(key, sizeof key, "report.%s.title", c.kind);
	tpl_set(v, "kind_label", arena_strdup(&r->arena, i18n_get(r->lang, key)));
	tpl_set(v, "channel", c.channel);
	tpl_set(v, "state", c.state);
	snprintf(key, sizeof key, "state.%s", c.state);
	tpl_set(v, "state_label", arena_strdup(&r->arena, i18n_get(r->lang, key)));
	tpl_set(v, "received_at", c.received_at);
	tpl_set(v, "where_seen", c.where_seen);
	tpl_set(v, "exploitation_type", c.exploitation_type);
	tpl_set(v, "language", c.language);
	tpl_set(v, "description", c.description);
	tpl_set(v, "location", c.location);
	tpl_set(v, "public_message", c.public_message);
	tpl_set(v, "has_contact", c.has_contact ? "1" : NULL);
	tpl_set(v, "may_contact", i18n_get(r->lang, c.may_contact ? "console.yes" : "console.no"));
	if (casework_may_unseal(r->who.role))
		tpl_set(v, "can_unseal", "1");
	if (c.contact_name || c.contact_email || c.contact_phone) {
		tpl_set(v, "contact_shown", "1");
		tpl_set(v, "contact_name", c.contact_name);
		tpl_set(v, "contact_email", c.contact_email);
		tpl_set(v, "contact_phone", c.contact_phone);
	}
	struct buf b;
	buf_init(&b, 1u << 20);
	/* URLs are shown as text, never as links: no one should open them by accident */
	for (size_t i = 0; i < c.nurls; i++) {
		buf_puts(&b, "<li><code>");
		buf_put_html(&b, c.urls[i]);
		buf_puts(&b, "</code></li>");
	}
	tpl_set(v, "urls", c.nurls ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	console_report_evidence(r, v, &c);
	for (size_t i = 0; i < c.nadditions; i++) {
		buf_puts(&b, "<li><p class=\"hint\">");
		buf_put_html(&b, c.addition_at[i]);
		buf_puts(&b, "</p><blockquote class=\"message\">");
		buf_put_html(&b, c.addition_text[i] ? c.addition_text[i] : "");
		buf_puts(&b, "</blockquote></li>");
	}
	tpl_set(v, "additions", c.nadditions ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	for (size_t i = 0; i < c.nnotes; i++) {
		buf_puts(&b, "<li><p class=\"hint\">");
		buf_put_html(&b, c.note_author[i]);
		buf_puts(&b, " · ");
		buf_put_html(&b, c.note_at[i]);
		buf_puts(&b, "</p><blockquote class=\"message\">");
		buf_put_html(&b, c.note_text[i]);
		buf_puts(&b, "</blockquote></li>");
	}
	tpl_set(v, "notes", c.nnotes ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	/* the next states, and the classification scheme's fields */
	for (const char *const *st = casework_next_states(c.state); *st; st++) {
		char key[48];
		snprintf(key, sizeof key, "state.%s", *st);
		buf_printf(&b, "<option value=\"%s\">", *st);
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "state_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_reset(&b);
	/* triage: what the report is about (e-mails and calls may need it) */
	for (const char *const *k = report_phone_kinds; *k; k++) {
		char key[48];
		snprintf(key, sizeof key, "report.%s.title", *k);
		buf_printf(&b, "<option value=\"%s\"%s>", *k,
			   strcmp(*k, c.kind) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "kind_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_reset(&b);
	json_t *cls = c.classification ? json_loads(c.classification, 0, NULL) : NULL;
	const struct classify_scheme *sch = r->hl->scheme;
	struct buf shown;
	buf_init(&shown, 1u << 16);
	for (size_t i = 0; i < sch->nfields; i++) {
		const struct classify_field *f = &sch->fields[i];
		const char *cur = json_string_value(json_object_get(cls, f->name));
		buf_printf(&b, "<div class=\"field\"><label for=\"c-%s\">", f->name);
		buf_put_html(&b, f->label);
		buf_printf(&b, "</label><select id=\"c-%s\" name=\"%s\"><option value=\"\"></option>",
			   f->name, f->name);
		for (size_t k = 0; k < f->nvalues; k++) {
			buf_puts(&b, "<option value=\"");
			buf_put_html(&b, f->values[k].value);
			buf_puts(&b, cur && strcmp(cur, f->values[k].value) == 0 ? "\" selected>" : "\">");
			buf_put_html(&b, f->values[k].label);
			buf_puts(&b, "</option>");
		}
		buf_puts(&b, "</select></div>");
		if (cur) {
			buf_puts(&shown, "<dt>");
			buf_put_html(&shown, f->label);
			buf_puts(&shown, "</dt><dd>");
			const char *label = classify_label(sch, f->name, cur);
			buf_put_html(&shown, label ? label : cur);
			buf_puts(&shown, "</dd>");
		}
	}
	json_decref(cls);
	tpl_set(v, "classify_fields", arena_strdup(&r->arena, buf_str(&b)));
	tpl_set(v, "classification", shown.len ? arena_strdup(&r->arena, buf_str(&shown)) : NULL);
	tpl_set(v, "scheme_title", sch->title);
	buf_free(&shown);
	buf_free(&b);
	tpl_set(v, "assignee", c.assignee);
	tpl_set(v, "duplicate_of", c.duplicate_of);
	if (c.caller) {
		char key[48];
		tpl_set(v, "call_started_at", c.call_started_at);
		tpl_set(v, "call_ended_at", c.call_ended_at);
		snprintf(key, sizeof key, "caller.%s", c.caller);
		tpl_set(v, "caller", arena_strdup(&r->arena, i18n_get(r->lang, key)));
		snprintf(key, sizeof key, "urgency.%s", c.urgency);
		tpl_set(v, "urgency", arena_strdup(&r->arena, i18n_get(r->lang, key)));
		tpl_set(v, "operator", c.operator);
	}
	if (role_bit(r->who.role) & (ROLE_ANALYST | ROLE_CASE_WORKER | ROLE_SUPERVISOR))
		tpl_set(v, "can_act", "1");
	if (role_bit(r->who.role) & (ROLE_CASE_WORKER | ROLE_SUPERVISOR)) {
		tpl_set(v, "can_cases", "1");
		int64_t *ids;
		size_t nids;
		if (cases_of_report(r->hl, c.number, &ids, &nids, &r->arena) == 0 && nids) {
			struct buf cb;
			buf_init(&cb, 65536);
			for (size_t i = 0; i < nids; i++)
				buf_printf(&cb, "<li><a href=\"/cases/%" PRId64 "\">%" PRId64 "</a></li>",
					   ids[i], ids[i]);
			tpl_set(v, "report_cases", arena_strdup(&r->arena, buf_str(&cb)));
			buf_free(&cb);
		}
	}
	console_mail_report_vars(r, v, &c); /* e-mail: subject, warnings, attachments */
	page_reply(r, 200, "console_report", v);
}

struct audit_page {
	struct buf *b;
	int64_t last;
	int n;
};

static int audit_row_html(void *arg, const struct store_audit_row *row)
{
	struct audit_page *p = arg;
	buf_printf(p->b, "<tr><td>%" PRId64 "</td><td>", row->id);
	buf_put_html(p->b, row->at);
	buf_puts(p->b, "</td><td>");
	buf_put_html(p->b, row->actor);
	buf_puts(p->b, "</td><td>");
	buf_put_html(p->b, row->action);
	buf_puts(p->b, "</td><td>");
	buf_put_html(p->b, row->object_type ? row->object_type : "");
	buf_puts(p->b, row->object_id ? " " : "");
	buf_put_html(p->b, row->object_id ? row->object_id : "");
	buf_puts(p->b, "</td><td>");
	buf_put_html(p->b, row->detail ? row->detail : "");
	buf_puts(p->b, "</td></tr>");
	p->last = row->id;
	p->n++;
	return 0;
}

static const char *nonempty(const char *s)
{
	return s && *s ? s : NULL;
}

void console_audit(struct req *r)
{
	int64_t after = query_int(r, "after", 0, INT64_MAX / 2);
	if (after < 0)
		return reply_error(r, 400, "invalid");
	const char *actor = nonempty(req_query(r, "actor")), *action = nonempty(req_query(r, "action")),
		   *object = nonempty(req_query(r, "object"));
	struct buf b;
	buf_init(&b, 4u << 20);
	struct audit_page p = {&b, after, 0};
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_audit_each(db, after, 200, actor, action, object, audit_row_html, &p,
				       &r->arena)
		    : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc) {
		buf_free(&b);
		return reply_error(r, 503, "store.unavailable");
	}
	audit_append(r->hl, r->who.actor, "audit.read", NULL, NULL, NULL);
	struct tpl_vars *v = console_page_vars(r, "console.audit", "/");
	if (!v) {
		buf_free(&b);
		return reply_error(r, 500, "internal");
	}
	tpl_set(v, "rows", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);
	tpl_set(v, "v_actor", actor);
	tpl_set(v, "v_action", action);
	tpl_set(v, "v_object", object);
	if (p.n == 200) {
		char href[64];
		snprintf(href, sizeof href, "/audit?after=%" PRId64, p.last);
		tpl_set(v, "next_href", arena_strdup(&r->arena, href));
	}
	page_reply(r, 200, "console_audit", v);
}

/* ---- staff JSON API ---------------------------------------------------- */

static json_t *report_json(const struct casework_report *c, bool full)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I}", "number", c->number, "kind",
			      c->kind, "channel", c->channel, "state", c->state, "received_at",
			      c->received_at, "priority", c->priority, "queue_key",
			      (json_int_t)c->queue_key);
	if (!full || !o)
		return o;
	json_object_set_new(o, "updated_at", json_string(c->updated_at));
	json_object_set_new(o, "where", c->where_seen ? json_string(c->where_seen) : json_null());
	json_object_set_new(o, "exploitation_type",
			    c->exploitation_type ? json_string(c->exploitation_type) : json_null());
	json_object_set_new(o, "description", c->description ? json_string(c->description) : json_null());
	json_object_set_new(o, "location", c->location ? json_string(c->location) : json_null());
	json_object_set_new(o, "language", c->language ? json_string(c->language) : json_null());
	json_object_set_new(o, "message", c->public_message ? json_string(c->public_message) : json_null());
	json_object_set_new(o, "has_contact", json_boolean(c->has_contact));
	json_t *urls = json_array();
	for (size_t i = 0; i < c->nurls; i++)
		json_array_append_new(urls, json_pack("{s:s, s:I}", "url", c->urls[i], "addition",
						      (json_int_t)c->url_addition[i]));
	json_object_set_new(o, "urls", urls);
	api_report_evidence(o, c);
	json_t *adds = json_array();
	for (size_t i = 0; i < c->nadditions; i++)
		json_array_append_new(adds, json_pack("{s:s?, s:s}", "text", c->addition_text[i],
						      "received_at", c->addition_at[i]));
	json_object_set_new(o, "additions", adds);
	json_object_set_new(o, "assignee", c->assignee ? json_string(c->assignee) : json_null());
	json_object_set_new(o, "duplicate_of", c->duplicate_of ? json_string(c->duplicate_of) : json_null());
	json_t *cls = c->classification ? json_loads(c->classification, 0, NULL) : NULL;
	json_object_set_new(o, "classification", cls ? cls : json_null());
	json_t *notes = json_array();
	for (size_t i = 0; i < c->nnotes; i++)
		json_array_append_new(notes, json_pack("{s:s, s:s, s:s}", "author", c->note_author[i],
						       "text", c->note_text[i], "at", c->note_at[i]));
	json_object_set_new(o, "notes", notes);
	return o;
}

void api_staff_reports(struct req *r)
{
	struct casework_filter f = {query_in(r, "kind", report_phone_kinds),
				    query_in(r, "channel", channels),
				    query_in(r, "state", report_states), query_assignee(r), 0};
	int64_t limit = query_int(r, "limit", 50, 500), offset = query_int(r, "offset", 0, INT64_MAX / 2);
	int64_t after = query_int(r, "after", 0, INT64_MAX / 2);
	if (limit < 1 || offset < 0 || after < 0)
		return reply_json_error(r, 422, "invalid");
	f.after = after;
	struct casework_report *rows;
	size_t n;
	if (casework_queue(r->hl, &f, offset, limit, &rows, &n, &r->arena))
		return reply_json_error(r, 503, "store.unavailable");
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, report_json(&rows[i], false));
	r->no_store = true;
	reply_json(r, 200, json_pack("{s:o, s:I, s:I}", "reports", arr, "offset", (json_int_t)offset,
				     "limit", (json_int_t)limit));
}

static void api_staff_report_show(struct req *r)
{
	if (r->job_rc)
		return reply_json_error(r, 503, "store.unavailable");
	struct report_state *rs = r->state;
	r->no_store = true;
	reply_json(r, 200, report_json(&rs->c, true));
}

void api_staff_report(struct req *r)
{
	struct report_state *rs = arena_alloc(&r->arena, sizeof *rs);
	if (!rs)
		return reply_json_error(r, 500, "internal");
	int rc = casework_report_load(r->hl, &r->who, r->arg, false, &rs->c, &rs->unsealed,
				      &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_json_error(r, 404, "not_found");
	if (rc == HL_EPERM)
		return reply_json_error(r, 403, "forbidden");
	if (rc)
		return reply_json_error(r, 503, "store.unavailable");
	r->state = rs;
	req_suspend(r, api_staff_report_show);
	if (intake_submit_audit(r->hl, r->who.actor, "report.read", NULL, "report", rs->c.number,
				&r->arena, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

/* ---- actions on a report ------------------------------------------------ */

static const char *form_param(void *arg, const char *name)
{
	return arg ? form_get(arg, name) : NULL;
}

static const char *json_param(void *arg, const char *name)
{
	return json_string_value(json_object_get(arg, name));
}

static void console_act(struct req *r, const char *action)
{
	const char *code, *field;
	int rc = casework_act(r->hl, &r->who, r->arg, action, form_param, r->form, &code, &field,
			      &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EPERM)
		return reply_error(r, 403, "forbidden");
	if (rc == HL_EINVAL)
		return reply_error(r, 422, code ? code : "invalid");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char loc[64];
	snprintf(loc, sizeof loc, "/reports/%s", r->arg);
	reply_redirect(r, loc);
}

void console_act_assign(struct req *r) { console_act(r, "assign"); }
void console_act_state(struct req *r) { console_act(r, "state"); }
void console_act_classify(struct req *r) { console_act(r, "classify"); }
void console_act_note(struct req *r) { console_act(r, "note"); }
void console_act_message(struct req *r) { console_act(r, "message"); }
void console_act_duplicate(struct req *r) { console_act(r, "duplicate"); }
void console_act_kind(struct req *r) { console_act(r, "kind"); }

static void api_act(struct req *r, const char *action)
{
	json_t *body = req_read_json_strings(r);
	if (!body)
		return;
	const char *code, *field;
	int rc = casework_act(r->hl, &r->who, r->arg, action, json_param, body, &code, &field,
			      &r->arena);
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
	reply_json(r, 200, json_pack("{s:s, s:s, s:b}", "number", r->arg, "action", action, "done", 1));
}

void api_act_assign(struct req *r) { api_act(r, "assign"); }
void api_act_state(struct req *r) { api_act(r, "state"); }
void api_act_classify(struct req *r) { api_act(r, "classify"); }
void api_act_note(struct req *r) { api_act(r, "note"); }
void api_act_message(struct req *r) { api_act(r, "message"); }
void api_act_duplicate(struct req *r) { api_act(r, "duplicate"); }
void api_act_kind(struct req *r) { api_act(r, "kind"); }

/* ---- phone sheets -------------------------------------------------------- */

static const char *options_of(struct req *r, const char *const *values, const char *prefix,
			      const char *chosen, bool empty)
{
	struct buf b;
	buf_init(&b, 8192);
	if (empty)
		buf_puts(&b, "<option value=\"\"></option>");
	for (const char *const *v = values; *v; v++) {
		char key[64];
		snprintf(key, sizeof key, "%s%s", prefix, *v);
		buf_printf(&b, "<option value=\"%s\"%s>", *v,
			   chosen && strcmp(chosen, *v) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

static void call_form(struct req *r, unsigned status, const struct form *f,
		      const struct field_errors *errs)
{
	struct tpl_vars *v = console_page_vars(r, "console.call.title", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	char now[20];
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	strftime(now, sizeof now, "%Y-%m-%dT%H:%M", &tm);
	const char *get_started = f ? form_get(f, "call_started_at") : NULL;
	tpl_set(v, "v_started", get_started ? get_started : arena_strdup(&r->arena, now));
	tpl_set(v, "v_ended", f ? form_get(f, "call_ended_at") : NULL);
	tpl_set(v, "v_description", f ? form_get(f, "description") : NULL);
	tpl_set(v, "v_location", f ? form_get(f, "location") : NULL);
	tpl_set(v, "v_urls", f ? form_get(f, "urls") : NULL);
	tpl_set(v, "v_contact_name", f ? form_get(f, "contact_name") : NULL);
	tpl_set(v, "v_contact_phone", f ? form_get(f, "contact_phone") : NULL);
	tpl_set(v, "caller_options",
		options_of(r, report_callers, "caller.", f ? form_get(f, "caller") : NULL, true));
	tpl_set(v, "kind_options", options_of(r, report_phone_kinds, "call.kind.",
					      f ? form_get(f, "kind") : "needs_triage", false));
	tpl_set(v, "urgency_options", options_of(r, report_urgencies, "urgency.",
						 f ? form_get(f, "urgency") : "normal", false));
	if (errs && errs->n) {
		struct buf b;
		buf_init(&b, 8192);
		for (int i = 0; i < errs->n; i++) {
			char field[40];
			snprintf(field, sizeof field, "%s", errs->e[i].field);
			char *br = strchr(field, '[');
			if (br)
				*br = '\0';
			buf_printf(&b, "<li id=\"error-%s\" class=\"error\">", field);
			char key[64];
			snprintf(key, sizeof key, "call.field.%s", field);
			buf_put_html(&b, i18n_get(r->lang, key));
			buf_puts(&b, ": ");
			buf_put_html(&b, page_error_message(r, field, errs->e[i].code));
			buf_puts(&b, "</li>");
		}
		tpl_set(v, "error_list", arena_strdup(&r->arena, buf_str(&b)));
		buf_free(&b);
	}
	page_reply(r, status, "console_call", v);
}

void console_call_form(struct req *r)
{
	call_form(r, 200, NULL, NULL);
}

static void call_committed(struct req *r)
{
	if (r->job_rc)
		return reply_error(r, 503, "store.unavailable");
	audit_append(r->hl, r->who.actor, "call.file", "report", r->receipt.number, NULL);
	char loc[64];
	snprintf(loc, sizeof loc, "/reports/%s", r->receipt.number);
	reply_redirect(r, loc);
}

void console_call_submit(struct req *r)
{
	struct form *f = r->form;
	struct report *rep = arena_alloc(&r->arena, sizeof *rep);
	if (!rep || !f)
		return reply_error(r, 500, "internal");
	for (int i = 0; i < f->n; i++)
		if (!utf8_valid(f->f[i].value, strlen(f->f[i].value)))
			return reply_error(r, 400, "utf8.invalid");
	memset(rep, 0, sizeof *rep);
	rep->channel = "phone";
	rep->kind = form_get(f, "kind");
	rep->description = form_get(f, "description");
	rep->location = form_get(f, "location");
	rep->call_started_at = form_get(f, "call_started_at");
	rep->call_ended_at = form_get(f, "call_ended_at");
	rep->caller = form_get(f, "caller");
	rep->urgency = form_get(f, "urgency");
	rep->operator = r->who.name;
	rep->contact_name = form_get(f, "contact_name");
	rep->contact_phone = form_get(f, "contact_phone");
	const char *cw = form_get(f, "contact_wanted");
	rep->may_contact = cw && strcmp(cw, "yes") == 0;
	rep->language = r->lang;
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
	if (errs.n)
		return call_form(r, 422, f, &errs);
	r->state = rep;
	req_suspend(r, call_committed);
	if (intake_submit_report(r->hl, rep, &r->arena, &r->receipt, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

void console_calls(struct req *r)
{
	struct casework_report *rows;
	size_t n;
	if (casework_my_calls(r->hl, &r->who, 100, &rows, &n, &r->arena))
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "console.calls", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		char key[64];
		buf_printf(&b, "<tr class=\"priority-%d\"><td><a href=\"/reports/%s\">%s</a></td><td>",
			   rows[i].priority, rows[i].number, rows[i].number);
		buf_put_html(&b, rows[i].call_started_at);
		snprintf(key, sizeof key, "caller.%s", rows[i].caller);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, i18n_get(r->lang, key));
		snprintf(key, sizeof key, "urgency.%s", rows[i].urgency);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, i18n_get(r->lang, key));
		snprintf(key, sizeof key, "state.%s", rows[i].state);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "rows", n ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_free(&b);
	page_reply(r, 200, "console_calls", v);
}
