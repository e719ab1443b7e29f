/* items.c — one item per URL: the committer's linker, the item pages'
 * reads and the analyst's actions (see items.h). */
#include "core/items.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "classify.h"
#include "db.h"
#include "err.h"
#include "intake.h"
#include "log.h"
#include "receipt.h"
#include "report.h"
#include "timeutil.h"
#include "urlnorm.h"
#include "reports.h"
#include "store/items.h"
#include "utf8.h"

/* ---- the clock ---- */

static int64_t clock_fixed; /* 0: the system clock */

int64_t items_now(void)
{
	int64_t t = __atomic_load_n(&clock_fixed, __ATOMIC_RELAXED);
	return t ? t : (int64_t)time(NULL);
}

bool items_clock_settable(void)
{
	const char *e = getenv("HOTLINE_TEST_CLOCK");
	return e && strcmp(e, "1") == 0;
}

void items_clock_set(int64_t t)
{
	__atomic_store_n(&clock_fixed, t, __ATOMIC_RELAXED);
}

bool items_parse_time(const char *s, int64_t *out)
{
	if (!s)
		return false;
	struct tm tm = {0};
	int n = 0;
	size_t len = strlen(s);
	if (len && s[len - 1] == 'Z')
		len--;
	if (len == 10 && sscanf(s, "%4d-%2d-%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &n) == 3) {
	} else if (len == 16 && sscanf(s, "%4d-%2d-%2dT%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
				       &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &n) == 5) {
	} else if (len == 19 && sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
				       &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) == 6) {
	} else {
		return false;
	}
	if ((size_t)n != len || tm.tm_year < 1970 || tm.tm_year > 9999 || tm.tm_mon < 1 ||
	    tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 ||
	    tm.tm_min > 59 || tm.tm_sec > 59)
		return false;
	int mday = tm.tm_mday;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mday != mday) /* 31 February */
		return false;
	*out = (int64_t)t;
	return true;
}

