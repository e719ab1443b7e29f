/* cases.c — cases, tasks, referrals, civil-party details (see cases.h). */
#include "cases.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "accounts.h"
#include "audit.h"
#include "casefiles.h"
#include "db.h"
#include "err.h"
#include "receipt.h"
#include "report.h"
#include "reports.h"
#include "timeutil.h"
#include "utf8.h"

const char *const case_states[] = {"open", "monitoring", "closed", NULL};
const char *const referral_targets[] = {"police", "prosecutor", "court", "social_services", NULL};

static void today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;
	localtime_r(&t, &tm);
	if (strftime(out, 11, "%Y-%m-%d", &tm) == 0)
		out[0] = '\0';
}

static bool date_ok(const char *s)
{
	int y, m, d;
	char extra;
	return s && strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) == 3 &&
	       y >= 1990 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31;
}

/* A bounded, trimmed free text; NULL with *code when it is not acceptable. */
static const char *text_of(const char *v, size_t max, bool required, const char **code,
			   struct arena *a)
{
	const char *t = report_trim(v, a);
	if (!t) {
		if (required)
			*code = "required";
		return NULL;
	}
	report_newlines_normalise(t);
	if (!utf8_valid(t, strlen(t)))
		*code = "utf8.invalid";
	else if (utf8_length(t) > max)
		*code = "too_long";
	else if (utf8_has_controls(t, true))
		*code = "control_chars";
	else
		return t;
	return NULL;
}

static int64_t report_id_of(const char *number)
{
	char num[RECEIPT_NUMBER_SIZE];
	return number && receipt_number_parse(number, num) ? (int64_t)receipt_number_id(num) : 0;
}

int cases_create(struct hotline *hl, const struct staff_who *who, const char *title,
		 const char *report_number, int64_t *id, const char **code, const char **field,
		 struct arena *a)
{
	*code = NULL;
	*field = "title";
	const char *t = text_of(title, 200, true, code, a);
	if (!t)
		return HL_EINVAL;
	const char *rn = report_trim(report_number, a);
	int64_t rid = rn ? report_id_of(rn) : 0;
	if (rn && !rid) {
		*field = "report";
		*code = "invalid";
		return HL_EINVAL;
	}
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = db_begin(db);
	struct store_report_row row;
	if (!rc && rid && store_report_get(db, rid, &row, a)) {
		*field = "report";
		*code = "invalid";
		rc = HL_EINVAL;
	}
	if (!rc)
		rc = store_case_insert(db, t, who->name ? who->name : who->actor, now, id);
	if (!rc && rid)
		rc = store_case_link(db, *id, rid, now);
	char cid[24];
	snprintf(cid, sizeof cid, "%" PRId64, *id);
	if (!rc)
		rc = audit_append_db(db, who->actor, "case.create", "case", cid, t);
	if (!rc && rid)
		rc = audit_append_db(db, who->actor, "case.link", "case", cid, rn);
	if (rc)
		db_rollback(db);
	else if (db_commit(db))
		rc = HL_EIO;
	hotline_db_put(hl, db);
	return rc;
}

struct list_acc {
	struct case_view *rows;
	size_t n, cap;
};

static void copy_case(const struct store_case *s, struct case_view *c)
{
	memset(c, 0, sizeof *c);
	c->id = s->id;
	c->title = s->title;
	c->state = s->state;
	c->owner = s->owner;
	c->court = s->court;
	c->court_case_number = s->court_case_number;
	c->created_at = s->created_at;
	c->updated_at = s->updated_at;
	c->civil_party = s->civil_party;
	c->open_tasks = s->open_tasks;
	c->overdue_tasks = s->overdue_tasks;
}

static void list_row(void *arg, const struct store_case *c)
{
	struct list_acc *l = arg;
	if (l->n < l->cap)
		copy_case(c, &l->rows[l->n++]);
}

int cases_list(struct hotline *hl, const char *state, struct case_view **rows, size_t *n,
	       struct arena *a)
{
	struct list_acc l = {arena_alloc(a, 500 * sizeof *l.rows), 0, 500};
	if (!l.rows)
		return HL_ENOMEM;
	char d[11];
	today(d);
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_case_list(db, state, d, 500, list_row, &l, a);
	hotline_db_put(hl, db);
	*rows = l.rows;
	*n = l.n;
	return rc;
}

struct read_acc {
	struct case_view *c;
	size_t cap_r, cap_e;
	const char *today;
	struct arena *a;
};

