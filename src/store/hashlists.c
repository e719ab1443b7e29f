/* hashlists.c — SQL for known-hash lists (see hashlists.h). */
#include "hashlists.h"

#include <stdio.h>
#include <string.h>

#include "err.h"

static const char SQL_CREATE[] =
	"INSERT INTO hashlists (name, source, action, classification, pdq_threshold, local,"
	" created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
static const char SQL_UPDATE[] =
	"UPDATE hashlists SET source = $2, action = $3, classification = $4, pdq_threshold = $5,"
	" updated_at = $6 WHERE id = $1";
#define LIST_COLS                                                                              \
	"l.id, l.name, l.source, l.action, l.classification, l.pdq_threshold, l.local,"        \
	" l.created_at, l.updated_at,"                                                         \
	" (SELECT COUNT(*) FROM hashlist_entries e WHERE e.list_id = l.id),"                   \
	" (SELECT COUNT(*) FROM hashlist_entries e WHERE e.list_id = l.id AND e.disabled = 1)"
static const char SQL_GET_NAME[] = "SELECT " LIST_COLS " FROM hashlists l WHERE l.name = $1";
static const char SQL_GET_ID[] = "SELECT " LIST_COLS " FROM hashlists l WHERE l.id = $1";
static const char SQL_ALL[] = "SELECT " LIST_COLS " FROM hashlists l ORDER BY l.name";
static const char SQL_COUNT_ENTRIES[] = "SELECT COUNT(*) FROM hashlist_entries WHERE list_id = $1";
static const char SQL_DELETE_ENTRIES[] = "DELETE FROM hashlist_entries WHERE list_id = $1";
static const char SQL_DELETE_LIST[] = "DELETE FROM hashlists WHERE id = $1";
static const char SQL_ENTRY_ADD[] =
	"INSERT INTO hashlist_entries (list_id, algo, hash, meta, added_at)"
	" VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING";
#define ENTRY_COLS "id, list_id, algo, hash, meta, disabled, disabled_reason, added_at"
static const char SQL_ENTRY_FIND[] = "SELECT " ENTRY_COLS " FROM hashlist_entries"
				     " WHERE list_id = $1 AND algo = $2 AND hash = $3";
static const char SQL_ENTRY_GET[] = "SELECT " ENTRY_COLS " FROM hashlist_entries WHERE id = $1";
static const char SQL_ENTRY_DISABLE[] =
	"UPDATE hashlist_entries SET disabled = $2, disabled_reason = $3 WHERE id = $1";
static const char SQL_ENTRIES_ALL[] = "SELECT " ENTRY_COLS " FROM hashlist_entries"
				      " WHERE id > $1 AND ($2 = 0 OR disabled = 0)"
				      " ORDER BY id LIMIT $3";
static const char SQL_ENTRIES_LIST[] = "SELECT " ENTRY_COLS " FROM hashlist_entries"
				       " WHERE list_id = $4 AND id > $1 AND ($2 = 0 OR disabled = 0)"
				       " ORDER BY id LIMIT $3";
static const char SQL_CHANGE[] =
	"INSERT INTO hashlist_changes (kind, list_id, entry_id, at) VALUES ($1, $2, $3, $4)";
static const char SQL_CHANGES[] = "SELECT seq, kind, list_id, entry_id FROM hashlist_changes"
				  " WHERE seq > $1 ORDER BY seq LIMIT $2";
static const char SQL_MARKS[] = "SELECT (SELECT COALESCE(MAX(seq), 0) FROM hashlist_changes),"
				" (SELECT COALESCE(MAX(id), 0) FROM hashlist_entries)";
static const char SQL_REPORT_MATCHES[] =
	"SELECT m.entry_id, m.list_id, COALESCE(l.name, ''), COALESCE(l.action, ''),"
	" l.classification, m.algo, m.distance, m.attachment, m.hash, COALESCE(e.disabled, 0)"
	" FROM report_matches m LEFT JOIN hashlists l ON l.id = m.list_id"
	" LEFT JOIN hashlist_entries e ON e.id = m.entry_id"
	" WHERE m.report_id = $1 ORDER BY m.position";
static const char SQL_REPORT_ATTACHMENTS[] =
	"SELECT name, type, size, md5, sha1, sha256, pdq, pdq_quality, problem"
	" FROM report_attachments WHERE report_id = $1 ORDER BY position";
static const char SQL_REPORT_HASHES[] =
	"SELECT algo, hash FROM report_hashes WHERE report_id = $1 ORDER BY position";

static const char *algo_static(const char *s)
{
	static const char *const algos[] = {"pdq", "md5", "sha1", "sha256"};
	for (size_t i = 0; s && i < 4; i++)
		if (strcmp(s, algos[i]) == 0)
			return algos[i];
	return "md5"; /* the CHECK constraint allows nothing else */
}

