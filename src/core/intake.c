/* intake.c — group commit of reports and additions (see intake.h). */
#include "intake.h"

#include <jansson.h>
#include <sodium.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "db.h"
#include "core/items.h"
#include "err.h"
#include "log.h"
#include "matcher.h"
#include "queue.h"
#include "reports.h"
#include "store/items.h"
#include "timeutil.h"

#define INTAKE_BATCH_MAX 2048
#define INTAKE_NUMBER_TRIES 32

enum job_type { JOB_REPORT, JOB_ADDITION, JOB_AUDIT, JOB_CALL };

struct intake_job {
	enum job_type type;
	struct store_new_report rec;  /* JOB_REPORT */
	struct intake_receipt *receipt;
	int64_t report_id;            /* JOB_ADDITION */
	const char *text;
	const char *const *urls, *const *urls_norm;
	size_t nurls;
	const char *actor, *action, *action2, *object_type, *object_id; /* JOB_AUDIT */
	int (*fn)(struct db *db, void *arg); /* JOB_CALL */
	void *fn_arg;
	intake_done_fn done;
	void *arg;
	int rc;
	struct intake_job *next;
};

struct intake {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct intake_job *head, **tail;
	bool stopping;
	struct db *db;
	uint64_t commits;
	struct queue *queue;
	struct items_linker *items; /* URL -> item, for linking reports to items */
	pthread_t checkpointer;
	pthread_cond_t ckpt_wake;
	bool has_checkpointer;
	struct db *ckpt_db;
};

/* next_id is the id the next report takes; the committer is the only
 * writer of reports, so it counts on from the store's highest id. */
static int job_run(struct db *db, struct intake_job *j, const char *now, int64_t *next_id)
{
	if (j->type == JOB_ADDITION)
		return store_report_add(db, j->report_id, j->text, j->urls, j->urls_norm, j->nurls, now);
	if (j->type == JOB_CALL)
		return j->fn(db, j->fn_arg);
	if (j->type == JOB_AUDIT) {
		int rc = audit_append_db(db, j->actor, j->action, j->object_type, j->object_id, NULL);
		if (!rc && j->action2)
			rc = audit_append_db(db, j->actor, j->action2, j->object_type, j->object_id,
					     NULL);
		return rc;
	}
	j->rec.received_at = now;
	if (j->rec.source_key) {
		/* taken before (a mail server retrying): answer with that report */
		int64_t old;
		int src = store_report_by_source(db, j->rec.source_key, &old);
		if (src == 0) {
			if (!receipt_number_for_id((unsigned long long)old, j->receipt->number))
				return HL_EIO;
			j->rec.id = old;
			return HL_EEXIST;
		}
		if (src != HL_ENOTFOUND)
			return HL_EIO;
	}
	for (int t = 0; t < INTAKE_NUMBER_TRIES; t++) {
		if (!*next_id && store_report_next_id(db, next_id))
			return HL_EIO;
		if (!receipt_number_for_id((unsigned long long)*next_id, j->receipt->number))
			return HL_ETOOBIG;
		j->rec.id = *next_id;
		j->rec.number = j->receipt->number;
		int rc = store_report_insert(db, &j->rec);
		if (rc != HL_EEXIST) {
			if (!rc)
				(*next_id)++;
			return rc;
		}
		*next_id = 0; /* someone else wrote: read the highest id again */
		int64_t old;
		if (j->rec.source_key && store_report_by_source(db, j->rec.source_key, &old) == 0) {
			/* another process took the same source meanwhile */
			if (!receipt_number_for_id((unsigned long long)old, j->receipt->number))
				return HL_EIO;
			j->rec.id = old;
			return HL_EEXIST;
		}
	}
	return HL_EEXIST;
}

/* Links a stored report (or an addition's URLs) to the items of its URLs. */
static int intake_link_items(struct intake *in, struct intake_job *j, int64_t now_s)
{
	if (j->type == JOB_REPORT)
		return items_link(in->items, in->db, j->rec.id, j->rec.channel, j->rec.urls_norm,
				  j->rec.nurls, true, now_s);
	if (j->type == JOB_ADDITION && j->nurls) {
		char channel[16];
		if (store_report_channel(in->db, j->report_id, channel, sizeof channel))
			return HL_EIO;
		return items_link(in->items, in->db, j->report_id, channel, j->urls_norm, j->nurls,
				  false, now_s);
	}
	return 0;
}

/* Runs the batch in one transaction. With units, each job gets its own
 * savepoint so a failing job is undone alone; without, the first failure
 * fails the attempt (the fast path: failures are rare). Returns 0 when the
 * transaction committed, HL_EINVAL when a job failed without units, or the
 * database's error. */
