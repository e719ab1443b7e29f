/* console_hashlists.c — hash lists in the console: the admin's pages (list,
 * import by upload or paste, settings, disable a single entry, export,
 * remove), the analyst's "add to the local list" and "false positive"
 * actions on a report, and the staff API's batch look-up
 * (POST /api/v1/hashes/lookup). Every change goes through core/banks.c,
 * which audits it; running lists are brought up to date at once. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_json.h"
#include "banks.h"
#include "casework.h"
#include "err.h"
#include "exacthash.h"
#include "form.h"
#include "hotline.h"
#include "http.h"
#include "i18n.h"
#include "matcher.h"
#include "page.h"
#include "receipt.h"

#define LOOKUP_MAX 1000 /* hashes per look-up request */

static const char *const action_values[] = {"raise_priority", "suggest_classification",
					    "previously_assessed", NULL};

static const char *action_options(struct req *r, const char *cur)
{
	struct buf b;
	buf_init(&b, 8192);
	for (const char *const *a = action_values; *a; a++) {
		char key[64];
		snprintf(key, sizeof key, "hashlist.action.%s", *a);
		buf_printf(&b, "<option value=\"%s\"%s>", *a,
			   cur && strcmp(cur, *a) == 0 ? " selected" : "");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_puts(&b, "</option>");
	}
	const char *s = arena_strdup(&r->arena, buf_str(&b));
	buf_free(&b);
	return s;
}

