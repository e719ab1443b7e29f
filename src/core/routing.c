/* routing.c — the directory, routing rules and notices (see routing.h). */
#include "routing.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "core/items.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "mailout.h"
#include "report.h"
#include "timeutil.h"
#include "utf8.h"

/* ---- the sample directory ---- */

static char *csv_field(char **p)
{
	char *s = *p;
	if (!s)
		return NULL;
	char *comma = strchr(s, ',');
	if (comma) {
		*comma = '\0';
		*p = comma + 1;
	} else {
		*p = NULL;
	}
	return *s ? s : NULL;
}

int routing_seed(struct hotline *hl)
{
	const struct embedded_file *f = embedded_find("data/directory/sample.csv");
	if (!f)
		return 0;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int64_t n = 0;
	int rc = store_dir_count(db, &n);
	if (rc || n) {
		hotline_db_put(hl, db);
		return rc;
	}
	char *text = strndup((const char *)f->data, f->len);
	if (!text) {
		hotline_db_put(hl, db);
		return HL_ENOMEM;
	}
	char now[21];
	time_now_iso(now);
	rc = db_begin(db);
	char *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#' || !line[0])
			continue;
		char *p = line;
		struct store_dir_entry e = {0};
		e.type = csv_field(&p);
		e.name = csv_field(&p);
		e.country = csv_field(&p);
		e.scope = csv_field(&p);
		const char *asn = csv_field(&p);
		e.asn = asn ? strtoll(asn, NULL, 10) : 0;
		e.domain = csv_field(&p);
		e.email = csv_field(&p);
		e.language = csv_field(&p);
		e.sample = true;
		int64_t id;
		if (e.type && e.name && e.email)
			rc = store_dir_put(db, &e, now, &id);
	}
	if (!rc)
		rc = audit_append_db(db, "system", "directory.seed", NULL, NULL, "sample");
	if (rc || db_commit(db))
		db_rollback(db);
	free(text);
	hotline_db_put(hl, db);
	return rc;
}

/* ---- rules ---- */

int routing_propose(struct hotline *hl, int64_t item_id, struct routing_proposal *out, int *n,
		    struct arena *a)
{
	*n = 0;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_item it;
	int rc = store_item_get(db, item_id, &it, a);
	const char *own = profile_get(hl->profile, "country", NULL);
	if (!rc) {
		if (it.country && *own && strcasecmp(it.country, own) == 0) {
			struct routing_proposal *p = &out[(*n)++];
			memset(p, 0, sizeof *p);
			p->rule = "own_country.provider";
			p->kind = "notice";
			p->found = (it.asn && store_dir_find(db, "provider", NULL, NULL, it.asn, NULL,
							     &p->entry, a) == 0) ||
				   store_dir_find(db, "provider", NULL, NULL, 0, it.host, &p->entry,
						  a) == 0;
			p = &out[(*n)++];
			memset(p, 0, sizeof *p);
			p->rule = "own_country.police";
			p->kind = "referral";
			p->found = store_dir_find(db, "police", own, "national", 0, NULL, &p->entry,
						  a) == 0;
		} else {
			struct routing_proposal *p = &out[(*n)++];
			memset(p, 0, sizeof *p);
			if (it.country &&
			    store_dir_find(db, "hotline", it.country, NULL, 0, NULL, &p->entry, a) == 0) {
				p->rule = "partner_hotline";
				p->kind = "forward";
				p->found = true;
			} else {
				p->rule = "international";
				p->kind = "referral";
				p->found = *own && store_dir_find(db, "police", own, "international", 0,
								  NULL, &p->entry, a) == 0;
			}
		}
	}
	hotline_db_put(hl, db);
	return rc;
}

/* ---- notices ---- */

