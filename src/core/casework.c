/* casework.c — the queue and the report page (see casework.h). */
#include "casework.h"

#include <jansson.h>
#include <sodium.h>
#include <string.h>

#include "audit.h"
#include "db.h"
#include "err.h"
#include "receipt.h"
#include "report.h"
#include "queue.h"
#include "reports.h"
#include "accounts.h"
#include "timeutil.h"
#include "utf8.h"

bool casework_may_unseal(const char *role)
{
	return role && (strcmp(role, "case_worker") == 0 || strcmp(role, "supervisor") == 0);
}

static void copy_row(const struct store_report_row *s, struct casework_report *c)
{
	memset(c, 0, sizeof *c);
	c->id = s->id;
	c->number = s->number;
	c->kind = s->kind;
	c->channel = s->channel;
	c->state = s->state;
	c->received_at = s->received_at;
	c->updated_at = s->updated_at;
	c->assignee = s->assignee;
	c->priority = s->priority;
	c->where_seen = s->where_seen;
	c->exploitation_type = s->exploitation_type;
	c->description = s->description;
	c->location = s->location;
	c->language = s->language;
	c->public_message = s->public_message;
	c->has_contact = s->contact_sealed != NULL;
	c->may_contact = s->may_contact;
	c->queue_key = s->queue_key;
}

struct assigned_acc {
	struct casework_report *rows;
	size_t n, cap;
};

static void assigned_row(void *arg, const struct store_report_row *row)
{
	struct assigned_acc *acc = arg;
	if (acc->n < acc->cap)
		copy_row(row, &acc->rows[acc->n++]);
}

int casework_queue(struct hotline *hl, const struct casework_filter *f, int64_t offset,
		   int64_t limit, struct casework_report **rows, size_t *n, struct arena *a)
{
	if (limit < 1 || limit > 500 || offset < 0)
		return HL_EINVAL;
	if (f->assignee) {
		struct assigned_acc acc = {arena_alloc(a, (size_t)limit * sizeof *acc.rows), 0,
					   (size_t)limit};
		if (!acc.rows)
			return HL_ENOMEM;
		struct db *db = hotline_db(hl);
		if (!db)
			return HL_EIO;
		int rc = store_report_assigned(db, f->assignee, f->kind, f->channel, f->state, f->after,
					       offset, limit, assigned_row, &acc, a);
		hotline_db_put(hl, db);
		*rows = acc.rows;
		*n = acc.n;
		return rc;
	}
	if (!hl->queue)
		return HL_EIO;
	int64_t *ids = arena_alloc(a, (size_t)limit * sizeof *ids);
	int64_t *keys = arena_alloc(a, (size_t)limit * sizeof *keys);
	struct casework_report *out = arena_alloc(a, (size_t)limit * sizeof *out);
	if (!ids || !keys || !out)
		return HL_ENOMEM;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	if (queue_sync(hl->queue, db)) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct queue_filter qf = {f->kind, f->channel, f->state, f->after, offset};
	size_t got = queue_page(hl->queue, &qf, ids, keys, (size_t)limit);
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; i < got && !rc; i++) {
		struct store_report_row row;
		rc = store_report_get(db, ids[i], &row, a);
		if (rc == HL_ENOTFOUND) {
			rc = 0; /* committed by another process and not in memory yet */
			continue;
		}
		if (!rc) {
			copy_row(&row, &out[k]);
			out[k].queue_key = keys[i];
			k++;
		}
	}
	hotline_db_put(hl, db);
	*rows = out;
	*n = k;
	return rc;
}

struct detail_acc {
	struct casework_report *c;
	size_t cap_urls, cap_add;
	struct arena *a;
};

static void url_row(void *arg, int64_t addition_id, const char *url, const char *norm)
{
	(void)norm;
	struct detail_acc *d = arg;
	struct casework_report *c = d->c;
	if (c->nurls == d->cap_urls) {
		size_t cap = d->cap_urls ? d->cap_urls * 2 : 16;
		const char **u = arena_alloc(d->a, cap * sizeof *u);
		int64_t *ad = arena_alloc(d->a, cap * sizeof *ad);
		if (!u || !ad)
			return;
		if (c->nurls) {
			memcpy(u, c->urls, c->nurls * sizeof *u);
			memcpy(ad, c->url_addition, c->nurls * sizeof *ad);
		}
		c->urls = u;
		c->url_addition = ad;
		d->cap_urls = cap;
	}
	c->urls[c->nurls] = arena_strdup(d->a, url);
	c->url_addition[c->nurls] = addition_id;
	c->nurls++;
}

