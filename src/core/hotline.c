/* hotline.c — data folder, keys, read connections and receipt look-up
 * (see hotline.h). */
#include "hotline.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <stdbool.h>
#include <unistd.h>

#include "buf.h"
#include "campaign.h"
#include "db.h"
#include "embedded.h"
#include "err.h"
#include "hosting.h"
#include "intake.h"
#include "routing.h"
#include "log.h"
#include "matcher.h"
#include "queue.h"
#include "reports.h"
#include "timeutil.h"

#define LOOKUP_WINDOW_S 600

/* A pool of read connections, so request threads never share one. */
struct db_pool {
	pthread_mutex_t lock;
	struct db *free[32];
	int nfree;
	const char *path;
};

static struct db *pool_get(struct db_pool *p)
{
	struct db *db = NULL;
	pthread_mutex_lock(&p->lock);
	if (p->nfree)
		db = p->free[--p->nfree];
	pthread_mutex_unlock(&p->lock);
	if (!db && db_open(p->path, &db))
		return NULL;
	return db;
}

static void pool_put(struct db_pool *p, struct db *db)
{
	pthread_mutex_lock(&p->lock);
	if (p->nfree < (int)(sizeof p->free / sizeof p->free[0])) {
		p->free[p->nfree++] = db;
		db = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	db_close(db);
}

static int path_join(char out[PATH_MAX], const char *dir, const char *name)
{
	int w = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return (w < 0 || w >= PATH_MAX) ? HL_ETOOBIG : 0;
}

static int mkdir_p(const char *dir)
{
	char tmp[PATH_MAX];
	int w = snprintf(tmp, sizeof tmp, "%s", dir);
	if (w < 0 || (size_t)w >= sizeof tmp)
		return HL_ETOOBIG;
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
			return HL_EIO;
		*p = '/';
	}
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return HL_EIO;
	return 0;
}

static int write_new_file(const char *path, const void *data, size_t len, mode_t mode)
{
	FILE *f = fopen(path, "wx");
	if (!f)
		return errno == EEXIST ? 0 : HL_EIO;
	int ok = fwrite(data, 1, len, f) == len && fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = (fclose(f) == 0) && ok;
	if (ok && chmod(path, mode) != 0)
		ok = 0;
	return ok ? 0 : HL_EIO;
}

/* Reads a whole (small) file into b. */
static int read_small_file(const char *path, struct buf *b)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return HL_EIO;
	char chunk[4096];
	size_t n;
	int rc = 0;
	while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = buf_append(b, chunk, n);
	if (ferror(f))
		rc = HL_EIO;
	fclose(f);
	return rc;
}

int hotline_init_data(const char *data_dir, const char *profile_src)
{
	char path[PATH_MAX];
	if (mkdir_p(data_dir)) {
		log_error("cannot create data folder %s: %s", data_dir, strerror(errno));
		return HL_EIO;
	}
	if (path_join(path, data_dir, "secret.key") || seal_key_create(path)) {
		log_error("cannot create key file in %s", data_dir);
		return HL_EIO;
	}
	const struct embedded_file *ex = embedded_find("data/profiles/example-be.conf");
	struct buf given;
	buf_init(&given, 256 * 1024);
	if (profile_src && read_small_file(profile_src, &given)) {
		log_error("cannot read profile %s", profile_src);
		buf_free(&given);
		return HL_EIO;
	}
	int wrc = path_join(path, data_dir, "profile.conf");
	if (!wrc)
		wrc = profile_src ? write_new_file(path, buf_str(&given), given.len, 0640)
				  : ex ? write_new_file(path, ex->data, ex->len, 0640) : HL_EIO;
	buf_free(&given);
	if (wrc) {
		log_error("cannot create profile in %s", data_dir);
		return HL_EIO;
	}
	struct db *db;
	if (path_join(path, data_dir, "hotline.db") || db_open(path, &db))
		return HL_EIO;
	int rc = db_migrate(db);
	db_close(db);
	return rc;
}

/* The thread that keeps the in-memory hash lists in step with the store
 * (imports and removals made by `hotline hashlist` in another process). */
struct hl_follower {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop;
	struct hotline *hl;
};

