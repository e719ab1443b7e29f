/* reports.c — report queries (see reports.h). One SQL text serves every
 * backend: $N placeholders, standard SQL only. */
#include "reports.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

static const char SQL_INSERT_REPORT[] =
	"INSERT INTO reports (id, number, secret_hash, kind, channel, where_seen, exploitation_type,"
	" description, location, language, contact_sealed, may_contact, received_at, updated_at,"
	" priority, subject, parse_warnings)"
	" VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $14, $15, $16)";
static const char SQL_INSERT_ATTACHMENT[] =
	"INSERT INTO report_attachments (report_id, position, name, type, size, md5, sha1, sha256,"
	" pdq, pdq_quality, problem) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";
static const char SQL_INSERT_HASH[] =
	"INSERT INTO report_hashes (report_id, position, algo, hash) VALUES ($1, $2, $3, $4)";
static const char SQL_INSERT_MATCH[] =
	"INSERT INTO report_matches (report_id, position, entry_id, list_id, algo, distance,"
	" attachment, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
static const char SQL_INSERT_SOURCE[] =
	"INSERT INTO report_sources (source_key, report_id) VALUES ($1, $2)";
static const char SQL_BY_SOURCE[] = "SELECT report_id FROM report_sources WHERE source_key = $1";
static const char SQL_NEXT_ID[] = "SELECT COALESCE(MAX(id), 0) + 1 FROM reports";
static const char SQL_INSERT_PHONE[] =
	"INSERT INTO phone_calls (report_id, started_at, ended_at, caller, urgency, operator)"
	" VALUES ($1, $2, $3, $4, $5, $6)";
static const char SQL_INSERT_URL[] =
	"INSERT INTO report_urls (report_id, addition_id, position, url, url_norm)"
	" VALUES ($1, $2, $3, $4, $5)";
static const char SQL_STATUS[] =
	"SELECT id, number, secret_hash, state, public_message FROM reports WHERE id = $1";
static const char SQL_INSERT_ADDITION[] =
	"INSERT INTO report_additions (report_id, text, received_at) VALUES ($1, $2, $3) RETURNING id";
static const char SQL_EXISTS[] = "SELECT 1 FROM reports WHERE id = $1";
static const char SQL_TOUCH[] = "UPDATE reports SET updated_at = $2 WHERE id = $1";
static const char SQL_SET[] =
	"UPDATE reports SET state = COALESCE($2, state), public_message = COALESCE($3, public_message),"
	" updated_at = $4 WHERE id = $1";
static const char SQL_COUNT[] = "SELECT count(*) FROM reports";

static int insert_urls(struct db *db, int64_t report_id, int64_t addition_id,
		       const char *const *urls, const char *const *norms, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct db_stmt *st = db_prepare(db, SQL_INSERT_URL);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, report_id);
		db_bind_int64(st, 2, addition_id);
		db_bind_int64(st, 3, (int64_t)i);
		db_bind_text_ref(st, 4, urls[i]);
		db_bind_text_ref(st, 5, norms[i]);
		int rc = db_step_done(st);
		if (rc)
			return rc;
	}
	return 0;
}

static int insert_source(struct db *db, const char *key, int64_t report_id)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT_SOURCE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, key);
	db_bind_int64(st, 2, report_id);
	return db_step_done(st);
}