static void addition_row(void *arg, int64_t id, const char *text, const char *at)
{
	(void)id;
	struct detail_acc *d = arg;
	struct casework_report *c = d->c;
	if (c->nadditions == d->cap_add) {
		size_t cap = d->cap_add ? d->cap_add * 2 : 8;
		const char **t = arena_alloc(d->a, cap * sizeof *t);
		const char **w = arena_alloc(d->a, cap * sizeof *w);
		if (!t || !w)
			return;
		if (c->nadditions) {
			memcpy(t, c->addition_text, c->nadditions * sizeof *t);
			memcpy(w, c->addition_at, c->nadditions * sizeof *w);
		}
		c->addition_text = t;
		c->addition_at = w;
		d->cap_add = cap;
	}
	c->addition_text[c->nadditions] = text ? arena_strdup(d->a, text) : NULL;
	c->addition_at[c->nadditions] = arena_strdup(d->a, at);
	c->nadditions++;
}

static void note_row(void *arg, const char *author, const char *text, const char *at)
{
	struct detail_acc *d = arg;
	struct casework_report *c = d->c;
	size_t n = c->nnotes;
	const char **au = arena_alloc(d->a, (n + 1) * sizeof *au);
	const char **tx = arena_alloc(d->a, (n + 1) * sizeof *tx);
	const char **at2 = arena_alloc(d->a, (n + 1) * sizeof *at2);
	if (!au || !tx || !at2)
		return;
	if (n) {
		memcpy(au, c->note_author, n * sizeof *au);
		memcpy(tx, c->note_text, n * sizeof *tx);
		memcpy(at2, c->note_at, n * sizeof *at2);
	}
	au[n] = arena_strdup(d->a, author);
	tx[n] = arena_strdup(d->a, text);
	at2[n] = arena_strdup(d->a, at);
	c->note_author = au;
	c->note_text = tx;
	c->note_at = at2;
	c->nnotes = n + 1;
}

/* Opens the sealed contact details into the report's fields. */
static int unseal_contact(struct hotline *hl, const struct store_report_row *row,
			  struct casework_report *c, struct arena *a)
{
	if (!row->contact_sealed || row->contact_sealed_len <= SEAL_OVERHEAD)
		return 0;
	size_t len = row->contact_sealed_len - SEAL_OVERHEAD;
	char *plain = arena_alloc(a, len + 1);
	if (!plain)
		return HL_ENOMEM;
	if (seal_open(&hl->keys, row->contact_sealed, row->contact_sealed_len, plain))
		return HL_ECRYPTO;
	plain[len] = '\0';
	json_t *j = json_loads(plain, 0, NULL);
	sodium_memzero(plain, len);
	if (!j)
		return HL_ECRYPTO;
	const char *v;
	if ((v = json_string_value(json_object_get(j, "name"))))
		c->contact_name = arena_strdup(a, v);
	if ((v = json_string_value(json_object_get(j, "email"))))
		c->contact_email = arena_strdup(a, v);
	if ((v = json_string_value(json_object_get(j, "phone"))))
		c->contact_phone = arena_strdup(a, v);
	json_decref(j);
	return 0;
}

/* The report, with its URLs, additions, notes and phone call; audits when
 * audit_now, else leaves the audit to the caller. */
static int report_get(struct hotline *hl, const struct staff_who *who, const char *number,
		      bool unseal, struct casework_report *out, bool *unsealed, bool audit_now,
		      struct arena *a)
{
	*unsealed = false;
	char num[RECEIPT_NUMBER_SIZE];
	unsigned long long id = receipt_number_parse(number, num) ? receipt_number_id(num) : 0;
	if (!id)
		return HL_ENOTFOUND;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_report_row row;
	int rc = store_report_get(db, (int64_t)id, &row, a);
	struct store_phone_call call;
	int has_call = rc ? HL_ENOTFOUND : store_report_phone(db, (int64_t)id, &call, a);
	if (!rc && strcmp(who->role, "operator") == 0 &&
	    (has_call || !who->name || strcmp(call.operator, who->name) != 0)) {
		/* operators read their own intake only */
		hotline_db_put(hl, db);
		audit_append(hl, who->actor, "access.denied", "report", row.number, "not own intake");
		return HL_EPERM;
	}
	if (!rc) {
		copy_row(&row, out);
		if (!has_call) {
			out->call_started_at = call.started_at;
			out->call_ended_at = call.ended_at;
			out->caller = call.caller;
			out->urgency = call.urgency;
			out->operator = call.operator;
		}
		struct detail_acc d = {out, 0, 0, a};
		rc = store_report_urls(db, row.id, url_row, &d, a);
		if (!rc)
			rc = store_report_additions(db, row.id, addition_row, &d, a);
	}
	if (!rc) {
		struct detail_acc d = {out, 0, 0, a};
		rc = store_report_notes(db, row.id, note_row, &d);
	}
	if (!rc) {
		out->subject = row.subject;
		out->parse_warnings = row.parse_warnings;
		rc = store_report_attachments(db, row.id, &out->attachments, &out->nattachments, a);
	}
	if (!rc)
		rc = store_report_hashes(db, row.id, &out->hashes, &out->nhashes, a);
	if (!rc)
		rc = store_report_matches(db, row.id, &out->matches, &out->nmatches, a);
	int64_t dup = 0;
	if (!rc)
		rc = store_report_extra(db, row.id, &out->classification, &dup, a);
	if (!rc && dup) {
		char *n = arena_alloc(a, RECEIPT_NUMBER_SIZE);
		if (n && receipt_number_for_id((unsigned long long)dup, n))
			out->duplicate_of = n;
	}
	hotline_db_put(hl, db);
	if (rc)
		return rc;
	if (audit_now && audit_append(hl, who->actor, "report.read", "report", out->number, NULL))
		return HL_EIO; /* no audit, no read */
	if (unseal && out->has_contact && casework_may_unseal(who->role)) {
		if (audit_now &&
		    audit_append(hl, who->actor, "contact.unseal", "report", out->number, NULL))
			return HL_EIO;
		rc = unseal_contact(hl, &row, out, a);
		*unsealed = rc == 0;
	}
	return rc;
}