static void lists_page(struct req *r, unsigned status, const char *error_code,
		       const struct banks_import_result *done, const char *done_name,
		       const char *bad_lines)
{
	struct tpl_vars *v = console_page_vars(r, "console.hashlists", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	struct db *db = hotline_db(r->hl);
	struct store_hashlist *l = NULL;
	size_t n = 0;
	int rc = db ? store_hashlist_all(db, &l, &n, &r->arena) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	struct buf b;
	buf_init(&b, 1u << 20);
	for (size_t i = 0; i < n; i++) {
		char key[64];
		buf_puts(&b, "<tr><td><a href=\"/admin/hashlists/");
		buf_put_html(&b, l[i].name);
		buf_puts(&b, "\">");
		buf_put_html(&b, l[i].name);
		buf_puts(&b, "</a></td><td>");
		buf_put_html(&b, l[i].source ? l[i].source : "");
		snprintf(key, sizeof key, "hashlist.action.%s", l[i].action);
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, i18n_get(r->lang, key));
		buf_printf(&b, "</td><td class=\"num\">%d</td><td class=\"num\">%" PRId64
			       "</td><td class=\"num\">%" PRId64 "</td></tr>",
			   l[i].pdq_threshold, l[i].entries, l[i].disabled);
	}
	tpl_set(v, "rows", n ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_free(&b);
	tpl_set(v, "action_options", action_options(r, "raise_priority"));
	if (error_code)
		tpl_set(v, "admin_error", page_error_message(r, NULL, error_code));
	if (done) {
		char num[4][24];
		snprintf(num[0], 24, "%" PRIu64, done->lines);
		snprintf(num[1], 24, "%" PRIu64, done->added);
		snprintf(num[2], 24, "%" PRIu64, done->present);
		snprintf(num[3], 24, "%" PRIu64, done->bad);
		tpl_set(v, "done_name", done_name);
		tpl_set(v, "done_lines", arena_strdup(&r->arena, num[0]));
		tpl_set(v, "done_added", arena_strdup(&r->arena, num[1]));
		tpl_set(v, "done_present", arena_strdup(&r->arena, num[2]));
		tpl_set(v, "done_bad", arena_strdup(&r->arena, num[3]));
		tpl_set(v, "bad_lines", bad_lines);
	}
	page_reply(r, status, "console_hashlists", v);
}

void console_hashlists(struct req *r)
{
	lists_page(r, 200, NULL, NULL, NULL, NULL);
}

struct bad_acc {
	struct buf b;
	uint64_t n;
	struct req *r;
};

static void bad_line(void *arg, uint64_t line, const char *code)
{
	struct bad_acc *acc = arg;
	if (acc->n++ >= 100)
		return;
	char key[64];
	snprintf(key, sizeof key, "error.%s", code);
	buf_printf(&acc->b, "<li>%s %" PRIu64 ": ", i18n_get(acc->r->lang, "hashlist.line"), line);
	buf_put_html(&acc->b, i18n_get(acc->r->lang, key));
	buf_puts(&acc->b, "</li>");
}

/* Reads the settings fields of a form; *bad when one is malformed. */
static void form_settings(struct req *r, struct banks_settings *s, bool *bad)
{
	memset(s, 0, sizeof *s);
	s->pdq_threshold = -1;
	*bad = false;
	s->source = form_get(r->form, "source");
	s->action = form_get(r->form, "action");
	s->classification = form_get(r->form, "classification");
	if (s->action && !*s->action)
		s->action = NULL;
	const char *t = form_get(r->form, "threshold");
	if (t && *t) {
		char *end;
		long v = strtol(t, &end, 10);
		if (*end || v < 0 || v > 256)
			*bad = true;
		else
			s->pdq_threshold = (int)v;
	}
}

void console_hashlist_import(struct req *r)
{
	const char *name = form_get(r->form, "name");
	const char *fmt = form_get(r->form, "format");
	const char *data = form_get(r->form, "file");
	if (!data || !*data)
		data = form_get(r->form, "text");
	struct banks_settings s;
	bool bad;
	form_settings(r, &s, &bad);
	enum hashlist_format f;
	if (bad)
		return lists_page(r, 422, "hashlist.threshold", NULL, NULL, NULL);
	if (!name || !*name)
		return lists_page(r, 422, "hashlist.name", NULL, NULL, NULL);
	if (hashlist_format_parse(fmt, &f))
		return lists_page(r, 422, "hashlist.format", NULL, NULL, NULL);
	if (!data || !*data)
		return lists_page(r, 422, "hashlist.empty", NULL, NULL, NULL);
	FILE *in = fmemopen((void *)data, strlen(data), "r");
	if (!in)
		return reply_error(r, 500, "internal");
	struct bad_acc acc = {.r = r};
	buf_init(&acc.b, 1u << 20);
	struct banks_import_result res;
	const char *code = NULL;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_import(db, r->who.actor, name, &s, in, f, form_get(r->form, "algo"),
				   bad_line, &acc, &res, &code)
		    : HL_EIO;
	hotline_db_put(r->hl, db);
	fclose(in);
	if (rc == HL_EINVAL) {
		buf_free(&acc.b);
		return lists_page(r, 422, code ? code : "invalid", NULL, NULL, NULL);
	}
	if (rc) {
		buf_free(&acc.b);
		return reply_error(r, 503, "store.unavailable");
	}
	hotline_lists_follow(r->hl); /* matching uses the new entries at once */
	lists_page(r, 200, NULL, &res, name, acc.n ? arena_strdup(&r->arena, buf_str(&acc.b)) : NULL);
	buf_free(&acc.b);
}

static void list_page(struct req *r, unsigned status, const char *error_code, const char *notice)
{
	struct db *db = hotline_db(r->hl);
	if (!db)
		return reply_error(r, 503, "store.unavailable");
	struct store_hashlist l;
	int rc = store_hashlist_get(db, r->arg, 0, &l, &r->arena);
	struct store_hash_entry e;
	int erc = HL_ENOTFOUND;
	const char *qa = req_query(r, "algo"), *qh = req_query(r, "hash");
	bool searched = qa && qh && *qh;
	bool bad_hash = false;
	if (!rc && searched) {
		const char *an = hashlist_algo_name(qa);
		uint8_t h[32];
		size_t len = hashlist_algo_len(an);
		if (!len || hashlist_hex_decode(qh, strlen(qh), h, len))
			bad_hash = true;
		else
			erc = store_hashlist_entry_find(db, l.id, an, h, len, &e, &r->arena);
	}
	hotline_db_put(r->hl, db);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	struct tpl_vars *v = console_page_vars(r, "console.hashlist", "/");
	if (!v)
		return reply_error(r, 500, "internal");
	char num[3][24];
	snprintf(num[0], 24, "%d", l.pdq_threshold);
	snprintf(num[1], 24, "%" PRId64, l.entries);
	snprintf(num[2], 24, "%" PRId64, l.disabled);
	tpl_set(v, "name", l.name);
	tpl_set(v, "source", l.source);
	tpl_set(v, "classification", l.classification);
	tpl_set(v, "threshold", arena_strdup(&r->arena, num[0]));
	tpl_set(v, "entries", arena_strdup(&r->arena, num[1]));
	tpl_set(v, "disabled", arena_strdup(&r->arena, num[2]));
	tpl_set(v, "created_at", l.created_at);
	tpl_set(v, "updated_at", l.updated_at);
	tpl_set(v, "local", l.local ? "1" : NULL);
	tpl_set(v, "action_options", action_options(r, l.action));
	tpl_set(v, "q_hash", qh);
	if (searched) {
		tpl_set(v, "searched", "1");
		if (bad_hash) {
			tpl_set(v, "search_error", page_error_message(r, NULL, "hash.invalid"));
		} else if (erc == 0) {
			char hex[65], idbuf[24];
			exacthash_to_hex(e.hash, e.len, hex);
			snprintf(idbuf, sizeof idbuf, "%" PRId64, e.id);
			tpl_set(v, "entry_id", arena_strdup(&r->arena, idbuf));
			tpl_set(v, "entry_algo", e.algo);
			tpl_set(v, "entry_hash", arena_strdup(&r->arena, hex));
			tpl_set(v, "entry_meta", e.meta);
			tpl_set(v, "entry_added", e.added_at);
			tpl_set(v, "entry_disabled", e.disabled ? "1" : NULL);
			tpl_set(v, "entry_reason", e.disabled_reason);
		} else {
			tpl_set(v, "search_none", "1");
		}
	}
	if (error_code)
		tpl_set(v, "admin_error", page_error_message(r, NULL, error_code));
	if (notice)
		tpl_set(v, "notice", i18n_get(r->lang, notice));
	page_reply(r, status, "console_hashlist", v);
}

void console_hashlist(struct req *r)
{
	list_page(r, 200, NULL, NULL);
}

void console_hashlist_settings(struct req *r)
{
	struct banks_settings s;
	bool bad;
	form_settings(r, &s, &bad);
	if (bad)
		return list_page(r, 422, "hashlist.threshold", NULL);
	const char *code = NULL;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_set(db, r->who.actor, r->arg, &s, &code) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc == HL_EINVAL)
		return list_page(r, 422, code, NULL);
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	hotline_lists_follow(r->hl);
	list_page(r, 200, NULL, "hashlist.saved");
}

