/* db_sqlite.c — the db.h statement API over SQLite, the embedded store.
 *
 * Durability: WAL with synchronous=FULL, so a COMMIT that returned has
 * reached the disk. Statements are cached per connection by the address of
 * their SQL text. Parameters are bound by name ("$N") because SQLite
 * numbers $N parameters by first appearance, not by N. */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "log.h"

#define DB_CACHE 512      /* statement texts a connection keeps prepared */
#define DB_CACHE_SLOTS 1024 /* the look-up table: a power of two, at least twice DB_CACHE */

#define DB_MAX_PARAMS 32

struct db_stmt {
	sqlite3_stmt *st;
	struct db *db;
	unsigned char index[DB_MAX_PARAMS + 1]; /* $N -> SQLite's parameter index */
};

struct db {
	sqlite3 *h;
	struct {
		const char *sql;
		struct db_stmt stmt;
	} cache[DB_CACHE];
	int ncache;
	short slot[DB_CACHE_SLOTS]; /* cache index + 1 by the text's address; 0 empty */
};

static unsigned db_slot_of(const char *sql)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15ULL;
	return (unsigned)(h >> 54) & (DB_CACHE_SLOTS - 1);
}

int db_open(const char *path, struct db **out)
{
	struct db *db = calloc(1, sizeof *db);
	if (!db)
		return HL_ENOMEM;
	int rc = sqlite3_open_v2(path, &db->h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open database %s: %s", path, db->h ? sqlite3_errmsg(db->h) : "?");
		sqlite3_close(db->h);
		free(db);
		return HL_EIO;
	}
	sqlite3_busy_timeout(db->h, 10000);
	if (db_exec(db, "PRAGMA journal_mode=WAL") || db_exec(db, "PRAGMA synchronous=FULL") ||
	    db_exec(db, "PRAGMA foreign_keys=ON") ||
	    db_exec(db, "PRAGMA journal_size_limit=67108864")) {
		db_close(db);
		return HL_EIO;
	}
	*out = db;
	return 0;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int i = 0; i < db->ncache; i++)
		sqlite3_finalize(db->cache[i].stmt.st);
	sqlite3_close(db->h);
	free(db);
}

int db_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	int rc = sqlite3_exec(db->h, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_error("sql: %s", err ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return rc == SQLITE_BUSY ? HL_EBUSY : HL_EIO;
	}
	return 0;
}

