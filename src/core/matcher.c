/* matcher.c — known-hash lists in memory (see matcher.h). */
#include "matcher.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "exactidx.h"
#include "hashlists.h"
#include "log.h"
#include "mih.h"

struct mlist {
	int64_t id;
	char *name, *action, *classification;
	int threshold;
};

struct matcher {
	pthread_rwlock_t lock; /* lists, entry_list (its growth) */
	pthread_mutex_t follow;
	struct mih *pdq;
	struct exactidx *exact;
	struct mlist *lists;
	size_t nlists;
	int max_threshold;
	uint32_t *entry_list; /* entry id -> list id (0: not loaded) */
	size_t entry_cap;
	int64_t seq, last_entry;
};

struct matcher *matcher_new(void)
{
	struct matcher *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->pdq = mih_new(0);
	m->exact = exactidx_new(0);
	if (!m->pdq || !m->exact) {
		mih_free(m->pdq);
		exactidx_free(m->exact);
		free(m);
		return NULL;
	}
	pthread_rwlock_init(&m->lock, NULL);
	pthread_mutex_init(&m->follow, NULL);
	return m;
}

static void lists_free(struct mlist *l, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(l[i].name);
		free(l[i].action);
		free(l[i].classification);
	}
	free(l);
}

void matcher_free(struct matcher *m)
{
	if (!m)
		return;
	mih_free(m->pdq);
	exactidx_free(m->exact);
	lists_free(m->lists, m->nlists);
	free(m->entry_list);
	pthread_rwlock_destroy(&m->lock);
	pthread_mutex_destroy(&m->follow);
	free(m);
}

/* Reads the list table again (names, actions, thresholds). */
static int reload_lists(struct matcher *m, struct db *db)
{
	struct arena a;
	arena_init(&a, 64u << 20);
	struct store_hashlist *v;
	size_t n;
	int rc = store_hashlist_all(db, &v, &n, &a);
	if (rc) {
		arena_free(&a);
		return rc;
	}
	struct mlist *l = calloc(n ? n : 1, sizeof *l);
	int maxt = 0;
	for (size_t i = 0; l && i < n; i++) {
		l[i].id = v[i].id;
		l[i].name = strdup(v[i].name ? v[i].name : "");
		l[i].action = strdup(v[i].action ? v[i].action : "");
		l[i].classification = v[i].classification ? strdup(v[i].classification) : NULL;
		l[i].threshold = v[i].pdq_threshold;
		if (!l[i].name || !l[i].action) {
			lists_free(l, i + 1);
			l = NULL;
		}
		if (l && l[i].threshold > maxt)
			maxt = l[i].threshold;
	}
	arena_free(&a);
	if (!l)
		return HL_ENOMEM;
	pthread_rwlock_wrlock(&m->lock);
	struct mlist *old = m->lists;
	size_t nold = m->nlists;
	m->lists = l;
	m->nlists = n;
	m->max_threshold = maxt;
	pthread_rwlock_unlock(&m->lock);
	lists_free(old, nold);
	return 0;
}

static int entry_map_set(struct matcher *m, int64_t id, uint32_t list)
{
	if (id <= 0 || id >= UINT32_MAX)
		return HL_ETOOBIG;
	if ((size_t)id >= m->entry_cap) {
		size_t cap = m->entry_cap ? m->entry_cap : 65536;
		while (cap <= (size_t)id)
			cap *= 2;
		pthread_rwlock_wrlock(&m->lock);
		uint32_t *w = realloc(m->entry_list, cap * sizeof *w);
		if (w) {
			memset(w + m->entry_cap, 0, (cap - m->entry_cap) * sizeof *w);
			m->entry_list = w;
			m->entry_cap = cap;
		}
		pthread_rwlock_unlock(&m->lock);
		if (!w)
			return HL_ENOMEM;
	}
	__atomic_store_n(&m->entry_list[id], list, __ATOMIC_RELEASE);
	return 0;
}

/* Entries gathered for one mih_add_batch. */
#define LOAD_BATCH (1u << 20) /* PDQ entries indexed together at load */
struct loader {
	struct matcher *m;
	uint8_t *hashes;
	uint32_t *ids;
	size_t n;
	int rc;
	size_t loaded;
};

