/* test_intake.c — intake, hotline and store together, on a real data
 * folder: init, open with the group committer, 500 reports from 4 threads
 * (each committed before its waiter returns, each with its own number),
 * receipt look-ups right and wrong, staff state changes, additions, a
 * failing job that does not take others down, sealed contact details, a
 * log that starts again rather than grows, and a reopen that finds
 * everything still there. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "err.h"
#include "hotline.h"
#include "intake.h"
#include "unit_util.h"

#define THREADS 4
#define PER_THREAD 125
#define TOTAL (THREADS * PER_THREAD)
#define CHUNK 25

struct fx {
	char dir[64];
	char data[128];
	struct hotline hl;
	bool open;
	struct intake_receipt recs[TOTAL];
	int rcs[TOTAL];
	int64_t ids[TOTAL];
	int64_t extra; /* reports stored by later tests */
};

static struct fx F;

static int group_setup(void **state)
{
	memset(&F, 0, sizeof F);
	if (sodium_init() < 0 || ut_tmpdir(F.dir, sizeof F.dir))
		return -1;
	/* a folder that does not exist yet, two levels down */
	snprintf(F.data, sizeof F.data, "%s/var/data", F.dir);
	*state = &F;
	return 0;
}

static int group_teardown(void **state)
{
	struct fx *f = *state;
	if (f->open)
		hotline_close(&f->hl);
	ut_rmtree(f->dir);
	return 0;
}

static void path_in(const struct fx *f, const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s/%s", f->data, name);
}

/* Fills r with a valid report in a; which picks its kind and contact. */
static int make_report(struct report *r, int which, int t, struct arena *a)
{
	memset(r, 0, sizeof *r);
	r->channel = which % 2 ? "web" : "api";
	char text[128];
	switch (which % 3) {
	case 0: {
		r->kind = "abuse_material";
		const char **urls = arena_alloc(a, 2 * sizeof *urls);
		if (!urls)
			return HL_ENOMEM;
		snprintf(text, sizeof text, "https://example.org/t%d/r%d#frag", t, which);
		urls[0] = arena_strdup(a, text);
		urls[1] = "www.example.test/gallery";
		r->urls = urls;
		r->nurls = 2;
		r->where_seen = "website";
		break;
	}
	case 1:
		r->kind = "exploitation";
		r->exploitation_type = "grooming";
		snprintf(text, sizeof text, "Thread %d report %d: someone asks children for photos.", t,
			 which);
		r->description = arena_strdup(a, text);
		break;
	default:
		r->kind = "immediate_danger";
		r->description = "A child in danger, described in words.";
		r->location = "Main street 1, Example town";
		break;
	}
	if (which % 4 == 0) {
		snprintf(text, sizeof text, "reporter-%d-%d@example.org", t, which);
		r->contact_email = arena_strdup(a, text);
		r->contact_name = "Sam Example";
		r->may_contact = true;
	}
	r->language = "fr";
	struct field_errors errs = {0};
	return report_validate(r, &errs, a);
}

struct worker {
	struct fx *f;
	int t;
	int invalid, lookup_failures;
};

static void *worker_main(void *p)
{
	struct worker *w = p;
	struct fx *f = w->f;
	struct arena a;
	arena_init(&a, 64 << 20);
	for (int c = 0; c < PER_THREAD; c += CHUNK) {
		struct intake_waiter *waiters[CHUNK];
		int queued[CHUNK];
		for (int k = 0; k < CHUNK; k++) {
			int i = w->t * PER_THREAD + c + k;
			struct report *r = arena_alloc(&a, sizeof *r);
			waiters[k] = intake_waiter_new(&a);
			queued[k] = 0;
			if (!r || !waiters[k] || make_report(r, c + k, w->t, &a)) {
				w->invalid++;
				f->rcs[i] = HL_EINVAL;
				continue;
			}
			f->rcs[i] = intake_submit_report(&f->hl, r, &a, &f->recs[i], intake_waiter_done,
							 waiters[k]);
			queued[k] = f->rcs[i] == 0;
		}
		for (int k = 0; k < CHUNK; k++) {
			int i = w->t * PER_THREAD + c + k;
			if (queued[k])
				f->rcs[i] = intake_waiter_wait(waiters[k]);
		}
		/* what was acknowledged can be read back at once, from this thread */
		for (int k = 0; k < CHUNK; k++) {
			int i = w->t * PER_THREAD + c + k;
			struct report_view v;
			if (f->rcs[i] == 0 &&
			    hotline_lookup(&f->hl, f->recs[i].number, f->recs[i].secret, &v, &a) != 0)
				w->lookup_failures++;
		}
	}
	arena_free(&a);
	return NULL;
}