int store_hashlist_create(struct db *db, const struct store_hashlist *l, const char *now,
			  int64_t *id)
{
	struct db_stmt *st = db_prepare(db, SQL_CREATE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, l->name);
	db_bind_text(st, 2, l->source);
	db_bind_text(st, 3, l->action ? l->action : "raise_priority");
	db_bind_text(st, 4, l->classification);
	db_bind_int64(st, 5, l->pdq_threshold);
	db_bind_int64(st, 6, l->local ? 1 : 0);
	db_bind_text(st, 7, now);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	struct store_hashlist got;
	rc = store_hashlist_get(db, l->name, 0, &got, NULL);
	if (rc)
		return rc;
	*id = got.id;
	return store_hashlist_change(db, "list_changed", got.id, 0, now);
}

int store_hashlist_update(struct db *db, const struct store_hashlist *l, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_UPDATE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, l->id);
	db_bind_text(st, 2, l->source);
	db_bind_text(st, 3, l->action);
	db_bind_text(st, 4, l->classification);
	db_bind_int64(st, 5, l->pdq_threshold);
	db_bind_text(st, 6, now);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) == 0)
		return HL_ENOTFOUND;
	return store_hashlist_change(db, "list_changed", l->id, 0, now);
}

static void list_row(struct db_stmt *st, struct store_hashlist *l, struct arena *a)
{
	memset(l, 0, sizeof *l);
	l->id = db_column_int64(st, 0);
	if (a) {
		l->name = db_column_dup(st, 1, a);
		l->source = db_column_dup(st, 2, a);
		l->action = db_column_dup(st, 3, a);
		l->classification = db_column_dup(st, 4, a);
		l->created_at = db_column_dup(st, 7, a);
		l->updated_at = db_column_dup(st, 8, a);
	}
	l->pdq_threshold = (int)db_column_int64(st, 5);
	l->local = db_column_int64(st, 6) != 0;
	l->entries = db_column_int64(st, 9);
	l->disabled = db_column_int64(st, 10);
}

int store_hashlist_get(struct db *db, const char *name, int64_t id, struct store_hashlist *out,
		       struct arena *a)
{
	struct db_stmt *st = db_prepare(db, name ? SQL_GET_NAME : SQL_GET_ID);
	if (!st)
		return HL_EIO;
	if (name)
		db_bind_text(st, 1, name);
	else
		db_bind_int64(st, 1, id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		list_row(st, out, a);
		db_reset(st);
		return 0;
	}
	db_reset(st);
	return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
}

int store_hashlist_all(struct db *db, struct store_hashlist **out, size_t *n, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_ALL);
	if (!st)
		return HL_EIO;
	size_t cap = 16, k = 0;
	struct store_hashlist *v = arena_alloc(a, cap * sizeof *v);
	int rc;
	while (v && (rc = db_step(st)) == DB_ROW) {
		if (k == cap) {
			struct store_hashlist *w = arena_alloc(a, 2 * cap * sizeof *w);
			if (!w)
				break;
			memcpy(w, v, k * sizeof *v);
			v = w;
			cap *= 2;
		}
		list_row(st, &v[k++], a);
	}
	db_reset(st);
	if (!v)
		return HL_ENOMEM;
	*out = v;
	*n = k;
	return 0;
}

int store_hashlist_remove(struct db *db, int64_t id, const char *now, int64_t *removed)
{
	struct db_stmt *st = db_prepare(db, SQL_COUNT_ENTRIES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if (db_step(st) != DB_ROW)
		return HL_EIO;
	*removed = db_column_int64(st, 0);
	db_reset(st);
	st = db_prepare(db, SQL_DELETE_ENTRIES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	st = db_prepare(db, SQL_DELETE_LIST);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	if ((rc = db_step_done(st)))
		return rc;
	if (db_changes(db) == 0)
		return HL_ENOTFOUND;
	return store_hashlist_change(db, "list_removed", id, 0, now);
}

int store_hashlist_entry_add(struct db *db, int64_t list_id, const char *algo,
			     const uint8_t *hash, size_t len, const char *meta, const char *now,
			     int *added)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRY_ADD);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, algo);
	db_bind_blob(st, 3, hash, len);
	db_bind_text(st, 4, meta);
	db_bind_text(st, 5, now);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	*added = db_changes(db) > 0;
	return 0;
}