static int loader_flush(struct loader *l)
{
	if (!l->n)
		return 0;
	int rc = mih_add_batch(l->m->pdq, l->hashes, l->ids, l->n);
	if (rc == HL_EEXIST) /* already there (enabled twice): add one by one */
		for (size_t i = 0; i < l->n; i++)
			mih_add(l->m->pdq, l->hashes + i * MIH_HASH_BYTES, l->ids[i]);
	else if (rc)
		return rc;
	l->n = 0;
	return 0;
}

static int loader_entry(void *arg, const struct store_hash_entry *e)
{
	struct loader *l = arg;
	if (e->id <= 0 || e->id >= UINT32_MAX)
		return 0; /* cannot be indexed; ids stay far below this */
	int rc = entry_map_set(l->m, e->id, (uint32_t)e->list_id);
	if (rc)
		return l->rc = rc;
	if (strcmp(e->algo, "pdq") == 0) {
		memcpy(l->hashes + l->n * MIH_HASH_BYTES, e->hash, MIH_HASH_BYTES);
		l->ids[l->n++] = (uint32_t)e->id;
		if (l->n == LOAD_BATCH && (rc = loader_flush(l)))
			return l->rc = rc;
	} else {
		rc = exactidx_insert(l->m->exact, e->hash, e->len, (uint32_t)e->id);
		if (rc && rc != HL_EEXIST)
			return l->rc = rc;
	}
	l->loaded++;
	return 0;
}

/* Loads enabled entries with id > m->last_entry. */
static int load_new(struct matcher *m, struct db *db)
{
	struct loader l = {.m = m};
	l.hashes = malloc((size_t)LOAD_BATCH * MIH_HASH_BYTES);
	l.ids = malloc(LOAD_BATCH * sizeof *l.ids);
	if (!l.hashes || !l.ids) {
		free(l.hashes);
		free(l.ids);
		return HL_ENOMEM;
	}
	int rc = 0;
	for (;;) {
		int64_t last = m->last_entry;
		rc = store_hashlist_entries(db, 0, true, false, m->last_entry, 100000, loader_entry,
					    &l, &last);
		if (!rc)
			rc = l.rc;
		if (rc)
			break;
		if (last == m->last_entry)
			break;
		m->last_entry = last;
	}
	if (!rc)
		rc = loader_flush(&l);
	free(l.hashes);
	free(l.ids);
	return rc;
}

static void remove_entry(struct matcher *m, int64_t id)
{
	if (id <= 0 || (size_t)id >= m->entry_cap || !m->entry_list[id])
		return;
	mih_remove(m->pdq, (uint32_t)id);
	exactidx_remove(m->exact, (uint32_t)id);
	__atomic_store_n(&m->entry_list[id], 0, __ATOMIC_RELEASE);
}

int matcher_load(struct matcher *m, struct db *db)
{
	pthread_mutex_lock(&m->follow);
	store_hashlist_map(db, true);
	int64_t seq = 0, last = 0;
	int rc = store_hashlist_marks(db, &seq, &last);
	if (!rc)
		rc = reload_lists(m, db);
	m->seq = seq;
	m->last_entry = 0;
	if (!rc)
		rc = load_new(m, db);
	store_hashlist_map(db, false);
	pthread_mutex_unlock(&m->follow);
	return rc;
}