/* Waits for one addition; returns its result. */
static int add(struct fx *f, int64_t id, const char *text, size_t nurls, const char *const *urls,
	       struct arena *a)
{
	const char **norms = arena_alloc(a, (nurls ? nurls : 1) * sizeof *norms);
	for (size_t i = 0; i < nurls; i++) {
		const char *code = NULL;
		norms[i] = report_url_normalise(urls[i], &code, a);
		assert_non_null(norms[i]);
	}
	struct intake_waiter *w = intake_waiter_new(a);
	assert_non_null(w);
	int rc = intake_submit_addition(&f->hl, id, text, urls, norms, nurls, a, intake_waiter_done, w);
	assert_int_equal(rc, 0);
	return intake_waiter_wait(w);
}

static int64_t db_count(struct fx *f, const char *sql, int64_t arg)
{
	char path[256];
	path_in(f, "hotline.db", path, sizeof path);
	struct db *db;
	assert_int_equal(db_open(path, &db), 0);
	struct db_stmt *st = db_prepare(db, sql);
	assert_non_null(st);
	db_bind_int64(st, 1, arg);
	assert_int_equal(db_step(st), DB_ROW);
	int64_t n = db_column_int64(st, 0);
	db_close(db);
	return n;
}

/* ---- the tests, in order ---------------------------------------------- */

static void test_init_data(void **state)
{
	struct fx *f = *state;
	assert_int_equal(hotline_init_data(f->data, NULL), 0);
	char p[256];
	struct stat st;
	path_in(f, "hotline.db", p, sizeof p);
	assert_int_equal(stat(p, &st), 0);
	path_in(f, "profile.conf", p, sizeof p);
	assert_int_equal(stat(p, &st), 0);
	assert_true(st.st_size > 0);
	path_in(f, "secret.key", p, sizeof p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);

	/* again: existing files are left alone */
	size_t n;
	char *key1 = ut_read_file(p, &n);
	assert_int_equal(hotline_init_data(f->data, NULL), 0);
	char *key2 = ut_read_file(p, &n);
	assert_memory_equal(key1, key2, 32);
	free(key1);
	free(key2);
}

static void test_init_data_with_profile(void **state)
{
	struct fx *f = *state;
	char prof[256], dir2[256], dir3[256], p[300];
	snprintf(prof, sizeof prof, "%s/mine.conf", f->dir);
	const char *text = "org_name = Our Hotline\norg_name.fr = Notre ligne\n";
	assert_int_equal(ut_write_file(prof, text, strlen(text), 0600), 0);
	snprintf(dir2, sizeof dir2, "%s/second", f->dir);
	assert_int_equal(hotline_init_data(dir2, prof), 0);
	snprintf(p, sizeof p, "%s/profile.conf", dir2);
	size_t n = 0;
	char *copy = ut_read_file(p, &n);
	assert_non_null(copy);
	assert_string_equal(copy, text);
	free(copy);
	/* a profile that cannot be read */
	snprintf(dir3, sizeof dir3, "%s/third", f->dir);
	snprintf(p, sizeof p, "%s/no-such.conf", f->dir);
	assert_int_equal(hotline_init_data(dir3, p), HL_EIO);
}