void items_format_time(int64_t t, char out[21])
{
	out[0] = '\0';
	if (t <= 0)
		return;
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- the linker ---- */

struct slot {
	uint64_t h0, h1; /* 128 bits of BLAKE2b of the URL; h0 == 0 marks an empty slot */
	int64_t id;
};

struct link {
	int64_t item_id, report_id;
	bool counted; /* already in the item's count (an addition's link) */
	bool created; /* this link made the item, stored with a count of 1 */
};

/* Reports not yet written to an item's count (see items_pending). */
struct pcount {
	int64_t id; /* 0: empty slot */
	int64_t n;
};

/* A staged link. */
struct glink {
	int64_t item_id, report_id, at;
};

/* A batch's reports with staged links, first..last (item_link_ranges). */
struct lrange {
	int64_t first, last;
};

struct ranges {
	struct lrange *v;
	size_t n, cap;
};

/* a and b trade their ranges and memory */
static void ranges_trade(struct ranges *a, struct ranges *b)
{
	struct ranges t = *a;
	*a = *b;
	*b = t;
}

struct daily {
	const char *channel;
	int64_t n;
};

struct applied {
	int64_t report_id;
	const char *state;
};

struct items_linker {
	struct slot *slots;
	size_t cap, used; /* cap a power of two */
	/* this batch */
	struct link *links;
	size_t nlinks, caplinks;
	struct slot *fresh; /* items made in this batch, to forget on rollback */
	size_t nfresh, capfresh;
	const char **daily_ch;
	size_t ndaily, capdaily;
	struct applied *applied;
	size_t napplied, capapplied;
	/* A report of a known URL is linked in memory only: the link follows
	 * from the report's URLs, and each batch with such links writes the
	 * range of its report ids to item_link_ranges (store 013), one row.
	 * Every ITEMS_COUNT_EVERY_MS the links this process staged are taken
	 * as a generation, sorted by item, and the following batches move
	 * ITEMS_MOVE_STEP of them each into item_reports, raising each item's
	 * count by the links it received. */
	pthread_mutex_t plock;     /* pending, plinks and gen: read by other threads */
	struct pcount *pending;    /* staged links per item, not yet in gen */
	size_t pcap, pused;        /* pcap a power of two */
	struct glink *plinks;      /* staged by committed batches, not yet in gen */
	size_t nplinks, capplinks;
	struct ranges pranges;     /* and those batches' ranges */
	struct glink *gen;         /* the generation, sorted; [0, gpos) moved */
	size_t ngen, capgen, gpos, gnext; /* gnext: where this batch's moving ends */
	struct ranges granges;     /* the generation's ranges */
	/* Once the whole generation is in item_reports its ranges go, a slice
	 * per batch. A start moves and recounts whatever the ranges left
	 * name, so a link both moved and in a range for a while is harmless. */
	struct ranges clean;       /* ranges to delete; [0, cpos) gone */
	size_t cpos, cnext;
	struct lrange batch_range; /* this batch's, written in its flush */
	bool has_batch_range;
	int64_t batch_now;
	struct timespec last_freeze;
	/* items read as 'new' (no outcome yet) since the last time another
	 * connection committed (SQLite's data_version): their state is not
	 * read again batch after batch */
	int64_t *known_new;
	size_t kcap, kused;        /* kcap a power of two */
	int64_t data_version;
};

static bool known_new_has(const struct items_linker *l, int64_t id)
{
	if (!l->kcap)
		return false;
	for (size_t k = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (l->kcap - 1);;
	     k = (k + 1) & (l->kcap - 1)) {
		if (!l->known_new[k])
			return false;
		if (l->known_new[k] == id)
			return true;
	}
}

/* Remembers id as 'new'; without memory it is simply read again. */
static void known_new_add(struct items_linker *l, int64_t id)
{
	if ((l->kused + 1) * 2 > l->kcap) {
		size_t ncap = l->kcap ? l->kcap * 2 : 1024;
		int64_t *nt = calloc(ncap, sizeof *nt);
		if (!nt)
			return;
		for (size_t i = 0; i < l->kcap; i++) {
			int64_t v = l->known_new[i];
			if (!v)
				continue;
			size_t k = (size_t)((uint64_t)v * 0x9E3779B97F4A7C15ULL) & (ncap - 1);
			while (nt[k])
				k = (k + 1) & (ncap - 1);
			nt[k] = v;
		}
		free(l->known_new);
		l->known_new = nt;
		l->kcap = ncap;
	}
	size_t k = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (l->kcap - 1);
	while (l->known_new[k] && l->known_new[k] != id)
		k = (k + 1) & (l->kcap - 1);
	if (!l->known_new[k]) {
		l->known_new[k] = id;
		l->kused++;
	}
}

static struct pcount *pcount_slot(struct pcount *t, size_t cap, int64_t id)
{
	size_t k = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (cap - 1);
	while (t[k].id && t[k].id != id)
		k = (k + 1) & (cap - 1);
	return &t[k];
}

/* Adds n reports to item id's pending count. */
static int pending_add(struct items_linker *l, int64_t id, int64_t n)
{
	if ((l->pused + 1) * 2 > l->pcap) {
		size_t ncap = l->pcap ? l->pcap * 2 : 1024;
		struct pcount *nt = calloc(ncap, sizeof *nt);
		if (!nt)
			return HL_ENOMEM;
		for (size_t i = 0; i < l->pcap; i++)
			if (l->pending[i].id)
				*pcount_slot(nt, ncap, l->pending[i].id) = l->pending[i];
		free(l->pending);
		l->pending = nt;
		l->pcap = ncap;
	}
	struct pcount *s = pcount_slot(l->pending, l->pcap, id);
	if (!s->id) {
		s->id = id;
		l->pused++;
	}
	s->n += n;
	return 0;
}

static void url_hash(const char *url, uint64_t *h0, uint64_t *h1)
{
	unsigned char d[16];
	crypto_generichash(d, sizeof d, (const unsigned char *)url, strlen(url), NULL, 0);
	memcpy(h0, d, 8);
	memcpy(h1, d + 8, 8);
	if (*h0 == 0)
		*h0 = 1; /* 0 marks an empty slot */
}

static int map_grow(struct items_linker *l)
{
	size_t ncap = l->cap ? l->cap * 2 : 1024;
	struct slot *ns = calloc(ncap, sizeof *ns);
	if (!ns)
		return HL_ENOMEM;
	for (size_t i = 0; i < l->cap; i++) {
		struct slot *s = &l->slots[i];
		if (!s->h0)
			continue;
		size_t k = (size_t)s->h1 & (ncap - 1);
		while (ns[k].h0)
			k = (k + 1) & (ncap - 1);
		ns[k] = *s;
	}
	free(l->slots);
	l->slots = ns;
	l->cap = ncap;
	return 0;
}

static int64_t map_get(const struct items_linker *l, uint64_t h0, uint64_t h1)
{
	if (!l->cap)
		return 0;
	for (size_t k = (size_t)h1 & (l->cap - 1);; k = (k + 1) & (l->cap - 1)) {
		const struct slot *s = &l->slots[k];
		if (!s->h0)
			return 0;
		if (s->h0 == h0 && s->h1 == h1)
			return s->id;
	}
}

static int map_put(struct items_linker *l, uint64_t h0, uint64_t h1, int64_t id)
{
	if ((l->used + 1) * 2 > l->cap && map_grow(l))
		return HL_ENOMEM;
	size_t k = (size_t)h1 & (l->cap - 1);
	while (l->slots[k].h0 && !(l->slots[k].h0 == h0 && l->slots[k].h1 == h1))
		k = (k + 1) & (l->cap - 1);
	if (!l->slots[k].h0)
		l->used++;
	l->slots[k] = (struct slot){h0, h1, id};
	return 0;
}

/* Linear-probing deletion by shifting back the entries after the hole. */
static void map_del(struct items_linker *l, uint64_t h0, uint64_t h1)
{
	if (!l->cap)
		return;
	size_t mask = l->cap - 1, k = (size_t)h1 & mask;
	while (l->slots[k].h0 && !(l->slots[k].h0 == h0 && l->slots[k].h1 == h1))
		k = (k + 1) & mask;
	if (!l->slots[k].h0)
		return;
	size_t hole = k;
	for (size_t j = (hole + 1) & mask; l->slots[j].h0; j = (j + 1) & mask) {
		size_t home = (size_t)l->slots[j].h1 & mask;
		/* move j into the hole unless its home lies cyclically in (hole, j] */
		bool stays = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
		if (!stays) {
			l->slots[hole] = l->slots[j];
			hole = j;
		}
	}
	l->slots[hole] = (struct slot){0, 0, 0};
	l->used--;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 256;
	while (ncap < need)
		ncap *= 2;
	void *np = realloc(*p, ncap * size);
	if (!np)
		return HL_ENOMEM;
	*p = np;
	*cap = ncap;
	return 0;
}

static void load_one(void *arg, int64_t id, const char *url)
{
	struct items_linker *l = arg;
	uint64_t h0, h1;
	url_hash(url, &h0, &h1);
	map_put(l, h0, h1, id);
}

int items_linker_new(struct db *db, struct items_linker **out)
{
	struct items_linker *l = calloc(1, sizeof *l);
	if (!l || map_grow(l)) {
		free(l);
		return HL_ENOMEM;
	}
	pthread_mutex_init(&l->plock, NULL);
	clock_gettime(CLOCK_MONOTONIC, &l->last_freeze);
	int rc = store_item_each_url(db, load_one, l);
	int64_t moved = 0;
	if (!rc)
		rc = store_item_links_recover(db, &moved);
	if (!rc && moved)
		log_info("items: %" PRId64 " links left by a stopped process moved and their items "
			 "counted again", moved);
	if (rc) {
		items_linker_free(l);
		return rc;
	}
	*out = l;
	return 0;
}

void items_linker_free(struct items_linker *l)
{
	if (!l)
		return;
	free(l->slots);
	free(l->pending);
	free(l->plinks);
	free(l->pranges.v);
	free(l->gen);
	free(l->granges.v);
	free(l->clean.v);
	free(l->known_new);
	pthread_mutex_destroy(&l->plock);
	free(l->links);
	free(l->fresh);
	free(l->daily_ch);
	free(l->applied);
	free(l);
}

void items_batch_begin(struct items_linker *l, struct db *db)
{
	items_job_undo(l, 0);
	l->nfresh = 0;
	l->napplied = 0;
	l->has_batch_range = false; /* set by items_batch_flush */
	int64_t v = -1;
	if (store_data_version(db, &v) || v != l->data_version) {
		/* another connection committed: an item may have been assessed */
		if (l->known_new)
			memset(l->known_new, 0, l->kcap * sizeof *l->known_new);
		l->kused = 0;
		l->data_version = v;
	}
}

/* A mark packs the three lengths (each below 2^21 in a batch). */
size_t items_job_mark(struct items_linker *l)
{
	return (size_t)l->nlinks | ((size_t)l->nfresh << 21) | ((size_t)l->ndaily << 42);
}

void items_job_undo(struct items_linker *l, size_t mark)
{
	size_t nl = mark & ((1u << 21) - 1), nf = (mark >> 21) & ((1u << 21) - 1), nd = mark >> 42;
	while (l->nfresh > nf) {
		struct slot *s = &l->fresh[--l->nfresh];
		map_del(l, s->h0, s->h1);
	}
	l->nlinks = nl;
	l->ndaily = nd;
}

int items_link(struct items_linker *l, struct db *db, int64_t report_id, const char *channel,
	       const char *const *urls_norm, size_t n, bool new_report, int64_t now)
{
	if (new_report) {
		if (grow((void **)&l->daily_ch, &l->capdaily, l->ndaily + 1, sizeof *l->daily_ch))
			return HL_ENOMEM;
		l->daily_ch[l->ndaily++] = channel;
	}
	size_t first_link = l->nlinks;
	for (size_t i = 0; i < n; i++) {
		if (!urls_norm || !urls_norm[i])
			continue;
		uint64_t h0, h1;
		url_hash(urls_norm[i], &h0, &h1);
		int64_t id = map_get(l, h0, h1);
		int rc;
		bool created = false;
		if (!id) {
			struct arena a;
			arena_init(&a, 1u << 16);
			const char *host = urlnorm_host(urls_norm[i], &a);
			rc = store_item_insert(db, urls_norm[i], host ? host : "", channel, now, &id);
			arena_free(&a);
			if (rc == HL_EEXIST)
				rc = store_item_find(db, urls_norm[i], &id);
			if (rc)
				return rc;
			if (map_put(l, h0, h1, id) ||
			    grow((void **)&l->fresh, &l->capfresh, l->nfresh + 1, sizeof *l->fresh))
				return HL_ENOMEM;
			l->fresh[l->nfresh++] = (struct slot){h0, h1, id};
			created = true;
		}
		bool again = false; /* the same URL twice in one report */
		for (size_t k = first_link; k < l->nlinks && !again; k++)
			again = l->links[k].item_id == id;
		if (again)
			continue;
		/* a known URL's new report is linked in memory (its batch's
		 * range is written in items_batch_flush); an item's first
		 * report and an addition go to item_reports at once */
		if (!new_report || created) {
			rc = store_item_link(db, id, report_id);
			if (rc == HL_EEXIST)
				continue; /* linked already */
			if (rc)
				return rc;
		}
		/* an addition's link is counted at once (rare) */
		if (!new_report && !created && (rc = store_item_count_add(db, id, 1, now)))
			return rc;
		if (grow((void **)&l->links, &l->caplinks, l->nlinks + 1, sizeof *l->links))
			return HL_ENOMEM;
		l->links[l->nlinks++] = (struct link){id, report_id, !new_report, created};
	}
	return 0;
}

static int link_cmp(const void *a, const void *b)
{
	const struct link *x = a, *y = b;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	return x->report_id < y->report_id ? -1 : x->report_id > y->report_id;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* What a linked report becomes when its item already has an outcome. */
static const char *report_state_for(const char *item_state)
{
	if (!item_state || strcmp(item_state, "new") == 0)
		return NULL;
	if (strcmp(item_state, "not_illegal") == 0 || strcmp(item_state, "removed") == 0)
		return "closed";
	if (strcmp(item_state, "notified") == 0)
		return "forwarded";
	return "under_analysis";
}

/* True when item id was made in this batch (fresh holds ascending ids). */
static bool fresh_has(const struct items_linker *l, int64_t id)
{
	size_t lo = 0, hi = l->nfresh;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->fresh[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < l->nfresh && l->fresh[lo].id == id;
}

static int glink_cmp(const void *a, const void *b)
{
	const struct glink *x = a, *y = b;
	if (x->item_id != y->item_id)
		return x->item_id < y->item_id ? -1 : 1;
	return x->report_id < y->report_id ? -1 : x->report_id > y->report_id;
}

/* Moves staged links v[from, to) (sorted by item) into item_reports and
 * raises each item's count by the links moved; a link already there (moved
 * by another process's start) is not counted again. Their ranges stay
 * until drop_ranges. */
static int move_links(struct db *db, const struct glink *v, size_t from, size_t to)
{
	int rc = 0;
	for (size_t i = from; i < to && !rc;) {
		int64_t n = 0, at = 0;
		size_t j = i;
		for (; j < to && v[j].item_id == v[i].item_id && !rc; j++) {
			rc = store_item_link(db, v[j].item_id, v[j].report_id);
			n += rc == 0;
			if (rc == HL_EEXIST)
				rc = 0;
			if (v[j].at > at)
				at = v[j].at;
		}
		if (!rc && n)
			rc = store_item_count_add(db, v[i].item_id, n, at);
		i = j;
	}
	return rc;
}

/* Deletes the ranges v[from, to), their links all moved. */
static int drop_ranges(struct db *db, const struct ranges *r, size_t from, size_t to)
{
	int rc = 0;
	for (size_t i = from; i < to && !rc; i++)
		rc = store_item_range_drop(db, r->v[i].first);
	return rc;
}

/* In the batch's transaction: takes the staged links as a generation
 * every ITEMS_COUNT_EVERY_MS, and moves the next ITEMS_MOVE_STEP of the
 * generation, or twice the batch's links if more (ending with an item's
 * last link). */
static int move_step(struct items_linker *l, struct db *db)
{
	/* a slice that keeps a small batch quick, and keeps up with big ones */
	size_t step = 2 * l->nlinks > ITEMS_MOVE_STEP ? 2 * l->nlinks : ITEMS_MOVE_STEP;
	if (l->cpos < l->clean.n) {
		size_t end = l->cpos + ITEMS_RANGE_STEP;
		if (end > l->clean.n)
			end = l->clean.n;
		int rc = drop_ranges(db, &l->clean, l->cpos, end);
		if (rc)
			return rc;
		l->cnext = end;
	}
	if (!l->ngen && l->nplinks) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		int64_t ms = (int64_t)(t.tv_sec - l->last_freeze.tv_sec) * 1000 +
			     (t.tv_nsec - l->last_freeze.tv_nsec) / 1000000;
		if (ms < ITEMS_COUNT_EVERY_MS)
			return 0;
		qsort(l->plinks, l->nplinks, sizeof *l->plinks, glink_cmp);
		pthread_mutex_lock(&l->plock);
		struct glink *g = l->gen;
		size_t cap = l->capgen;
		l->gen = l->plinks;
		l->capgen = l->capplinks;
		l->ngen = l->nplinks;
		l->gpos = l->gnext = 0;
		l->plinks = g; /* the spent generation's memory, reused */
		l->capplinks = cap;
		l->nplinks = 0;
		/* the ranges come with their links (granges was handed over
		 * to clean, and emptied, when the last generation was all in) */
		ranges_trade(&l->granges, &l->pranges);
		if (l->pending)
			memset(l->pending, 0, l->pcap * sizeof *l->pending);
		l->pused = 0;
		pthread_mutex_unlock(&l->plock);
		l->last_freeze = t;
	}
	if (l->gpos >= l->ngen)
		return 0;
	size_t end = l->gpos + step;
	if (end >= l->ngen)
		end = l->ngen;
	while (end < l->ngen && l->gen[end].item_id == l->gen[end - 1].item_id)
		end++;
	int rc = move_links(db, l->gen, l->gpos, end);
	if (!rc)
		l->gnext = end;
	return rc;
}

int items_batch_flush(struct items_linker *l, struct db *db, int64_t now, const char *now_iso)
{
	l->batch_now = now;
	/* reports a day per channel: one row per channel per batch */
	if (l->ndaily) {
		qsort(l->daily_ch, l->ndaily, sizeof *l->daily_ch, str_cmp);
		char day[11];
		memcpy(day, now_iso, 10);
		day[10] = '\0';
		for (size_t i = 0; i < l->ndaily;) {
			size_t j = i;
			while (j < l->ndaily && strcmp(l->daily_ch[j], l->daily_ch[i]) == 0)
				j++;
			int rc = store_report_daily_add(db, day, l->daily_ch[i], (int64_t)(j - i));
			if (rc)
				return rc;
			i = j;
		}
	}
	if (!l->nlinks)
		return 0;
	qsort(l->links, l->nlinks, sizeof *l->links, link_cmp);
	struct arena a;
	arena_init(&a, 1u << 24);
	int rc = 0;
	for (size_t i = 0; i < l->nlinks && !rc;) {
		size_t j = i;
		while (j < l->nlinks && l->links[j].item_id == l->links[i].item_id)
			j++;
		const char *state = NULL, *cls = NULL;
		int64_t item = l->links[i].item_id;
		/* an item made in this batch has no outcome yet, any other is
		 * read: one that is illegal and still online is re-opened now */
		if (!fresh_has(l, item) && !known_new_has(l, item)) {
			rc = store_item_state(db, item, &state, &cls, &a);
			if (!rc && state && strcmp(state, "new") == 0)
				known_new_add(l, item);
			if (!rc && state &&
			    (strcmp(state, "illegal") == 0 || strcmp(state, "notified") == 0 ||
			     strcmp(state, "removed") == 0))
				rc = store_item_bump(db, item, 0, now, &state, &cls, &a);
		}
		const char *rs = rc ? NULL : report_state_for(state);
		for (size_t k = i; rs && k < j && !rc; k++) {
			rc = store_report_set(db, l->links[k].report_id, rs, NULL, now_iso);
			if (!rc && cls)
				rc = store_report_set_classification(db, l->links[k].report_id, cls,
								     now_iso);
			if (!rc && !grow((void **)&l->applied, &l->capapplied, l->napplied + 1,
					 sizeof *l->applied))
				l->applied[l->napplied++] = (struct applied){
					l->links[k].report_id,
					strcmp(rs, "closed") == 0	? "closed"
					: strcmp(rs, "forwarded") == 0 ? "forwarded"
									: "under_analysis"};
		}
		i = j;
	}
	arena_free(&a);
	/* the batch's reports with links in memory only: their range is what
	 * a start after a crash takes them again from */
	for (size_t k = 0; k < l->nlinks && !rc; k++) {
		const struct link *k0 = &l->links[k];
		if (k0->counted || k0->created)
			continue;
		if (!l->has_batch_range)
			l->batch_range = (struct lrange){k0->report_id, k0->report_id};
		if (k0->report_id < l->batch_range.first)
			l->batch_range.first = k0->report_id;
		if (k0->report_id > l->batch_range.last)
			l->batch_range.last = k0->report_id;
		l->has_batch_range = true;
	}
	if (!rc && l->has_batch_range)
		rc = store_item_range_add(db, l->batch_range.first, l->batch_range.last);
	/* moving links is bookkeeping: if it fails, the batch's reports are
	 * still stored and the links wait in their ranges for a later try */
	if (!rc && (l->ngen > l->gpos || l->nplinks || l->clean.n > l->cpos) &&
	    db_savepoint(db) == 0) {
		int mrc = move_step(l, db);
		if (mrc) {
			log_error("items: moving links failed (%d); they wait for the next batch", mrc);
			l->gnext = l->gpos;
			l->cnext = l->cpos;
			if (db_rollback_to(db))
				rc = HL_EIO;
		} else if (db_release(db)) {
			rc = HL_EIO;
		}
	}
	return rc;
}

void items_batch_end(struct items_linker *l, bool committed)
{
	if (!committed) {
		items_job_undo(l, 0);
		l->napplied = 0;
	}
	pthread_mutex_lock(&l->plock);
	if (committed) {
		/* the staged links wait in memory, counted for readers, until
		 * they are moved */
		bool all_kept = true;
		for (size_t k = 0; k < l->nlinks; k++) {
			const struct link *k0 = &l->links[k];
			if (k0->counted || k0->created)
				continue; /* not staged */
			if (pending_add(l, k0->item_id, 1) ||
			    grow((void **)&l->plinks, &l->capplinks, l->nplinks + 1,
				 sizeof *l->plinks)) {
				all_kept = false;
				continue;
			}
			l->plinks[l->nplinks++] =
				(struct glink){k0->item_id, k0->report_id, l->batch_now};
		}
		/* the range goes once its links are moved; one not kept in
		 * memory stays, and a restart moves its links */
		if (l->has_batch_range &&
		    (!all_kept || grow((void **)&l->pranges.v, &l->pranges.cap, l->pranges.n + 1,
				       sizeof *l->pranges.v)))
			log_error("items: links could not be kept in memory; a restart moves them");
		else if (l->has_batch_range)
			l->pranges.v[l->pranges.n++] = l->batch_range;
		l->gpos = l->gnext;
		l->cpos = l->cnext;
		if (l->cpos >= l->clean.n)
			l->clean.n = l->cpos = l->cnext = 0;
		if (l->ngen && l->gpos >= l->ngen && !l->clean.n) {
			/* all in item_reports: the generation's ranges go next */
			ranges_trade(&l->clean, &l->granges);
			l->ngen = l->gpos = l->gnext = 0;
		}
	} else {
		/* the moving was rolled back with the batch */
		l->gnext = l->gpos;
		l->cnext = l->cpos;
	}
	pthread_mutex_unlock(&l->plock);
	l->nfresh = 0;
	l->nlinks = 0;
	l->ndaily = 0;
}

int64_t items_pending(struct items_linker *l, int64_t item_id)
{
	if (!l || !item_id)
		return 0;
	pthread_mutex_lock(&l->plock);
	int64_t n = 0;
	if (l->pcap) {
		struct pcount *s = pcount_slot(l->pending, l->pcap, item_id);
		n = s->id ? s->n : 0;
	}
	/* the generation's links of item_id not moved yet */
	size_t lo = l->gpos, hi = l->ngen;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->gen[mid].item_id < item_id)
			lo = mid + 1;
		else
			hi = mid;
	}
	while (lo < l->ngen && l->gen[lo].item_id == item_id) {
		n++;
		lo++;
	}
	pthread_mutex_unlock(&l->plock);
	return n;
}

