/* items.c — item, directory, notice and statistics queries (see items.h). */
#include "store/items.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

#define ITEM_COLUMNS                                                                               \
	"id, url, host, state, channel, classification, class_key, assessed_by, reopened,"       \
	" report_count, first_reported_at, last_reported_at, assessed_at, notified_at,"          \
	" removed_at, reappeared_at, reopened_at, reminders_sent, resolve_state, addresses,"     \
	" country, as_name, hosting_note, asn, resolved_at"

static const char SQL_EACH_URL[] = "SELECT id, url FROM items";
static const char SQL_INSERT[] =
	"INSERT INTO items (url, host, channel, first_reported_at, last_reported_at, updated_at,"
	" report_count) VALUES ($1, $2, $3, $4, $4, $4, 1) RETURNING id";
static const char SQL_FIND[] = "SELECT id FROM items WHERE url = $1";
static const char SQL_LINK[] =
	"INSERT INTO item_reports (item_id, report_id) VALUES ($1, $2) ON CONFLICT DO NOTHING";
static const char SQL_BUMP[] =
	"UPDATE items SET report_count = report_count + $2, last_reported_at = $3, updated_at = $3,"
	" reopened = CASE WHEN state = 'illegal' OR state = 'notified' OR state = 'removed'"
	"  THEN 1 ELSE reopened END,"
	" reopened_at = CASE WHEN (state = 'illegal' OR state = 'notified' OR state = 'removed')"
	"  AND reopened = 0 THEN $3 ELSE reopened_at END"
	" WHERE id = $1";
static const char SQL_BUMP_STATE[] = "SELECT state, classification FROM items WHERE id = $1";
static const char SQL_COUNT_ADD[] =
	"UPDATE items SET report_count = report_count + $2,"
	" last_reported_at = MAX(last_reported_at, $3), updated_at = MAX(updated_at, $3)"
	" WHERE id = $1";
static const char SQL_DATA_VERSION[] = "PRAGMA data_version";
static const char SQL_RANGE_ADD[] =
	"INSERT INTO item_link_ranges (first_report_id, last_report_id) VALUES ($1, $2)";
static const char SQL_RANGE_DROP[] = "DELETE FROM item_link_ranges WHERE first_report_id = $1";
/* the URLs of the reports in the ranges left, and their links: a report
 * is linked to the item whose url is one of its own url_norm (013) */
#define RANGE_URLS                                                                                 \
	" FROM item_link_ranges g JOIN report_urls u"                                              \
	" ON u.report_id BETWEEN g.first_report_id AND g.last_report_id AND u.addition_id = 0"
#define RANGE_LINKS RANGE_URLS " JOIN items i ON i.url = u.url_norm"
static const char SQL_RECOVER_MOVE[] =
	"INSERT INTO item_reports (item_id, report_id) SELECT i.id, u.report_id" RANGE_LINKS
	" WHERE true ON CONFLICT DO NOTHING";
static const char SQL_RECOVER_COUNT[] =
	"UPDATE items SET report_count = (SELECT count(*) FROM item_reports r WHERE r.item_id = items.id)"
	" WHERE id IN (SELECT i.id" RANGE_LINKS ")";
static const char SQL_RECOVER_CLEAR[] = "DELETE FROM item_link_ranges";
static const char SQL_RANGES_ANY[] = "SELECT EXISTS (SELECT 1 FROM item_link_ranges)";
static const char SQL_DAILY[] =
	"INSERT INTO report_daily (day, channel, n) VALUES ($1, $2, $3)"
	" ON CONFLICT (day, channel) DO UPDATE SET n = n + excluded.n";
static const char SQL_GET[] = "SELECT " ITEM_COLUMNS " FROM items WHERE id = $1";
static const char SQL_LIST_ALL[] =
	"SELECT " ITEM_COLUMNS " FROM items WHERE id < $1 ORDER BY id DESC LIMIT $2";