static int insert_evidence(struct db *db, const struct store_new_report *r)
{
	int rc = 0;
	for (size_t i = 0; i < r->nattachments && !rc; i++) {
		const struct report_attachment *f = &r->attachments[i];
		struct db_stmt *st = db_prepare(db, SQL_INSERT_ATTACHMENT);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, r->id);
		db_bind_int64(st, 2, (int64_t)i);
		db_bind_text(st, 3, f->name);
		db_bind_text(st, 4, f->type);
		db_bind_int64(st, 5, (int64_t)f->size);
		db_bind_blob(st, 6, f->md5, sizeof f->md5);
		db_bind_blob(st, 7, f->sha1, sizeof f->sha1);
		db_bind_blob(st, 8, f->sha256, sizeof f->sha256);
		if (f->has_pdq) {
			db_bind_blob(st, 9, f->pdq, sizeof f->pdq);
			db_bind_int64(st, 10, f->pdq_quality);
		} else {
			db_bind_null(st, 9);
			db_bind_null(st, 10);
		}
		db_bind_text(st, 11, f->problem);
		rc = db_step_done(st);
	}
	for (size_t i = 0; i < r->nhashes && !rc; i++) {
		struct db_stmt *st = db_prepare(db, SQL_INSERT_HASH);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, r->id);
		db_bind_int64(st, 2, (int64_t)i);
		db_bind_text(st, 3, r->hashes[i].algo);
		db_bind_blob(st, 4, r->hashes[i].bytes, r->hashes[i].len);
		rc = db_step_done(st);
	}
	for (size_t i = 0; i < r->nmatches && !rc; i++) {
		const struct report_match *m = &r->matches[i];
		struct db_stmt *st = db_prepare(db, SQL_INSERT_MATCH);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, r->id);
		db_bind_int64(st, 2, (int64_t)i);
		db_bind_int64(st, 3, m->entry_id);
		db_bind_int64(st, 4, m->list_id);
		db_bind_text(st, 5, m->algo);
		db_bind_int64(st, 6, m->distance);
		if (m->attachment >= 0)
			db_bind_int64(st, 7, m->attachment);
		else
			db_bind_null(st, 7);
		if (m->hash >= 0)
			db_bind_int64(st, 8, m->hash);
		else
			db_bind_null(st, 8);
		rc = db_step_done(st);
	}
	return rc;
}

int store_report_insert(struct db *db, const struct store_new_report *r)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT_REPORT);
	if (!st)
		return HL_EIO;
	/* r's strings stay put until the insert is done: bound, not copied */
	db_bind_text_ref(st, 1, r->number);
	db_bind_blob_ref(st, 2, r->secret_hash, 32);
	db_bind_text_ref(st, 3, r->kind);
	db_bind_text_ref(st, 4, r->channel);
	db_bind_text_ref(st, 5, r->where_seen);
	db_bind_text_ref(st, 6, r->exploitation_type);
	db_bind_text_ref(st, 7, r->description);
	db_bind_text_ref(st, 8, r->location);
	db_bind_text_ref(st, 9, r->language);
	db_bind_blob_ref(st, 10, r->contact_sealed, r->contact_sealed_len);
	db_bind_int64(st, 11, r->may_contact ? 1 : 0);
	db_bind_text_ref(st, 12, r->received_at);
	db_bind_int64(st, 13, r->id);
	db_bind_int64(st, 14, r->priority);
	db_bind_text_ref(st, 15, r->subject);
	db_bind_text_ref(st, 16, r->parse_warnings);
	int rc = db_step_done(st);
	if (!rc && r->caller) {
		st = db_prepare(db, SQL_INSERT_PHONE);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, r->id);
		db_bind_text(st, 2, r->call_started_at);
		db_bind_text(st, 3, r->call_ended_at);
		db_bind_text(st, 4, r->caller);
		db_bind_text(st, 5, r->urgency);
		db_bind_text(st, 6, r->operator);
		rc = db_step_done(st);
	}
	if (rc)
		return rc;
	if (r->source_key && (rc = insert_source(db, r->source_key, r->id)))
		return rc;
	if ((rc = insert_evidence(db, r)))
		return rc;
	return insert_urls(db, r->id, 0, r->urls, r->urls_norm, r->nurls);
}

int store_report_by_source(struct db *db, const char *source_key, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_BY_SOURCE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, source_key);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*id = db_column_int64(st, 0);
		db_reset(st);
		return 0;
	}
	db_reset(st);
	return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
}