int items_linker_flush(struct items_linker *l, struct db *db)
{
	if (!l || (!l->nplinks && !l->ngen && l->cpos >= l->clean.n))
		return 0;
	qsort(l->plinks, l->nplinks, sizeof *l->plinks, glink_cmp);
	if (db_begin(db))
		return HL_EIO;
	pthread_mutex_lock(&l->plock);
	int rc = move_links(db, l->gen, l->gpos, l->ngen);
	if (!rc)
		rc = move_links(db, l->plinks, 0, l->nplinks);
	/* then every range of this process: the generation's, those the
	 * clean-up had not reached, the newest */
	if (!rc)
		rc = drop_ranges(db, &l->granges, 0, l->granges.n);
	if (!rc)
		rc = drop_ranges(db, &l->clean, l->cpos, l->clean.n);
	if (!rc)
		rc = drop_ranges(db, &l->pranges, 0, l->pranges.n);
	if (!rc && db_commit(db))
		rc = HL_EIO;
	if (rc) {
		db_rollback(db);
	} else {
		l->ngen = l->gpos = l->gnext = l->nplinks = 0;
		l->granges.n = l->pranges.n = 0;
		l->clean.n = l->cpos = l->cnext = 0;
		if (l->pending)
			memset(l->pending, 0, l->pcap * sizeof *l->pending);
		l->pused = 0;
	}
	pthread_mutex_unlock(&l->plock);
	return rc;
}