static const char SQL_LIST_STATE[] =
	"SELECT " ITEM_COLUMNS " FROM items WHERE state = $3 AND id < $1 ORDER BY id DESC LIMIT $2";
static const char SQL_LIST_OPEN[] =
	"SELECT " ITEM_COLUMNS " FROM items WHERE id IN"
	" (SELECT id FROM items WHERE state = 'new' AND id < $1"
	"  UNION SELECT id FROM items WHERE reopened = 1 AND id < $1)"
	" ORDER BY id DESC LIMIT $2";
static const char SQL_LIST_DUE[] =
	"SELECT " ITEM_COLUMNS " FROM items WHERE state = 'notified' AND id < $1 AND ("
	" (reminders_sent = 0 AND notified_at <= $3 - 86400)"
	" OR (reminders_sent = 1 AND notified_at <= $3 - 259200)"
	" OR (reminders_sent = 2 AND notified_at <= $3 - 604800))"
	" ORDER BY id DESC LIMIT $2";
/* an item's links: item_reports and those not moved there yet, of the
 * reports in the ranges left (013) */
#define ITEM_LINKS(item)                                                                           \
	"SELECT report_id FROM item_reports WHERE item_id = " item                                \
	" UNION SELECT u.report_id" RANGE_URLS " WHERE u.url_norm = (SELECT url FROM items WHERE id = " \
	item ")"
static const char SQL_REPORT_IDS[] = ITEM_LINKS("$1") " ORDER BY report_id DESC LIMIT $2";
static const char SQL_OF_REPORT[] =
	"SELECT DISTINCT i.id, i.url FROM report_urls u JOIN items i ON i.url = u.url_norm"
	" WHERE u.report_id = $1 ORDER BY i.id";
static const char SQL_ASSESS[] =
	"UPDATE items SET state = $2, classification = $3, class_key = $4, assessed_by = $5,"
	" assessed_at = COALESCE(assessed_at, $6), reopened = 0, updated_at = $6 WHERE id = $1";
static const char SQL_APPLY[] =
	"UPDATE reports SET state = $2, classification = COALESCE($3, classification),"
	" updated_at = $4 WHERE id IN (" ITEM_LINKS("$1") ")";
static const char SQL_APPLY_EVENTS[] =
	"INSERT INTO queue_events (report_id, state)"
	" SELECT report_id, $2 FROM (" ITEM_LINKS("$1") ")";
static const char SQL_STEP_NOTIFIED[] =
	"UPDATE items SET state = 'notified', notified_at = COALESCE(notified_at, $2),"
	" updated_at = $2 WHERE id = $1";
static const char SQL_STEP_REMOVED[] =
	"UPDATE items SET state = 'removed', removed_at = $2, reopened = 0, updated_at = $2"
	" WHERE id = $1";
static const char SQL_STEP_REAPPEARED[] =
	"UPDATE items SET state = 'illegal', reappeared_at = $2, removed_at = NULL,"
	" reminders_sent = 0, reopened = 0, updated_at = $2 WHERE id = $1";
static const char SQL_STEP_REMINDER[] =
	"UPDATE items SET reminders_sent = reminders_sent + 1, updated_at = $2 WHERE id = $1";
static const char SQL_HOSTING_LOOKUP[] =
	"UPDATE items SET resolve_state = $2, addresses = $3, country = $4, asn = $5, as_name = $6,"
	" resolved_at = $7 WHERE id = $1 AND resolve_state <> 'corrected'";
static const char SQL_HOSTING_CORRECT[] =
	"UPDATE items SET resolve_state = 'corrected', addresses = COALESCE($3, addresses),"
	" country = $4, asn = $5, as_name = $6, hosting_note = $8, resolved_at = $7,"
	" updated_at = $7 WHERE id = $1 AND $2 = $2";
static const char SQL_PENDING[] =
	"SELECT id, host FROM items WHERE resolve_state = 'pending' ORDER BY id LIMIT $1";

static const char *dup(struct db_stmt *st, int col, struct arena *a)
{
	return db_column_dup(st, col, a);
}