int store_report_next_id(struct db *db, int64_t *out)
{
	struct db_stmt *st = db_prepare(db, SQL_NEXT_ID);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*out = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

int store_report_status(struct db *db, int64_t id, struct store_report_status *out,
			struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_STATUS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return rc < 0 ? rc : HL_EIO;
	out->id = db_column_int64(st, 0);
	snprintf(out->number, sizeof out->number, "%s", db_column_text(st, 1));
	size_t len;
	const void *h = db_column_blob(st, 2, &len);
	if (len != sizeof out->secret_hash)
		return HL_EIO;
	memcpy(out->secret_hash, h, len);
	snprintf(out->state, sizeof out->state, "%s", db_column_text(st, 3));
	const char *msg = db_column_text(st, 4);
	out->message = msg ? arena_strdup(a, msg) : NULL;
	db_step(st); /* finish, so the read transaction ends */
	return 0;
}

int store_report_add(struct db *db, int64_t report_id, const char *text,
		     const char *const *urls, const char *const *urls_norm, size_t nurls,
		     const char *now)
{
	/* said here, not left to the foreign key: the intake committer writes
	 * without foreign-key checks (db.h, db_writer_settings) */
	struct db_stmt *st = db_prepare(db, SQL_EXISTS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	int rc = db_step(st);
	db_reset(st);
	if (rc != DB_ROW)
		return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
	st = db_prepare(db, SQL_INSERT_ADDITION);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	db_bind_text(st, 2, text);
	db_bind_text(st, 3, now);
	rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : HL_EIO;
	int64_t add_id = db_column_int64(st, 0);
	if (db_step(st) != DB_DONE)
		return HL_EIO;
	rc = insert_urls(db, report_id, add_id, urls, urls_norm, nurls);
	if (rc)
		return rc;
	st = db_prepare(db, SQL_TOUCH);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	db_bind_text(st, 2, now);
	return db_step_done(st);
}

static const char SQL_EVENT_ADD[] = "INSERT INTO queue_events (report_id, state) VALUES ($1, $2)";
static const char SQL_EVENTS[] =
	"SELECT id, report_id, state FROM queue_events WHERE id > $1 ORDER BY id LIMIT 10000";
static const char SQL_EVENT_LAST[] = "SELECT COALESCE(max(id), 0) FROM queue_events";

int store_report_set(struct db *db, int64_t id, const char *state, const char *message,
		     const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_SET);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state);
	db_bind_text(st, 3, message);
	db_bind_text(st, 4, now);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) != 1)
		return HL_ENOTFOUND;
	if (!state)
		return 0;
	st = db_prepare(db, SQL_EVENT_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state);
	return db_step_done(st);
}

