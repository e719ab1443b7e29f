/* db.h — a small portable statement API over the store's backends.
 *
 * Every SQL string in Hotline lives in src/store/ and goes through this
 * API. Placeholders are $1..$n; values are bound by number whatever order
 * they appear in. The SQLite backend (db_sqlite.c) is the embedded
 * default; a PostgreSQL backend implements the same functions.
 *
 * A struct db is one connection, used by one thread at a time. */
#ifndef HL_DB_H
#define HL_DB_H

#include <stddef.h>
#include <stdint.h>

struct db;
struct db_stmt;

enum { DB_ROW = 1, DB_DONE = 2 };

/* Opens (creating when missing) the database at path, in WAL mode with
 * synchronous=FULL and foreign keys on. Returns 0 and *out, or HL_EIO. */
int db_open(const char *path, struct db **out);
void db_close(struct db *db);
/* Applies the migrations this build knows that the database lacks, in
 * order, each in its own transaction. */
int db_migrate(struct db *db);

/* Prepares sql. Statements are cached per connection by the address of
 * sql, so pass string literals; the returned statement is reset and has
 * no bindings. Do not finalize it: db_close does. NULL on error. */
struct db_stmt *db_prepare(struct db *db, const char *sql);
/* Binds parameter $n (1-based). Text is copied. A NULL text binds NULL. */
int db_bind_text(struct db_stmt *st, int n, const char *s);
int db_bind_int64(struct db_stmt *st, int n, int64_t v);
int db_bind_blob(struct db_stmt *st, int n, const void *p, size_t len);
int db_bind_null(struct db_stmt *st, int n);
/* The same without the copy, for the committer's inserts: s (p) must stay
 * unchanged until the statement has been stepped to its end. (The next
 * db_prepare of the statement drops the binding; nothing reads it before.) */
int db_bind_text_ref(struct db_stmt *st, int n, const char *s);
int db_bind_blob_ref(struct db_stmt *st, int n, const void *p, size_t len);
/* Steps: DB_ROW when a row is ready, DB_DONE when finished, or HL_EEXIST
 * on a unique-constraint violation, HL_EBUSY, HL_EIO. */
int db_step(struct db_stmt *st);
/* Ends a statement early (releases its read snapshot). */
void db_reset(struct db_stmt *st);
/* Column values of the current row; pointers last until the next step. */
const char *db_column_text(struct db_stmt *st, int col); /* NULL for NULL */
int64_t db_column_int64(struct db_stmt *st, int col);
const void *db_column_blob(struct db_stmt *st, int col, size_t *len);
/* Steps a statement that returns no row: 0 when done, else the error
 * (HL_EEXIST for a unique violation). */
int db_step_done(struct db_stmt *st);
/* A copy of a text column in the arena, or NULL for NULL. */
struct arena;
const char *db_column_dup(struct db_stmt *st, int col, struct arena *a);

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t db_changes(struct db *db);
/* Runs statements with no parameters and no rows (DDL, PRAGMA). */
int db_exec(struct db *db, const char *sql);

/* Transactions. begin takes the write lock at once. Savepoints nest
 * inside a transaction so one failing unit can be undone alone. */
int db_begin(struct db *db);
int db_commit(struct db *db);
int db_rollback(struct db *db);
int db_savepoint(struct db *db);
int db_release(struct db *db);
int db_rollback_to(struct db *db);

/* Copies committed pages from the write-ahead log into the database
 * without blocking writers (SQLite); a no-op where the backend has none. */
int db_checkpoint(struct db *db);
/* Settings of the one busy writer (the intake committer): a checkpoint of
 * its own only once the log holds 1,000 pages (most of the copying runs on
 * another connection; this one lets the log start again from its
 * beginning, so it stays about 4 MB and its syncs overwrite rather than
 * extend the file), its working pages kept in memory (the tables' ends,
 * items' links and counts: with the default 2 MB it read them back from the
 * file), and its savepoints' journals in memory rather than temporary files
 * opened and unlinked a dozen times a second (other connections keep large
 * sorts on disk), and no foreign-key checks: it only adds rows under a
 * report it has just written, or under a report or an item, and nothing
 * ever deletes those; every other connection keeps the checks, and the
 * tests run PRAGMA foreign_key_check after intake. */
void db_writer_settings(struct db *db);

/* Process-wide settings for a long-running server, called before any
 * database is opened: SQLite keeps no memory statistics (they take a global
 * lock on every allocation, and nothing here reads them). */
void db_server_settings(void);

/* The backend's last error message, for logs. */
const char *db_errmsg(struct db *db);

#endif
