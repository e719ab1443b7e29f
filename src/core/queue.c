/* queue.c — the in-memory triage queue (see queue.h). */
#include "queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "err.h"
#include "reports.h"

#define LEVELS 3 /* priority 2, 1, 0 */

/* Small codes for the values the queue filters on. */
static const char *const kinds[] = {"abuse_material", "exploitation", "immediate_danger",
				    "needs_triage", NULL};
static const char *const channels[] = {"web", "api", "email", "phone", NULL};
static const char *const states[] = {"received", "under_analysis", "forwarded", "closed", NULL};
#define STATE_CLOSED 3

struct entry {
	int64_t id;
	uint8_t kind, channel, state;
};

struct level {
	struct entry *v;
	size_t n, cap;
};

struct queue {
	pthread_rwlock_t lock;
	struct level lv[LEVELS]; /* lv[0] is priority 2 */
	pthread_mutex_t sync;    /* one follower of the change log at a time */
	int64_t last_event;      /* the last state change applied */
	int64_t max_id;          /* the highest report id held */
	int64_t synced_id;       /* every stored report up to this id is held */
};

static int code_of(const char *const *list, const char *s)
{
	for (int i = 0; s && list[i]; i++)
		if (strcmp(list[i], s) == 0)
			return i;
	return -1;
}

int64_t queue_key(int priority, int64_t id)
{
	if (priority < 0)
		priority = 0;
	if (priority > 2)
		priority = 2;
	return (int64_t)(2 - priority) * ((int64_t)1 << 40) + id;
}

struct queue *queue_new(void)
{
	struct queue *q = calloc(1, sizeof *q);
	if (q) {
		pthread_rwlock_init(&q->lock, NULL);
		pthread_mutex_init(&q->sync, NULL);
	}
	return q;
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	for (int i = 0; i < LEVELS; i++)
		free(q->lv[i].v);
	pthread_rwlock_destroy(&q->lock);
	pthread_mutex_destroy(&q->sync);
	free(q);
}

/* Appends, or inserts in id order when an id arrives late. Lock held. */
static int level_put(struct level *l, struct entry e)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		struct entry *v = realloc(l->v, cap * sizeof *v);
		if (!v)
			return HL_ENOMEM;
		l->v = v;
		l->cap = cap;
	}
	size_t at = l->n;
	while (at > 0 && l->v[at - 1].id > e.id)
		at--;
	if (at > 0 && l->v[at - 1].id == e.id) {
		l->v[at - 1] = e; /* seen already */
		return 0;
	}
	memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof e);
	l->v[at] = e;
	l->n++;
	return 0;
}

int queue_add(struct queue *q, int64_t id, int priority, const char *kind, const char *channel,
	      const char *state)
{
	int k = code_of(kinds, kind), c = code_of(channels, channel), s = code_of(states, state);
	if (k < 0 || c < 0 || s < 0)
		return HL_EINVAL;
	int lvl = 2 - (priority < 0 ? 0 : priority > 2 ? 2 : priority);
	struct entry e = {id, (uint8_t)k, (uint8_t)c, (uint8_t)s};
	pthread_rwlock_wrlock(&q->lock);
	int rc = level_put(&q->lv[lvl], e);
	if (!rc && id > q->max_id)
		q->max_id = id;
	pthread_rwlock_unlock(&q->lock);
	return rc;
}