int store_queue_events(struct db *db, int64_t after,
		       void (*fn)(void *arg, int64_t event, int64_t report_id, const char *state),
		       void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_EVENTS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, after);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_int64(st, 1), db_column_text(st, 2));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_queue_event_last(struct db *db, int64_t *out)
{
	struct db_stmt *st = db_prepare(db, SQL_EVENT_LAST);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*out = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

int store_report_count(struct db *db, int64_t *out)
{
	struct db_stmt *st = db_prepare(db, SQL_COUNT);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*out = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

#define ROW_COLUMNS                                                                              \
	"id, number, kind, channel, state, received_at, updated_at, assignee, priority,"         \
	" where_seen, exploitation_type, description, location, language, public_message,"      \
	" contact_sealed, may_contact, subject, parse_warnings"

static const char SQL_GET[] = "SELECT " ROW_COLUMNS " FROM reports WHERE id = $1";
static const char SQL_BY_ASSIGNEE[] =
	"SELECT " ROW_COLUMNS " FROM reports WHERE assignee = $1 AND assignee IS NOT NULL"
	" AND ($2 IS NULL OR kind = $2) AND ($3 IS NULL OR channel = $3)"
	" AND (($4 IS NULL AND state <> 'closed') OR state = $4)"
	" AND (2 - priority) * 1099511627776 + id > $5"
	" ORDER BY priority DESC, id LIMIT $6 OFFSET $7";
static const char SQL_URLS[] =
	"SELECT addition_id, url, url_norm FROM report_urls WHERE report_id = $1"
	" ORDER BY addition_id, position";
static const char SQL_ADDITIONS[] =
	"SELECT id, text, received_at FROM report_additions WHERE report_id = $1 ORDER BY id";

static void read_row(struct db_stmt *st, struct store_report_row *r, struct arena *a)
{
	r->id = db_column_int64(st, 0);
	r->number = db_column_dup(st, 1, a);
	r->kind = db_column_dup(st, 2, a);
	r->channel = db_column_dup(st, 3, a);
	r->state = db_column_dup(st, 4, a);
	r->received_at = db_column_dup(st, 5, a);
	r->updated_at = db_column_dup(st, 6, a);
	r->assignee = db_column_dup(st, 7, a);
	r->priority = (int)db_column_int64(st, 8);
	r->where_seen = db_column_dup(st, 9, a);
	r->exploitation_type = db_column_dup(st, 10, a);
	r->description = db_column_dup(st, 11, a);
	r->location = db_column_dup(st, 12, a);
	r->language = db_column_dup(st, 13, a);
	r->public_message = db_column_dup(st, 14, a);
	size_t len;
	const void *b = db_column_blob(st, 15, &len);
	unsigned char *copy = b && len ? arena_alloc(a, len) : NULL;
	if (copy)
		memcpy(copy, b, len);
	r->contact_sealed = copy;
	r->contact_sealed_len = copy ? len : 0;
	r->may_contact = db_column_int64(st, 16) != 0;
	r->subject = db_column_dup(st, 17, a);
	r->parse_warnings = db_column_dup(st, 18, a);
	r->queue_key = (int64_t)(2 - (r->priority < 0 ? 0 : r->priority > 2 ? 2 : r->priority)) *
			       ((int64_t)1 << 40) +
		       r->id;
}

static const char SQL_QUEUE_ROWS[] =
	"SELECT id, priority, kind, channel, state FROM reports WHERE id > $1 ORDER BY id";

int store_report_queue_rows(struct db *db, int64_t after,
			    void (*fn)(void *arg, int64_t id, int priority, const char *kind,
				       const char *channel, const char *state),
			    void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_QUEUE_ROWS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, after);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), (int)db_column_int64(st, 1), db_column_text(st, 2),
		   db_column_text(st, 3), db_column_text(st, 4));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_report_assigned(struct db *db, const char *assignee, const char *kind,
			  const char *channel, const char *state, int64_t after, int64_t offset,
			  int64_t limit, void (*fn)(void *arg, const struct store_report_row *row),
			  void *arg, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_BY_ASSIGNEE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, assignee);
	db_bind_text(st, 2, kind);
	db_bind_text(st, 3, channel);
	db_bind_text(st, 4, state);
	db_bind_int64(st, 5, after);
	db_bind_int64(st, 6, limit);
	db_bind_int64(st, 7, offset);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_report_row row;
		read_row(st, &row, a);
		fn(arg, &row);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_report_get(struct db *db, int64_t id, struct store_report_row *out, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_GET);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	read_row(st, out, a);
	db_step(st);
	return 0;
}

