/* intake.h — the one commit path for everything a reporter sends.
 *
 * Jobs are queued by the request threads and written by one committer
 * thread in batches: many jobs per transaction, one disk sync per batch
 * (group commit). A job's done callback runs only after its batch's COMMIT
 * returned, so a receipt is never shown for something not on disk. Each
 * job runs in its own savepoint: one failing job does not undo the others.
 *
 * Job memory belongs to the caller (usually the request arena) and must
 * live until done has been called. */
#ifndef HL_INTAKE_H
#define HL_INTAKE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "hotline.h"

struct intake_job;
/* Called on the committer thread with the job's result (0 or HL_E...). */
typedef void (*intake_done_fn)(void *arg, int rc);

/* Starts the committer on its own connection to db_path. Committed reports
 * are added to queue (which may be NULL). */
struct queue;
int intake_start(struct intake **out, const char *db_path, struct queue *queue);
/* Writes what is queued, then stops the committer. */
void intake_stop(struct intake *in);

struct intake_receipt {
	char number[RECEIPT_NUMBER_SIZE];
	char secret[RECEIPT_SECRET_SIZE];
};

/* Queues a validated report: makes its secret, seals the contact details,
 * matches its attachments and hashes against the known-hash lists (a
 * match ranks it just after immediate danger), and fills rec->secret now
 * and rec->number just before done is called. channel is "web", "api",
 * "email" or "phone". When r->source_key is already stored, nothing is
 * written: done gets HL_EEXIST and rec->number is the earlier report's
 * number (rec->secret then means nothing). Returns 0 (done will be called)
 * or HL_ENOMEM (done will not be called). */
int intake_submit_report(struct hotline *hl, const struct report *r, struct arena *a,
			 struct intake_receipt *rec, intake_done_fn done, void *arg);
/* Queues information added to report_id: text (may be NULL) and validated
 * URLs. Same contract as intake_submit_report. */
int intake_submit_addition(struct hotline *hl, int64_t report_id, const char *text,
			   const char *const *urls, const char *const *urls_norm, size_t nurls,
			   struct arena *a, intake_done_fn done, void *arg);

/* Queues audit rows (action, and action2 when not NULL) for the same actor
 * and object, written in the next group commit; done runs once both are
 * durable. Use it where a person must not see something before its audit
 * row is on disk, without paying one disk sync per page. Strings must live
 * until done. Same contract as intake_submit_report. */
int intake_submit_audit(struct hotline *hl, const char *actor, const char *action,
			const char *action2, const char *object_type, const char *object_id,
			struct arena *a, intake_done_fn done, void *arg);

/* Reports linked to item_id whose count is not written yet (see
 * items_pending); 0 without a committer. */
int64_t intake_item_pending(struct intake *in, int64_t item_id);

/* Queues fn(db, fn_arg) to run in the committer's next transaction, among
 * the reports (its own savepoint if a job of the batch fails): for writers
 * that would otherwise take the write lock from the committer again and
 * again (host look-ups). Its return is the job's rc. Same contract as
 * intake_submit_report. */
int intake_submit_call(struct hotline *hl, int (*fn)(struct db *db, void *arg), void *fn_arg,
		       struct arena *a, intake_done_fn done, void *arg);
/* Blocks until a job queued with intake_waiter_done as its done function
 * and w as its arg has been committed; returns the job's result. */
struct intake_waiter;
struct intake_waiter *intake_waiter_new(struct arena *a);
void intake_waiter_done(void *w, int rc);
int intake_waiter_wait(struct intake_waiter *w);

#endif
