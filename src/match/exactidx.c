/* exactidx.c — exact-hash index: per key length a dense entry array and a
 * linear-probing table of (hash bits, entry index); one id table over all.
 * See exactidx.h for the contract. */
#include "exactidx.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "err.h"

#define MAX_ENTRIES (UINT32_MAX - 1u)
#define SLOT_EMPTY UINT64_MAX
#define MIN_CAP 64

/* All the keys of one length. Key slot: (hash >> 32) << 32 | entry. */
struct xsub {
	uint8_t *keys; /* cap * len bytes */
	uint32_t *ids; /* cap */
	size_t n, cap;
	uint64_t *slot;
	size_t mask; /* slots - 1 */
};

/* id -> (key length, entry); empty when len is 0. */
struct idslot {
	uint32_t id;
	uint32_t idx;
	uint32_t len;
};

struct exactidx {
	pthread_rwlock_t rw;
	uint64_t seed;
	size_t max_entries;
	size_t n;
	struct xsub *sub[EXACTIDX_MAX_KEY + 1]; /* by key length */
	struct idslot *ids;
	size_t id_mask;
};

/* ---- hashing --------------------------------------------------------------- */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	x *= 0xd6e8feb86659fd93ull;
	x ^= x >> 32;
	return x;
}

static uint64_t key_hash(const struct exactidx *x, const uint8_t *key, size_t len)
{
	uint64_t h = x->seed ^ (len * 0x9e3779b97f4a7c15ull);
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, key + i, 8);
		h = mix(h ^ w) + 0x9e3779b97f4a7c15ull;
	}
	if (i < len) {
		uint64_t w = 0;
		memcpy(&w, key + i, len - i);
		h = mix(h ^ w ^ ((uint64_t)(len - i) << 56));
	}
	return mix(h);
}

static size_t id_home(uint32_t id, size_t mask)
{
	uint32_t v = id; /* lowbias32 */
	v ^= v >> 16;
	v *= 0x7feb352du;
	v ^= v >> 15;
	v *= 0x846ca68bu;
	v ^= v >> 16;
	return v & mask;
}

/* ---- id table -------------------------------------------------------------- */

static ptrdiff_t id_find(const struct exactidx *x, uint32_t id)
{
	if (!x->ids)
		return -1;
	for (size_t i = id_home(id, x->id_mask);; i = (i + 1) & x->id_mask) {
		if (!x->ids[i].len)
			return -1;
		if (x->ids[i].id == id)
			return (ptrdiff_t)i;
	}
}

static void id_put(struct idslot *tab, size_t mask, struct idslot v)
{
	size_t i = id_home(v.id, mask);
	while (tab[i].len)
		i = (i + 1) & mask;
	tab[i] = v;
}

/* Room for want ids at most 70% full. */
static int id_reserve(struct exactidx *x, size_t want)
{
	size_t cap = x->ids ? x->id_mask + 1 : 0;
	if (want <= cap / 10 * 7)
		return 0;
	size_t ncap = cap ? cap : MIN_CAP;
	while (want > ncap / 10 * 7)
		ncap *= 2;
	struct idslot *nt = calloc(ncap, sizeof *nt);
	if (!nt)
		return HL_ENOMEM;
	for (size_t i = 0; i < cap; i++)
		if (x->ids[i].len)
			id_put(nt, ncap - 1, x->ids[i]);
	free(x->ids);
	x->ids = nt;
	x->id_mask = ncap - 1;
	return 0;
}

static void id_delete_at(struct exactidx *x, size_t i)
{
	size_t j = i, mask = x->id_mask;
	for (;;) {
		j = (j + 1) & mask;
		if (!x->ids[j].len)
			break;
		size_t k = id_home(x->ids[j].id, mask);
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			x->ids[i] = x->ids[j];
			i = j;
		}
	}
	x->ids[i].len = 0;
}

/* ---- key tables -------------------------------------------------------------- */

static void sub_put(uint64_t *slot, size_t mask, uint64_t h, uint32_t idx)
{
	size_t i = h & mask;
	while (slot[i] != SLOT_EMPTY)
		i = (i + 1) & mask;
	slot[i] = (h >> 32) << 32 | idx;
}