static void test_open_refusals(void **state)
{
	struct fx *f = *state;
	struct hotline hl;
	char p[256], missing[256];

	/* no such folder */
	snprintf(missing, sizeof missing, "%s/nowhere", f->dir);
	struct hotline_options o = {.data_dir = missing};
	assert_int_equal(hotline_open(&hl, &o), HL_EIO);
	hotline_close(&hl);

	/* a key file others can read */
	path_in(f, "secret.key", p, sizeof p);
	assert_int_equal(chmod(p, 0644), 0);
	struct hotline_options o2 = {.data_dir = f->data};
	assert_int_equal(hotline_open(&hl, &o2), HL_EPERM);
	hotline_close(&hl);
	assert_int_equal(chmod(p, 0600), 0);

	/* a broken profile */
	char prof[256];
	snprintf(prof, sizeof prof, "%s/broken.conf", f->dir);
	const char *broken = "org_name = x\nthis is not a setting\n";
	assert_int_equal(ut_write_file(prof, broken, strlen(broken), 0600), 0);
	struct hotline_options o3 = {.data_dir = f->data, .profile = prof};
	assert_int_equal(hotline_open(&hl, &o3), HL_EINVAL);
	hotline_close(&hl);
}

static void test_open(void **state)
{
	struct fx *f = *state;
	struct hotline_options o = {.data_dir = f->data, .start_intake = 1};
	assert_int_equal(hotline_open(&f->hl, &o), 0);
	f->open = true;
	int64_t n = -1;
	assert_int_equal(hotline_report_count(&f->hl, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(f->hl.profile);
	assert_true(strlen(profile_get(f->hl.profile, "org_name", NULL)) > 0);
}

static void test_submit_from_threads(void **state)
{
	struct fx *f = *state;
	assert_true(f->open);
	pthread_t th[THREADS];
	struct worker w[THREADS];
	for (int t = 0; t < THREADS; t++) {
		w[t] = (struct worker){.f = f, .t = t};
		assert_int_equal(pthread_create(&th[t], NULL, worker_main, &w[t]), 0);
	}
	for (int t = 0; t < THREADS; t++)
		pthread_join(th[t], NULL);
	for (int t = 0; t < THREADS; t++) {
		assert_int_equal(w[t].invalid, 0);
		assert_int_equal(w[t].lookup_failures, 0);
	}
	for (int i = 0; i < TOTAL; i++) {
		if (f->rcs[i] != 0)
			fail_msg("report %d failed with %d", i, f->rcs[i]);
		char canon[RECEIPT_NUMBER_SIZE];
		assert_true(receipt_number_parse(f->recs[i].number, canon));
		assert_string_equal(canon, f->recs[i].number);
		char sec[RECEIPT_SECRET_CHARS + 1];
		assert_true(receipt_secret_parse(f->recs[i].secret, sec));
	}
	/* all numbers and all secrets distinct */
	for (int i = 0; i < TOTAL; i++)
		for (int k = i + 1; k < TOTAL; k++) {
			if (strcmp(f->recs[i].number, f->recs[k].number) == 0)
				fail_msg("reports %d and %d share number %s", i, k, f->recs[i].number);
			if (strcmp(f->recs[i].secret, f->recs[k].secret) == 0)
				fail_msg("reports %d and %d share a secret", i, k);
		}
	int64_t n = -1;
	assert_int_equal(hotline_report_count(&f->hl, &n), 0);
	assert_int_equal(n, TOTAL);
}

static void test_lookup_each(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 16 << 20);
	for (int i = 0; i < TOTAL; i++) {
		struct report_view v;
		memset(&v, 0, sizeof v);
		assert_int_equal(hotline_lookup(&f->hl, f->recs[i].number, f->recs[i].secret, &v, &a), 0);
		assert_string_equal(v.state, "received");
		assert_null(v.message);
		assert_string_equal(v.number, f->recs[i].number);
		assert_true(v.id > 0);
		f->ids[i] = v.id;
		/* the number is the one of its id */
		char want[RECEIPT_NUMBER_SIZE];
		assert_true(receipt_number_for_id((unsigned long long)v.id, want));
		assert_string_equal(v.number, want);
	}
	/* typed the way people type: no dashes, spaces, lower case, O for 0 */
	for (int i = 0; i < TOTAL; i += 37) {
		char num[32], sec[64];
		size_t k = 0;
		for (const char *p = f->recs[i].number; *p; p++)
			if (*p != '-')
				num[k++] = *p;
		num[k] = '\0';
		k = 0;
		for (const char *p = f->recs[i].secret; *p; p++) {
			char c = *p == '-' ? ' ' : *p;
			if (c == '0')
				c = 'o';
			else if (c >= 'A' && c <= 'Z')
				c = (char)(c - 'A' + 'a');
			sec[k++] = c;
		}
		sec[k] = '\0';
		struct report_view v;
		assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
		assert_int_equal(v.id, f->ids[i]);
	}
	arena_free(&a);
}

static void test_lookup_wrong(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct report_view v;
	const char *num = f->recs[0].number;

	/* a wrong secret, and the secret of another report */
	char other[RECEIPT_SECRET_SIZE];
	receipt_secret_new(other);
	assert_int_equal(hotline_lookup(&f->hl, num, other, &v, &a), HL_ENOTFOUND);
	assert_int_equal(hotline_lookup(&f->hl, num, f->recs[1].secret, &v, &a), HL_ENOTFOUND);
	/* one character off */
	char off[RECEIPT_SECRET_SIZE];
	memcpy(off, f->recs[0].secret, sizeof off);
	off[0] = off[0] == 'A' ? 'B' : 'A';
	assert_int_equal(hotline_lookup(&f->hl, num, off, &v, &a), HL_ENOTFOUND);

	/* a valid number that is not stored */
	char unused[RECEIPT_NUMBER_SIZE];
	assert_true(receipt_number_for_id(RECEIPT_MAX_ID, unused));
	assert_int_equal(hotline_lookup(&f->hl, unused, f->recs[0].secret, &v, &a), HL_ENOTFOUND);
	/* another report's number with this secret */
	assert_int_equal(hotline_lookup(&f->hl, f->recs[1].number, f->recs[0].secret, &v, &a),
			 HL_ENOTFOUND);

	/* malformed numbers and secrets */
	const char *bad_secrets[] = {"", "abc", "UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU",
				     "' OR '1'='1", "0000-0000-0000-0000-0000-0000-000"};
	for (size_t i = 0; i < sizeof bad_secrets / sizeof bad_secrets[0]; i++)
		assert_int_equal(hotline_lookup(&f->hl, num, bad_secrets[i], &v, &a), HL_ENOTFOUND);
	assert_int_equal(hotline_lookup(&f->hl, num, NULL, &v, &a), HL_ENOTFOUND);
	const char *bad_numbers[] = {"", "12", "123-456-787", "abc-def-ghi", "1; DROP TABLE reports"};
	for (size_t i = 0; i < sizeof bad_numbers / sizeof bad_numbers[0]; i++)
		assert_int_equal(
			hotline_lookup(&f->hl, bad_numbers[i], f->recs[0].secret, &v, &a),
			HL_ENOTFOUND);
	assert_int_equal(hotline_lookup(&f->hl, NULL, f->recs[0].secret, &v, &a), HL_ENOTFOUND);
	/* and the right pair still works */
	assert_int_equal(hotline_lookup(&f->hl, num, f->recs[0].secret, &v, &a), 0);
	arena_free(&a);
}

static void test_report_set(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct report_view v;
	const char *num = f->recs[2].number, *sec = f->recs[2].secret;

	assert_int_equal(hotline_report_set(&f->hl, num, "under_analysis", "We are looking <now>."), 0);
	assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
	assert_string_equal(v.state, "under_analysis");
	assert_non_null(v.message);
	assert_string_equal(v.message, "We are looking <now>.");

	/* NULL leaves each part as it was */
	assert_int_equal(hotline_report_set(&f->hl, num, NULL, "Second message"), 0);
	assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
	assert_string_equal(v.state, "under_analysis");
	assert_string_equal(v.message, "Second message");
	assert_int_equal(hotline_report_set(&f->hl, num, "forwarded", NULL), 0);
	assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
	assert_string_equal(v.state, "forwarded");
	assert_string_equal(v.message, "Second message");

	/* the number may be typed loosely */
	char loose[32];
	snprintf(loose, sizeof loose, "%.3s %.3s %.3s", num, num + 4, num + 8);
	assert_int_equal(hotline_report_set(&f->hl, loose, "closed", NULL), 0);
	assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
	assert_string_equal(v.state, "closed");

	/* unknown states are refused and change nothing */
	const char *bad_states[] = {"bogus", "", "Received", "closed ", "deleted"};
	for (size_t i = 0; i < sizeof bad_states / sizeof bad_states[0]; i++)
		assert_int_equal(hotline_report_set(&f->hl, num, bad_states[i], "x"), HL_EINVAL);
	assert_int_equal(hotline_lookup(&f->hl, num, sec, &v, &a), 0);
	assert_string_equal(v.state, "closed");
	assert_string_equal(v.message, "Second message");

	/* unknown and malformed numbers */
	char unused[RECEIPT_NUMBER_SIZE];
	assert_true(receipt_number_for_id(RECEIPT_MAX_ID - 1, unused));
	assert_int_equal(hotline_report_set(&f->hl, unused, "closed", NULL), HL_ENOTFOUND);
	assert_int_equal(hotline_report_set(&f->hl, "123", "closed", NULL), HL_ENOTFOUND);

	/* other reports were not touched */
	assert_int_equal(hotline_lookup(&f->hl, f->recs[3].number, f->recs[3].secret, &v, &a), 0);
	assert_string_equal(v.state, "received");
	assert_null(v.message);
	arena_free(&a);
}

static const char SQL_ADDITIONS[] = "SELECT count(*) FROM report_additions WHERE report_id = $1";
static const char SQL_ADDITION_URLS[] =
	"SELECT count(*) FROM report_urls WHERE report_id = $1 AND addition_id IS NOT NULL";

static void test_additions(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	int64_t id = f->ids[4];
	assert_true(id > 0);
	const char *urls[] = {"https://example.org/more#x", "www.example.test/other"};
	assert_int_equal(add(f, id, "More information, later.", 2, urls, &a), 0);
	assert_int_equal(add(f, id, NULL, 1, urls, &a), 0);
	assert_int_equal(add(f, id, "Text only.", 0, NULL, &a), 0);
	assert_int_equal(db_count(f, SQL_ADDITIONS, id), 3);
	assert_int_equal(db_count(f, SQL_ADDITION_URLS, id), 3);
	assert_int_equal(db_count(f, SQL_ADDITIONS, f->ids[5]), 0);

	/* to a report that does not exist: refused */
	assert_int_not_equal(add(f, 999999999, "nowhere", 0, NULL, &a), 0);
	assert_int_equal(db_count(f, SQL_ADDITIONS, 999999999), 0);
	arena_free(&a);
}

static void test_failing_job_does_not_undo_others(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 16 << 20);
	enum { N = 9 };
	struct intake_waiter *w[N];
	struct intake_receipt rec[N];
	bool is_report[N];
	/* reports and failing additions queued together, so that they share
	 * batches */
	for (int i = 0; i < N; i++) {
		w[i] = intake_waiter_new(&a);
		assert_non_null(w[i]);
		is_report[i] = i % 3 != 1;
		if (is_report[i]) {
			struct report *r = arena_alloc(&a, sizeof *r);
			assert_int_equal(make_report(r, i, 9, &a), 0);
			assert_int_equal(intake_submit_report(&f->hl, r, &a, &rec[i], intake_waiter_done,
							      w[i]),
					 0);
		} else {
			assert_int_equal(intake_submit_addition(&f->hl, 888888888 + i, "x", NULL, NULL, 0,
								&a, intake_waiter_done, w[i]),
					 0);
		}
	}
	for (int i = 0; i < N; i++) {
		int rc = intake_waiter_wait(w[i]);
		if (is_report[i])
			assert_int_equal(rc, 0);
		else
			assert_int_not_equal(rc, 0);
	}
	for (int i = 0; i < N; i++) {
		if (!is_report[i])
			continue;
		struct report_view v;
		assert_int_equal(hotline_lookup(&f->hl, rec[i].number, rec[i].secret, &v, &a), 0);
		f->extra++;
	}
	int64_t n = -1;
	assert_int_equal(hotline_report_count(&f->hl, &n), 0);
	assert_int_equal(n, TOTAL + f->extra);
	arena_free(&a);
}

