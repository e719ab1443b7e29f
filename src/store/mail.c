/* mail.c — the outgoing mail queue's queries (see mail.h). */
#include "mail.h"

#include <string.h>

#include "err.h"

#define MAIL_COLS                                                                            \
	"id, kind, ref_type, ref_id, to_sealed, reply_to, subject, body, message_id, state,"     \
	" attempts, next_at, last_error, created_by, created_at, sent_at"

static const char SQL_INSERT[] =
	"INSERT INTO mail_outbox (kind, ref_type, ref_id, to_sealed, reply_to, subject, body,"
	" message_id, next_at, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,"
	" $10, $11)";
static const char SQL_LAST[] = "SELECT max(id) FROM mail_outbox";
static const char SQL_DUE[] = "SELECT " MAIL_COLS " FROM mail_outbox WHERE state = 'queued'"
			      " AND next_at <= $1 ORDER BY next_at, id LIMIT 1";
static const char SQL_CLAIM[] = "UPDATE mail_outbox SET state = 'sending', attempts = attempts + 1,"
				" next_at = $2 WHERE id = $1 AND state = 'queued'";
static const char SQL_NEXT_DUE[] =
	"SELECT next_at FROM mail_outbox WHERE state = 'queued' ORDER BY next_at, id LIMIT 1";
static const char SQL_SENT[] = "UPDATE mail_outbox SET state = 'sent', sent_at = $2,"
			       " last_error = NULL WHERE id = $1 AND state = 'sending'";
static const char SQL_RETRY[] = "UPDATE mail_outbox SET state = 'queued', next_at = $2,"
				" last_error = $3 WHERE id = $1 AND state = 'sending'";
static const char SQL_FAILED[] = "UPDATE mail_outbox SET state = 'failed', last_error = $2"
				 " WHERE id = $1 AND state = 'sending'";
static const char SQL_UNCLAIM[] = "UPDATE mail_outbox SET state = 'queued' WHERE state = 'sending'"
				  " AND next_at <= $1";
static const char SQL_REQUEUE[] = "UPDATE mail_outbox SET state = 'queued', next_at = $2"
				  " WHERE id = $1 AND state = 'failed'";
static const char SQL_GET[] = "SELECT " MAIL_COLS " FROM mail_outbox WHERE id = $1";
static const char SQL_LIST[] = "SELECT " MAIL_COLS " FROM mail_outbox WHERE ($1 IS NULL OR state = $1)"
			       " AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3";
static const char SQL_COUNTS[] = "SELECT state, count(*) FROM mail_outbox GROUP BY state";

int store_mail_insert(struct db *db, const struct store_mail_new *m, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, m->kind);
	db_bind_text(st, 2, m->ref_type);
	db_bind_text(st, 3, m->ref_id);
	if (m->to_sealed)
		db_bind_blob(st, 4, m->to_sealed, m->to_sealed_len);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, m->reply_to);
	db_bind_text(st, 6, m->subject);
	db_bind_text(st, 7, m->body);
	db_bind_text(st, 8, m->message_id);
	db_bind_int64(st, 9, m->next_at);
	db_bind_text(st, 10, m->created_by);
	db_bind_text(st, 11, m->created_at);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	st = db_prepare(db, SQL_LAST);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	if (id)
		*id = db_column_int64(st, 0);
	db_reset(st);
	return 0;
}