static int intake_try_batch(struct intake *in, struct intake_job *batch, const char *now,
			    bool units)
{
	int rc = db_begin(in->db);
	if (rc)
		return rc;
	int64_t next_id = 0;
	int64_t now_s = items_now();
	char item_day[21];
	items_format_time(now_s, item_day);
	items_batch_begin(in->items, in->db);
	for (struct intake_job *j = batch; j; j = j->next) {
		if (units && db_savepoint(in->db)) {
			rc = HL_EIO;
			break;
		}
		size_t mark = items_job_mark(in->items);
		j->rc = job_run(in->db, j, now, &next_id);
		if (!j->rc)
			j->rc = intake_link_items(in, j, now_s);
		if (j->rc)
			items_job_undo(in->items, mark);
		if (units && j->rc && !(j->rc == HL_EEXIST && j->type == JOB_REPORT))
			log_error("intake: a job failed (%d): %s", j->rc,
				  j->rc == HL_ENOTFOUND ? "no such report" : db_errmsg(in->db));
		if (!units && j->rc) {
			rc = HL_EINVAL;
			break;
		}
		if (units && (j->rc ? db_rollback_to(in->db) : db_release(in->db))) {
			rc = HL_EIO;
			break;
		}
	}
	if (!rc && items_batch_flush(in->items, in->db, now_s, item_day)) {
		log_error("intake: item counts failed: %s", db_errmsg(in->db));
		rc = HL_EIO;
	}
	if (!rc && db_commit(in->db)) {
		log_error("intake: commit failed: %s", db_errmsg(in->db));
		rc = HL_EIO;
	}
	if (rc)
		db_rollback(in->db);
	items_batch_end(in->items, rc == 0);
	return rc;
}

static void intake_commit_batch(struct intake *in, struct intake_job *batch)
{
	char now[21];
	time_now_iso(now);
	int rc = intake_try_batch(in, batch, now, false);
	if (rc == HL_EINVAL)
		rc = intake_try_batch(in, batch, now, true);
	if (rc) {
		for (struct intake_job *j = batch; j; j = j->next)
			if (!j->rc)
				j->rc = rc;
	}
	/* only now, after the sync, may anyone be told; the queue learns of the
	 * new reports first, so a reporter's report is in it when they hear */
	if (in->queue)
		for (struct intake_job *j = batch; j; j = j->next)
			if (j->type == JOB_REPORT && !j->rc)
			{
				/* a report of an assessed item took its outcome */
				const char *st = items_report_state(in->items, j->rec.id);
				queue_add(in->queue, j->rec.id, j->rec.priority, j->rec.kind,
					  j->rec.channel, st ? st : "received");
			}
	for (struct intake_job *j = batch, *next; j; j = next) {
		next = j->next;
		j->done(j->arg, j->rc);
	}
}

static void *intake_main(void *arg)
{
	struct intake *in = arg;
	pthread_setname_np(pthread_self(), "hl-intake");
	pthread_mutex_lock(&in->lock);
	for (;;) {
		while (!in->head && !in->stopping)
			pthread_cond_wait(&in->wake, &in->lock);
		if (!in->head && in->stopping)
			break;
		/* take up to INTAKE_BATCH_MAX jobs */
		struct intake_job *batch = in->head, *last = batch;
		int n = 1;
		while (last->next && n < INTAKE_BATCH_MAX) {
			last = last->next;
			n++;
		}
		in->head = last->next;
		if (!in->head)
			in->tail = &in->head;
		last->next = NULL;
		pthread_mutex_unlock(&in->lock);
		intake_commit_batch(in, batch);
		__atomic_add_fetch(&in->commits, 1, __ATOMIC_RELAXED);
		pthread_mutex_lock(&in->lock);
	}
	pthread_mutex_unlock(&in->lock);
	return NULL;
}

/* Checkpoints the log every 100 ms while commits happen, on its own
 * connection, so the committer seldom waits for one: the committer's own
 * checkpoint at 1,000 pages (db_writer_settings) has only the last few
 * pages left to copy, and lets the log start again from its beginning. */
static void *intake_checkpoint_main(void *arg)
{
	struct intake *in = arg;
	uint64_t seen = 0;
	pthread_setname_np(pthread_self(), "hl-checkpoint");
	pthread_mutex_lock(&in->lock);
	while (!in->stopping) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&in->ckpt_wake, &in->lock, &until);
		uint64_t now = __atomic_load_n(&in->commits, __ATOMIC_RELAXED);
		if (now == seen || in->stopping)
			continue;
		seen = now;
		pthread_mutex_unlock(&in->lock);
		db_checkpoint(in->ckpt_db);
		pthread_mutex_lock(&in->lock);
	}
	pthread_mutex_unlock(&in->lock);
	return NULL;
}