/* A call job (intake_submit_call) runs in the committer's transaction:
 * its writes land with the batch; one that fails is undone alone, and the
 * reports beside it are kept. */
static int call_write(struct db *db, void *arg)
{
	return db_exec(db, (const char *)arg) ? HL_EIO : 0;
}

static void test_call_jobs(void **state)
{
	struct fx *f = *state;
	struct arena a;
	arena_init(&a, 1 << 20);
	struct intake_waiter *ok = intake_waiter_new(&a), *bad = intake_waiter_new(&a),
			     *rep = intake_waiter_new(&a);
	assert_non_null(ok);
	assert_non_null(bad);
	assert_non_null(rep);
	struct intake_receipt rec;
	struct report *r = arena_alloc(&a, sizeof *r);
	assert_int_equal(make_report(r, 0, 11, &a), 0);
	assert_int_equal(intake_submit_call(&f->hl, call_write,
					    "INSERT INTO queue_events (report_id, state)"
					    " VALUES (1, 'received')",
					    &a, intake_waiter_done, ok),
			 0);
	assert_int_equal(intake_submit_call(&f->hl, call_write, "INSERT INTO no_such_table VALUES (1)",
					    &a, intake_waiter_done, bad),
			 0);
	assert_int_equal(intake_submit_report(&f->hl, r, &a, &rec, intake_waiter_done, rep), 0);
	assert_int_equal(intake_waiter_wait(ok), 0);
	assert_int_not_equal(intake_waiter_wait(bad), 0);
	assert_int_equal(intake_waiter_wait(rep), 0);
	f->extra++;
	struct report_view v;
	assert_int_equal(hotline_lookup(&f->hl, rec.number, rec.secret, &v, &a), 0);
	struct db *db = hotline_db(&f->hl);
	assert_non_null(db);
	struct db_stmt *st = db_prepare(db, "SELECT count(*) FROM queue_events WHERE report_id = 1"
					    " AND state = 'received'");
	assert_non_null(st);
	assert_int_equal(db_step(st), DB_ROW);
	assert_true(db_column_int64(st, 0) >= 1);
	db_reset(st);
	hotline_db_put(&f->hl, db);
	arena_free(&a);
}