const char *items_report_state(struct items_linker *l, int64_t report_id)
{
	for (size_t i = 0; i < l->napplied; i++)
		if (l->applied[i].report_id == report_id)
			return l->applied[i].state;
	return NULL;
}

/* ---- staff ---- */

int items_reminder_due(int64_t notified_at, int64_t reminders_sent, const char *state, int64_t now)
{
	static const int64_t after[] = {86400, 3 * 86400, 7 * 86400};
	if (!state || strcmp(state, "notified") != 0 || !notified_at || reminders_sent >= 3)
		return 0;
	return now - notified_at >= after[reminders_sent] ? (int)reminders_sent + 1 : 0;
}

static void view_from(struct item_view *v, const struct store_item *it)
{
	memset(v, 0, sizeof *v);
	v->id = it->id;
	v->url = it->url;
	v->host = it->host;
	v->state = it->state;
	v->channel = it->channel;
	v->classification = it->classification;
	v->assessed_by = it->assessed_by;
	v->reopened = it->reopened;
	v->report_count = it->report_count;
	v->first_reported_at = it->first_reported_at;
	v->last_reported_at = it->last_reported_at;
	v->assessed_at = it->assessed_at;
	v->notified_at = it->notified_at;
	v->removed_at = it->removed_at;
	v->reappeared_at = it->reappeared_at;
	v->reopened_at = it->reopened_at;
	v->reminders_sent = it->reminders_sent;
	v->resolve_state = it->resolve_state;
	v->addresses = it->addresses;
	v->country = it->country;
	v->as_name = it->as_name;
	v->hosting_note = it->hosting_note;
	v->asn = it->asn;
	v->reminder_due = items_reminder_due(it->notified_at, it->reminders_sent, it->state,
					     items_now());
}