static void read_item(struct db_stmt *st, struct store_item *it, struct arena *a)
{
	memset(it, 0, sizeof *it);
	it->id = db_column_int64(st, 0);
	it->url = dup(st, 1, a);
	it->host = dup(st, 2, a);
	it->state = dup(st, 3, a);
	it->channel = dup(st, 4, a);
	it->classification = dup(st, 5, a);
	it->class_key = dup(st, 6, a);
	it->assessed_by = dup(st, 7, a);
	it->reopened = db_column_int64(st, 8) != 0;
	it->report_count = db_column_int64(st, 9);
	it->first_reported_at = db_column_int64(st, 10);
	it->last_reported_at = db_column_int64(st, 11);
	it->assessed_at = db_column_int64(st, 12);
	it->notified_at = db_column_int64(st, 13);
	it->removed_at = db_column_int64(st, 14);
	it->reappeared_at = db_column_int64(st, 15);
	it->reopened_at = db_column_int64(st, 16);
	it->reminders_sent = db_column_int64(st, 17);
	it->resolve_state = dup(st, 18, a);
	it->addresses = dup(st, 19, a);
	it->country = dup(st, 20, a);
	it->as_name = dup(st, 21, a);
	it->hosting_note = dup(st, 22, a);
	it->asn = db_column_int64(st, 23);
	it->resolved_at = db_column_int64(st, 24);
}

int store_item_each_url(struct db *db, void (*fn)(void *arg, int64_t id, const char *url),
			void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_EACH_URL);
	if (!st)
		return HL_EIO;
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_text(st, 1));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_item_insert(struct db *db, const char *url, const char *host, const char *channel,
		      int64_t now, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, url);
	db_bind_text(st, 2, host);
	db_bind_text(st, 3, channel);
	db_bind_int64(st, 4, now);
	int rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : HL_EIO;
	*id = db_column_int64(st, 0);
	return db_step(st) == DB_DONE ? 0 : HL_EIO;
}

int store_item_find(struct db *db, const char *url, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_FIND);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, url);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	*id = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

int store_item_link(struct db *db, int64_t item_id, int64_t report_id)
{
	struct db_stmt *st = db_prepare(db, SQL_LINK);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, report_id);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	return db_changes(db) == 1 ? 0 : HL_EEXIST;
}

int store_item_bump(struct db *db, int64_t item_id, int64_t n, int64_t now, const char **state,
		    const char **classification, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_BUMP);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, n);
	db_bind_int64(st, 3, now);
	/* a plain UPDATE, then a read: cheaper than UPDATE ... RETURNING,
	 * which SQLite runs through a temporary table */
	int rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) != 1)
		return HL_ENOTFOUND;
	st = db_prepare(db, SQL_BUMP_STATE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
	}
	*state = dup(st, 0, a);
	*classification = dup(st, 1, a);
	db_reset(st);
	return 0;
}

static const char SQL_CHANNEL[] = "SELECT channel FROM reports WHERE id = $1";

int store_report_channel(struct db *db, int64_t report_id, char *out, size_t size)
{
	struct db_stmt *st = db_prepare(db, SQL_CHANNEL);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	snprintf(out, size, "%s", db_column_text(st, 0));
	db_step(st);
	return 0;
}

int store_report_daily_add(struct db *db, const char *day, const char *channel, int64_t n)
{
	struct db_stmt *st = db_prepare(db, SQL_DAILY);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, day);
	db_bind_text(st, 2, channel);
	db_bind_int64(st, 3, n);
	return db_step_done(st);
}

int store_item_get(struct db *db, int64_t id, struct store_item *out, struct arena *a)
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
	read_item(st, out, a);
	db_step(st);
	return 0;
}