int store_report_urls(struct db *db, int64_t id,
		      void (*fn)(void *arg, int64_t addition_id, const char *url, const char *norm),
		      void *arg, struct arena *a)
{
	(void)a;
	struct db_stmt *st = db_prepare(db, SQL_URLS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_text(st, 1), db_column_text(st, 2));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_report_additions(struct db *db, int64_t id,
			   void (*fn)(void *arg, int64_t addition_id, const char *text,
				      const char *at),
			   void *arg, struct arena *a)
{
	(void)a;
	struct db_stmt *st = db_prepare(db, SQL_ADDITIONS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_text(st, 1), db_column_text(st, 2));
	return rc == DB_DONE ? 0 : HL_EIO;
}

static const char SQL_SET_ASSIGNEE[] =
	"UPDATE reports SET assignee = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_CLASS[] =
	"UPDATE reports SET classification = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_DUP[] =
	"UPDATE reports SET duplicate_of = $2, updated_at = $3 WHERE id = $1";
static const char SQL_SET_KIND[] =
	"UPDATE reports SET kind = $2, updated_at = $3, priority = CASE"
	" WHEN $2 = 'immediate_danger' OR EXISTS (SELECT 1 FROM phone_calls p"
	"   WHERE p.report_id = $1 AND p.urgency = 'immediate') THEN 2"
	" WHEN EXISTS (SELECT 1 FROM report_matches m WHERE m.report_id = $1) THEN 1"
	" ELSE 0 END WHERE id = $1";
static const char SQL_PRIORITY[] = "SELECT priority FROM reports WHERE id = $1";
static const char SQL_NOTE_ADD[] =
	"INSERT INTO report_notes (report_id, author, text, created_at) VALUES ($1, $2, $3, $4)";
static const char SQL_NOTES[] =
	"SELECT author, text, created_at FROM report_notes WHERE report_id = $1 ORDER BY id";
static const char SQL_EXTRA[] = "SELECT classification, duplicate_of FROM reports WHERE id = $1";

static int update_one(struct db *db, const char *sql, int64_t id, const char *text, int64_t num,
		      bool use_num, const char *now)
{
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if (use_num && num)
		db_bind_int64(st, 2, num);
	else if (use_num)
		db_bind_null(st, 2);
	else
		db_bind_text(st, 2, text);
	db_bind_text(st, 3, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_report_set_assignee(struct db *db, int64_t id, const char *assignee, const char *now)
{
	return update_one(db, SQL_SET_ASSIGNEE, id, assignee, 0, false, now);
}

int store_report_set_classification(struct db *db, int64_t id, const char *json, const char *now)
{
	return update_one(db, SQL_SET_CLASS, id, json, 0, false, now);
}

int store_report_set_duplicate(struct db *db, int64_t id, int64_t duplicate_of, const char *now)
{
	return update_one(db, SQL_SET_DUP, id, NULL, duplicate_of, true, now);
}

int store_report_set_kind(struct db *db, int64_t id, const char *kind, const char *now,
			  int *priority)
{
	int rc = update_one(db, SQL_SET_KIND, id, kind, 0, false, now);
	if (rc)
		return rc;
	struct db_stmt *st = db_prepare(db, SQL_PRIORITY);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_ROW)
		return HL_EIO;
	*priority = (int)db_column_int64(st, 0);
	db_reset(st);
	return 0;
}

int store_report_note_add(struct db *db, int64_t id, const char *author, const char *text,
			  const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_NOTE_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, author);
	db_bind_text(st, 3, text);
	db_bind_text(st, 4, now);
	return db_step_done(st);
}

int store_report_notes(struct db *db, int64_t id,
		       void (*fn)(void *arg, const char *author, const char *text, const char *at),
		       void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_NOTES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_text(st, 0), db_column_text(st, 1), db_column_text(st, 2));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_report_extra(struct db *db, int64_t id, const char **classification,
		       int64_t *duplicate_of, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_EXTRA);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	*classification = db_column_dup(st, 0, a);
	*duplicate_of = db_column_int64(st, 1);
	db_step(st);
	return 0;
}

static const char SQL_PHONE[] =
	"SELECT started_at, ended_at, caller, urgency, operator FROM phone_calls WHERE report_id = $1";
static const char SQL_PHONE_BY_OPERATOR[] =
	"SELECT report_id FROM phone_calls WHERE operator = $1 ORDER BY report_id DESC LIMIT $2";

int store_report_phone(struct db *db, int64_t id, struct store_phone_call *out, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_PHONE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	out->started_at = db_column_dup(st, 0, a);
	out->ended_at = db_column_dup(st, 1, a);
	out->caller = db_column_dup(st, 2, a);
	out->urgency = db_column_dup(st, 3, a);
	out->operator = db_column_dup(st, 4, a);
	db_step(st);
	return 0;
}

int store_phone_by_operator(struct db *db, const char *operator, int64_t limit,
			    void (*fn)(void *arg, int64_t report_id), void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_PHONE_BY_OPERATOR);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, operator);
	db_bind_int64(st, 2, limit);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0));
	return rc == DB_DONE ? 0 : HL_EIO;
}