static void report_of_case(void *arg, int64_t rid)
{
	struct read_acc *r = arg;
	struct case_view *c = r->c;
	if (c->nreports == r->cap_r) {
		size_t cap = r->cap_r ? r->cap_r * 2 : 16;
		const char **v = arena_alloc(r->a, cap * sizeof *v);
		if (!v)
			return;
		if (c->nreports)
			memcpy(v, c->reports, c->nreports * sizeof *v);
		c->reports = v;
		r->cap_r = cap;
	}
	char *num = arena_alloc(r->a, RECEIPT_NUMBER_SIZE);
	if (num && receipt_number_for_id((unsigned long long)rid, num))
		c->reports[c->nreports++] = num;
}

static void entry_of_case(void *arg, const struct store_case_entry *e)
{
	struct read_acc *r = arg;
	struct case_view *c = r->c;
	if (c->nentries == r->cap_e) {
		size_t cap = r->cap_e ? r->cap_e * 2 : 16;
		struct case_entry *v = arena_alloc(r->a, cap * sizeof *v);
		if (!v)
			return;
		if (c->nentries)
			memcpy(v, c->entries, c->nentries * sizeof *v);
		c->entries = v;
		r->cap_e = cap;
	}
	struct case_entry *o = &c->entries[c->nentries++];
	o->id = e->id;
	o->type = e->type;
	o->author = e->author;
	o->text = e->text;
	o->due_on = e->due_on;
	o->done_at = e->done_at;
	o->to_type = e->to_type;
	o->recipient = e->recipient;
	o->sent_on = e->sent_on;
	o->reference = e->reference;
	o->outcome = e->outcome;
	o->outcome_on = e->outcome_on;
	o->created_at = e->created_at;
	o->overdue = strcmp(e->type, "task") == 0 && !e->done_at && e->due_on &&
		     strcmp(e->due_on, r->today) < 0;
	if (strcmp(e->type, "task") == 0 && !e->done_at) {
		c->open_tasks++;
		if (o->overdue)
			c->overdue_tasks++;
	}
}

int cases_read(struct hotline *hl, const struct staff_who *who, int64_t id,
	       struct case_view *out, struct arena *a)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_case sc;
	int rc = store_case_get(db, id, &sc, a);
	char d[11];
	today(d);
	if (!rc) {
		copy_case(&sc, out);
		struct read_acc r = {out, 0, 0, d, a};
		rc = store_case_reports(db, id, report_of_case, &r);
		if (!rc)
			rc = store_case_entries(db, id, entry_of_case, &r, a);
	}
	hotline_db_put(hl, db);
	if (rc)
		return rc;
	char cid[24];
	snprintf(cid, sizeof cid, "%" PRId64, id);
	return audit_append(hl, who->actor, "case.read", "case", cid, NULL) ? HL_EIO : 0;
}

