/* test_db.c — the statement API over SQLite: $N bound by number whatever
 * order or how often they appear, NULLs and blobs, unique violations,
 * transactions and savepoints, statement reuse, migrations, and files
 * that are not databases. Each test has its own temporary folder. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "unit_util.h"

struct fx {
	char dir[64];
	char path[128];
	struct db *db;
};

static const char SQL_CREATE[] = "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, "
				 "v INTEGER, b BLOB, nn TEXT NOT NULL DEFAULT 'x')";
static const char SQL_INSERT[] = "INSERT INTO t (name, v) VALUES ($1, $2)";
static const char SQL_NAMES[] = "SELECT name FROM t ORDER BY name";
static const char SQL_COUNT[] = "SELECT count(*) FROM t";

static int setup(void **state)
{
	static struct fx f;
	memset(&f, 0, sizeof f);
	if (ut_tmpdir(f.dir, sizeof f.dir))
		return -1;
	snprintf(f.path, sizeof f.path, "%s/test.db", f.dir);
	if (db_open(f.path, &f.db) || db_exec(f.db, SQL_CREATE))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	db_close(f->db);
	ut_rmtree(f->dir);
	return 0;
}

static int insert(struct db *db, const char *name, int64_t v)
{
	struct db_stmt *st = db_prepare(db, SQL_INSERT);
	if (!st)
		return HL_EIO;
	db_bind_text(st, 1, name);
	db_bind_int64(st, 2, v);
	int rc = db_step(st);
	return rc == DB_DONE ? 0 : rc;
}

static int64_t count(struct db *db)
{
	struct db_stmt *st = db_prepare(db, SQL_COUNT);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_column_int64(st, 0);
	assert_int_equal(db_step(st), DB_DONE);
	return n;
}

/* The names in t, sorted, joined with commas, into out. */
static void names(struct db *db, char *out, size_t size)
{
	struct db_stmt *st = db_prepare(db, SQL_NAMES);
	assert_non_null(st);
	size_t k = 0;
	out[0] = '\0';
	int rc;
	while ((rc = db_step(st)) == DB_ROW) {
		int w = snprintf(out + k, size - k, "%s%s", k ? "," : "", db_column_text(st, 0));
		assert_true(w > 0 && (size_t)w < size - k);
		k += (size_t)w;
	}
	assert_int_equal(rc, DB_DONE);
}

static void test_params_out_of_order(void **state)
{
	struct fx *f = *state;
	static const char sql[] = "SELECT $2 || $1";
	struct db_stmt *st = db_prepare(f->db, sql);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 1, "a"), 0);
	assert_int_equal(db_bind_text(st, 2, "b"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "ba");
	assert_int_equal(db_step(st), DB_DONE);

	static const char sql3[] = "SELECT $3, $1, $2";
	st = db_prepare(f->db, sql3);
	assert_non_null(st);
	assert_int_equal(db_bind_int64(st, 1, 100), 0);
	assert_int_equal(db_bind_int64(st, 2, 200), 0);
	assert_int_equal(db_bind_int64(st, 3, 300), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int64(st, 0), 300);
	assert_int_equal(db_column_int64(st, 1), 100);
	assert_int_equal(db_column_int64(st, 2), 200);

	/* out of order in an INSERT */
	static const char ins[] = "INSERT INTO t (v, name) VALUES ($2, $1)";
	st = db_prepare(f->db, ins);
	assert_non_null(st);
	db_bind_text(st, 1, "named");
	db_bind_int64(st, 2, 42);
	assert_int_equal(db_step(st), DB_DONE);
	static const char sel[] = "SELECT v FROM t WHERE name = $1";
	st = db_prepare(f->db, sel);
	db_bind_text(st, 1, "named");
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int64(st, 0), 42);
}

static void test_repeated_param(void **state)
{
	struct fx *f = *state;
	static const char sql[] = "SELECT $1 || $1 || $2 || $1";
	struct db_stmt *st = db_prepare(f->db, sql);
	assert_non_null(st);
	db_bind_text(st, 1, "x");
	db_bind_text(st, 2, "y");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "xxyx");

	static const char sql2[] = "SELECT $2 + $2 * $1";
	st = db_prepare(f->db, sql2);
	db_bind_int64(st, 1, 10);
	db_bind_int64(st, 2, 3);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int64(st, 0), 33);
}