int matcher_follow(struct matcher *m, struct db *db)
{
	pthread_mutex_lock(&m->follow);
	struct store_hash_change ch[256];
	size_t n;
	bool lists_changed = false;
	int rc;
	/* disabled entries may belong to disabled rows loaded before: only the
	 * ones loaded (entry_list set) are removed; enabled ones are added back
	 * unless they are still to come with the new ids */
	do {
		rc = store_hashlist_changes(db, m->seq, ch, 256, &n);
		for (size_t i = 0; !rc && i < n; i++) {
			m->seq = ch[i].seq;
			const char *k = ch[i].kind;
			if (strcmp(k, "list_changed") == 0) {
				lists_changed = true;
			} else if (strcmp(k, "list_removed") == 0) {
				lists_changed = true;
				for (size_t id = 1; id < m->entry_cap; id++)
					if (m->entry_list[id] == (uint32_t)ch[i].list_id)
						remove_entry(m, (int64_t)id);
			} else if (strcmp(k, "entry_disabled") == 0) {
				remove_entry(m, ch[i].entry_id);
			} else if (strcmp(k, "entry_enabled") == 0 &&
				   ch[i].entry_id <= m->last_entry) {
				struct store_hash_entry e;
				if (store_hashlist_entry_get(db, ch[i].entry_id, &e, NULL) == 0 &&
				    !e.disabled) {
					struct loader l = {.m = m};
					uint8_t h[MIH_HASH_BYTES];
					uint32_t idv;
					l.hashes = h;
					l.ids = &idv;
					loader_entry(&l, &e);
					loader_flush(&l);
				}
			}
		}
	} while (!rc && n == 256);
	if (!rc && lists_changed)
		rc = reload_lists(m, db);
	if (!rc)
		rc = load_new(m, db);
	pthread_mutex_unlock(&m->follow);
	return rc;
}

static const struct mlist *find_list(const struct matcher *m, int64_t id)
{
	for (size_t i = 0; i < m->nlists; i++)
		if (m->lists[i].id == id)
			return &m->lists[i];
	return NULL;
}

static const char *algo_for_len(size_t len)
{
	return len == 16 ? "md5" : len == 20 ? "sha1" : "sha256";
}

int matcher_lookup(struct matcher *m, const char *algo, const uint8_t *hash, size_t len,
		   int max_distance, struct report_match **out, size_t *n, struct arena *a)
{
	*out = NULL;
	*n = 0;
	bool pdq = algo && strcmp(algo, "pdq") == 0;
	if (!algo || !hash || (pdq && len != 32) ||
	    (!pdq && !((strcmp(algo, "md5") == 0 && len == 16) ||
		       (strcmp(algo, "sha1") == 0 && len == 20) ||
		       (strcmp(algo, "sha256") == 0 && len == 32))))
		return HL_EINVAL;
	struct report_match *v = arena_alloc(a, MATCHER_MAX_PER_HASH * sizeof *v);
	if (!v)
		return HL_ENOMEM;
	size_t k = 0;
	if (pdq) {
		pthread_rwlock_rdlock(&m->lock);
		int d = max_distance >= 0 ? max_distance : m->max_threshold;
		pthread_rwlock_unlock(&m->lock);
		if (d > MIH_MAX_DISTANCE)
			d = MIH_MAX_DISTANCE;
		/* every entry within the largest threshold, nearest first: a limit
		 * here could drop the nearest ones (the index keeps any it meets) */
		struct mih_results res = {0};
		int rc = mih_query(m->pdq, hash, (unsigned)d, &res);
		if (rc) {
			mih_results_free(&res);
			return rc;
		}
		pthread_rwlock_rdlock(&m->lock);
		for (size_t i = 0; i < res.n && k < MATCHER_MAX_PER_HASH; i++) {
			uint32_t id = res.match[i].id;
			uint32_t list = id < m->entry_cap ? m->entry_list[id] : 0;
			const struct mlist *l = list ? find_list(m, list) : NULL;
			if (!l)
				continue;
			if (max_distance < 0 && (int)res.match[i].distance > l->threshold)
				continue;
			v[k++] = (struct report_match){.entry_id = id,
						       .list_id = list,
						       .algo = "pdq",
						       .distance = res.match[i].distance,
						       .attachment = -1,
						       .hash = -1};
		}
		pthread_rwlock_unlock(&m->lock);
		mih_results_free(&res);
	} else {
		uint32_t ids[MATCHER_MAX_PER_HASH];
		size_t found = 0;
		int rc = exactidx_lookup(m->exact, hash, len, ids, MATCHER_MAX_PER_HASH, &found);
		if (rc)
			return rc;
		if (found > MATCHER_MAX_PER_HASH)
			found = MATCHER_MAX_PER_HASH;
		pthread_rwlock_rdlock(&m->lock);
		for (size_t i = 0; i < found; i++) {
			uint32_t list = ids[i] < m->entry_cap ? m->entry_list[ids[i]] : 0;
			if (!list || !find_list(m, list))
				continue;
			v[k++] = (struct report_match){.entry_id = ids[i],
						       .list_id = list,
						       .algo = algo_for_len(len),
						       .distance = 0,
						       .attachment = -1,
						       .hash = -1};
		}
		pthread_rwlock_unlock(&m->lock);
	}
	/* the list's action, for triage (a static string per action) */
	static const char *const actions[] = {"raise_priority", "suggest_classification",
					      "previously_assessed"};
	pthread_rwlock_rdlock(&m->lock);
	for (size_t i = 0; i < k; i++) {
		const struct mlist *l = find_list(m, v[i].list_id);
		v[i].action = actions[0];
		for (size_t j = 0; l && j < 3; j++)
			if (strcmp(l->action, actions[j]) == 0)
				v[i].action = actions[j];
	}
	pthread_rwlock_unlock(&m->lock);
	*out = v;
	*n = k;
	return 0;
}