int store_item_list(struct db *db, const struct store_item_filter *f, int64_t limit,
		    void (*fn)(void *arg, const struct store_item *it), void *arg,
		    struct arena *a)
{
	const char *sql = f->reminders_due ? SQL_LIST_DUE
			  : f->open	   ? SQL_LIST_OPEN
			  : f->state	   ? SQL_LIST_STATE
					   : SQL_LIST_ALL;
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, f->after > 0 ? f->after : INT64_MAX);
	db_bind_int64(st, 2, limit);
	if (f->reminders_due)
		db_bind_int64(st, 3, f->now);
	else if (!f->open && f->state)
		db_bind_text(st, 3, f->state);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_item it;
		read_item(st, &it, a);
		fn(arg, &it);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_item_report_ids(struct db *db, int64_t item_id, int64_t limit,
			  void (*fn)(void *arg, int64_t report_id), void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_REPORT_IDS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, limit);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_item_of_report(struct db *db, int64_t report_id,
			 void (*fn)(void *arg, int64_t item_id, const char *url), void *arg,
			 struct arena *a)
{
	(void)a;
	struct db_stmt *st = db_prepare(db, SQL_OF_REPORT);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_text(st, 1));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_item_assess(struct db *db, int64_t id, const char *state, const char *classification,
		      const char *class_key, const char *by, int64_t now)
{
	struct db_stmt *st = db_prepare(db, SQL_ASSESS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state);
	db_bind_text(st, 3, classification);
	db_bind_text(st, 4, class_key);
	db_bind_text(st, 5, by);
	db_bind_int64(st, 6, now);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_item_apply_reports(struct db *db, int64_t id, const char *state,
			     const char *classification, const char *now_iso, int64_t *n)
{
	struct db_stmt *st = db_prepare(db, SQL_APPLY);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state);
	db_bind_text(st, 3, classification);
	db_bind_text(st, 4, now_iso);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	*n = db_changes(db);
	st = db_prepare(db, SQL_APPLY_EVENTS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, state);
	return db_step_done(st);
}

int store_item_step(struct db *db, int64_t id, const char *step, int64_t at)
{
	const char *sql = strcmp(step, "notified") == 0	    ? SQL_STEP_NOTIFIED
			  : strcmp(step, "removed") == 0    ? SQL_STEP_REMOVED
			  : strcmp(step, "reappeared") == 0 ? SQL_STEP_REAPPEARED
			  : strcmp(step, "reminder") == 0   ? SQL_STEP_REMINDER
							    : NULL;
	if (!sql)
		return HL_EINVAL;
	struct db_stmt *st = db_prepare(db, sql);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, at);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_item_set_hosting(struct db *db, int64_t id, const char *resolve_state,
			   const char *addresses, const char *country, int64_t asn,
			   const char *as_name, const char *note, bool corrected, int64_t now)
{
	struct db_stmt *st = db_prepare(db, corrected ? SQL_HOSTING_CORRECT : SQL_HOSTING_LOOKUP);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_text(st, 2, resolve_state ? resolve_state : "corrected");
	db_bind_text(st, 3, addresses);
	db_bind_text(st, 4, country);
	if (asn > 0)
		db_bind_int64(st, 5, asn);
	else
		db_bind_null(st, 5);
	db_bind_text(st, 6, as_name);
	db_bind_int64(st, 7, now);
	if (corrected)
		db_bind_text(st, 8, note);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_item_pending(struct db *db, int64_t limit,
		       void (*fn)(void *arg, int64_t id, const char *host), void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_PENDING);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, limit);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_int64(st, 0), db_column_text(st, 1));
	return rc == DB_DONE ? 0 : HL_EIO;
}

/* ---- directory ---- */

#define DIR_COLUMNS "id, type, name, country, scope, domain, email, language, asn, sample"
static const char SQL_DIR_LIST[] =
	"SELECT " DIR_COLUMNS " FROM directory ORDER BY type, country, name, id";
static const char SQL_DIR_GET[] = "SELECT " DIR_COLUMNS " FROM directory WHERE id = $1";
static const char SQL_DIR_INSERT[] =
	"INSERT INTO directory (type, name, country, scope, domain, email, language, asn, sample,"
	" updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id";