int cases_act(struct hotline *hl, const struct staff_who *who, int64_t id, const char *action,
	      const char *(*get)(void *arg, const char *name), void *arg, const char **code,
	      const char **field, struct arena *a)
{
	*code = NULL;
	*field = NULL;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = db_begin(db);
	if (rc) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_case sc;
	rc = store_case_get(db, id, &sc, a);
	char now[21], cid[24];
	time_now_iso(now);
	snprintf(cid, sizeof cid, "%" PRId64, id);
	const char *detail = NULL;
	const char *author = who->name ? who->name : who->actor;
	struct store_case_entry e = {0};
	int64_t eid = 0;
#define FAIL(f, c) (*field = (f), *code = (c), rc = HL_EINVAL)
	if (rc) {
		/* no such case */
	} else if (strcmp(action, "link") == 0) {
		const char *rn = report_trim(get(arg, "report"), a);
		int64_t rid = report_id_of(rn);
		struct store_report_row row;
		if (!rid || store_report_get(db, rid, &row, a))
			FAIL("report", rn ? "invalid" : "required");
		else if ((rc = store_case_link(db, id, rid, now)) == HL_EEXIST)
			FAIL("report", "linked");
		else
			detail = row.number;
	} else if (strcmp(action, "note") == 0) {
		e.type = "note";
		e.author = author;
		if (!(e.text = text_of(get(arg, "text"), 10000, true, code, a)))
			*field = "text", rc = HL_EINVAL;
		else
			rc = store_case_entry_add(db, id, &e, now, &eid);
	} else if (strcmp(action, "task") == 0 || strcmp(action, "hearing") == 0) {
		bool task = action[0] == 't';
		e.type = task ? "task" : "hearing";
		e.author = author;
		e.due_on = report_trim(get(arg, "due_on"), a);
		e.text = text_of(get(arg, "text"), 500, task, code, a);
		if (task && !e.text)
			*field = "text", rc = HL_EINVAL;
		else if (*code)
			*field = "text", rc = HL_EINVAL;
		else if (!date_ok(e.due_on))
			FAIL("due_on", e.due_on ? "invalid" : "required");
		else
			rc = store_case_entry_add(db, id, &e, now, &eid), detail = e.due_on;
	} else if (strcmp(action, "referral") == 0) {
		e.type = "referral";
		e.author = author;
		e.to_type = get(arg, "to_type");
		e.recipient = text_of(get(arg, "recipient"), 200, true, code, a);
		e.sent_on = report_trim(get(arg, "sent_on"), a);
		const char *rcode = NULL;
		e.reference = text_of(get(arg, "reference"), 200, false, &rcode, a);
		if (!report_in_list(referral_targets, e.to_type))
			FAIL("to_type", e.to_type && *e.to_type ? "invalid" : "required");
		else if (!e.recipient)
			*field = "recipient", rc = HL_EINVAL;
		else if (!date_ok(e.sent_on))
			FAIL("sent_on", e.sent_on ? "invalid" : "required");
		else if (rcode)
			FAIL("reference", rcode);
		else
			rc = store_case_entry_add(db, id, &e, now, &eid), detail = e.to_type;
	} else if (strcmp(action, "task_done") == 0 || strcmp(action, "outcome") == 0) {
		bool outcome = action[0] == 'o';
		const char *es = get(arg, "entry");
		long long ev = 0;
		char extra;
		const char *out = NULL, *on = NULL;
		if (!es || sscanf(es, "%lld%c", &ev, &extra) != 1 || ev <= 0)
			FAIL("entry", "invalid");
		else if (outcome && !(out = text_of(get(arg, "outcome"), 2000, true, code, a)))
			*field = "outcome", rc = HL_EINVAL;
		else if (outcome && (on = report_trim(get(arg, "outcome_on"), a)) && !date_ok(on))
			FAIL("outcome_on", "invalid");
		else if ((rc = store_case_entry_close(db, id, ev, outcome ? "referral" : "task", out,
						      on, now)) == HL_ENOTFOUND)
			FAIL("entry", "invalid");
		else
			detail = es;
	} else if (strcmp(action, "state") == 0) {
		const char *st = get(arg, "state");
		if (!report_in_list(case_states, st))
			FAIL("state", st && *st ? "invalid" : "required");
		else
			rc = store_case_set(db, id, "state", st, now), detail = st;
	} else if (strcmp(action, "owner") == 0) {
		const char *o = report_trim(get(arg, "owner"), a);
		struct store_user u;
		if (!o)
			FAIL("owner", "required");
		else if (store_user_get(db, o, 0, &u, a))
			FAIL("owner", "invalid");
		else
			rc = store_case_set(db, id, "owner", o, now), detail = o;
	} else if (strcmp(action, "civil_party") == 0) {
		const char *cp = get(arg, "civil_party");
		const char *court = text_of(get(arg, "court"), 200, false, code, a);
		const char *ccn = *code ? NULL : text_of(get(arg, "court_case_number"), 100, false, code, a);
		if (*code)
			*field = "court", rc = HL_EINVAL;
		else if (!cp || (strcmp(cp, "1") && strcmp(cp, "0")))
			FAIL("civil_party", "invalid");
		else if ((rc = store_case_set(db, id, "civil_party", cp, now)) == 0 &&
			 (rc = store_case_set(db, id, "court", court, now)) == 0)
			rc = store_case_set(db, id, "court_case_number", ccn, now), detail = cp;
	} else {
		rc = HL_ENOTFOUND;
	}
#undef FAIL
	if (!rc) {
		char act[48], det[64];
		snprintf(act, sizeof act, "case.%s", action);
		if (eid && !detail) {
			snprintf(det, sizeof det, "entry %" PRId64, eid);
			detail = det;
		}
		rc = audit_append_db(db, who->actor, act, "case", cid, detail);
	}
	if (rc)
		db_rollback(db);
	else if (db_commit(db))
		rc = HL_EIO;
	hotline_db_put(hl, db);
	return rc;
}

struct ids_acc {
	int64_t *ids;
	size_t n, cap;
	struct arena *a;
};

static void id_row(void *arg, int64_t id)
{
	struct ids_acc *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		int64_t *v = arena_alloc(l->a, cap * sizeof *v);
		if (!v)
			return;
		if (l->n)
			memcpy(v, l->ids, l->n * sizeof *v);
		l->ids = v;
		l->cap = cap;
	}
	l->ids[l->n++] = id;
}

int cases_of_report(struct hotline *hl, const char *number, int64_t **ids, size_t *n,
		    struct arena *a)
{
	int64_t rid = report_id_of(number);
	struct ids_acc l = {NULL, 0, 0, a};
	*ids = NULL;
	*n = 0;
	if (!rid)
		return HL_ENOTFOUND;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_report_cases(db, rid, id_row, &l);
	hotline_db_put(hl, db);
	*ids = l.ids;
	*n = l.n;
	return rc;
}