static void row_read(struct db_stmt *st, struct store_mail_row *r, struct arena *a)
{
	memset(r, 0, sizeof *r);
	r->id = db_column_int64(st, 0);
	r->kind = db_column_dup(st, 1, a);
	r->ref_type = db_column_dup(st, 2, a);
	r->ref_id = db_column_dup(st, 3, a);
	size_t len = 0;
	const void *blob = db_column_blob(st, 4, &len);
	if (blob && len) {
		unsigned char *copy = arena_alloc(a, len);
		if (copy) {
			memcpy(copy, blob, len);
			r->to_sealed = copy;
			r->to_sealed_len = len;
		}
	}
	r->reply_to = db_column_dup(st, 5, a);
	r->subject = db_column_dup(st, 6, a);
	r->body = db_column_dup(st, 7, a);
	r->message_id = db_column_dup(st, 8, a);
	r->state = db_column_dup(st, 9, a);
	r->attempts = db_column_int64(st, 10);
	r->next_at = db_column_int64(st, 11);
	r->last_error = db_column_dup(st, 12, a);
	r->created_by = db_column_dup(st, 13, a);
	r->created_at = db_column_dup(st, 14, a);
	r->sent_at = db_column_dup(st, 15, a);
}

int store_mail_claim(struct db *db, int64_t now, int64_t lease_until, struct store_mail_row *out,
		     struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_DUE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, now);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	row_read(st, out, a);
	db_reset(st);
	if (!out->kind || !out->subject || !out->body || !out->message_id)
		return HL_ENOMEM;
	st = db_prepare(db, SQL_CLAIM);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, out->id);
	db_bind_int64(st, 2, lease_until);
	rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) != 1)
		return HL_ENOTFOUND;
	out->attempts++;
	out->state = "sending";
	out->next_at = lease_until;
	return 0;
}

int store_mail_next_due(struct db *db, int64_t *next_at)
{
	struct db_stmt *st = db_prepare(db, SQL_NEXT_DUE);
	if (!st)
		return HL_EIO;
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	*next_at = db_column_int64(st, 0);
	db_reset(st);
	return 0;
}

static int update_one(struct db *db, const char *sql, int64_t id, const char *text, int64_t n,
		      int text_param, int n_param)
{
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if (text_param)
		db_bind_text(st, text_param, text);
	if (n_param)
		db_bind_int64(st, n_param, n);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	return db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_mail_sent(struct db *db, int64_t id, const char *now)
{
	return update_one(db, SQL_SENT, id, now, 0, 2, 0);
}

int store_mail_retry(struct db *db, int64_t id, int64_t next_at, const char *error)
{
	return update_one(db, SQL_RETRY, id, error, next_at, 3, 2);
}

int store_mail_failed(struct db *db, int64_t id, const char *error)
{
	return update_one(db, SQL_FAILED, id, error, 0, 2, 0);
}

int store_mail_requeue(struct db *db, int64_t id, int64_t now)
{
	return update_one(db, SQL_REQUEUE, id, NULL, now, 0, 2);
}

int store_mail_unclaim(struct db *db, int64_t now, int64_t *n)
{
	struct db_stmt *st = db_prepare(db, SQL_UNCLAIM);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, now);
	int rc = db_step_done(st);
	if (!rc && n)
		*n = db_changes(db);
	return rc;
}

int store_mail_get(struct db *db, int64_t id, struct store_mail_row *out, struct arena *a)
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
	row_read(st, out, a);
	db_reset(st);
	return 0;
}

int store_mail_list(struct db *db, const char *state, int64_t before, int64_t limit,
		    void (*fn)(void *arg, const struct store_mail_row *row), void *arg,
		    struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_LIST);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, state);
	db_bind_int64(st, 2, before);
	db_bind_int64(st, 3, limit);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_mail_row row;
		row_read(st, &row, a);
		fn(arg, &row);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_mail_counts(struct db *db, int64_t *queued, int64_t *sending, int64_t *sent,
		      int64_t *failed)
{
	struct db_stmt *st = db_prepare(db, SQL_COUNTS);
	if (!st)
		return HL_EIO;
	*queued = *sending = *sent = *failed = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		const char *s = db_column_text(st, 0);
		int64_t n = db_column_int64(st, 1);
		if (!s)
			continue;
		if (strcmp(s, "queued") == 0)
			*queued = n;
		else if (strcmp(s, "sending") == 0)
			*sending = n;
		else if (strcmp(s, "sent") == 0)
			*sent = n;
		else if (strcmp(s, "failed") == 0)
			*failed = n;
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