static void test_unknown_param(void **state)
{
	struct fx *f = *state;
	static const char sql[] = "SELECT $1";
	struct db_stmt *st = db_prepare(f->db, sql);
	assert_non_null(st);
	assert_int_equal(db_bind_text(st, 2, "no"), HL_EINVAL);
	assert_int_equal(db_bind_int64(st, 0, 1), HL_EINVAL);
	assert_int_equal(db_bind_int64(st, -1, 1), HL_EINVAL);
	assert_int_equal(db_bind_null(st, 99), HL_EINVAL);
	assert_int_equal(db_bind_blob(st, 1000, "x", 1), HL_EINVAL);
	assert_int_equal(db_bind_text(st, 1, "yes"), 0);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "yes");
}

static void test_values(void **state)
{
	struct fx *f = *state;
	static const char sql[] = "SELECT $1, $2, $3, $4, $5, $6";
	struct db_stmt *st = db_prepare(f->db, sql);
	assert_non_null(st);
	const unsigned char blob[] = {0, 1, 2, 0, 255, 0};
	db_bind_text(st, 1, NULL);
	db_bind_null(st, 2);
	db_bind_blob(st, 3, blob, sizeof blob);
	db_bind_int64(st, 4, INT64_MIN);
	db_bind_int64(st, 5, INT64_MAX);
	db_bind_text(st, 6, "caf\xC3\xA9 'quoted' \"double\" ; DROP TABLE t; --");
	assert_int_equal(db_step(st), DB_ROW);
	assert_null(db_column_text(st, 0));
	assert_null(db_column_text(st, 1));
	size_t len = 0;
	const void *p = db_column_blob(st, 2, &len);
	assert_int_equal(len, sizeof blob);
	assert_memory_equal(p, blob, sizeof blob);
	assert_true(db_column_int64(st, 3) == INT64_MIN);
	assert_true(db_column_int64(st, 4) == INT64_MAX);
	assert_string_equal(db_column_text(st, 5), "caf\xC3\xA9 'quoted' \"double\" ; DROP TABLE t; --");
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(count(f->db), 0); /* the table is still there */

	/* text is copied at bind time */
	char tmp[8] = "first";
	st = db_prepare(f->db, sql);
	db_bind_text(st, 1, tmp);
	strcpy(tmp, "later");
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "first");
}

static void test_prepare_resets_and_clears(void **state)
{
	struct fx *f = *state;
	static const char sql[] = "SELECT $1";
	struct db_stmt *st = db_prepare(f->db, sql);
	db_bind_text(st, 1, "bound");
	assert_int_equal(db_step(st), DB_ROW);
	/* prepared again mid-way: reset, no bindings left */
	struct db_stmt *again = db_prepare(f->db, sql);
	assert_ptr_equal(again, st);
	assert_int_equal(db_step(again), DB_ROW);
	assert_null(db_column_text(again, 0));

	static const char bad[] = "SELEKT nonsense FROM";
	assert_null(db_prepare(f->db, bad));
	static const char missing[] = "SELECT * FROM no_such_table";
	assert_null(db_prepare(f->db, missing));
}

/* The _ref binds are not copied: the row takes the value when the
 * statement runs, and the next db_prepare drops the binding (the buffer may
 * be gone by then: the sanitizers catch a read of it). */
static void test_bound_refs(void **state)
{
	struct fx *f = *state;
	char *name = strdup("by reference");
	unsigned char *blob = malloc(4);
	assert_non_null(name);
	assert_non_null(blob);
	memcpy(blob, "\0\1\2\3", 4);
	static const char ins[] = "INSERT INTO t (name, v) VALUES ($1, length($2))";
	struct db_stmt *st = db_prepare(f->db, ins);
	assert_int_equal(db_bind_text_ref(st, 1, name), 0);
	assert_int_equal(db_bind_blob_ref(st, 2, blob, 4), 0);
	assert_int_equal(db_step(st), DB_DONE);
	free(name); /* gone, and still bound in the statement until: */
	free(blob);
	st = db_prepare(f->db, ins);
	assert_int_equal(db_bind_text_ref(st, 1, NULL), 0); /* NULL binds NULL */
	assert_int_equal(db_step(st), DB_DONE);
	static const char sel[] = "SELECT name, v FROM t ORDER BY id";
	st = db_prepare(f->db, sel);
	assert_int_equal(db_step(st), DB_ROW);
	assert_string_equal(db_column_text(st, 0), "by reference");
	assert_int_equal(db_column_int64(st, 1), 4);
	assert_int_equal(db_step(st), DB_ROW);
	assert_null(db_column_text(st, 0));
	assert_null(db_column_text(st, 1)); /* $2 not bound again: NULL */
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_bind_text_ref(st, 9, "x"), HL_EINVAL); /* no $9 */
}

