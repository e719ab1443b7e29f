/* console_mail.c — the console's e-mail pages: the outgoing mail queue
 * (supervisors and admins: what is queued, sent and failed, and a retry
 * for what failed), writing to an e-mail reporter from their report page
 * (the address stays sealed: the sender opens it, staff never see it),
 * and what an e-mail report shows besides the usual (subject, parse
 * warnings, attachments). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "casework.h"
#include "err.h"
#include "form.h"
#include "hotline.h"
#include "http.h"
#include "i18n.h"
#include "mail.h"
#include "mailout.h"
#include "page.h"
#include "receipt.h"
#include "utf8.h"

#define MAIL_PAGE 100

/* ---- the queue ------------------------------------------------------------ */

static const char *const mail_states[] = {"queued", "sending", "sent", "failed", NULL};

struct mail_rows {
	struct req *r;
	struct buf *b;
	int64_t last;
	int n;
};

static void mail_row(void *arg, const struct store_mail_row *m)
{
	struct mail_rows *mr = arg;
	struct buf *b = mr->b;
	struct req *r = mr->r;
	char key[48];
	mr->last = m->id;
	mr->n++;
	buf_printf(b, "<tr id=\"mail-%" PRId64 "\" data-state=\"%s\"><td>%" PRId64 "</td><td>", m->id,
		   m->state, m->id);
	snprintf(key, sizeof key, "mail.kind.%s", m->kind);
	buf_put_html(b, i18n_get(r->lang, key));
	buf_puts(b, "</td><td>");
	if (m->ref_type && strcmp(m->ref_type, "report") == 0 && m->ref_id) {
		buf_puts(b, "<a href=\"/reports/");
		buf_put_html(b, m->ref_id);
		buf_puts(b, "\">");
		buf_put_html(b, m->ref_id);
		buf_puts(b, "</a>");
	} else if (m->ref_type) {
		buf_put_html(b, m->ref_type);
		buf_puts(b, " ");
		buf_put_html(b, m->ref_id ? m->ref_id : "");
	}
	buf_puts(b, "</td><td>");
	/* the recipient stays sealed: a reporter's address is never shown */
	buf_put_html(b, i18n_get(r->lang, m->to_sealed ? "mail.to.sealed" : "mail.to.reporter"));
	buf_puts(b, "</td><td class=\"mail-subject\">");
	buf_put_html(b, m->subject);
	buf_printf(b, "</td><td class=\"mail-state-%s\">", m->state);
	snprintf(key, sizeof key, "mail.state.%s", m->state);
	buf_put_html(b, i18n_get(r->lang, key));
	buf_printf(b, "</td><td>%" PRId64 "</td><td>", m->attempts);
	buf_put_html(b, m->sent_at ? m->sent_at : m->created_at);
	buf_puts(b, "</td><td class=\"mail-error\">");
	buf_put_html(b, m->last_error ? m->last_error : "");
	buf_puts(b, "</td><td>");
	if (strcmp(m->state, "failed") == 0) {
		buf_printf(b, "<form method=\"post\" action=\"/mail/%" PRId64 "/retry\" class=\"inline\">"
			      "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
			      "<button type=\"submit\" class=\"link\">",
			   m->id, r->who.csrf);
		buf_put_html(b, i18n_get(r->lang, "mail.retry"));
		buf_puts(b, "</button></form>");
	}
	buf_puts(b, "</td></tr>");
}