static int record_notice(struct hotline *hl, struct db *db, const struct staff_who *who,
			 const struct store_item *it, const char *kind, const char *rule,
			 const struct store_dir_entry *e, int64_t now, struct arena *a)
{
	char reference[64], asn[24], reported[21], notified[21];
	const char *prefix = profile_get(hl->profile, "reference_prefix", NULL);
	snprintf(reference, sizeof reference, "%s-I%" PRId64, *prefix ? prefix : "HL", it->id);
	snprintf(asn, sizeof asn, "%" PRId64, it->asn);
	items_format_time(it->first_reported_at, reported);
	items_format_time(it->notified_at, notified);
	const char *tpl = strcmp(kind, "notice") == 0	  ? "item_notice"
			  : strcmp(kind, "forward") == 0  ? "item_forward"
			  : strcmp(kind, "reminder") == 0 ? "item_reminder"
							  : "item_referral";
	const char *vars[] = {"url",	       it->url,
			      "recipient",     e->name,
			      "org_name",      profile_get(hl->profile, "org_name", e->language),
			      "addresses",     it->addresses ? it->addresses : "",
			      "country",       it->country ? it->country : "",
			      "asn",	       asn,
			      "reported_at",   reported,
			      "notified_at",   notified,
			      "reference",     reference,
			      NULL};
	struct store_notice n = {.item_id = it->id,
				 .directory_id = e->id,
				 .sent_at = now,
				 .kind = kind,
				 .rule = rule,
				 .recipient = e->name,
				 .email = e->email,
				 .language = e->language ? e->language : "en",
				 .reference = reference,
				 .confirmed_by = who->name ? who->name : who->actor};
	/* the hotline's own copy of a template (DATA/mail/<lang>/) wins */
	int rc = mailout_render(hl, tpl, n.language, vars, &n.subject, &n.body, a);
	int64_t id = 0;
	if (!rc)
		rc = store_notice_insert(db, &n, &id);
	char obj[24];
	snprintf(obj, sizeof obj, "%" PRId64, it->id);
	if (!rc && e->email && *e->email) {
		/* queued in the same transaction: sent once the analyst's
		 * confirmation is committed, retried while the relay is down */
		struct mail_out m = {.to = e->email,
				     .subject = n.subject,
				     .body = n.body,
				     .kind = "notice",
				     .ref_type = "item",
				     .ref_id = obj};
		int64_t mail_id = 0;
		rc = mailout_enqueue_db(hl, db, &m, who->actor, &mail_id);
		if (!rc)
			rc = store_notice_set_mail(db, id, mail_id);
	}
	char detail[300];
	snprintf(detail, sizeof detail, "%s %s to %s <%s> ref %s", kind, rule, e->name, e->email,
		 reference);
	if (!rc)
		rc = audit_append_db(db, who->actor, "item.notice", "item", obj, detail);
	return rc;
}

static bool listed(const char *rules, const char *rule)
{
	size_t n = strlen(rule);
	for (const char *p = rules; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		while (len && *p == ' ')
			p++, len--;
		while (len && p[len - 1] == ' ')
			len--;
		if (len == n && strncmp(p, rule, n) == 0)
			return true;
		p = end ? end + 1 : NULL;
	}
	return false;
}

int routing_send(struct hotline *hl, const struct staff_who *who, int64_t item_id,
		 const char *rules, const char **code, struct arena *a)
{
	*code = NULL;
	if (!rules || !*rules || strlen(rules) > 200) {
		*code = rules && *rules ? "invalid" : "required";
		return HL_EINVAL;
	}
	struct routing_proposal props[2];
	int np = 0;
	int rc = routing_propose(hl, item_id, props, &np, a);
	if (rc)
		return rc;
	/* every rule named must be one proposed, with a recipient */
	int chosen = 0;
	for (const char *p = rules; p && *p;) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		bool ok = false;
		for (int i = 0; i < np; i++)
			if (props[i].found && strlen(props[i].rule) == len &&
			    strncmp(props[i].rule, p, len) == 0)
				ok = true;
		if (!ok) {
			*code = "invalid";
			return HL_EINVAL;
		}
		chosen++;
		p = end ? end + 1 : NULL;
	}
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	if (db_begin(db)) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_item it;
	rc = store_item_get(db, item_id, &it, a);
	int64_t now = items_now();
	if (!rc && strcmp(it.state, "illegal") != 0 && strcmp(it.state, "notified") != 0) {
		*code = "transition";
		rc = HL_EINVAL;
	}
	for (int i = 0; i < np && !rc; i++)
		if (listed(rules, props[i].rule))
			rc = record_notice(hl, db, who, &it, props[i].kind, props[i].rule,
					   &props[i].entry, now, a);
	if (!rc)
		rc = store_item_step(db, item_id, "notified", now);
	int64_t nrep = 0;
	char now_iso[21];
	time_now_iso(now_iso);
	if (!rc)
		rc = store_item_apply_reports(db, item_id, "forwarded", NULL, now_iso, &nrep);
	if (rc || db_commit(db)) {
		db_rollback(db);
		rc = rc ? rc : HL_EIO;
	}
	hotline_db_put(hl, db);
	if (!rc)
		mailout_wake();
	return rc;
}

