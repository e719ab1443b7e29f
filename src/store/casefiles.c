/* casefiles.c — case queries (see casefiles.h). */
#include "casefiles.h"

#include <string.h>

#include "err.h"

static const char SQL_CASE_INSERT[] =
	"INSERT INTO cases (title, owner, created_at, updated_at) VALUES ($1, $2, $3, $3)";
static const char SQL_CASE_LAST[] = "SELECT max(id) FROM cases";
static const char SQL_CASE_GET[] =
	"SELECT id, title, state, owner, civil_party, court, court_case_number, created_at,"
	" updated_at FROM cases WHERE id = $1";
static const char SQL_CASE_LIST[] =
	"SELECT c.id, c.title, c.state, c.owner, c.civil_party, c.court, c.court_case_number,"
	" c.created_at, c.updated_at,"
	" (SELECT count(*) FROM case_entries e WHERE e.case_id = c.id AND e.type = 'task'"
	"  AND e.done_at IS NULL),"
	" (SELECT count(*) FROM case_entries e WHERE e.case_id = c.id AND e.type = 'task'"
	"  AND e.done_at IS NULL AND e.due_on < $2)"
	" FROM cases c WHERE ($1 IS NULL AND c.state <> 'closed') OR c.state = $1"
	" ORDER BY c.id DESC LIMIT $3";
static const char SQL_SET_TITLE[] = "UPDATE cases SET title = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_STATE[] = "UPDATE cases SET state = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_OWNER[] = "UPDATE cases SET owner = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_COURT[] = "UPDATE cases SET court = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_CCN[] =
	"UPDATE cases SET court_case_number = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_CIVIL[] =
	"UPDATE cases SET civil_party = $2, updated_at = $3 WHERE id = $1";
static const char SQL_LINK[] =
	"INSERT INTO case_reports (case_id, report_id, linked_at) VALUES ($1, $2, $3)";
static const char SQL_CASE_REPORTS[] =
	"SELECT report_id FROM case_reports WHERE case_id = $1 ORDER BY report_id";
static const char SQL_REPORT_CASES[] =
	"SELECT case_id FROM case_reports WHERE report_id = $1 ORDER BY case_id";
static const char SQL_ENTRY_ADD[] =
	"INSERT INTO case_entries (case_id, type, author, text, due_on, to_type, recipient, sent_on,"
	" reference, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
static const char SQL_ENTRY_LAST[] = "SELECT max(id) FROM case_entries";
static const char SQL_TASK_DONE[] =
	"UPDATE case_entries SET done_at = $4 WHERE id = $2 AND case_id = $1 AND type = $3"
	" AND done_at IS NULL";
static const char SQL_OUTCOME[] =
	"UPDATE case_entries SET outcome = $4, outcome_on = $5 WHERE id = $2 AND case_id = $1"
	" AND type = $3";
static const char SQL_ENTRIES[] =
	"SELECT id, type, author, text, due_on, done_at, to_type, recipient, sent_on, reference,"
	" outcome, outcome_on, created_at FROM case_entries WHERE case_id = $1 ORDER BY id";
static const char SQL_TOUCH_CASE[] = "UPDATE cases SET updated_at = $2 WHERE id = $1";

static int last_id(struct db *db, const char *sql, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, sql);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*id = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

static int touch(struct db *db, int64_t id, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_TOUCH_CASE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, now);
	return db_step_done(st);
}

int store_case_insert(struct db *db, const char *title, const char *owner, const char *now,
		      int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_CASE_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, title);
	db_bind_text(st, 2, owner);
	db_bind_text(st, 3, now);
	int rc = db_step_done(st);
	return rc ? rc : last_id(db, SQL_CASE_LAST, id);
}

static void read_case(struct db_stmt *st, struct store_case *c, struct arena *a)
{
	c->id = db_column_int64(st, 0);
	c->title = db_column_dup(st, 1, a);
	c->state = db_column_dup(st, 2, a);
	c->owner = db_column_dup(st, 3, a);
	c->civil_party = db_column_int64(st, 4) != 0;
	c->court = db_column_dup(st, 5, a);
	c->court_case_number = db_column_dup(st, 6, a);
	c->created_at = db_column_dup(st, 7, a);
	c->updated_at = db_column_dup(st, 8, a);
	c->open_tasks = c->overdue_tasks = 0;
}

int store_case_get(struct db *db, int64_t id, struct store_case *out, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_CASE_GET);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	read_case(st, out, a);
	db_step(st);
	return 0;
}