void console_hashlist_entry(struct req *r)
{
	const char *algo = form_get(r->form, "algo"), *hash = form_get(r->form, "hash");
	const char *op = form_get(r->form, "op");
	const char *reason = form_get(r->form, "reason");
	if (!op || (strcmp(op, "disable") != 0 && strcmp(op, "enable") != 0))
		return list_page(r, 422, "invalid", NULL);
	if (reason && strlen(reason) > 1000)
		return list_page(r, 422, "too_long", NULL);
	const char *code = NULL;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_disable(db, r->who.actor, r->arg, algo, hash, strcmp(op, "disable") == 0,
				    reason && *reason ? reason : NULL, &code)
		    : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc == HL_EINVAL)
		return list_page(r, 422, code, NULL);
	if (rc == HL_ENOTFOUND)
		return list_page(r, 404, "hashlist.no_entry", NULL);
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	hotline_lists_follow(r->hl);
	char path[400];
	snprintf(path, sizeof path, "/admin/hashlists/%s?algo=%s&hash=%s", r->arg,
		 hashlist_algo_name(algo), hash);
	reply_redirect(r, arena_strdup(&r->arena, path));
}

void console_hashlist_remove(struct req *r)
{
	const char *confirm = form_get(r->form, "confirm");
	if (!confirm || strcmp(confirm, r->arg) != 0)
		return list_page(r, 422, "hashlist.confirm", NULL);
	int64_t removed = 0;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_remove(db, r->who.actor, r->arg, &removed) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	hotline_lists_follow(r->hl);
	reply_redirect(r, "/admin/hashlists");
}