static const char SQL_DIR_UPDATE[] =
	"UPDATE directory SET type = $1, name = $2, country = $3, scope = $4, domain = $5,"
	" email = $6, language = $7, asn = $8, sample = $9, updated_at = $10 WHERE id = $11"
	" RETURNING id";
static const char SQL_DIR_DELETE[] = "DELETE FROM directory WHERE id = $1";
static const char SQL_DIR_COUNT[] = "SELECT count(*) FROM directory";
static const char SQL_DIR_COUNTRY[] =
	"SELECT " DIR_COLUMNS " FROM directory WHERE type = $1 AND country = $2"
	" AND ($3 IS NULL OR scope = $3) ORDER BY sample, id LIMIT 1";
static const char SQL_DIR_ASN[] =
	"SELECT " DIR_COLUMNS " FROM directory WHERE type = 'provider' AND asn = $1"
	" ORDER BY sample, id LIMIT 1";
static const char SQL_DIR_DOMAIN[] =
	"SELECT " DIR_COLUMNS " FROM directory WHERE type = 'provider' AND domain IS NOT NULL"
	" AND ($1 = domain OR $1 LIKE '%.' || domain) ORDER BY length(domain) DESC, sample, id"
	" LIMIT 1";

static void read_dir(struct db_stmt *st, struct store_dir_entry *e, struct arena *a)
{
	memset(e, 0, sizeof *e);
	e->id = db_column_int64(st, 0);
	e->type = dup(st, 1, a);
	e->name = dup(st, 2, a);
	e->country = dup(st, 3, a);
	e->scope = dup(st, 4, a);
	e->domain = dup(st, 5, a);
	e->email = dup(st, 6, a);
	e->language = dup(st, 7, a);
	e->asn = db_column_int64(st, 8);
	e->sample = db_column_int64(st, 9) != 0;
}

int store_dir_list(struct db *db, void (*fn)(void *arg, const struct store_dir_entry *e),
		   void *arg, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_DIR_LIST);
	if (!st)
		return HL_EIO;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_dir_entry e;
		read_dir(st, &e, a);
		fn(arg, &e);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

static int dir_one(struct db_stmt *st, struct store_dir_entry *out, struct arena *a)
{
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return HL_EIO;
	read_dir(st, out, a);
	db_step(st);
	return 0;
}

int store_dir_get(struct db *db, int64_t id, struct store_dir_entry *out, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_DIR_GET);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	return dir_one(st, out, a);
}

int store_dir_put(struct db *db, const struct store_dir_entry *e, const char *now, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, e->id ? SQL_DIR_UPDATE : SQL_DIR_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, e->type);
	db_bind_text(st, 2, e->name);
	db_bind_text(st, 3, e->country);
	db_bind_text(st, 4, e->scope);
	db_bind_text(st, 5, e->domain);
	db_bind_text(st, 6, e->email);
	db_bind_text(st, 7, e->language ? e->language : "en");
	if (e->asn > 0)
		db_bind_int64(st, 8, e->asn);
	else
		db_bind_null(st, 8);
	db_bind_int64(st, 9, e->sample ? 1 : 0);
	db_bind_text(st, 10, now);
	if (e->id)
		db_bind_int64(st, 11, e->id);
	int rc = db_step(st);
	if (rc == DB_DONE)
		return HL_ENOTFOUND;
	if (rc != DB_ROW)
		return rc < 0 ? rc : HL_EIO;
	*id = db_column_int64(st, 0);
	return db_step(st) == DB_DONE ? 0 : HL_EIO;
}