static void entry_row(struct db_stmt *st, struct store_hash_entry *e, struct arena *a)
{
	memset(e, 0, sizeof *e);
	e->id = db_column_int64(st, 0);
	e->list_id = db_column_int64(st, 1);
	e->algo = algo_static(db_column_text(st, 2));
	size_t len = 0;
	const void *h = db_column_blob(st, 3, &len);
	if (len > sizeof e->hash)
		len = sizeof e->hash;
	if (h)
		memcpy(e->hash, h, len);
	e->len = len;
	e->disabled = db_column_int64(st, 5) != 0;
	if (a) {
		e->meta = db_column_dup(st, 4, a);
		e->disabled_reason = db_column_dup(st, 6, a);
		e->added_at = db_column_dup(st, 7, a);
	}
}

static int entry_one(struct db_stmt *st, struct store_hash_entry *out, struct arena *a)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		entry_row(st, out, a);
		db_reset(st);
		return 0;
	}
	db_reset(st);
	return rc == DB_DONE ? HL_ENOTFOUND : HL_EIO;
}

int store_hashlist_entry_find(struct db *db, int64_t list_id, const char *algo,
			      const uint8_t *hash, size_t len, struct store_hash_entry *out,
			      struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRY_FIND);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, list_id);
	db_bind_text(st, 2, algo);
	db_bind_blob(st, 3, hash, len);
	return entry_one(st, out, a);
}

int store_hashlist_entry_get(struct db *db, int64_t id, struct store_hash_entry *out,
			     struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRY_GET);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	return entry_one(st, out, a);
}

int store_hashlist_entry_set_disabled(struct db *db, int64_t id, bool disabled,
				      const char *reason, const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_ENTRY_DISABLE);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, id);
	db_bind_int64(st, 2, disabled ? 1 : 0);
	db_bind_text(st, 3, disabled ? reason : NULL);
	int rc = db_step_done(st);
	if (rc)
		return rc;
	if (db_changes(db) == 0)
		return HL_ENOTFOUND;
	struct store_hash_entry e;
	if ((rc = store_hashlist_entry_get(db, id, &e, NULL)))
		return rc;
	return store_hashlist_change(db, disabled ? "entry_disabled" : "entry_enabled", e.list_id,
				     id, now);
}

int store_hashlist_entries(struct db *db, int64_t list_id, bool enabled_only, bool with_meta,
			   int64_t after_id, size_t limit, store_hash_entry_fn fn, void *arg,
			   int64_t *last)
{
	struct db_stmt *st = db_prepare(db, list_id ? SQL_ENTRIES_LIST : SQL_ENTRIES_ALL);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, after_id);
	db_bind_int64(st, 2, enabled_only ? 1 : 0);
	db_bind_int64(st, 3, (int64_t)limit);
	if (list_id)
		db_bind_int64(st, 4, list_id);
	*last = after_id;
	int rc;
	struct arena a;
	arena_init(&a, 1u << 20);
	while ((rc = db_step(st)) == DB_ROW) {
		struct store_hash_entry e;
		entry_row(st, &e, with_meta ? &a : NULL);
		*last = e.id;
		int stop = fn(arg, &e);
		if (with_meta) {
			arena_free(&a);
			arena_init(&a, 1u << 20);
		}
		if (stop) {
			db_reset(st);
			arena_free(&a);
			return stop;
		}
	}
	arena_free(&a);
	db_reset(st);
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_hashlist_change(struct db *db, const char *kind, int64_t list_id, int64_t entry_id,
			  const char *now)
{
	struct db_stmt *st = db_prepare(db, SQL_CHANGE);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, kind);
	db_bind_int64(st, 2, list_id);
	db_bind_int64(st, 3, entry_id);
	db_bind_text(st, 4, now);
	return db_step_done(st);
}

int store_hashlist_changes(struct db *db, int64_t after, struct store_hash_change *out,
			   size_t max, size_t *n)
{
	struct db_stmt *st = db_prepare(db, SQL_CHANGES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, after);
	db_bind_int64(st, 2, (int64_t)max);
	size_t k = 0;
	int rc;
	while (k < max && (rc = db_step(st)) == DB_ROW) {
		out[k].seq = db_column_int64(st, 0);
		snprintf(out[k].kind, sizeof out[k].kind, "%s",
			 db_column_text(st, 1) ? db_column_text(st, 1) : "");
		out[k].list_id = db_column_int64(st, 2);
		out[k].entry_id = db_column_int64(st, 3);
		k++;
	}
	db_reset(st);
	*n = k;
	return 0;
}

int store_hashlist_marks(struct db *db, int64_t *seq, int64_t *entry_id)
{
	struct db_stmt *st = db_prepare(db, SQL_MARKS);
	if (!st || db_step(st) != DB_ROW)
		return HL_EIO;
	*seq = db_column_int64(st, 0);
	*entry_id = db_column_int64(st, 1);
	db_reset(st);
	return 0;
}