void console_hashlist_export(struct req *r)
{
	const char *fmt = req_query(r, "format");
	enum hashlist_format f = HASHLIST_CSV;
	if (fmt && hashlist_format_parse(fmt, &f))
		return reply_error(r, 422, "hashlist.format");
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	if (!out)
		return reply_error(r, 500, "internal");
	uint64_t n = 0;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_export(db, r->who.actor, r->arg, f, out, &n) : HL_EIO;
	hotline_db_put(r->hl, db);
	fclose(out);
	if (rc) {
		free(text);
		return reply_error(r, rc == HL_ENOTFOUND ? 404 : 503,
				   rc == HL_ENOTFOUND ? "not_found" : "store.unavailable");
	}
	r->no_store = true;
	reply_bytes(r, 200, f == HASHLIST_CSV ? "text/csv; charset=utf-8" : "text/plain; charset=utf-8",
		    text, len);
	free(text);
	char disp[200];
	snprintf(disp, sizeof disp, "attachment; filename=\"%s.%s\"", r->arg,
		 f == HASHLIST_CSV ? "csv" : "txt");
	reply_header(r, "Content-Disposition", disp);
}

/* ---- on a report ------------------------------------------------------- */

static int64_t report_id_of(const char *number)
{
	char num[RECEIPT_NUMBER_SIZE];
	return number && receipt_number_parse(number, num) ? (int64_t)receipt_number_id(num) : 0;
}

static int add_report(struct req *r, uint64_t *added)
{
	int64_t id = report_id_of(r->arg);
	if (!id)
		return HL_ENOTFOUND;
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_add_report(db, r->who.actor, id, added) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (!rc)
		hotline_lists_follow(r->hl);
	return rc;
}

void console_act_hashlist(struct req *r)
{
	uint64_t added;
	int rc = add_report(r, &added);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	char path[64];
	snprintf(path, sizeof path, "/reports/%s", r->arg);
	reply_redirect(r, arena_strdup(&r->arena, path));
}

void api_act_hashlist(struct req *r)
{
	uint64_t added;
	int rc = add_report(r, &added);
	if (rc == HL_ENOTFOUND)
		return reply_json_error(r, 404, "not_found");
	if (rc)
		return reply_json_error(r, 503, "store.unavailable");
	reply_json(r, 200, json_pack("{s:s, s:I}", "list", BANKS_LOCAL_NAME, "added",
				     (json_int_t)added));
}

/* "Not this material": disables one matched entry from the report page. */
void console_act_false_positive(struct req *r)
{
	const char *e = form_get(r->form, "entry");
	char *end = NULL;
	long long id = e ? strtoll(e, &end, 10) : 0;
	if (!e || *end || id <= 0)
		return reply_error(r, 422, "invalid");
	char reason[64];
	snprintf(reason, sizeof reason, "false positive on report %s", r->arg);
	struct db *db = hotline_db(r->hl);
	int rc = db ? banks_disable_id(db, r->who.actor, id, true, reason) : HL_EIO;
	hotline_db_put(r->hl, db);
	if (rc == HL_ENOTFOUND)
		return reply_error(r, 404, "not_found");
	if (rc)
		return reply_error(r, 503, "store.unavailable");
	hotline_lists_follow(r->hl);
	char path[64];
	snprintf(path, sizeof path, "/reports/%s", r->arg);
	reply_redirect(r, arena_strdup(&r->arena, path));
}