int casework_report_read(struct hotline *hl, const struct staff_who *who, const char *number,
			 bool unseal, struct casework_report *out, struct arena *a)
{
	bool unsealed;
	return report_get(hl, who, number, unseal, out, &unsealed, true, a);
}

int casework_report_load(struct hotline *hl, const struct staff_who *who, const char *number,
			 bool unseal, struct casework_report *out, bool *unsealed,
			 struct arena *a)
{
	return report_get(hl, who, number, unseal, out, unsealed, false, a);
}



static const char *const next_received[] = {"under_analysis", "closed", NULL};
static const char *const next_analysis[] = {"forwarded", "closed", "received", NULL};
static const char *const next_forwarded[] = {"under_analysis", "closed", NULL};
static const char *const next_closed[] = {"under_analysis", NULL};
static const char *const next_none[] = {NULL};

const char *const *casework_next_states(const char *from)
{
	if (!from)
		return next_none;
	if (strcmp(from, "received") == 0)
		return next_received;
	if (strcmp(from, "under_analysis") == 0)
		return next_analysis;
	if (strcmp(from, "forwarded") == 0)
		return next_forwarded;
	if (strcmp(from, "closed") == 0)
		return next_closed;
	return next_none;
}

bool casework_transition_ok(const char *from, const char *to)
{
	return to && report_in_list(casework_next_states(from), to);
}

/* A free text parameter: trimmed, bounded, no control characters. */
static const char *text_param(const char *v, size_t max, const char **code, struct arena *a)
{
	const char *t = report_trim(v, a);
	if (!t) {
		*code = "required";
		return NULL;
	}
	report_newlines_normalise(t);
	if (!utf8_valid(t, strlen(t))) {
		*code = "utf8.invalid";
		return NULL;
	}
	if (utf8_length(t) > max) {
		*code = "too_long";
		return NULL;
	}
	if (utf8_has_controls(t, true)) {
		*code = "control_chars";
		return NULL;
	}
	return t;
}