/* The index of the first entry with id > after in l (binary search). */
static size_t level_after(const struct level *l, int64_t after)
{
	size_t lo = 0, hi = l->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->v[mid].id <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void queue_set_kind(struct queue *q, int64_t id, const char *kind, int priority)
{
	int k = code_of(kinds, kind);
	if (k < 0)
		return;
	int to = 2 - (priority < 0 ? 0 : priority > 2 ? 2 : priority);
	pthread_rwlock_wrlock(&q->lock);
	for (int i = 0; i < LEVELS; i++) {
		struct level *l = &q->lv[i];
		size_t at = level_after(l, id - 1);
		if (at >= l->n || l->v[at].id != id)
			continue;
		struct entry e = l->v[at];
		e.kind = (uint8_t)k;
		if (i == to) {
			l->v[at] = e;
			break;
		}
		memmove(&l->v[at], &l->v[at + 1], (l->n - at - 1) * sizeof e);
		l->n--;
		if (level_put(&q->lv[to], e))
			l->v[l->n++] = e, l->v[l->n - 1].kind = (uint8_t)k; /* no memory: keep its place */
		break;
	}
	pthread_rwlock_unlock(&q->lock);
}

void queue_set_state(struct queue *q, int64_t id, const char *state)
{
	int s = code_of(states, state);
	if (s < 0)
		return;
	pthread_rwlock_wrlock(&q->lock);
	for (int i = 0; i < LEVELS; i++) {
		struct level *l = &q->lv[i];
		size_t at = level_after(l, id - 1);
		if (at < l->n && l->v[at].id == id)
			l->v[at].state = (uint8_t)s;
	}
	pthread_rwlock_unlock(&q->lock);
}

size_t queue_page(struct queue *q, const struct queue_filter *f, int64_t *ids, int64_t *keys,
		  size_t max)
{
	int k = f->kind ? code_of(kinds, f->kind) : -1;
	int c = f->channel ? code_of(channels, f->channel) : -1;
	int s = f->state ? code_of(states, f->state) : -1;
	if ((f->kind && k < 0) || (f->channel && c < 0) || (f->state && s < 0))
		return 0;
	size_t n = 0;
	int64_t skip = f->offset;
	pthread_rwlock_rdlock(&q->lock);
	for (int i = 0; i < LEVELS && n < max; i++) {
		const struct level *l = &q->lv[i];
		int64_t base = (int64_t)i << 40;
		size_t at = 0;
		if (f->after >= base + ((int64_t)1 << 40))
			continue; /* this whole level comes before the cursor */
		if (f->after >= base)
			at = level_after(l, f->after - base);
		for (; at < l->n && n < max; at++) {
			const struct entry *e = &l->v[at];
			if (s >= 0 ? e->state != s : e->state == STATE_CLOSED)
				continue;
			if ((k >= 0 && e->kind != k) || (c >= 0 && e->channel != c))
				continue;
			if (skip > 0) {
				skip--;
				continue;
			}
			ids[n] = e->id;
			keys[n] = base + e->id;
			n++;
		}
	}
	pthread_rwlock_unlock(&q->lock);
	return n;
}

/* True when the queue holds report id (the caller holds the lock). */
static bool queue_holds(struct queue *q, int64_t id)
{
	for (int i = 0; i < LEVELS; i++) {
		const struct level *l = &q->lv[i];
		size_t at = level_after(l, id - 1);
		if (at < l->n && l->v[at].id == id)
			return true;
	}
	return false;
}

struct load_state {
	struct queue *q;
	int64_t last;
};

/* Adds a stored report the queue does not hold yet: ids from this
 * process's committer and from other processes (an e-mail ingest)
 * interleave, so a row may be held already. */
static void load_row(void *arg, int64_t id, int priority, const char *kind, const char *channel,
		     const char *state)
{
	struct load_state *ls = arg;
	ls->last = id;
	pthread_rwlock_rdlock(&ls->q->lock);
	bool held = queue_holds(ls->q, id);
	pthread_rwlock_unlock(&ls->q->lock);
	if (!held)
		queue_add(ls->q, id, priority, kind, channel, state);
}

int queue_load(struct queue *q, struct db *db)
{
	/* the change log's end first: changes made while loading are applied
	 * again by the next sync, which does no harm */
	if (store_queue_event_last(db, &q->last_event))
		return HL_EIO;
	struct load_state ls = {q, 0};
	int rc = store_report_queue_rows(db, 0, load_row, &ls);
	if (!rc)
		q->synced_id = ls.last;
	return rc;
}

struct sync_state {
	struct queue *q;
	int64_t last;
};

static void apply_event(void *arg, int64_t event, int64_t report_id, const char *state)
{
	struct sync_state *s = arg;
	queue_set_state(s->q, report_id, state);
	s->last = event;
}

int queue_sync(struct queue *q, struct db *db)
{
	pthread_mutex_lock(&q->sync);
	struct sync_state s = {q, q->last_event};
	int rc;
	do {
		int64_t before = s.last;
		rc = store_queue_events(db, s.last, apply_event, &s);
		if (rc || s.last == before)
			break;
	} while (1);
	q->last_event = s.last;
	/* reports other processes stored (an ingest run, say), whose ids may
	 * lie below ones this process's committer added since */
	struct load_state ls = {q, q->synced_id};
	if (!rc)
		rc = store_report_queue_rows(db, q->synced_id, load_row, &ls);
	if (!rc)
		q->synced_id = ls.last;
	pthread_mutex_unlock(&q->sync);
	return rc;
}