int intake_start(struct intake **out, const char *db_path, struct queue *queue)
{
	struct intake *in = calloc(1, sizeof *in);
	if (!in)
		return HL_ENOMEM;
	in->queue = queue;
	if (db_open(db_path, &in->db)) {
		free(in);
		return HL_EIO;
	}
	if (db_open(db_path, &in->ckpt_db)) {
		db_close(in->db);
		free(in);
		return HL_EIO;
	}
	db_writer_settings(in->db);
	if (items_linker_new(in->db, &in->items)) {
		db_close(in->db);
		db_close(in->ckpt_db);
		free(in);
		return HL_EIO;
	}
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->wake, NULL);
	pthread_cond_init(&in->ckpt_wake, NULL);
	in->tail = &in->head;
	if (pthread_create(&in->thread, NULL, intake_main, in) != 0) {
		items_linker_free(in->items);
		db_close(in->db);
		db_close(in->ckpt_db);
		free(in);
		return HL_ENOMEM;
	}
	if (pthread_create(&in->checkpointer, NULL, intake_checkpoint_main, in) != 0) {
		intake_stop(in);
		return HL_ENOMEM;
	}
	in->has_checkpointer = true;
	*out = in;
	return 0;
}

void intake_stop(struct intake *in)
{
	if (!in)
		return;
	pthread_mutex_lock(&in->lock);
	in->stopping = true;
	pthread_cond_signal(&in->wake);
	pthread_cond_signal(&in->ckpt_wake);
	pthread_mutex_unlock(&in->lock);
	pthread_join(in->thread, NULL);
	if (in->has_checkpointer)
		pthread_join(in->checkpointer, NULL);
	if (items_linker_flush(in->items, in->db))
		log_error("intake: item counts not written; the next start counts them again");
	db_checkpoint(in->ckpt_db);
	db_close(in->ckpt_db);
	db_close(in->db);
	items_linker_free(in->items);
	pthread_cond_destroy(&in->ckpt_wake);
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->wake);
	free(in);
}

static void intake_queue(struct intake *in, struct intake_job *j)
{
	j->next = NULL;
	pthread_mutex_lock(&in->lock);
	*in->tail = j;
	in->tail = &j->next;
	pthread_cond_signal(&in->wake);
	pthread_mutex_unlock(&in->lock);
}

/* Seals the contact details as a small JSON object. */
static int seal_contact(struct hotline *hl, const struct report *r, struct arena *a,
			struct store_new_report *rec)
{
	if (!r->contact_name && !r->contact_email && !r->contact_phone)
		return 0;
	json_t *o = json_object();
	if (!o)
		return HL_ENOMEM;
	if (r->contact_name)
		json_object_set_new(o, "name", json_string(r->contact_name));
	if (r->contact_email)
		json_object_set_new(o, "email", json_string(r->contact_email));
	if (r->contact_phone)
		json_object_set_new(o, "phone", json_string(r->contact_phone));
	char *plain = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!plain)
		return HL_ENOMEM;
	size_t len = strlen(plain);
	unsigned char *sealed = arena_alloc(a, len + SEAL_OVERHEAD);
	if (sealed)
		seal_box(&hl->keys, plain, len, sealed);
	sodium_memzero(plain, len);
	free(plain);
	if (!sealed)
		return HL_ENOMEM;
	rec->contact_sealed = sealed;
	rec->contact_sealed_len = len + SEAL_OVERHEAD;
	return 0;
}