struct list_ctx {
	struct item_view *rows;
	size_t n, max;
};

static void list_one(void *arg, const struct store_item *it)
{
	struct list_ctx *c = arg;
	if (c->n < c->max)
		view_from(&c->rows[c->n++], it);
}

int items_list(struct hotline *hl, const struct items_filter *f, int64_t limit,
	       struct item_view **rows, size_t *n, struct arena *a)
{
	struct list_ctx c = {arena_alloc(a, (size_t)(limit > 0 ? limit : 1) * sizeof *c.rows), 0,
			     (size_t)limit};
	if (!c.rows)
		return HL_ENOMEM;
	struct store_item_filter sf = {f->state, f->open, f->reminders_due, items_now(), f->after};
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_item_list(db, &sf, limit, list_one, &c, a);
	hotline_db_put(hl, db);
	for (size_t i = 0; i < c.n; i++)
		c.rows[i].report_count += intake_item_pending(hl->intake, c.rows[i].id);
	*rows = c.rows;
	*n = c.n;
	return rc;
}

int items_get(struct hotline *hl, int64_t id, struct item_view *out, struct arena *a)
{
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	struct store_item it;
	int rc = store_item_get(db, id, &it, a);
	hotline_db_put(hl, db);
	if (!rc) {
		view_from(out, &it);
		out->report_count += intake_item_pending(hl->intake, out->id);
	}
	return rc;
}