/* The log line of a failed job says why it failed (the database's
 * message), so an operator can act on it. */
static void test_failed_job_logs_the_reason(void **state)
{
	struct fx *f = *state;
	char logpath[256];
	snprintf(logpath, sizeof logpath, "%s/stderr.log", f->dir);
	fflush(stderr);
	int saved = dup(2);
	assert_true(saved >= 0);
	FILE *lf = fopen(logpath, "w");
	assert_non_null(lf);
	assert_true(dup2(fileno(lf), 2) >= 0);
	struct arena a;
	arena_init(&a, 1 << 20);
	int rc = add(f, 777777777, "to nowhere", 0, NULL, &a);
	arena_free(&a);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	fclose(lf);
	assert_int_not_equal(rc, 0);
	char *log = ut_read_file(logpath, NULL);
	assert_non_null(log);
	char *line = strstr(log, "intake: a job failed");
	if (!line) {
		free(log);
		fail_msg("no log line for the failed job");
	}
	char *eol = strchr(line, '\n');
	if (eol)
		*eol = '\0';
	bool has_reason = strstr(line, "no such report") != NULL;
	if (!has_reason)
		print_error("logged: %s\n", line);
	free(log);
	assert_true(has_reason);
}

static const char SQL_CONTACT[] = "SELECT contact_sealed, may_contact FROM reports WHERE id = $1";