struct db_stmt *db_prepare(struct db *db, const char *sql)
{
	unsigned j = db_slot_of(sql);
	for (; db->slot[j]; j = (j + 1) & (DB_CACHE_SLOTS - 1)) {
		int i = db->slot[j] - 1;
		if (db->cache[i].sql == sql) {
			struct db_stmt *s = &db->cache[i].stmt;
			sqlite3_reset(s->st);
			sqlite3_clear_bindings(s->st);
			return s;
		}
	}
	if (db->ncache == DB_CACHE) {
		log_error("statement cache full");
		return NULL;
	}
	sqlite3_stmt *st;
	if (sqlite3_prepare_v3(db->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
		log_error("sql prepare: %s", sqlite3_errmsg(db->h));
		return NULL;
	}
	int i = db->ncache++;
	db->slot[j] = (short)(i + 1);
	struct db_stmt *s = &db->cache[i].stmt;
	db->cache[i].sql = sql;
	s->st = st;
	s->db = db;
	memset(s->index, 0, sizeof s->index);
	/* SQLite numbers $N by first appearance: map each N to its index once */
	int count = sqlite3_bind_parameter_count(st);
	for (int k = 1; k <= count; k++) {
		const char *name = sqlite3_bind_parameter_name(st, k);
		if (name && name[0] == '$') {
			int n = atoi(name + 1);
			if (n >= 1 && n <= DB_MAX_PARAMS)
				s->index[n] = (unsigned char)k;
		}
	}
	return s;
}

static int db_param(struct db_stmt *st, int n)
{
	return n >= 1 && n <= DB_MAX_PARAMS ? st->index[n] : 0;
}

static int db_bind_rc(int rc)
{
	return rc == SQLITE_OK ? 0 : rc == SQLITE_NOMEM ? HL_ENOMEM : HL_EINVAL;
}

/* how: SQLITE_TRANSIENT (SQLite copies) or SQLITE_STATIC (the _ref forms) */
static int bind_text(struct db_stmt *st, int n, const char *s, sqlite3_destructor_type how)
{
	int i = db_param(st, n);
	if (!i)
		return HL_EINVAL;
	if (!s)
		return db_bind_rc(sqlite3_bind_null(st->st, i));
	return db_bind_rc(sqlite3_bind_text(st->st, i, s, -1, how));
}

int db_bind_text(struct db_stmt *st, int n, const char *s)
{
	return bind_text(st, n, s, SQLITE_TRANSIENT);
}

int db_bind_text_ref(struct db_stmt *st, int n, const char *s)
{
	return bind_text(st, n, s, SQLITE_STATIC);
}

int db_bind_int64(struct db_stmt *st, int n, int64_t v)
{
	int i = db_param(st, n);
	return i ? db_bind_rc(sqlite3_bind_int64(st->st, i, v)) : HL_EINVAL;
}

static int bind_blob(struct db_stmt *st, int n, const void *p, size_t len,
		     sqlite3_destructor_type how)
{
	int i = db_param(st, n);
	if (!i)
		return HL_EINVAL;
	if (!p)
		return db_bind_rc(sqlite3_bind_null(st->st, i));
	return db_bind_rc(sqlite3_bind_blob64(st->st, i, p, len, how));
}

int db_bind_blob(struct db_stmt *st, int n, const void *p, size_t len)
{
	return bind_blob(st, n, p, len, SQLITE_TRANSIENT);
}

int db_bind_blob_ref(struct db_stmt *st, int n, const void *p, size_t len)
{
	return bind_blob(st, n, p, len, SQLITE_STATIC);
}

int db_bind_null(struct db_stmt *st, int n)
{
	int i = db_param(st, n);
	return i ? db_bind_rc(sqlite3_bind_null(st->st, i)) : HL_EINVAL;
}

int db_step(struct db_stmt *st)
{
	int rc = sqlite3_step(st->st);
	switch (rc) {
	case SQLITE_ROW: return DB_ROW;
	case SQLITE_DONE: return DB_DONE;
	case SQLITE_BUSY: return HL_EBUSY;
	case SQLITE_CONSTRAINT:
		if (sqlite3_extended_errcode(st->db->h) == SQLITE_CONSTRAINT_UNIQUE ||
		    sqlite3_extended_errcode(st->db->h) == SQLITE_CONSTRAINT_PRIMARYKEY)
			return HL_EEXIST;
		/* fall through */
	default:
		log_error("sql step: %s", sqlite3_errmsg(st->db->h));
		return HL_EIO;
	}
}

void db_reset(struct db_stmt *st)
{
	sqlite3_reset(st->st);
}

const char *db_column_text(struct db_stmt *st, int col)
{
	return (const char *)sqlite3_column_text(st->st, col);
}

int64_t db_column_int64(struct db_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

const void *db_column_blob(struct db_stmt *st, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(st->st, col);
	*len = (size_t)sqlite3_column_bytes(st->st, col);
	return p;
}

int db_step_done(struct db_stmt *st)
{
	int rc = db_step(st);
	return rc == DB_DONE ? 0 : rc < 0 ? rc : HL_EIO;
}

const char *db_column_dup(struct db_stmt *st, int col, struct arena *a)
{
	const char *s = db_column_text(st, col);
	return s ? arena_strdup(a, s) : NULL;
}

int64_t db_changes(struct db *db)
{
	return sqlite3_changes64(db->h);
}

int db_begin(struct db *db) { return db_exec(db, "BEGIN IMMEDIATE"); }
int db_commit(struct db *db) { return db_exec(db, "COMMIT"); }
int db_rollback(struct db *db) { return db_exec(db, "ROLLBACK"); }
int db_savepoint(struct db *db) { return db_exec(db, "SAVEPOINT unit"); }
int db_release(struct db *db) { return db_exec(db, "RELEASE unit"); }
int db_rollback_to(struct db *db)
{
	int rc = db_exec(db, "ROLLBACK TO unit");
	return rc ? rc : db_exec(db, "RELEASE unit");
}

int db_checkpoint(struct db *db)
{
	int rc = sqlite3_wal_checkpoint_v2(db->h, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return rc == SQLITE_OK || rc == SQLITE_BUSY ? 0 : HL_EIO;
}

void db_writer_settings(struct db *db)
{
	/* Another connection checkpoints while this one writes, so its
	 * checkpoints never catch up with the log's end and the log would grow
	 * without end (260 MB in 15 s of a viral spike), each sync extending
	 * the file. This connection's own passive checkpoint, after a commit
	 * once the log holds 1,000 pages, copies the few pages left with no
	 * writer running; the next transaction then starts the log again from
	 * its beginning, where the syncs overwrite blocks already there. */
	sqlite3_wal_autocheckpoint(db->h, 1000);
	db_exec(db, "PRAGMA cache_size=-32768");
	db_exec(db, "PRAGMA temp_store=MEMORY");
	/* Checking the parents of item_reports' and report_urls' rows was about
	 * a tenth of the committer's time (docs/PERFORMANCE.md); see db.h. */
	db_exec(db, "PRAGMA foreign_keys=OFF");
}

void db_server_settings(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

const char *db_errmsg(struct db *db)
{
	return sqlite3_errmsg(db->h);
}

/* Migrations are embedded as store/schema/sqlite/NNN_name.sql. */
int db_migrate(struct db *db)
{
	if (db_exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
			"version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"))
		return HL_EIO;
	const char *prefix = "src/store/schema/sqlite/";
	size_t plen = strlen(prefix);
	/* numbers are reserved per branch, so a build may lack some: skip gaps */
	int last = 0;
	for (const struct embedded_file *f = embedded_files; f->name; f++)
		if (strncmp(f->name, prefix, plen) == 0 && atoi(f->name + plen) > last)
			last = atoi(f->name + plen);
	for (int version = 1; version <= last; version++) {
		const struct embedded_file *found = NULL;
		for (const struct embedded_file *f = embedded_files; f->name; f++) {
			if (strncmp(f->name, prefix, plen) == 0 && atoi(f->name + plen) == version) {
				found = f;
				break;
			}
		}
		if (!found)
			continue;
		sqlite3_stmt *q;
		if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM schema_migrations WHERE version = ?1", -1,
				       &q, NULL) != SQLITE_OK)
			return HL_EIO;
		sqlite3_bind_int(q, 1, version);
		int have = sqlite3_step(q) == SQLITE_ROW;
		sqlite3_finalize(q);
		if (have)
			continue;
		if (db_begin(db))
			return HL_EIO;
		char rec[128];
		int w = snprintf(rec, sizeof rec,
				 "INSERT INTO schema_migrations VALUES (%d, strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ','now'))",
				 version);
		if (w < 0 || (size_t)w >= sizeof rec || db_exec(db, (const char *)found->data) ||
		    db_exec(db, rec)) {
			db_rollback(db);
			log_error("migration %s failed", found->name);
			return HL_EIO;
		}
		if (db_commit(db))
			return HL_EIO;
		log_info("applied migration %s", found->name + plen);
	}
	return 0;
}