/* ---- POST /api/v1/hashes/lookup ---------------------------------------- */

struct lookup_state {
	json_t *answer;
	char detail[80];
};

static void lookup_done(struct req *r)
{
	struct lookup_state *ls = r->state;
	if (r->job_rc) {
		json_decref(ls->answer);
		return reply_json_error(r, 503, "store.unavailable");
	}
	r->no_store = true;
	reply_json(r, 200, ls->answer);
}

void api_hashes_lookup(struct req *r)
{
	json_t *body = req_read_json(r);
	if (!body)
		return;
	struct field_errors errs = {0};
	json_t *val;
	const char *key;
	json_object_foreach(body, key, val)
	{
		if (strcmp(key, "hashes") != 0 && strcmp(key, "max_distance") != 0) {
			char path[40];
			snprintf(path, sizeof path, "%.39s", key);
			field_errors_add(&errs, path, "unknown");
		}
	}
	json_t *md = json_object_get(body, "max_distance");
	int max_distance = -1;
	if (md && !json_is_null(md)) {
		if (!json_is_integer(md) || json_integer_value(md) < 0 ||
		    json_integer_value(md) > 256)
			field_errors_add(&errs, "max_distance", "invalid");
		else
			max_distance = (int)json_integer_value(md);
	}
	json_t *hv = json_object_get(body, "hashes");
	struct report_hash *h = NULL;
	size_t n = 0;
	if (!hv)
		field_errors_add(&errs, "hashes", "required");
	int rc = api_hashes_from_json(hv, "hashes", &h, &n, LOOKUP_MAX, &errs, &r->arena);
	json_decref(body);
	if (rc)
		return reply_json_error(r, 500, "internal");
	if (errs.n)
		return reply_json_errors(r, 422, &errs);
	if (!r->hl->matcher)
		return reply_json_error(r, 503, "store.unavailable");
	json_t *results = json_array();
	for (size_t i = 0; i < n; i++) {
		struct report_match *m;
		size_t nm;
		char hex[65];
		exacthash_to_hex(h[i].bytes, h[i].len, hex);
		rc = matcher_lookup(r->hl->matcher, h[i].algo, h[i].bytes, h[i].len, max_distance, &m,
				    &nm, &r->arena);
		if (rc) {
			json_decref(results);
			return reply_json_error(r, 500, "internal");
		}
		json_t *ms = json_array();
		for (size_t k = 0; k < nm; k++) {
			const char *ln = "", *la = "", *lc = NULL;
			matcher_list_info(r->hl->matcher, m[k].list_id, &ln, &la, &lc, &r->arena);
			json_array_append_new(
				ms, json_pack("{s:s, s:I, s:I, s:s, s:i, s:s, s:s?}", "list", ln, "list_id",
					      (json_int_t)m[k].list_id, "entry_id",
					      (json_int_t)m[k].entry_id, "algo", m[k].algo, "distance",
					      (int)m[k].distance, "action", la, "classification", lc));
		}
		json_array_append_new(results, json_pack("{s:s, s:s, s:o}", "algo", h[i].algo, "hash",
							 hex, "matches", ms));
	}
	struct lookup_state *ls = arena_alloc(&r->arena, sizeof *ls);
	if (!ls) {
		json_decref(results);
		return reply_json_error(r, 500, "internal");
	}
	ls->answer = json_pack("{s:o}", "results", results);
	snprintf(ls->detail, sizeof ls->detail, "%zu", n);
	r->state = ls;
	/* the look-up is audited (who asked about how many hashes) before the
	 * answer leaves */
	req_suspend(r, lookup_done);
	if (intake_submit_audit(r->hl, r->who.actor, "hashes.lookup", NULL, "hashes", ls->detail,
				&r->arena, req_resume, r))
		req_resume(r, HL_ENOMEM);
}

/* ---- what a report page shows of files, hashes and matches ------------- */