void console_mail_queue(struct req *r)
{
	struct tpl_vars *v = console_page_vars(r, "console.mail", "/mail");
	if (!v)
		return reply_error(r, 500, "internal");
	const char *state = req_query(r, "state");
	if (state && !*state)
		state = NULL;
	if (state && !report_in_list(mail_states, state))
		return reply_error(r, 422, "invalid");
	const char *before_s = req_query(r, "before");
	int64_t before = 0;
	if (before_s && *before_s) {
		char *end;
		long long n = strtoll(before_s, &end, 10);
		if (*end || n < 0)
			return reply_error(r, 422, "invalid");
		before = n;
	}
	struct buf b;
	buf_init(&b, 4u << 20);
	struct mail_rows mr = {r, &b, 0, 0};
	int64_t q = 0, s = 0, sent = 0, f = 0;
	struct db *db = hotline_db(r->hl);
	int rc = db ? store_mail_list(db, state, before, MAIL_PAGE, mail_row, &mr, &r->arena) : HL_EIO;
	if (!rc)
		rc = store_mail_counts(db, &q, &s, &sent, &f);
	hotline_db_put(r->hl, db);
	if (rc) {
		buf_free(&b);
		return reply_error(r, 503, "store.unavailable");
	}
	tpl_set(v, "rows", mr.n ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	for (const char *const *st = mail_states; *st; st++) {
		char key[48];
		snprintf(key, sizeof key, "mail.state.%s", *st);
		buf_printf(&b, "<option value=\"%s\"%s>", *st,
			   state && strcmp(state, *st) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	tpl_set(v, "state_options", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);
	char num[4][24];
	int64_t counts[4] = {q, s, sent, f};
	static const char *const names[] = {"count_queued", "count_sending", "count_sent",
					    "count_failed"};
	for (int i = 0; i < 4; i++) {
		snprintf(num[i], sizeof num[i], "%" PRId64, counts[i]);
		tpl_set(v, names[i], arena_strdup(&r->arena, num[i]));
	}
	if (mr.n == MAIL_PAGE) {
		char next[96];
		snprintf(next, sizeof next, "/mail?before=%" PRId64 "%s%s", mr.last,
			 state ? "&state=" : "", state ? state : "");
		tpl_set(v, "next", arena_strdup(&r->arena, next));
	}
	tpl_set(v, "relay", mailout_configured(r->hl) ? "1" : NULL);
	page_reply(r, 200, "console_mail", v);
}

void console_mail_retry(struct req *r)
{
	char *end;
	long long id = r->arg ? strtoll(r->arg, &end, 10) : 0;
	if (!r->arg || !*r->arg || *end || id <= 0)
		return reply_error(r, 404, "not_found");
	int rc = mailout_requeue(r->hl, r->who.actor, id);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	reply_redirect(r, "/mail");
}

/* ---- writing to an e-mail reporter ------------------------------------------ */

void console_act_mail(struct req *r)
{
	const char *code;
	int rc = mailout_staff_write(r->hl, &r->who, r->arg, form_get(r->form, "text"), &code,
				     &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EINVAL)
		return reply_error(r, 422, code ? code : "invalid");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char loc[64];
	snprintf(loc, sizeof loc, "/reports/%s", r->arg);
	reply_redirect(r, loc);
}

void api_act_mail(struct req *r)
{
	json_t *body = req_read_json(r);
	if (!body)
		return;
	json_t *t = json_object_get(body, "text");
	if (t && !json_is_string(t) && !json_is_null(t)) {
		json_decref(body);
		struct field_errors errs = {0};
		field_errors_add(&errs, "text", "type");
		return reply_json_errors(r, 422, &errs);
	}
	const char *code;
	const char *text = t ? arena_strdup(&r->arena, json_string_value(t) ? json_string_value(t) : "")
			     : NULL;
	json_decref(body);
	int rc = mailout_staff_write(r->hl, &r->who, r->arg, text, &code, &r->arena);
	if (rc == HL_ENOTFOUND)
		return reply_json_error(r, 404, "not_found");
	if (rc == HL_EINVAL) {
		struct field_errors errs = {0};
		field_errors_add(&errs, "text", code ? code : "invalid");
		return reply_json_errors(r, 422, &errs);
	}
	if (rc)
		return reply_json_error(r, 503, "store.unavailable");
	reply_json(r, 200, json_pack("{s:s, s:s, s:b}", "number", r->arg, "action", "mail", "done", 1));
}

/* ---- the report page of an e-mail report ------------------------------------- */

void console_mail_report_vars(struct req *r, struct tpl_vars *v, const struct casework_report *c);

void console_mail_report_vars(struct req *r, struct tpl_vars *v, const struct casework_report *c)
{
	if (!c->channel || strcmp(c->channel, "email") != 0)
		return;
	if (c->has_contact && (role_bit(r->who.role) & (ROLE_ANALYST | ROLE_CASE_WORKER |
							  ROLE_SUPERVISOR)))
		tpl_set(v, "can_mail_reporter", "1");
	if (!c->parse_warnings)
		return;
	/* the stored codes ("base64,boundary") in the staff member's language */
	struct buf b;
	buf_init(&b, 65536);
	char *copy = arena_strdup(&r->arena, c->parse_warnings);
	for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		char key[80];
		snprintf(key, sizeof key, "mail.warning.%s", t);
		if (b.len)
			buf_puts(&b, "; ");
		buf_puts(&b, i18n_has("en", key) ? i18n_get(r->lang, key) : t);
	}
	tpl_set(v, "parse_warnings", arena_strdup(&r->arena, buf_str(&b)));
	buf_free(&b);
}