/* A connection keeps hundreds of statement texts prepared (the store has
 * well over a hundred), each found again by its address. */
static void test_many_statements(void **state)
{
	struct fx *f = *state;
	static char texts[400][32];
	struct db_stmt *first[400];
	for (int i = 0; i < 400; i++) {
		snprintf(texts[i], sizeof texts[i], "SELECT %d + $1", i);
		first[i] = db_prepare(f->db, texts[i]);
		assert_non_null(first[i]);
	}
	for (int i = 399; i >= 0; i--) {
		struct db_stmt *st = db_prepare(f->db, texts[i]);
		assert_ptr_equal(st, first[i]);
		assert_int_equal(db_bind_int64(st, 1, 1000), 0);
		assert_int_equal(db_step(st), DB_ROW);
		assert_int_equal(db_column_int64(st, 0), 1000 + i);
		db_reset(st);
	}
}

static void test_unique_violation(void **state)
{
	struct fx *f = *state;
	assert_int_equal(insert(f->db, "a", 1), 0);
	assert_int_equal(insert(f->db, "a", 2), HL_EEXIST);
	assert_int_equal(count(f->db), 1);
	/* the statement still works after the error */
	assert_int_equal(insert(f->db, "b", 2), 0);
	assert_int_equal(count(f->db), 2);

	/* a primary key taken */
	static const char pk[] = "INSERT INTO t (id, name) VALUES ($1, $2)";
	struct db_stmt *st = db_prepare(f->db, pk);
	db_bind_int64(st, 1, 77);
	db_bind_text(st, 2, "p1");
	assert_int_equal(db_step(st), DB_DONE);
	st = db_prepare(f->db, pk);
	db_bind_int64(st, 1, 77);
	db_bind_text(st, 2, "p2");
	assert_int_equal(db_step(st), HL_EEXIST);

	/* other constraints are not "exists" */
	static const char nn[] = "INSERT INTO t (name, nn) VALUES ($1, $2)";
	st = db_prepare(f->db, nn);
	db_bind_text(st, 1, "c");
	db_bind_null(st, 2);
	int rc = db_step(st);
	assert_true(rc < 0);
	assert_int_not_equal(rc, HL_EEXIST);
	assert_non_null(db_errmsg(f->db));
}

static void test_changes(void **state)
{
	struct fx *f = *state;
	for (int i = 0; i < 5; i++) {
		char n[8];
		snprintf(n, sizeof n, "n%d", i);
		assert_int_equal(insert(f->db, n, i), 0);
	}
	static const char upd[] = "UPDATE t SET v = v + 1 WHERE v >= $1";
	struct db_stmt *st = db_prepare(f->db, upd);
	db_bind_int64(st, 1, 2);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(f->db), 3);
	st = db_prepare(f->db, upd);
	db_bind_int64(st, 1, 1000);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_changes(f->db), 0);
}

static void test_transactions(void **state)
{
	struct fx *f = *state;
	char got[256];
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(insert(f->db, "a", 1), 0);
	assert_int_equal(db_rollback(f->db), 0);
	assert_int_equal(count(f->db), 0);

	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(insert(f->db, "a", 1), 0);
	assert_int_equal(insert(f->db, "b", 1), 0);
	assert_int_equal(db_commit(f->db), 0);
	names(f->db, got, sizeof got);
	assert_string_equal(got, "a,b");

	/* a second connection sees only what was committed */
	struct db *other;
	assert_int_equal(db_open(f->path, &other), 0);
	assert_int_equal(count(other), 2);
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(insert(f->db, "c", 1), 0);
	assert_int_equal(count(other), 2);
	assert_int_equal(db_commit(f->db), 0);
	assert_int_equal(count(other), 3);
	db_close(other);

	/* commit or rollback with nothing begun is an error, not a crash */
	assert_int_not_equal(db_commit(f->db), 0);
	assert_int_not_equal(db_rollback(f->db), 0);
}