static int add_matches(struct matcher *m, const char *algo, const uint8_t *h, size_t len,
		       int att, int hs, struct report_match *all, size_t *k, struct arena *a)
{
	struct report_match *v;
	size_t n;
	int rc = matcher_lookup(m, algo, h, len, -1, &v, &n, a);
	if (rc)
		return rc;
	for (size_t i = 0; i < n && *k < MATCHER_MAX_PER_REPORT; i++) {
		v[i].attachment = att;
		v[i].hash = hs;
		all[(*k)++] = v[i];
	}
	return 0;
}

int matcher_match_report(struct matcher *m, const struct report *r, struct arena *a,
			 struct report_match **out, size_t *n)
{
	struct report_match *all = arena_alloc(a, MATCHER_MAX_PER_REPORT * sizeof *all);
	if (!all)
		return HL_ENOMEM;
	size_t k = 0;
	int rc = 0;
	for (size_t i = 0; !rc && i < r->nattachments; i++) {
		const struct report_attachment *f = &r->attachments[i];
		rc = add_matches(m, "sha256", f->sha256, 32, (int)i, -1, all, &k, a);
		if (!rc)
			rc = add_matches(m, "sha1", f->sha1, 20, (int)i, -1, all, &k, a);
		if (!rc)
			rc = add_matches(m, "md5", f->md5, 16, (int)i, -1, all, &k, a);
		if (!rc && f->has_pdq)
			rc = add_matches(m, "pdq", f->pdq, 32, (int)i, -1, all, &k, a);
	}
	for (size_t i = 0; !rc && i < r->nhashes; i++) {
		rc = add_matches(m, r->hashes[i].algo, r->hashes[i].bytes, r->hashes[i].len, -1,
				 (int)i, all, &k, a);
		if (rc == HL_EINVAL)
			rc = 0;
	}
	if (rc)
		return rc;
	*out = all;
	*n = k;
	return 0;
}

int matcher_list_info(struct matcher *m, int64_t list_id, const char **name, const char **action,
		      const char **classification, struct arena *a)
{
	pthread_rwlock_rdlock(&m->lock);
	const struct mlist *l = find_list(m, list_id);
	int rc = l ? 0 : HL_ENOTFOUND;
	if (l) {
		*name = arena_strdup(a, l->name);
		*action = arena_strdup(a, l->action);
		*classification = l->classification ? arena_strdup(a, l->classification) : NULL;
	}
	pthread_rwlock_unlock(&m->lock);
	return rc;
}

void matcher_get_stats(struct matcher *m, struct matcher_stats *st)
{
	struct mih_stats ms;
	mih_get_stats(m->pdq, &ms);
	pthread_rwlock_rdlock(&m->lock);
	st->lists = m->nlists;
	pthread_rwlock_unlock(&m->lock);
	st->pdq_entries = ms.entries;
	st->exact_entries = exactidx_count(m->exact);
	st->bytes = ms.bytes + exactidx_bytes(m->exact) + m->entry_cap * sizeof(uint32_t);
}