static void test_contact_sealed(void **state)
{
	struct fx *f = *state;
	char path[256];
	path_in(f, "hotline.db", path, sizeof path);
	struct db *db;
	assert_int_equal(db_open(path, &db), 0);
	int with = 0, without = 0;
	for (int t = 0; t < THREADS; t++)
		for (int k = 0; k < PER_THREAD; k++) {
			int i = t * PER_THREAD + k;
			struct db_stmt *st = db_prepare(db, SQL_CONTACT);
			db_bind_int64(st, 1, f->ids[i]);
			assert_int_equal(db_step(st), DB_ROW);
			size_t len = 0;
			const unsigned char *sealed = db_column_blob(st, 0, &len);
			int64_t may = db_column_int64(st, 1);
			if (k % 4 != 0) {
				assert_null(sealed);
				assert_int_equal(may, 0);
				without++;
				continue;
			}
			assert_non_null(sealed);
			assert_true(len > SEAL_OVERHEAD);
			assert_int_equal(may, 1);
			char plain[512] = {0};
			assert_true(len - SEAL_OVERHEAD < sizeof plain);
			assert_int_equal(seal_open(&f->hl.keys, sealed, len, plain), 0);
			char email[128];
			snprintf(email, sizeof email, "reporter-%d-%d@example.org", t, k);
			assert_non_null(strstr(plain, email));
			assert_non_null(strstr(plain, "Sam Example"));
			with++;
		}
	db_close(db);
	assert_true(with > 0 && without > 0);

	/* no contact detail is anywhere in the files in plain text */
	const char *files[] = {"hotline.db", "hotline.db-wal"};
	for (size_t i = 0; i < 2; i++) {
		char p[256];
		path_in(f, files[i], p, sizeof p);
		size_t n = 0;
		char *bytes = ut_read_file(p, &n);
		if (!bytes)
			continue;
		assert_null(memmem(bytes, n, "@example.org", 12));
		assert_null(memmem(bytes, n, "Sam Example", 11));
		/* nor any receipt secret */
		for (int k = 0; k < TOTAL; k += 50) {
			char canon[RECEIPT_SECRET_CHARS + 1];
			assert_true(receipt_secret_parse(f->recs[k].secret, canon));
			assert_null(memmem(bytes, n, canon, RECEIPT_SECRET_CHARS));
			assert_null(memmem(bytes, n, f->recs[k].secret, RECEIPT_SECRET_SIZE - 1));
		}
		free(bytes);
	}
}

