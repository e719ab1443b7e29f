/* queue.h — the triage queue's order, held in memory.
 *
 * Every report is one small entry (id, priority, kind, channel, state), in
 * one id-ordered array per priority level. New reports are appended by the
 * intake committer after their commit, state changes are applied after
 * theirs, and the whole thing is loaded from the store when the server
 * starts. A page of the queue, any filter and any depth, is a scan of these
 * arrays (a few nanoseconds an entry) rather than a database index that
 * every intake would have to write. Thread-safe (a readers-writer lock). */
#ifndef HL_QUEUE_H
#define HL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

struct queue;
struct db;

/* An empty queue, or NULL when out of memory. */
struct queue *queue_new(void);
void queue_free(struct queue *q);
/* Loads every report from the store. */
int queue_load(struct queue *q, struct db *db);
/* Adds a report (ids only ever grow within a priority level). */
int queue_add(struct queue *q, int64_t id, int priority, const char *kind, const char *channel,
	      const char *state);
/* Applies the state changes other writers logged since the last call
 * (store_report_set logs every change). Call before reading a page. */
int queue_sync(struct queue *q, struct db *db);
/* Records a report's new kind and priority (triage): it moves to the
 * priority's place in the order. */
void queue_set_kind(struct queue *q, int64_t id, const char *kind, int priority);
/* Records a report's new state. */
void queue_set_state(struct queue *q, int64_t id, const char *state);

/* The queue key of a report: priority first (higher first), then id. */
int64_t queue_key(int priority, int64_t id);

struct queue_filter {
	const char *kind, *channel, *state; /* NULL: any; no state: all but closed */
	int64_t after;                      /* a queue key: entries after it */
	int64_t offset;                     /* entries to skip first */
};

/* Fills ids (and keys) with up to max reports in queue order. Returns n. */
size_t queue_page(struct queue *q, const struct queue_filter *f, int64_t *ids, int64_t *keys,
		  size_t max);

#endif