int intake_submit_report(struct hotline *hl, const struct report *r, struct arena *a,
			 struct intake_receipt *receipt, intake_done_fn done, void *arg)
{
	struct intake_job *j = arena_alloc(a, sizeof *j);
	unsigned char *hash = arena_alloc(a, RECEIPT_HASH_BYTES);
	if (!j || !hash)
		return HL_ENOMEM;
	memset(j, 0, sizeof *j);
	j->type = JOB_REPORT;
	j->receipt = receipt;
	j->done = done;
	j->arg = arg;
	receipt_secret_new(receipt->secret);
	char canonical[RECEIPT_SECRET_CHARS + 1];
	if (!receipt_secret_parse(receipt->secret, canonical))
		return HL_EINVAL;
	receipt_secret_hash(canonical, hl->keys.receipt, hash);
	struct store_new_report *rec = &j->rec;
	rec->secret_hash = hash;
	rec->kind = r->kind;
	rec->channel = r->channel;
	rec->where_seen = r->where_seen;
	rec->exploitation_type = r->exploitation_type;
	rec->description = r->description;
	rec->location = r->location;
	rec->language = r->language;
	rec->may_contact = r->may_contact;
	rec->priority = strcmp(r->kind, "immediate_danger") == 0 ||
				(r->urgency && strcmp(r->urgency, "immediate") == 0)
			? 2
			: 0;
	rec->call_started_at = r->call_started_at;
	rec->call_ended_at = r->call_ended_at;
	rec->caller = r->caller;
	rec->urgency = r->urgency;
	rec->operator = r->operator;
	rec->urls = r->urls;
	rec->urls_norm = r->urls_norm;
	rec->nurls = r->nurls;
	rec->subject = r->subject;
	rec->parse_warnings = r->parse_warnings;
	rec->source_key = r->source_key;
	rec->attachments = r->attachments;
	rec->nattachments = r->nattachments;
	rec->hashes = r->hashes;
	rec->nhashes = r->nhashes;
	if (hl->matcher && (r->nattachments || r->nhashes)) {
		/* known material is recognised the moment it arrives */
		struct report_match *m = NULL;
		size_t nm = 0;
		int mrc = matcher_match_report(hl->matcher, r, a, &m, &nm);
		if (mrc)
			return mrc;
		rec->matches = m;
		rec->nmatches = nm;
		if (nm && rec->priority < 1)
			rec->priority = 1;
	}
	int rc = seal_contact(hl, r, a, rec);
	if (rc)
		return rc;
	intake_queue(hl->intake, j);
	return 0;
}

/* A zeroed job of type in a, to be done with done(arg, rc). */
static struct intake_job *job_new(struct arena *a, enum job_type type, intake_done_fn done,
				  void *arg)
{
	struct intake_job *j = arena_alloc(a, sizeof *j);
	if (!j)
		return NULL;
	memset(j, 0, sizeof *j);
	j->type = type;
	j->done = done;
	j->arg = arg;
	return j;
}

int intake_submit_addition(struct hotline *hl, int64_t report_id, const char *text,
			   const char *const *urls, const char *const *urls_norm, size_t nurls,
			   struct arena *a, intake_done_fn done, void *arg)
{
	struct intake_job *j = job_new(a, JOB_ADDITION, done, arg);
	if (!j)
		return HL_ENOMEM;
	j->report_id = report_id;
	j->text = text;
	j->urls = urls;
	j->urls_norm = urls_norm;
	j->nurls = nurls;
	intake_queue(hl->intake, j);
	return 0;
}

int intake_submit_audit(struct hotline *hl, const char *actor, const char *action,
			const char *action2, const char *object_type, const char *object_id,
			struct arena *a, intake_done_fn done, void *arg)
{
	struct intake_job *j = job_new(a, JOB_AUDIT, done, arg);
	if (!j)
		return HL_ENOMEM;
	j->actor = actor;
	j->action = action;
	j->action2 = action2;
	j->object_type = object_type;
	j->object_id = object_id;
	intake_queue(hl->intake, j);
	return 0;
}

int intake_submit_call(struct hotline *hl, int (*fn)(struct db *db, void *arg), void *fn_arg,
		       struct arena *a, intake_done_fn done, void *arg)
{
	struct intake_job *j = job_new(a, JOB_CALL, done, arg);
	if (!j)
		return HL_ENOMEM;
	j->fn = fn;
	j->fn_arg = fn_arg;
	intake_queue(hl->intake, j);
	return 0;
}

struct intake_waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool finished;
	int rc;
};

struct intake_waiter *intake_waiter_new(struct arena *a)
{
	struct intake_waiter *w = arena_alloc(a, sizeof *w);
	if (!w)
		return NULL;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->cond, NULL);
	w->finished = false;
	w->rc = 0;
	return w;
}

void intake_waiter_done(void *arg, int rc)
{
	struct intake_waiter *w = arg;
	pthread_mutex_lock(&w->lock);
	w->rc = rc;
	w->finished = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int intake_waiter_wait(struct intake_waiter *w)
{
	pthread_mutex_lock(&w->lock);
	while (!w->finished)
		pthread_cond_wait(&w->cond, &w->lock);
	int rc = w->rc;
	pthread_mutex_unlock(&w->lock);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->cond);
	return rc;
}

int64_t intake_item_pending(struct intake *in, int64_t item_id)
{
	return in ? items_pending(in->items, item_id) : 0;
}
