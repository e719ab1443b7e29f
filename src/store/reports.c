/* reports.c — report queries (see reports.h). One SQL text serves every
 * backend: $N placeholders, standard SQL only. */
#include "reports.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

static const char SQL_INSERT_REPORT[] =
	"INSERT INTO reports (id, number, secret_hash, kind, channel, where_seen, exploitation_type,"
	" description, location, language, contact_sealed, may_contact, received_at, updated_at)"
	" VALUES ($13, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)";
static const char SQL_NEXT_ID[] = "SELECT COALESCE(MAX(id), 0) + 1 FROM reports";
static const char SQL_INSERT_URL[] =
	"INSERT INTO report_urls (report_id, addition_id, position, url, url_norm)"
	" VALUES ($1, $2, $3, $4, $5)";
static const char SQL_STATUS[] =
	"SELECT id, number, secret_hash, state, public_message FROM reports WHERE id = $1";
static const char SQL_INSERT_ADDITION[] =
	"INSERT INTO report_additions (report_id, text, received_at) VALUES ($1, $2, $3) RETURNING id";
static const char SQL_TOUCH[] = "UPDATE reports SET updated_at = $2 WHERE id = $1";
static const char SQL_SET[] =
	"UPDATE reports SET state = COALESCE($2, state), public_message = COALESCE($3, public_message),"
	" updated_at = $4 WHERE id = $1";
static const char SQL_COUNT[] = "SELECT count(*) FROM reports";

static int step_done(struct db_stmt *st)
{
	int rc = db_step(st);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : HL_EIO;
}

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
		db_bind_text(st, 4, urls[i]);
		db_bind_text(st, 5, norms[i]);
		int rc = step_done(st);
		if (rc)
			return rc;
	}
	return 0;
}

int store_report_insert(struct db *db, const struct store_new_report *r)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT_REPORT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, r->number);
	db_bind_blob(st, 2, r->secret_hash, 32);
	db_bind_text(st, 3, r->kind);
	db_bind_text(st, 4, r->channel);
	db_bind_text(st, 5, r->where_seen);
	db_bind_text(st, 6, r->exploitation_type);
	db_bind_text(st, 7, r->description);
	db_bind_text(st, 8, r->location);
	db_bind_text(st, 9, r->language);
	db_bind_blob(st, 10, r->contact_sealed, r->contact_sealed_len);
	db_bind_int64(st, 11, r->may_contact ? 1 : 0);
	db_bind_text(st, 12, r->received_at);
	db_bind_int64(st, 13, r->id);
	int rc = step_done(st);
	if (rc)
		return rc;
	return insert_urls(db, r->id, 0, r->urls, r->urls_norm, r->nurls);
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
	struct db_stmt *st = db_prepare(db, SQL_INSERT_ADDITION);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	db_bind_text(st, 2, text);
	db_bind_text(st, 3, now);
	int rc = db_step(st);
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
	return step_done(st);
}

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
	int rc = step_done(st);
	if (rc)
		return rc;
	return db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
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