/* Closes and opens the data folder again, with intake. */
static void reopen(struct fx *f)
{
	hotline_close(&f->hl);
	f->open = false;
	struct hotline_options o = {.data_dir = f->data, .start_intake = 1};
	assert_int_equal(hotline_open(&f->hl, &o), 0);
	f->open = true;
}

/* Submits one valid report and returns what its waiter was told. */
static int submit_one(struct fx *f, int t, struct intake_receipt *rec, struct arena *a)
{
	struct report *r = arena_alloc(a, sizeof *r);
	assert_non_null(r);
	assert_int_equal(make_report(r, 1, t, a), 0);
	struct intake_waiter *w = intake_waiter_new(a);
	assert_int_equal(intake_submit_report(&f->hl, r, a, rec, intake_waiter_done, w), 0);
	return intake_waiter_wait(w);
}

/* Under steady writes the log does not grow without end: the committer's
 * own checkpoint lets it start again from its beginning. 3,000 reports
 * committed one at a time write about 27 MB of log pages (without the
 * restarts the file reaches that); with them it stays near 4 MB (1,000
 * pages of 4 KB), and may not pass 12 MB (room for checkpoints that met
 * another one running). */
static void test_log_restarts(void **state)
{
	struct fx *f = *state;
	assert_true(f->open);
	char wal[256];
	path_in(f, "hotline.db-wal", wal, sizeof wal);
	off_t most = 0;
	struct arena a;
	arena_init(&a, 64 << 20);
	for (int i = 0; i < 3000; i++) {
		struct intake_receipt rec;
		assert_int_equal(submit_one(f, i % 4, &rec, &a), 0);
		f->extra++;
		struct stat sb;
		if (stat(wal, &sb) == 0 && sb.st_size > most)
			most = sb.st_size;
		if (i % 100 == 99) {
			arena_free(&a);
			arena_init(&a, 64 << 20);
		}
	}
	arena_free(&a);
	if (most > (off_t)12 << 20)
		fail_msg("the log grew to %lld bytes", (long long)most);
	assert_true(most > 0);
}