/* Room for want entries of length len: arrays and slots. */
static int sub_reserve(struct exactidx *x, size_t len, size_t want)
{
	struct xsub *s = x->sub[len];
	if (!s) {
		s = calloc(1, sizeof *s);
		if (!s)
			return HL_ENOMEM;
		x->sub[len] = s;
	}
	if (want > s->cap) {
		size_t ncap = s->cap ? s->cap : MIN_CAP;
		while (ncap < want)
			ncap = ncap / 2 * 3;
		if (ncap > x->max_entries)
			ncap = x->max_entries;
		uint8_t *k = realloc(s->keys, ncap * len);
		if (!k)
			return HL_ENOMEM;
		s->keys = k;
		uint32_t *ids = realloc(s->ids, ncap * sizeof *ids);
		if (!ids)
			return HL_ENOMEM;
		s->ids = ids;
		s->cap = ncap;
	}
	size_t cap = s->slot ? s->mask + 1 : 0;
	if (want > cap / 10 * 7) {
		size_t ncap = cap ? cap : MIN_CAP;
		while (want > ncap / 10 * 7)
			ncap *= 2;
		uint64_t *ns = malloc(ncap * sizeof *ns);
		if (!ns)
			return HL_ENOMEM;
		memset(ns, 0xff, ncap * sizeof *ns);
		for (size_t e = 0; e < s->n; e++)
			sub_put(ns, ncap - 1, key_hash(x, s->keys + e * len, len), (uint32_t)e);
		free(s->slot);
		s->slot = ns;
		s->mask = ncap - 1;
	}
	return 0;
}

/* The key slot pointing at entry idx (which exists). */
static size_t sub_slot_of(const struct exactidx *x, const struct xsub *s, size_t len, uint32_t idx)
{
	size_t i = key_hash(x, s->keys + (size_t)idx * len, len) & s->mask;
	while ((uint32_t)s->slot[i] != idx)
		i = (i + 1) & s->mask;
	return i;
}

static void sub_delete_slot(const struct exactidx *x, struct xsub *s, size_t len, size_t i)
{
	size_t j = i, mask = s->mask;
	for (;;) {
		j = (j + 1) & mask;
		uint64_t v = s->slot[j];
		if (v == SLOT_EMPTY)
			break;
		uint32_t e = (uint32_t)v;
		size_t k = key_hash(x, s->keys + (size_t)e * len, len) & mask;
		bool stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
		if (!stays) {
			s->slot[i] = v;
			i = j;
		}
	}
	s->slot[i] = SLOT_EMPTY;
}

/* ---- public -------------------------------------------------------------------- */

struct exactidx *exactidx_new(size_t max_entries)
{
	struct exactidx *x = calloc(1, sizeof *x);
	if (!x)
		return NULL;
	if (getrandom(&x->seed, sizeof x->seed, 0) != (ssize_t)sizeof x->seed) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		x->seed = mix((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ (uintptr_t)x);
	}
	x->max_entries = max_entries && max_entries < MAX_ENTRIES ? max_entries : MAX_ENTRIES;
	pthread_rwlockattr_t ra;
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&x->rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	return x;
}

void exactidx_free(struct exactidx *x)
{
	if (!x)
		return;
	for (size_t len = 0; len <= EXACTIDX_MAX_KEY; len++) {
		struct xsub *s = x->sub[len];
		if (!s)
			continue;
		free(s->keys);
		free(s->ids);
		free(s->slot);
		free(s);
	}
	free(x->ids);
	pthread_rwlock_destroy(&x->rw);
	free(x);
}

static bool len_ok(size_t len)
{
	return len >= 1 && len <= EXACTIDX_MAX_KEY;
}

static int reserve_locked(struct exactidx *x, size_t len, size_t n)
{
	if (n > x->max_entries - x->n)
		return HL_ETOOBIG;
	size_t have = x->sub[len] ? x->sub[len]->n : 0;
	int rc = id_reserve(x, x->n + n);
	if (rc == 0)
		rc = sub_reserve(x, len, have + n);
	return rc;
}

int exactidx_reserve(struct exactidx *x, size_t len, size_t n)
{
	if (!x || !len_ok(len))
		return HL_EINVAL;
	pthread_rwlock_wrlock(&x->rw);
	int rc = reserve_locked(x, len, n);
	pthread_rwlock_unlock(&x->rw);
	return rc;
}