struct remind_ctx {
	struct store_notice first[4];
	int n;
};

static void remind_one(void *arg, const struct store_notice *n)
{
	struct remind_ctx *c = arg;
	if ((strcmp(n->kind, "notice") == 0 || strcmp(n->kind, "forward") == 0) && c->n < 4)
		c->first[c->n++] = *n;
}

int routing_remind(struct hotline *hl, const struct staff_who *who, int64_t item_id,
		   const char **code, struct arena *a)
{
	*code = NULL;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	if (db_begin(db)) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_item it;
	struct remind_ctx c = {.n = 0};
	int rc = store_item_get(db, item_id, &it, a);
	int64_t now = items_now();
	if (!rc && !items_reminder_due(it.notified_at, it.reminders_sent, it.state, now)) {
		*code = "not_due";
		rc = HL_EINVAL;
	}
	if (!rc)
		rc = store_notice_list(db, item_id, remind_one, &c, a);
	for (int i = 0; i < c.n && !rc; i++) {
		struct store_dir_entry e = {.id = c.first[i].directory_id,
					    .name = c.first[i].recipient,
					    .email = c.first[i].email,
					    .language = c.first[i].language};
		rc = record_notice(hl, db, who, &it, "reminder", c.first[i].rule, &e, now, a);
	}
	if (!rc)
		rc = store_item_step(db, item_id, "reminder", now);
	if (rc || db_commit(db)) {
		db_rollback(db);
		rc = rc ? rc : HL_EIO;
	}
	hotline_db_put(hl, db);
	if (!rc)
		mailout_wake();
	return rc;
}

/* ---- directory edits ---- */

static bool text_ok(const char *s, size_t max)
{
	return s && *s && strlen(s) <= max && utf8_valid(s, strlen(s)) && !utf8_has_controls(s, false);
}

int routing_dir_put(struct hotline *hl, const struct staff_who *who,
		    const struct store_dir_entry *e, int64_t *id, const char **field)
{
	*field = NULL;
	if (!e->type || (strcmp(e->type, "hotline") && strcmp(e->type, "police") &&
			 strcmp(e->type, "provider")))
		*field = "type";
	else if (!text_ok(e->name, 200))
		*field = "name";
	else if (!text_ok(e->email, 254) || !strchr(e->email, '@') || strchr(e->email, ' ') ||
		 strchr(e->email, ',') || strchr(e->email, '<'))
		*field = "email";
	else if (e->country && (strlen(e->country) != 2 || e->country[0] < 'A' ||
				e->country[0] > 'Z' || e->country[1] < 'A' || e->country[1] > 'Z'))
		*field = "country";
	else if (e->scope && strcmp(e->scope, "national") && strcmp(e->scope, "international"))
		*field = "scope";
	else if (e->domain && !text_ok(e->domain, 253))
		*field = "domain";
	else if (e->language && !report_in_list(report_languages, e->language))
		*field = "language";
	else if (e->asn < 0 || e->asn > 4294967295LL)
		*field = "asn";
	else if (strcmp(e->type, "provider") == 0 && !e->asn && !e->domain)
		*field = "asn";
	else if (strcmp(e->type, "provider") != 0 && !e->country)
		*field = "country";
	if (*field)
		return HL_EINVAL;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = db_begin(db);
	if (!rc)
		rc = store_dir_put(db, e, now, id);
	char obj[24];
	snprintf(obj, sizeof obj, "%" PRId64, *id);
	if (!rc)
		rc = audit_append_db(db, who->actor, e->id ? "directory.edit" : "directory.add",
				     "directory", obj, e->email);
	if (rc || db_commit(db)) {
		db_rollback(db);
		rc = rc ? rc : HL_EIO;
	}
	hotline_db_put(hl, db);
	return rc;
}

int routing_dir_delete(struct hotline *hl, const struct staff_who *who, int64_t id)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (!rc)
		rc = store_dir_delete(db, id);
	char obj[24];
	snprintf(obj, sizeof obj, "%" PRId64, id);
	if (!rc)
		rc = audit_append_db(db, who->actor, "directory.delete", "directory", obj, NULL);
	if (rc || db_commit(db)) {
		db_rollback(db);
		rc = rc ? rc : HL_EIO;
	}
	hotline_db_put(hl, db);
	return rc;
}