static void test_savepoint_undoes_only_its_unit(void **state)
{
	struct fx *f = *state;
	char got[256];
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(insert(f->db, "a", 1), 0);

	assert_int_equal(db_savepoint(f->db), 0);
	assert_int_equal(insert(f->db, "b", 1), 0);
	assert_int_equal(db_rollback_to(f->db), 0); /* undoes b only */

	assert_int_equal(db_savepoint(f->db), 0);
	assert_int_equal(insert(f->db, "c", 1), 0);
	assert_int_equal(db_release(f->db), 0); /* keeps c */

	/* a unit that fails part-way: its earlier write goes too */
	assert_int_equal(db_savepoint(f->db), 0);
	assert_int_equal(insert(f->db, "d", 1), 0);
	assert_int_equal(insert(f->db, "a", 1), HL_EEXIST);
	assert_int_equal(db_rollback_to(f->db), 0);

	assert_int_equal(db_savepoint(f->db), 0);
	assert_int_equal(insert(f->db, "e", 1), 0);
	assert_int_equal(db_release(f->db), 0);

	names(f->db, got, sizeof got);
	assert_string_equal(got, "a,c,e");
	assert_int_equal(db_commit(f->db), 0);
	names(f->db, got, sizeof got);
	assert_string_equal(got, "a,c,e");

	/* after a rollback of the whole transaction, released units go too */
	assert_int_equal(db_begin(f->db), 0);
	assert_int_equal(db_savepoint(f->db), 0);
	assert_int_equal(insert(f->db, "f", 1), 0);
	assert_int_equal(db_release(f->db), 0);
	assert_int_equal(db_rollback(f->db), 0);
	names(f->db, got, sizeof got);
	assert_string_equal(got, "a,c,e");
}

static void test_persisted_across_open(void **state)
{
	struct fx *f = *state;
	assert_int_equal(insert(f->db, "kept", 1), 0);
	db_close(f->db);
	f->db = NULL;
	assert_int_equal(db_open(f->path, &f->db), 0);
	assert_int_equal(count(f->db), 1);
}

static void test_migrate(void **state)
{
	struct fx *f = *state;
	assert_int_equal(db_migrate(f->db), 0);
	assert_int_equal(db_migrate(f->db), 0); /* twice changes nothing */
	static const char q[] = "SELECT count(*) FROM schema_migrations";
	struct db_stmt *st = db_prepare(f->db, q);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t applied = db_column_int64(st, 0);
	assert_true(applied >= 1);
	assert_int_equal(db_step(st), DB_DONE);
	assert_int_equal(db_migrate(f->db), 0);
	st = db_prepare(f->db, q);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int64(st, 0), applied);
	static const char r[] = "SELECT count(*) FROM reports";
	st = db_prepare(f->db, r);
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_int_equal(db_column_int64(st, 0), 0);
}

static void test_open_failures(void **state)
{
	struct fx *f = *state;
	struct db *db = NULL;
	char p[256];
	snprintf(p, sizeof p, "%s/no/such/folder/x.db", f->dir);
	assert_int_equal(db_open(p, &db), HL_EIO);
	/* a file that is not a database */
	snprintf(p, sizeof p, "%s/garbage.db", f->dir);
	char junk[4096];
	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)(i * 131 + 7);
	assert_int_equal(ut_write_file(p, junk, sizeof junk, 0600), 0);
	int rc = db_open(p, &db);
	if (rc == 0) {
		/* opened lazily: the first real use must fail cleanly */
		assert_int_not_equal(db_migrate(db), 0);
		db_close(db);
	} else {
		assert_int_equal(rc, HL_EIO);
	}
	db_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_params_out_of_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_statements, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeated_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_param, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prepare_resets_and_clears, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound_refs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unique_violation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_savepoint_undoes_only_its_unit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_persisted_across_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migrate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