static void test_reopen(void **state)
{
	struct fx *f = *state;
	hotline_close(&f->hl);
	f->open = false;
	/* the committer writes without foreign-key checks: after every test
	 * above (failing jobs and batches retried among them) and a stop that
	 * moved every link, no row lacks its parent */
	char path[256];
	path_in(f, "hotline.db", path, sizeof path);
	struct db *db;
	assert_int_equal(db_open(path, &db), 0);
	struct db_stmt *st = db_prepare(db, "PRAGMA foreign_key_check");
	assert_non_null(st);
	int rc = db_step(st);
	if (rc == DB_ROW)
		print_error("orphan row in %s\n", db_column_text(st, 0));
	assert_int_equal(rc, DB_DONE);
	db_close(db);
	struct hotline_options o = {.data_dir = f->data};
	assert_int_equal(hotline_open(&f->hl, &o), 0);
	f->open = true;
	int64_t n = -1;
	assert_int_equal(hotline_report_count(&f->hl, &n), 0);
	assert_int_equal(n, TOTAL + f->extra);
	struct arena a;
	arena_init(&a, 16 << 20);
	for (int i = 0; i < TOTAL; i++) {
		struct report_view v;
		assert_int_equal(hotline_lookup(&f->hl, f->recs[i].number, f->recs[i].secret, &v, &a), 0);
		assert_int_equal(v.id, f->ids[i]);
		if (i == 2) {
			assert_string_equal(v.state, "closed");
			assert_string_equal(v.message, "Second message");
		} else {
			assert_string_equal(v.state, "received");
		}
	}
	arena_free(&a);
	assert_int_equal(db_count(f, SQL_ADDITIONS, f->ids[4]), 3);

	/* and intake starts again, carrying on after the stored reports */
	reopen(f);
	arena_init(&a, 1 << 20);
	struct intake_receipt rec;
	assert_int_equal(submit_one(f, 7, &rec, &a), 0);
	for (int i = 0; i < TOTAL; i++)
		assert_string_not_equal(rec.number, f->recs[i].number);
	struct report_view v;
	assert_int_equal(hotline_lookup(&f->hl, rec.number, rec.secret, &v, &a), 0);
	assert_int_equal(hotline_report_count(&f->hl, &n), 0);
	assert_int_equal(n, TOTAL + f->extra + 1);
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_data),
		cmocka_unit_test(test_init_data_with_profile),
		cmocka_unit_test(test_open_refusals),
		cmocka_unit_test(test_open),
		cmocka_unit_test(test_submit_from_threads),
		cmocka_unit_test(test_lookup_each),
		cmocka_unit_test(test_lookup_wrong),
		cmocka_unit_test(test_report_set),
		cmocka_unit_test(test_additions),
		cmocka_unit_test(test_failing_job_does_not_undo_others),
		cmocka_unit_test(test_call_jobs),
		cmocka_unit_test(test_failed_job_logs_the_reason),
		cmocka_unit_test(test_contact_sealed),
		cmocka_unit_test(test_log_restarts),
		cmocka_unit_test(test_reopen),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