struct numbers_ctx {
	const char **v;
	size_t n, max;
	struct arena *a;
};

static void number_one(void *arg, int64_t report_id)
{
	struct numbers_ctx *c = arg;
	char num[RECEIPT_NUMBER_SIZE];
	if (c->n < c->max && receipt_number_for_id((unsigned long long)report_id, num))
		c->v[c->n++] = arena_strdup(c->a, num);
}

int items_report_numbers(struct hotline *hl, int64_t id, int64_t limit, const char ***numbers,
			 size_t *n, struct arena *a)
{
	struct numbers_ctx c = {arena_alloc(a, (size_t)(limit > 0 ? limit : 1) * sizeof(char *)), 0,
				(size_t)limit, a};
	if (!c.v)
		return HL_ENOMEM;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_item_report_ids(db, id, limit, number_one, &c);
	hotline_db_put(hl, db);
	*numbers = c.v;
	*n = c.n;
	return rc;
}

struct of_ctx {
	int64_t ids[REPORT_MAX_URLS * 2];
	const char *urls[REPORT_MAX_URLS * 2];
	size_t n;
	struct arena *a;
};

static void of_one(void *arg, int64_t id, const char *url)
{
	struct of_ctx *c = arg;
	if (c->n < sizeof c->ids / sizeof c->ids[0]) {
		c->ids[c->n] = id;
		c->urls[c->n++] = arena_strdup(c->a, url);
	}
}