int exactidx_insert(struct exactidx *x, const uint8_t *key, size_t len, uint32_t id)
{
	if (!x || !key || !len_ok(len))
		return HL_EINVAL;
	pthread_rwlock_wrlock(&x->rw);
	int rc = HL_EEXIST;
	if (id_find(x, id) >= 0)
		goto out;
	rc = reserve_locked(x, len, 1);
	if (rc)
		goto out;
	struct xsub *s = x->sub[len];
	uint32_t idx = (uint32_t)s->n;
	memcpy(s->keys + (size_t)idx * len, key, len);
	s->ids[idx] = id;
	s->n++;
	sub_put(s->slot, s->mask, key_hash(x, key, len), idx);
	id_put(x->ids, x->id_mask, (struct idslot){id, idx, (uint32_t)len});
	x->n++;
out:
	pthread_rwlock_unlock(&x->rw);
	return rc;
}

int exactidx_remove(struct exactidx *x, uint32_t id)
{
	if (!x)
		return HL_EINVAL;
	pthread_rwlock_wrlock(&x->rw);
	ptrdiff_t at = id_find(x, id);
	if (at < 0) {
		pthread_rwlock_unlock(&x->rw);
		return HL_ENOTFOUND;
	}
	size_t len = x->ids[at].len;
	uint32_t idx = x->ids[at].idx;
	id_delete_at(x, (size_t)at);
	struct xsub *s = x->sub[len];
	sub_delete_slot(x, s, len, sub_slot_of(x, s, len, idx));
	uint32_t last = (uint32_t)(s->n - 1);
	if (idx != last) {
		/* the last entry fills the hole: re-point its key slot and id */
		size_t ks = sub_slot_of(x, s, len, last);
		s->slot[ks] = (s->slot[ks] & ~(uint64_t)UINT32_MAX) | idx;
		memcpy(s->keys + (size_t)idx * len, s->keys + (size_t)last * len, len);
		s->ids[idx] = s->ids[last];
		x->ids[id_find(x, s->ids[idx])].idx = idx;
	}
	s->n--;
	x->n--;
	pthread_rwlock_unlock(&x->rw);
	return 0;
}

static int u32_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

int exactidx_lookup(struct exactidx *x, const uint8_t *key, size_t len, uint32_t *ids,
                    size_t max_ids, size_t *n_found)
{
	if (!x || !key || !len_ok(len) || !n_found || (max_ids && !ids))
		return HL_EINVAL;
	size_t found = 0;
	uint64_t h = key_hash(x, key, len);
	pthread_rwlock_rdlock(&x->rw);
	const struct xsub *s = x->sub[len];
	if (s && s->n) {
		for (size_t i = h & s->mask;; i = (i + 1) & s->mask) {
			uint64_t v = s->slot[i];
			if (v == SLOT_EMPTY)
				break;
			if (v >> 32 != h >> 32)
				continue;
			uint32_t e = (uint32_t)v;
			if (memcmp(s->keys + (size_t)e * len, key, len))
				continue;
			if (found < max_ids)
				ids[found] = s->ids[e];
			found++;
		}
	}
	pthread_rwlock_unlock(&x->rw);
	if (found > 1 && found <= max_ids)
		qsort(ids, found, sizeof *ids, u32_cmp);
	*n_found = found;
	return 0;
}

size_t exactidx_count(struct exactidx *x)
{
	if (!x)
		return 0;
	pthread_rwlock_rdlock(&x->rw);
	size_t n = x->n;
	pthread_rwlock_unlock(&x->rw);
	return n;
}

size_t exactidx_bytes(struct exactidx *x)
{
	if (!x)
		return 0;
	pthread_rwlock_rdlock(&x->rw);
	size_t b = sizeof *x + (x->ids ? (x->id_mask + 1) * sizeof *x->ids : 0);
	for (size_t len = 1; len <= EXACTIDX_MAX_KEY; len++) {
		const struct xsub *s = x->sub[len];
		if (s)
			b += sizeof *s + s->cap * (len + sizeof(uint32_t)) +
			     (s->slot ? (s->mask + 1) * sizeof(uint64_t) : 0);
	}
	pthread_rwlock_unlock(&x->rw);
	return b;
}