int store_dir_delete(struct db *db, int64_t id)
{
	struct db_stmt *st = db_prepare(db, SQL_DIR_DELETE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step_done(st);
	return rc ? rc : db_changes(db) == 1 ? 0 : HL_ENOTFOUND;
}

int store_dir_count(struct db *db, int64_t *n)
{
	struct db_stmt *st = db_prepare(db, SQL_DIR_COUNT);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*n = db_column_int64(st, 0);
	db_step(st);
	return 0;
}

int store_dir_find(struct db *db, const char *type, const char *country, const char *scope,
		   int64_t asn, const char *domain, struct store_dir_entry *out, struct arena *a)
{
	struct db_stmt *st;
	if (country) {
		st = db_prepare(db, SQL_DIR_COUNTRY);
		if (!st)
			return HL_EIO;
		db_bind_text(st, 1, type);
		db_bind_text(st, 2, country);
		db_bind_text(st, 3, scope);
	} else if (asn > 0) {
		st = db_prepare(db, SQL_DIR_ASN);
		if (!st)
			return HL_EIO;
		db_bind_int64(st, 1, asn);
	} else if (domain) {
		st = db_prepare(db, SQL_DIR_DOMAIN);
		if (!st)
			return HL_EIO;
		db_bind_text(st, 1, domain);
	} else {
		return HL_ENOTFOUND;
	}
	return dir_one(st, out, a);
}

/* ---- notices ---- */

static const char SQL_NOTICE_INSERT[] =
	"INSERT INTO item_notices (item_id, kind, rule, directory_id, recipient, email, language,"
	" reference, subject, body, confirmed_by, sent_at)"
	" VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id";
static const char SQL_NOTICE_MAIL[] = "UPDATE item_notices SET mail_id = $2 WHERE id = $1";
static const char SQL_NOTICE_LIST[] =
	"SELECT id, item_id, directory_id, mail_id, sent_at, kind, rule, recipient, email,"
	" language, reference, subject, body, confirmed_by FROM item_notices WHERE item_id = $1"
	" ORDER BY id";

int store_notice_insert(struct db *db, const struct store_notice *n, int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_NOTICE_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, n->item_id);
	db_bind_text(st, 2, n->kind);
	db_bind_text(st, 3, n->rule);
	if (n->directory_id)
		db_bind_int64(st, 4, n->directory_id);
	else
		db_bind_null(st, 4);
	db_bind_text(st, 5, n->recipient);
	db_bind_text(st, 6, n->email);
	db_bind_text(st, 7, n->language);
	db_bind_text(st, 8, n->reference);
	db_bind_text(st, 9, n->subject);
	db_bind_text(st, 10, n->body);
	db_bind_text(st, 11, n->confirmed_by);
	db_bind_int64(st, 12, n->sent_at);
	int rc = db_step(st);
	if (rc != DB_ROW)
		return rc < 0 ? rc : HL_EIO;
	*id = db_column_int64(st, 0);
	return db_step(st) == DB_DONE ? 0 : HL_EIO;
}

int store_notice_set_mail(struct db *db, int64_t id, int64_t mail_id)
{
	struct db_stmt *st = db_prepare(db, SQL_NOTICE_MAIL);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, mail_id);
	return db_step_done(st);
}

int store_notice_list(struct db *db, int64_t item_id,
		      void (*fn)(void *arg, const struct store_notice *n), void *arg,
		      struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_NOTICE_LIST);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_notice n = {
			.id = db_column_int64(st, 0),
			.item_id = db_column_int64(st, 1),
			.directory_id = db_column_int64(st, 2),
			.mail_id = db_column_int64(st, 3),
			.sent_at = db_column_int64(st, 4),
			.kind = dup(st, 5, a),
			.rule = dup(st, 6, a),
			.recipient = dup(st, 7, a),
			.email = dup(st, 8, a),
			.language = dup(st, 9, a),
			.reference = dup(st, 10, a),
			.subject = dup(st, 11, a),
			.body = dup(st, 12, a),
			.confirmed_by = dup(st, 13, a),
		};
		fn(arg, &n);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

/* ---- statistics ---- */

static const char SQL_STAT_ITEMS[] =
	"SELECT first_reported_at, assessed_at, notified_at, removed_at, report_count, state,"
	" channel, class_key, country, as_name, asn FROM items"
	" WHERE first_reported_at >= $1 AND first_reported_at < $2";