int casework_act(struct hotline *hl, const struct staff_who *who, const char *number,
		 const char *action, const char *(*get)(void *arg, const char *name), void *arg,
		 const char **code, const char **field, struct arena *a)
{
	char num[RECEIPT_NUMBER_SIZE];
	unsigned long long id = receipt_number_parse(number, num) ? receipt_number_id(num) : 0;
	*code = NULL;
	*field = NULL;
	if (!id)
		return HL_ENOTFOUND;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (rc) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_report_row row;
	rc = store_report_get(db, (int64_t)id, &row, a);
	char now[21];
	time_now_iso(now);
	const char *detail = NULL;
	int new_priority = 0;
	if (rc) {
		/* nothing */
	} else if (strcmp(action, "assign") == 0) {
		const char *to = report_trim(get(arg, "assignee"), a);
		*field = "assignee";
		if (to && strcmp(to, "me") == 0)
			to = who->name;
		bool supervisor = strcmp(who->role, "supervisor") == 0;
		struct store_user u;
		if (to && !supervisor && (!who->name || strcmp(to, who->name) != 0)) {
			rc = HL_EPERM;
		} else if (!to && !supervisor && row.assignee && who->name &&
			   strcmp(row.assignee, who->name) != 0) {
			rc = HL_EPERM;
		} else if (to && (rc = store_user_get(db, to, 0, &u, a)) != 0) {
			if (rc == HL_ENOTFOUND)
				*code = "invalid", rc = HL_EINVAL;
		} else {
			rc = store_report_set_assignee(db, row.id, to, now);
			detail = to ? to : "";
		}
	} else if (strcmp(action, "state") == 0) {
		const char *to = get(arg, "state");
		*field = "state";
		if (!to || !*to)
			*code = "required", rc = HL_EINVAL;
		else if (!report_in_list(report_states, to))
			*code = "invalid", rc = HL_EINVAL;
		else if (!casework_transition_ok(row.state, to))
			*code = "transition", rc = HL_EINVAL;
		else
			rc = store_report_set(db, row.id, to, NULL, now), detail = to;
	} else if (strcmp(action, "kind") == 0) {
		/* triage: what a report is about (an e-mail or a call arrives as
		 * needs_triage); immediate danger ranks it first */
		const char *to = get(arg, "kind");
		*field = "kind";
		if (!to || !*to)
			*code = "required", rc = HL_EINVAL;
		else if (!report_in_list(report_phone_kinds, to))
			*code = "invalid", rc = HL_EINVAL;
		else
			rc = store_report_set_kind(db, row.id, to, now, &new_priority), detail = to;
	} else if (strcmp(action, "classify") == 0) {
		const char *json;
		if (classify_check(hl->scheme, get, arg, &json, field, a))
			*code = "invalid", rc = HL_EINVAL;
		else
			rc = store_report_set_classification(db, row.id, json, now), detail = json;
	} else if (strcmp(action, "note") == 0 || strcmp(action, "message") == 0) {
		bool note = action[0] == 'n';
		*field = "text";
		const char *t = text_param(get(arg, "text"), note ? 10000 : 2000, code, a);
		if (!t)
			rc = HL_EINVAL;
		else if (note)
			rc = store_report_note_add(db, row.id, who->name ? who->name : who->actor, t, now);
		else
			rc = store_report_set(db, row.id, NULL, t, now), detail = t;
	} else if (strcmp(action, "duplicate") == 0) {
		const char *of = report_trim(get(arg, "of"), a);
		char *other = arena_alloc(a, RECEIPT_NUMBER_SIZE); /* outlives this block */
		unsigned long long oid = 0;
		if (!other) {
			rc = HL_ENOMEM;
			goto done;
		}
		*field = "of";
		struct store_report_row orow;
		if (of && !(receipt_number_parse(of, other) && (oid = receipt_number_id(other))))
			*code = "invalid", rc = HL_EINVAL;
		else if (oid == id)
			*code = "invalid", rc = HL_EINVAL;
		else if (oid && store_report_get(db, (int64_t)oid, &orow, a))
			*code = "invalid", rc = HL_EINVAL;
		else
			rc = store_report_set_duplicate(db, row.id, (int64_t)oid, now), detail = of ? other : "";
	} else {
		rc = HL_ENOTFOUND;
	}
done:
	if (!rc) {
		char act[48];
		snprintf(act, sizeof act, "report.%s", action);
		rc = audit_append_db(db, who->actor, act, "report", row.number, detail);
	}
	if (rc)
		db_rollback(db);
	else if (db_commit(db))
		rc = HL_EIO;
	hotline_db_put(hl, db);
	if (!rc && strcmp(action, "state") == 0 && hl->queue)
		queue_set_state(hl->queue, (int64_t)id, get(arg, "state"));
	if (!rc && strcmp(action, "kind") == 0 && hl->queue)
		queue_set_kind(hl->queue, (int64_t)id, get(arg, "kind"), new_priority);
	return rc;
}

struct mine_acc {
	int64_t *ids;
	size_t n, cap;
};

static void mine_row(void *arg, int64_t id)
{
	struct mine_acc *m = arg;
	if (m->n < m->cap)
		m->ids[m->n++] = id;
}

int casework_my_calls(struct hotline *hl, const struct staff_who *who, int64_t limit,
		      struct casework_report **rows, size_t *n, struct arena *a)
{
	if (limit < 1 || limit > 500 || !who->name)
		return HL_EINVAL;
	struct mine_acc m = {arena_alloc(a, (size_t)limit * sizeof(int64_t)), 0, (size_t)limit};
	struct casework_report *out = arena_alloc(a, (size_t)limit * sizeof *out);
	if (!m.ids || !out)
		return HL_ENOMEM;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_phone_by_operator(db, who->name, limit, mine_row, &m);
	size_t k = 0;
	for (size_t i = 0; !rc && i < m.n; i++) {
		struct store_report_row row;
		struct store_phone_call call;
		if (store_report_get(db, m.ids[i], &row, a) || store_report_phone(db, m.ids[i], &call, a))
			continue;
		copy_row(&row, &out[k]);
		out[k].call_started_at = call.started_at;
		out[k].caller = call.caller;
		out[k].urgency = call.urgency;
		k++;
	}
	hotline_db_put(hl, db);
	*rows = out;
	*n = k;
	return rc;
}