/* Grows an arena array by doubling; NULL when out of memory. */
static void *grow(struct arena *a, void *v, size_t k, size_t *cap, size_t size)
{
	if (v && k < *cap)
		return v;
	size_t ncap = v ? *cap * 2 : 8;
	void *w = arena_alloc(a, ncap * size);
	if (w && v)
		memcpy(w, v, k * size);
	*cap = ncap;
	return w;
}

int store_report_matches(struct db *db, int64_t report_id, struct store_report_match **out,
			 size_t *n, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_REPORT_MATCHES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	struct store_report_match *v = NULL;
	size_t k = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (!(v = grow(a, v, k, &cap, sizeof *v))) {
			db_reset(st);
			return HL_ENOMEM;
		}
		struct store_report_match *m = &v[k++];
		m->entry_id = db_column_int64(st, 0);
		m->list_id = db_column_int64(st, 1);
		m->list_name = db_column_dup(st, 2, a);
		m->action = db_column_dup(st, 3, a);
		m->classification = db_column_dup(st, 4, a);
		m->algo = algo_static(db_column_text(st, 5));
		m->distance = (int)db_column_int64(st, 6);
		m->attachment = db_column_text(st, 7) ? (int)db_column_int64(st, 7) : -1;
		m->hash = db_column_text(st, 8) ? (int)db_column_int64(st, 8) : -1;
		m->entry_disabled = db_column_int64(st, 9) != 0;
	}
	db_reset(st);
	*out = v;
	*n = k;
	return rc == DB_DONE ? 0 : HL_EIO;
}

static void copy_blob(struct db_stmt *st, int col, uint8_t *dst, size_t max, size_t *len)
{
	size_t l = 0;
	const void *p = db_column_blob(st, col, &l);
	if (l > max)
		l = max;
	if (p)
		memcpy(dst, p, l);
	if (len)
		*len = l;
}

int store_report_attachments(struct db *db, int64_t report_id, struct store_attachment_row **out,
			     size_t *n, struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_REPORT_ATTACHMENTS);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	struct store_attachment_row *v = NULL;
	size_t k = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (!(v = grow(a, v, k, &cap, sizeof *v))) {
			db_reset(st);
			return HL_ENOMEM;
		}
		struct store_attachment_row *f = &v[k++];
		memset(f, 0, sizeof *f);
		f->name = db_column_dup(st, 0, a);
		f->type = db_column_dup(st, 1, a);
		f->size = db_column_int64(st, 2);
		copy_blob(st, 3, f->md5, sizeof f->md5, NULL);
		copy_blob(st, 4, f->sha1, sizeof f->sha1, NULL);
		copy_blob(st, 5, f->sha256, sizeof f->sha256, NULL);
		size_t pl = 0;
		copy_blob(st, 6, f->pdq, sizeof f->pdq, &pl);
		f->has_pdq = pl == sizeof f->pdq;
		f->pdq_quality = (int)db_column_int64(st, 7);
		f->problem = db_column_dup(st, 8, a);
	}
	db_reset(st);
	*out = v;
	*n = k;
	return rc == DB_DONE ? 0 : HL_EIO;
}

int store_report_hashes(struct db *db, int64_t report_id, struct store_hash_row **out, size_t *n,
			struct arena *a)
{
	struct db_stmt *st = db_prepare(db, SQL_REPORT_HASHES);
	if (!st)
		return HL_EIO;
	db_bind_int64(st, 1, report_id);
	struct store_hash_row *v = NULL;
	size_t k = 0, cap = 0;
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		if (!(v = grow(a, v, k, &cap, sizeof *v))) {
			db_reset(st);
			return HL_ENOMEM;
		}
		v[k].algo = algo_static(db_column_text(st, 0));
		copy_blob(st, 1, v[k].hash, sizeof v[k].hash, &v[k].len);
		k++;
	}
	db_reset(st);
	*out = v;
	*n = k;
	return rc == DB_DONE ? 0 : HL_EIO;
}

void store_hashlist_bulk(struct db *db)
{
	/* hints, not requirements: a bounded page cache of 256 MiB (no memory
	 * map: an import's memory stays bounded whatever the list's size) and
	 * fewer checkpoints while the log grows */
	db_exec(db, "PRAGMA cache_size = -262144");
	db_exec(db, "PRAGMA wal_autocheckpoint = 16384");
}

void store_hashlist_map(struct db *db, bool on)
{
	/* a hint: reads without copies while the lists load; unmapped after,
	 * so the database's pages do not stay in the server's memory */
	db_exec(db, on ? "PRAGMA mmap_size = 4294967296" : "PRAGMA mmap_size = 0");
}