static const char SQL_STAT_DAILY[] =
	"SELECT day, channel, n FROM report_daily WHERE day >= $1 AND day <= $2";

int store_stat_items(struct db *db, int64_t from, int64_t to,
		     void (*fn)(void *arg, const struct store_stat_item *s), void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_STAT_ITEMS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, from);
	db_bind_int64(st, 2, to);
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_stat_item s = {
			.first_reported_at = db_column_int64(st, 0),
			.assessed_at = db_column_int64(st, 1),
			.notified_at = db_column_int64(st, 2),
			.removed_at = db_column_int64(st, 3),
			.report_count = db_column_int64(st, 4),
			.state = db_column_text(st, 5),
			.channel = db_column_text(st, 6),
			.class_key = db_column_text(st, 7),
			.country = db_column_text(st, 8),
			.as_name = db_column_text(st, 9),
			.asn = db_column_int64(st, 10),
		};
		fn(arg, &s);
	}
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_stat_daily(struct db *db, const char *from_day, const char *to_day,
		     void (*fn)(void *arg, const char *day, const char *channel, int64_t n),
		     void *arg)
{
	struct db_stmt *st = db_prepare(db, SQL_STAT_DAILY);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, from_day);
	db_bind_text(st, 2, to_day);
	int rc;
	while ((rc = db_step(st)) == DB_ROW)
		fn(arg, db_column_text(st, 0), db_column_text(st, 1), db_column_int64(st, 2));
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_item_count_add(struct db *db, int64_t item_id, int64_t n, int64_t last_at)
{
	struct db_stmt *st = db_prepare(db, SQL_COUNT_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	db_bind_int64(st, 2, n);
	db_bind_int64(st, 3, last_at);
	return db_step_done(st);
}

int store_item_range_add(struct db *db, int64_t first, int64_t last)
{
	struct db_stmt *st = db_prepare(db, SQL_RANGE_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, first);
	db_bind_int64(st, 2, last);
	return db_step_done(st);
}

int store_item_range_drop(struct db *db, int64_t first)
{
	struct db_stmt *st = db_prepare(db, SQL_RANGE_DROP);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, first);
	return db_step_done(st);
}

int store_item_links_recover(struct db *db, int64_t *moved)
{
	*moved = 0;
	/* usually nothing is left: no write transaction (and disk sync) then,
	 * which every start of an e-mail ingest would otherwise pay */
	struct db_stmt *st = db_prepare(db, SQL_RANGES_ANY);
	if (!st)
		return HL_EIO;
	int src = db_step(st);
	bool any = src == DB_ROW && db_column_int64(st, 0);
	db_reset(st);
	if (src != DB_ROW)
		return HL_EIO;
	if (!any)
		return 0;
	if (db_begin(db))
		return HL_EIO;
	int rc = db_exec(db, SQL_RECOVER_MOVE);
	if (!rc)
		*moved = db_changes(db);
	if (!rc)
		rc = db_exec(db, SQL_RECOVER_COUNT);
	if (!rc)
		rc = db_exec(db, SQL_RECOVER_CLEAR);
	if (!rc && db_commit(db))
		rc = HL_EIO;
	if (rc)
		db_rollback(db);
	return rc ? HL_EIO : 0;
}

int store_item_state(struct db *db, int64_t item_id, const char **state,
		     const char **classification, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_BUMP_STATE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, item_id);
	int rc = db_step(st);
	if (rc != DB_ROW) {
		db_reset(st);
		return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
	}
	*state = dup(st, 0, a);
	*classification = dup(st, 1, a);
	db_reset(st);
	return 0;
}

int store_data_version(struct db *db, int64_t *version)
{
	struct db_stmt *st = db_prepare(db, SQL_DATA_VERSION);
	if (!st)
		return HL_EIO;
	int rc = db_step(st);
	*version = rc == DB_ROW ? db_column_int64(st, 0) : 0;
	db_reset(st);
	return rc == DB_ROW ? 0 : HL_EIO;
}