int store_case_list(struct db *db, const char *state, const char *today, int64_t limit,
		    void (*fn)(void *arg, const struct store_case *c), void *arg, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_CASE_LIST);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, state);
	db_bind_text(st, 2, today);
	db_bind_int64(st, 3, limit);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_case c;
		read_case(st, &c, a);
		c.open_tasks = db_column_int64(st, 9);
		c.overdue_tasks = db_column_int64(st, 10);
		fn(arg, &c);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_case_set(struct db *db, int64_t id, const char *column, const char *value,
		   const char *now)
{
	const char *sql = strcmp(column, "title") == 0		 ? SQL_SET_TITLE
			  : strcmp(column, "state") == 0	 ? SQL_SET_STATE
			  : strcmp(column, "owner") == 0	 ? SQL_SET_OWNER
			  : strcmp(column, "court") == 0	 ? SQL_SET_COURT
			  : strcmp(column, "court_case_number") == 0 ? SQL_SET_CCN
			  : strcmp(column, "civil_party") == 0	 ? SQL_SET_CIVIL
								 : NULL;
	if (!sql)
		return HL_EINVAL;
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if (sql == SQL_SET_CIVIL)
		db_bind_int64(st, 2, value && strcmp(value, "1") == 0);
	else
		db_bind_text(st, 2, value);
	db_bind_text(st, 3, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_case_link(struct db *db, int64_t case_id, int64_t report_id, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_LINK);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, report_id);
	db_bind_text(st, 3, now);
	int rc = db_step_done(st);
	return rc ? rc : touch(db, case_id, now);
}

static int each_id(struct db *db, const char *sql, int64_t id,
		   void (*fn)(void *arg, int64_t id), void *arg)
{
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_case_reports(struct db *db, int64_t case_id, void (*fn)(void *arg, int64_t report_id),
		       void *arg)
{
	return each_id(db, SQL_CASE_REPORTS, case_id, fn, arg);
}

int store_report_cases(struct db *db, int64_t report_id, void (*fn)(void *arg, int64_t case_id),
		       void *arg)
{
	return each_id(db, SQL_REPORT_CASES, report_id, fn, arg);
}

int store_case_entry_add(struct db *db, int64_t case_id, const struct store_case_entry *e,
			 const char *now, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRY_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, case_id);
	db_bind_text(st, 2, e->type);
	db_bind_text(st, 3, e->author);
	db_bind_text(st, 4, e->text);
	db_bind_text(st, 5, e->due_on);
	db_bind_text(st, 6, e->to_type);
	db_bind_text(st, 7, e->recipient);
	db_bind_text(st, 8, e->sent_on);
	db_bind_text(st, 9, e->reference);
	db_bind_text(st, 10, now);
	int rc = db_step_done(st);
	if (!rc)
		rc = last_id(db, SQL_ENTRY_LAST, id);
	return rc ? rc : touch(db, case_id, now);
}

int store_case_entry_close(struct db *db, int64_t case_id, int64_t entry_id, const char *type,
			   const char *outcome, const char *on, const char *now)
{
	struct db_stmt *st = db_prepare(db, outcome ? SQL_OUTCOME : SQL_TASK_DONE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, case_id);
	db_bind_int64(st, 2, entry_id);
	db_bind_text(st, 3, type);
	if (outcome) {
		db_bind_text(st, 4, outcome);
		db_bind_text(st, 5, on);
	} else {
		db_bind_text(st, 4, now);
	}
	int rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) != 1)
		return HL_ENOTFOUND;
	return touch(db, case_id, now);
}

int store_case_entries(struct db *db, int64_t case_id,
		       void (*fn)(void *arg, const struct store_case_entry *e), void *arg,
		       struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRIES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, case_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_case_entry e;
		e.id = db_column_int64(st, 0);
		e.type = db_column_dup(st, 1, a);
		e.author = db_column_dup(st, 2, a);
		e.text = db_column_dup(st, 3, a);
		e.due_on = db_column_dup(st, 4, a);
		e.done_at = db_column_dup(st, 5, a);
		e.to_type = db_column_dup(st, 6, a);
		e.recipient = db_column_dup(st, 7, a);
		e.sent_on = db_column_dup(st, 8, a);
		e.reference = db_column_dup(st, 9, a);
		e.outcome = db_column_dup(st, 10, a);
		e.outcome_on = db_column_dup(st, 11, a);
		e.created_at = db_column_dup(st, 12, a);
		fn(arg, &e);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}