static void *follower_main(void *arg)
{
	struct hl_follower *f = arg;
	pthread_setname_np(pthread_self(), "hl-lists");
	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 1;
		pthread_cond_timedwait(&f->wake, &f->lock, &until);
		if (f->stop)
			break;
		pthread_mutex_unlock(&f->lock);
		hotline_lists_follow(f->hl);
		pthread_mutex_lock(&f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

int hotline_lists_follow(struct hotline *hl)
{
	if (!hl->matcher)
		return 0;
	struct db *db = pool_get(hl->readers);
	if (!db)
		return HL_EIO;
	int rc = matcher_follow(hl->matcher, db);
	if (rc)
		log_error("hash lists: could not follow changes (%d)", rc);
	pool_put(hl->readers, db);
	return rc;
}

static int matcher_start(struct hotline *hl)
{
	hl->matcher = matcher_new();
	struct db *db = hl->matcher ? pool_get(hl->readers) : NULL;
	if (!db)
		return HL_ENOMEM;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int rc = matcher_load(hl->matcher, db);
	pool_put(hl->readers, db);
	if (rc)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	struct matcher_stats st;
	matcher_get_stats(hl->matcher, &st);
	if (st.pdq_entries + st.exact_entries)
		log_info("hash lists: %zu lists, %zu PDQ and %zu exact hashes loaded in %.1f s",
			 st.lists, st.pdq_entries, st.exact_entries,
			 (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	struct hl_follower *f = calloc(1, sizeof *f);
	if (!f)
		return HL_ENOMEM;
	f->hl = hl;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->wake, NULL);
	if (pthread_create(&f->thread, NULL, follower_main, f)) {
		free(f);
		return HL_ENOMEM;
	}
	hl->follower = f;
	return 0;
}

static void matcher_stop(struct hotline *hl)
{
	struct hl_follower *f = hl->follower;
	if (f) {
		pthread_mutex_lock(&f->lock);
		f->stop = true;
		pthread_cond_signal(&f->wake);
		pthread_mutex_unlock(&f->lock);
		pthread_join(f->thread, NULL);
		pthread_mutex_destroy(&f->lock);
		pthread_cond_destroy(&f->wake);
		free(f);
		hl->follower = NULL;
	}
	matcher_free(hl->matcher);
	hl->matcher = NULL;
}

int hotline_open(struct hotline *hl, const struct hotline_options *opt)
{
	memset(hl, 0, sizeof *hl);
	const char *dir = opt->data_dir ? opt->data_dir : "./var";
	int w = snprintf(hl->data_dir, sizeof hl->data_dir, "%s", dir);
	if (w < 0 || (size_t)w >= sizeof hl->data_dir || path_join(hl->db_path, dir, "hotline.db") ||
	    path_join(hl->key_path, dir, "secret.key"))
		return HL_ETOOBIG;
	if (opt->profile) {
		w = snprintf(hl->profile_path, sizeof hl->profile_path, "%s", opt->profile);
		if (w < 0 || (size_t)w >= sizeof hl->profile_path)
			return HL_ETOOBIG;
	} else if (path_join(hl->profile_path, dir, "profile.conf")) {
		return HL_ETOOBIG;
	}
	int rc = seal_keys_load(hl->key_path, &hl->keys);
	if (rc)
		return rc;
	int bad_line = 0;
	rc = profile_load(hl->profile_path, &hl->profile, &bad_line);
	if (rc) {
		if (rc == HL_EINVAL)
			log_error("profile %s: line %d is not 'key = value'", hl->profile_path, bad_line);
		else
			log_error("cannot read profile %s", hl->profile_path);
		return rc;
	}
	rc = classify_load(profile_get(hl->profile, "classification", NULL),
			   profile_get(hl->profile, "classification_file", NULL), &hl->scheme);
	if (rc) {
		hotline_close(hl);
		return rc;
	}
	hl->lookups = ratelimit_new(opt->lookup_limit ? opt->lookup_limit : 20, LOOKUP_WINDOW_S);
	hl->readers = calloc(1, sizeof *hl->readers);
	if (!hl->lookups || !hl->readers) {
		hotline_close(hl);
		return HL_ENOMEM;
	}
	pthread_mutex_init(&hl->readers->lock, NULL);
	hl->readers->path = hl->db_path;
	/* migrate before anyone reads or writes */
	struct db *db = pool_get(hl->readers);
	if (!db || db_migrate(db)) {
		db_close(db);
		hotline_close(hl);
		return HL_EIO;
	}
	pool_put(hl->readers, db);
	const char *mp = profile_get(hl->profile, "image_max_pixels", NULL);
	if (*mp) {
		char *end;
		unsigned long long v = strtoull(mp, &end, 10);
		if (*end || v == 0) {
			log_error("profile %s: image_max_pixels must be a positive number",
				  hl->profile_path);
			hotline_close(hl);
			return HL_EINVAL;
		}
		hl->image_max_pixels = v;
	}
	if (opt->start_intake && !opt->no_matcher && matcher_start(hl)) {
		log_error("cannot load the hash lists");
		hotline_close(hl);
		return HL_EIO;
	}
	if (routing_seed(hl))
		log_error("directory: the sample could not be loaded");
	if (opt->start_intake) {
		int qrc = 0;
		if (!opt->no_queue) {
			/* serving: the in-memory queue, and (below) the host look-ups */
			hl->queue = queue_new();
			db = hl->queue ? pool_get(hl->readers) : NULL;
			qrc = db ? queue_load(hl->queue, db) : HL_ENOMEM;
			if (db)
				pool_put(hl->readers, db);
		}
		if (qrc || intake_start(&hl->intake, hl->db_path, hl->queue)) {
			hotline_close(hl);
			return HL_EIO;
		}
		/* after the committer: the look-ups write through it */
		if (!opt->no_queue &&
		    (hosting_open(hl, &hl->hosting) || hosting_start(hl->hosting))) {
			hotline_close(hl);
			return HL_EIO;
		}
	}
	return 0;
}

void hotline_close(struct hotline *hl)
{
	hosting_close(hl->hosting);
	hl->hosting = NULL;
	intake_stop(hl->intake);
	hl->intake = NULL;
	matcher_stop(hl);
	queue_free(hl->queue);
	hl->queue = NULL;
	if (hl->readers) {
		for (int i = 0; i < hl->readers->nfree; i++)
			db_close(hl->readers->free[i]);
		pthread_mutex_destroy(&hl->readers->lock);
		free(hl->readers);
		hl->readers = NULL;
	}
	ratelimit_free(hl->lookups);
	hl->lookups = NULL;
	profile_free(hl->profile);
	hl->profile = NULL;
	classify_free(hl->scheme);
	hl->scheme = NULL;
	campaign_free(hl->campaign);
	hl->campaign = NULL;
	sodium_memzero(&hl->keys, sizeof hl->keys);
}

int hotline_lookup(struct hotline *hl, const char *number, const char *secret,
		   struct report_view *out, struct arena *a)
{
	char num[RECEIPT_NUMBER_SIZE], canon[RECEIPT_SECRET_CHARS + 1];
	unsigned char given[RECEIPT_HASH_BYTES];
	static const unsigned char none[RECEIPT_HASH_BYTES];
	bool num_ok = receipt_number_parse(number, num);
	bool sec_ok = receipt_secret_parse(secret, canon);
	if (!sec_ok)
		memset(canon, 'X', RECEIPT_SECRET_CHARS), canon[RECEIPT_SECRET_CHARS] = '\0';
	/* hash whatever was given, so a malformed secret costs the same */
	receipt_secret_hash(canon, hl->keys.receipt, given);

	struct store_report_status st = {0};
	int rc = HL_ENOTFOUND;
	unsigned long long id = num_ok ? receipt_number_id(num) : 0;
	if (id) {
		struct db *db = pool_get(hl->readers);
		if (!db)
			return HL_EIO;
		rc = store_report_status(db, (int64_t)id, &st, a);
		pool_put(hl->readers, db);
		if (rc && rc != HL_ENOTFOUND)
			return rc;
	}
	bool match = receipt_hash_equal(rc == 0 ? st.secret_hash : none, given);
	if (rc || !match || !sec_ok)
		return HL_ENOTFOUND;
	out->id = st.id;
	memcpy(out->number, st.number, sizeof out->number);
	memcpy(out->state, st.state, sizeof out->state);
	out->message = st.message;
	return 0;
}

int hotline_report_set(struct hotline *hl, const char *number, const char *state,
		       const char *message)
{
	char num[RECEIPT_NUMBER_SIZE];
	unsigned long long id = receipt_number_parse(number, num) ? receipt_number_id(num) : 0;
	if (!id)
		return HL_ENOTFOUND;
	if (state && !report_in_list(report_states, state))
		return HL_EINVAL;
	struct db *db = pool_get(hl->readers);
	if (!db)
		return HL_EIO;
	char now[21];
	time_now_iso(now);
	int rc = db_begin(db);
	if (!rc) {
		rc = store_report_set(db, (int64_t)id, state, message, now);
		if (rc)
			db_rollback(db);
		else
			rc = db_commit(db);
	}
	pool_put(hl->readers, db);
	return rc;
}

struct db *hotline_db(struct hotline *hl)
{
	return pool_get(hl->readers);
}

void hotline_db_put(struct hotline *hl, struct db *db)
{
	if (db)
		pool_put(hl->readers, db);
}

int hotline_report_count(struct hotline *hl, int64_t *out)
{
	struct db *db = pool_get(hl->readers);
	if (!db)
		return HL_EIO;
	int rc = store_report_count(db, out);
	pool_put(hl->readers, db);
	return rc;
}