int items_of_report(struct hotline *hl, int64_t report_id, int64_t **ids, const char ***urls,
		    size_t *n, struct arena *a)
{
	struct of_ctx *c = arena_alloc(a, sizeof *c);
	if (!c)
		return HL_ENOMEM;
	c->n = 0;
	c->a = a;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	int rc = store_item_of_report(db, report_id, of_one, c, a);
	hotline_db_put(hl, db);
	*ids = c->ids;
	*urls = c->urls;
	*n = c->n;
	return rc;
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = 0;
	for (; *s; s++, n++)
		if (*s < '0' || *s > '9')
			return false;
	return n > 0 && n <= max;
}

static bool country_ok(const char *s)
{
	return s && strlen(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

static const char *upper2(const char *s, struct arena *a)
{
	if (!s || strlen(s) != 2)
		return s;
	char *u = arena_strdup(a, s);
	if (u)
		for (char *p = u; *p; p++)
			if (*p >= 'a' && *p <= 'z')
				*p = (char)(*p - 32);
	return u;
}

/* The first field's value of a classification, for statistics. */
static const char *class_key_of(const struct classify_scheme *s,
				const char *(*get)(void *arg, const char *name), void *arg)
{
	if (!s || !s->nfields)
		return NULL;
	const char *v = get(arg, s->fields[0].name);
	return v && *v ? v : NULL;
}

static int act_time(const char *(*get)(void *, const char *), void *arg, int64_t *at,
		    const char **code, const char **field)
{
	const char *s = get(arg, "at");
	*at = items_now();
	if (!s || !*s)
		return 0;
	int64_t t;
	*field = "at";
	if (!items_parse_time(s, &t)) {
		*code = "invalid";
		return HL_EINVAL;
	}
	if (t > *at + 60) {
		*code = "future";
		return HL_EINVAL;
	}
	*at = t;
	return 0;
}

int items_act(struct hotline *hl, const struct staff_who *who, int64_t id, const char *action,
	      const char *(*get)(void *arg, const char *name), void *arg, const char **code,
	      const char **field, struct arena *a)
{
	*code = NULL;
	*field = NULL;
	struct db *db = hotline_db(hl);
	if (!db)
		return HL_EIO;
	if (db_begin(db)) {
		hotline_db_put(hl, db);
		return HL_EIO;
	}
	struct store_item it;
	int rc = store_item_get(db, id, &it, a);
	char now_iso[21];
	time_now_iso(now_iso);
	int64_t now = items_now();
	char detail[256] = "";
	if (rc) {
		/* not found */
	} else if (strcmp(action, "assess") == 0) {
		const char *outcome = get(arg, "outcome");
		*field = "outcome";
		const char *json = NULL, *bad = NULL;
		if (!outcome || (strcmp(outcome, "illegal") != 0 && strcmp(outcome, "not_illegal") != 0)) {
			*code = outcome && *outcome ? "invalid" : "required";
			rc = HL_EINVAL;
		} else if (strcmp(outcome, "illegal") == 0 &&
			   classify_check(hl->scheme, get, arg, &json, &bad, a)) {
			*field = bad;
			*code = "invalid";
			rc = HL_EINVAL;
		} else if (strcmp(it.state, "new") != 0 && !it.reopened &&
			   strcmp(it.state, "illegal") != 0 && strcmp(it.state, "not_illegal") != 0) {
			/* notified or removed: re-assessing goes through re-appearance */
			*code = "transition";
			rc = HL_EINVAL;
		} else {
			const char *key = strcmp(outcome, "illegal") == 0
						  ? class_key_of(hl->scheme, get, arg)
						  : "not_illegal";
			/* an item re-opened after its notice keeps its notice state */
			const char *to = outcome;
			if (it.reopened && (strcmp(it.state, "notified") == 0 ||
					    strcmp(it.state, "removed") == 0) &&
			    strcmp(outcome, "illegal") == 0)
				to = it.state;
			rc = store_item_assess(db, id, to, json, key, who->name, now);
			int64_t nrep = 0;
			if (!rc)
				rc = store_item_apply_reports(db, id, report_state_for(to), json, now_iso,
							      &nrep);
			snprintf(detail, sizeof detail, "%s; reports=%" PRId64, outcome, nrep);
		}
	} else if (strcmp(action, "removed") == 0 || strcmp(action, "reappeared") == 0) {
		bool removed = action[0] == 'r' && action[2] == 'm';
		int64_t at;
		rc = act_time(get, arg, &at, code, field);
		if (!rc && removed && strcmp(it.state, "notified") != 0 &&
		    strcmp(it.state, "illegal") != 0) {
			*code = "transition", *field = "state", rc = HL_EINVAL;
		} else if (!rc && !removed && strcmp(it.state, "removed") != 0) {
			*code = "transition", *field = "state", rc = HL_EINVAL;
		} else if (!rc && removed && it.notified_at && at < it.notified_at) {
			*code = "before_notice", *field = "at", rc = HL_EINVAL;
		}
		if (!rc)
			rc = store_item_step(db, id, removed ? "removed" : "reappeared", at);
		int64_t nrep = 0;
		if (!rc)
			rc = store_item_apply_reports(db, id, removed ? "closed" : "under_analysis", NULL,
						      now_iso, &nrep);
		char when[21];
		items_format_time(at, when);
		snprintf(detail, sizeof detail, "at=%s", when);
	} else if (strcmp(action, "hosting") == 0) {
		const char *country = upper2(report_trim(get(arg, "country"), a), a);
		const char *asn_s = report_trim(get(arg, "asn"), a);
		const char *as_name = report_trim(get(arg, "as_name"), a);
		const char *addrs = report_trim(get(arg, "addresses"), a);
		const char *note = report_trim(get(arg, "note"), a);
		if (asn_s && (asn_s[0] == 'A' || asn_s[0] == 'a') && (asn_s[1] == 'S' || asn_s[1] == 's'))
			asn_s += 2;
		if (country && !country_ok(country)) {
			*field = "country", *code = "invalid", rc = HL_EINVAL;
		} else if (asn_s && !all_digits(asn_s, 10)) {
			*field = "asn", *code = "invalid", rc = HL_EINVAL;
		} else if ((as_name && strlen(as_name) > 200) || (addrs && strlen(addrs) > 1000) ||
			   (note && strlen(note) > 2000)) {
			*field = "note", *code = "too_long", rc = HL_EINVAL;
		} else if ((as_name && utf8_has_controls(as_name, false)) ||
			   (addrs && utf8_has_controls(addrs, false)) ||
			   (note && utf8_has_controls(note, true))) {
			*field = "note", *code = "control_chars", rc = HL_EINVAL;
		} else {
			int64_t asn = asn_s ? strtoll(asn_s, NULL, 10) : 0;
			if (asn > 4294967295LL) {
				*field = "asn", *code = "invalid", rc = HL_EINVAL;
			} else {
				rc = store_item_set_hosting(db, id, NULL, addrs, country, asn, as_name,
							    note, true, now);
				snprintf(detail, sizeof detail, "country=%s asn=%" PRId64,
					 country ? country : "", asn);
			}
		}
	} else {
		rc = HL_EINVAL;
		*code = "invalid";
	}
	if (!rc) {
		char obj[24];
		snprintf(obj, sizeof obj, "%" PRId64, id);
		char act[48];
		snprintf(act, sizeof act, "item.%s", action);
		rc = audit_append_db(db, who->actor, act, "item", obj, detail);
	}
	if (rc || db_commit(db)) {
		db_rollback(db);
		rc = rc ? rc : HL_EIO;
	}
	hotline_db_put(hl, db);
	return rc;
}