static void put_size(struct buf *b, int64_t n)
{
	if (n < 1024)
		buf_printf(b, "%" PRId64 " B", n);
	else if (n < 1024 * 1024)
		buf_printf(b, "%.1f KiB", (double)n / 1024);
	else
		buf_printf(b, "%.1f MiB", (double)n / (1024 * 1024));
}

void console_report_evidence(struct req *r, struct tpl_vars *v, const struct casework_report *c)
{
	struct buf b;
	buf_init(&b, 1u << 20);
	char hex[65], key[64];
	tpl_set(v, "subject", c->subject);
	tpl_set(v, "parse_warnings", c->parse_warnings);
	bool may_fp = (role_bit(r->who.role) & (ROLE_ANALYST | ROLE_SUPERVISOR)) != 0;
	for (size_t i = 0; i < c->nmatches; i++) {
		const struct store_report_match *m = &c->matches[i];
		buf_printf(&b, "<tr%s><td>", m->entry_disabled ? " class=\"disabled\"" : "");
		buf_put_html(&b, m->list_name);
		buf_printf(&b, "</td><td>%" PRId64 "</td><td>%s</td><td class=\"num\">%d</td><td>",
			   m->entry_id, m->algo, m->distance);
		snprintf(key, sizeof key, "hashlist.action.%s", m->action);
		buf_put_html(&b, *m->action ? i18n_get(r->lang, key) : "");
		buf_puts(&b, "</td><td>");
		if (m->attachment >= 0 && (size_t)m->attachment < c->nattachments) {
			const char *nm = c->attachments[m->attachment].name;
			buf_put_html(&b, i18n_get(r->lang, "console.matches.file"));
			buf_printf(&b, " %d", m->attachment + 1);
			if (nm) {
				buf_puts(&b, " (");
				buf_put_html(&b, nm);
				buf_puts(&b, ")");
			}
		} else if (m->hash >= 0) {
			buf_put_html(&b, i18n_get(r->lang, "console.matches.hash"));
			buf_printf(&b, " %d", m->hash + 1);
		}
		buf_puts(&b, "</td><td>");
		if (m->entry_disabled)
			buf_put_html(&b, i18n_get(r->lang, "hashlist.entry.disabled"));
		else if (may_fp)
			buf_printf(&b,
				   "<form method=\"post\" action=\"/reports/%s/false_positive\" "
				   "class=\"inline\"><input type=\"hidden\" name=\"csrf\" value=\"%s\">"
				   "<input type=\"hidden\" name=\"entry\" value=\"%" PRId64 "\">"
				   "<button type=\"submit\" class=\"link\">%s</button></form>",
				   c->number, r->who.csrf, m->entry_id,
				   i18n_get(r->lang, "console.matches.false_positive"));
		buf_puts(&b, "</td></tr>");
		if (!m->entry_disabled && strcmp(m->action, "previously_assessed") == 0)
			tpl_set(v, "previously_assessed", "1");
		if (!m->entry_disabled && strcmp(m->action, "suggest_classification") == 0 &&
		    m->classification)
			tpl_set(v, "suggested", m->classification);
	}
	tpl_set(v, "matches", c->nmatches ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	for (size_t i = 0; i < c->nattachments; i++) {
		const struct store_attachment_row *f = &c->attachments[i];
		buf_puts(&b, "<tr><td>");
		buf_put_html(&b, f->name ? f->name : "");
		buf_puts(&b, "</td><td>");
		buf_put_html(&b, f->type ? f->type : "");
		buf_puts(&b, "</td><td class=\"num\">");
		put_size(&b, f->size);
		buf_puts(&b, "</td><td><code class=\"hashes\">");
		exacthash_to_hex(f->sha256, 32, hex);
		buf_printf(&b, "SHA-256 %s<br>", hex);
		exacthash_to_hex(f->sha1, 20, hex);
		buf_printf(&b, "SHA-1 %s<br>", hex);
		exacthash_to_hex(f->md5, 16, hex);
		buf_printf(&b, "MD5 %s", hex);
		if (f->has_pdq) {
			exacthash_to_hex(f->pdq, 32, hex);
			buf_printf(&b, "<br>PDQ %s (%d)", hex, f->pdq_quality);
		}
		buf_puts(&b, "</code>");
		if (f->problem) {
			snprintf(key, sizeof key, "console.attachments.%s", f->problem);
			buf_puts(&b, "<br><span class=\"hint\">");
			buf_put_html(&b, i18n_get(r->lang, key));
			buf_puts(&b, "</span>");
		}
		buf_puts(&b, "</td></tr>");
	}
	tpl_set(v, "attachments", c->nattachments ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	buf_reset(&b);
	for (size_t i = 0; i < c->nhashes; i++) {
		exacthash_to_hex(c->hashes[i].hash, c->hashes[i].len, hex);
		buf_printf(&b, "<li><code>%s %s</code></li>", c->hashes[i].algo, hex);
	}
	tpl_set(v, "hashes", c->nhashes ? arena_strdup(&r->arena, buf_str(&b)) : NULL);
	tpl_set(v, "has_hashes", c->nhashes || c->nattachments ? "1" : NULL);
	buf_free(&b);
}

void api_report_evidence(json_t *o, const struct casework_report *c)
{
	char hex[65];
	json_object_set_new(o, "subject", c->subject ? json_string(c->subject) : json_null());
	json_object_set_new(o, "parse_warnings",
			    c->parse_warnings ? json_string(c->parse_warnings) : json_null());
	json_t *att = json_array();
	for (size_t i = 0; i < c->nattachments; i++) {
		const struct store_attachment_row *f = &c->attachments[i];
		json_t *a = json_object();
		json_object_set_new(a, "name", f->name ? json_string(f->name) : json_null());
		json_object_set_new(a, "type", f->type ? json_string(f->type) : json_null());
		json_object_set_new(a, "size", json_integer(f->size));
		exacthash_to_hex(f->md5, 16, hex);
		json_object_set_new(a, "md5", json_string(hex));
		exacthash_to_hex(f->sha1, 20, hex);
		json_object_set_new(a, "sha1", json_string(hex));
		exacthash_to_hex(f->sha256, 32, hex);
		json_object_set_new(a, "sha256", json_string(hex));
		if (f->has_pdq) {
			exacthash_to_hex(f->pdq, 32, hex);
			json_object_set_new(a, "pdq", json_string(hex));
			json_object_set_new(a, "pdq_quality", json_integer(f->pdq_quality));
		} else {
			json_object_set_new(a, "pdq", json_null());
		}
		json_object_set_new(a, "problem", f->problem ? json_string(f->problem) : json_null());
		json_array_append_new(att, a);
	}
	json_object_set_new(o, "attachments", att);
	json_t *hs = json_array();
	for (size_t i = 0; i < c->nhashes; i++) {
		exacthash_to_hex(c->hashes[i].hash, c->hashes[i].len, hex);
		json_array_append_new(hs, json_pack("{s:s, s:s}", "algo", c->hashes[i].algo, "hash", hex));
	}
	json_object_set_new(o, "hashes", hs);
	json_t *ms = json_array();
	for (size_t i = 0; i < c->nmatches; i++) {
		const struct store_report_match *m = &c->matches[i];
		json_t *j = json_pack("{s:s, s:I, s:I, s:s, s:i, s:s, s:b}", "list", m->list_name,
				      "list_id", (json_int_t)m->list_id, "entry_id",
				      (json_int_t)m->entry_id, "algo", m->algo, "distance", m->distance,
				      "action", m->action, "entry_disabled", m->entry_disabled);
		json_object_set_new(j, "attachment", m->attachment >= 0 ? json_integer(m->attachment) : json_null());
		json_object_set_new(j, "hash", m->hash >= 0 ? json_integer(m->hash) : json_null());
		json_array_append_new(ms, j);
	}
	json_object_set_new(o, "matches", ms);
}
